"""Case-database tables for finding and linking people: ids, codes, days, ciphertext.

- ``blind_index``: truncated keyed hashes of name keys and ID numbers, one row per
  (kind, value, record); never a plaintext name, number or key.
- ``blind_index_plan``: how each kind of index was built (bits, rules version, key id,
  the planned row count), so a rebuild can tell that it is needed and reproduce it.
- ``person_candidate``: pairs of records sharing rare index values (ids, a count).
- ``record_link``: coordinators' decisions about two records (same person or not,
  family, held together); append-only, the newest decision for a pair counts.
- ``case_index_snapshot``: the case index kept between unlocks, encrypted (one row).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class BlindIndexRow(Base):
    """One blind index value of one record."""

    __tablename__ = "blind_index"
    __table_args__ = (Index("ix_blind_index_record", "record_id"),)

    #: "name" (victim's name keys), "informant" (testifiers' name keys), "id" (PRC ID).
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    #: The truncated HMAC (``bits`` long): shared by several rows on purpose.
    value: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: The record it points to.
    record_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), primary_key=True
    )
    #: Length of ``value`` in bits when it was written.
    bits: Mapped[int] = mapped_column(SmallInteger)
    #: Version of the rules that made the key (intake.names.RULES_VERSION, or "id-1").
    rules: Mapped[str] = mapped_column(String(16))


class BlindIndexPlan(Base):
    """How the rows of one kind of blind index are made now."""

    __tablename__ = "blind_index_plan"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    #: Truncation in bits, from crypto.blind_index.plan_bits(planned_rows).
    bits: Mapped[int] = mapped_column(SmallInteger)
    #: Rules version of the keys (a change needs a rebuild).
    rules: Mapped[str] = mapped_column(String(16))
    #: Keyring root the HMAC key was derived from (a rotation needs a rebuild).
    key_id: Mapped[str] = mapped_column(String(16))
    #: The expected number of rows the bits were planned for.
    planned_rows: Mapped[int] = mapped_column(Integer)


class PersonCandidate(Base):
    """Two records that share values of small blind-index buckets: a pair the
    same-person queue may offer. Found when a record is stored (from its own index
    rows), so the queue never pairs the whole database. Ids and a count only.
    """

    __tablename__ = "person_candidate"

    record_a: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), primary_key=True
    )
    record_b: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("testimony.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Name values shared, plus 100 when an ID number value is shared.
    shared: Mapped[int] = mapped_column(Integer, index=True)


class RecordLink(Base):
    """A coordinator's decision about two records; rows are never changed, except that
    erasing a record removes the reasons of the decisions about it.

    The newest row (highest ``seq``) for a pair and relation is the one in force;
    undoing a link adds a row with state "removed". Records themselves are never
    merged or rewritten.
    """

    __tablename__ = "record_link"
    __table_args__ = (Index("ix_record_link_pair", "record_a", "record_b", "relation"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Random id, bound into the encrypted reason.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    #: The two records, the smaller id first.
    record_a: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    record_b: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    #: "same_person", "family_member", "held_together" or another link_relation code.
    relation: Mapped[str] = mapped_column(String(32))
    #: "linked", "rejected" (not the same person) or "removed" (undone).
    state: Mapped[str] = mapped_column(String(16))
    #: Account that decided (None: the command line).
    actor: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    #: Day of the decision.
    decided_on: Mapped[date] = mapped_column(Date)
    #: Encrypted reason (keyring, purpose case notes), or None.
    reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class CaseIndexSnapshot(Base):
    """The case index between unlocks: one encrypted row (intake.cases.snapshot)."""

    __tablename__ = "case_index_snapshot"

    #: Random id, bound into the ciphertext.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: How many records it holds (a count only).
    records: Mapped[int] = mapped_column(Integer)
    #: The index's columns, ids and manifest digests, encrypted (keyring, purpose case
    #: index).
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
