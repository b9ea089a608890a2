"""Shared reading of a record for exports: the main informant, episodes, dates as text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from intake.exports.consent import cut_place
from intake.exports.labels import country_name, label, place_name
from intake.records.derived import DETENTION_KINDS, date_bounds

#: Episode kinds that count as being detained, for "first detained" and "last detention".
CUSTODY_KINDS = DETENTION_KINDS | {"taken_by_police", "house_arrest"}


_EMPTY: Mapping[str, Any] = {}
_T = TypeVar("_T")


def as_dict(value: object) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else _EMPTY


def as_list(value: object) -> list[Mapping[str, Any]]:
    """The JSON objects in ``value`` if it is a list, else none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def main_informant(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The informant marked main (or the only one); empty if none."""
    informants = as_list(document.get("informants"))
    for informant in informants:
        if informant.get("is_main") is True:
            return informant
    return informants[0] if len(informants) == 1 else {}


def episodes(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The record's episodes, in trajectory order."""
    return as_list(document.get("episodes"))


def custody_episodes(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Episodes in which the victim was taken or held."""
    return [episode for episode in episodes(document) if episode.get("kind") in CUSTODY_KINDS]


def date_range(when: object) -> tuple[date | None, date | None]:
    """Earliest and latest day a date with precision may mean (see derived.date_bounds)."""
    # date_bounds remembers each date's span (an export reads the same few again and
    # again) and gives malformed parts open bounds.
    return date_bounds(when) if isinstance(when, dict) else (None, None)


def range_text(low: date | None, high: date | None) -> str | None:
    """A day range as text ("2017-09-01 to 2017-11-30"), open ends said; None if unknown."""
    if low is None and high is None:
        return None
    if low == high:
        return low.isoformat() if low else None
    if low is None:
        return f"before {high.isoformat()}" if high else None
    if high is None:
        return f"after {low.isoformat()}"
    return f"{low.isoformat()} to {high.isoformat()}"


def place_text(place: object, level: str) -> str | None:
    """English words for ``place`` cut to ``level``; None when nothing may be said."""
    cut = cut_place(place, level)
    if cut is None:
        return None
    parts = [
        cut.get("village"),
        cut.get("township"),
        cut.get("free_text"),
        place_name("county", cut.get("county_id")),
        place_name("prefecture", cut.get("prefecture_id")),
        cut.get("region"),
        place_name("province", cut.get("province_id")),
        country_name(cut.get("country")),
    ]
    return ", ".join(part for part in parts if part) or None


def episode_text(episode: Mapping[str, Any], level: str) -> str:
    """One episode in English from its codes only ("Held in a re-education camp, ...")."""
    words = label("episode_kind", episode.get("kind")) or "Episode"
    start, end = date_range(episode.get("start")), date_range(episode.get("end"))
    when = range_text(start[0], end[1] if episode.get("end") else start[1])
    where = place_text(episode.get("place"), level)
    details = [part for part in (when, where) if part]
    return f"{words} ({'; '.join(details)})" if details else words


def trajectory_text(document: Mapping[str, Any], level: str) -> str:
    """The whole trajectory, episode by episode, from codes only."""
    return "; ".join(episode_text(episode, level) for episode in episodes(document))


def codes_in(values: Sequence[object]) -> list[str]:
    """Distinct codes in order of first appearance."""
    seen: list[str] = []
    for value in values:
        if isinstance(value, str) and value not in seen:
            seen.append(value)
    return seen


def interview_day(document: Mapping[str, Any]) -> date:
    """The first day a record's interview date allows (``date.min`` when it has none)."""
    return date_range(as_dict(document.get("interview")).get("date"))[0] or date.min


def newest_first(items: Iterable[_T], document: Callable[[_T], Mapping[str, Any]]) -> list[_T]:
    """``items`` (each holding a record, read by ``document``) newest interview first;
    records interviewed on the same day keep their order.

    Where one person's testimonies disagree on a single value (gender, ethnicity, age,
    status), every export takes it from the newest testimony that states it, so the
    victim entries, the ESF persons and the research rows of one person agree.
    """
    return sorted(items, key=lambda item: interview_day(document(item)), reverse=True)


def first_stated(values: Iterable[object]) -> object:
    """The first value that says something (not absent, empty or "unknown"); else
    "unknown" if a testimony said so; else None."""
    said_unknown = False
    for value in values:
        if value == "unknown":
            said_unknown = True
        elif value not in (None, "", []):
            return value
    return "unknown" if said_unknown else None


def stated_status(statuses: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Of a person's statuses (newest testimony first), the first whose code says
    something, else the first that says "unknown": its code, day and basis go together,
    never one testimony's status beside another's day."""
    code = first_stated(status.get("code") for status in statuses)
    if code is None:
        return _EMPTY  # no testimony gives a status: no day or basis goes out alone
    return next((status for status in statuses if status.get("code") == code), _EMPTY)


def first_custody(
    documents: Iterable[Mapping[str, Any]],
) -> tuple[date | None, date | None] | None:
    """When a person was first detained, over all their testimonies: the earliest
    bounds of any testimony's first custody episode; None if none tells of custody."""
    starts = [
        date_range(held[0].get("start"))
        for document in documents
        if (held := custody_episodes(document))
    ]
    if not starts:
        return None
    lows = [low for low, _ in starts if low is not None]
    highs = [high for _, high in starts if high is not None]
    return min(lows, default=None), min(highs, default=None)
