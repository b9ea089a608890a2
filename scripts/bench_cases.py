"""Case index benchmark: build the in-memory index from N synthetic testimonies and
time filtered lists, beside the same filters on a plain (unencrypted) SQLite table
built in the same run. Run alone with --help, or from scripts/bench."""

from __future__ import annotations

import argparse
import copy
import json
import random
import sqlite3
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.cases.index import CaseIndex, Filters  # noqa: E402

EXAMPLE = ROOT / "tests" / "fixtures" / "records" / "valid" / "worked_example.json"
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


def synthetic(count: int, seed: int = 7) -> list[tuple[str, dict[str, Any], date, str]]:
    """``count`` varied testimonies shaped like the worked example."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    records = []
    for number in range(count):
        document = copy.deepcopy(base)
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
        records.append((str(uuid.uuid4()), document, received, f"station-{number % 12}"))
    return records


def _plain_table(records: list[tuple[str, dict[str, Any], date, str]]) -> sqlite3.Connection:
    # The baseline: the same facts as plain rows, no decryption, one flat table.
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE flat (id TEXT, received_on TEXT, gender TEXT, kind TEXT, prefecture TEXT)"
    )
    db.executemany(
        "INSERT INTO flat VALUES (?, ?, ?, ?, ?)",
        [
            (
                rid,
                received.isoformat(),
                doc["victim"]["gender"],
                e["kind"],
                e["place"]["prefecture_id"],
            )
            for rid, doc, received, _ in records
            for e in doc["episodes"]
        ],
    )
    db.execute("CREATE INDEX ix_flat ON flat (kind, prefecture, received_on)")
    return db


def _p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args(argv)
    records = synthetic(args.records)
    start = time.perf_counter()
    index = CaseIndex()
    index.put_many(records)
    built = time.perf_counter() - start
    start = time.perf_counter()
    plain = _plain_table(records)
    plain_built = time.perf_counter() - start
    rng = random.Random(3)  # noqa: S311 (synthetic data, not secrets)
    index_times, plain_times = [], []
    for _ in range(200):
        kind, prefecture = rng.choice(KINDS), rng.choice(PREFECTURES)
        start = time.perf_counter()
        index.query(Filters(episode_kind=kind, prefecture=prefecture, year_from=2018), limit=50)
        index_times.append(time.perf_counter() - start)
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
    p95, plain_p95 = _p(index_times, 95), _p(plain_times, 95)
    print(
        f"case index, {args.records:,} synthetic records: built in {built:.2f} s from decrypted "
        f"documents (goal <= 5 s; plain flat table {plain_built:.2f} s); filtered list "
        f"p50 {_p(index_times, 50):.1f} ms, p95 {p95:.1f} ms (goal <= 50 ms; "
        f"plain p95 {plain_p95:.1f} ms, ratio {p95 / max(plain_p95, 1e-9):.1f}x)"
    )


if __name__ == "__main__":
    main()
