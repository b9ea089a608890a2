"""Victim-database entries: one per person, in English, each field only as consent allows.

The fields follow the public Xinjiang Victims Database (DOMAIN.md). Several testimonies
about one person (a confirmed person link) make one entry that lists every testimony.
Every value is built from codes and reference data, never from a narrative; the only
words as typed are the victim's and testifier's names, where consent allows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.errors import N_
from intake.exports.consent import Allowance
from intake.exports.entries import (
    as_dict,
    as_list,
    codes_in,
    custody_episodes,
    episodes,
    first_custody,
    first_stated,
    main_informant,
    newest_first,
    place_text,
    range_text,
    stated_status,
    trajectory_text,
)
from intake.exports.labels import label

#: The record sections a victim entry is made from: an export decrypts these (and
#: consent) and no other.
SECTIONS_READ = ("victim", "episodes", "informants", "interview", "coding", "sources")

#: Every field an entry may have, in order, with what it holds.
FIELDS: dict[str, str] = {
    "entry": N_("Entry id (a pseudonym for this recipient)"),
    "names_latin": N_("Name variants in Latin script"),
    "names_original": N_("Name variants in their original script"),
    "gender": N_("Gender"),
    "ethnicity": N_("Ethnicity"),
    "age": N_("Age as reported"),
    "likely_place_of_origin": N_("Likely place of origin"),
    "likely_current_location": N_("Likely current location"),
    "last_reported_detention_type": N_("Last reported detention type"),
    "first_detained": N_("When first detained (range)"),
    "probable_reason": N_("Probable reason for detention"),
    "health": N_("Health status"),
    "status": N_("Victim's status"),
    "status_as_of": N_("Status as of"),
    "testifying_party": N_("Testifying party"),
    "relation_to_testifier": N_("Victim's relation to testifier"),
    "how_testifier_knows": N_("How the testifier learned of the victim's status"),
    "about_the_victim": N_("About the victim"),
    "additional_information": N_("Additional information"),
    "photos": N_("Photos exist and may be shared"),
    "testimonies": N_("Each testimony's summary"),
}


@dataclass(frozen=True)
class Contribution:
    """One included record of a person, with what its consent allows."""

    document: Mapping[str, Any]
    allowance: Allowance
    #: The testimony's pseudonym for this recipient.
    testimony: str


def _names(contribution: Contribution) -> tuple[list[str], list[str]]:
    if not contribution.allowance.names:
        return [], []
    latin: list[str] = []
    original: list[str] = []
    for name in as_list(as_dict(contribution.document.get("victim")).get("names")):
        if name.get("is_pseudonym") is True or not isinstance(name.get("text"), str):
            continue
        if name.get("script") == "Latn":
            latin.append(name["text"])
        else:
            original.append(f"{name['text']} ({name.get('script', 'unknown script')})")
    return latin, original


def _age(victim: Mapping[str, Any], allowance: Allowance) -> str | None:
    if allowance.identity_level == "anonymous":
        return None
    age = as_dict(victim.get("approximate_age"))
    if isinstance(age.get("years"), int):
        as_of = as_dict(age.get("as_of")).get("value")
        return f"about {age['years']}" + (f" in {as_of}" if as_of else "")
    birth = as_dict(victim.get("birth_date")).get("value")
    return f"born {str(birth)[:4]}" if isinstance(birth, str) else None


def _first_detained(documents: Sequence[Mapping[str, Any]]) -> str | None:
    bounds = first_custody(documents)
    return range_text(*bounds) if bounds else None


def _last_detention(document: Mapping[str, Any]) -> str | None:
    held = custody_episodes(document)
    return label("episode_kind", held[-1].get("kind")) if held else None


def _reasons(document: Mapping[str, Any]) -> list[str]:
    codes = [
        code
        for episode in episodes(document)
        for code in as_dict(episode.get("reasons")).get("codes") or []
    ]
    return [label("detention_reason", code) or code for code in codes_in(codes)]


def _testifier(contribution: Contribution) -> tuple[str | None, str | None, str | None]:
    informant = main_informant(contribution.document)
    if not informant:
        return None, None, None
    relation = label("relation", informant.get("relation"))
    party: str | None
    if informant.get("is_victim") is True:
        party = "The victim"
    elif contribution.allowance.testifier_named:
        written = [n["text"] for n in as_list(informant.get("names")) if n.get("text")]
        party = ", ".join(written) or relation
    else:
        party = relation
    known = as_dict(as_dict(contribution.document.get("victim")).get("status")).get("known")
    basis = as_dict(known).get("basis") or as_dict(informant.get("how_known")).get("basis")
    return party, relation, label("knowledge_basis", basis)


def _about(victim: Mapping[str, Any], allowance: Allowance) -> str | None:
    parts = []
    if allowance.identity_level != "anonymous":
        if isinstance(victim.get("occupation"), str):
            parts.append(f"Occupation: {victim['occupation']}")
        if victim.get("citizenships"):
            parts.append("Citizenship: " + ", ".join(map(str, victim["citizenships"])))
        kz_status = label("kz_status", victim.get("kz_status"))
        if kz_status:
            parts.append(f"Status in Kazakhstan: {kz_status}")
    if allowance.family:
        relations = codes_in([link.get("relation") for link in as_list(victim.get("family_links"))])
        if relations:
            parts.append(
                "Family: " + ", ".join(label("relation", code) or code for code in relations)
            )
    origin = place_text(victim.get("home_place"), _home_level(allowance))
    if origin:
        parts.append(f"Home: {origin}")
    return "; ".join(parts) or None


def _home_level(allowance: Allowance) -> str:
    if allowance.location_level == "full" and not allowance.address:
        return "county"
    return allowance.location_level


def _additional(contribution: Contribution) -> str | None:
    coding = as_dict(contribution.document.get("coding"))
    parts = []
    abuse = as_dict(coding.get("other_abuse")).get("codes") or []
    if abuse:
        parts.append(
            "Other abuse reported: " + ", ".join(label("other_abuse", c) or c for c in abuse)
        )
    systems = codes_in([episode.get("system") for episode in episodes(contribution.document)])
    if systems:
        parts.append("System: " + ", ".join(label("system", code) or code for code in systems))
    verification = label("verification_level", coding.get("verification_level"))
    if verification:
        parts.append(f"Verification: {verification}")
    return "; ".join(parts) or None


def _summary(contribution: Contribution) -> dict[str, Any]:
    interview = as_dict(contribution.document.get("interview"))
    return {
        "testimony": contribution.testimony,
        "interviewed": as_dict(interview.get("date")).get("value"),
        "summary": trajectory_text(contribution.document, contribution.allowance.location_level),
    }


def _first(values: Sequence[Any]) -> Any:
    return next((value for value in values if value not in (None, "", [])), None)


def build_entry(entry_id: str, contributions: Sequence[Contribution]) -> dict[str, Any]:
    """One victim's entry from every included testimony about them (newest first wins
    for single values; names, reasons and testimonies are collected from all).

    Keys without a value are left out, never filled in.
    """
    ordered = newest_first(contributions, lambda item: item.document)
    documents = [item.document for item in ordered]
    victims = [as_dict(document.get("victim")) for document in documents]
    latin: list[str] = []
    original: list[str] = []
    for item in ordered:
        item_latin, item_original = _names(item)
        latin += [name for name in item_latin if name not in latin]
        original += [name for name in item_original if name not in original]
    statuses = [as_dict(victim.get("status")) for victim in victims]
    status = stated_status(statuses)
    testifiers = [_testifier(item) for item in ordered]
    entry: dict[str, Any] = {
        "entry": entry_id,
        "names_latin": latin,
        "names_original": original,
        "gender": label("gender", first_stated(v.get("gender") for v in victims)),
        "ethnicity": label("ethnicity", first_stated(v.get("ethnicity") for v in victims)),
        "age": _first([_age(v, item.allowance) for v, item in zip(victims, ordered, strict=True)]),
        "likely_place_of_origin": _first(
            [
                place_text(v.get("home_place"), _home_level(item.allowance))
                for v, item in zip(victims, ordered, strict=True)
            ]
        ),
        "likely_current_location": _first(
            [
                place_text(
                    as_dict(s.get("likely_location")).get("place"), item.allowance.location_level
                )
                for s, item in zip(statuses, ordered, strict=True)
            ]
        ),
        "last_reported_detention_type": _first([_last_detention(d) for d in documents]),
        "first_detained": _first_detained(documents),
        "probable_reason": codes_in([r for d in documents for r in _reasons(d)]),
        "health": label(
            "health_status", first_stated(as_dict(v.get("health")).get("code") for v in victims)
        ),
        "status": label("victim_status", status.get("code")),
        "status_as_of": as_dict(status.get("as_of")).get("value"),
        "testifying_party": codes_in([party for party, _, _ in testifiers]),
        "relation_to_testifier": codes_in([relation for _, relation, _ in testifiers]),
        "how_testifier_knows": codes_in([basis for _, _, basis in testifiers]),
        "about_the_victim": _first(
            [_about(v, item.allowance) for v, item in zip(victims, ordered, strict=True)]
        ),
        "additional_information": _first([_additional(item) for item in ordered]),
        "photos": _photos(ordered),
        "testimonies": [_summary(item) for item in ordered],
    }
    return {key: value for key, value in entry.items() if value not in (None, "", [])}


def _photos(contributions: Sequence[Contribution]) -> str | None:
    count = sum(
        1
        for item in contributions
        if item.allowance.photos
        for source in as_list(item.document.get("sources"))
        if source.get("kind") == "photo"
    )
    return f"{count} photo(s) held by the organisation" if count else None


def select_fields(entry: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """Only the ``fields`` a partner takes, in FIELDS order; the rest is left out."""
    return {key: entry[key] for key in FIELDS if key in fields and key in entry}
