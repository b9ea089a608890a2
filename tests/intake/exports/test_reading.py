"""How an export reads the case database: in bulk, each record checked as its page
checks it, a record that does not open left out and counted, never exported."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from intake.exports import services
from intake.exports.services import ExportRequest, preview_export
from intake.records import services as records
from intake.records.models import SECTIONS, TestimonySection
from intake.records.services import load_testimony

PARTNER = "Xinjiang Victims Database"


def _gathered(database, keys, grouping=None):  # type: ignore[no-untyped-def]
    with database.session() as session:
        request = ExportRequest(kind="victims", recipient=PARTNER).checked()
        groups = (grouping or services._person_groups)(session, keys)
        return services._gather(session, keys, request, groups, lambda *_: None)


def _as_exported(document: dict) -> dict:
    """A whole record as a victims export reads it: only the sections it is made from."""
    kept = set(services.sections_read("victims"))
    return {key: value for key, value in document.items() if key not in SECTIONS or key in kept}


def _preview(database, keys):  # type: ignore[no-untyped-def]
    with database.session() as session:
        return preview_export(
            session, keys, ExportRequest(kind="victims", recipient=PARTNER), actor=None
        )


def test_records_read_in_bulk_are_the_documents_the_record_page_reads(
    database, stored_corpus, corpus, monkeypatch
):
    # Given reads of five records at a time, and a person whose two records straddle
    # the boundary between two reads
    monkeypatch.setattr(records, "READ_BATCH", 5)
    ids = sorted(uuid.UUID(document["record_id"]) for document in corpus)

    def grouping(session, keys):  # type: ignore[no-untyped-def]
        return (
            [[record_id] for record_id in ids[:4]]
            + [[ids[4], ids[5]]]
            + [[record_id] for record_id in ids[6:]]
        )

    # When an export gathers them (none is read again one at a time: all open in bulk)
    one_at_a_time = []
    monkeypatch.setattr(
        records, "load_testimony", lambda *args, **kwargs: one_at_a_time.append(args)
    )
    gathered = _gathered(database, stored_corpus, grouping)
    monkeypatch.undo()
    assert one_at_a_time == []
    # Then every record is there once, in its person's group, as load_testimony reads
    # it, with the sections this kind of export reads
    read = {
        record_id: document
        for _, included in gathered.people
        for record_id, document, _ in included
    }
    assert sorted(read) == ids
    assert [len(included) for _, included in gathered.people].count(2) == 1
    with database.session() as session:
        for record_id, document in read.items():
            assert document == _as_exported(load_testimony(session, stored_corpus, record_id))


def test_a_tampered_record_is_left_out_and_counted_and_the_rest_exported(
    database, stored_corpus, corpus
):
    # Given someone with database access who swapped the victim sections of two records
    first, second = (uuid.UUID(document["record_id"]) for document in corpus[:2])
    with database.session() as session:

        def victim_of(record_id):  # type: ignore[no-untyped-def]
            return session.scalar(
                select(TestimonySection.ciphertext).where(
                    TestimonySection.testimony_id == record_id, TestimonySection.name == "victim"
                )
            )

        one, other = victim_of(first), victim_of(second)
        for record_id, blob in ((first, other), (second, one)):
            session.execute(
                update(TestimonySection)
                .where(
                    TestimonySection.testimony_id == record_id, TestimonySection.name == "victim"
                )
                .values(ciphertext=blob)
            )
    # When an export is previewed
    preview = _preview(database, stored_corpus)
    # Then both are left out as unreadable, and the others go
    assert preview.left_out.get("unreadable") == 2
    assert preview.records == len(corpus) - 2


def test_a_record_the_bulk_read_cannot_open_is_read_again_as_its_page_reads_it(
    database, stored_corpus, corpus, monkeypatch
):
    # Given a bulk read that could not open one record (under PostgreSQL a change
    # committed between two of its statements looks so), although the record is whole
    real = records.open_testimonies
    unlucky = uuid.UUID(corpus[3]["record_id"])

    def bulk(session, keys, ids, **options):  # type: ignore[no-untyped-def]
        return [
            item if item.testimony.id != unlucky else type(item)(item.testimony, None, None)
            for item in real(session, keys, ids, **options)
        ]

    monkeypatch.setattr(records, "open_testimonies", bulk)
    # When an export gathers the records
    gathered = _gathered(database, stored_corpus)
    # Then the record was read again the record page's way and is exported
    assert gathered.left_out == {}
    assert gathered.records == len(corpus)
    with database.session() as session:
        expected = _as_exported(load_testimony(session, stored_corpus, unlucky))
    assert any(
        record_id == unlucky and document == expected
        for _, included in gathered.people
        for record_id, document, _ in included
    )


def test_an_export_runs_with_the_cyclic_collector_paused(database, stored_corpus, monkeypatch):
    # Given a way to see the collector while each record's consent is read
    import gc

    seen: list[bool] = []
    real = services.allowance

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "allowance", watched)
    was = gc.isenabled()
    gc.enable()
    try:
        # When an export is previewed / Then the collector was off throughout, on after
        _preview(database, stored_corpus)
        assert seen and not any(seen)
        assert gc.isenabled()
    finally:
        if not was:
            gc.disable()
