"""The in-memory case index answers the Records filters, one episode at a time."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from intake.cases.index import CaseIndex, Filters, IndexClosedError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"


def _worked() -> dict[str, Any]:
    return json.loads((FIXTURES / "worked_example.json").read_text(encoding="utf-8"))


@pytest.fixture
def index() -> CaseIndex:
    # Given the worked example (Ili, glove factory in 2019, camps before) and a second
    # record: a man in a prison in Kashgar in 2017, no indicators coded
    built = CaseIndex()
    other = copy.deepcopy(_worked())
    other["victim"]["gender"] = "male"
    other["episodes"] = [
        {
            "id": "p1",
            "kind": "prison",
            "place": {"prefecture_id": "kashgar"},
            "start": {"precision": "year", "value": "2017"},
            "system": "prison_labour",
        }
    ]
    other["labour"] = []
    other["consent"]["research_use"] = False
    built.put_many(
        [
            ("a", _worked(), date(2026, 11, 1), "laptop-1"),
            ("b", other, date(2026, 11, 2), "laptop-2"),
        ]
    )
    return built


def _ids(index: CaseIndex, **filters: Any) -> list[str]:
    return index.query(Filters(**filters)).ids


def test_no_filter_lists_every_record_newest_received_first(index):
    page = index.query(Filters())
    assert page.ids == ["b", "a"] and page.total == 2 and len(index) == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"episode_kind": "reeducation_camp"}, ["a"]),
        ({"episode_kind": "prison"}, ["b"]),
        ({"facility": "jiafang_industrial_park"}, ["a"]),
        ({"prefecture": "ili"}, ["a"]),
        ({"county": "ili.yining_county"}, ["a"]),
        ({"gender": "male"}, ["b"]),
        ({"indicator": "withholding_of_wages"}, ["a"]),
        ({"indicator": "debt_bondage"}, []),
        ({"system": "prison_labour"}, ["b"]),
        ({"stage": "employment_base"}, ["a"]),
        ({"victim_status": "left_china"}, ["b", "a"]),
        ({"research_use": True}, ["a"]),
        ({"station": "laptop-2"}, ["b"]),
        ({"year_from": 2019}, ["a"]),
        ({"year_to": 2017}, ["b", "a"]),
        ({"received_from": date(2026, 11, 2)}, ["b"]),
    ],
)
def test_each_filter_narrows_the_list(index, filters, expected):
    assert _ids(index, **filters) == expected


def test_episode_filters_must_hold_for_the_same_episode(index):
    # Given the worked example: camps in 2017-2019 (no place) and a factory in Ili in 2019
    # When asked for a camp in Ili / Then nothing: no single episode is both
    assert _ids(index, episode_kind="reeducation_camp", prefecture="ili") == []
    # When asked for factory work in Ili in 2019 / Then the record
    assert _ids(index, episode_kind="assigned_factory_work", prefecture="ili", year_from=2019) == [
        "a"
    ]


def test_a_record_is_replaced_on_write_and_removed_on_erasure(index):
    changed = _worked()
    changed["victim"]["gender"] = "male"
    index.put("a", changed, received_on=date(2026, 11, 1))
    assert _ids(index, gender="male") == ["b", "a"]
    index.remove("a")
    assert _ids(index) == ["b"] and len(index) == 1


def test_pages_and_totals(index):
    page = index.query(Filters(), offset=1, limit=1)
    assert page.ids == ["a"] and page.total == 2
    assert Filters().is_empty and not Filters(gender="x").is_empty


def test_the_index_holds_no_names_or_free_text(index):
    # Given the worked example's names and notes / Then none is among the values the
    # index holds (codes, by column; besides them it keeps only ids, days and years)
    text = json.dumps(index.codes(), ensure_ascii=False)
    assert "ili" in text and "reeducation_camp" in text
    for secret in ("Сынақ", "Synaq", "Glove factory", "electrified"):
        assert secret not in text


def test_damaged_values_are_indexed_without_failing():
    index = CaseIndex()
    index.put("x", {"episodes": [None, {"kind": 5, "start": "2019"}], "victim": [], "labour": "?"})
    assert _ids(index) == ["x"]


def test_a_closed_index_cannot_be_read():
    index = CaseIndex()
    index.close()
    with pytest.raises(IndexClosedError):
        index.query(Filters())


@pytest.mark.parametrize(
    ("scope", "research", "shared"),
    [
        ("research_use", False, True),
        ("partner_sharing", True, False),
        ("entire_record", False, False),
        ("publication", True, True),
    ],
)
def test_a_withdrawal_of_consent_filters_as_no_consent(scope, research, shared):
    # Given a record that consented to research use and partner sharing, then withdrew
    # consent for ``scope``
    withdrawn = _worked()
    withdrawn["consent"].update(research_use=True, share_with_partner_databases=True)
    withdrawn["consent"]["withdrawal"] = {"scope": scope, "reason": "Phoned on 3 May"}
    built = CaseIndex()
    built.put_many([("a", withdrawn, date(2026, 11, 1), None)])
    # Then the consent filters answer as exports do: what was withdrawn counts as no
    assert _ids(built, research_use=True) == (["a"] if research else [])
    assert _ids(built, research_use=False) == ([] if research else ["a"])
    assert _ids(built, share_with_partners=True) == (["a"] if shared else [])
    assert _ids(built, share_with_partners=False) == ([] if shared else ["a"])


@pytest.mark.parametrize("field", ["year_from", "year_to"])
def test_a_year_too_long_for_a_float_is_refused_on_the_records_page(casedb_coordinator, field):
    response = casedb_coordinator.get(f"/records/?{field}=" + "9" * 400)
    assert response.status_code in (200, 400)
    assert "Number must be between 1950 and 2100." in response.get_data(as_text=True)
