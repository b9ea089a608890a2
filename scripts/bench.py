"""Benchmarks behind scripts/bench. Figures depend on the machine; it is printed first."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

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

    cheap = {
        "argon2_memory_kib": 256,
        "min_argon2_memory_kib": 8,
        "argon2_target_seconds": 0.005,
        "password_memory_kib": 64,
    }
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
        # Once as the app runs now, once with the objects of start-up frozen out of the
        # garbage collector (gc.freeze()): the pages' form objects are collected by a
        # full collection, whose pause grows with every object the process holds.
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
                f"trajectory page, {episodes} episodes{', gc.freeze()' if frozen else ''}: "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 <= 100 ms), "
                f"{size / 1024:.0f} KiB; CPU p50 {statistics.median(cpu) * 1000:.0f} ms; "
                f"load average {load:.1f}"
            )
        gc.unfreeze()
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200, help="testimonies to store and read")
    args = parser.parse_args()
    print(f"machine: {machine()}")
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
        settings = Settings.for_workspace(Path(folder) / "ws")
        database = Database(settings.database_url)
        upgrade_database(database.engine)
        with database.session() as session:
            workspace.init_workspace(
                session, settings, role="casedb", organisation_name="Bench", passphrase=PASSPHRASE
            )
        with database.session() as session:
            keys = workspace.unlock_workspace(session, settings, PASSPHRASE)
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


if __name__ == "__main__":
    main()
