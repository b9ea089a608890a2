"""Research export benchmark: N synthetic testimonies through consent, keyed pseudonyms,
generalisation, the k/l check (pycanon) and the data package, beside writing the same
episodes unprocessed as CSV; then the same testimonies stored in a fresh SQLite case
database and the whole export a coordinator waits for (the export service: reading and
decrypting each record, each checked against its manifest, then the same steps). The
goal applies to the whole export. Run alone with --help."""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crypto import PseudonymKey, pseudonym  # noqa: E402
from intake.collector import collector_paused  # noqa: E402
from intake.exports import datapackage, research  # noqa: E402
from intake.exports.anonymity import AnonymityTooLowError  # noqa: E402
from intake.exports.consent import allowance  # noqa: E402
from intake.exports.services import ExportRequest, anonymise_rows, write_export  # noqa: E402
from intake.exports.synthetic import synthetic_corpus  # noqa: E402
from intake.records.services import Incoming, store_testimonies  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from bench_db import CHEAP_UNLOCK, bench_casedb  # noqa: E402

RECIPIENT = "Benchmark research team"
PASSPHRASE = "bench passphrase for a throwaway case database"  # noqa: S105 (throwaway)


@collector_paused()
def export(documents: list[dict], key: PseudonymKey) -> tuple[bytes, Any, int]:
    """The research export as the service builds it, from decrypted documents, with the
    cyclic collector paused as the service pauses it (its passes over the documents
    held would otherwise be counted, which the export itself never pays)."""
    people = []
    for document in documents:
        allowed = allowance(document["consent"], kind="research", recipient=RECIPIENT)
        if not allowed.included:
            continue
        person = pseudonym(
            key, document["record_id"], purpose="export-research-person", recipient=RECIPIENT
        )
        testimony = pseudonym(
            key, document["record_id"], purpose="export-research-testimony", recipient=RECIPIENT
        )
        people.append(research.PersonRecords(person, [(allowed, document, testimony)]))
    request = ExportRequest(kind="research", recipient=RECIPIENT, suppress=True)
    # The steps in memory, with the bundled registry's facility kinds (None), as a case
    # database whose registry was never edited has them.
    rows = research.build_rows(people, request.generalisation, None)
    done = anonymise_rows(rows, people, request, None)
    measured = done.measure
    suppressed = done.suppressed.get("people", 0)
    kept, episodes = done.rows.persons, done.rows.episodes
    described = datapackage.descriptor(
        {"k": measured.k, "l": measured.l}, recipient=RECIPIENT, created="bench"
    )
    return datapackage.package(kept, episodes, described), measured, suppressed


def unprocessed(documents: list[dict]) -> bytes:
    """The same episodes written as they are stored: no consent, pseudonyms or checks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["record_id", "episode", "kind", "system", "pipeline_stage", "start", "end", "place"]
    )
    for document in documents:
        for episode in document["episodes"]:
            start, end = episode.get("start") or {}, episode.get("end") or {}
            writer.writerow([
                document["record_id"], episode.get("id"), episode.get("kind"),
                episode.get("system"), episode.get("pipeline_stage"), start.get("value"),
                end.get("value"), (episode.get("place") or {}).get("prefecture_id"),
            ])  # fmt: skip
    return buffer.getvalue().encode()


def from_database(documents: list[dict]) -> tuple[float, float, Any]:
    """The documents stored in a fresh SQLite case database, then the research export
    written by the export service: seconds to store (not part of the export), seconds
    for the export, and the export file."""
    with tempfile.TemporaryDirectory() as folder:
        _settings, database, keys = bench_casedb(Path(folder), PASSPHRASE, **CHEAP_UNLOCK)
        started = time.perf_counter()
        for first in range(0, len(documents), 2000):
            chunk = documents[first : first + 2000]
            with database.session() as session:
                store_testimonies(session, keys, [Incoming(document) for document in chunk])
        stored = time.perf_counter() - started
        request = ExportRequest(kind="research", recipient=RECIPIENT, suppress=True)
        started = time.perf_counter()
        try:
            with database.session() as session:
                exported = write_export(
                    session, keys, request, actor=None, recipients=[], allow_plain=True
                )
        except AnonymityTooLowError as error:
            # Too few testimonies for k and l (a small --records): no file is written.
            sys.exit(f"the export from the case database was refused: {error}")
        took = time.perf_counter() - started
        database.dispose()
    return stored, took, exported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000, help="testimonies (default 100000)")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds allowed (default 30)")
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="only the export of documents in memory (no case database: quicker, but it "
        "leaves out reading and decrypting the records)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    documents = list(synthetic_corpus(args.records))
    print(
        f"generated {args.records} synthetic testimonies in {time.perf_counter() - started:.1f} s"
    )
    key = PseudonymKey(bytes(range(32)))
    started = time.perf_counter()
    data, measured, suppressed = export(documents, key)
    took = time.perf_counter() - started
    started = time.perf_counter()
    plain = unprocessed(documents)
    baseline = time.perf_counter() - started
    print(
        f"research export (consent, pseudonyms, generalisation, k/l, package): {took:.2f} s, "
        f"{len(data):,} bytes, k = {measured.k}, l = {measured.l}, {suppressed} people suppressed"
    )
    print(f"same episodes written unprocessed as CSV: {baseline:.2f} s, {len(plain):,} bytes")
    if args.memory_only:
        verdict = "within" if took <= args.limit else "OVER"
        print(f"in memory only: {verdict} the limit of {args.limit:.0f} s")
        sys.exit(0 if took <= args.limit else 1)
    stored, whole, exported = from_database(documents)
    print(
        f"stored in a fresh SQLite case database in {stored:.1f} s (not part of the export); "
        f"the research export from it (read and decrypt each record, then the steps above): "
        f"{whole:.2f} s, {whole / args.records * 1000:.2f} ms a record, "
        f"{exported.preview.people:,} people, {len(exported.data):,} bytes"
    )
    verdict = "within" if whole <= args.limit else "OVER"
    print(f"the whole export: {verdict} the limit of {args.limit:.0f} s")
    sys.exit(0 if whole <= args.limit else 1)


if __name__ == "__main__":
    main()
