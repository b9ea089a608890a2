"""Case index benchmark: N synthetic testimonies, stored encrypted at a throwaway case
database, then (1) the index build at unlock: the first one (unwrap every stored
record's data key, open its encrypted index facts, index them, write the encrypted
snapshot) and the usual one (open the snapshot, check each record's manifest digest
against it); with --from-sections also the older way, checking each manifest and
decrypting the sections, as for records without facts; and
(2) the Records list with filters (index query, then decrypt one page of summaries),
each beside a plaintext baseline in the same run and the same database: the same
facts as plain rows, read into the same kind of in-memory index, and the same filtered
page selected from a plain indexed table.

SQLite always; PostgreSQL too with --postgres URL (or INTAKE_BENCH_DATABASE_URL): a
fresh database is created there and dropped afterwards. The in-memory part alone
(index from already decrypted documents) is printed first. Run alone with --help,
or from scripts/bench.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import CHEAP_UNLOCK, bench_casedb, fresh_postgres  # noqa: E402
from sqlalchemy import bindparam, text, update  # noqa: E402

from intake.cases.index import CaseIndex, Filters  # noqa: E402
from intake.cases.live import LiveIndex, build_index  # noqa: E402
from intake.cases.services import list_records  # noqa: E402
from intake.db import Database  # noqa: E402
from intake.records.models import Testimony  # noqa: E402
from intake.records.services import Incoming, store_testimonies  # noqa: E402

EXAMPLE = ROOT / "tests" / "fixtures" / "records" / "valid" / "worked_example.json"
PASSPHRASE = "bench passphrase for a throwaway case database"  # noqa: S105 (throwaway)
KINDS = [
    "reeducation_camp",
    "detention_centre",
    "prison",
    "assigned_factory_work",
    "labour_transfer",
]
PREFECTURES = ["ili", "kashgar", "aksu", "hotan", "altay", "tacheng", "urumqi", "changji"]
FACILITIES = ["jiafang_industrial_park", None, None, None]
INDICATORS = ["withholding_of_wages", "restriction_of_movement", "isolation", "debt_bondage"]
Synthetic = tuple[str, dict[str, Any], date, str]


def synthetic(count: int, seed: int = 7) -> list[Synthetic]:
    """``count`` varied testimonies shaped like the worked example."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    records = []
    for number in range(count):
        document = copy.deepcopy(base)
        document["record_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        document["victim"]["gender"] = rng.choice(["female", "male"])
        document["victim"]["ethnicity"] = rng.choice(["kazakh", "uyghur", "kyrgyz", "hui"])
        for episode in document["episodes"]:
            episode["kind"] = rng.choice(KINDS)
            episode["place"] = {"prefecture_id": rng.choice(PREFECTURES)}
            episode["start"] = {"precision": "year", "value": str(rng.randint(2016, 2022))}
            facility = rng.choice(FACILITIES)
            episode.pop("facility", None)
            if facility:
                episode["facility"] = {"registry_id": facility}
        coding = document["labour"][0]["coding"]["ilo_indicators"]
        for code in INDICATORS:
            coding[code] = {"status": rng.choice(["present", "absent", "unknown"])}
        received = date(2024, 1, 1) + timedelta(days=number % 900)
        records.append((document["record_id"], document, received, f"station-{number % 12}"))
    return records


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] * 1000


def _queries(count: int) -> list[tuple[str, str]]:
    rng = random.Random(3)  # noqa: S311 (synthetic data, not secrets)
    return [(rng.choice(KINDS), rng.choice(PREFECTURES)) for _ in range(count)]


