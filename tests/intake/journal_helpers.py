"""The SQLite files an attacker with the disk reads, and a rollback journal left hot by a
crash, holding a marker no table holds any more."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from intake.db import _JOURNAL_MAGIC


def sqlite_files(database) -> tuple[Path, Path]:
    """The SQLite file of ``database`` and the rollback journal beside it."""
    path = Path(database.engine.url.database)
    return path, path.with_name(path.name + "-journal")


#: A process that changes a few pages of ``big`` with a cache too small to hold them
#: (so its journal is synced and valid, and changed pages reach the file), then is
#: killed before it commits: the journal it leaves is hot.
_CRASH = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode = PERSIST")
connection.execute("PRAGMA cache_size = 2")
connection.execute("BEGIN")
connection.execute("UPDATE big SET v = 'changed' || v WHERE rowid < 60")
os.kill(os.getpid(), signal.SIGKILL)
"""


def leave_hot_journal(path: Path, marker: bytes) -> None:
    """Make the SQLite file ``path`` and leave its journal hot after a crash, with
    ``marker`` in the journal's tail only (a page as it was before a committed change,
    as a draft's previous version is)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA page_size = 8192")
    connection.execute("PRAGMA journal_mode = PERSIST")
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute("CREATE TABLE big (v TEXT)")
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO big VALUES (?)", [("b" * 1000,)] * 400)
    connection.execute("COMMIT")
    connection.execute("CREATE TABLE t (v BLOB)")
    connection.execute("INSERT INTO t VALUES (?)", (marker,))
    # Committed: many pages of big journaled first, then the marker's page, so the
    # crashed transaction (fewer pages) writes over the journal's start only.
    connection.execute("BEGIN")
    connection.execute("UPDATE big SET v = 'c' || v")
    connection.execute("UPDATE t SET v = x'00'")
    connection.execute("COMMIT")
    connection.close()
    subprocess.run([sys.executable, "-c", _CRASH, str(path)], check=False, timeout=60)
    journal = path.with_name(path.name + "-journal").read_bytes()
    assert journal.startswith(_JOURNAL_MAGIC), "the journal was not left hot"
    assert marker in journal and marker not in path.read_bytes()
