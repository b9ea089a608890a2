"""Anonymised research rows: a person table and one row per work or detention episode.

Only closed sets of values leave: codebook codes (checked against the codebook, anything
else becomes "other"), place ids from the reference table, generalised periods, age
bands and wage-ratio ranges. No name, number, note, narrative or other typed text can
reach a row, because no field of a row is ever copied from typed text.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from intake.exports.consent import Allowance, cut_place
from intake.exports.entries import (
    as_dict,
    as_list,
    date_range,
    episodes,
    first_custody,
    newest_first,
    stated_status,
)
from intake.exports.labels import codes_of
from intake.records.derived import DETENTION_KINDS, WORK_KINDS
from intake.records.jsontext import canonical_json, parse_json

if TYPE_CHECKING:
    from intake.interview.wages import WageTables

#: Episodes that make a research row.
ROW_KINDS = DETENTION_KINDS | WORK_KINDS

#: Width of a wage-ratio range step.
RATIO_STEP = Decimal("0.05")

UNKNOWN = "unknown"

#: The record sections the research rows are made from: an export decrypts these (and
#: consent) and no other.
SECTIONS_READ = ("victim", "episodes", "labour", "coding")

PERSON_COLUMNS = (
    "person",
    "testimonies",
    "gender",
    "age_band",
    "ethnicity_group",
    "home_prefecture",
    "first_detained",
    "victim_status",
    "status_known_by",
    "verification_level",
)

ILO_COLUMNS = tuple(f"ilo_{code}" for code in codes_of("ilo_indicator"))
SURVEY_COLUMNS = tuple(
    f"survey_{phase}_{cell}"
    for phase in codes_of("survey_phase")
    for cell in ("involuntariness", "menace_of_penalty")
)

EPISODE_COLUMNS = (
    "person",
    "testimony",
    "episode",
    "kind",
    "system",
    "pipeline_stage",
    "start",
    "end",
    "prefecture",
    "facility_kind",
    "how_known",
    "sector",
    "wage_ratio_low",
    "wage_ratio_high",
    *ILO_COLUMNS,
    *SURVEY_COLUMNS,
    "survey_indicators",
)


@dataclass(frozen=True)
class Generalisation:
    """How far quasi-identifiers are coarsened before the k/l check."""

    #: Width of age bands in years; 0 leaves age out ("suppressed").
    age_band_years: int = 10
    #: "half_year", "year" or "none" for every date.
    period: str = "year"
    #: "prefecture", "region" or "none" for every place.
    place: str = "prefecture"
    #: Ethnicities held by fewer people than this are merged into "other".
    merge_ethnicity_below: int = 5


@dataclass(frozen=True)
class PersonRecords:
    """One person's included records: (pseudonym, allowance, document, testimony pseudonym)."""

    person: str
    records: Sequence[tuple[Allowance, Mapping[str, Any], str]]


@dataclass
class ResearchRows:
    """The rows before the anonymity check."""

    persons: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)


@functools.cache
def _codes(vocabulary: str) -> frozenset[str]:
    return frozenset(codes_of(vocabulary))


def code(vocabulary: str, value: object) -> str:
    """``value`` if it is a code of ``vocabulary``; "unknown" when absent, "other" else."""
    if value is None or value == "":
        return UNKNOWN
    if isinstance(value, str) and value in _codes(vocabulary):
        return value
    return "other"


@functools.cache
def _place_ids() -> frozenset[str]:
    from intake.records.derived import load_reference

    table = load_reference("places")
    ids = {item["id"] for item in table["prefectures"]}
    return frozenset(ids | {item["id"] for item in table["provinces"]})


def _place(place: object, allowance: Allowance, rule: Generalisation) -> str:
    if rule.place == "none":
        return UNKNOWN
    level = "region" if rule.place == "region" else allowance.location_level
    cut = cut_place(place, level)
    if cut is None:
        return UNKNOWN
    for key in ("prefecture_id", "province_id"):
        if cut.get(key) in _place_ids():
            return str(cut[key])
    if cut.get("region"):
        return "xinjiang"
    country = cut.get("country", "")
    return country if len(country) == 2 and country.isalpha() and country.isupper() else UNKNOWN


def period(day: date | None, high: date | None, rule: Generalisation) -> str:
    """The year ("2018") or half-year ("2018-H1") both ends fall in, else the wider
    one that holds both; "unknown" if they do not share a year."""
    if rule.period == "none" or day is None or high is None or day.year != high.year:
        return UNKNOWN
    if rule.period == "half_year" and (day.month <= 6) == (high.month <= 6):
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(day.year)


