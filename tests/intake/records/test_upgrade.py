"""Version-1 records open as version 2: one function, nothing said is lost."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from intake.records.upgrade import CURRENT_VERSION, HOW_KNOWN_TO_BASIS, upgrade_record
from intake.records.validation import validate_record

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records"
V1 = sorted((FIXTURES / "v1").glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {s for child in value.values() for s in _strings(child)}
    if isinstance(value, list):
        return {s for child in value for s in _strings(child)}
    return {value} if isinstance(value, str) else set()


def test_there_are_version_1_fixtures_to_upgrade() -> None:
    assert {path.stem for path in V1} >= {"worked_example", "labour_transfer", "minimal"}
    assert all(_load(path)["schema_version"] == "1.0.0" for path in V1)


@pytest.mark.parametrize("path", V1, ids=lambda path: path.stem)
def test_every_version_1_fixture_upgrades_to_a_valid_version_2_record(path: Path) -> None:
    # Given a version-1 record
    original = _load(path)
    kept = copy.deepcopy(original)
    # When upgraded
    upgraded = upgrade_record(original)
    # Then it is a valid version-2 record, and the argument was not changed
    assert upgraded["schema_version"] == CURRENT_VERSION
    assert validate_record(upgraded) == []
    assert original == kept
    # And every text value said in version 1 is still there (codes may be renamed)
    renamed = set(HOW_KNOWN_TO_BASIS) | {"testifier", "wage", "how_known_note", "evidence", "1.0.0"}
    assert _strings(original) - _strings(upgraded) <= renamed


def test_the_worked_example_upgrades_its_testifier_wage_and_coding() -> None:
    # Given the worked example as version 1
    upgraded = upgrade_record(_load(FIXTURES / "v1" / "worked_example.json"))
    # Then the testifier is the main informant and is the victim (relation self)
    (informant,) = upgraded["informants"]
    assert informant["id"] == "i1" and informant["is_main"] and informant["is_victim"]
    assert informant["how_known"] == {"basis": "saw_directly"}
    # And the single wage became one statement whose payment status is not known
    (statement,) = upgraded["labour"][0]["wages"]
    assert statement["status"] == "unknown" and statement["amount"] == 320
    # And the record's indicators moved onto its one work episode
    coding = upgraded["labour"][0]["coding"]
    assert coding["ilo_indicators"]["withholding_of_wages"]["status"] == "present"
    phase = coding["survey_phases"]["work_and_life_under_duress"]
    assert phase["menace_of_penalty"] == {"status": "present"}
    assert phase["note"] == "Escorted daily; menace of being sent back to the camp."
    assert "ilo_indicators" not in upgraded["coding"]
    # And every episode's how_known became a knowledge object
    assert all("how_known" not in e for e in upgraded["episodes"])
    assert upgraded["episodes"][0]["known"] == {"basis": "saw_directly"}


def test_record_level_coding_stays_when_there_are_several_work_entries() -> None:
    # Given a version-1 record with two labour entries
    record = _load(FIXTURES / "v1" / "worked_example.json")
    second = copy.deepcopy(record["labour"][0])
    record["labour"].append(second)
    # When upgraded / Then the coding is not copied onto either: it stays a summary
    upgraded = upgrade_record(record)
    assert "ilo_indicators" in upgraded["coding"]
    assert all("coding" not in labour for labour in upgraded["labour"])


def test_a_named_self_testifier_adds_missing_names_to_the_victim() -> None:
    record = _load(FIXTURES / "v1" / "worked_example.json")
    extra = {"text": "Другое имя", "script": "Cyrl", "kind": "alias"}
    record["testifier"]["names"] = [record["victim"]["names"][0], extra]
    upgraded = upgrade_record(record)
    assert upgraded["victim"]["names"].count(record["victim"]["names"][0]) == 1
    assert extra in upgraded["victim"]["names"]
    assert "names" not in upgraded["informants"][0]


def test_an_unknown_version_1_code_is_kept_in_words() -> None:
    record = _load(FIXTURES / "v1" / "minimal.json")
    record["testifier"]["how_known"] = "dream"
    upgraded = upgrade_record(record)
    assert upgraded["informants"][0]["how_known"] == {"basis": "unknown", "note": "dream"}


@pytest.mark.parametrize(
    "value", [None, 3, "text", [], {"schema_version": "9.0.0"}, {"schema_version": "2.0.0"}]
)
def test_anything_else_is_returned_unchanged(value: Any) -> None:
    assert upgrade_record(value) is value


@pytest.mark.parametrize(
    ("section", "value"),
    [("testifier", "not an object"), ("labour", [{"episode_id": "e1", "wage": 5}]), ("coding", 7)],
)
def test_damaged_version_1_sections_are_left_for_validation_to_report(
    section: str, value: Any
) -> None:
    record = _load(FIXTURES / "v1" / "minimal.json")
    record[section] = value
    problems = validate_record(record)
    assert problems, "a damaged section must be reported, not silently dropped"
