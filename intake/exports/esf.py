"""HURIDOCS Events Standard Formats: events, acts, persons, involvements and sources.

Rendered as JSON by this software (the ESF define record types and fields, not a file
format). Every coded value is ``{"list", "code"}`` from the micro-thesauri that
OpenEvSys ships (``schemas/reference/huridocs_esf.json``, cited there); where the
thesaurus has no fitting term the value is left out, or "Others" is given with the
project's own code beside it, never an invented code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from intake.exports.entries import (
    as_dict,
    as_list,
    date_range,
    episodes,
    first_stated,
    main_informant,
    newest_first,
    place_text,
    range_text,
)
from intake.exports.labels import esf_terms, label
from intake.exports.victims import Contribution
from intake.records.derived import load_reference

#: The record sections the ESF document is made from: an export decrypts these (and
#: consent) and no other.
SECTIONS_READ = ("victim", "episodes", "informants")

_SEX = {"female": "020000000000", "male": "010000000000", "unknown": "990000000000"}
#: List 13 has these of the project's ethnicities; the rest are "Others" (900000000000).
_ETHNIC = {
    "uyghur": "210907082101",
    "han": "080114000301",
    "hui": "082109190001",
    "tatar": "200120011801",
    "unknown": "990000000000",
}
#: List 24 types of perpetrators for the project's actor kinds.
_PERPETRATOR = {
    "police": "010104000000",
    "state_security": "010106000000",
    "party_secretary": "010102000000",
    "village_cadre": "010102000000",
    "work_team": "010102000000",
    "camp_guards": "010000000000",
    "prison_staff": "010105000000",
    "court": "010300000000",
    "employer": "110301000000",
    "labour_broker": "110300000000",
    "other": "900000000000",
}
_UNKNOWN_INVOLVEMENT = "990000000000"


def _term(list_code: str, code: str, **extra: str) -> dict[str, str]:
    return {"list": list_code, "code": code, **extra}


def thesaurus_citation() -> list[dict[str, Any]]:
    """The sources of the micro-thesauri, as cited in the reference file."""
    return list(load_reference("huridocs_esf")["sources"])


def _person(person_id: str, contributions: Sequence[Contribution]) -> dict[str, Any]:
    victims = [
        as_dict(item.document.get("victim"))
        for item in newest_first(contributions, lambda item: item.document)
    ]
    record: dict[str, Any] = {"person_record_number": person_id}
    names = [
        name["text"]
        for item in contributions
        if item.allowance.names
        for name in as_list(as_dict(item.document.get("victim")).get("names"))
        if isinstance(name.get("text"), str) and name.get("is_pseudonym") is not True
    ]
    if names:
        record["name"] = list(dict.fromkeys(names))
    gender = first_stated(victim.get("gender") for victim in victims)
    if isinstance(gender, str) and gender in _SEX:
        record["sex"] = _term("39", _SEX[gender])
    ethnicity = first_stated(victim.get("ethnicity") for victim in victims)
    if isinstance(ethnicity, str):
        record["ethnic_background"] = _term(
            "13", _ETHNIC.get(ethnicity, "900000000000"), project_code=ethnicity
        )
    return record


def _act_dates(episode: Mapping[str, Any]) -> dict[str, str]:
    start, end = date_range(episode.get("start")), date_range(episode.get("end"))
    dates = {
        "initial_date": range_text(*start),
        "final_date": range_text(*end) if episode.get("end") else None,
    }
    return {key: value for key, value in dates.items() if value}


def _event(event_id: str, person_id: str, item: Contribution) -> dict[str, Any]:
    spans = [date_range(episode.get("start")) for episode in episodes(item.document)]
    lows = [low for low, _ in spans if low]
    event: dict[str, Any] = {
        "event_record_number": event_id,
        "title": f"Detention and forced labour reported for person {person_id}",
        "victims": [person_id],
    }
    if lows:
        event["initial_date"] = min(lows).isoformat()
    places = [
        place_text(episode.get("place"), item.allowance.location_level)
        for episode in episodes(item.document)
    ]
    where = list(dict.fromkeys(place for place in places if place))
    if where:
        event["geographical_terms"] = where
    return event


def _acts_and_involvements(
    event_id: str, person_id: str, item: Contribution
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    acts: list[dict[str, Any]] = []
    involvements: list[dict[str, Any]] = []
    for number, episode in enumerate(episodes(item.document), start=1):
        kind = episode.get("kind")
        terms = esf_terms("episode_kind", kind) if isinstance(kind, str) else []
        if not terms:
            continue  # no act for this step (e.g. lost contact is not a disappearance)
        act_id = f"{event_id}-a{number}"
        act: dict[str, Any] = {
            "act_record_number": act_id,
            "event": event_id,
            "victim": person_id,
            "type_of_act": [_term(term["list"], term["code"]) for term in terms],
            "project_episode_kind": kind,
            **_act_dates(episode),
        }
        reasons = as_dict(episode.get("reasons")).get("codes") or []
        if reasons:
            act["stated_reason"] = [label("detention_reason", code) for code in reasons]
        acts.append(act)
        for index, actor in enumerate(as_list(episode.get("actors")), start=1):
            perpetrator = _PERPETRATOR.get(str(actor.get("kind")))
            if perpetrator is None:
                continue
            involvements.append(
                {
                    "involvement_record_number": f"{act_id}-i{index}",
                    "act": act_id,
                    "type_of_perpetrator": _term("24", perpetrator, project_code=actor["kind"]),
                    "degree_of_involvement": _term("18", _UNKNOWN_INVOLVEMENT),
                }
            )
    return acts, involvements


def _source(event_id: str, item: Contribution) -> dict[str, Any] | None:
    informant = main_informant(item.document)
    if not informant:
        return None
    relation = informant.get("relation")
    source: dict[str, Any] = {
        "source_record_number": f"{event_id}-s",
        "event": event_id,
        "project_relation": relation,
    }
    terms = esf_terms("relation", relation) if isinstance(relation, str) else []
    if terms:
        source["connection_to_information"] = _term(terms[0]["list"], terms[0]["code"])
    if item.allowance.testifier_named and informant.get("is_victim") is not True:
        names = [n["text"] for n in as_list(informant.get("names")) if n.get("text")]
        if names:
            source["name"] = names
    return source


def build_esf(people: Sequence[tuple[str, Sequence[Contribution]]]) -> dict[str, Any]:
    """The ESF document for every (person pseudonym, that person's included records)."""
    document: dict[str, Any] = {
        "format": "HURIDOCS Events Standard Formats, JSON rendering",
        "thesaurus": thesaurus_citation(),
        "events": [],
        "acts": [],
        "persons": [],
        "involvements": [],
        "sources": [],
    }
    for person_id, contributions in people:
        document["persons"].append(_person(person_id, contributions))
        for item in contributions:
            event_id = f"ev-{item.testimony}"
            document["events"].append(_event(event_id, person_id, item))
            acts, involvements = _acts_and_involvements(event_id, person_id, item)
            document["acts"] += acts
            document["involvements"] += involvements
            source = _source(event_id, item)
            if source is not None:
                document["sources"].append(source)
    return document


def codes_used(value: Any) -> list[tuple[str, str]]:
    """Every (list, code) pair anywhere in an ESF document."""
    found: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        if set(value) >= {"list", "code"} and isinstance(value["code"], str):
            found.append((str(value["list"]), value["code"]))
        for inner in value.values():
            found += codes_used(inner)
    elif isinstance(value, list):
        for inner in value:
            found += codes_used(inner)
    return found
