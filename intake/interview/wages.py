"""Wage statements shown as monthly figures and ratios to the local minimum wage.

The arithmetic is :mod:`intake.records.wages` (pure, ranges); this module finds the
place, dates and tables for a labour entry of the interview and serves the live
figure the labour step shows while the interviewer types.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext

from intake.errors import N_, IntakeError
from intake.interview import vocab
from intake.records import wages as arithmetic
from intake.records.derived import date_bounds, load_reference, time_in_kinds
from intake.records.jsontext import canonical_json
from intake.records.wages import Span, WageFigure

#: The numbers the live figure accepts: the labour form's limits (low, high).
_LIMITS = {
    "amount": (Decimal(0), Decimal(1_000_000_000)),
    "amount_max": (Decimal(0), Decimal(1_000_000_000)),
    "count": (Decimal("0.001"), Decimal(1000)),
    "count_min": (Decimal("0.001"), Decimal(1000)),
    "piece_amount": (Decimal(0), Decimal(1_000_000)),
    "items_per_day": (Decimal("0.001"), Decimal(100_000)),
    "items_per_day_max": (Decimal("0.001"), Decimal(100_000)),
    "days_per_week": (Decimal(0), Decimal(7)),
}
_BAD_NUMBER = N_("The wage figure needs ordinary numbers within the limits of the labour step.")
#: The live figure's request is a handful of short values; anything larger is refused
#: before it is parsed.
MAX_FIGURE_REQUEST_BYTES = 4096
_MAX_FIGURE_DEPTH = 2


class WageNumberError(IntakeError):
    """A number sent for the live wage figure is malformed or out of range."""


@lru_cache(maxsize=1)
def minimum_wage_table() -> dict[str, Any]:
    """schemas/reference/minimum_wage.json."""
    return load_reference("minimum_wage")


@lru_cache(maxsize=1)
def exchange_rates() -> dict[str, Any]:
    """schemas/reference/exchange_rates.json (empty rates if the table is absent)."""
    try:
        return load_reference("exchange_rates")
    except Exception:
        return {"rates": {}, "sources": []}


@dataclass(frozen=True, eq=False)
class WageTables:
    """The minimum-wage tables and exchange rates a figure is derived with, in the
    bundled files' formats: the bundled ones (a station), or those layered with the
    case database's own (:func:`intake.wagetables.services.wage_tables`).

    Equal, and hashed, by ``fingerprint`` (a digest of both), so figures cached for
    one set of tables are not reused for another.
    """

    minimum: dict[str, Any]
    rates: dict[str, Any]
    fingerprint: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WageTables) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def tables_fingerprint(minimum: dict[str, Any], rates: dict[str, Any]) -> str:
    """The digest :class:`WageTables` compares by."""
    return hashlib.sha256(canonical_json([minimum, rates])).hexdigest()


@lru_cache(maxsize=1)
def bundled_tables() -> WageTables:
    """The tables every station ships with (schemas/reference)."""
    minimum, rates = minimum_wage_table(), exchange_rates()
    return WageTables(minimum, rates, tables_fingerprint(minimum, rates))


def shown_tables() -> WageTables:
    """The tables the figures of this request are shown with: the workspace's own
    layered over the bundled ones (what the app registers as its ``wage_tables``
    extension, :func:`intake.wagetables.routes.request_tables`), else the bundled."""
    provider = current_app.extensions.get("wage_tables") if has_app_context() else None
    return provider() if provider is not None else bundled_tables()


def episode_place(
    episode: dict[str, Any], labour: dict[str, Any] | None = None
) -> tuple[str | None, str | None]:
    """(prefecture id, county id) of a work episode: its place, else the workplace's
    or the episode's registry facility."""
    place = episode.get("place") or {}
    prefecture, county = place.get("prefecture_id"), place.get("county_id")
    for facility in ((labour or {}).get("facility"), episode.get("facility")):
        if prefecture:
            break
        entry = vocab.facilities().get((facility or {}).get("registry_id", ""))
        if entry:
            prefecture, county = entry.get("prefecture_id"), entry.get("county_id")
    return prefecture, county


