"""Draft services: unfinished interviews, encrypted under the workspace keyring."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.records.models import Draft
from intake.workspace.vault import UnlockedKeys


class DraftNotFoundError(IntakeError):
    """No draft with this id."""

    status = 404


class DraftUnreadableError(IntakeError):
    """A draft does not open with this workspace's keys."""

    status = 500


def _context(draft_id: uuid.UUID) -> Context:
    return Context(namespace="draft", record_id=str(draft_id), field="document")


def save_draft(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, document: dict[str, Any]
) -> Draft:
    """Encrypt and save ``document`` as draft ``draft_id`` (created or replaced).

    A replaced version goes from the journal too once the transaction commits: what the
    interviewer took out of a draft (a name a family asked to leave out) is not kept
    on the disk under the key the passphrase opens.
    """
    plaintext = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    ciphertext = encrypt_field(
        keys.keyring.chain(Purpose.DRAFT).current, plaintext, context=_context(draft_id)
    )
    draft = session.get(Draft, draft_id)
    if draft is None:
        draft = Draft(id=draft_id)
        session.add(draft)
    else:
        scrub_after_commit(session)
    draft.updated_on = datetime.now(UTC).date()
    draft.ciphertext = ciphertext
    return draft


def load_draft(session: Session, keys: UnlockedKeys, draft_id: uuid.UUID) -> dict[str, Any]:
    """Decrypt draft ``draft_id``."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise DraftNotFoundError(N_("There is no such draft; it may have been finalised."))
    try:
        plaintext = decrypt_field(
            keys.keyring.chain(Purpose.DRAFT), draft.ciphertext, context=_context(draft_id)
        )
    except OpenError:
        raise DraftUnreadableError(
            N_("This draft does not open with this workspace's keys.")
        ) from None
    document: dict[str, Any] = json.loads(plaintext)
    return document


def discard_draft(session: Session, draft_id: uuid.UUID) -> None:
    """Delete a draft (SQLite overwrites the freed pages, secure_delete being on, and
    the journal's copy of them once the transaction commits)."""
    draft = session.get(Draft, draft_id)
    if draft is not None:
        session.delete(draft)
        # The journal's copy of the draft goes too.
        scrub_after_commit(session)
