"""Every benchmark of the project, one after another. Figures depend on the machine; it
is printed first. Small sizes by default (10,000 records); --full runs the sizes the
goals are stated for (100,000 synthetic testimonies: much longer).

  1. the interview's trajectory page with 30 episodes (p95 goal <= 100 ms);
  2. unlock (Argon2id) time, field encryption, sealing, storing and reading one record;
  3. import of one signed bundle of --import-records sealed testimonies varied from the
     worked example (open, verify, open each sealed record, validate, encrypt under
     per-record keys, commit) on SQLite and, with --postgres, PostgreSQL, beside a plain
     ORM insert of the same documents, with a breakdown of where the time goes (goal:
     2,000 records/s SQLite, 1,000/s PostgreSQL);
  4. the case index (scripts/bench_cases.py): build at unlock and a filtered Records page
     of --index-records testimonies, beside plaintext baselines (goals at 100,000: build
     <= 5 s, filtered list p95 <= 50 ms);
  5. name search (scripts/bench_search.py) over --search-records testimonies, on SQLite
     and with --postgres on PostgreSQL, beside a plaintext indexed search (goals at
     100,000: p50 <= 20 ms and <= 3x plaintext), and the same-person queue;
  6. name matching's recall over the sourced pair set (scripts/bench_names.py; goal
     recall@5 >= 95%, no false match from a shared patronymic or father's name);
  7. the research export (scripts/bench_exports.py) of --export-records synthetic
     testimonies (goal <= 30 s at 100,000);
  8. with --postgres only: the load test (scripts/load_casedb.py): --load-users
     coordinators searching and reading at once through the served app for
     --load-duration s over --load-records testimonies (goal p95 <= 200 ms, no errors).

--skip NAME leaves a part out (repeatable). Each database benchmark on PostgreSQL creates
a database of its own on the server given by --postgres URL or $INTAKE_BENCH_DATABASE_URL
and drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from crypto import (
    Context,
    Identity,
    SymmetricKey,
    calibrate,
    decrypt_field,
    encrypt_field,
    open_sealed,
    seal,
)
from intake.db import Database
from intake.migrate import upgrade_database
from intake.records import services
from intake.settings import Settings
from intake.workspace import services as workspace

#: A throwaway workspace's passphrase; the workspace is deleted when the run ends.
PASSPHRASE = "bench passphrase!"  # noqa: S105
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "records" / "valid" / "worked_example.json"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def timed(function: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_trajectory_page(episodes: int = 30, repeat: int = 60) -> None:
    """p50/p95 of rendering the trajectory step of a draft with ``episodes`` episodes,
    through the Flask test client (the workspace's Argon2id cost is lowered: only
    page rendering is measured)."""
    import gc
    import re

    from intake import create_app
    from intake.accounts.services import create_account

    def _csrf(page: str) -> str:
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    from bench_db import CHEAP_UNLOCK

    cheap = {**CHEAP_UNLOCK, "password_memory_kib": 64}
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.for_workspace(Path(folder) / "ws", **cheap)  # type: ignore[arg-type]
        database = Database(settings.database_url)
        upgrade_database(database.engine)
        with database.session() as session:
            workspace.init_workspace(
                session, settings, role="casedb", organisation_name="Bench", passphrase=PASSPHRASE
            )
        with database.session() as session:
            keys = workspace.unlock_workspace(session, settings, PASSPHRASE)
            workspace.create_organisation_identity(session, keys)
            create_account(
                session, settings, keys, username="bench", password=PASSPHRASE, role="admin"
            )
        client = create_app(settings, database=database).test_client()
        for url, data in (
            ("/unlock", {"passphrase": PASSPHRASE}),
            ("/login", {"username": "bench", "password": PASSPHRASE}),
        ):
            token = _csrf(client.get(url).get_data(as_text=True))
            client.post(url, data={"csrf_token": token, **data})
        token = _csrf(client.get("/interview/").get_data(as_text=True))
        base = client.post("/interview/start", data={"csrf_token": token}).headers["Location"]
        url = base.rsplit("/", 1)[0] + "/trajectory"
        kinds = ("reeducation_camp", "assigned_factory_work", "detention_centre", "prison")
        rows: dict[str, str] = {}
        for i in range(episodes):
            rows[f"episodes-{i}-kind"] = kinds[i % len(kinds)]
            rows[f"episodes-{i}-facility-registry"] = "jiafang_industrial_park"
            rows[f"episodes-{i}-place-area"] = "ili.yining_county"
            rows[f"episodes-{i}-start-precision"] = "month"
            rows[f"episodes-{i}-start-year"] = str(2017 + i // 12)
            rows[f"episodes-{i}-start-month"] = str(i % 12 + 1)
            rows[f"episodes-{i}-known-basis"] = "saw_directly"
        token = _csrf(client.get(url).get_data(as_text=True))
        saved = client.post(url, data={"csrf_token": token, "action": "save", **rows})
        assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
        size = len(client.get(url).get_data())
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        # Once without, once with the objects of start-up frozen out of the garbage
        # collector (gc.freeze()), as `intake serve`'s worker does: a full collection's
        # pause grows with every object the process holds. (The page's own form is
        # taken apart once rendered, so it leaves nothing for such a collection.)
        for frozen in (False, True):
            if frozen:
                gc.collect()
                gc.freeze()
            samples, cpu = [], []
            for _ in range(repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                samples.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                assert response.status_code == 200
            samples.sort()
            p50 = statistics.median(samples) * 1000
            p95 = samples[max(0, round(0.95 * len(samples)) - 1)] * 1000
            print(
                f"trajectory page, {episodes} episodes"
                f"{', gc.freeze() as intake serve does' if frozen else ', no gc.freeze()'}: "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 <= 100 ms), "
                f"{size / 1024:.0f} KiB; CPU p50 {statistics.median(cpu) * 1000:.0f} ms; "
                f"load average {load:.1f}"
            )
        gc.unfreeze()
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200, help="testimonies to store and read")
    parser.add_argument(
        "--import-records",
        type=int,
        default=10_000,
        help="records in the import benchmark's bundle (0 skips it; default 10000)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("INTAKE_BENCH_DATABASE_URL", ""),
        help="PostgreSQL server URL for the database benchmarks and the load test, e.g. "
        "postgresql://postgres@127.0.0.1:5432/postgres (default: $INTAKE_BENCH_DATABASE_URL; "
        "a database of its own is created there and dropped)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that open and check records during the import (default: all cores)",
    )
    parser.add_argument("--only-import", action="store_true", help="run only the import benchmark")
    parser.add_argument(
        "--index-records",
        type=int,
        help="synthetic testimonies for the case index benchmark (default 10000, --full 100000)",
    )
    add_more_arguments(parser)
    args = parser.parse_args()
    sizes(args)
    print(f"machine: {machine()}")
    if args.only_import:
        import_benchmarks(args)
        return
    bench_trajectory_page()

    params = calibrate()
    unlock = timed(lambda: params.derive("benchmark passphrase"), 3)
    print(
        f"argon2id: {params.memory_kib // 1024} MiB, {params.iterations} iterations, "
        f"{params.lanes} lanes -> {unlock * 1000:.0f} ms per unlock (target 500 ms)"
    )

    key = SymmetricKey.generate()
    context = Context("bench", "r", "f")
    for size in (1_000, 64_000, 1_000_000):
        data = os.urandom(size)
        envelope = encrypt_field(key, data, context=context)
        enc = timed(lambda data=data: encrypt_field(key, data, context=context), 20)
        dec = timed(lambda envelope=envelope: decrypt_field(key, envelope, context=context), 20)
        print(
            f"field {size:>9,} B: encrypt {enc * 1e6:8.0f} us, decrypt {dec * 1e6:8.0f} us, "
            f"ciphertext {len(envelope):,} B"
        )

    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw = json.dumps(document).encode()
    org = Identity.generate()
    blob = seal(raw, [org.recipient])
    print(
        f"seal one record: {timed(lambda: seal(raw, [org.recipient]), 20) * 1000:.2f} ms; "
        f"open: {timed(lambda: open_sealed(blob, [org]), 20) * 1000:.2f} ms"
    )

    with tempfile.TemporaryDirectory() as folder:
        from bench_db import bench_casedb

        settings, database, keys = bench_casedb(Path(folder), PASSPHRASE)
        ids = []
        start = time.perf_counter()
        for _ in range(args.records):
            document["record_id"] = str(uuid.uuid4())
            with database.session() as session:
                services.store_testimony(session, keys, document)
            ids.append(uuid.UUID(document["record_id"]))
        stored = time.perf_counter() - start
        start = time.perf_counter()
        for record_id in ids:
            with database.session() as session:
                services.load_testimony(session, keys, record_id)
        loaded = time.perf_counter() - start
        size = Path(settings.database_url.removeprefix("sqlite:///")).stat().st_size
        per_store, per_read = stored / args.records * 1000, loaded / args.records * 1000
        print(
            f"sqlite, {args.records} worked-example records: store {per_store:.2f} ms "
            f"each (validate + encrypt + commit), read {per_read:.2f} ms each, "
            f"database {size / 1024:.0f} KiB"
        )
        database.dispose()
    if "import" not in args.skip:
        import_benchmarks(args)
    more_benchmarks(args)


# --- the benchmarks in scripts/bench_*.py and the load test ------------------------------

#: Parts that --skip can leave out.
PARTS = ("import", "cases", "search", "names", "exports", "load")
#: Sizes without and with --full: the goals in the issues are stated for the full ones.
SMALL, FULL = 10_000, 100_000


def add_more_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the benchmarks run from scripts/bench_*.py and the load test."""
    parser.add_argument(
        "--full",
        action="store_true",
        help="the goals' sizes: 100,000 records for the case index, search and export "
        "benchmarks (much longer)",
    )
    parser.add_argument(
        "--search-records",
        type=int,
        help="synthetic testimonies for the name search benchmark (default 10000, --full 100000)",
    )
    parser.add_argument(
        "--export-records",
        type=int,
        help="synthetic testimonies for the research export (default 10000, --full 100000)",
    )
    parser.add_argument(
        "--load-records", type=int, default=SMALL, help="records for the load test (default 10000)"
    )
    parser.add_argument(
        "--load-users", type=int, default=20, help="coordinators in the load test (default 20)"
    )
    parser.add_argument(
        "--load-duration", type=int, default=60, help="seconds of load (default 60)"
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=PARTS,
        help="leave this part out (repeatable)",
    )


