"""Delivery tables: enrolled stations, received bundles and addenda (case database), sent
bundles, their receipts and corrections waiting to go (station). Ids, keys, sequence
numbers, days and sealed files only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class Station(Base):
    """A station enrolled at the case database: its bundles are accepted."""

    __tablename__ = "station"

    #: Random id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The station's Ed25519 public key (32 bytes) that signs its bundles.
    verify_key: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    #: Key, label and revocation encrypted under the keyring: a station added,
    #: edited or un-revoked without the passphrase is not trusted. The label (what
    #: the administrator calls it, e.g. "Almaty office laptop 2", which may name a
    #: person) is kept only here (services.station_label).
    attestation: Mapped[bytes] = mapped_column(LargeBinary)
    #: The day it was enrolled (midnight UTC: no time of day is kept).
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The day it was revoked (midnight UTC); NULL while its bundles are accepted.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReceivedBundle(Base):
    """A bundle imported at the case database, kept to refuse replays and resend receipts."""

    __tablename__ = "received_bundle"
    __table_args__ = (UniqueConstraint("station_id", "sequence"),)

    #: The bundle id the station gave it.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The station that signed it.
    station_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("station.id"), index=True)
    #: The station's sequence number for it (each is accepted once).
    sequence: Mapped[int] = mapped_column(Integer)
    #: Day it was imported.
    received_on: Mapped[date] = mapped_column(Date)
    #: The signed receipt given back (record ids and sealed hashes only).
    receipt: Mapped[bytes] = mapped_column(LargeBinary)


class SentBundle(Base):
    """A bundle made at a station, and the case database's receipt once confirmed."""

    __tablename__ = "sent_bundle"

    #: Random bundle id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: This station's sequence number for it, never reused.
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    #: Day it was made.
    made_on: Mapped[date] = mapped_column(Date)
    #: Day its receipt was confirmed; NULL until then.
    confirmed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The verified, signed receipt (record ids and sealed hashes only).
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ReceivedAddendum(Base):
    """A station's correction (addendum) to a record, received at the case database."""

    __tablename__ = "received_addendum"

    #: The addendum id the station gave it (each is received once).
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The record it corrects (stored here before it is accepted).
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("testimony.id"), index=True)
    #: The station that signed it.
    station_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("station.id"), index=True)
    #: Day it was received.
    received_on: Mapped[date] = mapped_column(Date)
    #: SHA-256 of the sealed file, in hex: the same file again is "already received".
    sealed_sha256: Mapped[str] = mapped_column(String(64))
    #: The addendum's JSON encrypted under the record's own data key, bound to the
    #: record and addendum ids: erasing the record makes it unreadable (and deletes it).
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class OutboxAddendum(Base):
    """A correction sealed at a station, waiting to go with the next bundle (station).

    Like a sealed record: one age file and nothing else readable; which record it
    corrects is inside the sealed file only. The row is deleted once a receipt
    confirms it, so a seized station holds nothing of a delivered correction, not even
    that it was made."""

    __tablename__ = "outbox_addendum"

    #: The addendum id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Day it was sealed.
    made_on: Mapped[date] = mapped_column(Date)
    #: SHA-256 of the sealed bytes.
    sha256: Mapped[str] = mapped_column(String(64))
    #: The age file, sealed to the organisation's recipients.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