def episode_prefecture(episode: dict[str, Any], labour: dict[str, Any] | None = None) -> str | None:
    """The prefecture of a work episode (see :func:`episode_place`)."""
    return episode_place(episode, labour)[0]


def episode_day(episode: dict[str, Any]) -> date | None:
    """A representative day of the episode: the middle of its possible start."""
    low, high = date_bounds(episode.get("start"))
    if low and high:
        return low + (high - low) / 2
    return low or high


def _stay_months(episode: dict[str, Any]) -> Span | None:
    estimate = time_in_kinds([episode], {episode.get("kind", "")})
    if estimate.max_days is None or estimate.min_days <= 0:
        best = estimate.best_months
        return Span.of(best) if best else None
    return Span.of(
        Decimal(estimate.min_days) / arithmetic.DAYS_PER_MONTH,
        Decimal(estimate.max_days) / arithmetic.DAYS_PER_MONTH,
    )


def _days_per_week(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def labour_figures(
    labour: dict[str, Any], episode: dict[str, Any], tables: WageTables | None = None
) -> list[WageFigure]:
    """One figure per wage statement of a stored labour entry, in order, with
    ``tables`` (the bundled ones if not given)."""
    tables = tables or bundled_tables()
    prefecture, county = episode_place(episode, labour)
    days = _days_per_week(labour.get("days_per_week"))
    stay = _stay_months(episode)
    figures = []
    for statement in labour.get("wages") or []:
        if not isinstance(statement, dict):
            continue
        try:
            figure = arithmetic.statement_figure(
                statement,
                prefecture=prefecture,
                county=county,
                on=arithmetic.statement_dates(statement, episode),
                minimum_table=tables.minimum,
                rates=tables.rates,
                days_per_week=days,
                stay_months=stay,
            )
        except ArithmeticError:
            figure = WageFigure(reasons=(arithmetic.NO_FIGURE,))
        figures.append(figure)
    return figures


#: What each missing-figure reason tells the interviewer.
REASON_TEXTS = {
    arithmetic.NO_AMOUNT: N_("Give the amount (or the piece rate and items per day)."),
    arithmetic.NO_PERIOD: N_("Give the period the amount was paid for."),
    arithmetic.NO_DAYS_PER_WEEK: N_("A piece rate needs the days worked per week."),
    arithmetic.NO_STAY: N_("A wage for the whole stay needs the episode's dates."),
    arithmetic.NO_RATE: N_("No exchange rate is known for this currency and year."),
    arithmetic.NO_DATE: N_("The ratio needs at least the year of the work."),
    arithmetic.NO_TABLE: N_("No minimum wage table covers these dates."),
    arithmetic.PART_TABLE: N_(
        "The minimum wage is known for only part of these dates; the ratio uses that part."
    ),
    arithmetic.NO_FIGURE: N_("These numbers give no figure that can be computed."),
}


def span_text(span: Span | None) -> str | None:
    """A range as text: one figure when exact, else low and high joined by an en dash."""
    if span is None:
        return None
    return str(span.low) if span.is_exact else f"{span.low}\u2013{span.high}"


def reason_texts(figure: WageFigure) -> list[str]:
    """The figure's missing-part reasons in the UI language."""
    return [gettext(REASON_TEXTS[reason]) for reason in figure.reasons if reason in REASON_TEXTS]


def figure_lines(figure: WageFigure, statement: dict[str, Any]) -> list[str]:
    """A wage statement's figure as sentences in the UI language: the monthly amount
    with its ratio to the minimum wage, the currency conversion, and whether it was paid.
    """
    lines = []
    if figure.monthly is not None:
        text = gettext("%(amount)s CNY a month", amount=span_text(figure.monthly))
        if figure.ratio is not None:
            text += "; " + gettext("%(ratio)s of the minimum wage", ratio=span_text(figure.ratio))
        lines.append(text)
    if figure.conversion is not None:
        years = figure.conversion.years
        shown = str(years[0]) if len(years) == 1 else f"{years[0]}\u2013{years[-1]}"
        lines.append(
            gettext(
                "converted from %(currency)s at the %(years)s average (%(rate)s CNY each)",
                currency=figure.conversion.currency,
                years=shown,
                rate=span_text(figure.conversion.rate),
            )
        )
    if statement.get("status") in arithmetic.UNPAID_STATUSES:
        lines.append(gettext("as said; this pay did not reach the victim"))
    return lines


def _given_number(data: dict[str, Any], key: str) -> Decimal | None:
    """The number under ``key``; ``None`` if not typed yet; refused if not a number in range."""
    value = data.get(key)
    text = value.strip() if isinstance(value, str) else value
    if text is None or text == "":
        return None
    low, high = _LIMITS[key]
    try:
        if isinstance(text, bool) or not isinstance(text, (str, int, float)) or len(str(text)) > 40:
            raise ValueError
        number = Decimal(str(text))
        if not (number.is_finite() and low <= number <= high):
            raise ValueError
    except (ArithmeticError, ValueError):
        raise WageNumberError(_BAD_NUMBER) from None
    return number


def day_of(value: Any) -> date | None:
    """The day an ISO date text (YYYY-MM-DD) names; None for anything else."""
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def parse_figure_request(raw: bytes) -> Any:
    """The live figure's JSON body, refused (never a server error) when it is too
    large, not JSON, or nested at all beyond one flat object."""
    if len(raw) > MAX_FIGURE_REQUEST_BYTES:
        raise WageNumberError(N_("The wage figure request is too large."))
    depth = 0
    for char in raw.decode("utf-8", errors="replace"):
        depth += char in "[{"
        if depth > _MAX_FIGURE_DEPTH:
            raise WageNumberError(N_("The wage figure needs the labour step's values."))
    try:
        return json.loads(raw)
    except ValueError:
        raise WageNumberError(N_("The wage figure needs the labour step's values.")) from None


def figure_from_request(payload: Any) -> dict[str, Any]:
    """Figures for the live display from the labour form's values (a flat JSON object).

    Keys: status, amount, amount_max, currency, count, count_min, unit, piece_amount,
    items_per_day, items_per_day_max, days_per_week, on_low and on_high (ISO days the
    work may fall in), prefecture, county. Numbers not typed yet give empty figures;
    a malformed or out-of-range number is :class:`WageNumberError`.
    """
    if not isinstance(payload, dict):
        raise WageNumberError(N_("The wage figure needs the labour step's values."))
    numbers = {key: _given_number(payload, key) for key in _LIMITS}
    statement: dict[str, Any] = {
        "status": str(payload.get("status") or "")[:20],
        "currency": str(payload.get("currency") or "CNY")[:3],
    }
    if numbers["amount"] is not None:
        statement["amount"] = numbers["amount"]
        if numbers["amount_max"] is not None:
            statement["amount_max"] = numbers["amount_max"]
    if numbers["count"] is not None:
        statement["period"] = {
            "count": numbers["count"],
            "unit": str(payload.get("unit") or "")[:12],
        }
        if numbers["count_min"] is not None:
            statement["period"]["count_min"] = numbers["count_min"]
    if numbers["piece_amount"] is not None:
        statement["piece_rate"] = {
            "amount": numbers["piece_amount"],
            "items_per_day": numbers["items_per_day"],
            "items_per_day_max": numbers["items_per_day_max"],
        }
    low, high = day_of(payload.get("on_low")), day_of(payload.get("on_high"))
    on = (low, high or low) if low and (high or low) >= low else None
    tables = shown_tables()
    try:
        result = arithmetic.statement_figure(
            statement,
            prefecture=str(payload.get("prefecture") or "")[:100] or None,
            county=str(payload.get("county") or "")[:100] or None,
            on=on,  # type: ignore[arg-type]
            minimum_table=tables.minimum,
            rates=tables.rates,
            days_per_week=numbers["days_per_week"],
        )
    except ArithmeticError:
        raise WageNumberError(_BAD_NUMBER) from None
    return {**result.as_json(), "reason_texts": reason_texts(result)}
