"""Coding and corrections as versions of a section.

A coordinator's change to one section of a stored testimony makes a new version: the
new section ciphertext replaces the current one, the ciphertext it replaces is kept
in ``testimony_version`` with the change (who, when, why, which fields) encrypted
under the record's data key and bound to (record id, section, number), and the
record's manifest is re-made to list both. A save names the revision it was loaded
at; if someone else saved since, nothing is written and :class:`EditConflictError`
says so.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from crypto import Context, OpenError, SymmetricKey, decrypt_field, encrypt_field
from intake.audit.services import record_event
from intake.cases.blind import index_again
from intake.errors import N_, IntakeError
from intake.records import services as records
from intake.records.models import SECTIONS, Testimony, TestimonySection, TestimonyVersion
from intake.records.validation import validate_record
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: Shown for a field that is absent on one side of a difference.
ABSENT = "—"


class EditConflictError(IntakeError):
    """Someone else saved the record after it was loaded for editing."""

    status = 409


class ClashUnchosenError(IntakeError):
    """A field both people changed differently, saved without choosing whose value stays."""


class NothingChangedError(IntakeError):
    """The section as submitted is the same as the one stored."""


class UnknownSectionError(IntakeError):
    """A section name the store does not have."""

    status = 404


class VersionTamperedError(records.RecordTamperedError):
    """An earlier version does not open or does not match its change."""


@dataclass(frozen=True)
class Difference:
    """One field that differs between two versions of a section."""

    path: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    """One change to a section, decrypted: who, when, why, and what it changed."""

    section: str
    number: int
    at: datetime
    account_id: str
    account_name: str
    reason: str
    revision: int
    differences: list[Difference]


def _version_context(record_id: uuid.UUID, section: str, number: int) -> Context:
    return Context(
        namespace="testimony-version", record_id=str(record_id), field=f"{section}/{number}"
    )


def shown(value: Any) -> str:
    """A field's value as a difference shows it (a field absent or empty as ABSENT)."""
    if value is MISSING or value is None:
        return ABSENT
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


#: A field a value does not have (unlike None, which a field may hold).
MISSING: Any = object()
_MISSING = MISSING


def leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, value) of every field of ``value``; a list of plain values is one field."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            yield from leaves(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def differences(before: Any, after: Any) -> list[Difference]:
    """A readable per-field difference of two section values, in path order, e.g.
    ``ilo_indicators.withholding_of_wages.status: absent -> present``.
    """
    old = dict(leaves(before, "")) if before is not None else {}
    new = dict(leaves(after, "")) if after is not None else {}
    found = []
    for path in sorted(old.keys() | new.keys()):
        was, now = old.get(path, _MISSING), new.get(path, _MISSING)
        if was != now:
            found.append(Difference(path or "(section)", shown(was), shown(now)))
    return found


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def joined(prefix: str, path: str) -> str:
    """``path`` inside the field at ``prefix``, both as :func:`leaves` writes them."""
    if not prefix or not path:
        return prefix or path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _STEP.findall(path)]


def _child(value: Any, step: str | int) -> Any:
    if isinstance(step, int):
        fits = isinstance(value, list) and step < len(value)
    else:
        fits = isinstance(value, dict) and step in value
    return value[step] if fits else MISSING


def value_at(value: Any, path: str) -> Any:
    """The field at ``path`` of ``value`` (``""`` is the value itself), or MISSING."""
    for step in _steps(path):
        value = _child(value, step)
        if value is MISSING:
            break
    return value


def put_at(value: Any, path: str, leaf: Any) -> Any:
    """``value`` (changed in place where it can be) with the field at ``path`` set to
    ``leaf``, or removed when ``leaf`` is MISSING; groups on the way are made as
    needed, and a list grows by one item at most. Returns the value, which is new
    when ``path`` is ``""`` or ``value`` was MISSING."""
    steps = _steps(path)
    if not steps:
        return leaf
    if value is MISSING or not isinstance(value, dict | list):
        if leaf is MISSING:
            return value
        value = [] if isinstance(steps[0], int) else {}
    parent = value
    for step, following in itertools.pairwise(steps):
        child = _child(parent, step)
        if not isinstance(child, dict | list):
            if leaf is MISSING:
                return value
            child = [] if isinstance(following, int) else {}
            if not _place(parent, step, child):
                return value
        parent = child
    last = steps[-1]
    if leaf is MISSING:
        if isinstance(parent, dict) and isinstance(last, str):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            del parent[last]
        return value
    _place(parent, last, copy.deepcopy(leaf))
    return value


