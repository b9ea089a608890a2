"""Record services: store, seal and open testimonies.

At a case database each section is encrypted under the record's own data key and
bound to (record id, section). At a station a finalised record is sealed to the
organisation's recipients and nothing else about it is kept.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import (
    Context,
    OpenError,
    Purpose,
    decrypt_field,
    encrypt_field,
    new_record_key,
    seal,
    unwrap_record_key,
    wrap_record_key,
)
from intake.errors import N_, IntakeError
from intake.records.attachments import (
    Attachment,
    check_against_sources,
    pack_payload,
    store_testimony_attachments,
    testimony_attachments,
)
from intake.records.models import SECTIONS, SealedRecord, Testimony, TestimonySection
from intake.records.upgrade import upgrade_record
from intake.records.validation import Problem, validate_record
from intake.workspace.services import get_workspace, require_role, verified_recipients
from intake.workspace.vault import UnlockedKeys


class RecordInvalidError(IntakeError):
    """The record does not validate against the schema."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            N_("The record has %(count)s problem(s) and was not stored."), count=len(problems)
        )
        self.problems = problems


class RecordExistsError(IntakeError):
    """A record with this id is already stored."""

    status = 409


class RecordNotFoundError(IntakeError):
    """No record with this id."""

    status = 404


class RecordUnreadableError(IntakeError):
    """A stored record does not open: erased, tampered with, or moved."""

    status = 500


class NoRecipientsError(IntakeError):
    """A station has no recipient to seal to."""


def _today() -> Any:
    return datetime.now(UTC).date()


def _section_context(record_id: uuid.UUID, section: str) -> Context:
    return Context(namespace="testimony-section", record_id=str(record_id), field=section)


def canonical_json(value: Any) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, no spaces, non-ASCII kept as written."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


_ENVELOPE_KEYS = frozenset({"schema_version", "record_id"})


class RecordShapeError(IntakeError):
    """A valid record has a top-level key the store has no section for."""


def _checked(document: Any) -> uuid.UUID:
    problems = validate_record(document)
    if problems:
        raise RecordInvalidError(problems)
    # Refuse rather than silently drop: the schema and SECTIONS must grow together.
    unknown = set(document) - _ENVELOPE_KEYS - set(SECTIONS)
    if unknown:
        raise RecordShapeError(
            N_("The store has no section for: %(keys)s."), keys=", ".join(sorted(unknown))
        )
    return uuid.UUID(document["record_id"])


def store_testimony(
    session: Session,
    keys: UnlockedKeys,
    document: dict[str, Any],
    attachments: Sequence[Attachment] = (),
) -> Testimony:
    """Validate ``document`` and store it at the case database, section by section.

    Attachments are stored under the same data key; each must be listed in sources.
    """
    require_role(session, "casedb")
    document = upgrade_record(document)
    record_id = _checked(document)
    check_against_sources(document, attachments)
    if session.get(Testimony, record_id) is not None:
        raise RecordExistsError(N_("Record %(id)s is already stored."), id=str(record_id))
    data_key = new_record_key()
    wrapping = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)
    testimony = Testimony(
        id=record_id,
        state="stored",
        schema_version=document["schema_version"],
        received_on=_today(),
        wrapped_key=wrap_record_key(wrapping, data_key, record_id=str(record_id)),
    )
    # Every section is written, absent ones as JSON null, so presence does not leak.
    for name in SECTIONS:
        plaintext = canonical_json(document.get(name))
        ciphertext = encrypt_field(data_key, plaintext, context=_section_context(record_id, name))
        testimony.sections.append(TestimonySection(name=name, ciphertext=ciphertext))
    session.add(testimony)
    store_testimony_attachments(session, data_key, record_id, attachments)
    return testimony


def load_testimony(session: Session, keys: UnlockedKeys, record_id: uuid.UUID) -> dict[str, Any]:
    """Decrypt every section of a stored testimony back into the canonical document."""
    require_role(session, "casedb")
    testimony = session.get(Testimony, record_id)
    if testimony is None:
        raise RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    if testimony.wrapped_key is None:
        raise RecordUnreadableError(N_("Record %(id)s was erased."), id=str(record_id))
    document: dict[str, Any] = {
        "schema_version": testimony.schema_version,
        "record_id": str(testimony.id),
    }
    try:
        data_key = unwrap_record_key(
            keys.keyring.chain(Purpose.RECORD_KEY_WRAP),
            testimony.wrapped_key,
            record_id=str(record_id),
        )
        for section in testimony.sections:
            plaintext = decrypt_field(
                data_key, section.ciphertext, context=_section_context(record_id, section.name)
            )
            value = json.loads(plaintext)
            if value is not None:
                document[section.name] = value
    except OpenError:
        raise RecordUnreadableError(
            N_("Record %(id)s does not open: it was altered or moved in the database."),
            id=str(record_id),
        ) from None
    return document


def seal_testimony(
    session: Session,
    keys: UnlockedKeys,
    document: dict[str, Any],
    attachments: Sequence[Attachment] = (),
) -> SealedRecord:
    """Validate ``document`` and seal it with its attachments to the organisation (station).

    The sealed plaintext is a ZIP archive (see :mod:`intake.records.attachments`).
    """
    require_role(session, "station")
    document = upgrade_record(document)
    record_id = _checked(document)
    check_against_sources(document, attachments)
    recipients = verified_recipients(session, keys)
    if not recipients:
        raise NoRecipientsError(
            N_(
                "No organisation recipient is registered, so nothing can be sealed. "
                "Run: intake keys add-recipient age1... (printed by the case database)."
            )
        )
    if session.get(SealedRecord, record_id) is not None:
        raise RecordExistsError(N_("Record %(id)s is already sealed."), id=str(record_id))
    sealed = seal(pack_payload(canonical_json(document), attachments), recipients)
    row = SealedRecord(
        id=record_id,
        sealed_on=_today(),
        sha256=hashlib.sha256(sealed).hexdigest(),
        sealed=sealed,
        delivered_on=None,
    )
    session.add(row)
    return row


def add_record(
    session: Session,
    keys: UnlockedKeys,
    document: dict[str, Any],
    attachments: Sequence[Attachment] = (),
) -> str:
    """Store (case database) or seal (station) one record; return its id."""
    if get_workspace(session).role == "station":
        return str(seal_testimony(session, keys, document, attachments).id)
    return str(store_testimony(session, keys, document, attachments).id)


def load_attachments(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID
) -> list[Attachment]:
    """The attachments of a stored testimony (case database)."""
    testimony = session.get(Testimony, record_id)
    if testimony is None or testimony.wrapped_key is None:
        raise RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    data_key = unwrap_record_key(
        keys.keyring.chain(Purpose.RECORD_KEY_WRAP), testimony.wrapped_key, record_id=str(record_id)
    )
    return testimony_attachments(session, data_key, record_id)


def list_testimonies(session: Session) -> list[Testimony]:
    """Stored testimonies, newest first (ids and dates only)."""
    return list(session.scalars(select(Testimony).order_by(Testimony.received_on.desc())))


def list_outbox(session: Session) -> list[SealedRecord]:
    """Sealed records not yet delivered."""
    query = select(SealedRecord).where(SealedRecord.delivered_on.is_(None))
    return list(session.scalars(query.order_by(SealedRecord.sealed_on)))
