"""The account table: usernames and password hashes are stored encrypted."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base

ACCOUNT_ROLES = ("admin", "coordinator", "interviewer")


class Account(Base):
    """A person who signs in. Nothing here names them in plaintext."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'coordinator', 'interviewer')", name="role_known"),
    )

    #: Random id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Keyed HMAC of the normalised username, for sign-in look-up (unique).
    login_index: Mapped[str] = mapped_column(String(64), unique=True)
    #: The username as typed, encrypted under the keyring.
    username: Mapped[bytes] = mapped_column(LargeBinary)
    #: The Argon2id password hash, encrypted under the keyring (no offline guessing).
    password_hash: Mapped[bytes] = mapped_column(LargeBinary)
    #: "admin", "coordinator" or "interviewer".
    role: Mapped[str] = mapped_column(String(16))
    #: UI language code (en, kk, ru, ug, zh).
    language: Mapped[str] = mapped_column(String(5))
    #: False once an admin disables the account.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Wrong passwords since the last successful sign-in.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    #: No sign-in is tried before this time after repeated failures (UTC).
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Role, active flag and login index encrypted under the keyring: an account
    #: promoted or re-enabled by editing the database fails this check.
    integrity: Mapped[bytes] = mapped_column(LargeBinary)
    #: When the account was made (UTC).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
