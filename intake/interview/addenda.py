"""Addenda: a correction to a finalised record, written after it was sealed.

A sealed record cannot be read or changed at the station, so a correction is a
small document of its own, linked to the record by its id and sealed to the
organisation the same way::

    {"addendum_version": "1.0.0",
     "addendum_id": "<uuid>", "record_id": "<uuid of the corrected record>",
     "written_on": "YYYY-MM-DD", "author": "<interviewer pseudonym>",
     "text": "what was wrong and what is right, in words",
     "corrected_paths": ["$.victim.birth_date", "$.episodes[2].end"]}

The case database applies nothing by itself: a coordinator reads the addendum
beside the record and edits the record, so the correction is a decision made by
a person and the original stays as it was sealed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from crypto import seal
from intake.errors import N_, IntakeError
from intake.records.attachments import pack_payload
from intake.records.derived import load_schema
from intake.records.services import NoRecipientsError, canonical_json
from intake.workspace.services import require_role, verified_recipients
from intake.workspace.vault import UnlockedKeys

ADDENDUM_VERSION = "1.0.0"
MAX_TEXT = 20000
MAX_PATHS = 50
#: A field of the record: ``$.section``, then ``.name`` or ``[index]`` steps.
_PATH_RE = re.compile(r"^\$\.([a-z_]+)(\.[a-z_]+|\[\d{1,3}\])*$")


class AddendumInvalidError(IntakeError):
    """The correction is empty, too long, or names fields a record does not have."""

    status = 422


@dataclass(frozen=True)
class SealedAddendum:
    """An addendum sealed to the organisation: what the interviewer may keep as proof."""

    addendum_id: uuid.UUID
    record_id: uuid.UUID
    sha256: str
    sealed: bytes


def new_addendum(
    record_id: uuid.UUID,
    text: str,
    corrected_paths: list[str],
    written_on: date,
    author: str | None = None,
) -> dict[str, Any]:
    """The addendum document; :class:`AddendumInvalidError` for bad input."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise AddendumInvalidError(
            N_("Write the correction in at most %(limit)s characters."), limit=MAX_TEXT
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t" for c in text):
        raise AddendumInvalidError(
            N_("The correction contains an invisible character; retype it as plain text.")
        )
    sections = set(load_schema()["properties"]) - {"schema_version", "record_id"}
    paths = list(dict.fromkeys(p.strip() for p in corrected_paths if p.strip()))
    if len(paths) > MAX_PATHS:
        raise AddendumInvalidError(N_("Name at most %(limit)s corrected fields."), limit=MAX_PATHS)
    for path in paths:
        match = _PATH_RE.match(path)
        if match is None or match.group(1) not in sections:
            raise AddendumInvalidError(
                N_("“%(path)s” is not a field of a record, such as $.victim.birth_date."),
                path=path[:100],
            )
    document: dict[str, Any] = {
        "addendum_version": ADDENDUM_VERSION,
        "addendum_id": str(uuid.uuid4()),
        "record_id": str(record_id),
        "written_on": written_on.isoformat(),
        "text": text,
        "corrected_paths": paths,
    }
    if author:
        document["author"] = author
    return document


def seal_addendum(session: Session, keys: UnlockedKeys, addendum: dict[str, Any]) -> SealedAddendum:
    """Seal ``addendum`` to the organisation's recipients, as a record is sealed (station).

    The sealed file is a payload archive like a record's, so the same tools open it;
    its ``addendum_version`` key tells it apart from a record.
    """
    require_role(session, "station")
    recipients = verified_recipients(session, keys)
    if not recipients:
        raise NoRecipientsError(
            N_("No organisation recipient is registered, so nothing can be sealed.")
        )
    sealed = seal(pack_payload(canonical_json(addendum), ()), recipients)
    return SealedAddendum(
        uuid.UUID(addendum["addendum_id"]),
        uuid.UUID(addendum["record_id"]),
        hashlib.sha256(sealed).hexdigest(),
        sealed,
    )


def record_addendum(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    text: str,
    corrected_paths: list[str],
    written_on: date,
) -> SealedAddendum:
    """Make and seal the addendum to record ``record_id`` (station); nothing is kept."""
    return seal_addendum(session, keys, new_addendum(record_id, text, corrected_paths, written_on))