def _place(parent: Any, step: str | int, child: Any) -> bool:
    if isinstance(parent, dict) and isinstance(step, str):
        parent[step] = child
    elif isinstance(parent, list) and isinstance(step, int) and step <= len(parent):
        if step == len(parent):
            parent.append(child)
        else:
            parent[step] = child
    else:
        return False
    return True


@dataclass(frozen=True)
class Clash:
    """A field both people changed, to different values (shown as :func:`differences`
    shows them)."""

    path: str
    theirs: str
    yours: str


@dataclass(frozen=True)
class Rebased:
    """One person's change made again over a colleague's: ``value`` is theirs with
    every field this person changed set as this person set it; ``carried`` lists those
    fields, ``clashes`` the ones the colleague changed too, differently."""

    value: Any
    carried: list[Difference]
    clashes: list[Clash]


def _flat(value: Any) -> dict[str, Any]:
    return {} if value is MISSING else dict(leaves(value, ""))


def _within(inner: str, outer: str) -> bool:
    return outer == "" or inner.startswith((f"{outer}.", f"{outer}["))


def rebase(base: Any, yours: Any, theirs: Any) -> Rebased:
    """Your change (``base`` to ``yours``) over theirs (``base`` to ``theirs``), field
    by field: a field only you changed takes your value, one only they changed keeps
    theirs, and one you both changed to different values is a clash (yours is kept in
    ``value``, for the person to choose). Only what you changed is carried, so a form
    loaded before their save never puts back what they changed.
    """
    was, mine, now = _flat(base), _flat(yours), _flat(theirs)
    changed = sorted(
        p for p in was.keys() | mine.keys() if was.get(p, MISSING) != mine.get(p, MISSING)
    )
    their = [p for p in was.keys() | now.keys() if was.get(p, MISSING) != now.get(p, MISSING)]
    clashes = []
    for path in changed:
        mine_value, now_value = mine.get(path, MISSING), now.get(path, MISSING)
        if mine_value == now_value:
            continue
        if (
            path in their
            # they made a group of it, or a value of a group it was in
            or any(_within(q, path) for q in their if mine_value is not MISSING)
            or any(_within(path, q) and now.get(q, MISSING) is not MISSING for q in their)
        ):
            clashes.append(Clash(path, shown(now_value), shown(mine_value)))
    value = copy.deepcopy(theirs)
    # Removals first, so a field removed and one set under it both land.
    for path in sorted(changed, key=lambda p: mine.get(p, MISSING) is not MISSING):
        value = put_at(value, path, mine.get(path, MISSING))
    return Rebased(
        value,
        differences(base if base is not MISSING else None, yours if yours is not MISSING else None),
        clashes,
    )


@dataclass(frozen=True)
class Opened:
    """A stored testimony opened for editing: its document and the revision read."""

    record_id: uuid.UUID
    revision: int
    document: dict[str, Any]


def _open(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID
) -> tuple[Testimony, SymmetricKey]:
    require_role(session, "casedb")
    testimony = session.get(Testimony, record_id)
    if testimony is None:
        raise records.RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    data_key = records._data_key(keys, testimony)
    return testimony, data_key


def open_for_edit(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    *,
    actor: uuid.UUID | None = None,
    page: str | None = None,
) -> Opened:
    """The record's document and the revision it is at (checked against its manifest).
    With ``actor``, the read is audited ("record.read", the page's name, no content).
    """
    testimony, _key = _open(session, keys, record_id)
    revision = testimony.revision
    document = records.load_testimony(session, keys, record_id)
    if actor is not None:
        details = {} if page is None else {"page": page}
        record_event(
            session, keys, actor=actor, action="record.read", record_id=record_id, details=details
        )
    return Opened(record_id, revision, document)