def sizes(args: argparse.Namespace) -> None:
    """Fill the sizes not given: small by default, the goals' sizes with --full."""
    for name in ("index_records", "search_records", "export_records"):
        if getattr(args, name) is None:
            setattr(args, name, FULL if args.full else SMALL)


def _script(name: str, *argv: str) -> None:
    """Run scripts/``name`` in a process of its own (it ends with its own exit status)."""
    print(f"--- {name} {' '.join(argv)}", flush=True)
    status = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / name), *argv], cwd=ROOT, check=False
    ).returncode
    if status:
        print(f"({name} ended with status {status}: goal not met or failed, see above)")


def more_benchmarks(args: argparse.Namespace) -> None:
    """Case index, name search, name matching, research export and the load test."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_cases import main as bench_cases  # the in-memory case index
    from bench_names import report  # name matching over the sourced pair set
    from bench_search import main as bench_search

    postgres = ["--postgres", args.postgres] if args.postgres else []
    if "cases" not in args.skip:
        bench_cases(["--records", str(args.index_records), *postgres])
    if "search" not in args.skip:
        bench_search(["--records", str(args.search_records)])
        if args.postgres:
            bench_search(["--records", str(args.search_records), *postgres])
        else:
            print("name search, PostgreSQL: skipped (give --postgres URL)")
    if "names" not in args.skip:
        report()
    if "exports" not in args.skip:
        _script("bench_exports.py", "--records", str(args.export_records))
    if "load" in args.skip:
        return
    if not args.postgres:
        print("load test: skipped (it runs on PostgreSQL: give --postgres URL)")
        return
    _script(
        "load_casedb.py",
        *("--records", str(args.load_records), "--users", str(args.load_users)),
        *("--duration", str(args.load_duration), *postgres),
    )


# --- the import benchmark ---------------------------------------------------------------


class Plain(DeclarativeBase):
    """The baseline: the same documents as plain JSON rows, no encryption, no checks."""


class PlainTestimony(Plain):
    """One plaintext document (benchmark baseline only, in a throwaway database)."""

    __tablename__ = "bench_plain_testimony"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


def import_benchmarks(args: argparse.Namespace) -> None:
    """The import benchmark on SQLite and (if a URL is given) PostgreSQL."""
    if args.import_records <= 0:
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'import.sqlite3'}"
        import_benchmark("sqlite", url, Path(folder), args.import_records, args.workers)
    if not args.postgres:
        print("import, postgresql: skipped (give --postgres URL or INTAKE_BENCH_DATABASE_URL)")
        return
    from bench_db import fresh_postgres

    with fresh_postgres(args.postgres) as url, tempfile.TemporaryDirectory() as folder:
        import_benchmark("postgresql", url, Path(folder), args.import_records, args.workers)


def _shifted(value: str, months: int) -> str:
    """A date value (YYYY, YYYY-MM or YYYY-MM-DD) ``months`` earlier (a day is kept
    within 1..28, so every month has it)."""
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 1:
        return str(parts[0] - months // 12)
    index = parts[0] * 12 + parts[1] - 1 - months
    shifted = f"{index // 12:04d}-{index % 12 + 1:02d}"
    return shifted if len(parts) == 2 else f"{shifted}-{min(parts[2], 28):02d}"


#: The share of the import benchmark's testimonies told by a named relative rather than
#: by the victim. An assumption of the benchmark, not a measured figure: the groups this
#: serves mostly record what families say about a detained relative.
RELATIVE_TESTIFIES = 0.75
_RELATIONS = ("spouse", "mother", "father", "son", "daughter", "sister", "brother")


def _varied(template: dict[str, Any], rng: Any, people: list[list[str]]) -> dict[str, Any]:
    """The worked example as another person's testimony: the victim's names from the
    name search benchmark's generator (one in five a person met before, in another
    spelling), told by a named relative in RELATIVE_TESTIFIES of them, every date moved
    back by 0 to 5 years, another age. Whole names and dates vary, so the caches of
    analysed names and date spans serve the benchmark no better than real testimonies.
    The words of the names come from the generator's few hundred name roots, though,
    so the caches of words read serve it better than rarer real names would
    (:func:`_name_words` counts them for the report)."""
    import copy

    from bench_search import _kazakh_person, _script_of, _uyghur_person

    from intake.records.rules import nodes_of

    document = copy.deepcopy(template)
    document["record_id"] = str(uuid.uuid4())
    if people and rng.random() < 0.2:
        forms = rng.choice(people)
    else:
        forms = _kazakh_person(rng) if rng.random() < 0.7 else _uyghur_person(rng)
        people.append(forms)
    document["victim"]["names"] = [
        {"text": text, "script": _script_of(text), "kind": "full"}
        for text in rng.sample(list(dict.fromkeys(forms)), k=min(2, len(set(forms))))
    ]
    document["victim"]["approximate_age"]["years"] = rng.randint(18, 80)
    if rng.random() < RELATIVE_TESTIFIES:
        # Told by a relative, who is named too: their names are keyed and indexed
        # like the victim's (the worked example is told by the victim, unnamed).
        kazakh = rng.random() < 0.7
        relative = _kazakh_person(rng) if kazakh else _uyghur_person(rng)
        document["informants"] = [
            {
                "id": "i1",
                "is_main": True,
                "is_victim": False,
                "names": [
                    {"text": text, "script": _script_of(text), "kind": "full"}
                    for text in rng.sample(
                        list(dict.fromkeys(relative)), k=min(2, len(set(relative)))
                    )
                ],
                "relation": rng.choice(_RELATIONS),
                "is_former_detainee": "no",
                "interview_language": "kk" if kazakh else "ug",
                "current_residence": {"country": "KZ"},
                "how_known": {"basis": "victim_phone_or_message"},
                "how_contacted": "in_person",
            }
        ]
    months = rng.randint(0, 59)
    for _path, node in nodes_of(document).dated:
        if isinstance(node.get("value"), str):
            node["value"] = _shifted(node["value"], months)
    return document


def _name_words(documents: list[dict]) -> tuple[int, int]:
    """The names (victims' and testifiers') in ``documents``, and the distinct words in
    them: how often the caches of words read can serve the import."""
    from intake.cases.blind import informant_names, victim_names

    texts = [
        variant.text
        for document in documents
        for variant in (*victim_names(document), *informant_names(document))
    ]
    return len(texts), len({word for text in texts for word in text.split()})


def _keying_costs(documents: list[dict]) -> tuple[float, float]:
    """CPU seconds a record to make the blind-index keys of its names, with the words
    read before remembered (each document keyed once already), and with every word new
    (the caches of words and names emptied before each document)."""
    from intake.cases.blind import record_keys
    from intake.names import forget_names

    for document in documents:
        record_keys(document)
    start = time.process_time()
    for document in documents:
        record_keys(document)
    remembered = (time.process_time() - start) / len(documents)
    new = 0.0
    for document in documents:
        forget_names()
        start = time.process_time()
        record_keys(document)
        new += time.process_time() - start
    forget_names()
    return remembered, new / len(documents)


def _bench_bundle(count: int, recipient: str, signing: object) -> tuple[bytes, list[dict]]:
    """A signed, sealed bundle of ``count`` testimonies varied from the worked example
    (:func:`_varied`)."""
    import hashlib
    import random

    from intake.delivery import bundles
    from intake.records.attachments import pack_payload

    template = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    rng = random.Random(5)  # noqa: S311 (synthetic data, not secrets)
    people: list[list[str]] = []
    documents, entries, listed = [], [], []
    for _ in range(count):
        document = _varied(template, rng, people)
        sealed = seal(pack_payload(services.canonical_json(document), []), [recipient])
        documents.append(document)
        entries.append((f"records/{document['record_id']}.age", sealed))
        listed.append(
            bundles.ManifestEntry(
                uuid.UUID(document["record_id"]), hashlib.sha256(sealed).hexdigest(), len(sealed)
            )
        )
    manifest = bundles.Manifest(
        station_key=signing.verify_key.to_bytes(),  # type: ignore[attr-defined]
        bundle_id=uuid.uuid4(),
        sequence=1,
        made_at="2026-01-01T00:00:00+00:00",
        records=listed,
    )
    raw = bundles.manifest_bytes(manifest)
    signature = signing.sign(raw, context=bundles.MANIFEST_CONTEXT)  # type: ignore[attr-defined]
    archive = bundles.write_archive(
        [(bundles.MANIFEST, raw), (bundles.SIGNATURE, signature), *entries]
    )
    return seal(archive, [recipient]), documents


def _server_share(backend: str, seconds: float | None, count: int) -> str:
    """What the database server's own work on the import cost, as far as it is known."""
    if backend == "sqlite":
        return "SQLite runs inside the importing process"
    if seconds is None:
        return "the database server's not counted (not on this machine)"
    return (
        f"and the PostgreSQL server process serving the import {seconds:.1f} s more, "
        f"{seconds / count * 1000:.2f} ms a record, on the same cores"
    )


