"""First-run set-up and the panic wipe."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from intake.accounts.models import Account
from intake.accounts.services import create_account
from intake.db import Database, overwrite_file, private_sqlite_file
from intake.errors import N_
from intake.migrate import downgrade_database, upgrade_database
from intake.settings import SECRET_KEY_FILE, Settings
from intake.workspace import services
from intake.workspace.keyfile import KeyFile
from intake.workspace.vault import UnlockedKeys


def setup_workspace(
    session: Session,
    settings: Settings,
    *,
    role: str,
    organisation_name: str,
    passphrase: str,
    admin_username: str,
    admin_password: str,
    language: str,
    recipients: list[str],
) -> tuple[UnlockedKeys, Account]:
    """Initialise the workspace with its first admin and its keys, in one transaction.

    A case database gets its organisation identity; a station registers ``recipients``.
    """
    services.init_workspace(
        session, settings, role=role, organisation_name=organisation_name, passphrase=passphrase
    )
    session.flush()
    keys = services.unlock_workspace(session, settings, passphrase)
    admin = create_account(
        session,
        settings,
        keys,
        username=admin_username,
        password=admin_password,
        role="admin",
        language=language,
    )
    if role == "casedb":
        services.create_organisation_identity(session, keys)
        identity = services.load_identity(session, keys.keyring)
        keys = UnlockedKeys(keyring=keys.keyring, identity=identity)
    else:
        if not recipients:
            raise services.RecipientError(
                N_("A station needs at least one organisation recipient (age1...) to seal to.")
            )
        for recipient in recipients:
            services.register_recipient(session, keys, recipient, label="organisation")
    return keys, admin


def _shred(path: Path) -> None:
    # Overwrite before unlinking. On SSDs and copy-on-write file systems old blocks
    # may survive; what makes the data unreadable is that the keyring is gone.
    overwrite_file(path, os.urandom)
    path.unlink()


def wipe_workspace(database: Database, settings: Settings) -> None:
    """Destroy the key material and the database, then leave an empty, migrated one.

    The key file is overwritten in place with random bytes and removed first: without
    it nothing that remains can be opened.
    SQLite: the database file and its journal are overwritten with random bytes and
    removed (the real file's, if the path is a symbolic link, which is kept).
    PostgreSQL: every table is dropped (the server's own files, WAL and backups are
    outside this app's reach; without the keyring they hold only ciphertext).
    """
    for path in {database.key_file, settings.key_file} - {None}:
        KeyFile(path).shred()  # type: ignore[arg-type]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        database.dispose()
        # The files beside the file SQLite opened (a symbolic link resolved: SQLite writes
        # its journal beside the real file) and beside the path given. A symbolic link is
        # kept, so the new database is made where it leads (an encrypted volume, say).
        named = Path(url.database)
        for base in dict.fromkeys((named.resolve(), named)):
            for suffix in ("", "-wal", "-shm", "-journal"):
                candidate = base.with_name(base.name + suffix)
                if candidate.exists() and not candidate.is_symlink():
                    _shred(candidate)
        private_sqlite_file(settings.database_url)  # the new one, owner-only as at first
    else:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM key_material")
        if inspect(database.engine).has_table("alembic_version"):
            downgrade_database(database.engine, wiping=True)
    secret = settings.workspace_dir / SECRET_KEY_FILE
    if secret.exists():
        _shred(secret)
    upgrade_database(database.engine)
