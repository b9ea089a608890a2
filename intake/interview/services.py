"""Interview services: own drafts, saving steps, attachments and finalising.

A draft belongs to the account that started it: its id is kept inside the
encrypted draft (``_ui.owner``), so the database shows no link between accounts
and drafts. Someone else's draft is answered like a missing one.

Drafts are records of the current schema version (2). A draft saved by an older
version of the app (schema 1) is upgraded once, when it is first opened, by the
same function that upgrades stored and sealed records.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import N_, IntakeError
from intake.interview.steps import FORM_STEPS, SECTION_STEPS
from intake.interview.steps.links import ANOTHER_VICTIM_RELATIONS
from intake.records.attachments import (
    Attachment,
    add_draft_attachment,
    draft_attachments,
    remove_draft_attachment,
)
from intake.records.drafts import (
    DraftNotFoundError,
    DraftUnreadableError,
    discard_draft,
    load_draft,
    save_draft,
)
from intake.records.models import Draft
from intake.records.services import add_record
from intake.records.upgrade import CURRENT_VERSION, needs_upgrade, upgrade_record
from intake.records.validation import Problem, validate_record
from intake.workspace.vault import UnlockedKeys

_log = logging.getLogger(__name__)
SCHEMA_VERSION = CURRENT_VERSION
UI_KEY = "_ui"
#: Sections every record has even when the conversation did not touch them.
_EMPTY_LISTS = ("episodes", "labour", "sources", "links", "interventions")
MAX_SOURCES = 200
MAX_LINKS = 100


class TooManySourcesError(IntakeError):
    """The record already lists as many sources as the schema allows."""


class ConsentMissingError(IntakeError):
    """The testifier did not consent to recording."""


class TooManyLinksError(IntakeError):
    """The record already lists as many links as the schema allows."""


class LinkRelationError(IntakeError):
    """The relation asked for a second victim's record is not one offered."""

    status = 400


@dataclass(frozen=True)
class DraftSummary:
    """One of the person's drafts, for the list: enough to tell drafts apart."""

    id: uuid.UUID
    updated_on: date
    victim_name: str | None
    started_on: date | None = None
    last_step: str | None = None
    steps_saved: int = 0
    steps_total: int = len(FORM_STEPS)
    victim_description: str | None = None


def _new_document(draft_id: uuid.UUID, owner: uuid.UUID) -> dict[str, Any]:
    today = datetime.now(UTC).date().isoformat()
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": str(draft_id),
        "interview": {"date": {"precision": "day", "value": today}},
        UI_KEY: {"owner": str(owner), "started_on": today},
    }


def start_interview(session: Session, keys: UnlockedKeys, owner: uuid.UUID) -> uuid.UUID:
    """Create an empty draft owned by ``owner``; its id becomes the record id."""
    draft_id = uuid.uuid4()
    save_draft(session, keys, draft_id, _new_document(draft_id, owner))
    return draft_id


def start_another_victim(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    owner: uuid.UUID,
    relation: str,
) -> uuid.UUID:
    """Start a draft about another victim the same testifier tells of (the caller commits).

    The interview and the informants are copied (nobody types the testifier
    twice); the victim is not. Each draft links to the other's record id with
    ``relation`` (same testifier, held together, co-worker, family member).
    """
    if relation not in ANOTHER_VICTIM_RELATIONS:
        raise LinkRelationError(N_("Choose how the two victims are connected."))
    document = open_draft(session, keys, draft_id, owner)
    if len(document.get("links") or []) >= MAX_LINKS:
        raise TooManyLinksError(N_("A record lists at most %(limit)s links."), limit=MAX_LINKS)
    new_id = uuid.uuid4()
    new = _new_document(new_id, owner)
    if "interview" in document:
        new["interview"] = copy.deepcopy(document["interview"])
    if "informants" in document:
        new["informants"] = _informants_for_another(document, relation)
    new["links"] = [{"record_id": str(draft_id), "relation": relation}]
    new[UI_KEY]["saved"] = ["testifier"] if "informants" in document else []
    save_draft(session, keys, new_id, new)
    document.setdefault("links", []).append({"record_id": str(new_id), "relation": relation})
    save_draft(session, keys, draft_id, document)
    return new_id


#: The relation to the new victim of a testifier who was the victim of the first record.
_WITNESS_RELATION = {
    "held_together": "fellow_detainee",
    "co_worker": "colleague",
    "family_member": "other_relative",
    "same_testifier": "unknown",
}


def _informants_for_another(document: dict[str, Any], relation: str) -> Any:
    """The informants, copied for a record about another victim.

    A testifier who was the victim of the first record is not the victim of the
    new one: they become an informant with the first victim's names (copied, not
    typed again) and a relation that follows the link (a cellmate is a fellow
    detainee).
    """
    informants = copy.deepcopy(document["informants"])
    names = (document.get("victim") or {}).get("names")
    for informant in informants if isinstance(informants, list) else []:
        if isinstance(informant, dict) and informant.pop("is_victim", False):
            informant["relation"] = _WITNESS_RELATION[relation]
            if names:
                informant["names"] = copy.deepcopy(names)
    return informants


