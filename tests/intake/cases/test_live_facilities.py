"""A facility merged or edited at the case database is followed by the record page,
the Records filter, the same-person queue, the statistics and the research export,
while records keep the id they were stored with.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from intake.cases.persons import facilities as facilities_of
from intake.cases.persons import review_queue
from intake.exports import stats
from intake.exports.services import ExportRequest
from intake.facilities import services as facilities

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
    # And a link made before the merge, naming the merged entry, finds the same two
    old_link = coordinator.get(f"/records/?facility={MERGED}").get_data(as_text=True)
    assert "Records matching: 2" in old_link
    # And the facility holds with the other episode filters for the same episode: the
    # factory work was there, no prison was
    work = coordinator.get(f"/records/?facility={KEPT}&kind=assigned_factory_work")
    prison = coordinator.get(f"/records/?facility={KEPT}&kind=prison")
    assert "Records matching: 2" in work.get_data(as_text=True)
    assert "Records matching: 0" in prison.get_data(as_text=True)


def test_the_record_page_names_the_facility_as_the_registry_does_now(
    coordinator, database, settings
):
    (at_merged,) = store(database, settings, _at(MERGED))
    _merge_and_rename(database, settings)
    page = coordinator.get(f"/records/{at_merged}").get_data(as_text=True)
    # (The labour entry's own words, "Jiafang Industrial Park", stay as typed.)
    assert KEPT_NAME in page


def test_the_same_person_queue_sees_one_facility(coordinator, database, settings):
    # Given the same woman's testimony twice, one naming each facility, then merged
    at_merged, at_kept = store(database, settings, _at(MERGED), _at(KEPT))
    keys = unlock(database, settings)
    with database.session() as session:
        (before,) = review_queue(session, keys, actor=None)
    _merge_and_rename(database, settings)
    # When the queue is read / Then the pair shares the kept facility, named as now
    with database.session() as session:
        (after,) = review_queue(session, keys, actor=None)
    assert before.facilities == ()
    assert [f for f, _, _ in after.facilities] == [KEPT]
    page = coordinator.get("/persons/queue").get_data(as_text=True)
    assert f"<bdi>{KEPT_NAME}</bdi>" in page
    assert {at_merged, at_kept} == {str(after.a.record_id), str(after.b.record_id)}


def test_a_testimony_naming_both_merged_entries_keeps_each_episodes_years():
    document = _at(KEPT)
    document["episodes"][0]["facility"] = {"registry_id": MERGED}
    merges = {MERGED: KEPT}
    found = facilities_of(document, merges)
    assert list(found) == [KEPT] and ", " in found[KEPT]


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
    # And a testimony naming both entries is one testimony under the kept one
    both = _at(KEPT)
    both["episodes"][0]["facility"] = {"registry_id": MERGED}
    assert stats.count_documents([both], merges).tables["facility"] == {KEPT: 1}
    assert stats.count_documents([both]).tables["facility"] == {KEPT: 1, MERGED: 1}


def test_the_statistics_page_names_the_kept_facility(app, database, settings):
    from ..conftest import _signed_in_client

    client = _signed_in_client(app, database, settings, "casedb", "coordinator")
    store(database, settings, *[_at(MERGED) for _ in range(5)])
    _merge_and_rename(database, settings)
    keys = unlock(database, settings)
    with database.session() as session:
        built = stats.build_statistics(session, keys)
    # Then the five testimonies naming the merged entry are five under the kept one
    (row,) = [row for row in built.tables["facility"] if row.code == KEPT]
    assert row.cell.state == stats.SHOWN and row.cell.value == 5
    # And the page names it as it is now, and never by the merged entry's name
    page = client.get("/stats/").get_data(as_text=True)
    assert KEPT_NAME in page and "Jiafang" not in page


def test_the_research_export_gives_the_kept_facilitys_kind(database, settings, casedb):
    import csv
    import io
    import zipfile

    from intake.exports.services import write_export

    # Given six testimonies naming the merged entry (k = 6; two statuses, l = 2)
    documents = [_at(MERGED) for _ in range(6)]
    for document in documents[:3]:
        document["victim"]["status"]["code"] = "released"
    store(database, settings, *documents)
    _merge_and_rename(database, settings)
    # When the research data are written
    keys = unlock(database, settings)
    with database.session() as session:
        exported = write_export(
            session,
            keys,
            ExportRequest(kind="research", recipient="University team"),
            actor=None,
            recipients=[],
            allow_plain=True,
        )
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("episodes.csv").decode("utf-8"))))
    kinds = {row["facility_kind"] for row in rows if row["kind"] == "assigned_factory_work"}
    # Then the bundled registry's "industrial park" gave way to the kept entry's kind
    assert kinds == {"factory"}
