"""A facility merged or edited at the case database is followed by the record page,
the Records filter, the same-person queue, the statistics and the research export,
while records keep the id they were stored with.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from intake.cases.persons import compare_records
from intake.exports import stats
from intake.exports.services import ExportRequest, _gather, _research_rows
from intake.facilities import services as facilities
from intake.records.services import load_testimony

from ..conftest import unlock
from .conftest import store, worked

MERGED, KEPT = "jiafang_industrial_park", "kunshan_industrial_park_artux"
KEPT_NAME = "Kunshan Industrial Park (as verified)"
ACTOR = uuid.uuid4()


def _at(facility_id: str) -> dict:
    """The worked example, its factory episode (e4) and labour entry at ``facility_id``."""
    document = worked()
    for item in (*document["episodes"], *document["labour"]):
        if item.get("facility", {}).get("registry_id") == MERGED:
            item["facility"]["registry_id"] = facility_id
    document["consent"]["research_use"] = True
    return document


def _merge_and_rename(database, settings) -> None:
    """Jiafang merged into the Kunshan park, whose English name and kind are edited."""
    keys = unlock(database, settings)
    with database.session() as session:
        kept = facilities.find_facility(session, KEPT)
        edited = replace(kept, names={**kept.names, "en": KEPT_NAME}, kind="factory")
        facilities.save_facility(session, keys, edited, new=False, actor=ACTOR)
    with database.session() as session:
        facilities.merge_facilities(session, keys, MERGED, KEPT, actor=ACTOR)


def test_the_records_filter_finds_a_merged_facility_under_the_kept_one(
    coordinator, database, settings
):
    # Given a record at each of two facilities, then one merged into the other
    at_merged, at_kept = store(database, settings, _at(MERGED), _at(KEPT))
    _merge_and_rename(database, settings)
    # When the Records page is filtered to the kept facility
    page = coordinator.get(f"/records/?facility={KEPT}").get_data(as_text=True)
    # Then both records are found, and the choices name the kept entry as it is now
    assert at_merged in page and at_kept in page
    assert "Records matching: 2" in page
    assert KEPT_NAME in page and f'value="{MERGED}"' not in page


def test_the_record_page_names_the_facility_as_the_registry_does_now(
    coordinator, database, settings
):
    (at_merged,) = store(database, settings, _at(MERGED))
    _merge_and_rename(database, settings)
    page = coordinator.get(f"/records/{at_merged}").get_data(as_text=True)
    # (The labour entry's own words, "Jiafang Industrial Park", stay as typed.)
    assert KEPT_NAME in page


def test_the_same_person_queue_sees_one_facility(database, settings, casedb):
    at_merged, at_kept = store(database, settings, _at(MERGED), _at(KEPT))
    _merge_and_rename(database, settings)
    keys = unlock(database, settings)
    with database.session() as session:
        doc_a = load_testimony(session, keys, uuid.UUID(at_merged))
        doc_b = load_testimony(session, keys, uuid.UUID(at_kept))
        merges = facilities.merge_map(session)
    ids = uuid.UUID(at_merged), uuid.UUID(at_kept)
    assert [f for f, _, _ in compare_records(*ids, doc_a, doc_b, merges).facilities] == [KEPT]
    assert compare_records(*ids, doc_a, doc_b).facilities == ()


def test_statistics_count_a_merged_facility_as_the_kept_one(database, settings, casedb):
    documents = [_at(MERGED), _at(KEPT)]
    store(database, settings, *documents)
    _merge_and_rename(database, settings)
    keys = unlock(database, settings)
    with database.session() as session:
        merges = facilities.merge_map(session)
        built = stats.build_statistics(session, keys)
    # Each testimony is counted once, under the kept facility; the merged id is no row
    counts = stats.count_documents(documents, merges)
    assert counts.tables["facility"] == {KEPT: 2}
    assert MERGED not in stats.reference_codes(merges)["facility"]
    assert MERGED not in [row.code for row in built.tables["facility"]]
    assert KEPT in [row.code for row in built.tables["facility"]]


def test_the_statistics_page_names_the_kept_facility(app, database, settings):
    from ..conftest import _signed_in_client

    client = _signed_in_client(app, database, settings, "casedb", "coordinator")
    store(database, settings, *[_at(MERGED) for _ in range(5)])
    _merge_and_rename(database, settings)
    page = client.get("/stats/").get_data(as_text=True)
    assert KEPT_NAME in page


def test_the_research_export_gives_the_kept_facilitys_kind(database, settings, casedb):
    store(database, settings, _at(MERGED))
    _merge_and_rename(database, settings)
    keys = unlock(database, settings)
    request = ExportRequest(kind="research", recipient="University team").checked()
    with database.session() as session:
        groups = [[record_id] for record_id in _all_ids(session)]
        gathered = _gather(session, keys, request, groups, lambda done, total: None)
    rows, _people = _research_rows(gathered, request, lambda what, value: f"{what}:{value}")
    kinds = {
        row["facility_kind"] for row in rows.episodes if row["kind"] == "assigned_factory_work"
    }
    # The bundled registry calls Jiafang an industrial park; the kept entry is a factory
    assert kinds == {"factory"}


def _all_ids(session) -> list[uuid.UUID]:
    from sqlalchemy import select

    from intake.records.models import Testimony

    return list(session.scalars(select(Testimony.id)))
