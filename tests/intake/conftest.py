"""Fixtures for the application's tests: workspaces on SQLite and on PostgreSQL.

Argon2id cost is lowered here, explicitly, so each unlock takes milliseconds.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intake import create_app
from intake.cli import CliContext
from intake.db import Database
from intake.migrate import upgrade_database
from intake.settings import Settings, normalise_database_url
from intake.workspace import services

PASSPHRASE = "correct horse battery staple"
FAST_KDF = {
    "argon2_memory_kib": 256,
    "min_argon2_memory_kib": 8,
    "argon2_target_seconds": 0.005,
    "password_memory_kib": 64,
}


def make_settings(workspace_dir: Path, database_url: str | None = None) -> Settings:
    """Settings for a test workspace with a deliberately cheap Argon2id cost."""
    return Settings.for_workspace(workspace_dir, database_url=database_url, **FAST_KDF)


@pytest.fixture(scope="session")
def postgres_server_url(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin_url = make_url(normalise_database_url(postgres_url))
    name = f"intake_test_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test on the embedded SQLite database and on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on the chosen backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    url: str = request.getfixturevalue("postgres_server_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings of a fresh workspace in a temporary folder."""
    return make_settings(tmp_path / "workspace", database_url)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """The workspace database, migrated to the newest revision."""
    db = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def cli_obj(settings: Settings, database: Database) -> CliContext:
    """What the `intake` command builds from its options, prepared for CliRunner."""
    return CliContext(settings=settings, database=database)


def init(database: Database, settings: Settings, role: str) -> None:
    """Initialise the workspace with PASSPHRASE."""
    with database.session() as session:
        services.init_workspace(
            session,
            settings,
            role=role,
            organisation_name="Example Rights Group",
            passphrase=PASSPHRASE,
        )


def unlock(database: Database, settings: Settings):  # type: ignore[no-untyped-def]
    """Unlock with PASSPHRASE and return the keys."""
    with database.session() as session:
        return services.unlock_workspace(session, settings, PASSPHRASE)


@pytest.fixture
def casedb(database: Database, settings: Settings):  # type: ignore[no-untyped-def]
    """An initialised, unlocked case database with an organisation identity."""
    init(database, settings, "casedb")
    keys = unlock(database, settings)
    with database.session() as session:
        services.create_organisation_identity(session, keys)
    return unlock(database, settings)


@pytest.fixture
def station(database: Database, settings: Settings):  # type: ignore[no-untyped-def]
    """An initialised, unlocked station; returns (keys, organisation identity)."""
    from crypto import Identity

    init(database, settings, "station")
    keys = unlock(database, settings)
    identity = Identity.generate()
    with database.session() as session:
        services.register_recipient(session, keys, identity.recipient, label="case database")
    return keys, identity


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    """The Flask app on the test workspace."""
    flask_app = create_app(settings, database=database)
    flask_app.config.update(TESTING=True)
    return flask_app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A test client."""
    return app.test_client()


@pytest.fixture
def passphrase_file(tmp_path: Path) -> str:
    """A file holding PASSPHRASE, for --passphrase-file."""
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n")
    return str(path)


@pytest.fixture
def record_id() -> str:
    """A fresh record id."""
    return str(uuid.uuid4())


ADMIN_PASSWORD = "admin password for tests"
FAST_PASSWORDS = {"password_memory_kib": 64}


def _signed_in_client(app, database, settings, role: str, account_role: str):  # type: ignore[no-untyped-def]
    """A test client of a workspace of ``role``, unlocked, signed in as ``account_role``."""
    from crypto import Identity
    from intake.accounts.services import create_account

    init(database, settings, role)
    keys = unlock(database, settings)
    with database.session() as session:
        if role == "casedb":
            services.create_organisation_identity(session, keys)
        else:
            services.register_recipient(
                session, keys, Identity.generate().recipient, label="case database"
            )
        create_account(
            session,
            settings,
            keys,
            username=f"{account_role}-1",
            password=ADMIN_PASSWORD,
            role=account_role,
            language="en",
        )
    client = app.test_client()
    page = client.get("/unlock").get_data(as_text=True)
    token = csrf_token(page)
    assert (
        client.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE}).status_code
        == 302
    )
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page),
            "username": f"{account_role}-1",
            "password": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf_token(html: str) -> str:
    """The CSRF token in a rendered form."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def station_interviewer(app, database, settings):  # type: ignore[no-untyped-def]
    """A client signed in as an interviewer at an unlocked station."""
    return _signed_in_client(app, database, settings, "station", "interviewer")


@pytest.fixture
def casedb_coordinator(app, database, settings):  # type: ignore[no-untyped-def]
    """A client signed in as a coordinator at an unlocked case database."""
    return _signed_in_client(app, database, settings, "casedb", "coordinator")


@pytest.fixture
def station_admin(app, database, settings):  # type: ignore[no-untyped-def]
    """A client signed in as an admin at an unlocked station."""
    return _signed_in_client(app, database, settings, "station", "admin")
