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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200, help="testimonies to store and read")
    args = parser.parse_args()
    print(f"machine: {machine()}")

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

    from bench_names import report  # name matching over the sourced pair set

    report()


if __name__ == "__main__":
    main()
