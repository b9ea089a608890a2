"""The case index: in-memory columns of the facts the Records filters use.

The unlocked case database builds it from decrypted records and refreshes it on
every write; it lives only in the memory of the process that holds the keys and is
gone when that process ends (locking ends it). It is a handful of NumPy arrays of
small integers (codes are numbered as they are first seen), so a filter over 100,000
records and their episodes is a few vectorised comparisons rather than a scan in
Python or SQL. Nothing of it touches the disk in plaintext: between unlocks a large
store keeps it only as an encrypted snapshot (:mod:`intake.cases.snapshot`).

The index holds only what filters need (codes, ids, years, flags), never names or
free text; a filter answers with record ids, and the page then shows each record's
summary from the decrypted record itself.

A record written again gets a new slot and its old slot is marked dead; dead slots
are compacted away once they are as many as the live ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intake.records.derived import date_bounds, load_reference, withdrawn_from
from intake.records.shape import mapping as _dict
from intake.records.shape import mappings as _list

#: Record facts, in the order :func:`index_facts` gives them.
RECORD_FIELDS = (
    "station",
    "gender",
    "ethnicity",
    "home_prefecture",
    "home_county",
    "victim_status",
    "verification",
    "identity_level",
    "share_with_partners",
    "research_use",
    "publish_victim_name",
)
#: Episode facts, in the order :func:`index_facts` gives them (then first and last
#: year, then the tail).
EPISODE_FIELDS = ("kind", "facility", "prefecture", "county", "province")
_EPISODE_TAIL = ("system", "stage")
_NONE = -1
#: Years of an unknown start or end: never inside a "from"/"until" year filter.
_NO_LAST_YEAR, _NO_FIRST_YEAR = -(2**31), 2**31 - 1


class IndexClosedError(RuntimeError):
    """The index was dropped (the workspace locked)."""


@dataclass(frozen=True)
class Filters:
    """What the Records page can filter on; ``None`` means "any"."""

    episode_kind: str | None = None
    facility: str | None = None
    #: Any of these facility ids (a facility and those merged into it); beside
    #: ``facility``, which then must hold too.
    facilities: tuple[str, ...] | None = None
    prefecture: str | None = None
    county: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    gender: str | None = None
    ethnicity: str | None = None
    indicator: str | None = None
    system: str | None = None
    stage: str | None = None
    victim_status: str | None = None
    share_with_partners: bool | None = None
    research_use: bool | None = None
    station: str | None = None
    received_from: date | None = None
    received_to: date | None = None

    @property
    def is_empty(self) -> bool:
        """Whether no filter is set."""
        return all(getattr(self, item.name) is None for item in fields(self))


@dataclass(frozen=True)
class Page:
    """One page of matching record ids, newest received first, and the total."""

    ids: list[str]
    total: int


def _year(when: object, *, last: bool) -> int | None:
    # date_bounds remembers each date's span: few distinct dates recur across records.
    low, high = date_bounds(when)
    day = high if last else low
    return None if day is None else day.year


def _flag(value: object) -> int | None:
    return None if not isinstance(value, bool) else int(value)


@lru_cache(maxsize=1)
def _registry_places() -> dict[str, dict[str, Any]]:
    """Prefecture and county of each registry facility (schemas/reference)."""
    return {
        entry["id"]: {
            "prefecture_id": entry.get("prefecture_id"),
            "county_id": entry.get("county_id"),
        }
        for entry in load_reference("facilities")["facilities"]
    }


def _episode_facts(document: Mapping[str, Any]) -> list[list[Any]]:
    """Each episode's codes as the record says them (the registry is applied later)."""
    rows = []
    for episode in _list(document.get("episodes")):
        place = _dict(episode.get("place"))
        first = _year(episode.get("start"), last=False)
        last = _year(episode.get("end"), last=True) or _year(episode.get("start"), last=True)
        rows.append(
            [
                episode.get("kind"),
                _dict(episode.get("facility")).get("registry_id"),
                place.get("prefecture_id"),
                place.get("county_id"),
                place.get("province_id"),
                first,
                last,
                episode.get("system"),
                episode.get("pipeline_stage"),
            ]
        )
    return rows