def in_memory(records: list[Synthetic], queries: list[tuple[str, str]]) -> None:
    """The index alone, from documents already decrypted, beside a flat plain table."""
    start = time.perf_counter()
    index = CaseIndex()
    index.put_many(records)
    built = time.perf_counter() - start
    start = time.perf_counter()
    plain = sqlite3.connect(":memory:")
    plain.execute("CREATE TABLE flat (id TEXT, received_on TEXT, kind TEXT, prefecture TEXT)")
    plain.executemany(
        "INSERT INTO flat VALUES (?, ?, ?, ?)",
        [
            (rid, received.isoformat(), e["kind"], e["place"]["prefecture_id"])
            for rid, doc, received, _ in records
            for e in doc["episodes"]
        ],
    )
    plain.execute("CREATE INDEX ix_flat ON flat (kind, prefecture, received_on)")
    plain_built = time.perf_counter() - start
    times, plain_times = [], []
    for kind, prefecture in queries:
        start = time.perf_counter()
        index.query(Filters(episode_kind=kind, prefecture=prefecture, year_from=2018), limit=50)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        plain.execute(
            "SELECT DISTINCT id FROM flat WHERE kind = ? AND prefecture = ? "
            "ORDER BY received_on DESC LIMIT 50",
            (kind, prefecture),
        ).fetchall()
        plain.execute(
            "SELECT count(DISTINCT id) FROM flat WHERE kind = ? AND prefecture = ?",
            (kind, prefecture),
        ).fetchone()
        plain_times.append(time.perf_counter() - start)
    p95, plain_p95 = _p(times, 95), _p(plain_times, 95)
    print(
        f"case index in memory, {len(records):,} decrypted documents: put in {built:.2f} s "
        f"(plain flat table {plain_built:.2f} s, ratio {built / plain_built:.1f}x); query p50 "
        f"{_p(times, 50):.1f} ms, p95 {p95:.1f} ms (plain p95 {plain_p95:.1f} ms, "
        f"ratio {p95 / max(plain_p95, 1e-9):.1f}x)",
        flush=True,
    )


_PLAIN_SCHEMA = (
    "CREATE TABLE bench_plain_case (id VARCHAR(36), received_on DATE, gender VARCHAR(16), "
    "kind VARCHAR(40), prefecture VARCHAR(40), first_year INTEGER, name VARCHAR(200))",
    "CREATE INDEX ix_bench_plain_case ON bench_plain_case (kind, prefecture, received_on)",
)


def _plain_rows(records: list[Synthetic]) -> list[dict[str, Any]]:
    return [
        {
            "id": rid,
            "received_on": received,
            "gender": doc["victim"]["gender"],
            "kind": e["kind"],
            "prefecture": e["place"]["prefecture_id"],
            "first_year": int(e["start"]["value"]),
            "name": doc["victim"]["names"][0]["text"],
        }
        for rid, doc, received, _ in records
        for e in doc["episodes"]
    ]


def _setup(url: str, folder: Path, records: list[Synthetic]) -> tuple[Database, Any, float]:
    """A case database on ``url`` holding ``records`` encrypted, and the plain table."""
    _settings, database, keys = bench_casedb(folder, PASSPHRASE, url, **CHEAP_UNLOCK)
    start = time.perf_counter()
    for first in range(0, len(records), 2000):
        chunk = records[first : first + 2000]
        with database.session() as session:
            ids = store_testimonies(
                session, keys, [Incoming(doc) for _, doc, _, _ in chunk], checked=True
            )
            # Spread the received days as the synthetic set says (all would be today).
            session.connection().execute(
                update(Testimony.__table__)
                .where(Testimony.__table__.c.id == bindparam("rid"))
                .values(received_on=bindparam("day")),
                [
                    {"rid": record_id, "day": received}
                    for (_, _, received, _), record_id in zip(chunk, ids, strict=True)
                ],
            )
    stored = time.perf_counter() - start
    with database.engine.begin() as connection:
        for statement in _PLAIN_SCHEMA:
            connection.execute(text(statement))
        connection.execute(
            text(
                "INSERT INTO bench_plain_case VALUES "
                "(:id, :received_on, :gender, :kind, :prefecture, :first_year, :name)"
            ),
            _plain_rows(records),
        )
    return database, keys, stored


def _plain_build(database: Database) -> float:
    """Baseline build: the same facts read as plain rows into an in-memory index."""
    start = time.perf_counter()
    memory = sqlite3.connect(":memory:")
    memory.execute("CREATE TABLE facts (id, received_on, gender, kind, prefecture, first_year)")
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, received_on, gender, kind, prefecture, first_year FROM bench_plain_case"
            )
        )
        memory.executemany(
            "INSERT INTO facts VALUES (?,?,?,?,?,?)",
            [(r[0], str(r[1]), r[2], r[3], r[4], r[5]) for r in rows],
        )
    memory.execute("CREATE INDEX ix_facts ON facts (kind, prefecture, received_on)")
    return time.perf_counter() - start


def _plain_page(connection: Any, kind: str, prefecture: str) -> None:
    ids = connection.execute(
        text(
            "SELECT id FROM bench_plain_case WHERE kind = :k AND prefecture = :p "
            "AND first_year >= 2018 GROUP BY id ORDER BY max(received_on) DESC LIMIT 50"
        ),
        {"k": kind, "p": prefecture},
    ).fetchall()
    connection.execute(
        text(
            "SELECT count(DISTINCT id) FROM bench_plain_case WHERE kind = :k "
            "AND prefecture = :p AND first_year >= 2018"
        ),
        {"k": kind, "p": prefecture},
    ).scalar()
    if ids:
        wanted = {f"i{n}": row[0] for n, row in enumerate(ids)}
        names = ", ".join(f":{key}" for key in wanted)
        connection.execute(
            text(f"SELECT id, name, gender, kind FROM bench_plain_case WHERE id IN ({names})"),  # noqa: S608
            wanted,
        ).fetchall()


