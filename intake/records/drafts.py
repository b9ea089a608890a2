"""Draft services: unfinished interviews, encrypted under the workspace keyring."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.records.models import Draft
from intake.workspace.models import MAX_DRAFT_DAYS, MIN_DRAFT_DAYS
from intake.workspace.services import get_workspace, record_security_event
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
    draft.updated_on = _today()
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


class DraftDaysError(IntakeError):
    """A number of days to keep drafts that is out of range."""


def _today() -> date:
    return datetime.now(UTC).date()


def wiped_on(updated_on: date, days: int) -> date:
    """The day a draft last saved on ``updated_on`` is wiped when drafts are kept
    ``days`` full days (UTC) after the day of their last save."""
    return updated_on + timedelta(days=days + 1)


def kept_from(days: int) -> date:
    """The earliest day of a last save that keeps a draft today."""
    return _today() - timedelta(days=days)


def _stale(days: int) -> ColumnElement[bool]:
    """The drafts that keeping drafts ``days`` days wipes today."""
    return Draft.updated_on < kept_from(days)


def count_stale(session: Session, days: int) -> int:
    """How many drafts keeping them ``days`` days would wipe today."""
    return int(session.scalar(select(func.count()).select_from(Draft).where(_stale(days))) or 0)


def expire_drafts(session: Session) -> int:
    """Wipe every draft whose last save is more than the workspace's ``draft_days``
    full days (UTC) ago, with its attachments (the caller commits); how many were wiped.

    DESIGN.md wants drafts "finalised or wiped quickly": an interview left unfinished
    must not wait for a seizure on the station under the key the passphrase opens.
    Runs at every unlock, so a coerced unlock finds old drafts already gone, and on the
    Interviews page. Leaves a security event with the day only, naming nobody.
    """
    days = get_workspace(session).draft_days
    wiped = count_stale(session, days)
    if not wiped:
        return 0
    # Attachments go by the foreign key's ON DELETE CASCADE; the journal's copy of the
    # freed pages once the transaction commits.
    session.execute(delete(Draft).where(_stale(days)))
    scrub_after_commit(session)
    record_security_event(session, "drafts-expired")
    return wiped


def set_draft_days(session: Session, days: int) -> int:
    """Keep drafts ``days`` days after their last save from now on, then wipe those
    older (the caller commits); how many were wiped."""
    if not MIN_DRAFT_DAYS <= days <= MAX_DRAFT_DAYS:
        raise DraftDaysError(
            N_("Drafts are kept between %(least)s and %(most)s days after their last save."),
            least=MIN_DRAFT_DAYS,
            most=MAX_DRAFT_DAYS,
        )
    workspace = get_workspace(session)
    if workspace.draft_days != days:
        workspace.draft_days = days
        record_security_event(session, "draft-days-changed")
    session.flush()
    return expire_drafts(session)
