"""Settings refuse to start on missing or bad values."""

import stat
from pathlib import Path

import pytest

from intake.settings import Settings, SettingsError, normalise_database_url


def test_for_workspace_creates_a_private_folder_and_secret(tmp_path):
    # Given a new workspace path / When settings are made for it
    settings = Settings.for_workspace(tmp_path / "ws")
    # Then the folder is private, the key is 0600 and stable, SQLite is the default
    assert stat.S_IMODE((tmp_path / "ws").stat().st_mode) == 0o700
    key_file = tmp_path / "ws" / "flask-secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Settings.for_workspace(tmp_path / "ws").secret_key == settings.secret_key
    assert settings.database_url == f"sqlite:///{tmp_path / 'ws' / 'intake.sqlite3'}"


def test_from_environ_reads_only_the_mapping_given(tmp_path):
    settings = Settings.from_environ(
        {"INTAKE_WORKSPACE": str(tmp_path / "w"), "INTAKE_DATABASE_URL": "postgresql://u@h/d"}
    )
    assert settings.database_url == "postgresql+psycopg://u@h/d"


@pytest.mark.parametrize(
    "change",
    [
        {"workspace_dir": Path("relative")},
        {"database_url": "mysql://x"},
        {"secret_key": b"short"},
        {"argon2_memory_kib": 4, "min_argon2_memory_kib": 8},
        {"min_argon2_memory_kib": 4},
        {"max_record_bytes": 0},
        {"allowed_hosts": ()},
        {"allowed_hosts": ("localhost:5000",)},
        {"allowed_hosts": ("Evil Host",)},
    ],
)
def test_bad_values_are_refused(tmp_path, change):
    good = {
        "workspace_dir": tmp_path,
        "database_url": "sqlite:///x.db",
        "secret_key": b"k" * 32,
    }
    with pytest.raises(SettingsError):
        Settings(**{**good, **change})


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_the_key_file_sits_beside_the_sqlite_database_or_in_the_workspace(tmp_path):
    expected = tmp_path / "ws" / "intake.sqlite3.keys"
    assert Settings.for_workspace(tmp_path / "ws").key_file == expected
    on_postgres = Settings.for_workspace(tmp_path / "pg", database_url="postgresql://u@h/d")
    assert on_postgres.key_file == tmp_path / "pg" / "keys"
    assert Settings.for_workspace(tmp_path / "ws").allowed_hosts == ("127.0.0.1", "localhost")
