"""SQLite files: owner-only, and a journal the panic wipe can overwrite."""

import stat

from sqlalchemy import text

from intake.db import Database, default_key_file


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
