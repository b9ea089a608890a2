"""The wage as said, turned into a monthly figure and a ratio to the local minimum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from intake.errors import N_, IntakeError
from intake.interview import vocab
from intake.records.derived import (
    date_bounds,
    load_reference,
    minimum_wage_ratio,
    monthly_wage_cny,
    time_in_kinds,
)

#: The numbers the live figure accepts: the labour form's limits (low, high).
_LIMITS = {
    "amount": (Decimal(0), Decimal(1_000_000_000)),
    "count": (Decimal("0.001"), Decimal(1000)),
    "days_per_week": (Decimal(0), Decimal(7)),
}
_BAD_NUMBER = N_("The wage figure needs ordinary numbers within the limits of the labour step.")


class WageNumberError(IntakeError):
    """A number sent for the live wage figure is malformed or out of range."""


@dataclass(frozen=True)
class WageFigure:
    """Derived figures for one labour entry (``None`` where they cannot be derived)."""

    monthly_cny: Decimal | None
    ratio: Decimal | None

    def as_json(self) -> dict[str, str | None]:
        """Strings for the JSON endpoint."""
        return {
            "monthly_cny": None if self.monthly_cny is None else str(self.monthly_cny),
            "ratio": None if self.ratio is None else str(self.ratio),
        }


@lru_cache(maxsize=1)
def _minimum_wage_table() -> dict[str, Any]:
    return load_reference("minimum_wage")


def episode_prefecture(episode: dict[str, Any], labour: dict[str, Any] | None = None) -> str | None:
    """The prefecture of a work episode: its place, else its facility's registry entry."""
    prefecture = (episode.get("place") or {}).get("prefecture_id")
    for facility in ((labour or {}).get("facility"), episode.get("facility")):
        if prefecture:
            break
        entry = vocab.facilities().get((facility or {}).get("registry_id", ""))
        prefecture = entry.get("prefecture_id") if entry else None
    return prefecture


def episode_day(episode: dict[str, Any]) -> date | None:
    """A representative day of the episode: the middle of its possible start."""
    low, high = date_bounds(episode.get("start"))
    if low and high:
        return low + (high - low) / 2
    return low or high


def figure(
    wage: dict[str, Any] | None,
    *,
    prefecture: str | None,
    on: date | None,
    days_per_week: Any = None,
    stay_months: Decimal | None = None,
) -> WageFigure:
    """Monthly CNY and the ratio to the minimum wage, where derivable."""
    days = Decimal(str(days_per_week)) if days_per_week not in (None, "") else None
    monthly = monthly_wage_cny(wage or {}, days_worked_per_week=days, stay_months=stay_months)
    ratio = None
    if monthly is not None and prefecture and on:
        ratio = minimum_wage_ratio(monthly, prefecture, on, _minimum_wage_table())
    return WageFigure(monthly, ratio)


def labour_figure(labour: dict[str, Any], episode: dict[str, Any]) -> WageFigure:
    """Derived figures for a stored labour entry and its episode."""
    stay = time_in_kinds([episode], {episode.get("kind", "")}).best_months
    return figure(
        labour.get("wage"),
        prefecture=episode_prefecture(episode, labour),
        on=episode_day(episode),
        days_per_week=labour.get("days_per_week"),
        stay_months=stay,
    )


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


def figure_from_request(payload: Any) -> dict[str, str | None]:
    """Figures for the live display from the labour form's values (JSON object).

    Numbers not typed yet give empty figures; a malformed or out-of-range number is
    :class:`WageNumberError` (the saved step is computed again on the server anyway).
    """
    if not isinstance(payload, dict):
        raise WageNumberError(N_("The wage figure needs the labour step's values."))
    amount, count = _given_number(payload, "amount"), _given_number(payload, "count")
    wage = {
        "amount": amount,
        "currency": str(payload.get("currency") or "CNY")[:3],
        "period": {"count": count, "unit": str(payload.get("unit") or "")[:12]},
    }
    try:
        on = date.fromisoformat(str(payload.get("on") or ""))
    except ValueError:
        on = None
    prefecture = str(payload.get("prefecture") or "")[:100] or None
    days = _given_number(payload, "days_per_week")
    try:
        result = figure(wage, prefecture=prefecture, on=on, days_per_week=days)
    except ArithmeticError:
        raise WageNumberError(_BAD_NUMBER) from None
    return result.as_json()