def _with_registry(row: Sequence[Any]) -> Sequence[Any]:
    """An episode row whose place, when not given, is its registry facility's."""
    registry_id = row[1]
    if row[2] or not isinstance(registry_id, str):
        return row
    found = _registry_places().get(registry_id)
    if not found:
        return row
    # A facility from the registry says where the episode was.
    return [row[0], registry_id, found["prefecture_id"], found["county_id"], *row[4:]]


def _present_indicators(document: Mapping[str, Any]) -> list[str]:
    found: dict[str, str] = {}
    codings = [_dict(document.get("coding"))]
    codings += [_dict(labour.get("coding")) for labour in _list(document.get("labour"))]
    for coding in codings:
        for code, value in _dict(coding.get("ilo_indicators")).items():
            status = _dict(value).get("status")
            # "present" anywhere in the record wins over absent or unknown elsewhere.
            if isinstance(status, str) and found.get(code) != "present":
                found[code] = status
    return sorted(code for code, status in found.items() if status == "present")


def _record_facts(document: Mapping[str, Any], station: str | None) -> list[Any]:
    victim = _dict(document.get("victim"))
    home = _dict(victim.get("home_place"))
    consent = _dict(document.get("consent"))
    return [
        station,
        victim.get("gender"),
        victim.get("ethnicity"),
        home.get("prefecture_id"),
        home.get("county_id"),
        _dict(victim.get("status")).get("code"),
        _dict(document.get("coding")).get("verification_level"),
        consent.get("identity_level"),
        # Consent to share or to research use, as it stands after any withdrawal: a
        # withdrawn one filters as "no", as exports leave the record out.
        0 if withdrawn_from(consent, "esf") else _flag(consent.get("share_with_partner_databases")),
        0 if withdrawn_from(consent, "research") else _flag(consent.get("research_use")),
        _flag(consent.get("publish_victim_name")),
    ]


#: Version of what :func:`index_facts` gives; facts of another version are not used.
FACTS_VERSION = 2


def index_facts(document: Mapping[str, Any], station: str | None) -> dict[str, Any]:
    """The codes the index needs of one (partial) record, as JSON-ready lists: record
    facts in :data:`RECORD_FIELDS` order, episodes, present indicators. No names, no
    free text. What a record stores encrypted beside its sections so that the index can
    be built without decrypting them."""
    return {
        "v": FACTS_VERSION,
        "record": _record_facts(document, station),
        "episodes": _episode_facts(document),
        "indicators": _present_indicators(document),
    }


def facts_usable(facts: object) -> bool:
    """Whether ``facts`` (decrypted JSON) has the shape :func:`index_facts` gives."""
    return (
        isinstance(facts, dict)
        and facts.get("v") == FACTS_VERSION
        and isinstance(facts.get("record"), list)
        and len(facts["record"]) == len(RECORD_FIELDS)
        and isinstance(facts.get("episodes"), list)
        and all(isinstance(row, list) and len(row) == 9 for row in facts["episodes"])
        and isinstance(facts.get("indicators"), list)
    )


class _Column:
    """A growable array of int64 (amortised doubling)."""

    def __init__(self, fill: int = _NONE) -> None:
        self.data: NDArray[np.int64] = np.full(1024, fill, dtype=np.int64)
        self.size = 0
        self.fill = fill

    def extend(self, values: list[int]) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            grown = np.full(max(end, 2 * len(self.data)), self.fill, dtype=np.int64)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    @property
    def view(self) -> NDArray[np.int64]:
        return self.data[: self.size]

    def keep(self, chosen: NDArray[np.bool_], remap: NDArray[np.int64] | None = None) -> None:
        kept = self.view[chosen]
        if remap is not None:
            kept = remap[kept]
        self.data = np.full(max(1024, 2 * len(kept)), self.fill, dtype=np.int64)
        self.data[: len(kept)] = kept
        self.size = len(kept)


