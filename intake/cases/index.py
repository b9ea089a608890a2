"""The case index: an in-memory SQLite database of the facts the Records filters use.

The unlocked case database builds it from decrypted records and refreshes it on
every write; it lives only in the memory of the process that holds the keys and is
gone when that process ends (locking ends it). Nothing of it touches the disk: the
database is ``:memory:``, and SQLite's temporary storage is forced into memory too.

The index holds only what filters need (codes, ids, years, flags), never names or
free text; a filter answers with record ids, and the page then shows each record's
summary from the decrypted record itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any

from intake.records.derived import date_bounds

_SCHEMA = """
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    received_on TEXT,
    station TEXT,
    gender TEXT,
    ethnicity TEXT,
    home_prefecture TEXT,
    home_county TEXT,
    victim_status TEXT,
    verification TEXT,
    identity_level TEXT,
    share_with_partners INTEGER,
    research_use INTEGER,
    publish_victim_name INTEGER
);
CREATE TABLE episodes (
    record_id TEXT,
    kind TEXT,
    facility TEXT,
    prefecture TEXT,
    county TEXT,
    province TEXT,
    first_year INTEGER,
    last_year INTEGER,
    system TEXT,
    stage TEXT
);
CREATE TABLE indicators (record_id TEXT, code TEXT, status TEXT);
CREATE INDEX ix_records_received ON records (received_on DESC, id);
CREATE INDEX ix_episodes_record ON episodes (record_id);
CREATE INDEX ix_episodes_kind ON episodes (kind, record_id);
CREATE INDEX ix_episodes_facility ON episodes (facility, record_id);
CREATE INDEX ix_episodes_prefecture ON episodes (prefecture, record_id);
CREATE INDEX ix_episodes_county ON episodes (county, record_id);
CREATE INDEX ix_episodes_system ON episodes (system, record_id);
CREATE INDEX ix_episodes_stage ON episodes (stage, record_id);
CREATE INDEX ix_indicators ON indicators (code, status, record_id);
CREATE INDEX ix_indicators_record ON indicators (record_id);
"""


@dataclass(frozen=True)
class Filters:
    """What the Records page can filter on; ``None`` means "any"."""

    episode_kind: str | None = None
    facility: str | None = None
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


@lru_cache(maxsize=4096)
def _years(precision: object, value: object, season: object) -> tuple[int | None, int | None]:
    # Few distinct dates recur across many records: worked out once each.
    low, high = date_bounds({"precision": precision, "value": value, "season": season})
    return (None if low is None else low.year, None if high is None else high.year)


def _year(when: object, *, last: bool) -> int | None:
    if not isinstance(when, Mapping):
        return None
    years = _years(when.get("precision"), when.get("value"), when.get("season"))
    return years[1] if last else years[0]


def _flag(value: object) -> int | None:
    return None if not isinstance(value, bool) else int(value)


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _episode_rows(record_id: str, document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for episode in _list(document.get("episodes")):
        place = _dict(episode.get("place"))
        first = _year(episode.get("start"), last=False)
        last = _year(episode.get("end"), last=True) or _year(episode.get("start"), last=True)
        rows.append(
            (
                record_id,
                episode.get("kind"),
                _dict(episode.get("facility")).get("registry_id"),
                place.get("prefecture_id"),
                place.get("county_id"),
                place.get("province_id"),
                first,
                last,
                episode.get("system"),
                episode.get("pipeline_stage"),
            )
        )
    return rows


def _indicator_rows(record_id: str, document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    found: dict[str, str] = {}
    codings = [_dict(document.get("coding"))]
    codings += [_dict(labour.get("coding")) for labour in _list(document.get("labour"))]
    for coding in codings:
        for code, value in _dict(coding.get("ilo_indicators")).items():
            status = _dict(value).get("status")
            # "present" anywhere in the record wins over absent or unknown elsewhere.
            if isinstance(status, str) and found.get(code) != "present":
                found[code] = status
    return [(record_id, code, status) for code, status in found.items()]


_TABLES = (("records", "id"), ("episodes", "record_id"), ("indicators", "record_id"))


def _record_row(
    record_id: str, document: Mapping[str, Any], received_on: date | None, station: str | None
) -> tuple[Any, ...]:
    victim = _dict(document.get("victim"))
    home = _dict(victim.get("home_place"))
    consent = _dict(document.get("consent"))
    return (
        record_id,
        None if received_on is None else received_on.isoformat(),
        station,
        victim.get("gender"),
        victim.get("ethnicity"),
        home.get("prefecture_id"),
        home.get("county_id"),
        _dict(victim.get("status")).get("code"),
        _dict(document.get("coding")).get("verification_level"),
        consent.get("identity_level"),
        _flag(consent.get("share_with_partner_databases")),
        _flag(consent.get("research_use")),
        _flag(consent.get("publish_victim_name")),
    )


class CaseIndex:
    """The in-memory index of one unlocked case database; thread-safe."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("PRAGMA temp_store = MEMORY")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def put_many(
        self,
        records: Iterable[tuple[str, Mapping[str, Any], date | None, str | None]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index (or re-index) records given as (id, decrypted document, received day,
        station label); return how many. ``progress`` is called with the count so far.

        Rows are gathered and written in bulk; records indexed before are replaced.
        """
        count = 0
        batch: list[tuple[str, Mapping[str, Any], date | None, str | None]] = []
        for item in records:
            batch.append(item)
            if len(batch) == 5000:
                count += self._write(batch)
                batch = []
                if progress is not None:
                    progress(count)
        count += self._write(batch)
        if progress is not None:
            progress(count)
        return count

    def _write(self, batch: list[tuple[str, Mapping[str, Any], date | None, str | None]]) -> int:
        records, episodes, indicators = [], [], []
        for record_id, document, received_on, station in batch:
            records.append(_record_row(record_id, document, received_on, station))
            episodes += _episode_rows(record_id, document)
            indicators += _indicator_rows(record_id, document)
        with self._lock, self._db:
            ids = [(row[0],) for row in records]
            if self._db.execute("SELECT 1 FROM records LIMIT 1").fetchone():
                for table, column in _TABLES:
                    self._db.executemany(f"DELETE FROM {table} WHERE {column} = ?", ids)  # noqa: S608
            self._db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", records)
            self._db.executemany("INSERT INTO episodes VALUES (?,?,?,?,?,?,?,?,?,?)", episodes)
            self._db.executemany("INSERT INTO indicators VALUES (?,?,?)", indicators)
        return len(batch)

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
        with self._lock, self._db:
            for table, column in _TABLES:
                self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (record_id,))  # noqa: S608

    def query(self, filters: Filters, *, offset: int = 0, limit: int = 50) -> Page:
        """Record ids matching every set filter, newest received first."""
        where, params = _where(filters)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = self._db.execute(
                f"SELECT count(*) FROM records r {clause}",  # noqa: S608 (only fixed fragments)
                params,
            ).fetchone()[0]
            rows = self._db.execute(
                f"SELECT r.id FROM records r {clause} "  # noqa: S608
                "ORDER BY r.received_on DESC, r.id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return Page(ids=[row[0] for row in rows], total=int(total))

    def ids(self) -> list[str]:
        """Every indexed record id."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM records")]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def close(self) -> None:
        """Drop everything (the workspace is locked)."""
        with self._lock:
            self._db.close()