def change_section(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    section: str,
    value: Any,
    *,
    loaded_revision: int,
    reason: str,
    actor: uuid.UUID,
    actor_name: str,
) -> int:
    """Replace ``section`` of a stored record with ``value`` as a new version; return
    the record's new revision. The whole record must still validate. The caller
    commits; on :class:`EditConflictError` it rolls back (nothing was written).
    """
    if section not in SECTIONS:
        raise UnknownSectionError(N_("There is no section %(name)s."), name=section)
    require_role(session, "casedb")
    # The row lock makes a concurrent save wait here until the first one commits, so
    # it reads the record whole (never half the other's change) and finds the new
    # revision; SQLite serialises writers itself.
    testimony = session.get(Testimony, record_id, with_for_update=True, populate_existing=True)
    if testimony is None:
        raise records.RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    testimony, data_key = _open(session, keys, record_id)
    if testimony.revision != loaded_revision:
        raise _conflict()
    document = records.load_testimony(session, keys, record_id)
    before = document.get(section)
    if value is None:
        document.pop(section, None)
    else:
        document[section] = value
    problems = validate_record(document)
    if problems:
        raise records.RecordInvalidError(problems)
    if before == value:
        raise NothingChangedError(N_("Nothing was changed, so no new version was saved."))
    row = session.get(TestimonySection, (record_id, section))
    assert row is not None  # every section is written when a record is stored
    old_blob = row.ciphertext
    new_blob = encrypt_field(
        data_key,
        records.canonical_json(value),
        context=records._section_context(record_id, section),
    )
    last = session.scalar(
        select(func.max(TestimonyVersion.number)).where(
            TestimonyVersion.testimony_id == record_id, TestimonyVersion.section == section
        )
    )
    number = (last or 0) + 1
    now = datetime.now(UTC)
    change = encrypt_field(
        data_key,
        records.canonical_json(
            {
                "account_id": str(actor),
                "account_name": actor_name,
                "at": now.isoformat(),
                "reason": reason,
                "fields": [d.path for d in differences(before, value)],
                "revision": loaded_revision + 1,
                "sha256": hashlib.sha256(old_blob).hexdigest(),
            }
        ),
        context=_version_context(record_id, section, number),
    )
    provenance = records.load_provenance(session, keys, testimony)
    manifest = _remade_manifest(
        session, data_key, testimony, section, new_blob, number, change, old_blob
    )
    # The index facts name the manifest they were made with: made again beside it.
    station = None if provenance is None else provenance.get("station_id")
    facts = records.seal_index_facts(data_key, record_id, document, station, manifest)
    # The optimistic lock: exactly one of two saves from the same revision matches.
    result = session.execute(
        update(Testimony)
        .where(Testimony.id == record_id, Testimony.revision == loaded_revision)
        .values(revision=loaded_revision + 1, manifest=manifest, index_facts=facts)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _conflict()
    session.execute(
        update(TestimonySection)
        .where(TestimonySection.testimony_id == record_id, TestimonySection.name == section)
        .values(ciphertext=new_blob)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        insert(TestimonyVersion).values(
            testimony_id=record_id,
            section=section,
            number=number,
            changed_on=now.date(),
            ciphertext=old_blob,
            change=change,
        )
    )
    if section in ("victim", "informants"):
        # A corrected name or ID number must find the record, and the old one no more.
        index_again(session, keys, record_id, document)
    session.expire_all()
    record_event(
        session,
        keys,
        actor=actor,
        action="record.write",
        record_id=record_id,
        details={"section": section},
    )
    records.mark_changed(session, [record_id])
    return loaded_revision + 1


def _conflict() -> EditConflictError:
    return EditConflictError(
        N_("Someone else saved this record since you opened it, so your change was not saved.")
    )


def _remade_manifest(
    session: Session,
    data_key: SymmetricKey,
    testimony: Testimony,
    section: str,
    new_blob: bytes,
    number: int,
    change: bytes,
    old_blob: bytes,
) -> bytes:
    sections = {row.name: row.ciphertext for row in testimony.sections}
    sections[section] = new_blob
    metas = session.execute(
        select(records.TestimonyAttachment.id, records.TestimonyAttachment.meta).where(
            records.TestimonyAttachment.testimony_id == testimony.id
        )
    )
    versions = records.version_parts(session, testimony.id)
    versions[f"{section}/{number}"] = (
        hashlib.sha256(change).digest() + hashlib.sha256(old_blob).digest()
    )
    plain = records._manifest(
        testimony.schema_version,
        sections,
        {str(row.id): row.meta for row in metas},
        testimony.provenance,
        testimony.sealed_sha256,
        versions,
    )
    return encrypt_field(data_key, plain, context=records._manifest_context(testimony.id))


def history(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    *,
    since_revision: int = 0,
    actor: uuid.UUID | None = None,
) -> list[Change]:
    """Every change to the record's sections after ``since_revision``, newest first,
    each with the difference it made. Every version is checked against the manifest
    and against its change; a tampered one raises and nothing is shown. With
    ``actor``, the read is audited.
    """
    testimony, data_key = _open(session, keys, record_id)
    manifest = records.checked_manifest(session, data_key, testimony)
    if actor is not None:
        record_event(
            session,
            keys,
            actor=actor,
            action="record.read",
            record_id=record_id,
            details={"page": "history"},
        )
    rows = _listed_versions(session, record_id, manifest)
    current = {row.name: row.ciphertext for row in testimony.sections}
    found: list[Change] = []
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and following.section == row.section:
            after_blob = following.ciphertext
        else:
            after_blob = current[row.section]
        meta = _open_change(data_key, record_id, row)
        if meta["revision"] <= since_revision:
            continue
        before = _open_section(data_key, record_id, row.section, row.ciphertext)
        after = _open_section(data_key, record_id, row.section, after_blob)
        found.append(
            Change(
                section=row.section,
                number=row.number,
                at=datetime.fromisoformat(meta["at"]),
                account_id=meta["account_id"],
                account_name=meta["account_name"],
                reason=meta["reason"],
                revision=meta["revision"],
                differences=differences(before, after),
            )
        )
    found.sort(key=lambda change: change.revision, reverse=True)
    return found


def _listed_versions(
    session: Session, record_id: uuid.UUID, manifest: dict[str, Any]
) -> list[TestimonyVersion]:
    """The record's earlier versions by section and number, exactly as its manifest
    lists them (else it was tampered with)."""
    rows = list(
        session.scalars(
            select(TestimonyVersion)
            .where(TestimonyVersion.testimony_id == record_id)
            .order_by(TestimonyVersion.section, TestimonyVersion.number)
        )
    )
    listed = set(manifest.get("versions") or {})
    if {f"{row.section}/{row.number}" for row in rows} != listed:
        raise _tampered(record_id)
    return rows


def document_at(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID, revision: int
) -> dict[str, Any]:
    """The record as it was at ``revision`` (what a form loaded then showed): each
    section changed since is read from the version its first later change kept. Every
    version used is checked as :func:`history` checks it.
    """
    testimony, data_key = _open(session, keys, record_id)
    document = records.load_testimony(session, keys, record_id)
    manifest = records.checked_manifest(session, data_key, testimony)
    earliest: dict[str, TestimonyVersion] = {}
    for row in _listed_versions(session, record_id, manifest):
        meta = _open_change(data_key, record_id, row)
        if meta["revision"] > revision and row.section not in earliest:
            earliest[row.section] = row
    for section, row in earliest.items():
        value = _open_section(data_key, record_id, section, row.ciphertext)
        if value is None:
            document.pop(section, None)
        else:
            document[section] = value
    return document


def _tampered(record_id: uuid.UUID) -> VersionTamperedError:
    return VersionTamperedError(
        N_(
            "An earlier version of record %(id)s was tampered with in the database. "
            "Nothing of its history is shown; restore it from a backup."
        ),
        id=str(record_id),
    )


def _open_change(
    data_key: SymmetricKey, record_id: uuid.UUID, row: TestimonyVersion
) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads(
            decrypt_field(
                data_key, row.change, context=_version_context(record_id, row.section, row.number)
            )
        )
    except OpenError:
        raise _tampered(record_id) from None
    if meta.get("sha256") != hashlib.sha256(row.ciphertext).hexdigest():
        raise _tampered(record_id)
    return meta


def _open_section(data_key: SymmetricKey, record_id: uuid.UUID, section: str, blob: bytes) -> Any:
    try:
        return json.loads(
            decrypt_field(data_key, blob, context=records._section_context(record_id, section))
        )
    except OpenError:
        raise _tampered(record_id) from None
