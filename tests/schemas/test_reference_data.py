"""Reference tables cite their sources and agree with each other and the codebook."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
REFERENCE_FILES = sorted((SCHEMAS / "reference").glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


PLACES = _load(SCHEMAS / "reference" / "places.json")
FACILITIES = _load(SCHEMAS / "reference" / "facilities.json")
MINIMUM_WAGE = _load(SCHEMAS / "reference" / "minimum_wage.json")
CODEBOOK = _load(SCHEMAS / "codebook.json")
PREFECTURE_IDS = [p["id"] for p in PLACES["prefectures"]]
COUNTY_IDS = [c["id"] for p in PLACES["prefectures"] for c in p["counties"]]


def test_the_three_reference_tables_exist() -> None:
    # Given the reference directory / When listed / Then it has the expected tables
    assert {path.stem for path in REFERENCE_FILES} >= {"facilities", "places", "minimum_wage"}


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda path: path.stem)
def test_reference_files_cite_sources_and_dates(path: Path) -> None:
    # Given a reference table
    data = _load(path)
    # When its provenance is read
    # Then it has non-empty sources and says when they were reported and retrieved
    assert data["sources"] and all(source["citation"].strip() for source in data["sources"])
    assert str(data["as_reported"]).strip()
    assert "retrieved" in data
    assert data["notes"]


def test_place_ids_are_unique_and_counties_nest_in_their_prefecture() -> None:
    # Given all place ids / When compared / Then none repeats and counties carry their prefix
    ids = PREFECTURE_IDS + COUNTY_IDS
    assert len(ids) == len(set(ids))
    for prefecture in PLACES["prefectures"]:
        for county in prefecture["counties"]:
            assert county["id"].startswith(prefecture["id"] + ".")
            assert county["en"].strip() and county["zh"].strip()


def test_places_cover_the_xinjiang_prefecture_level_divisions() -> None:
    # Given the places table / When its prefecture ids are read / Then the 14 divisions are there
    expected = {
        "urumqi",
        "karamay",
        "turpan",
        "hami",
        "changji",
        "bortala",
        "bayingolin",
        "aksu",
        "kizilsu",
        "kashgar",
        "hotan",
        "ili",
        "tacheng",
        "altay",
    }
    assert expected <= set(PREFECTURE_IDS)
    assert "ili.yining_county" in COUNTY_IDS


def test_facility_ids_unique_and_places_exist() -> None:
    # Given the facility registry
    entries = FACILITIES["facilities"]
    kinds = {code["code"] for code in CODEBOOK["vocabularies"]["facility_kind"]["codes"]}
    # When ids, kinds and places are checked
    ids = [entry["id"] for entry in entries]
    # Then ids are unique, kinds are codebook codes, and places are in places.json
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert entry["kind"] in kinds
        assert entry["prefecture_id"] in PREFECTURE_IDS
        assert entry["county_id"] is None or entry["county_id"] in COUNTY_IDS
        assert entry["names"]["en"].strip()
        assert entry["sources"] and all(s["citation"].strip() for s in entry["sources"])


def test_the_worked_example_park_is_registered_in_yining_county() -> None:
    # Given the registry / When Jiafang is looked up
    # Then it is an industrial park in Yining County
    park = next(e for e in FACILITIES["facilities"] if e["id"] == "jiafang_industrial_park")
    assert (park["kind"], park["county_id"]) == ("industrial_park", "ili.yining_county")


def test_minimum_wage_tables_name_known_places_and_follow_each_other() -> None:
    # Given the minimum-wage tables in order
    tables = MINIMUM_WAGE["tables"]
    for table in tables:
        # Then every tier is a positive amount and every place id exists
        assert all(amount > 0 for amount in table["tiers"].values())
        assert set(table["prefecture_tiers"]) <= set(PREFECTURE_IDS)
        assert set(table["county_tiers"]) <= set(COUNTY_IDS)
        assert set(table["prefecture_tiers"].values()) | set(table["county_tiers"].values()) <= set(
            table["tiers"]
        )
    # And each table ends the day before the next begins
    for earlier, later in itertools.pairwise(tables):
        assert earlier["applies_to"] is not None and earlier["applies_to"] < later["applies_from"]
    assert MINIMUM_WAGE["currency"] == "CNY" and MINIMUM_WAGE["period"] == "month"


def test_the_2013_and_2018_tiers_are_those_of_the_notices() -> None:
    # Given the tables / When the 2013 and 2018 ones are read / Then their four tiers
    # are the official figures quoted in the domain notes
    by_start = {table["applies_from"][:4]: table["tiers"] for table in MINIMUM_WAGE["tables"]}
    assert [by_start["2013"][tier] for tier in "1234"] == [1520, 1320, 1240, 1160]
    assert [by_start["2018"][tier] for tier in "1234"] == [1820, 1620, 1540, 1460]
