"""Wage statements as monthly CNY and ratios to the minimum wage, always as ranges."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intake.records import wages
from intake.records.wages import Span, statement_figure

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"

#: Two tables shaped like schemas/reference/minimum_wage.json, figures from the
#: notices DOMAIN.md quotes (2013 and 2018 tiers), with one county listed.
TABLE = {
    "tables": [
        {
            "id": "t2013",
            "applies_from": "2013-06-01",
            "applies_to": "2018-03-31",
            "tiers": {"1": 1520, "2": 1320, "3": 1240, "4": 1160},
            "prefecture_tiers": {"karamay": "1"},
            "county_tiers": {},
        },
        {
            "id": "t2018",
            "applies_from": "2018-04-01",
            "applies_to": None,
            "tiers": {"1": 1820, "2": 1620, "3": 1540, "4": 1460},
            "prefecture_tiers": {"karamay": "1"},
            "county_tiers": {"ili.yining_county": "3"},
        },
    ]
}
RATES = {"sources": [{"id": "bank"}], "rates": {"USD": {"2018": "6.6174", "2019": "6.8985"}}}
YEAR_2019 = (date(2019, 1, 1), date(2019, 12, 31))


def _figure(statement: dict[str, Any], **kwargs: Any) -> wages.WageFigure:
    options: dict[str, Any] = {
        "prefecture": None,
        "county": None,
        "on": YEAR_2019,
        "minimum_table": TABLE,
        "rates": RATES,
    }
    options.update(kwargs)
    return statement_figure(statement, **options)


def test_almost_two_months_gives_a_range_of_monthly_figures_and_ratios() -> None:
    # Given "320 yuan for almost two months" (1.5 to 2 months), place and tier unknown
    statement = {
        "status": "paid",
        "amount": 320,
        "currency": "CNY",
        "period": {"count": 2, "count_min": 1.5, "unit": "month"},
    }
    # When turned into figures for 2019
    figure = _figure(statement)
    # Then the month is 160.00 to 213.33 yuan, and the ratio runs from the highest
    # tier to the lowest one in force (1,820 and 1,460 yuan)
    assert figure.monthly == Span(Decimal("160.00"), Decimal("213.33"))
    assert figure.minimum == Span(Decimal(1460), Decimal(1820))
    assert figure.ratio == Span(Decimal("0.088"), Decimal("0.146"))
    assert figure.table_ids == ("t2018",)
    assert figure.reasons == ()


def test_a_known_county_narrows_the_minimum_to_its_tier() -> None:
    # Given the same wage in Yining County, listed in tier 3 (1,540 yuan)
    statement = {
        "status": "paid",
        "amount": 320,
        "currency": "CNY",
        "period": {"count": 2, "count_min": 1.5, "unit": "month"},
    }
    # When turned into figures / Then the minimum is that tier alone
    figure = _figure(statement, prefecture="ili", county="ili.yining_county")
    assert figure.minimum == Span(Decimal(1540), Decimal(1540))
    assert figure.ratio == Span(Decimal("0.104"), Decimal("0.139"))


def test_a_date_spanning_two_notices_takes_every_tier_of_both() -> None:
    # Given work from 2017 into 2019 in Karamay (tier 1 in both tables)
    statement = {
        "status": "paid",
        "amount": 1000,
        "currency": "CNY",
        "period": {"count": 1, "unit": "month"},
    }
    on = (date(2017, 6, 1), date(2019, 6, 1))
    # When turned into figures / Then the minimum spans 1,520 (2013) to 1,820 (2018)
    figure = _figure(statement, prefecture="karamay", on=on)
    assert figure.minimum == Span(Decimal(1520), Decimal(1820))
    assert figure.table_ids == ("t2013", "t2018")


def test_a_period_only_partly_covered_gives_the_known_part_and_says_so() -> None:
    # Given a wage from 2012 into 2014, where only the 2013 table is known
    statement = {
        "status": "paid",
        "amount": 1000,
        "currency": "CNY",
        "period": {"count": 1, "unit": "month"},
    }
    figure = _figure(statement, on=(date(2012, 6, 1), date(2014, 6, 1)))
    # Then the ratio uses the 2013 tiers, and the figure says only part was covered
    assert figure.minimum == Span(Decimal(1160), Decimal(1520))
    assert figure.reasons == (wages.PART_TABLE,)


def test_ninety_five_dollars_a_month_in_2018_with_the_shipped_tables() -> None:
    # Given "95 USD a month in 2018", place unknown, with the shipped reference tables
    from intake.interview.wages import exchange_rates, minimum_wage_table

    statement = {
        "status": "paid",
        "amount": 95,
        "currency": "USD",
        "period": {"count": 1, "unit": "month"},
    }
    figure = statement_figure(
        statement,
        prefecture=None,
        county=None,
        on=(date(2018, 1, 1), date(2018, 12, 31)),
        minimum_table=minimum_wage_table(),
        rates=exchange_rates(),
    )
    # Then it is converted at the 2018 average (6.6090 CNY per USD) and marked so
    assert figure.conversion is not None and figure.conversion.rate == Span.of(Decimal("6.6090"))
    assert figure.monthly == Span.of(Decimal("627.86"))
    # And its ratio is a range over the 2018 tiers (1,460 to 1,820 yuan)
    assert figure.ratio == Span(Decimal("0.345"), Decimal("0.430"))


def test_dates_before_any_table_give_no_ratio_and_say_why() -> None:
    # Given a wage in 2011, before the first table
    statement = {
        "status": "paid",
        "amount": 500,
        "currency": "CNY",
        "period": {"count": 1, "unit": "month"},
    }
    figure = _figure(statement, on=(date(2011, 1, 1), date(2011, 12, 31)))
    # Then the monthly figure stands, the ratio is absent, and the reason is given
    assert figure.monthly == Span.of(Decimal("500.00"))
    assert figure.ratio is None
    assert figure.reasons == (wages.NO_TABLE,)


def test_dollars_a_month_are_converted_with_the_year_average_and_marked() -> None:
    # Given "95 USD a month in 2018"
    statement = {
        "status": "paid",
        "amount": 95,
        "currency": "USD",
        "period": {"count": 1, "unit": "month"},
    }
    on = (date(2018, 1, 1), date(2018, 12, 31))
    # When turned into figures
    figure = _figure(statement, on=on)
    # Then it is 95 x 6.6174 = 628.65 yuan, marked as converted with the 2018 rate
    assert figure.monthly == Span.of(Decimal("628.65"))
    assert figure.conversion is not None
    assert figure.conversion.currency == "USD"
    assert figure.conversion.rate == Span.of(Decimal("6.6174"))
    assert figure.conversion.years == (2018,)
    # And the ratio spans the tables in force across 2018 (the 2013 tiers until April)
    assert figure.minimum == Span(Decimal(1160), Decimal(1820))
    assert figure.reasons == ()


def test_a_currency_without_a_rate_for_the_year_gives_no_figure() -> None:
    statement = {
        "status": "paid",
        "amount": 95,
        "currency": "USD",
        "period": {"count": 1, "unit": "month"},
    }
    figure = _figure(statement, on=(date(2015, 1, 1), date(2015, 12, 31)))
    assert figure.monthly is None and figure.reasons == (wages.NO_RATE,)
    assert _figure(
        {"status": "paid", "amount": 9, "currency": "KZT", "period": {"count": 1, "unit": "month"}}
    ).reasons == (wages.NO_RATE,)


@pytest.mark.parametrize(
    ("period", "kwargs", "months"),
    [
        ({"count": 1, "unit": "month"}, {}, Span.of(Decimal(1))),
        ({"count": 12, "unit": "month"}, {}, Span.of(Decimal(12))),
        ({"count": 1, "unit": "year"}, {}, Span.of(Decimal(12))),
        ({"count": 4348, "unit": "week"}, {}, Span.of(Decimal(1000))),
        ({"count": 30.4375, "unit": "day"}, {}, Span.of(Decimal(1))),
        ({"count": 26.088, "unit": "day"}, {"days_per_week": Decimal(6)}, Span.of(Decimal(1))),
        (
            {"count": 1, "unit": "total_stay"},
            {"stay_months": Span.of(Decimal(3), Decimal(4))},
            Span.of(Decimal(3), Decimal(4)),
        ),
    ],
    ids=["month", "12-months", "year", "weeks", "calendar-days", "working-days", "whole-stay"],
)
def test_periods_use_the_documented_factors(
    period: dict[str, Any], kwargs: dict[str, Any], months: Span
) -> None:
    # Given a period / When measured in months / Then the documented factors apply
    measured = wages.period_months(period, **kwargs)
    assert measured is not None
    assert measured.rounded(Decimal("0.001")) == months.rounded(Decimal("0.001"))


def test_a_piece_rate_needs_the_working_week_and_gives_a_range() -> None:
    # Given 0.5 yuan a pair, 40 to 60 pairs a day
    statement = {
        "status": "paid",
        "piece_rate": {
            "amount": 0.5,
            "currency": "CNY",
            "items_per_day": 40,
            "items_per_day_max": 60,
        },
    }
    # When the working week is not known / Then no figure, and it says so
    assert _figure(statement).reasons == (wages.NO_DAYS_PER_WEEK,)
    # When six days a week / Then 0.5 x 40..60 x 6 x 4.348 yuan a month
    figure = _figure(statement, days_per_week=Decimal(6))
    assert figure.monthly == Span(Decimal("521.76"), Decimal("782.64"))


def test_unpaid_work_is_zero_a_month() -> None:
    figure = _figure({"status": "unpaid"})
    assert figure.monthly == Span.of(Decimal("0.00"))
    assert figure.ratio == Span.of(Decimal("0.000"))


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ({"status": "paid", "currency": "CNY"}, wages.NO_AMOUNT),
        ({"status": "paid", "amount": 320, "currency": "CNY"}, wages.NO_PERIOD),
        (
            {
                "status": "paid",
                "amount": 320,
                "currency": "CNY",
                "period": {"count": 2, "unit": "fortnight"},
            },
            wages.NO_PERIOD,
        ),
        (
            {
                "status": "paid",
                "amount": 600,
                "currency": "CNY",
                "period": {"count": 1, "unit": "total_stay"},
            },
            wages.NO_STAY,
        ),
        (
            {"status": "paid", "amount": True, "period": {"count": 1, "unit": "month"}},
            wages.NO_AMOUNT,
        ),
        (
            {"status": "paid", "amount": -5, "period": {"count": 1, "unit": "month"}},
            wages.NO_AMOUNT,
        ),
    ],
    ids=["no-amount", "no-period", "bad-unit", "stay-unknown", "boolean", "negative"],
)
def test_statements_that_cannot_be_converted_honestly_say_why(
    statement: dict[str, Any], reason: str
) -> None:
    figure = _figure(statement)
    assert figure.monthly is None and figure.ratio is None
    assert figure.reasons == (reason,)


def test_no_date_gives_the_monthly_figure_but_no_ratio() -> None:
    statement = {
        "status": "paid",
        "amount": 300,
        "currency": "CNY",
        "period": {"count": 1, "unit": "month"},
    }
    figure = _figure(statement, on=None)
    assert figure.monthly == Span.of(Decimal("300.00"))
    assert figure.ratio is None and figure.reasons == (wages.NO_DATE,)


def test_withholding_follows_the_status_never_the_amount() -> None:
    # Given a very low but paid wage, and a decent wage that was withheld
    low_paid = {
        "status": "paid",
        "amount": 1,
        "currency": "CNY",
        "period": {"count": 1, "unit": "month"},
    }
    withheld = {
        "status": "withheld",
        "amount": 3000,
        "currency": "CNY",
        "period": {"count": 1, "unit": "month"},
    }
    # Then only the status suggests "withholding of wages"
    assert not wages.suggests_withholding(low_paid)
    for status in ("withheld", "unpaid", "deducted", "promised_not_paid"):
        assert wages.suggests_withholding({**withheld, "status": status})
    assert not wages.suggests_withholding({**withheld, "status": "promised"})


def test_statement_dates_come_from_the_statement_else_the_episode() -> None:
    episode = {
        "start": {"precision": "month", "value": "2019-01"},
        "end": {"precision": "month", "value": "2019-03"},
    }
    assert wages.statement_dates({}, episode) == (date(2019, 1, 1), date(2019, 3, 31))
    assert wages.statement_dates({"on": {"precision": "year", "value": "2018"}}, episode) == (
        date(2018, 1, 1),
        date(2018, 12, 31),
    )
    assert wages.statement_dates({}, {"start": {"precision": "unknown"}}) is None
    assert wages.statement_dates({}, None) is None


def test_the_worked_example_gives_its_figures_against_the_shipped_tables() -> None:
    # Given the worked example as recorded (Jiafang park, Yining County, early 2019)
    from intake.interview.wages import labour_figures

    record = json.loads((FIXTURES / "worked_example.json").read_text(encoding="utf-8"))
    episode = next(e for e in record["episodes"] if e["id"] == "e4")
    # When its wage statement is turned into figures with the shipped tables
    (figure,) = labour_figures(record["labour"][0], episode)
    # Then the month is 160.00 to 213.33 yuan, far below any minimum in force
    assert figure.monthly == Span(Decimal("160.00"), Decimal("213.33"))
    assert figure.ratio is not None and figure.ratio.high < Decimal("0.2")
