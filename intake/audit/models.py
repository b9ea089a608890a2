"""Audit tables: who did what stays encrypted; the chain links and days are plain."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class AuditHead(Base):
    """The single row naming the newest entry, locked while an entry is appended."""

    __tablename__ = "audit_head"

    #: Always 1: there is one chain.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Sequence number of the newest entry (0 before the first).
    last_seq: Mapped[int] = mapped_column(Integer)
    #: Chain link of the newest entry (32 zero bytes before the first).
    last_link: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEntry(Base):
    """One audited action; its details are encrypted, its link chains it to the last."""

    __tablename__ = "audit_entry"

    #: Position in the chain, from 1, without gaps.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Day of the action (the exact time is inside the encrypted payload).
    occurred_on: Mapped[date] = mapped_column(Date)
    #: Hex id of the keyring root whose keys encrypted and chained this entry.
    key_id: Mapped[str] = mapped_column(String(16))
    #: AES-GCM envelope of the JSON details: time, actor, action, record, details.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    #: HMAC-SHA256 link over the previous link and this entry's columns.
    link: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCheckpoint(Base):
    """A signature over the chain at one entry, made by the case database's audit key."""

    __tablename__ = "audit_checkpoint"

    #: The entry the checkpoint covers (it and all before it).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The chain link at that entry.
    link: Mapped[bytes] = mapped_column(LargeBinary)
    #: Day it was signed.
    signed_on: Mapped[date] = mapped_column(Date)
    #: Ed25519 signature over (seq, link) in the "audit-checkpoint" context.
    signature: Mapped[bytes] = mapped_column(LargeBinary)
