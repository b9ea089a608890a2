"""Upgrade a testimony record of an older schema version to the current one.

Every record passes through :func:`upgrade_record` before it is validated or read:
a version-1 record stored at the case database, sealed at a station or kept in a
draft opens as version 2. The upgrade never drops what was said: a value with no
place of its own in version 2 moves to the nearest note.

What changes from 1.0.0 to 2.0.0:

* ``testifier`` becomes ``informants``, a list whose first entry is the main
  testifier. A testifier who is the victim (relation ``self``) is marked
  ``is_victim``; names typed for them move to the victim's names if missing there.
* ``how_known`` codes (testifier and episodes) become a ``known`` object whose
  ``basis`` is a ``knowledge_basis`` code; the free-text note goes with it.
* A labour entry's single ``wage`` becomes ``wages``, a list of wage statements
  with status ``unknown`` (version 1 did not say whether the wage was paid).
* Record-level ILO and survey coding is moved onto the labour entry when the
  record has exactly one; otherwise it stays as the record-level summary. A survey
  phase's two codes become two cells; its evidence becomes the phase's note.
* ``victim.health_note`` becomes ``victim.health.note``; ``interventions`` is added.
"""

from __future__ import annotations

import copy
from typing import Any

CURRENT_VERSION = "2.0.0"
_V1 = "1.0.0"

#: Version-1 how_known code -> version-2 knowledge basis.
HOW_KNOWN_TO_BASIS = {
    "self_experience": "saw_directly",
    "eyewitness_fellow_detainee": "saw_directly",
    "eyewitness_other": "saw_directly",
    "call_from_victim": "victim_phone_or_message",
    "message_via_relatives": "through_relative",
    "official_notice": "official_document",
    "state_media": "state_media",
    "social_media": "social_media",
    "other": "other",
    "unknown": "unknown",
}


class UnknownSchemaVersionError(ValueError):
    """The record names a schema version this software cannot upgrade."""


def needs_upgrade(document: object) -> bool:
    """Whether ``document`` is a record of an older version that can be upgraded."""
    return isinstance(document, dict) and document.get("schema_version") == _V1


def upgrade_record(document: Any) -> Any:
    """The record as a version-2 record; a new object, the argument is not changed.

    Anything that is not a version-1 record object (already current, another
    version, not an object) is returned as it is, so validation reports it.
    """
    if not needs_upgrade(document):
        return document
    record = copy.deepcopy(document)
    record["schema_version"] = CURRENT_VERSION
    _informants(record)
    for episode in _dicts(record.get("episodes")):
        _knowledge_into(episode)
    for labour in _dicts(record.get("labour")):
        _wages(labour)
    _coding(record)
    victim = record.get("victim")
    if isinstance(victim, dict) and "health_note" in victim:
        victim["health"] = {"note": victim.pop("health_note")}
    record.setdefault("interventions", [])
    return record


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _knowledge(code: object, note: object) -> dict[str, Any] | None:
    if code is None and note is None:
        return None
    known: dict[str, Any] = {"basis": HOW_KNOWN_TO_BASIS.get(str(code), "unknown")}
    if code is not None and str(code) not in HOW_KNOWN_TO_BASIS:
        # An unknown version-1 code is kept in words rather than lost.
        note = f"{code}: {note}" if note else str(code)
    if note is not None:
        known["note"] = note
    return known


def _knowledge_into(item: dict[str, Any]) -> None:
    known = _knowledge(item.pop("how_known", None), item.pop("how_known_note", None))
    if known is not None:
        item["known"] = known


def _informants(record: dict[str, Any]) -> None:
    if "testifier" not in record:
        return
    testifier = record.pop("testifier")
    if not isinstance(testifier, dict):
        record["informants"] = testifier  # left for validation to report
        return
    informant: dict[str, Any] = {"id": "i1", "is_main": True}
    is_victim = testifier.get("relation") == "self"
    if is_victim:
        informant["is_victim"] = True
    names = testifier.pop("names", None)
    if names and is_victim:
        _merge_names(record, names)
    elif names:
        informant["names"] = names
    _knowledge_into(testifier)
    informant.update(testifier)
    if "known" in informant:
        informant["how_known"] = informant.pop("known")
    record["informants"] = [informant]


def _merge_names(record: dict[str, Any], names: Any) -> None:
    victim = record.setdefault("victim", {})
    if not isinstance(victim, dict):
        return
    have = victim.setdefault("names", [])
    if not isinstance(have, list) or not isinstance(names, list):
        return
    for name in names:
        if name not in have:
            have.append(name)


def _wages(labour: dict[str, Any]) -> None:
    if "wage" not in labour:
        return
    wage = labour.pop("wage")
    if not isinstance(wage, dict):
        labour["wages"] = wage  # left for validation to report
        return
    labour["wages"] = [{"status": "unknown", **wage}]


def _survey(phases: Any) -> Any:
    if not isinstance(phases, dict):
        return phases
    upgraded: dict[str, Any] = {}
    for name, phase in phases.items():
        if not isinstance(phase, dict):
            upgraded[name] = phase
            continue
        new: dict[str, Any] = {}
        for dimension in ("involuntariness", "menace_of_penalty"):
            if dimension in phase:
                new[dimension] = {"status": phase[dimension]}
        if "evidence" in phase:
            new["note"] = phase["evidence"]
        extra = set(phase) - {"involuntariness", "menace_of_penalty", "evidence"}
        new.update({key: phase[key] for key in extra})
        upgraded[name] = new
    return upgraded


def _coding(record: dict[str, Any]) -> None:
    coding = record.get("coding")
    if not isinstance(coding, dict):
        return
    if "survey_phases" in coding:
        coding["survey_phases"] = _survey(coding["survey_phases"])
    labour = _dicts(record.get("labour"))
    if len(labour) != 1 or "coding" in labour[0]:
        return
    moved = {key: coding.pop(key) for key in ("ilo_indicators", "survey_phases") if key in coding}
    if moved:
        labour[0]["coding"] = moved