_RECORD_COLUMNS = {
    "gender": "r.gender = ?",
    "ethnicity": "r.ethnicity = ?",
    "victim_status": "r.victim_status = ?",
    "station": "r.station = ?",
    "share_with_partners": "r.share_with_partners = ?",
    "research_use": "r.research_use = ?",
}
_EPISODE_COLUMNS = {
    "episode_kind": "e.kind = ?",
    "facility": "e.facility = ?",
    "prefecture": "e.prefecture = ?",
    "county": "e.county = ?",
    "system": "e.system = ?",
    "stage": "e.stage = ?",
    "year_from": "e.last_year >= ?",
    "year_to": "e.first_year <= ?",
}


def _where(filters: Filters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for name, sql in _RECORD_COLUMNS.items():
        value = getattr(filters, name)
        if value is not None:
            where.append(sql)
            params.append(int(value) if isinstance(value, bool) else value)
    if filters.received_from is not None:
        where.append("r.received_on >= ?")
        params.append(filters.received_from.isoformat())
    if filters.received_to is not None:
        where.append("r.received_on <= ?")
        params.append(filters.received_to.isoformat())
    # All episode conditions must hold for one and the same episode: "a camp in Ili
    # in 2018", not a camp somewhere and something in Ili at some time.
    episode = [sql for name, sql in _EPISODE_COLUMNS.items() if getattr(filters, name) is not None]
    if episode:
        where.append(
            "EXISTS (SELECT 1 FROM episodes e WHERE e.record_id = r.id AND "  # noqa: S608
            + " AND ".join(episode)
            + ")"
        )
        params += [
            getattr(filters, name)
            for name in _EPISODE_COLUMNS
            if getattr(filters, name) is not None
        ]
    if filters.indicator is not None:
        where.append(
            "EXISTS (SELECT 1 FROM indicators i WHERE i.record_id = r.id "
            "AND i.code = ? AND i.status = 'present')"
        )
        params.append(filters.indicator)
    return where, params