def _from_sections(database: Database, keys: Any) -> tuple[float, int]:
    """The build for records without index facts (read from their sections)."""
    with database.engine.begin() as connection:
        connection.execute(update(Testimony.__table__).values(index_facts=None))
        connection.execute(text("DELETE FROM case_index_snapshot"))
    start = time.perf_counter()
    indexed = build_index(database, keys, LiveIndex())
    return time.perf_counter() - start, indexed


def on_backend(
    backend: str,
    url: str,
    records: list[Synthetic],
    queries: list[tuple[str, str]],
    from_sections: bool = False,
) -> None:
    """Store, build at unlock and list with filters on one backend; print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        print(f"case index, {backend}: storing {len(records):,} encrypted records ...", flush=True)
        database, keys, stored = _setup(url, Path(folder), records)
        try:
            # The first unlock (and the first after an erasure) reads every record's
            # index facts and writes the encrypted snapshot; later unlocks start from
            # the snapshot and read only what changed since.
            start = time.perf_counter()
            first_indexed = build_index(database, keys, LiveIndex())
            first_built = time.perf_counter() - start
            live = LiveIndex()
            start = time.perf_counter()
            indexed = build_index(database, keys, live)
            built = time.perf_counter() - start
            assert indexed == first_indexed
            plain_built = _plain_build(database)
            times, plain_times = [], []
            with database.sessions() as session, database.engine.connect() as connection:
                for kind, prefecture in queries:
                    filters = Filters(episode_kind=kind, prefecture=prefecture, year_from=2018)
                    start = time.perf_counter()
                    list_records(session, keys, live, filters, page=1, actor=None)
                    session.flush()
                    times.append(time.perf_counter() - start)
                    session.rollback()  # the audit entry of each list is not kept here
                    start = time.perf_counter()
                    _plain_page(connection, kind, prefecture)
                    plain_times.append(time.perf_counter() - start)
            p95, plain_p95 = _p(times, 95), _p(plain_times, 95)
            print(
                f"case index, {backend}, {indexed:,} records (stored in {stored:.0f} s): "
                f"build at unlock from the snapshot {built:.2f} s = "
                f"{1000 * built / max(indexed, 1):.3f} ms/record (goal <= 5 s at 100,000; "
                f"plaintext baseline {plain_built:.2f} s, ratio {built / plain_built:.1f}x); "
                f"first build, record by record, writing the snapshot {first_built:.2f} s "
                f"= {1000 * first_built / max(indexed, 1):.3f} ms/record "
                f"(ratio {first_built / plain_built:.1f}x); filtered list of 50 with summaries p50 "
                f"{_p(times, 50):.1f} ms, p95 {p95:.1f} ms (goal <= 50 ms; plaintext p95 "
                f"{plain_p95:.1f} ms, ratio {p95 / max(plain_p95, 1e-9):.1f}x)",
                flush=True,
            )
            if from_sections:
                slow, count = _from_sections(database, keys)
                print(
                    f"case index, {backend}, {count:,} records without index facts: build "
                    f"from sections {slow:.2f} s = {1000 * slow / max(count, 1):.3f} ms/record",
                    flush=True,
                )
        finally:
            database.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("INTAKE_BENCH_DATABASE_URL"),
        help="a PostgreSQL server URL (a fresh database is made there and dropped)",
    )
    parser.add_argument(
        "--memory-only", action="store_true", help="only the in-memory index, no database"
    )
    parser.add_argument(
        "--from-sections",
        action="store_true",
        help="also time the build for records without index facts (from their sections)",
    )
    args = parser.parse_args(argv)
    records = synthetic(args.records)
    queries = _queries(args.queries)
    in_memory(records, queries)
    if args.memory_only:
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'cases.sqlite3'}"
        on_backend("sqlite", url, records, queries, args.from_sections)
    if not args.postgres:
        print("case index, postgresql: skipped (give --postgres URL or INTAKE_BENCH_DATABASE_URL)")
        return
    with fresh_postgres(args.postgres) as url:
        on_backend("postgresql", url, records, queries, args.from_sections)


if __name__ == "__main__":
    main()
