"""Record tables: ciphertext, ids, workflow state and coarse dates only."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.db import Base

#: The canonical record's top-level sections, each stored as its own ciphertext.
SECTIONS = (
    "interview",
    "informants",
    "victim",
    "episodes",
    "labour",
    "coding",
    "consent",
    "narrative",
    "sources",
    "links",
    "interventions",
)


class Testimony(Base):
    """A testimony stored at the case database under its own data key."""

    __tablename__ = "testimony"
    __table_args__ = (CheckConstraint("state IN ('stored', 'erased')", name="state_known"),)

    #: The record id (a UUID made before encryption, bound into every section).
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Workflow state: "stored"; "erased" once the data key is destroyed.
    state: Mapped[str] = mapped_column(String(16))
    #: Version of schemas/testimony.schema.json the record follows.
    schema_version: Mapped[str] = mapped_column(String(16))
    #: Day the case database stored it (a day, not a time, on purpose).
    received_on: Mapped[date] = mapped_column(Date)
    #: The record's data key wrapped by the keyring; NULL once erased.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: Encrypted, authenticated list of the record's parts (schema version, a hash of
    #: each section, attachment and provenance ciphertext): a row deleted, added,
    #: swapped or rolled back, or a changed schema_version, makes reading fail.
    manifest: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: Encrypted provenance (station, bundle, sealed hash, time received); NULL when
    #: the record was entered here rather than delivered.
    provenance: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: SHA-256 of the sealed file it was delivered as, to tell "already received"
    #: from a conflicting record with the same id; NULL when entered here.
    sealed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Optimistic lock: raised by one on every change, a save names the one it read.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Day the data key was destroyed (consent withdrawn); NULL while stored.
    erased_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Encrypted codes the case index needs (episode kinds, places, years, statuses,
    #: consent flags, station), bound to the record id and naming the manifest they
    #: were made with; NULL for records stored before them (read the slow way).
    index_facts: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    sections: Mapped[list[TestimonySection]] = relationship(
        back_populates="testimony", cascade="all, delete-orphan"
    )


class TestimonySection(Base):
    """One encrypted section of a testimony, bound to (record id, section name)."""

    __tablename__ = "testimony_section"

    #: The testimony it belongs to.
    testimony_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), primary_key=True
    )
    #: Section name, one of SECTIONS.
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: AES-256-GCM envelope of the section's canonical JSON, padded to a bucket.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)

    testimony: Mapped[Testimony] = relationship(back_populates="sections")


class Draft(Base):
    """An unfinished interview, encrypted under the workspace keyring."""

    __tablename__ = "draft"

    #: The future record id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Day of the last save.
    updated_on: Mapped[date] = mapped_column(Date)
    #: AES-256-GCM envelope of the draft document.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class _EncryptedFile:
    """Columns of an encrypted attachment (both ciphertexts bound to the row id)."""

    #: Random id (bound into both ciphertexts).
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Encrypted JSON: SHA-256, media type, file name.
    meta: Mapped[bytes] = mapped_column(LargeBinary)
    #: Encrypted file content.
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DraftAttachment(_EncryptedFile, Base):
    """A file attached to a draft, encrypted under the workspace keyring."""

    __tablename__ = "draft_attachment"

    #: The draft it belongs to.
    draft_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("draft.id", ondelete="CASCADE"), index=True
    )


class TestimonyAttachment(_EncryptedFile, Base):
    """A file of a stored testimony, encrypted under the record's data key."""

    __tablename__ = "testimony_attachment"

    #: The testimony it belongs to.
    testimony_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), index=True
    )


class SealedRecord(Base):
    """A finalised testimony at a station: one age file and nothing else readable."""

    __tablename__ = "sealed_record"

    #: The record id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Day it was sealed.
    sealed_on: Mapped[date] = mapped_column(Date)
    #: SHA-256 of the sealed bytes, shown on the receipt.
    sha256: Mapped[str] = mapped_column(String(64))
    #: The age file, sealed to the organisation's recipients; NULL once delivered
    #: (the case database's receipt confirmed it), so a seized station holds nothing.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: Day it was delivered to the case database; NULL while in the outbox.
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class TestimonyVersion(Base):
    """An earlier version of one section: the ciphertext a change replaced, and the change.

    ``ciphertext`` is the section's envelope exactly as it was stored before change
    ``number``; ``change`` holds who, when, why and what changed, encrypted under the
    record's data key and bound to (record id, section, number) and to the digest of
    ``ciphertext``, so a row moved, swapped or edited no longer opens.
    """

    __tablename__ = "testimony_version"

    #: The testimony it belongs to.
    testimony_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), primary_key=True
    )
    #: Section name, one of SECTIONS.
    section: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The change's number within the section, from 1.
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Day of the change.
    changed_on: Mapped[date] = mapped_column(Date)
    #: The section's ciphertext before this change.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    #: Encrypted JSON: account, time, reason, the readable differences, the revision.
    change: Mapped[bytes] = mapped_column(LargeBinary)


class ErasureRequest(Base):
    """A request to erase a testimony (consent withdrawn), confirmed by a second person.

    The reason is encrypted under the record's data key, so erasing the record also
    makes the reason unreadable.
    """

    __tablename__ = "erasure_request"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'withdrawn', 'confirmed')", name="erasure_state_known"
        ),
    )

    #: Random id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The testimony to erase.
    testimony_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), index=True
    )
    #: "pending", "withdrawn" or "confirmed".
    state: Mapped[str] = mapped_column(String(16))
    #: The account that asked.
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: Day it was asked.
    requested_on: Mapped[date] = mapped_column(Date)
    #: The reason, encrypted under the record's data key.
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    #: The account that confirmed or withdrew it; NULL while pending.
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    #: Day it was confirmed or withdrawn.
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
