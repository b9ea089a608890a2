"""Workspace tables: nothing here is about a person."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base

ROLES = ("station", "casedb")
#: Drafts are wiped this many days after their last save unless an administrator
#: chooses otherwise (DESIGN.md: drafts are "finalised or wiped quickly").
DEFAULT_DRAFT_DAYS = 14
MIN_DRAFT_DAYS, MAX_DRAFT_DAYS = 1, 90


class Workspace(Base):
    """The single row that says what this workspace is."""

    __tablename__ = "workspace"
    __table_args__ = (
        CheckConstraint("role IN ('station', 'casedb')", name="role_known"),
        CheckConstraint(
            f"draft_days BETWEEN {MIN_DRAFT_DAYS} AND {MAX_DRAFT_DAYS}", name="draft_days_range"
        ),
    )

    #: Random id of this workspace.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: "station" (interviewer laptop) or "casedb" (case database).
    role: Mapped[str] = mapped_column(String(16))
    #: Name of the organisation running it, as shown in the page header.
    organisation_name: Mapped[str] = mapped_column(String(200))
    #: The day `intake init` ran (midnight UTC; the time of day is not kept).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Wrong passphrases given since the last successful unlock.
    failed_unlocks: Mapped[int] = mapped_column(Integer, default=0)
    #: No unlock is tried before this time after repeated failures (UTC).
    unlock_blocked_until: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    #: An unfinished interview is wiped this many days after its last save.
    draft_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_DRAFT_DAYS, server_default=str(DEFAULT_DRAFT_DAYS)
    )


class KeyMaterial(Base):
    """Key material as older versions stored it; now always empty.

    Key material lives in the workspace key file (intake.workspace.keyfile), where it
    can be overwritten in place. Rows found here are moved there on first use.
    """

    __tablename__ = "key_material"

    #: What it is: "keyring", "organisation-identity", "station-signing-key", ...
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Wrapped keyring JSON, or ciphertext from the keyring, or a public key.
    value: Mapped[bytes] = mapped_column(LargeBinary)
    #: When it was stored (UTC).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Recipient(Base):
    """An age recipient (public key) that finalised testimonies are sealed to."""

    __tablename__ = "recipient"

    #: Random id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The public recipient string, age1...
    recipient: Mapped[str] = mapped_column(String(100), unique=True)
    #: Who holds the identity, e.g. "case database" or "custodian abroad".
    label: Mapped[str] = mapped_column(String(100))
    #: The recipient string encrypted under the keyring: a row added or edited
    #: without the passphrase fails this check and nothing is sealed to it.
    attestation: Mapped[bytes] = mapped_column(LargeBinary)
    #: The day it was registered (midnight UTC).
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SecurityEvent(Base):
    """A security-relevant event such as a failed unlock; never holds record data."""

    __tablename__ = "security_event"

    #: Random id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: "unlock-failed", "unlocked", "key-rotated", "passphrase-changed", ...
    kind: Mapped[str] = mapped_column(String(32))
    #: The day it happened (midnight UTC): a seized station does not tell when it was used.
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
