"""SQLite files: owner-only, and a journal the panic wipe can overwrite."""

import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from intake import db
from intake.db import Database, _left_hot, default_key_file, scrub_after_commit

from .journal_helpers import leave_hot_journal


def test_sqlite_files_are_owner_only_and_the_journal_persists(tmp_path):
    # Given a new SQLite database / When a table is written
    database = Database(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x BLOB)"))
        connection.execute(text("INSERT INTO t VALUES (x'00')"))
        mode = connection.execute(text("PRAGMA journal_mode")).scalar()
    database.dispose()
    # Then the database and its journal are readable by the owner only, and the journal
    # is kept as one file that is reused in place (the wipe overwrites it)
    assert mode == "persist"
    for name in ("intake.sqlite3", "intake.sqlite3-journal"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_a_new_database_has_8_kib_pages_and_an_older_one_keeps_its_own(tmp_path):
    # Given a database made before pages grew (4 KiB, with a row)
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as connection:
        connection.execute("PRAGMA page_size = 4096")
        connection.execute("CREATE TABLE t (x BLOB)")
        connection.execute("INSERT INTO t VALUES (x'01')")
    connection.close()
    # When it and a new database are opened and written
    sizes, rows = {}, {}
    for name in ("old.sqlite3", "new.sqlite3"):
        database = Database(f"sqlite:///{tmp_path / name}")
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS t (x BLOB)"))
            connection.execute(text("INSERT INTO t VALUES (x'02')"))
            sizes[name] = connection.execute(text("PRAGMA page_size")).scalar()
            rows[name] = connection.execute(text("SELECT count(*) FROM t")).scalar()
        database.dispose()
    # Then the new one has 8 KiB pages; the old one keeps 4 KiB and all its rows
    assert sizes == {"old.sqlite3": 4096, "new.sqlite3": 8192}
    assert rows == {"old.sqlite3": 2, "new.sqlite3": 1}


def test_an_existing_readable_database_is_made_private(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_key_file_sits_beside_an_sqlite_file_only():
    assert (
        default_key_file("sqlite:////srv/ws/intake.sqlite3").as_posix()
        == "/srv/ws/intake.sqlite3.keys"
    )
    # Two databases in one folder never share a key file
    assert default_key_file("sqlite:////srv/ws/other.sqlite3") != default_key_file(
        "sqlite:////srv/ws/intake.sqlite3"
    )
    assert default_key_file("sqlite://") is None
    assert default_key_file("postgresql+psycopg://u@h/d") is None


def _destroyed_secret_left_in_journal(tmp_path, *, scrub: bool) -> bool:
    path = tmp_path / f"scrub-{scrub}.sqlite3"
    database = Database(f"sqlite:///{path}")
    secret = b"wrapped-key-" + os.urandom(16)
    with database.session() as session:
        session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, secret BLOB)"))
        session.execute(text("INSERT INTO t VALUES (1, :secret)"), {"secret": secret})
    with database.session() as session:
        session.execute(text("UPDATE t SET secret = NULL WHERE id = 1"))
        if scrub:
            scrub_after_commit(session)
    assert secret not in path.read_bytes()  # secure_delete
    left = secret in path.with_name(path.name + "-journal").read_bytes()
    # The database goes on working: written and read again after the scrub
    with database.session() as session:
        session.execute(text("INSERT INTO t VALUES (2, x'02')"))
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 2
    database.dispose()
    return left


def test_a_destroyed_value_stays_in_the_journal_unless_the_commit_scrubs_it(tmp_path):
    # Given a secret destroyed in a committed transaction (an erased wrapped key)
    # Then without the scrub the journal still holds it (what an attacker with the disk
    # reads); with the scrub it is gone, and the database still works
    assert _destroyed_secret_left_in_journal(tmp_path, scrub=False)
    assert not _destroyed_secret_left_in_journal(tmp_path, scrub=True)


def test_a_rolled_back_transaction_does_not_scrub_the_next_one(tmp_path):
    # Given a session whose transaction asked for a scrub and was rolled back
    database = Database(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    session = database.sessions()
    session.execute(text("CREATE TABLE t (x INTEGER)"))
    scrub_after_commit(session)
    session.rollback()
    # Then the request went with it
    assert "scrub_journal" not in session.info
    session.close()
    database.dispose()


def _secret_row(path):
    database = Database(f"sqlite:///{path}")
    secret = b"wrapped-key-" + os.urandom(16)
    with database.session() as session:
        session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, secret BLOB)"))
        session.execute(text("INSERT INTO t VALUES (1, :secret)"), {"secret": secret})
    return database, secret


def test_a_scrub_kept_from_its_lock_is_done_after_a_later_commit(tmp_path, caplog, monkeypatch):
    # Given a secret destroyed while the lock the scrub needs cannot be had in time
    path = tmp_path / "intake.sqlite3"
    database, secret = _secret_row(path)
    journal = path.with_name(path.name + "-journal")
    scrub = db.scrub_journal

    def locked(engine):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(db, "scrub_journal", locked)
    with database.session() as session:
        session.execute(text("UPDATE t SET secret = NULL WHERE id = 1"))
        scrub_after_commit(session)
    # Then the change stands and no error reaches the person, but the journal still
    # holds the secret and the log says so
    with database.session() as session:
        assert session.execute(text("SELECT secret FROM t")).scalar() is None
    assert secret in journal.read_bytes()
    assert "could not be overwritten" in caplog.text
    # When the lock can be had again and anything else is committed
    monkeypatch.setattr(db, "scrub_journal", scrub)
    with database.session() as session:
        session.execute(text("INSERT INTO t VALUES (2, x'02')"))
    # Then the journal is overwritten after all
    assert secret not in journal.read_bytes()
    database.dispose()


def test_a_savepoint_neither_scrubs_early_nor_drops_the_scrub(tmp_path):
    # Given a transaction that destroys a secret inside a savepoint, and a savepoint
    # rolled back after it
    path = tmp_path / "intake.sqlite3"
    database, secret = _secret_row(path)
    with database.session() as session:
        with session.begin_nested():
            session.execute(text("UPDATE t SET secret = NULL WHERE id = 1"))
            scrub_after_commit(session)
        savepoint = session.begin_nested()
        session.execute(text("INSERT INTO t VALUES (2, x'02')"))
        savepoint.rollback()
        # Then nothing was scrubbed yet (the change is not committed) and the request stands
        assert session.info.get("scrub_journal")
    # And once the whole transaction commits the journal holds no copy of the secret
    assert secret not in path.with_name(path.name + "-journal").read_bytes()
    assert secret not in path.read_bytes()
    database.dispose()


def test_the_journal_is_found_beside_the_file_a_symbolic_link_names(tmp_path):
    # Given a database opened through a symbolic link in another folder
    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    target = tmp_path / "real" / "intake.sqlite3"
    target.touch()
    (tmp_path / "link" / "intake.sqlite3").symlink_to(target)
    database, secret = _secret_row(tmp_path / "link" / "intake.sqlite3")
    # When a secret is destroyed and the journal scrubbed
    with database.session() as session:
        session.execute(text("UPDATE t SET secret = NULL WHERE id = 1"))
        scrub_after_commit(session)
    database.dispose()
    # Then the journal SQLite wrote, beside the real file, holds no copy of it
    assert secret not in (tmp_path / "real" / "intake.sqlite3-journal").read_bytes()


def _open_and_read(path):
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        changed = session.execute(text("SELECT count(*) FROM big WHERE v LIKE 'changed%'"))
        assert changed.scalar() == 0  # the crashed transaction was rolled back
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    database.dispose()


def test_a_journal_left_by_a_crash_is_kept_in_place_and_overwritten_once_rolled_back(
    tmp_path,
):
    # Given a journal left hot by a crash, holding a page as it was before an earlier
    # change (the marker), and a second name for its blocks (what an attacker reads of
    # them whether SQLite keeps the file or deletes it)
    path, marker = tmp_path / "intake.sqlite3", b"previous-draft-" + os.urandom(16)
    leave_hot_journal(path, marker)
    journal = path.with_name(path.name + "-journal")
    blocks = tmp_path / "blocks"
    os.link(journal, blocks)
    # When the database is opened and read (SQLite rolls the journal back)
    _open_and_read(path)
    # Then the journal is still in place, where the panic wipe reaches it, and its
    # blocks no longer hold the marker
    assert journal.exists() and os.path.samestat(journal.stat(), blocks.stat())
    assert marker not in blocks.read_bytes()


#: A writer in another process: it changes 29 rows, says it is ready, waits, changes
#: 30 more with a cache too small to hold them, then commits or rolls back. With
#: "spill" its first change already reaches the file (its journal synced, with a valid
#: header); with "reserve" the first change stays in its cache (a journal without one).
_WRITER = """
import sqlite3, sys, time
from pathlib import Path
path, ready, first, end = sys.argv[1:5]
connection = sqlite3.connect(path, isolation_level=None, timeout=30)
connection.execute("PRAGMA journal_mode = PERSIST")
if first == "spill":
    connection.execute("PRAGMA cache_size = 2")
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE big SET v = 'written' || v WHERE rowid < 30")
Path(ready).touch()
time.sleep(1.5)
connection.execute("PRAGMA cache_size = 2")
connection.execute("UPDATE big SET v = 'written' || v WHERE rowid >= 30 AND rowid < 60")
connection.execute(end)
"""


def _start_writer(path, first, end):
    ready = path.with_name("writer-ready")
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(ready), first, end])
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ready.exists()
    return writer