def import_benchmark(backend: str, url: str, folder: Path, count: int, workers: int) -> None:
    """Import ``count`` records at a fresh case database on ``url`` and print the figures."""
    import hashlib

    from bench_db import bench_casedb, server_cpu

    from crypto import SigningKey, open_sealed_stream
    from intake.collector import collector_paused
    from intake.delivery import bundles
    from intake.delivery import services as delivery
    from intake.records.attachments import unpack_payload

    _settings, database, keys = bench_casedb(folder, PASSPHRASE, url, identity=True)
    assert keys.identity is not None
    signing = SigningKey.generate()
    with database.session() as session:
        delivery.enrol_station(session, keys, signing.verify_key.to_bytes().hex(), label="bench")
    print(f"import, {backend}: building a bundle of {count:,} sealed records ...", flush=True)
    data, documents = _bench_bundle(count, keys.identity.recipient, signing)

    pooled = workers > 1 and count >= delivery.POOL_THRESHOLD
    how = f"{workers} {delivery._pool_context().get_start_method()}ed" if pooled else "no"
    before = os.times()
    start = time.perf_counter()
    with database.session() as session:
        server = server_cpu(session)
        server_before = server() if server else 0.0
        result = delivery.import_bundle(session, keys, data, workers=workers)
    total = time.perf_counter() - start
    after = os.times()
    # Read once the transaction has committed: the server's commit counts too.
    server_seconds = server() - server_before if server else None
    parent_cpu = after[0] + after[1] - before[0] - before[1]
    workers_cpu = after[2] + after[3] - before[2] - before[3]
    cpu = parent_cpu + workers_cpu
    assert len(result.stored) == count
    rate = count / total

    Plain.metadata.create_all(database.engine)
    start = time.perf_counter()
    with Session(database.engine) as session:
        session.add_all(PlainTestimony(id=uuid.UUID(d["record_id"]), document=d) for d in documents)
        session.commit()
    plain = time.perf_counter() - start
    print(
        f"import, {backend}, {count:,} records, {how} worker process(es): {total:.1f} s -> "
        f"{rate:,.0f} records/s (goal {2000 if backend == 'sqlite' else 1000:,}/s); "
        f"plain ORM insert of the same documents: {plain:.2f} s -> {count / plain:,.0f}/s; "
        f"import is {total / plain:.1f}x the plain insert; CPU {cpu:.1f} s in all processes "
        f"({parent_cpu:.1f} s importing process, {workers_cpu:.1f} s workers; "
        f"{cpu / count * 1000:.2f} ms a record; {_server_share(backend, server_seconds, count)}), "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    names, words = _name_words(documents)
    print(
        f"  names: {names:,} (victims' and testifiers'), {words:,} distinct words in them; "
        "each word is read once and remembered, so testimonies with rarer names cost more"
    )
    remembered, new = _keying_costs(documents[:300])
    print(
        f"  keying a record's names: {remembered * 1000:.3f} ms with their words remembered, "
        f"{new * 1000:.3f} ms with every word new (the benchmark's names are mostly the "
        "first kind; real ones lie between)"
    )

    # Where the time goes: each stage alone, one process, on a sample. CPU time of this
    # process, so other work on a shared machine does not distort the shares.
    sample = min(count, 1000)
    stages: dict[str, float] = {}

    def stage(name: str, seconds: float, per: int) -> None:
        stages[name] = seconds / per * count

    # With the cyclic collector paused, as the import itself runs: its passes over the
    # sample's growing lists would otherwise land on whichever stage runs then.
    with collector_paused():
        start = time.process_time()
        stream = open_sealed_stream(data, [keys.identity])
        raw, signature, places, _addenda = bundles.read_bundle_archive(stream)
        manifest = bundles.parse_manifest(raw)
        signing.verify_key.verify(signature, raw, context=bundles.MANIFEST_CONTEXT)
        delivery._check_against_manifest(manifest, places)
        records = {key: bundles.read_entry(stream, place) for key, place in places.items()}
        for entry in manifest.records:
            assert hashlib.sha256(records[entry.record_id]).hexdigest() == entry.sha256
        stage("open bundle, verify signature and hashes", time.process_time() - start, count)
        chosen = list(records.items())[:sample]
        start = time.process_time()
        payloads = [open_sealed(blob, [keys.identity]) for _, blob in chosen]
        stage("open each sealed record (age)", time.process_time() - start, sample)
        start = time.process_time()
        unpacked = []
        for item in payloads:
            unpacked.append(unpack_payload(item)[0])
        stage("unpack safely", time.process_time() - start, sample)
        start = time.process_time()
        for document in unpacked:
            services.check_record(document)
        stage("validate (check_record)", time.process_time() - start, sample)
        for document in unpacked:  # stored again beside the imported ones: fresh ids
            document["record_id"] = str(uuid.uuid4())
        start = time.process_time()
        encrypted = [services.encrypt_testimony(services.Incoming(d)) for d in unpacked]
        stage("encrypt under per-record keys", time.process_time() - start, sample)
        session = database.sessions()
        start = time.process_time()
        services.store_encrypted(session, keys, encrypted)
        stage("insert rows (wrap keys, bulk insert)", time.process_time() - start, sample)
        start = time.process_time()
        session.commit()
        stage("commit", time.process_time() - start, sample)
        session.close()
    measured = sum(stages.values())
    print(
        f"  where the time goes (CPU time, one process; {sample:,}-record sample, "
        f"scaled to {count:,}):"
    )
    for name, seconds in stages.items():
        print(
            f"    {name:42} {seconds / count * 1000:7.3f} ms/record  "
            f"{seconds / measured * 100:5.1f}%"
        )
    print(
        f"    one-process CPU total {measured:.1f} s -> "
        f"{count / measured:,.0f} records/s per core; "
        f"validation is {stages['validate (check_record)'] / measured * 100:.0f}% of it"
    )
    database.dispose()


if __name__ == "__main__":
    main()
