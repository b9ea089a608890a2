"""Wage statements as monthly CNY and as a ratio to the local minimum wage, as ranges.

A testifier rarely says a wage precisely: "320 yuan for almost two months", "about
95 dollars a month in 2018", in a county nobody named. Every figure here is therefore
a range ``low..high`` that is honest about what was not said:

* a vague period (``count_min..count``) or amount (``amount..amount_max``) widens it;
* a currency other than CNY is converted with the yearly average rate of each year
  the statement may fall in (``schemas/reference/exchange_rates.json``), and the
  figure is marked as converted;
* the minimum wage is every tier that may have applied: the county's tier where the
  table lists it, the prefecture's where the whole prefecture has one, otherwise the
  lowest to the highest tier of each table in force during the statement's dates.

Where a figure cannot be derived honestly the result says why (``reasons``) rather
than guess. All functions are pure: tables are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from intake.records.derived import (
    DAYS_PER_MONTH,
    MONTHS_PER_YEAR,
    WEEKS_PER_MONTH,
    date_bounds,
)

_CENTS = Decimal("0.01")
_RATIO = Decimal("0.001")

#: Why a figure is missing: stable codes the interface words in each language.
NO_AMOUNT = "no_amount"
NO_PERIOD = "no_period"
NO_DAYS_PER_WEEK = "no_days_per_week"
NO_STAY = "no_stay_length"
NO_RATE = "no_exchange_rate"
NO_DATE = "no_date"
NO_TABLE = "no_minimum_wage_table"
PART_TABLE = "minimum_wage_table_covers_part"
#: The numbers give a figure too large or too small to compute (a safety net: the
#: forms and the wage tables' checks keep such numbers out).
NO_FIGURE = "figure_out_of_range"

#: Statuses under which nothing was paid: the monthly figure is what was said, but
#: it was not received (see :func:`is_unpaid`).
UNPAID_STATUSES = frozenset({"unpaid", "withheld", "promised_not_paid"})
#: Statuses that suggest the ILO indicator "withholding of wages".
WITHHOLDING_STATUSES = frozenset({"unpaid", "withheld", "deducted", "promised_not_paid"})


@dataclass(frozen=True)
class Span:
    """A closed range of decimals, ``low <= high``."""

    low: Decimal
    high: Decimal

    @classmethod
    def of(cls, low: Decimal, high: Decimal | None = None) -> Span:
        """The range low..high (a single value when ``high`` is not given)."""
        high = low if high is None else high
        return cls(min(low, high), max(low, high))

    @property
    def is_exact(self) -> bool:
        """Whether the range is a single value."""
        return self.low == self.high

    def rounded(self, step: Decimal) -> Span:
        """Both ends rounded half up to ``step``."""
        return Span(
            self.low.quantize(step, rounding=ROUND_HALF_UP),
            self.high.quantize(step, rounding=ROUND_HALF_UP),
        )


@dataclass(frozen=True)
class Conversion:
    """How a wage in another currency was converted to CNY."""

    currency: str
    #: CNY per unit, over the years the statement may fall in.
    rate: Span
    years: tuple[int, ...]
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class WageFigure:
    """Derived figures for one wage statement; ``None`` where they cannot be derived."""

    monthly: Span | None = None
    minimum: Span | None = None
    ratio: Span | None = None
    conversion: Conversion | None = None
    #: Ids of the minimum-wage tables the minimum was taken from.
    table_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        """Strings for the JSON endpoint and exports."""

        def span(value: Span | None) -> list[str] | None:
            return None if value is None else [str(value.low), str(value.high)]

        return {
            "monthly_cny": span(self.monthly),
            "minimum_cny": span(self.minimum),
            "ratio": span(self.ratio),
            "converted_from": None if self.conversion is None else self.conversion.currency,
            "rate": None if self.conversion is None else span(self.conversion.rate),
            "tables": list(self.table_ids),
            "reasons": list(self.reasons),
        }


def decimal_of(value: object) -> Decimal | None:
    """A finite decimal from a number or its text in a record or a table; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _positive_span(low: object, high: object) -> Span | None:
    first, second = decimal_of(low), decimal_of(high)
    if first is None and second is None:
        return None
    if first is None or second is None:
        first = second = first if first is not None else second
    assert first is not None and second is not None
    return Span.of(first, second) if min(first, second) >= 0 else None


