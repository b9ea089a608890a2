"""Consent withdrawn: erase a testimony by destroying its wrapped data key.

A coordinator or administrator asks, with a reason; a second, different administrator
confirms. Confirming sets the wrapped key to NULL, so every section, attachment,
provenance, earlier version and the request's own reason, all encrypted under that
key, no longer open. The record then reads as "erased on <day>". The audit keeps only
that it happened.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from crypto import Context, OpenError, decrypt_field, encrypt_field
from intake.accounts.models import Account
from intake.accounts.services import username_of
from intake.audit.services import record_event
from intake.cases.blind import remove_blind_rows
from intake.cases.models import RecordLink
from intake.cases.snapshot import drop_snapshot
from intake.db import scrub_after_commit
from intake.delivery.addenda import remove_addenda
from intake.errors import N_, IntakeError
from intake.records import services as records
from intake.records.models import ErasureRequest, Testimony
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: Account roles that may ask for an erasure, and the one that may confirm it.
REQUESTERS = ("admin", "coordinator")
CONFIRMERS = ("admin",)


class ErasureRefusedError(IntakeError):
    """This person may not ask for or confirm this erasure."""

    status = 403


class ErasureRequestMissingError(IntakeError):
    """No pending erasure request with this id."""

    status = 404


class ErasurePendingError(IntakeError):
    """The record already has a pending erasure request."""

    status = 409


@dataclass(frozen=True)
class PendingErasure:
    """A pending request, as the Erasure requests page shows it."""

    id: uuid.UUID
    record_id: uuid.UUID
    requested_by: uuid.UUID
    requested_on: date
    reason: str
    #: The username of who asked ("" for an account since deleted).
    requested_by_name: str = ""


def _reason_context(record_id: uuid.UUID, request_id: uuid.UUID) -> Context:
    return Context(namespace="erasure-request", record_id=str(record_id), field=str(request_id))


def _today() -> date:
    return datetime.now(UTC).date()


def _stored(session: Session, keys: UnlockedKeys, record_id: uuid.UUID) -> Testimony:
    require_role(session, "casedb")
    testimony = session.get(Testimony, record_id, with_for_update=True)
    if testimony is None:
        raise records.RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    records._data_key(keys, testimony)  # raises "erased on <day>" for an erased record
    return testimony


def request_erasure(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    *,
    reason: str,
    actor: uuid.UUID,
    actor_role: str,
) -> ErasureRequest:
    """Ask for ``record_id`` to be erased; a different administrator must confirm."""
    if actor_role not in REQUESTERS:
        raise ErasureRefusedError(N_("Only coordinators and administrators ask for erasure."))
    testimony = _stored(session, keys, record_id)
    pending = session.scalar(
        select(ErasureRequest.id).where(
            ErasureRequest.testimony_id == record_id, ErasureRequest.state == "pending"
        )
    )
    if pending is not None:
        raise ErasurePendingError(N_("An erasure of this record is already waiting."))
    request_id = uuid.uuid4()
    data_key = records._data_key(keys, testimony)
    row = ErasureRequest(
        id=request_id,
        testimony_id=record_id,
        state="pending",
        requested_by=actor,
        requested_on=_today(),
        reason=encrypt_field(
            data_key,
            json.dumps({"reason": reason}, ensure_ascii=False).encode(),
            context=_reason_context(record_id, request_id),
        ),
    )
    session.add(row)
    record_event(session, keys, actor=actor, action="record.erase_request", record_id=record_id)
    return row


def _pending(session: Session, request_id: uuid.UUID) -> ErasureRequest:
    require_role(session, "casedb")
    row = session.get(ErasureRequest, request_id, with_for_update=True)
    if row is None or row.state != "pending":
        raise ErasureRequestMissingError(N_("There is no pending erasure request with this id."))
    return row


def withdraw_erasure(
    session: Session,
    keys: UnlockedKeys,
    request_id: uuid.UUID,
    *,
    actor: uuid.UUID,
    actor_role: str,
) -> ErasureRequest:
    """Withdraw a pending request (the one who asked, or an administrator)."""
    row = _pending(session, request_id)
    if actor_role not in REQUESTERS or (actor_role != "admin" and row.requested_by != actor):
        raise ErasureRefusedError(
            N_("Only the person who asked, or an administrator, withdraws a request.")
        )
    row.state, row.decided_by, row.decided_on = "withdrawn", actor, _today()
    record_event(
        session, keys, actor=actor, action="record.erase_withdraw", record_id=row.testimony_id
    )
    return row


def confirm_erasure(
    session: Session,
    keys: UnlockedKeys,
    request_id: uuid.UUID,
    *,
    actor: uuid.UUID,
    actor_role: str,
) -> uuid.UUID:
    """Confirm a pending request: destroy the record's data key; return the record id."""
    if actor_role not in CONFIRMERS:
        raise ErasureRefusedError(N_("Only an administrator confirms an erasure."))
    row = _pending(session, request_id)
    if row.requested_by == actor:
        raise ErasureRefusedError(
            N_("A second administrator confirms: the person who asked cannot confirm.")
        )
    testimony = _stored(session, keys, row.testimony_id)
    today = _today()
    testimony.wrapped_key = None
    # The journal's copy of the page that held the key goes too (SQLite).
    scrub_after_commit(session)
    # Unreadable without the key anyway; dropped so not even its size stays.
    testimony.index_facts = None
    testimony.state = "erased"
    testimony.erased_on = today
    row.state, row.decided_by, row.decided_on = "confirmed", actor, today
    record_event(session, keys, actor=actor, action="record.erase", record_id=testimony.id)
    records.mark_changed(session, [testimony.id])
    _after_erasure(session, testimony.id)
    return testimony.id


