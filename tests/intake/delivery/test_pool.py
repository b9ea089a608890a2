"""Large imports: records opened, checked and encrypted by a pool of worker processes."""

from __future__ import annotations

import gc
import itertools
import uuid
from multiprocessing import get_context

import pytest

from intake.delivery import services
from intake.records.models import Testimony
from intake.records.services import load_provenance, load_testimony

from ...crypto import agefile
from ..records.helpers import WORKED_EXAMPLE, load
from .conftest import counts, make_bundle, payload_of, seal_documents, seal_raw


def import_with_pool(casedb, data: bytes) -> services.ImportResult:
    with casedb.database.session() as session:
        return services.import_bundle(session, casedb.keys, data, workers=2)


@pytest.fixture(params=["fork", "spawn"])
def pool(request, monkeypatch) -> str:
    """Every bundle of two or more new records goes to a pool started this way."""
    monkeypatch.setattr(services, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(services, "_pool_context", lambda: get_context(request.param))
    return str(request.param)


def test_a_pool_stores_every_record_as_sent(casedb_side, station_side, pool):
    # Given five sealed records in one bundle
    documents = seal_documents(station_side, 5)
    # When imported by a pool of two workers
    result = import_with_pool(casedb_side, make_bundle(station_side))
    # Then every record reads back exactly, with its provenance, and no key stays behind
    assert sorted(map(str, result.stored)) == sorted(d["record_id"] for d in documents)
    with casedb_side.database.session() as session:
        for document in documents:
            record_id = uuid.UUID(document["record_id"])
            assert load_testimony(session, casedb_side.keys, record_id) == document
            testimony = session.get(Testimony, record_id)
            provenance = load_provenance(session, casedb_side.keys, testimony)
            assert provenance is not None
            assert provenance["bundle_id"] == str(result.bundle_id)
    assert services._worker_job is None and not services._worker_items


def test_a_record_refused_in_a_worker_leaves_nothing_imported(casedb_side, station_side, pool):
    # Given good records and one that fails validation, in one bundle
    seal_documents(station_side, 3)
    bad = load(WORKED_EXAMPLE, fresh_id=True)
    del bad["victim"]
    recipient = casedb_side.keys.identity.recipient
    seal_raw(station_side, uuid.UUID(bad["record_id"]), payload_of(bad), recipient)
    # When imported by a pool / Then it is refused with the record's problems
    with pytest.raises(services.BundleRecordError) as caught:
        import_with_pool(casedb_side, make_bundle(station_side))
    assert bad["record_id"] in str(caught.value)
    assert any("victim" in problem for problem in caught.value.problems)
    # And nothing was imported
    assert counts(casedb_side) == (0, 0)


def test_a_forked_pool_is_not_used_beside_other_threads(monkeypatch) -> None:
    # Given the only thread / Then workers are forked
    monkeypatch.setattr(services.threading, "active_count", lambda: 1)
    assert services._pool_context().get_start_method() == "fork"
    # Given another thread running / Then workers start as fresh interpreters
    monkeypatch.setattr(services.threading, "active_count", lambda: 2)
    assert services._pool_context().get_start_method() == "spawn"


LAST_ID = "ffffffff-ffff-4fff-bfff-ffffffffffff"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_record_refused_after_stored_batches_leaves_nothing_imported(
    casedb_side, station_side, monkeypatch, workers
):
    # Given batches of one record, and a bundle whose last record fails validation
    monkeypatch.setattr(services, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(services, "MIN_CHUNK", 1)
    monkeypatch.setattr(services, "MAX_CHUNK", 1)
    seal_documents(station_side, 3)
    bad = load(WORKED_EXAMPLE)
    bad["record_id"] = LAST_ID  # listed last: the outbox is in id order within a day
    del bad["victim"]
    recipient = casedb_side.keys.identity.recipient
    seal_raw(station_side, uuid.UUID(LAST_ID), payload_of(bad), recipient)
    written: list[int] = []
    add = services.EncryptedWriter.add_ready

    def counted_add(writer, records, **options):
        written.append(len(records))
        add(writer, records, **options)

    monkeypatch.setattr(services.EncryptedWriter, "add_ready", counted_add)
    # When imported
    with pytest.raises(services.BundleRecordError) as caught, casedb_side.database.session() as s:
        services.import_bundle(s, casedb_side.keys, make_bundle(station_side), workers=workers)
    # Then the good records were written in their batches before the refusal
    assert written == [1, 1, 1]
    assert LAST_ID in str(caught.value)
    # And the transaction rolled back: nothing was imported
    assert counts(casedb_side) == (0, 0)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_collector_is_on_again_after_an_import_stored_or_refused(
    casedb_side, station_side, monkeypatch
):
    # Given the collector on, and an import that watches it while storing
    seen: list[bool] = []
    add = services.EncryptedWriter.add_ready

    def watched_add(writer, records, **options):
        seen.append(gc.isenabled())
        add(writer, records, **options)

    monkeypatch.setattr(services.EncryptedWriter, "add_ready", watched_add)
    seal_documents(station_side, 2)
    assert gc.isenabled()
    # When a bundle is imported / Then the collector was off while storing, on after
    import_with_pool(casedb_side, make_bundle(station_side))
    assert seen == [False] and gc.isenabled()
    # When a bundle is refused (a replay) / Then the collector is on after
    with pytest.raises(services.ReplayedBundleError):
        import_with_pool(casedb_side, _replayed(casedb_side, station_side))
    assert gc.isenabled()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_collector_stays_off_if_it_was_off(casedb_side, station_side):
    # Given the collector turned off by the caller
    seal_documents(station_side, 1)
    gc.disable()
    try:
        # When a bundle is imported / Then it is still off after
        import_with_pool(casedb_side, make_bundle(station_side))
        assert not gc.isenabled()
    finally:
        gc.enable()


def _replayed(casedb_side, station_side) -> bytes:
    """The bundle last made at the station again, after it was imported."""
    seal_documents(station_side, 1)
    data = make_bundle(station_side)
    import_with_pool(casedb_side, data)
    return data


def test_an_armored_bundle_is_imported_whole(casedb_side, station_side, pool):
    # Given a bundle put in ASCII armor on the way (age -a)
    documents = seal_documents(station_side, 4)
    data = agefile.armored(make_bundle(station_side))
    # When imported by a pool / Then every record is stored as sent
    result = import_with_pool(casedb_side, data)
    assert sorted(map(str, result.stored)) == sorted(d["record_id"] for d in documents)
    with casedb_side.database.session() as session:
        for document in documents:
            record_id = uuid.UUID(document["record_id"])
            assert load_testimony(session, casedb_side.keys, record_id) == document


@pytest.mark.parametrize("total", [1, 15, 400, 1000, 10_000, 100_003])
@pytest.mark.parametrize("workers", [2, 4])
def test_tasks_cover_every_record_once_and_shrink_towards_the_end(total, workers) -> None:
    # When an import's records are cut into tasks
    bounds = services.task_bounds(total, workers)
    # Then the tasks run from the first record to the last, without gap or overlap
    assert bounds[0][0] == 0 and bounds[-1][1] == total
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(bounds))
    sizes = [end - start for start, end in bounds]
    # And no task is larger than MAX_CHUNK, and none but the last smaller than MIN_CHUNK
    assert max(sizes) <= services.MAX_CHUNK
    assert min(sizes[:-1], default=services.MIN_CHUNK) >= services.MIN_CHUNK
    # And sizes never grow, so the last tasks are small: a worker left alone at the end
    # of a large import waits for MIN_CHUNK records, not MAX_CHUNK
    assert sizes == sorted(sizes, reverse=True)
    if total >= 1000:
        assert sizes[-2] == services.MIN_CHUNK