def period_months(
    period: Mapping[str, Any] | None,
    *,
    days_per_week: Decimal | None = None,
    stay_months: Span | None = None,
) -> Span | None:
    """How many months a period ``{count, count_min, unit}`` covers, as a range.

    A month is 30.4375 days (365.25 / 12) and 4.348 weeks; a year is 12 months.
    Days count as working days when the working week is known (days_per_week x
    4.348 a month), otherwise as calendar days. ``total_stay`` needs ``stay_months``.
    """
    if not isinstance(period, Mapping):
        return None
    count = _positive_span(period.get("count_min", period.get("count")), period.get("count"))
    if count is None or count.low <= 0:
        return None
    unit = period.get("unit")
    if unit == "month":
        per = Decimal(1)
    elif unit == "week":
        per = 1 / WEEKS_PER_MONTH
    elif unit == "year":
        per = MONTHS_PER_YEAR
    elif unit == "day":
        if days_per_week is not None and days_per_week > 0:
            per = 1 / (days_per_week * WEEKS_PER_MONTH)
        else:
            per = 1 / DAYS_PER_MONTH
    elif unit == "total_stay":
        if stay_months is None or stay_months.low <= 0:
            return None
        return Span(count.low * stay_months.low, count.high * stay_months.high)
    else:
        return None
    return Span(count.low * per, count.high * per)


def monthly_amount(
    statement: Mapping[str, Any],
    *,
    days_per_week: Decimal | None = None,
    stay_months: Span | None = None,
) -> tuple[Span | None, str | None, str | None]:
    """(monthly amount in the statement's currency, currency, reason if missing)."""
    if statement.get("status") == "unpaid" and "amount" not in statement:
        return Span.of(Decimal(0)), "CNY", None
    piece = statement.get("piece_rate")
    if isinstance(piece, Mapping) and "amount" not in statement:
        return _piece_rate_monthly(piece, statement, days_per_week)
    amount = _positive_span(statement.get("amount"), statement.get("amount_max"))
    if amount is None:
        return None, None, NO_AMOUNT
    months = period_months(
        statement.get("period"), days_per_week=days_per_week, stay_months=stay_months
    )
    if months is None:
        unit = (statement.get("period") or {}).get("unit")
        return None, None, NO_STAY if unit == "total_stay" else NO_PERIOD
    currency = str(statement.get("currency") or "CNY")
    return Span(amount.low / months.high, amount.high / months.low), currency, None


def _piece_rate_monthly(
    piece: Mapping[str, Any], statement: Mapping[str, Any], days_per_week: Decimal | None
) -> tuple[Span | None, str | None, str | None]:
    rate = decimal_of(piece.get("amount"))
    items = _positive_span(piece.get("items_per_day"), piece.get("items_per_day_max"))
    if rate is None or items is None:
        return None, None, NO_AMOUNT
    if days_per_week is None or days_per_week <= 0:
        # Piece work per day says nothing about days worked a month; a guessed
        # working week would make the figure look more certain than it is.
        return None, None, NO_DAYS_PER_WEEK
    days = days_per_week * WEEKS_PER_MONTH
    currency = str(piece.get("currency") or statement.get("currency") or "CNY")
    return Span(rate * items.low * days, rate * items.high * days), currency, None


def _years(on: tuple[date, date]) -> range:
    return range(on[0].year, on[1].year + 1)


def convert(
    amount: Span, currency: str, on: tuple[date, date] | None, rates: Mapping[str, Any]
) -> tuple[Span | None, Conversion | None, str | None]:
    """``amount`` in CNY with the yearly average rates of every year in ``on``."""
    if currency == "CNY":
        return amount, None, None
    if on is None:
        return None, None, NO_DATE
    table = (rates.get("rates") or {}).get(currency) or {}
    found = [decimal_of(table.get(str(year))) for year in _years(on)]
    if not found or any(rate is None or rate <= 0 for rate in found):
        return None, None, NO_RATE
    known = [rate for rate in found if rate is not None]
    span = Span(min(known), max(known))
    sources = tuple(str(source.get("id", "")) for source in rates.get("sources") or [])
    conversion = Conversion(currency, span, tuple(_years(on)), sources)
    return Span(amount.low * span.low, amount.high * span.high), conversion, None


def _tables_in_force(
    table: Mapping[str, Any], on: tuple[date, date]
) -> tuple[list[Mapping[str, Any]], bool]:
    """Tables in force on some day of ``on``, and whether they cover every day of it."""
    covering = []
    for entry in table.get("tables") or []:
        try:
            start = date.fromisoformat(entry["applies_from"])
            end = date.fromisoformat(entry["applies_to"]) if entry.get("applies_to") else date.max
        except (KeyError, TypeError, ValueError):
            continue
        if start <= on[1] and on[0] <= end:
            covering.append((start, end, entry))
    covering.sort(key=lambda item: item[0])
    day, complete = on[0], False
    for start, end, _entry in covering:
        if start > day:
            break
        if end >= on[1]:
            complete = True
            break
        day = end + timedelta(days=1)
    return [entry for _start, _end, entry in covering], complete