def open_draft(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, owner: uuid.UUID
) -> dict[str, Any]:
    """The draft, if ``owner`` started it; :class:`DraftNotFoundError` otherwise.

    A draft of schema version 1 is upgraded to the current version and saved
    (the caller commits); its interface state (``_ui``) is kept as it was.
    """
    document = load_draft(session, keys, draft_id)
    if (document.get(UI_KEY) or {}).get("owner") != str(owner):
        raise DraftNotFoundError(N_("There is no such draft; it may have been finalised."))
    if needs_upgrade(document):
        document = upgraded(document)
        save_draft(session, keys, draft_id, document)
    return document


def upgraded(document: dict[str, Any]) -> dict[str, Any]:
    """A version-1 draft as a current one, its interface state kept apart and unchanged."""
    ui = document.get(UI_KEY)
    record = upgrade_record({k: v for k, v in document.items() if k != UI_KEY})
    if ui is not None:
        record[UI_KEY] = ui
    return dict(record)


def save_step(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, document: dict[str, Any], step: str
) -> None:
    """Save the draft after ``step`` passed its checks (the caller commits)."""
    forget_typed(document, step)
    ui = document.setdefault(UI_KEY, {})
    saved = ui.setdefault("saved", [])
    if step not in saved:
        saved.append(step)
    ui["last_step"] = step
    save_draft(session, keys, draft_id, document)


#: Where the typing of a step not yet checked is kept, inside the encrypted draft.
TYPED_KEY = "typed"
#: The record section each form step is linked by on the review page. A step that
#: writes two sections (testifier) is named by the last one SECTION_STEPS lists.
STEP_SECTIONS = {step: section for section, step in SECTION_STEPS.items()}
#: More values than the largest step can hold (100 episodes of about 30 fields).
MAX_TYPED_PAIRS = 5000


def keep_typed(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    step: str,
    pairs: list[tuple[str, str]],
    basis: str,
) -> None:
    """Keep what was typed on ``step`` before it was checked (the caller commits).

    The values stay inside the encrypted draft, apart from the record: they enter
    it only when the step is saved and passes its checks. ``basis`` fingerprints
    what the page was built from, so typing is not put back onto a page whose rows
    have since changed (a labour row whose episode was removed).
    """
    typed = document.setdefault(UI_KEY, {}).setdefault(TYPED_KEY, {})
    typed[step] = {"basis": basis, "pairs": [[key, value] for key, value in pairs]}
    save_draft(session, keys, draft_id, document)


def set_aside_typing(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    steps: list[str],
) -> None:
    """Drop the kept typing of ``steps`` (typed on rows that changed since) and save
    the draft (the caller commits)."""
    for step in steps:
        forget_typed(document, step)
    save_draft(session, keys, draft_id, document)