def _written(path):
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        written = session.execute(text("SELECT count(*) FROM big WHERE v LIKE 'written%'"))
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        count = written.scalar()
    database.dispose()
    return count


@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
def test_a_writer_in_another_process_keeps_its_journal_while_the_database_is_opened(tmp_path, end):
    # Given a writer in another process whose journal looks hot (a valid header) while
    # it is committing: the database is opened meanwhile
    path = tmp_path / "intake.sqlite3"
    leave_hot_journal(path, b"marker-" + os.urandom(8))
    _open_and_read(path)
    writer = _start_writer(path, "spill", end)
    assert _left_hot(path.with_name(path.name + "-journal"))
    seen = _written(path)
    assert writer.wait(timeout=30) == 0
    # Then the open waited for the writer, whose commit or rollback stands whole
    assert seen == (59 if end == "COMMIT" else 0)


def test_a_journal_a_crash_leaves_while_a_connection_waits_in_the_pool_is_overwritten(
    tmp_path,
):
    # Given a running app whose pooled connection is idle (made before the crash)
    path, marker = tmp_path / "intake.sqlite3", b"previous-draft-" + os.urandom(16)
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        session.execute(text("SELECT 1"))
    # When another process crashes mid-transaction, and the app then reads
    leave_hot_journal(path, marker)
    journal = path.with_name(path.name + "-journal")
    blocks = tmp_path / "blocks"
    os.link(journal, blocks)
    with database.session() as session:
        changed = session.execute(text("SELECT count(*) FROM big WHERE v LIKE 'changed%'"))
        assert changed.scalar() == 0
    database.dispose()
    # Then the journal was rolled back and overwritten before the connection was used
    assert marker not in blocks.read_bytes()


