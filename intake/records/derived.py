"""Values derived from a testimony record: dates with precision and time spans.

Everything here is a pure function of what the record says plus the reference
data under ``schemas/``. Nothing is guessed: where a figure cannot be derived
honestly (an open-ended episode) the result says so instead of inventing it.
Wage figures are in :mod:`intake.records.wages`.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Where the schema, codebook and reference tables live in a checkout.
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"

#: Mean days in a Gregorian month (365.25 / 12).
DAYS_PER_MONTH = Decimal("30.4375")
#: Mean weeks in a month (30.4375 / 7, rounded as commonly quoted).
WEEKS_PER_MONTH = Decimal("4.348")
MONTHS_PER_YEAR = Decimal(12)

#: Episode kinds counted as time in custody. Mirrors the "detention" group of
#: the episode_kind vocabulary in codebook.json (a test keeps them equal).
DETENTION_KINDS = frozenset({"reeducation_camp", "detention_centre", "prison", "camp_workshop"})
#: Episode kinds counted as time in assigned work (the codebook's "work" group).
WORK_KINDS = frozenset({"camp_workshop", "assigned_factory_work", "labour_transfer"})

#: Precisions whose bounds are exact calendar spans of the value.
#: Which scopes of a withdrawal of consent (codebook ``withdrawal_scope``) end which
#: use of a record: entries for victim databases, HURIDOCS events for partners, and
#: research datasets.
WITHDRAWAL_ENDS: dict[str, frozenset[str]] = {
    "victims": frozenset({"entire_record", "publication", "partner_sharing"}),
    "esf": frozenset({"entire_record", "partner_sharing"}),
    "research": frozenset({"entire_record", "research_use"}),
}

_EXACT_PRECISIONS = frozenset({"day", "month", "year", "season"})
_VALUE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class ReferenceDataError(Exception):
    """A schema, codebook or reference file is missing or is not valid JSON."""


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise ReferenceDataError(f"cannot read reference data {path.name}: {error}") from None


def load_codebook(path: Path | None = None) -> dict[str, Any]:
    """Read ``codebook.json`` (from ``schemas/`` unless ``path`` is given)."""
    data = _read_json(path or SCHEMAS_DIR / "codebook.json")
    if not isinstance(data, dict):
        raise ReferenceDataError("codebook.json must hold a JSON object")
    return data


def load_schema(path: Path | None = None) -> dict[str, Any]:
    """Read ``testimony.schema.json`` (from ``schemas/`` unless ``path`` is given)."""
    data = _read_json(path or SCHEMAS_DIR / "testimony.schema.json")
    if not isinstance(data, dict):
        raise ReferenceDataError("testimony.schema.json must hold a JSON object")
    return data


def load_reference(name: str, *, path: Path | None = None) -> dict[str, Any]:
    """Read ``schemas/reference/<name>.json``, or the file at ``path`` if given.

    ``name`` is a bare table name such as ``"minimum_wage"``; anything that could
    walk out of the reference directory is refused.
    """
    if path is None:
        if not _NAME_RE.match(name):
            raise ReferenceDataError(f"not a reference table name: {name!r}")
        path = SCHEMAS_DIR / "reference" / f"{name}.json"
    data = _read_json(path)
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{path.name} must hold a JSON object")
    return data


# --- dates with precision ----------------------------------------------------

_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11)}


@lru_cache(maxsize=8192)
def day_span(value: str) -> tuple[date, date] | None:
    """First and last day of a YYYY, YYYY-MM or YYYY-MM-DD value; None for one not on
    the calendar. Remembered per value: a few thousand distinct dates recur across
    testimonies, and validation asks about each as well."""
    match = _VALUE_RE.match(value)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)  # type: ignore[arg-type]
        last = calendar.monthrange(year, month)[1]  # type: ignore[arg-type]
        if day is None:
            return date(year, month, 1), date(year, month, last)  # type: ignore[arg-type]
        exact = date(year, month, day)  # type: ignore[arg-type]
    except ValueError:
        return None
    return exact, exact


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def date_bounds(when: object) -> tuple[date | None, date | None]:
    """Earliest and latest calendar day a date-with-precision can mean.

    ``None`` on a side means open (unknown). The rules, written down so every
    derived figure is reproducible:

    * day / month / year: the calendar span ("2018" is 2018-01-01..2018-12-31);
    * season: spring Mar-May, summer Jun-Aug, autumn Sep-Nov; "winter Y" is
      ambiguous in speech, so it spans Jan 1 of Y to the end of Feb of Y+1;
    * approximate: the span widened by one unit of the value's granularity on
      each side (a day value by 15 days, a month by one month, a year by one year);
    * before X: open start, ends the day before X's span; after X: starts the
      day after X's span, open end;
    * unknown, or anything malformed: fully open.
    """
    if not isinstance(when, Mapping):
        return None, None
    precision, value = when.get("precision"), when.get("value")
    if not isinstance(precision, str) or not isinstance(value, str):
        return None, None
    season = when.get("season") if precision == "season" else None
    return _bounds(precision, value, season if isinstance(season, str) else None)


@lru_cache(maxsize=65536)
def _bounds(precision: str, value: str, season: str | None) -> tuple[date | None, date | None]:
    """:func:`date_bounds` of a date with these parts, remembered: the same few hundred
    dates (a year, a month) recur across testimonies, and each is worked out with
    calendar arithmetic several times per record (validation, the case index)."""
    span = day_span(value)
    if span is None:
        return None, None
    first, last = span
    granularity = value.count("-")
    if precision in _EXACT_PRECISIONS and precision != "season":
        return span if granularity == {"year": 0, "month": 1, "day": 2}[precision] else (None, None)
    if precision == "season":
        if granularity != 0:
            return None, None
        if season == "winter":
            return date(first.year, 1, 1), date(first.year + 1, 3, 1) - timedelta(days=1)
        if not isinstance(season, str) or season not in _SEASON_MONTHS:
            return None, None
        start_month, end_month = _SEASON_MONTHS[season]
        return (
            date(first.year, start_month, 1),
            date(first.year, end_month, calendar.monthrange(first.year, end_month)[1]),
        )
    if precision == "approximate":
        if granularity == 2:
            return first - timedelta(days=15), last + timedelta(days=15)
        if granularity == 1:
            return _shift_months(first, -1), _shift_months(last.replace(day=1), 2) - timedelta(
                days=1
            )
        return date(first.year - 1, 1, 1), date(last.year + 1, 12, 31)
    if precision == "before":
        return None, first - timedelta(days=1)
    if precision == "after":
        return last + timedelta(days=1), None
    return None, None


def withdrawn_from(consent: Mapping[str, Any], use: str) -> bool:
    """Whether the record's consent was withdrawn for ``use`` (a key of
    :data:`WITHDRAWAL_ENDS`)."""
    withdrawal = consent.get("withdrawal")
    return isinstance(withdrawal, Mapping) and withdrawal.get("scope") in WITHDRAWAL_ENDS[use]


def is_exact(when: object) -> bool:
    """Whether a date-with-precision names one exact day."""
    return (
        isinstance(when, Mapping)
        and when.get("precision") == "day"
        and day_span(str(when.get("value", ""))) is not None
        and str(when.get("value", "")).count("-") == 2
    )


# --- durations ---------------------------------------------------------------


@dataclass(frozen=True)
class DurationEstimate:
    """Total time spent in a group of episodes, with honest bounds.

    Overlapping episodes (a camp workshop inside a camp) are counted once.
    """

    #: Days certainly covered: from the latest possible start to the earliest possible end.
    min_days: int
    #: Days possibly covered; ``None`` when some episode has an open start or end.
    max_days: int | None
    #: Days between the midpoints of start and end bounds; ``None`` if any counted
    #: episode lacks a usable start or end.
    best_days: int | None
    #: True when any counted endpoint is not an exact day (or is missing).
    is_approximate: bool
    #: Episodes of the group that were found.
    episode_count: int
    #: Ids of counted episodes whose start or end is missing or unknown.
    open_episode_ids: tuple[str, ...]

    @property
    def best_months(self) -> Decimal | None:
        """``best_days`` in mean months, to one decimal."""
        if self.best_days is None:
            return None
        return (Decimal(self.best_days) / DAYS_PER_MONTH).quantize(Decimal("0.1"))


def _midpoint(low: date, high: date) -> date:
    return low + (high - low) / 2


def _union_days(intervals: Iterable[tuple[date, date]]) -> int:
    total, current_start, current_end = 0, None, None
    for start, end in sorted(interval for interval in intervals if interval[1] > interval[0]):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).days  # type: ignore[operator]
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).days  # type: ignore[operator]
    return total


def time_in_kinds(episodes: object, kinds: Iterable[str]) -> DurationEstimate:
    """Time spent in episodes whose ``kind`` is in ``kinds`` (see ``DurationEstimate``).

    A duration is end minus start in days. Entries that are not episode objects
    are ignored, so this can run on unvalidated data without raising.
    """
    wanted = frozenset(kinds)
    certain: list[tuple[date, date]] = []
    possible: list[tuple[date, date]] = []
    best: list[tuple[date, date]] = []
    count, approximate, open_ids, max_open, best_missing = 0, False, [], False, False
    for episode in episodes if isinstance(episodes, list) else []:
        kind = episode.get("kind") if isinstance(episode, Mapping) else None
        if not isinstance(kind, str) or kind not in wanted:
            continue
        count += 1
        start_low, start_high = date_bounds(episode.get("start"))
        end_low, end_high = date_bounds(episode.get("end"))
        approximate |= not (is_exact(episode.get("start")) and is_exact(episode.get("end")))
        if start_high is not None and end_low is not None:
            certain.append((start_high, end_low))
        if start_low is None or end_high is None:
            max_open = True
            open_ids.append(str(episode.get("id", "")))
        else:
            possible.append((start_low, end_high))
        if None in (start_low, start_high, end_low, end_high):
            best_missing = True
        else:
            best.append((_midpoint(start_low, start_high), _midpoint(end_low, end_high)))  # type: ignore[arg-type]
    return DurationEstimate(
        min_days=_union_days(certain),
        max_days=None if max_open else _union_days(possible),
        best_days=None if best_missing else _union_days(best),
        is_approximate=approximate,
        episode_count=count,
        open_episode_ids=tuple(open_ids),
    )


def time_in_detention(episodes: object) -> DurationEstimate:
    """Time in camps, detention centres, prisons and camp workshops (``DETENTION_KINDS``)."""
    return time_in_kinds(episodes, DETENTION_KINDS)


def time_in_assigned_work(episodes: object) -> DurationEstimate:
    """Time in camp workshops, assigned factory work and labour transfer (``WORK_KINDS``)."""
    return time_in_kinds(episodes, WORK_KINDS)
