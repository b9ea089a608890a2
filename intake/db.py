"""Database plumbing: the declarative base, engines and sessions.

Models hold ciphertext bytes and know nothing of keys; services encrypt before they
write and decrypt after they read.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

_log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Name of the workspace key file (see intake.workspace.keyfile).
KEY_FILE_NAME = "keys"
#: Added to an SQLite database file's name to name its key file.
KEY_FILE_SUFFIX = ".keys"


#: Set in a pooled connection's ``info``: its journal's path (None in memory), and
#: whether that journal had been left hot when the connection was made.
_JOURNAL, _CRASHED = "journal", "journal_left_hot"


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Pages of 8 KiB, not 4: a testimony's encrypted sections (a few hundred bytes to
    # a few KiB each) fill them with less waste, so a case database of short testimonies
    # is about a sixth smaller and an import inserts and commits with less work. (16 KiB
    # is as good for short sections, but a section of 9 to 16 KiB, a long narrative,
    # then takes a page of its own.) Takes effect only while the file is empty; an
    # existing database keeps its page size unless it is ever vacuumed.
    cursor.execute("PRAGMA page_size = 8192")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Deleted rows (a finalised draft, an erased key) are overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete = ON")
    # The rollback journal holds copies of changed pages. PERSIST keeps it as one file
    # that is reused in place (DELETE would leave each old journal in free disk blocks),
    # so the panic wipe can overwrite every copy. Temporary tables stay in memory.
    journal = record.info[_JOURNAL] = _main_journal(dbapi_connection)
    record.info[_CRASHED] = _left_hot(journal)
    # The first read rolls back a journal a crash left hot, in the journal mode the
    # connection has then; SQLite would delete it after, leaving its blocks (pages as
    # they were before earlier changes, a draft's previous versions, say) on the disk.
    # Under an exclusive locking mode it keeps the journal in place instead, its header
    # zeroed; the mode is set back to normal, and the read after it lets the lock go.
    cursor.execute("PRAGMA locking_mode = EXCLUSIVE")
    cursor.execute("PRAGMA journal_mode = PERSIST")
    cursor.execute("PRAGMA locking_mode = NORMAL")
    cursor.execute("SELECT count(*) FROM sqlite_master").fetchall()
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.close()


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file of ``url`` (if it is an SQLite file) readable by its owner
    only, and make its journal and other files so if they are there."""
    # SQLite creates its file (and its journal, with the same mode) as the umask allows,
    # usually readable by everyone: create it owner-only first.
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return  # another database's name is not a file here
    path = parsed.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.chmod(path + suffix, 0o600)


#: The first bytes of a journal header SQLite would roll back (its "magic"). A journal
#: that was committed or scrubbed starts with zeros.
_JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


def _main_journal(dbapi_connection: Any) -> Path | None:
    """The rollback journal's path beside the file SQLite opened (a symbolic link
    resolved); None in memory. Reads no page, so a hot journal is not rolled back yet."""
    files = {row[1]: row[2] for row in dbapi_connection.execute("PRAGMA database_list")}
    return Path(files["main"] + "-journal") if files.get("main") else None


def _left_hot(journal: Path | None) -> bool:
    """The journal's header is valid: a crash may have left it for SQLite to roll back
    (or a writer in another process is committing)."""
    if journal is None:
        return False
    try:
        with journal.open("rb") as file:
            return file.read(len(_JOURNAL_MAGIC)) == _JOURNAL_MAGIC
    except OSError:
        return False


def _zero_journal(dbapi_connection: Any, journal: Path) -> None:
    """Overwrite ``journal`` with zeros and empty it, on this connection, while no one
    else can write: an exclusive lock taken with no page changed, so the journal is not
    in use (a hot journal is rolled back before the lock is granted, and one that still
    looks hot is left alone). Raises if the lock cannot be had within SQLite's wait."""
    dbapi_connection.execute("BEGIN EXCLUSIVE")
    try:
        if journal.exists() and not _left_hot(journal):
            _zero_file(journal)
    finally:
        dbapi_connection.execute("COMMIT")


def _scrub_recovered(dbapi_connection: Any, journal: Path) -> bool:
    """Overwrite a journal SQLite has rolled back (or rolls back now, as the lock is
    taken): :func:`_zero_journal`, never raising; False if the lock or the file could
    not be had (the journal then stays in place, where the panic wipe reaches it)."""
    try:
        _zero_journal(dbapi_connection, journal)
    except (OSError, sqlite3.Error) as error:
        _log.warning("a journal left by a crash could not be overwritten yet (%s)", error)
        return False
    return True


