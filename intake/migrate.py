"""Run the Alembic migrations under migrations/ from code (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from intake.db import scrub_journal_or_later

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on ``engine``'s connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


#: Tables from which a migration removed plaintext (0017: station labels): rewritten
#: on PostgreSQL after an upgrade, so no old row version keeps it in their files.
_CLEANED_TABLES = ("station",)

_log = logging.getLogger(__name__)


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision``; after any migration ran, overwrite what
    migrations removed where the database keeps old copies (see :func:`_clean_up`)."""
    before = _revision(engine)
    command.upgrade(alembic_config(engine), revision)
    if _revision(engine) != before:
        try:
            _clean_up(engine)
        except Exception as error:  # the schema is migrated: a clean-up that fails is said
            _log.warning(
                "After the migrations, the old copies of what they removed (station labels) "
                "could not be overwritten (%s: %s).%s",
                type(error).__name__,
                error,
                " Run VACUUM FULL station when no one uses the database."
                if engine.dialect.name == "postgresql"
                else "",
            )


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _clean_up(engine: Engine) -> None:
    """SQLite: the rollback journal is scrubbed (it holds the pages as they were before
    the migrations; secure_delete already overwrote them in the file), now or, if
    another process holds the file, after a later commit. PostgreSQL: the tables a
    migration removed plaintext from are rewritten (VACUUM FULL cannot run in the
    migrations' transaction). The WAL and backups are out of reach of both."""
    if engine.dialect.name == "sqlite":
        scrub_journal_or_later(engine)
    elif engine.dialect.name == "postgresql":
        present = set(inspect(engine).get_table_names())
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # A server's open transaction would make VACUUM FULL wait without end. The
            # setting is the connection's: set back before the pool hands it on.
            connection.execute(text("SET lock_timeout = '5s'"))
            try:
                for table in _CLEANED_TABLES:
                    if table in present:
                        connection.execute(text(f"VACUUM FULL {table}"))
            finally:
                try:
                    connection.execute(text("RESET lock_timeout"))
                except DBAPIError:  # the connection broke: not handed on at all
                    connection.invalidate()


def downgrade_database(engine: Engine, revision: str = "base", *, wiping: bool = False) -> None:
    """Migrate the database down to ``revision``. ``wiping``: the panic wipe, whose keys
    are gone, so a revision that refuses to lose what only they open goes through."""
    config = alembic_config(engine)
    config.attributes["wiping"] = wiping
    command.downgrade(config, revision)
