"""Addenda: a correction to a finalised record, written after it was sealed.

A sealed record cannot be read or changed at the station, so a correction is a
small document of its own, linked to the record by its id and sealed to the
organisation the same way::

    {"addendum_version": "1.0.0",
     "addendum_id": "<uuid>", "record_id": "<uuid of the corrected record>",
     "written_on": "YYYY-MM-DD", "author": "<interviewer pseudonym>",
     "text": "what was wrong and what is right, in words",
     "corrected_paths": ["$.victim.birth_date", "$.episodes[2].end"]}

The station signs it with its delivery key (Ed25519) before sealing, as it signs a
bundle's manifest, so the sealed file holds the addendum, the station's public key
and the signature (:func:`signed_envelope`). The case database accepts it only from
an enrolled, unrevoked station (``intake.delivery.addenda``).

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
from intake.delivery.models import OutboxAddendum
from intake.delivery.services import station_signing_key
from intake.errors import N_, IntakeError
from intake.interview.review import record_schema, resolve_node
from intake.records.attachments import pack_payload
from intake.records.services import NoRecipientsError, canonical_json
from intake.workspace.services import require_role, verified_recipients
from intake.workspace.vault import UnlockedKeys

ADDENDUM_VERSION = "1.0.0"
MAX_TEXT = 20000
MAX_PATHS = 50
MAX_AUTHOR = 100
#: What the station's signature over an addendum is bound to.
ADDENDUM_CONTEXT = "intake-addendum"
_FIELDS = {"addendum_version", "addendum_id", "record_id", "written_on", "text", "corrected_paths"}
#: A field of the record: ``$.section``, then ``.name`` or ``[index]`` steps.
_PATH_RE = re.compile(r"^\$\.([a-z_]+)(\.[a-z_]+|\[\d{1,3}\])*$")


class AddendumInvalidError(IntakeError):
    """The correction is empty, too long, or names fields a record does not have."""

    status = 422


class AddendumPathError(AddendumInvalidError):
    """A corrected field that a record does not have."""


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
    document: dict[str, Any] = {
        "addendum_version": ADDENDUM_VERSION,
        "addendum_id": str(uuid.uuid4()),
        "record_id": str(record_id),
        "written_on": written_on.isoformat(),
        "text": (text or "").strip(),
        "corrected_paths": list(dict.fromkeys(p.strip() for p in corrected_paths if p.strip())),
    }
    if author:
        document["author"] = author
    checked = check_addendum(document)
    # Checked against the record schema when written; not when received, so a
    # correction written at a station with an older schema still arrives.
    for path in checked["corrected_paths"]:
        if not in_record_schema(path):
            raise _not_a_field(path)
    return checked


def _not_a_field(path: object) -> AddendumPathError:
    return AddendumPathError(
        N_("“%(path)s” is not a field of a record, such as $.victim.birth_date."),
        path=str(path)[:100],
    )


#: One step of a field's path: ``.name`` or ``[index]``.
_STEP_RE = re.compile(r"\.([a-z_]+)|\[(\d{1,3})\]")
#: How deep ``anyOf`` / ``oneOf`` alternatives are followed (the schema nests two).
_MAX_BRANCHING = 4


def in_record_schema(path: str) -> bool:
    """Whether ``path`` (``$.section`` then ``.name`` or ``[index]`` steps) names a
    place the record schema has: each name a property (or a key of a map), each index
    an item of a list."""
    if not _PATH_RE.match(path):
        return False
    nodes: list[dict[str, Any]] = [record_schema()]
    for name, _index in _STEP_RE.findall(path[1:]):
        branches = _alternatives(nodes)
        if name:
            nodes = [b["properties"][name] for b in branches if name in b.get("properties", {})]
            nodes += [b["additionalProperties"] for b in branches if _is_map(b)]
        else:
            nodes = [b["items"] for b in branches if isinstance(b.get("items"), dict)]
        if not nodes:
            return False
    return True


def _is_map(node: dict[str, Any]) -> bool:
    return isinstance(node.get("additionalProperties"), dict)


def _alternatives(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes with references followed, each kept beside its ``anyOf`` / ``oneOf``
    alternatives (a node may hold properties and choose among them, as a facility
    does)."""
    found: list[dict[str, Any]] = []
    for _ in range(_MAX_BRANCHING):
        spread: list[dict[str, Any]] = []
        for node in map(resolve_node, nodes):
            found.append(node)
            for key in ("anyOf", "oneOf"):
                choices = node.get(key)
                if isinstance(choices, list):
                    spread.extend(choices)
        if not spread:
            break
        nodes = spread
    return found


