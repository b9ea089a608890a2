"""Settings: one frozen object, checked when made, passed to create_app.

Nothing here is read at import time; ``Settings.from_environ`` is called only by the
entry points (``wsgi.py`` and the ``intake`` command).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crypto.kdf import MIN_MEMORY_KIB, TARGET_SECONDS
from intake.db import KEY_FILE_NAME, default_key_file

DEFAULT_WORKSPACE = Path("instance")
SECRET_KEY_FILE = "flask-secret-key"  # noqa: S105 (a file name, not a secret)
_ALLOWED_SCHEMES = ("sqlite", "postgresql")
#: A DNS name, an IPv4 address or a bracketed IPv6 address, lower case, no port.
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\]")


class SettingsError(Exception):
    """The settings are missing or invalid; the app refuses to start."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its workspace and limits."""

    #: Folder with the SQLite database (by default) and the session-signing key.
    workspace_dir: Path
    #: SQLAlchemy URL: sqlite:///... (embedded default) or postgresql+psycopg://...
    database_url: str
    #: Signs session cookies and CSRF tokens; never encrypts records.
    secret_key: bytes
    #: Argon2id memory for new keyrings (KiB); 64 MiB unless a test lowers it explicitly.
    argon2_memory_kib: int = MIN_MEMORY_KIB
    #: Argon2id memory floor accepted when opening a keyring; lowered only by tests.
    min_argon2_memory_kib: int = MIN_MEMORY_KIB
    #: Time one passphrase derivation should take on this machine.
    argon2_target_seconds: float = TARGET_SECONDS
    #: Argon2id memory for account password hashes (KiB); lowered only by tests.
    password_memory_kib: int = MIN_MEMORY_KIB
    #: Keys are dropped from memory after this many seconds without a request.
    idle_timeout_seconds: int = 900
    #: Largest attachment accepted in an interview (bytes).
    max_attachment_bytes: int = 25_000_000
    #: Largest record file `intake records add` and `intake validate` read.
    max_record_bytes: int = 5_000_000
    #: Largest request body the web app accepts.
    max_request_bytes: int = 30_000_000
    #: Host names the web app answers to (Host and Origin headers); others are refused.
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")

    def __post_init__(self) -> None:
        if not self.workspace_dir.is_absolute():
            raise SettingsError("workspace_dir must be an absolute path")
        scheme = self.database_url.split(":", 1)[0].split("+", 1)[0]
        if scheme not in _ALLOWED_SCHEMES:
            raise SettingsError("database_url must be a sqlite or postgresql URL")
        if len(self.secret_key) < 32:
            raise SettingsError("secret_key must be at least 32 bytes")
        if not 8 <= self.min_argon2_memory_kib <= self.argon2_memory_kib:
            raise SettingsError("argon2_memory_kib must be at least min_argon2_memory_kib")
        if min(self.max_record_bytes, self.max_request_bytes, self.idle_timeout_seconds) < 1:
            raise SettingsError("limits must be positive")
        if not self.allowed_hosts or not all(
            _HOST_NAME.fullmatch(host) for host in self.allowed_hosts
        ):
            raise SettingsError("allowed_hosts must be host names or addresses, without ports")

    @property
    def key_file(self) -> Path:
        """The workspace key file: beside an SQLite database, else in the workspace folder."""
        return key_file_of(self.workspace_dir, self.database_url)

    @classmethod
    def for_workspace(
        cls, workspace_dir: Path, *, database_url: str | None = None, **overrides: object
    ) -> Settings:
        """Settings for ``workspace_dir``, creating it (mode 0700) and its secret key if new."""
        workspace_dir, url = workspace_location(workspace_dir, database_url)
        workspace_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls(
            workspace_dir=workspace_dir,
            database_url=url,
            secret_key=_load_or_create_secret(workspace_dir / SECRET_KEY_FILE),
            **overrides,  # type: ignore[arg-type]
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from INTAKE_WORKSPACE and INTAKE_DATABASE_URL (both optional)."""
        workspace = Path(environ.get("INTAKE_WORKSPACE") or DEFAULT_WORKSPACE)
        return cls.for_workspace(workspace, database_url=environ.get("INTAKE_DATABASE_URL"))


def workspace_location(workspace_dir: Path, database_url: str | None) -> tuple[Path, str]:
    """The workspace folder, absolute, and its database URL (the folder's SQLite file
    unless one is given), as :meth:`Settings.for_workspace` takes them; nothing is made."""
    folder = workspace_dir.expanduser().resolve()
    url = database_url or f"sqlite:///{folder / 'intake.sqlite3'}"
    return folder, normalise_database_url(url)


def key_file_of(workspace_dir: Path, database_url: str) -> Path:
    """The key file of the workspace in ``workspace_dir`` with ``database_url``."""
    return default_key_file(database_url) or workspace_dir / KEY_FILE_NAME


def intake_command(workspace_dir: Path) -> str:
    """How to run `intake` on the workspace in ``workspace_dir``: with its --workspace
    unless it is the default one."""
    if workspace_dir == DEFAULT_WORKSPACE.resolve():
        return "intake"
    return f"intake --workspace {workspace_dir}"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _load_or_create_secret(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret
