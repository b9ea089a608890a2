"""Load test of the case database: coordinators searching and reading at once.

Creates a fresh database on the PostgreSQL server given by --postgres URL (or
$INTAKE_BENCH_DATABASE_URL; dropped at the end), sets up a case database there with
--records synthetic testimonies (episodes, facilities and codings varied as in
scripts/bench_cases.py, victims' names in several scripts as in scripts/bench_search.py)
and --users coordinator accounts, starts the real server (`intake serve`: waitress, a
supervisor and a worker process), unlocks it, and runs locust headless for --duration
seconds with one user per account. Each user signs in, then, with a pause of --think
seconds between requests, searches names typed in another script than the one stored
(POST with the CSRF token), opens record pages and lists records, with and without
filters (weights 3:3:1:2).

Prints p50/p95/max per kind of request, the error count, the machine and the load
average, and whether p95 <= 200 ms with no errors (issue goal) over the searching and
reading requests (signing in, once per user at the start, is shown apart). The locust
process runs on the same machine as the server and the database.

    .venv/bin/python scripts/load_casedb.py --postgres postgresql://USER@HOST:5432/postgres \\
        [--records 10000] [--users 20] [--duration 60] [--think 1-3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_db import bench_casedb, fresh_postgres  # noqa: E402
from sqlalchemy import text  # noqa: E402

from intake.records.services import Incoming, store_testimonies  # noqa: E402

PASSPHRASE = "load test passphrase for a throwaway case database 7"  # noqa: S105 (throwaway)
#: The issue's goal for searching and reading under load.
GOAL_P95_MS = 200.0
SIGN_IN = ("sign-in page", "sign in (POST)")


def machine() -> str:
    from bench import machine as described

    return described()


def documents(count: int) -> tuple[list[dict[str, Any]], list[str]]:
    """``count`` varied testimonies, and for each a spelling of the victim's name that
    is not the one stored (the name a coordinator would type)."""
    from bench_cases import synthetic as varied
    from bench_search import _script_of
    from bench_search import synthetic as named

    rng = random.Random(13)  # noqa: S311 (synthetic data, not secrets)
    result, queries = [], []
    for (_, document, _, _), (with_names, forms) in zip(varied(count), named(count), strict=True):
        document["victim"]["names"] = [
            {**name, "script": _script_of(name["text"])} for name in with_names["victim"]["names"]
        ]
        for episode in document["episodes"]:  # keep each episode's end after its start
            end = (episode.get("end") or {}).get("value", "")
            if end and end[:4] < episode["start"]["value"]:
                episode["start"]["value"] = end[:4]
        stored = {name["text"] for name in document["victim"]["names"]}
        queries.append(rng.choice([form for form in forms if form not in stored] or forms))
        result.append(document)
    return result, queries


def set_up(url: str, folder: Path, count: int, users: int) -> dict[str, Any]:
    """The case database: workspace, records, accounts. Returns the locust plan."""
    from bench_cases import KINDS, PREFECTURES

    from intake.accounts.services import create_account

    settings, database, keys = bench_casedb(
        folder, PASSPHRASE, url, identity=True, organisation="Load"
    )
    records, queries = documents(count)
    start = time.perf_counter()
    ids = []
    for first in range(0, len(records), 2000):
        with database.session() as session:
            chunk = [Incoming(document) for document in records[first : first + 2000]]
            ids += store_testimonies(session, keys, chunk)  # validated here
    print(f"stored {len(ids):,} encrypted testimonies in {time.perf_counter() - start:.0f} s")
    accounts = []
    with database.session() as session:
        for number in range(users):
            username, password = f"coordinator{number:02d}", f"load-{secrets.token_hex(12)}"
            create_account(
                session, settings, keys, username=username, password=password, role="coordinator"
            )
            accounts.append((username, password))
        warmup = ("warmup", f"load-{secrets.token_hex(12)}")
        create_account(
            session, settings, keys, username=warmup[0], password=warmup[1], role="coordinator"
        )
    with database.engine.begin() as connection:  # fresh statistics, as autovacuum would make
        connection.execute(text("ANALYZE"))
    database.dispose()
    rng = random.Random(17)  # noqa: S311 (synthetic data, not secrets)
    return {
        "accounts": accounts,
        "warmup": warmup,
        "queries": queries,
        "records": [str(record_id) for record_id in ids],
        "filters": [(rng.choice(KINDS), rng.choice(PREFECTURES)) for _ in range(200)],
    }


@contextmanager
def server(folder: Path, url: str) -> Iterator[str]:
    """`intake serve` on a free port of 127.0.0.1, from this source tree; stopped after."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-c",
        "from intake.cli import main; main()",
        "--workspace",
        str(folder / "ws"),
        "--database-url",
        url,
        "serve",
        "--port",
        "0",
        "--idle-timeout",
        "3600",
    ]
    log = (folder / "server.log").open("w", encoding="utf-8")
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://[^/]+:\d+", line)
        if not match:
            raise RuntimeError(f"the server did not start: {line!r}")
        yield match.group(0)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def server_log(folder: Path) -> None:
    """What the server wrote: waitress's queue warnings summed up, anything else shown."""
    depths, other = [], []
    for line in (folder / "server.log").read_text(encoding="utf-8").splitlines():
        if match := re.search(r"Task queue depth is (\d+)", line):
            depths.append(int(match.group(1)))
        elif line.strip():
            other.append(line)
    if depths:
        print(
            f"waitress: requests waited for one of its 8 threads {len(depths)} time(s) "
            f"(queue up to {max(depths)} deep)"
        )
    for line in other[-20:]:
        print(f"server: {line}")


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def unlock(base: str, warmup: tuple[str, str]) -> None:
    """Unlock the served workspace once, then wait until its case index is built (a
    larger store is indexed in the background while the Records page says so)."""
    import requests

    session = requests.Session()
    start = time.perf_counter()
    response = session.post(
        f"{base}/unlock",
        data={"csrf_token": _token(session.get(f"{base}/unlock", timeout=60).text),
              "passphrase": PASSPHRASE},
        timeout=600,
    )  # fmt: skip
    if urllib.parse.urlparse(response.url).path != "/login":
        raise RuntimeError(f"unlock failed: {response.status_code} {response.url}")
    unlocked = time.perf_counter() - start
    response = session.post(
        f"{base}/login",
        data={"csrf_token": _token(response.text), "username": warmup[0], "password": warmup[1]},
        timeout=60,
    )
    if urllib.parse.urlparse(response.url).path == "/login":
        raise RuntimeError("the warm-up account could not sign in")
    while 'class="building"' in (page := session.get(f"{base}/records/", timeout=60).text):
        if time.perf_counter() - start > 600:
            raise RuntimeError("the case index was not built within 10 minutes")
        time.sleep(1)
    assert "/records/" in page
    print(
        f"server unlocked in {unlocked:.1f} s; case index built "
        f"{time.perf_counter() - start:.1f} s after the unlock began"
    )


def run_locust(base: str, folder: Path, plan: dict[str, Any], args: argparse.Namespace) -> Path:
    plan_file, samples = folder / "plan.json", folder / "samples.json"
    plan_file.write_text(json.dumps({**plan, "think": args.think}), encoding="utf-8")
    env = {
        **os.environ,
        "INTAKE_LOAD_PLAN": str(plan_file),
        "INTAKE_LOAD_SAMPLES": str(samples),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "scripts" / "locust_casedb.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.duration}s",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    with (folder / "locust.log").open("w", encoding="utf-8") as log:
        status = subprocess.run(  # noqa: S603
            command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode
    if status not in (0, 1):  # 1: some request failed (counted below)
        print((folder / "locust.log").read_text(encoding="utf-8")[-4000:])
        raise RuntimeError(f"locust ended with status {status}")
    return samples


def _p(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


Sample = tuple[str, float, bool]


def report(samples: list[Sample], seconds: float, heading: str) -> tuple[float, int]:
    """Print the figures per kind of request; the searching and reading p95 and errors."""
    kinds: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for name, millis, ok in samples:
        kinds.setdefault(name, []).append(millis)
        errors[name] = errors.get(name, 0) + (not ok)
    print(f"\n{heading}")
    print(f"{'request':<26} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name in sorted(kinds, key=lambda n: (n not in SIGN_IN, n)):
        times = kinds[name]
        print(
            f"{name:<26} {len(times):>6} {errors[name]:>6} {_p(times, 50):>8.0f} "
            f"{_p(times, 95):>8.0f} {max(times):>8.0f}"
        )
    work = [t for n, t, _ in samples if n not in SIGN_IN]
    if not work:
        print("no searching or reading request was made")
        return float("inf"), sum(errors.values())
    p95 = _p(work, 95)
    print(
        f"{'searching and reading':<26} {len(work):>6} "
        f"{sum(errors[n] for n in kinds if n not in SIGN_IN):>6} {_p(work, 50):>8.0f} "
        f"{p95:>8.0f} {max(work):>8.0f}   ({len(work) / seconds:.1f} requests/s)"
    )
    return p95, sum(errors.values())


def verdict(outcome: dict[str, Any], args: argparse.Namespace) -> bool:
    """Figures for the whole run and for the time after every user had signed in."""
    samples: list[tuple[str, float, bool, float]] = [tuple(s) for s in outcome["samples"]]  # type: ignore[misc]
    if not samples:
        print("no request was made")
        return False
    first, last = min(s[3] for s in samples), max(s[3] for s in samples)
    p95, failed = report(
        [s[:3] for s in samples], args.duration, f"whole run ({args.duration} s, sign-ins included)"
    )
    signed_in = max((s[3] for s in samples if s[0] in SIGN_IN), default=first)
    steady = [s[:3] for s in samples if s[3] > signed_in]
    if steady:
        report(
            steady,
            max(last - signed_in, 1e-9),
            f"after the last sign-in ({signed_in - first:.0f} s into the run; "
            f"{last - signed_in:.0f} s with all {args.users} users signed in)",
        )
    print(
        f"searches that listed at least one record: {outcome['with_results']} of "
        f"{outcome['searches']} (each searched name is a stored person's name in another "
        "spelling)"
    )
    met = p95 <= GOAL_P95_MS and failed == 0
    print(
        f"\n{args.users} coordinators, {args.duration} s, think time {args.think[0]:g}-"
        f"{args.think[1]:g} s, {args.records:,} records, PostgreSQL: searching and reading "
        f"p95 {p95:.0f} ms over the whole run, {failed} errors in all -> goal "
        f"(p95 <= {GOAL_P95_MS:.0f} ms, no errors) {'MET' if met else 'NOT MET'}"
    )
    return met


def _think(value: str) -> tuple[float, float]:
    low, _, high = value.partition("-")
    return float(low), float(high or low)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000, help="testimonies (default 10000)")
    parser.add_argument("--users", type=int, default=20, help="coordinators at once (default 20)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument(
        "--think",
        type=_think,
        default=(1.0, 3.0),
        metavar="LOW-HIGH",
        help="seconds each user waits between requests, drawn at random (default 1-3; 0 for none)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("INTAKE_BENCH_DATABASE_URL", ""),
        help="PostgreSQL server (default $INTAKE_BENCH_DATABASE_URL); a database of its own "
        "is created there and dropped afterwards",
    )
    args = parser.parse_args(argv)
    if not args.postgres:
        parser.error("give --postgres URL (or set INTAKE_BENCH_DATABASE_URL)")
    print(f"machine: {machine()}")
    print(f"load average before set-up: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as name, fresh_postgres(args.postgres, "load_casedb") as url:
        folder = Path(name)
        plan = set_up(url, folder, args.records, args.users)
        with server(folder, url) as base:
            unlock(base, plan["warmup"])
            before = os.getloadavg()
            samples_file = run_locust(base, folder, plan, args)
            after = os.getloadavg()
        server_log(folder)
        outcome = json.loads(samples_file.read_text(encoding="utf-8"))
    print(
        f"load average (1, 5, 15 min) before the run {before[0]:.2f} {before[1]:.2f} "
        f"{before[2]:.2f}, after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} "
        "(the machine is shared; the server, PostgreSQL and locust share its cores)"
    )
    met = verdict(outcome, args)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
