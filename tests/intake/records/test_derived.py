"""Derived values: monthly wage, ratio to the minimum wage, time in detention and work."""

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
    minimum_wage_ratio,
    monthly_wage_cny,
    time_in_assigned_work,
    time_in_detention,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _wage(amount: float, count: float, unit: str, currency: str = "CNY") -> dict[str, Any]:
    return {"amount": amount, "currency": currency, "period": {"count": count, "unit": unit}}


def test_worked_example_wage_is_160_yuan_a_month_far_below_the_ili_minimum() -> None:
    # Given the worked example's wage: 320 yuan for almost two months
    wage = _fixture("worked_example")["labour"][0]["wage"]
    table = load_reference("minimum_wage")
    # When converted to a monthly figure and compared with the minimum in 2019
    monthly = monthly_wage_cny(wage)
    # Then it is 160 yuan a month; no single tier is known for Ili, so no one ratio
    assert monthly == Decimal("160.00")
    assert minimum_wage_ratio(monthly, "ili", date(2019, 2, 1), table) is None
    # And against Karamay's tier 1 (1,820 yuan in 2018) it is under a tenth
    assert minimum_wage_ratio(monthly, "karamay", date(2019, 2, 1), table) == Decimal("0.088")


@pytest.mark.parametrize(
    ("wage", "kwargs", "expected"),
    [
        (_wage(100, 1, "day"), {}, Decimal("3043.75")),
        (_wage(100, 1, "day"), {"days_worked_per_week": Decimal(6)}, Decimal("2608.80")),
        (_wage(500, 1, "week"), {}, Decimal("2174.00")),
        (_wage(12000, 1, "year"), {}, Decimal("1000.00")),
        (_wage(1500, 1, "month"), {}, Decimal("1500.00")),
        (_wage(600, 1, "total_stay"), {"stay_months": Decimal(3)}, Decimal("200.00")),
        (
            _wage(1000, 1, "month", "KZT"),
            {"rates_to_cny": {"KZT": Decimal("0.015")}},
            Decimal("15.00"),
        ),
    ],
    ids=["day", "day-6-per-week", "week", "year", "month", "total-stay", "kzt-with-rate"],
)
def test_periods_convert_with_the_documented_factors(
    wage: dict[str, Any], kwargs: dict[str, Any], expected: Decimal
) -> None:
    # Given a wage for some period / When converted / Then the documented factor applies
    assert monthly_wage_cny(wage, **kwargs) == expected


@pytest.mark.parametrize(
    "wage",
    [
        {"amount": 320, "currency": "CNY"},
        {"period": {"count": 2, "unit": "month"}},
        _wage(320, 0, "month"),
        _wage(320, 2, "fortnight"),
        _wage(1000, 1, "month", "KZT"),
        _wage(600, 1, "total_stay"),
        {"amount": True, "period": {"count": 1, "unit": "month"}},
        "not a wage",
    ],
    ids=[
        "no-period",
        "no-amount",
        "zero-count",
        "bad-unit",
        "kzt-no-rate",
        "stay-unknown",
        "boolean",
        "string",
    ],
)
def test_wages_that_cannot_be_converted_honestly_give_none(wage: Any) -> None:
    # Given an incomplete or foreign wage / When converted / Then None rather than a guess
    assert monthly_wage_cny(wage) is None


def test_ratio_is_none_outside_the_table_or_for_unknown_areas() -> None:
    # Given the minimum wage table
    table = load_reference("minimum_wage")
    # When asked for a date it does not cover / Then None
    assert minimum_wage_ratio(Decimal(160), "ili", date(2012, 1, 1), table) is None
    # When asked for an unknown prefecture / Then None: the table has no default tier
    assert minimum_wage_ratio(Decimal(1820), "atlantis", date(2019, 1, 1), table) is None
    # When a table has no default and no tier / Then None
    assert minimum_wage_ratio(Decimal(1), "x", date(2019, 1, 1), {"tables": []}) is None


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