def test_a_crashed_journal_is_overwritten_only_once_a_writer_that_came_meanwhile_is_done(
    tmp_path, monkeypatch
):
    # Given a crashed journal, and a writer in another process that begins just after
    # the journal is rolled back, before it is overwritten (its own journal holds its
    # pages as they were, without a valid header yet), then rolls back
    path = tmp_path / "intake.sqlite3"
    leave_hot_journal(path, b"previous-draft-" + os.urandom(16))
    scrub, writers = db._scrub_recovered, []

    def writer_meanwhile(dbapi_connection, journal):
        writers.append(_start_writer(path, "reserve", "ROLLBACK"))
        return scrub(dbapi_connection, journal)

    monkeypatch.setattr(db, "_scrub_recovered", writer_meanwhile)
    # When the database is opened
    _open_and_read(path)
    assert [writer.wait(timeout=30) for writer in writers] == [0]
    # Then the overwrite waited for the writer: its rollback stands whole
    assert _written(path) == 0


def test_a_recovered_journal_that_cannot_be_overwritten_is_logged_and_tried_again(
    tmp_path, monkeypatch, caplog
):
    # Given a crashed journal that cannot be overwritten for now
    path, marker = tmp_path / "intake.sqlite3", b"previous-draft-" + os.urandom(16)
    leave_hot_journal(path, marker)
    journal = path.with_name(path.name + "-journal")
    zero = db._zero_file

    def refused(_path):
        raise PermissionError("busy medium")

    monkeypatch.setattr(db, "_zero_file", refused)
    # When the database is opened, then it is rolled back and works, and the log says so
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        changed = session.execute(text("SELECT count(*) FROM big WHERE v LIKE 'changed%'"))
        assert changed.scalar() == 0
    assert "could not be overwritten yet" in caplog.text
    assert marker in journal.read_bytes()
    # And once it can be, the next commit overwrites it
    monkeypatch.setattr(db, "_zero_file", zero)
    with database.session() as session:
        session.execute(text("INSERT INTO big VALUES ('later')"))
    database.dispose()
    assert marker not in journal.read_bytes()