class _Codes:
    """Numbers for the values of one column, given as they are first seen."""

    def __init__(self) -> None:
        self.numbers: dict[object, int] = {}

    def number(self, value: object) -> int:
        if value is None or not isinstance(value, (str, int)):
            return _NONE
        found = self.numbers.get(value)
        if found is None:
            found = self.numbers[value] = len(self.numbers)
        return found

    def number_all(self, values: Sequence[object]) -> list[int]:
        """:meth:`number` of each value; values seen before cost one dict lookup."""
        get = self.numbers.get
        try:
            found = [get(value, _NONE) if value is not None else _NONE for value in values]
        except TypeError:  # an unhashable value: numbered one by one (as _NONE)
            return [self.number(value) for value in values]
        if len(self.numbers) and _NONE not in found:
            return found
        # Values not seen yet, or None and non-code values: each looked at once more.
        return [
            number if number != _NONE else self.number(value)
            for number, value in zip(found, values, strict=True)
        ]

    def find(self, value: object) -> int | None:
        """The number of ``value``, None if never seen (nothing can match)."""
        return self.numbers.get(value) if isinstance(value, (str, int)) else None


@dataclass(frozen=True)
class IndexState:
    """What a :class:`CaseIndex` holds, compacted: the ids in slot order, each column's
    values in number order, and the columns (one value per record, episode or
    indicator)."""

    ids: list[str]
    codes: dict[str, list[object]]
    arrays: dict[str, NDArray[np.int64]]


def _state_arrays() -> list[str]:
    """The names of the columns in an :class:`IndexState`."""
    return [
        "received",
        *(f"record.{name}" for name in RECORD_FIELDS),
        "episode_record",
        *(f"episode.{name}" for name in (*EPISODE_FIELDS, *_EPISODE_TAIL)),
        "first_year",
        "last_year",
        "indicator_record",
        "indicator",
    ]


Entry = tuple[str, Mapping[str, Any], "date | None", "str | None"]
#: A record given by its facts: (id, :func:`index_facts`, received day).
FactsEntry = tuple[str, Mapping[str, Any], "date | None"]


