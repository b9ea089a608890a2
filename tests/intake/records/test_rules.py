"""Version-2 record rules: informants, how facts are known, connected episodes, ranges,
and text that is safe to store, for every way a record arrives."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from intake.records.validation import parse_record_bytes, validate_record

WORKED = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures/records/valid/worked_example.json").read_text(
        encoding="utf-8"
    )
)


def _record() -> dict[str, Any]:
    return copy.deepcopy(WORKED)


def _codes(record: Any) -> set[tuple[str, str]]:
    return {(problem.path, problem.code) for problem in validate_record(record)}


def _informant(local_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": local_id, "relation": "sister", **fields}


def test_the_worked_example_is_valid_version_2() -> None:
    assert validate_record(_record()) == []


def test_several_informants_need_exactly_one_main_testifier() -> None:
    # Given two informants, none marked main
    record = _record()
    record["informants"] = [_informant("i1"), _informant("i2")]
    assert ("$.informants", "no_main_informant") in _codes(record)
    # When both are marked main / Then that is refused too
    record["informants"] = [_informant("i1", is_main=True), _informant("i2", is_main=True)]
    assert ("$.informants", "several_main_informants") in _codes(record)
    # When one is / Then it is valid
    record["informants"] = [_informant("i1", is_main=True), _informant("i2")]
    assert _codes(record) == set()


def test_an_informant_who_is_the_victim_is_not_named_twice() -> None:
    record = _record()
    record["informants"][0]["names"] = [{"text": "X", "script": "Latn", "kind": "full"}]
    assert ("$.informants[0].names", "victim_informant_named") in _codes(record)
    record = _record()
    record["informants"][0]["relation"] = "sister"
    assert ("$.informants[0].relation", "victim_informant_relation") in _codes(record)


def test_informant_ids_are_unique_and_knowledge_names_a_real_informant() -> None:
    record = _record()
    record["informants"].append(_informant("i1"))
    assert ("$.informants[1].id", "duplicate_local_id") in _codes(record)
    record = _record()
    record["episodes"][1]["known"] = {"basis": "through_relative", "informant_id": "i9"}
    assert ("$.episodes[1].known.informant_id", "unknown_informant") in _codes(record)


def test_a_relative_is_named_only_when_the_information_came_through_one() -> None:
    record = _record()
    record["episodes"][1]["known"] = {"basis": "saw_directly", "through_relation": "brother"}
    assert ("$.episodes[1].known.through_relation", "relation_without_relative") in _codes(record)
    record["episodes"][1]["known"]["basis"] = "through_relative"
    assert _codes(record) == set()


def test_a_victim_without_a_name_needs_a_description() -> None:
    record = _record()
    record["victim"]["names"] = []
    assert ("$.victim.names", "unnamed_victim") in _codes(record)
    record["victim"]["description"] = "Cellmate in Kashgar, mother of two small children"
    assert _codes(record) == set()


def test_transfers_come_from_an_earlier_real_episode() -> None:
    record = _record()
    record["episodes"][3]["transfer_from"]["episode_id"] = "e9"
    assert ("$.episodes[3].transfer_from.episode_id", "unknown_episode") in _codes(record)
    record["episodes"][3]["transfer_from"]["episode_id"] = "e4"
    assert ("$.episodes[3].transfer_from.episode_id", "transfer_from_itself") in _codes(record)
    record["episodes"][3]["transfer_from"]["episode_id"] = "e5"
    assert ("$.episodes[3].transfer_from.episode_id", "transfer_from_later") in _codes(record)


def test_a_camp_relation_names_a_detention_episode() -> None:
    record = _record()
    record["episodes"][3]["camp_relation"] = {"episode_id": "e3", "relation": "next_to_camp"}
    assert _codes(record) == set()
    record["episodes"][3]["camp_relation"]["episode_id"] = "e1"
    assert ("$.episodes[3].camp_relation.episode_id", "camp_relation_not_detention") in _codes(
        record
    )


def test_labour_may_belong_to_a_detention_episode_but_not_to_a_release() -> None:
    record = _record()
    record["labour"][0]["episode_id"] = "e3"  # prison or camp labour is real
    assert _codes(record) == set()
    record["labour"][0]["episode_id"] = "e5"
    assert ("$.labour[0].episode_id", "labour_episode_not_work") in _codes(record)


@pytest.mark.parametrize(
    ("where", "value", "code_path"),
    [
        (
            "wage",
            {"count": 2, "count_min": 3, "unit": "month"},
            "$.labour[0].wages[0].period.count",
        ),
        (
            "duration",
            {"amount": 5, "amount_max": 2, "unit": "month"},
            "$.episodes[3].duration.amount_max",
        ),
    ],
)
def test_ranges_never_run_backwards(where: str, value: dict[str, Any], code_path: str) -> None:
    record = _record()
    if where == "wage":
        record["labour"][0]["wages"][0]["period"] = value
    else:
        record["episodes"][3]["duration"] = value
    assert (code_path, "range_reversed") in _codes(record)


def test_several_wage_statements_and_a_piece_rate() -> None:
    record = _record()
    record["labour"][0]["wages"] = [
        {
            "status": "promised_not_paid",
            "amount": 2000,
            "currency": "CNY",
            "period": {"count": 1, "unit": "month"},
        },
        {
            "status": "paid",
            "piece_rate": {"amount": 0.5, "per_item": "pair of gloves", "items_per_day": 40},
        },
    ]
    assert ("$.labour[0].wages[1].piece_rate.currency", "piece_rate_without_currency") in _codes(
        record
    )
    record["labour"][0]["wages"][1]["piece_rate"]["currency"] = "CNY"
    assert _codes(record) == set()


def test_a_source_is_a_file_or_a_publication() -> None:
    record = _record()
    record["sources"].append(
        {
            "id": "s2",
            "kind": "news_article",
            "publication": {
                "title": "Report on a glove factory",
                "publisher": "A news agency",
                "published_on": {"precision": "month", "value": "2019-12"},
                "url": "https://example.org/report",
            },
        }
    )
    assert _codes(record) == set()
    record["sources"].append({"kind": "photo"})
    assert ("$.sources[2]", "source_choice") in _codes(record)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Gul\u202ezira", "invisible_character"),
        ("Gul\u2066zira", "invisible_character"),
        ("Gul\x00zira", "invisible_character"),
        ("Gul\x1bzira", "invisible_character"),
        ("Gul\ufeffzira", "invisible_character"),
        ("Gul\ud800zira", "invalid_text"),
    ],
    ids=["rlo", "isolate", "nul", "escape", "bom", "lone-surrogate"],
)
def test_hidden_or_broken_characters_are_refused_in_any_text(text: str, code: str) -> None:
    # Given a name with a hidden or broken character, as a JSON file would carry it
    record = _record()
    record["victim"]["names"][0]["text"] = text
    raw = json.dumps(record).encode()
    # When read and validated as `intake validate` and `records add` do
    problems = validate_record(parse_record_bytes(raw))
    # Then it is refused at the name, with the character's code point
    assert ("$.victim.names[0].text", code) in {(p.path, p.code) for p in problems}


def test_script_joiners_and_line_breaks_are_allowed() -> None:
    record = _record()
    record["victim"]["names"][0]["text"] = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    record["narrative"]["original"]["text"] = "line one\nline two\twith a tab"
    assert _codes(record) == set()


def test_a_key_with_a_hidden_character_is_refused_too() -> None:
    record = _record()
    record["victim"]["x\u202e"] = "1"
    codes = _codes(record)
    assert any(code == "invisible_character" for _, code in codes)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_an_amount_or_count_that_is_not_a_finite_number_is_refused(number: float) -> None:
    # NaN passes the schema's bounds (every comparison with it is false) and JSON has
    # no spelling for it: a wage of NaN must not be stored.
    record = _record()
    record["labour"][0]["wages"][0]["amount"] = number
    record["episodes"][3]["duration"]["amount"] = number
    codes = _codes(record)
    assert ("$.labour[0].wages[0].amount", "invalid_value") in codes
    assert ("$.episodes[3].duration.amount", "invalid_value") in codes


def test_a_not_a_number_in_a_list_is_refused_too() -> None:
    record = _record()
    record["coding"]["nan_list"] = [1, float("nan")]
    assert ("$.coding.nan_list[1]", "invalid_value") in _codes(record)
