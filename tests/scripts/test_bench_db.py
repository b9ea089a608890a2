"""The benchmarks' database helpers (scripts/bench_db.py)."""

import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from bench_db import server_cpu


@pytest.mark.postgres
def test_server_cpu_counts_the_work_of_the_server_process_serving_the_session(postgres_url):
    engine = create_engine(postgres_url)
    try:
        with Session(engine) as session:
            seconds = server_cpu(session)
            if seconds is None:
                pytest.skip("the PostgreSQL server in INTAKE_TEST_DATABASE_URL is not local")
            before, started = seconds(), time.perf_counter()
            # Work done by the server alone: this process only waits for one row.
            session.execute(text("SELECT count(*) FROM generate_series(1, 3000000)")).one()
            after, took = seconds(), time.perf_counter() - started
    finally:
        engine.dispose()
    # The server's CPU during the query: some ticks of it (it does all the work), and
    # never more than the time the query took (a tick of rounding aside), whatever
    # else the machine is doing.
    assert 0.02 <= after - before <= took + 0.01


def test_server_cpu_is_none_for_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    try:
        with Session(engine) as session:
            assert server_cpu(session) is None
    finally:
        engine.dispose()
