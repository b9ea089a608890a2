"""Partners that receive exports, each with the age keys its files are sealed to.

The label and keys are stored encrypted and bound to the row id, so a partner added or
changed without the workspace passphrase does not open and nothing is sealed to it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.exports.models import ExportPartner
from intake.exports.sealing import parse_recipients
from intake.validators import invisible_character
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys


class PartnerError(IntakeError):
    """A partner cannot be added as given (no label, no key, or a label used already)."""


class PartnerNotFoundError(IntakeError):
    """No partner with this id opens."""

    status = 404


@dataclass(frozen=True)
class Partner:
    """A partner, decrypted."""

    id: uuid.UUID
    label: str
    recipients: list[str]


def _context(partner_id: uuid.UUID) -> Context:
    return Context(namespace="export-partner", record_id=str(partner_id), field="payload")


def list_partners(session: Session, keys: UnlockedKeys) -> list[Partner]:
    """Every partner that opens, by label (rows that do not open are never used)."""
    chain = keys.keyring.chain(Purpose.RECIPIENTS)
    found = []
    for row in session.scalars(select(ExportPartner)):
        try:
            data = json.loads(decrypt_field(chain, row.payload, context=_context(row.id)))
        except OpenError:
            continue
        found.append(Partner(row.id, data["label"], list(data["recipients"])))
    return sorted(found, key=lambda partner: partner.label.casefold())


def add_partner(session: Session, keys: UnlockedKeys, label: str, recipients: str) -> Partner:
    """Add a partner with its age recipient keys (one or more, one per line)."""
    require_role(session, "casedb")
    label = " ".join(label.split())
    keys_given = parse_recipients(recipients)
    if not label or len(label) > 200 or not keys_given:
        raise PartnerError(N_("Give the partner's name and at least one age key (age1...)."))
    if (invisible := invisible_character(label)) is not None:
        raise PartnerError(invisible[0], code=invisible[1])
    if any(p.label.casefold() == label.casefold() for p in list_partners(session, keys)):
        raise PartnerError(N_("There is a partner with this name already."))
    partner = Partner(uuid.uuid4(), label, keys_given)
    payload = json.dumps({"label": label, "recipients": keys_given}).encode()
    session.add(
        ExportPartner(
            id=partner.id,
            payload=encrypt_field(
                keys.keyring.chain(Purpose.RECIPIENTS).current,
                payload,
                context=_context(partner.id),
            ),
            added_on=datetime.now(UTC).date(),
        )
    )
    return partner


def get_partner(session: Session, keys: UnlockedKeys, partner_id: uuid.UUID) -> Partner:
    """One partner; :class:`PartnerNotFoundError` if missing or not opening."""
    for partner in list_partners(session, keys):
        if partner.id == partner_id:
            return partner
    raise PartnerNotFoundError(N_("There is no such partner."))


def remove_partner(session: Session, keys: UnlockedKeys, partner_id: uuid.UUID) -> None:
    """Remove a partner and its keys."""
    get_partner(session, keys, partner_id)
    row = session.get(ExportPartner, partner_id)
    if row is not None:
        session.delete(row)
        scrub_after_commit(session)  # the journal's copy of its label and keys goes too