def _typed(document: dict[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = (document.get(UI_KEY) or {}).get(TYPED_KEY) or {}
    return typed


def typed_steps(document: dict[str, Any]) -> dict[str, str]:
    """The steps holding typing not yet checked, each with the basis it was typed on."""
    return {step: str(kept.get("basis")) for step, kept in _typed(document).items()}


def typed_on(document: dict[str, Any], step: str) -> list[tuple[str, str]] | None:
    """What was typed on ``step`` and not yet checked, or ``None``."""
    kept = _typed(document).get(step)
    return [(str(key), str(value)) for key, value in kept["pairs"]] if kept else None


def forget_typed(document: dict[str, Any], step: str) -> None:
    """Drop the kept typing of ``step`` once the step itself is saved."""
    _typed(document).pop(step, None)


def _owned(
    session: Session, keys: UnlockedKeys, owner: uuid.UUID
) -> Iterator[tuple[Draft, dict[str, Any]]]:
    """(draft, document) of the person's drafts, most recently saved first (drafts that
    do not open are skipped)."""
    for draft in session.scalars(select(Draft).order_by(Draft.updated_on.desc())):
        try:
            document = load_draft(session, keys, draft.id)
        except DraftUnreadableError:
            # Damaged or from other keys: it names no owner, so it is no one's to list,
            # and one bad row must not hide everyone's drafts.
            _log.warning("draft %s does not open and is left out of the list", draft.id)
            continue
        if (document.get(UI_KEY) or {}).get("owner") == str(owner):
            yield draft, document


def own_drafts(session: Session, keys: UnlockedKeys, owner: uuid.UUID) -> list[DraftSummary]:
    """The person's drafts, most recently saved first (drafts that do not open are skipped)."""
    return [_summary(draft, upgraded(document)) for draft, document in _owned(session, keys, owner)]


def _summary(draft: Draft, document: dict[str, Any]) -> DraftSummary:
    ui, victim = document.get(UI_KEY) or {}, document.get("victim") or {}
    names = [n for n in victim.get("names") or [] if isinstance(n, dict)]
    started = ui.get("started_on")
    saved = [step for step in ui.get("saved") or [] if step in FORM_STEPS]
    return DraftSummary(
        id=draft.id,
        updated_on=draft.updated_on,
        victim_name=names[0].get("text") if names else None,
        started_on=date.fromisoformat(started) if isinstance(started, str) else None,
        last_step=ui.get("last_step") if ui.get("last_step") in FORM_STEPS else None,
        steps_saved=len(set(saved)),
        victim_description=victim.get("description"),
    )


def attach(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    item: Attachment,
    source: dict[str, Any],
) -> None:
    """Store an attachment beside the draft and list it in the record's sources."""
    sources = document.setdefault("sources", [])
    if any(s.get("sha256") == item.sha256 for s in sources):
        return
    if len(sources) >= MAX_SOURCES:
        raise TooManySourcesError(
            N_("A record lists at most %(limit)s sources."), limit=MAX_SOURCES
        )
    add_draft_attachment(session, keys, draft_id, item)
    sources.append(source)
    save_draft(session, keys, draft_id, document)


def add_publication(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    source: dict[str, Any],
) -> None:
    """List a published source with no file (the caller commits); it gets a local id."""
    sources = document.setdefault("sources", [])
    if len(sources) >= MAX_SOURCES:
        raise TooManySourcesError(
            N_("A record lists at most %(limit)s sources."), limit=MAX_SOURCES
        )
    taken = {s.get("id") for s in sources if isinstance(s, dict)}
    number = next(n for n in range(1, MAX_SOURCES + 2) if f"s{n}" not in taken)
    sources.append({"id": f"s{number}", **source})
    save_draft(session, keys, draft_id, document)


def remove_publication(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    source_id: str,
) -> None:
    """Remove a published source (one without a file) by its local id."""
    document["sources"] = [
        s
        for s in document.get("sources") or []
        if not (s.get("id") == source_id and "sha256" not in s)
    ]
    save_draft(session, keys, draft_id, document)


def detach(
    session: Session,
    keys: UnlockedKeys,
    draft_id: uuid.UUID,
    document: dict[str, Any],
    sha256: str,
) -> None:
    """Remove an attachment and its sources entry."""
    remove_draft_attachment(session, keys, draft_id, sha256)
    document["sources"] = [s for s in document.get("sources") or [] if s.get("sha256") != sha256]
    save_draft(session, keys, draft_id, document)


def attachments_of(session: Session, keys: UnlockedKeys, draft_id: uuid.UUID) -> list[Attachment]:
    """The draft's attachments."""
    return draft_attachments(session, keys, draft_id)


def record_of(document: dict[str, Any]) -> dict[str, Any]:
    """The record a draft would become: current version, UI state removed, untouched
    lists empty."""
    record = dict(upgrade_record({k: v for k, v in document.items() if k != UI_KEY}))
    for key in _EMPTY_LISTS:
        record.setdefault(key, [])
    return record


def problems_of(document: dict[str, Any]) -> list[Problem]:
    """Everything that keeps the draft from being finalised."""
    record = record_of(document)
    problems = validate_record(record)
    for step in _typed(document):
        problems.append(
            Problem(
                f"$.{STEP_SECTIONS.get(step, step)}",
                "unchecked_typing",
                N_(
                    "Answers typed on this step are kept but not yet checked: "
                    "open the step and save it."
                ),
            )
        )
    if (record.get("consent") or {}).get("to_record") is False:
        problems.append(
            Problem(
                "$.consent.to_record",
                "no_consent",
                N_("The testifier did not consent to recording."),
            )
        )
    return problems


def finalise_interview(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, owner: uuid.UUID
) -> str:
    """Seal (station) or store (case database) the draft, then discard it.

    :class:`~intake.records.services.RecordInvalidError` when it does not validate;
    :class:`ConsentMissingError` without consent to record. The caller commits.
    """
    document = open_draft(session, keys, draft_id, owner)
    record = record_of(document)
    if (record.get("consent") or {}).get("to_record") is False:
        raise ConsentMissingError(
            N_("The testifier did not consent to recording: discard this draft instead.")
        )
    record_id = add_record(session, keys, record, draft_attachments(session, keys, draft_id))
    discard_draft(session, draft_id)
    return record_id


def wipe_drafts_of(session: Session, keys: UnlockedKeys, owner: uuid.UUID) -> int:
    """Delete every draft ``owner`` started, with its attachments, when their account is
    removed: no one else can list them, yet the workspace's keys would still open them.
    Returns how many went (the caller commits)."""
    # Only the owner is read: a draft too old or odd to summarise still goes.
    ids = [draft.id for draft, _ in _owned(session, keys, owner)]
    for draft_id in ids:
        discard_draft(session, draft_id)
    return len(ids)


def discard_interview(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, owner: uuid.UUID
) -> None:
    """Delete the person's draft and its attachments (the caller commits)."""
    open_draft(session, keys, draft_id, owner)
    discard_draft(session, draft_id)