def _after_a_crash(engine: Engine) -> Any:
    """A checkout listener: a journal left hot by a crash, when the connection was made
    (rolled back then, and kept in place) or since (another process crashed while this
    connection sat in the pool: it rolls the journal back as it takes the lock), is
    overwritten before the connection is used. If that fails, the next commit tries
    again (as for a scrub kept from its lock)."""

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        journal = record.info.get(_JOURNAL)
        if journal is None:
            return
        crashed = record.info.pop(_CRASHED, False) or _left_hot(journal)
        if crashed and not _scrub_recovered(dbapi_connection, journal):
            _PENDING_SCRUBS.add(engine)

    return checkout


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, secure delete, a journal the wipe
    can overwrite (and one left by a crash overwritten once rolled back), and files only
    the owner can read.
    """
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        private_sqlite_file(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _after_a_crash(engine))
    return engine


def default_key_file(url: str) -> Path | None:
    """The key file beside an SQLite database file (its name plus ``.keys``, so two
    workspaces whose databases share a folder never share keys); None otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    path = Path(parsed.database).resolve()
    return path.with_name(path.name + KEY_FILE_SUFFIX)


#: Set in ``session.info`` by :func:`scrub_after_commit`.
_SCRUB_JOURNAL = "scrub_journal"
#: How much of a file is overwritten at a time.
_OVERWRITE_CHUNK = 1 << 20


def scrub_after_commit(session: Session) -> None:
    """Have SQLite's rollback journal overwritten once ``session``'s transaction commits.

    For a transaction that destroys something (an erased record's wrapped key, a
    finalised draft, a delivered sealed file). The database file overwrites what was
    deleted (secure_delete), but the journal, kept in place so that the panic wipe can
    reach it, still holds the changed pages as they were before the transaction, so
    what was destroyed would stay readable there until a later transaction happened to
    overwrite it. Nothing to do on PostgreSQL (its files are the server's)."""
    session.info[_SCRUB_JOURNAL] = True


#: SQLite engines whose journal still holds what a committed transaction destroyed,
#: because the scrub could not get the lock: tried again after each later commit.
_PENDING_SCRUBS: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Session, "after_commit")
def _scrub_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction has not committed yet
    asked = session.info.pop(_SCRUB_JOURNAL, False)
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return
    if asked or bind in _PENDING_SCRUBS:
        # Never raises: the transaction has committed, and what it did stands.
        scrub_journal_or_later(bind)


def scrub_journal_or_later(engine: Engine) -> None:
    """:func:`scrub_journal` now, or, if SQLite cannot lock the file yet, after each
    later commit on ``engine`` in this process until it can (said in the log; a process
    that ends first leaves it undone). Never raises."""
    try:
        scrub_journal(engine)
    except (OSError, DBAPIError, sqlite3.Error) as error:
        _PENDING_SCRUBS.add(engine)
        _log.warning("the journal could not be overwritten yet (%s): tried again later", error)
    else:
        _PENDING_SCRUBS.discard(engine)


@event.listens_for(Session, "after_rollback")
def _nothing_to_scrub(session: Session) -> None:
    # Rolled back: nothing was destroyed, and the journal was used to undo. (A savepoint
    # rolled back leaves the outer transaction and what it asked for.)
    if not session.in_nested_transaction():
        session.info.pop(_SCRUB_JOURNAL, None)


def scrub_journal(engine: Engine) -> None:
    """Overwrite the rollback journal of ``engine``'s SQLite file with zeros, then empty
    it, while no one else can write (an exclusive lock, taken with no page changed, so
    the journal is not in use; a hot journal left by a crash is rolled back before the
    lock is granted). An empty journal is not a hot journal: SQLite reuses it as usual.
    The journal is found beside the file SQLite opened (a symbolic link resolved).
    Waits as long as SQLite waits for a lock (5 s) and raises if it cannot get one.
    """
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        journal = _main_journal(driver)
        if journal is not None:  # None in memory: no journal on disk
            _zero_journal(driver, journal)
    finally:
        raw.close()


def overwrite_file(path: Path, fill: Callable[[int], bytes]) -> None:
    """Overwrite the whole file at ``path`` in place, a MiB at a time, with what
    ``fill(size)`` gives (zeros, random bytes), and sync it to the disk."""
    with path.open("r+b") as file:
        remaining = os.fstat(file.fileno()).st_size
        while remaining > 0:
            step = min(remaining, _OVERWRITE_CHUNK)
            file.write(fill(step))
            remaining -= step
        file.flush()
        os.fsync(file.fileno())


def _zero_file(path: Path) -> None:
    """Overwrite the file at ``path`` with zeros, then empty it (each step synced)."""
    overwrite_file(path, bytes)
    # Its blocks now hold zeros: emptied, so the next scrub has less to do.
    with path.open("r+b") as file:
        file.truncate(0)
        os.fsync(file.fileno())


class Database:
    """An engine, its session factory, and where the workspace key file is.

    Sessions carry the key file's path in ``session.info["key_file"]``: key material
    belongs with the database but is kept out of it (see intake.workspace.keyfile).
    """

    def __init__(self, url: str, *, key_file: Path | None = None) -> None:
        self.engine = make_engine(url)
        self.key_file = key_file or default_key_file(url)
        self.sessions = sessionmaker(
            self.engine, expire_on_commit=False, info={"key_file": self.key_file}
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back otherwise."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
