"""Throwaway databases for benchmarks: a PostgreSQL database made on the given server and
dropped after, and a fresh, unlocked case database workspace on it (or on SQLite)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from intake.db import Database
from intake.migrate import upgrade_database
from intake.settings import Settings, normalise_database_url
from intake.workspace import services as workspace
from intake.workspace.vault import UnlockedKeys

#: Settings of a throwaway workspace whose unlock is not what is measured: Argon2id
#: with little memory and time, so setting it up takes milliseconds.
CHEAP_UNLOCK: dict[str, Any] = {
    "argon2_memory_kib": 256,
    "min_argon2_memory_kib": 8,
    "argon2_target_seconds": 0.005,
}


@contextmanager
def fresh_postgres(server_url: str, prefix: str = "intake_bench") -> Iterator[str]:
    """The URL of a new database of its own on ``server_url``, dropped afterwards, so a
    benchmark never touches anyone else's data."""
    server = make_url(normalise_database_url(server_url))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_casedb(
    folder: Path,
    passphrase: str,
    url: str | None = None,
    *,
    identity: bool = False,
    organisation: str = "Bench",
    **options: Any,
) -> tuple[Settings, Database, UnlockedKeys]:
    """A case database workspace in ``folder`` on ``url`` (SQLite in the folder when
    None), migrated, initialised and unlocked with ``passphrase``; with an organisation
    identity when ``identity``. ``options`` are settings (cheaper Argon2id, say)."""
    settings = Settings.for_workspace(folder / "ws", database_url=url, **options)
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine)
    with database.session() as session:
        workspace.init_workspace(
            session, settings, role="casedb", organisation_name=organisation, passphrase=passphrase
        )
    with database.session() as session:
        keys = workspace.unlock_workspace(session, settings, passphrase)
        if identity:
            workspace.create_organisation_identity(session, keys)
    if identity:  # unlocked again: the keys then hold the identity
        with database.session() as session:
            keys = workspace.unlock_workspace(session, settings, passphrase)
    return settings, database, keys


#: Host names under which a PostgreSQL server runs on this machine (None: its socket).
_LOCAL_HOSTS = (None, "", "localhost", "127.0.0.1", "::1")


def server_cpu(session: Session) -> Callable[[], float] | None:
    """A reader of the CPU seconds used so far by the PostgreSQL server process that
    serves ``session``'s connection, when that server runs on this machine (its
    /proc entry is read); None for SQLite, a server elsewhere, or no /proc. The server
    shares the machine's cores with the app, so an import's real cost includes it."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or bind.url.host not in _LOCAL_HOSTS:
        return None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    proc = Path(f"/proc/{pid}")
    try:
        if (proc / "comm").read_text().strip() != "postgres":
            return None
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        # Fields after the command's closing parenthesis: the 12th and 13th are the
        # user and system time in clock ticks (proc(5): utime, stime).
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return seconds
