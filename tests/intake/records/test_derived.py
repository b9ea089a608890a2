"""Derived values: dates with precision, time in detention and in work."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intake.records import derived
from intake.records.derived import (
    DETENTION_KINDS,
    WORK_KINDS,
    date_bounds,
    load_codebook,
    load_reference,
    time_in_assigned_work,
    time_in_detention,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_worked_example_detention_is_about_fifteen_months() -> None:
    # Given the worked example's episodes (two camps over about 15 months)
    episodes = _fixture("worked_example")["episodes"]
    # When time in detention is derived
    estimate = time_in_detention(episodes)
    # Then the best estimate is about 15 months, flagged approximate, with bounds around it
    assert estimate.best_months is not None
    assert Decimal(14) <= estimate.best_months <= Decimal(16)
    assert estimate.is_approximate
    assert estimate.episode_count == 2
    assert estimate.max_days is not None
    assert estimate.min_days < estimate.best_days <= estimate.max_days  # type: ignore[operator]


def test_worked_example_assigned_work_is_about_two_months() -> None:
    # Given the worked example / When time in assigned work is derived / Then about two months
    estimate = time_in_assigned_work(_fixture("worked_example")["episodes"])
    assert estimate.best_months is not None
    assert Decimal("1.5") <= estimate.best_months <= Decimal("2.5")


def day(value: str) -> dict[str, str]:
    """A date with day precision."""
    return {"precision": "day", "value": value}


def test_exact_dates_give_exact_durations_and_overlaps_count_once() -> None:
    # Given a camp stay and a workshop inside it, both with exact days
    episodes = [
        {
            "id": "a",
            "kind": "reeducation_camp",
            "start": day("2018-01-01"),
            "end": day("2018-12-31"),
        },
        {"id": "b", "kind": "camp_workshop", "start": day("2018-06-01"), "end": day("2018-07-01")},
    ]
    # When time in detention is derived
    estimate = time_in_detention(episodes)
    # Then the overlap is counted once and the figure is exact
    assert (estimate.min_days, estimate.best_days, estimate.max_days) == (364, 364, 364)
    assert not estimate.is_approximate


def test_open_ended_episodes_have_no_upper_bound() -> None:
    # Given a camp stay with a known start and no end
    episodes = [{"id": "a", "kind": "prison", "start": {"precision": "year", "value": "2018"}}]
    # When derived / Then the maximum and best are unknown and the episode is named
    estimate = time_in_detention(episodes)
    assert estimate.max_days is None and estimate.best_days is None
    assert estimate.open_episode_ids == ("a",)


def test_time_functions_tolerate_unvalidated_input() -> None:
    # Given junk / When derived / Then an empty estimate, no exception
    for junk in (None, "x", [1, None, {"kind": "prison", "start": "2018"}]):
        assert time_in_detention(junk).min_days == 0


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"precision": "year", "value": "2018"}, (date(2018, 1, 1), date(2018, 12, 31))),
        ({"precision": "month", "value": "2020-02"}, (date(2020, 2, 1), date(2020, 2, 29))),
        ({"precision": "day", "value": "2018-03-14"}, (date(2018, 3, 14), date(2018, 3, 14))),
        (
            {"precision": "season", "value": "2019", "season": "autumn"},
            (date(2019, 9, 1), date(2019, 11, 30)),
        ),
        (
            {"precision": "season", "value": "2019", "season": "winter"},
            (date(2019, 1, 1), date(2020, 2, 29)),
        ),
        ({"precision": "approximate", "value": "2018-03"}, (date(2018, 2, 1), date(2018, 4, 30))),
        ({"precision": "approximate", "value": "2018"}, (date(2017, 1, 1), date(2019, 12, 31))),
        ({"precision": "before", "value": "2018"}, (None, date(2017, 12, 31))),
        ({"precision": "after", "value": "2018-03"}, (date(2018, 4, 1), None)),
        ({"precision": "unknown"}, (None, None)),
        ({"precision": "day", "value": "2019-02-30"}, (None, None)),
        ({"precision": "day", "value": "2019"}, (None, None)),
    ],
    ids=[
        "year",
        "month-leap",
        "day",
        "autumn",
        "winter",
        "approx-month",
        "approx-year",
        "before",
        "after",
        "unknown",
        "impossible",
        "mismatch",
    ],
)
def test_date_bounds_follow_the_documented_rules(when: dict[str, Any], expected: tuple) -> None:
    # Given a date with precision / When its bounds are taken / Then they follow the rules
    assert date_bounds(when) == expected


def test_kind_groups_match_the_codebook() -> None:
    # Given the codebook's episode kinds / When grouped / Then they equal the code's constants
    codes = load_codebook()["vocabularies"]["episode_kind"]["codes"]
    assert {c["code"] for c in codes if "detention" in c["groups"]} == DETENTION_KINDS
    assert {c["code"] for c in codes if "work" in c["groups"]} == WORK_KINDS


def test_loaders_accept_an_explicit_path_and_refuse_traversal(tmp_path: Path) -> None:
    # Given a reference file elsewhere / When loaded by path / Then it is read
    path = tmp_path / "t.json"
    path.write_text('{"x": 1}', encoding="utf-8")
    assert load_reference("ignored", path=path) == {"x": 1}
    assert load_codebook(FIXTURES.parents[3] / "schemas" / "codebook.json")["codebook_version"]
    # When a name tries to leave the reference directory / Then it is refused
    with pytest.raises(derived.ReferenceDataError):
        load_reference("../codebook")
    with pytest.raises(derived.ReferenceDataError):
        load_reference("absent_table")


@pytest.mark.parametrize(
    "when",
    [
        {"precision": "season", "value": "2018", "season": ["summer"]},
        {"precision": "season", "value": "2018", "season": {"name": "summer"}},
        {"precision": "season", "value": "2018"},
        {"precision": "month", "value": ["2018-03"]},
        {"precision": ["month"], "value": "2018-03"},
    ],
)
def test_bounds_of_malformed_dates_are_open_whatever_their_parts(when: Any) -> None:
    # Spans are remembered by their parts: parts that are lists or objects (which
    # cannot be remembered) still give open bounds, not an error.
    assert derived.date_bounds(when) == (None, None)


def test_remembered_bounds_are_the_same_as_worked_out() -> None:
    for when in (
        {"precision": "season", "value": "2018", "season": "winter"},
        {"precision": "approximate", "value": "2019-01"},
        {"precision": "before", "value": "2020-02-29"},
    ):
        first = derived.date_bounds(when)
        derived._bounds.cache_clear()
        assert derived.date_bounds(dict(when)) == first
    assert derived.date_bounds({"precision": "season", "value": "2018", "season": "winter"}) == (
        date(2018, 1, 1),
        date(2019, 2, 28),
    )