def _invalid() -> AddendumInvalidError:
    return AddendumInvalidError(N_("This is not a well-formed correction (addendum)."))


def check_addendum(document: object) -> dict[str, Any]:
    """``document`` if it is a well-formed addendum, as :func:`new_addendum` makes one
    (the case database checks what it receives the same way); else
    :class:`AddendumInvalidError` with the reason."""
    if not isinstance(document, dict) or not _FIELDS <= set(document) <= _FIELDS | {"author"}:
        raise _invalid()
    try:
        for key in ("addendum_id", "record_id"):
            if str(uuid.UUID(document[key])) != document[key]:
                raise ValueError
        if date.fromisoformat(document["written_on"]).isoformat() != document["written_on"]:
            raise ValueError
    except (TypeError, ValueError, AttributeError):
        raise _invalid() from None
    text, paths, author = document["text"], document["corrected_paths"], document.get("author")
    if document["addendum_version"] != ADDENDUM_VERSION or not isinstance(paths, list):
        raise _invalid()
    if not isinstance(text, str) or not text or text != text.strip() or len(text) > MAX_TEXT:
        raise AddendumInvalidError(
            N_("Write the correction in at most %(limit)s characters."), limit=MAX_TEXT
        )
    if _invisible(text, "\n\t"):
        raise AddendumInvalidError(
            N_("The correction contains an invisible character; retype it as plain text.")
        )
    if author is not None and (
        not isinstance(author, str) or not author or len(author) > MAX_AUTHOR or _invisible(author)
    ):
        raise _invalid()
    if len(paths) > MAX_PATHS:
        raise AddendumInvalidError(N_("Name at most %(limit)s corrected fields."), limit=MAX_PATHS)
    if len(set(map(str, paths))) != len(paths):
        raise _invalid()
    sections = set(record_schema()["properties"]) - {"schema_version", "record_id"}
    for path in paths:
        match = _PATH_RE.match(path) if isinstance(path, str) else None
        if match is None or match.group(1) not in sections:
            raise _not_a_field(path)
    return document


def _invisible(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf") and c not in allowed for c in text)


def signed_envelope(addendum: dict[str, Any], station_key: bytes, signature: bytes) -> bytes:
    """What is sealed: the addendum, the station's public key and its signature over
    the addendum's canonical JSON (``ADDENDUM_CONTEXT``)."""
    return canonical_json(
        {"addendum": addendum, "station_key": station_key.hex(), "signature": signature.hex()}
    )


def seal_addendum(session: Session, keys: UnlockedKeys, addendum: dict[str, Any]) -> SealedAddendum:
    """Sign ``addendum`` with the station's key and seal it to the organisation's
    recipients, as a record is sealed (station).

    The sealed file is a payload archive like a record's, so the same tools open it;
    its JSON is the signed envelope (:func:`signed_envelope`), which tells it apart
    from a record.
    """
    require_role(session, "station")
    recipients = verified_recipients(session, keys)
    if not recipients:
        raise NoRecipientsError(
            N_("No organisation recipient is registered, so nothing can be sealed.")
        )
    signing = station_signing_key(session, keys)
    signature = signing.sign(canonical_json(check_addendum(addendum)), context=ADDENDUM_CONTEXT)
    envelope = signed_envelope(addendum, signing.verify_key.to_bytes(), signature)
    sealed = seal(pack_payload(envelope, ()), recipients)
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
    author: str | None = None,
) -> SealedAddendum:
    """Make and seal the addendum to record ``record_id`` (station), and keep the sealed
    file in the outbox until a receipt confirms it: it goes with the next bundle, by
    network or by file (:func:`intake.delivery.services.build_bundle`). ``author`` is
    the interviewer pseudonym of whoever wrote it."""
    addendum = new_addendum(record_id, text, corrected_paths, written_on, author=author)
    sealed = seal_addendum(session, keys, addendum)
    session.add(
        OutboxAddendum(
            id=sealed.addendum_id, made_on=written_on, sha256=sealed.sha256, sealed=sealed.sealed
        )
    )
    session.flush()
    return sealed