def _after_erasure(session: Session, record_id: uuid.UUID) -> None:
    # Its blind-index rows would still say which name buckets the erased record had.
    remove_blind_rows(session, record_id)
    # Coordinators' reasons for linking it to other records may speak of the person;
    # encrypted under the workspace's key, not the record's, they would outlive it.
    # The decisions themselves (two ids, a relation, a day) stay, without the reason.
    session.execute(
        update(RecordLink)
        .where(or_(RecordLink.record_a == record_id, RecordLink.record_b == record_id))
        .values(reason=None)
    )
    # A station's corrections no longer open without the record's key; not even
    # their sizes stay.
    remove_addenda(session, record_id)
    # The case index snapshot holds its codes under a key that is not destroyed.
    drop_snapshot(session)


def pending_erasures(session: Session, keys: UnlockedKeys) -> list[PendingErasure]:
    """Pending requests, oldest first, with their reasons."""
    require_role(session, "casedb")
    rows = session.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.state == "pending")
        .order_by(ErasureRequest.requested_on, ErasureRequest.id)
    )
    found = []
    for row in rows:
        found.append(
            PendingErasure(
                id=row.id,
                record_id=row.testimony_id,
                requested_by=row.requested_by,
                requested_on=row.requested_on,
                reason=_reason(session, keys, row),
                requested_by_name=_username(session, keys, row.requested_by),
            )
        )
    return found


def _username(session: Session, keys: UnlockedKeys, account_id: uuid.UUID) -> str:
    account = session.get(Account, account_id)
    return "" if account is None else username_of(keys, account)


def erased_on(session: Session, record_id: uuid.UUID) -> date | None:
    """The day the record was erased, if it was (a record never stored: None)."""
    require_role(session, "casedb")
    testimony = session.get(Testimony, record_id)
    if testimony is None or testimony.state != "erased":
        return None
    return testimony.erased_on or _today()


def pending_for(session: Session, record_id: uuid.UUID) -> ErasureRequest | None:
    """The record's pending request, if any."""
    require_role(session, "casedb")
    return session.scalar(
        select(ErasureRequest).where(
            ErasureRequest.testimony_id == record_id, ErasureRequest.state == "pending"
        )
    )


def pending_for_request(session: Session, request_id: uuid.UUID) -> ErasureRequest | None:
    """The pending request with this id, if any."""
    require_role(session, "casedb")
    row = session.get(ErasureRequest, request_id)
    return row if row is not None and row.state == "pending" else None


def _reason(session: Session, keys: UnlockedKeys, row: ErasureRequest) -> str:
    testimony = session.get(Testimony, row.testimony_id)
    assert testimony is not None  # the foreign key holds
    try:
        data_key = records._data_key(keys, testimony)
        plain = decrypt_field(
            data_key, row.reason, context=_reason_context(row.testimony_id, row.id)
        )
    except (OpenError, records.RecordUnreadableError):
        raise records.RecordTamperedError(
            N_("The erasure request for record %(id)s was altered in the database."),
            id=str(row.testimony_id),
        ) from None
    return str(json.loads(plain)["reason"])