def _tier_minima(
    entry: Mapping[str, Any], prefecture: str | None, county: str | None
) -> list[Decimal]:
    tiers = {str(key): decimal_of(value) for key, value in (entry.get("tiers") or {}).items()}
    tier = None
    if county:
        tier = (entry.get("county_tiers") or {}).get(county)
    if tier is None and prefecture:
        tier = (entry.get("prefecture_tiers") or {}).get(prefecture)
    if tier is not None and tiers.get(str(tier)) is not None:
        return [tiers[str(tier)]]  # type: ignore[list-item]
    return [value for value in tiers.values() if value is not None and value > 0]


def minimum_wage(
    table: Mapping[str, Any], *, prefecture: str | None, county: str | None, on: tuple[date, date]
) -> tuple[Span | None, tuple[str, ...], bool]:
    """The range of monthly minimum wages that may have applied, the table ids, and
    whether those tables cover every day of ``on`` (if not, the range holds only the
    tables known for part of the period)."""
    entries, complete = _tables_in_force(table, on)
    minima = [value for entry in entries for value in _tier_minima(entry, prefecture, county)]
    if not minima:
        return None, (), False
    ids = tuple(str(entry.get("id", "")) for entry in entries)
    return Span(min(minima), max(minima)), ids, complete


def statement_dates(
    statement: Mapping[str, Any], episode: Mapping[str, Any] | None
) -> tuple[date, date] | None:
    """The days a statement may be about: its own date, else its episode's span."""
    low, high = date_bounds(statement.get("on"))
    if low is not None and high is not None:
        return low, high
    if not isinstance(episode, Mapping):
        return None
    start_low, start_high = date_bounds(episode.get("start"))
    end_low, end_high = date_bounds(episode.get("end"))
    first = start_low or start_high
    last = end_high or end_low or start_high
    if first is None or last is None or last < first:
        return None
    return first, last


def statement_figure(
    statement: Mapping[str, Any],
    *,
    prefecture: str | None,
    county: str | None,
    on: tuple[date, date] | None,
    minimum_table: Mapping[str, Any],
    rates: Mapping[str, Any],
    days_per_week: Decimal | None = None,
    stay_months: Span | None = None,
) -> WageFigure:
    """Monthly CNY, the minimum wage in force and their ratio, each as a range."""
    reasons: list[str] = []
    amount, currency, reason = monthly_amount(
        statement, days_per_week=days_per_week, stay_months=stay_months
    )
    if amount is None or currency is None:
        return WageFigure(reasons=(reason or NO_AMOUNT,))
    monthly, conversion, reason = convert(amount, currency, on, rates)
    if monthly is None:
        return WageFigure(reasons=(reason or NO_RATE,))
    minimum: Span | None = None
    table_ids: tuple[str, ...] = ()
    if on is None:
        reasons.append(NO_DATE)
    else:
        minimum, table_ids, complete = minimum_wage(
            minimum_table, prefecture=prefecture, county=county, on=on
        )
        if minimum is None:
            reasons.append(NO_TABLE)
        elif not complete:
            # Said, not hidden: the minimum on the uncovered days is not known, so the
            # true ratio may lie outside this range.
            reasons.append(PART_TABLE)
    ratio = None
    if minimum is not None and minimum.low > 0:
        ratio = Span(monthly.low / minimum.high, monthly.high / minimum.low).rounded(_RATIO)
    return WageFigure(
        monthly=monthly.rounded(_CENTS),
        minimum=minimum,
        ratio=ratio,
        conversion=conversion,
        table_ids=table_ids,
        reasons=tuple(reasons),
    )


def suggests_withholding(statement: Mapping[str, Any]) -> bool:
    """Whether a statement's status suggests the "withholding of wages" indicator.

    Only what was said about payment counts: a wage far below the minimum is not by
    itself evidence that wages were withheld.
    """
    return statement.get("status") in WITHHOLDING_STATUSES


def is_unpaid(statement: Mapping[str, Any]) -> bool:
    """Whether nothing of what the statement names reached the victim."""
    return statement.get("status") in UNPAID_STATUSES
