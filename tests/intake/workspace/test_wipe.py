"""The panic wipe reaches every file SQLite wrote, wherever the path given leads."""

from __future__ import annotations

import os
import stat

from intake.db import Database, private_sqlite_file
from intake.migrate import upgrade_database
from intake.workspace.setup import wipe_workspace

from ..conftest import init, make_settings


def test_the_wipe_reaches_a_database_behind_a_symbolic_link(tmp_path):
    # Given a station whose database path is a symbolic link to a file elsewhere (its
    # journal is written beside the real file)
    real = tmp_path / "real" / "intake.sqlite3"
    real.parent.mkdir()
    link = tmp_path / "intake.sqlite3"
    link.symlink_to(real)
    settings = make_settings(tmp_path / "workspace", f"sqlite:///{link}")
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine)
    init(database, settings, "station")
    journal = real.with_name(real.name + "-journal")
    # (second names for their blocks: what an attacker reads once the names are gone)
    blocks = {}
    for path in (real, journal):
        blocks[path] = (tmp_path / f"blocks-{path.name}", path.read_bytes())
        os.link(path, blocks[path][0])
    # When the workspace is wiped
    wipe_workspace(database, settings)
    database.dispose()
    # Then the real file and its journal are gone (any file of that name now is a new
    # one), their blocks overwritten, and the link is kept and leads to a fresh database
    # made where it points
    for path, (spy, before) in blocks.items():
        assert not path.exists() or not os.path.samestat(path.stat(), spy.stat()), path.name
        after = spy.read_bytes()
        assert len(after) == len(before) and after != before, path.name
    assert link.is_symlink() and real.exists()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_only_an_sqlite_url_names_a_file_to_make_private(tmp_path, monkeypatch):
    # A PostgreSQL database's name (as the wipe passes on) is never made a file here
    monkeypatch.chdir(tmp_path)
    private_sqlite_file("postgresql+psycopg://postgres@127.0.0.1:5432/intake_case")
    assert list(tmp_path.iterdir()) == []
    private_sqlite_file("sqlite:///intake.sqlite3")
    assert [path.name for path in tmp_path.iterdir()] == ["intake.sqlite3"]
