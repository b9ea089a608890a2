"""`intake records list` pages: --limit and --offset, filters on plaintext columns."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from click.testing import CliRunner
from sqlalchemy import update

from intake.cli import main
from intake.records.models import Testimony
from intake.records.services import Incoming, store_testimonies

from ..conftest import unlock
from .helpers import WORKED_EXAMPLE, load


def _stored(database, settings, count):  # type: ignore[no-untyped-def]
    keys = unlock(database, settings)
    with database.session() as session:
        documents = [Incoming(load(WORKED_EXAMPLE, fresh_id=True)) for _ in range(count)]
        ids = [str(i) for i in store_testimonies(session, keys, documents)]
        # received on successive days, newest last
        for age, record_id in enumerate(reversed(ids)):
            session.execute(
                update(Testimony)
                .where(Testimony.id == uuid.UUID(record_id))
                .values(received_on=date(2026, 1, 31) - timedelta(days=age))
            )
    return ids


def _listed(cli_obj, *args):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["records", "list", *args], obj=cli_obj)
    assert result.exit_code == 0, result.output
    return [line.split()[0] for line in result.output.splitlines() if "received" in line], result


def test_pages_newest_first(cli_obj, database, settings, casedb):
    ids = _stored(database, settings, 5)
    first, result = _listed(cli_obj, "--limit", "2")
    second, _ = _listed(cli_obj, "--limit", "2", "--offset", "2")
    assert first == [ids[4], ids[3]] and second == [ids[2], ids[1]]
    assert "records 1-2 of 5; next page: --offset 2" in result.output


def test_filters_by_received_day_and_state(cli_obj, database, settings, casedb):
    ids = _stored(database, settings, 4)
    with database.session() as session:
        session.execute(
            update(Testimony).where(Testimony.id == uuid.UUID(ids[0])).values(state="erased")
        )
    recent, _ = _listed(cli_obj, "--received-from", "2026-01-30")
    erased, _ = _listed(cli_obj, "--state", "erased")
    assert recent == [ids[3], ids[2]] and erased == [ids[0]]


def test_a_bad_limit_is_refused(cli_obj, casedb):
    result = CliRunner().invoke(main, ["records", "list", "--limit", "0"], obj=cli_obj)
    assert result.exit_code == 2