class CaseIndex:
    """The in-memory index of one unlocked case database; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._slot_of: dict[str, int] = {}
        self._id_of: list[str] = []
        self._alive = _Column(0)
        self._received = _Column(_NONE)
        self._record = {name: _Column() for name in RECORD_FIELDS}
        self._episode_record = _Column()
        self._episode = {name: _Column() for name in (*EPISODE_FIELDS, *_EPISODE_TAIL)}
        self._first_year = _Column(_NO_FIRST_YEAR)
        self._last_year = _Column(_NO_LAST_YEAR)
        self._indicator_record = _Column()
        self._indicator = _Column()
        self._codes = {
            name: _Codes()
            for name in (*RECORD_FIELDS, *EPISODE_FIELDS, *_EPISODE_TAIL, "indicator")
        }

    def put_many(
        self,
        records: Iterable[Entry],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index (or re-index) records given as (id, decrypted document, received day,
        station); return how many. ``progress`` is called with the count so far.
        """
        facts = (
            (rid, index_facts(doc, station), received) for rid, doc, received, station in records
        )
        return self.put_facts_many(facts, progress=progress)

    def put_facts_many(
        self,
        records: Iterable[FactsEntry],
        *,
        progress: Callable[[int], None] | None = None,
        batch: int = 5000,
    ) -> int:
        """Index (or re-index) records given as (id, :func:`index_facts`, received day),
        ``batch`` at a time; return how many. ``progress`` is called with the count so
        far."""
        count = 0
        items: list[FactsEntry] = []
        for item in records:
            items.append(item)
            if len(items) == batch:
                count += self._write(items)
                items = []
                if progress is not None:
                    progress(count)
        count += self._write(items)
        if progress is not None:
            progress(count)
        return count

    def _write(self, batch: list[FactsEntry]) -> int:
        if not batch:
            return 0
        # The same id twice in one batch: the last one written is what counts.
        batch = list({item[0]: item for item in batch}.values())
        ids = [rid for rid, _, _ in batch]
        received = [_NONE if day is None else day.toordinal() for _, _, day in batch]
        columns = list(zip(*(facts["record"] for _, facts, _ in batch), strict=True))
        episodes = [facts["episodes"] for _, facts, _ in batch]
        indicators = [facts["indicators"] for _, facts, _ in batch]
        with self._lock:
            self._check_open()
            self._bury(ids)  # may compact: slots are counted after
            first_slot = len(self._id_of)
            for offset, record_id in enumerate(ids):
                self._slot_of[record_id] = first_slot + offset
                self._id_of.append(record_id)
            self._alive.extend([1] * len(ids))
            self._received.extend(received)
            for name, values in zip(RECORD_FIELDS, columns, strict=True):
                self._record[name].extend(self._codes[name].number_all(values))
            self._write_episodes(first_slot, episodes)
            slots = [first_slot + n for n, found in enumerate(indicators) for _ in found]
            self._indicator_record.extend(slots)
            found = [code for codes in indicators for code in codes]
            self._indicator.extend(self._codes["indicator"].number_all(found))
        return len(batch)

    def _write_episodes(self, first_slot: int, episodes: list[list[Sequence[Any]]]) -> None:
        self._episode_record.extend(
            [first_slot + n for n, rows in enumerate(episodes) for _ in rows]
        )
        flat = [
            row if row[2] or row[1] is None else _with_registry(row)
            for rows in episodes
            for row in rows
        ]
        if not flat:
            return
        names = (*EPISODE_FIELDS, "first_year", "last_year", *_EPISODE_TAIL)
        for name, values in zip(names, zip(*flat, strict=True), strict=True):
            if name == "first_year":
                self._first_year.extend([_NO_FIRST_YEAR if v is None else v for v in values])
            elif name == "last_year":
                self._last_year.extend([_NO_LAST_YEAR if v is None else v for v in values])
            else:
                self._episode[name].extend(self._codes[name].number_all(values))

    def _bury(self, record_ids: list[str]) -> None:
        """Mark the slots of ``record_ids`` dead (lock held)."""
        alive = self._alive.view
        for record_id in record_ids:
            slot = self._slot_of.pop(record_id, None)
            if slot is not None:
                alive[slot] = 0
        if len(self._id_of) > 2048 and 2 * len(self._slot_of) < len(self._id_of):
            self._compact()

    def _compact(self) -> None:
        """Drop dead slots and the episodes and indicators that belonged to them."""
        alive = self._alive.view.astype(bool)
        remap = np.cumsum(alive) - 1
        episodes = alive[self._episode_record.view]
        indicators = alive[self._indicator_record.view]
        for column in (self._received, *self._record.values()):
            column.keep(alive)
        self._episode_record.keep(episodes, remap)
        for column in (*self._episode.values(), self._first_year, self._last_year):
            column.keep(episodes)
        self._indicator_record.keep(indicators, remap)
        self._indicator.keep(indicators)
        self._id_of = [rid for rid, keep in zip(self._id_of, alive, strict=True) if keep]
        self._slot_of = {rid: slot for slot, rid in enumerate(self._id_of)}
        self._alive.keep(alive)

    def state(self) -> IndexState:
        """A compact copy of what the index holds (dead slots left out), for the
        encrypted snapshot (:mod:`intake.cases.snapshot`)."""
        with self._lock:
            self._check_open()
            alive = self._alive.view.astype(bool)
            remap = np.cumsum(alive) - 1
            episodes = alive[self._episode_record.view]
            indicators = alive[self._indicator_record.view]
            arrays = {"received": self._received.view[alive]}
            for name, column in self._record.items():
                arrays[f"record.{name}"] = column.view[alive]
            arrays["episode_record"] = remap[self._episode_record.view[episodes]]
            for name, column in self._episode.items():
                arrays[f"episode.{name}"] = column.view[episodes]
            arrays["first_year"] = self._first_year.view[episodes]
            arrays["last_year"] = self._last_year.view[episodes]
            arrays["indicator_record"] = remap[self._indicator_record.view[indicators]]
            arrays["indicator"] = self._indicator.view[indicators]
            ids = [rid for rid, keep in zip(self._id_of, alive.tolist(), strict=True) if keep]
            codes = {name: list(codes.numbers) for name, codes in self._codes.items()}
        return IndexState(ids=ids, codes=codes, arrays=arrays)

    def restore(self, state: IndexState) -> None:
        """Fill an empty index from :meth:`state`; ValueError if it does not fit."""
        count = len(state.ids)
        expected = set(_state_arrays())
        if set(state.arrays) != expected or set(state.codes) != set(self._codes):
            raise ValueError("the index state has other columns")
        per_record = {"received", *(f"record.{name}" for name in self._record)}
        episodes = len(state.arrays["episode_record"])
        indicators = len(state.arrays["indicator_record"])
        for name, values in state.arrays.items():
            want = (
                count
                if name in per_record
                else indicators
                if name.startswith("indicator")
                else episodes
            )
            if values.ndim != 1 or len(values) != want:
                raise ValueError("the index state's columns do not line up")
        for name in ("episode_record", "indicator_record"):
            owners = state.arrays[name]
            if len(owners) and (owners.min() < 0 or owners.max() >= count):
                raise ValueError("the index state names a record it does not hold")
        if len(set(state.ids)) != count:
            raise ValueError("the index state names a record twice")

        def fill(column: _Column, values: NDArray[Any]) -> None:
            column.data = np.full(max(1024, 2 * len(values)), column.fill, dtype=np.int64)
            column.data[: len(values)] = values
            column.size = len(values)

        with self._lock:
            self._check_open()
            if self._id_of:
                raise ValueError("the index is not empty")
            for name, numbered in state.codes.items():
                self._codes[name].numbers = {value: n for n, value in enumerate(numbered)}
            fill(self._alive, np.ones(count, dtype=np.int64))
            fill(self._received, state.arrays["received"])
            for name, column in self._record.items():
                fill(column, state.arrays[f"record.{name}"])
            fill(self._episode_record, state.arrays["episode_record"])
            for name, column in self._episode.items():
                fill(column, state.arrays[f"episode.{name}"])
            fill(self._first_year, state.arrays["first_year"])
            fill(self._last_year, state.arrays["last_year"])
            fill(self._indicator_record, state.arrays["indicator_record"])
            fill(self._indicator, state.arrays["indicator"])
            self._id_of = list(state.ids)
            self._slot_of = {rid: slot for slot, rid in enumerate(self._id_of)}

    def put(
        self,
        record_id: str,
        document: Mapping[str, Any],
        *,
        received_on: date | None = None,
        station: str | None = None,
    ) -> None:
        """Index one record after a write (replacing what was indexed for it)."""
        self.put_many([(record_id, document, received_on, station)])

    def remove(self, record_id: str) -> None:
        """Drop a record from the index (erased)."""
        with self._lock:
            self._check_open()
            self._bury([record_id])

    def query(self, filters: Filters, *, offset: int = 0, limit: int = 50) -> Page:
        """Record ids matching every set filter, newest received first (then by id,
        descending, as `intake records list` and Delivery's Records list them)."""
        with self._lock:
            self._check_open()
            slots = np.flatnonzero(self._match(filters))
            total = len(slots)
            received = self._received.view[slots]
            wanted = offset + limit
            if len(slots) > wanted > 0:
                # Only the newest ``wanted`` (and any tied with the last of them) are sorted.
                cut = -np.partition(-received, wanted - 1)[wanted - 1]
                chosen = received >= cut
                slots, received = slots[chosen], received[chosen]
            ranked = sorted(
                zip(received.tolist(), (self._id_of[s] for s in slots.tolist()), strict=True),
                reverse=True,
            )
        return Page(ids=[rid for _, rid in ranked[offset:wanted]], total=total)

    def _match(self, filters: Filters) -> NDArray[np.bool_]:
        """Which slots match (lock held)."""
        mask = self._alive.view.astype(bool)
        for name, attr in _RECORD_FILTERS.items():
            value = getattr(filters, attr)
            if value is not None:
                mask &= self._equals(self._record[name].view, name, _coded(value))
        received = self._received.view
        if filters.received_from is not None:
            mask &= received >= filters.received_from.toordinal()
        if filters.received_to is not None:
            mask &= (received != _NONE) & (received <= filters.received_to.toordinal())
        episode = self._episode_mask(filters)
        if episode is not None:
            hit = np.zeros(len(mask), dtype=bool)
            hit[self._episode_record.view[episode]] = True
            mask &= hit
        if filters.indicator is not None:
            hit = np.zeros(len(mask), dtype=bool)
            found = self._equals(self._indicator.view, "indicator", filters.indicator)
            hit[self._indicator_record.view[found]] = True
            mask &= hit
        return mask

    def _episode_mask(self, filters: Filters) -> NDArray[np.bool_] | None:
        """Episodes meeting every episode filter at once; None if none is set."""
        # All episode conditions must hold for one and the same episode: "a camp in Ili
        # in 2018", not a camp somewhere and something in Ili at some time.
        mask: NDArray[np.bool_] | None = None
        for name, attr in _EPISODE_FILTERS.items():
            value = getattr(filters, attr)
            if value is not None:
                found = self._equals(self._episode[name].view, name, value)
                mask = found if mask is None else mask & found
        if filters.facilities is not None:
            found = np.zeros(len(self._episode["facility"].view), dtype=bool)
            for facility in filters.facilities:
                found |= self._equals(self._episode["facility"].view, "facility", facility)
            mask = found if mask is None else mask & found
        if filters.year_from is not None:
            found = self._last_year.view >= filters.year_from
            mask = found if mask is None else mask & found
        if filters.year_to is not None:
            found = self._first_year.view <= filters.year_to
            mask = found if mask is None else mask & found
        return mask

    def _equals(self, column: NDArray[np.int64], name: str, value: object) -> NDArray[np.bool_]:
        number = self._codes[name].find(value)
        if number is None:
            return np.zeros(len(column), dtype=bool)
        return np.asarray(column == number, dtype=bool)

    def _check_open(self) -> None:
        if self._closed:
            raise IndexClosedError("the case index was dropped")

    def ids(self) -> list[str]:
        """Every indexed record id."""
        with self._lock:
            self._check_open()
            return list(self._slot_of)

    def codes(self) -> dict[str, list[object]]:
        """Every value the index knows, by column (what it holds besides ids and years)."""
        with self._lock:
            return {name: list(codes.numbers) for name, codes in self._codes.items()}

    def __len__(self) -> int:
        with self._lock:
            self._check_open()
            return len(self._slot_of)

    def close(self) -> None:
        """Drop everything (the workspace is locked)."""
        with self._lock:
            self._closed = True
            self._slot_of, self._id_of, self._codes = {}, [], {}
            self._alive = _Column(0)


#: Filters on record facts: column -> Filters attribute.
_RECORD_FILTERS = {
    "gender": "gender",
    "ethnicity": "ethnicity",
    "victim_status": "victim_status",
    "station": "station",
    "share_with_partners": "share_with_partners",
    "research_use": "research_use",
}
#: Filters on episode facts: column -> Filters attribute.
_EPISODE_FILTERS = {
    "kind": "episode_kind",
    "facility": "facility",
    "prefecture": "prefecture",
    "county": "county",
    "system": "system",
    "stage": "stage",
}


def _coded(value: object) -> object:
    """Flags are stored as 0/1, as :func:`_flag` gives them."""
    return int(value) if isinstance(value, bool) else value