def age_band(victim: Mapping[str, Any], rule: Generalisation) -> str:
    """The victim's age band at the first year known ("30-39"), or "unknown"."""
    if rule.age_band_years <= 0:
        return UNKNOWN
    age = as_dict(victim.get("approximate_age")).get("years")
    if not isinstance(age, int):
        birth = as_dict(victim.get("birth_date")).get("value")
        if not isinstance(birth, str) or not birth[:4].isdigit():
            return UNKNOWN
        age = 2017 - int(birth[:4])  # age when the mass internments began
    low = (age // rule.age_band_years) * rule.age_band_years
    return f"{low}-{low + rule.age_band_years - 1}"


def ratio_range(figures: Sequence[Any]) -> tuple[str, str]:
    """The lowest and highest ratio to the minimum wage, widened to RATIO_STEP."""
    lows = [figure.ratio.low for figure in figures if figure.ratio is not None]
    highs = [figure.ratio.high for figure in figures if figure.ratio is not None]
    if not lows:
        return UNKNOWN, UNKNOWN
    low = (min(lows) / RATIO_STEP).to_integral_value(ROUND_FLOOR) * RATIO_STEP
    high = (max(highs) / RATIO_STEP).to_integral_value(ROUND_CEILING) * RATIO_STEP
    return f"{low:.2f}", f"{high:.2f}"


_WAGE_EPISODE_KEYS = ("kind", "place", "facility", "start", "end", "duration")
_WAGE_LABOUR_KEYS = ("wages", "days_per_week", "facility")


def _wage_ratios(
    labour: Mapping[str, Any], episode: Mapping[str, Any], tables: WageTables | None
) -> tuple[str, str]:
    """The ratio range of a labour entry's wages, computed once per distinct input and
    set of wage tables."""
    return _ratios_of(
        canonical_json(
            [
                {name: labour.get(name) for name in _WAGE_LABOUR_KEYS},
                {name: episode.get(name) for name in _WAGE_EPISODE_KEYS},
            ]
        ),
        tables,
    )


@functools.lru_cache(maxsize=65536)
def _ratios_of(key: bytes, tables: WageTables | None) -> tuple[str, str]:
    """The ratio range of the labour entry and episode in ``key`` (their canonical JSON:
    orjson's, so the same input always makes the same key, more cheaply than
    json.dumps) with ``tables`` (compared by their fingerprint)."""
    from intake.interview.wages import labour_figures

    labour, episode = parse_json(key)
    labour = {name: value for name, value in labour.items() if value is not None}
    episode = {name: value for name, value in episode.items() if value is not None}
    return ratio_range(labour_figures(labour, episode, tables))


def _survey(coding: Mapping[str, Any]) -> dict[str, str]:
    phases = as_dict(coding.get("survey_phases"))
    row: dict[str, str] = {}
    for phase in codes_of("survey_phase"):
        for cell in ("involuntariness", "menace_of_penalty"):
            status = as_dict(as_dict(phases.get(phase)).get(cell)).get("status")
            row[f"survey_{phase}_{cell}"] = code("indicator_status", status)
    indicators = sorted(
        {
            code("survey_indicator", indicator)
            for phase in phases.values()
            if isinstance(phase, Mapping)
            for cell in phase.values()
            if isinstance(cell, Mapping)
            for indicator in cell.get("indicators") or []
        }
    )
    row["survey_indicators"] = " ".join(indicators)
    return row


def _facility_kind(facility: object, kinds: Mapping[str, str] | None) -> str:
    facility = as_dict(facility)
    if facility.get("registry_id"):
        if kinds is None:
            from intake.exports.labels import facility_kinds

            kinds = facility_kinds()
        return code("facility_kind", kinds.get(str(facility["registry_id"])))
    return code("facility_kind", facility.get("kind"))


def _episode_row(
    person: str,
    testimony: str,
    number: int,
    episode: Mapping[str, Any],
    labour: Mapping[str, Any],
    allowance: Allowance,
    rule: Generalisation,
    kinds: Mapping[str, str] | None,
    tables: WageTables | None,
) -> dict[str, Any]:
    start = date_range(episode.get("start"))
    end = date_range(episode.get("end"))
    coding = as_dict(labour.get("coding"))
    ilo = as_dict(coding.get("ilo_indicators"))
    low, high = _wage_ratios(labour, episode, tables) if labour else (UNKNOWN, UNKNOWN)
    row: dict[str, Any] = {
        "person": person,
        "testimony": testimony,
        "episode": number,
        "kind": code("episode_kind", episode.get("kind")),
        "system": code("system", episode.get("system")),
        "pipeline_stage": code("pipeline_stage", episode.get("pipeline_stage")),
        "start": period(*start, rule),
        "end": period(*end, rule),
        "prefecture": _place(episode.get("place"), allowance, rule),
        "facility_kind": _facility_kind(episode.get("facility"), kinds),
        "how_known": code("knowledge_basis", as_dict(episode.get("known")).get("basis")),
        "sector": code("sector", labour.get("sector")),
        "wage_ratio_low": low,
        "wage_ratio_high": high,
    }
    if not coding:
        row.update(_NOT_CODED)
        return row
    for indicator, column in zip(codes_of("ilo_indicator"), ILO_COLUMNS, strict=True):
        row[column] = code("indicator_status", as_dict(ilo.get(indicator)).get("status"))
    row.update(_survey(coding))
    return row


#: The coding columns of an episode with no work coding.
_NOT_CODED: dict[str, str] = {
    **{column: UNKNOWN for column in (*ILO_COLUMNS, *SURVEY_COLUMNS)},
    "survey_indicators": "",
}


def _first_known(values: Sequence[str]) -> str:
    return next((value for value in values if value != UNKNOWN), UNKNOWN)


def _first_detained(documents: Sequence[Mapping[str, Any]], rule: Generalisation) -> str:
    """The earliest first detention over the person's testimonies, as the victim
    entry gives it, generalised by ``rule``."""
    bounds = first_custody(documents)
    return period(*bounds, rule) if bounds else UNKNOWN


def build_rows(
    people: Sequence[PersonRecords],
    rule: Generalisation,
    facility_kinds: Mapping[str, str] | None = None,
    tables: WageTables | None = None,
) -> ResearchRows:
    """Person and episode rows for every person, generalised by ``rule``; a registry
    facility's kind from ``facility_kinds`` (the live registry's, by every id records
    may name), else from the bundled registry; wage ratios with ``tables`` (the case
    database's layered wage tables), else the bundled ones."""
    rows = ResearchRows()
    for person in people:
        # Single values about the person from the newest testimony that states them,
        # as the victim entries and ESF persons take them
        records = newest_first(person.records, lambda record: record[1])
        victims = [as_dict(document.get("victim")) for _, document, _ in records]
        status = stated_status([as_dict(victim.get("status")) for victim in victims])
        rows.persons.append(
            {
                "person": person.person,
                "testimonies": len(person.records),
                "gender": _first_known([code("gender", v.get("gender")) for v in victims]),
                "age_band": _first_known([age_band(v, rule) for v in victims]),
                "ethnicity_group": _first_known(
                    [code("ethnicity", v.get("ethnicity")) for v in victims]
                ),
                "home_prefecture": _first_known(
                    [
                        _place(victim.get("home_place"), allowance, rule)
                        for victim, (allowance, _, _) in zip(victims, records, strict=True)
                    ]
                ),
                "first_detained": _first_detained([d for _, d, _ in records], rule),
                "victim_status": code("victim_status", status.get("code")),
                "status_known_by": code(
                    "knowledge_basis", as_dict(status.get("known")).get("basis")
                ),
                "verification_level": _first_known(
                    [
                        code(
                            "verification_level", as_dict(d.get("coding")).get("verification_level")
                        )
                        for _, d, _ in records
                    ]
                ),
            }
        )
        for allowance, document, testimony in person.records:
            labour = {
                str(entry.get("episode_id")): entry for entry in as_list(document.get("labour"))
            }
            for number, episode in enumerate(episodes(document), start=1):
                if episode.get("kind") not in ROW_KINDS:
                    continue
                rows.episodes.append(
                    _episode_row(
                        person.person,
                        testimony,
                        number,
                        episode,
                        labour.get(str(episode.get("id")), {}),
                        allowance,
                        rule,
                        facility_kinds,
                        tables,
                    )
                )
    _merge_small_ethnicities(rows, rule.merge_ethnicity_below)
    return rows


def _merge_small_ethnicities(rows: ResearchRows, below: int) -> None:
    counts = Counter(row["ethnicity_group"] for row in rows.persons)
    small = {group for group, count in counts.items() if count < below and group != UNKNOWN}
    for row in rows.persons:
        if row["ethnicity_group"] in small:
            row["ethnicity_group"] = "other"
