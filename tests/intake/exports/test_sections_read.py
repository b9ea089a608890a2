"""An export decrypts only the record sections it is made from, and what it makes from
them is what it would make from whole records."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from intake.exports import esf, formats, services, stats
from intake.exports.consent import EXPORT_KINDS
from intake.exports.services import ExportRequest, preview_export
from intake.progress import no_progress
from intake.records import services as records
from intake.records.models import SECTIONS

from .conftest import FIXTURES, store

PARTNER = "Xinjiang Victims Database"
#: Consent to everything any export can carry: every path of every exporter runs.
_EVERYTHING = {
    "to_record": True,
    "share_with_partner_databases": True,
    "publish_victim_name": True,
    "publish_testifier_name": True,
    "identity_level": "full",
    "photo_use": "publish",
    "items_withheld": [],
    "withdrawal": None,
    "research_use": True,
    "location_level": "full",
}


def _open_records() -> list[dict[str, Any]]:
    """Every valid example record (one with a photo among its sources), each with
    consent to everything."""
    documents = []
    for path in sorted(FIXTURES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["consent"] = dict(_EVERYTHING)
        documents.append(document)
    assert any(
        source.get("kind") == "photo"
        for document in documents
        for source in document.get("sources") or []
    )
    return documents


def _watch_sections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the record sections decrypted from now on, as they are."""
    opened: list[str] = []
    real = records.decrypt_fields

    def watched(key, namespace, record_id, envelopes):  # type: ignore[no-untyped-def]
        envelopes = list(envelopes)
        if namespace == records._SECTION_NAMESPACE:
            opened.extend(name for name, _ in envelopes)
        return real(key, namespace, record_id, envelopes)

    monkeypatch.setattr(records, "decrypt_fields", watched)
    return opened


def _built(database: Any, keys: Any, kind: str) -> tuple[int, Any]:
    """How many records an export of ``kind`` takes, and what it makes of them (for
    research the rows before the anonymity check, which five records cannot pass)."""
    with database.session() as session:
        request, gathered = services._start(
            session, keys, ExportRequest(kind=kind, recipient=PARTNER), None, no_progress
        )
    make = services._pseudonyms(keys, request)
    if kind == "research":
        rows, _people = services._research_rows(gathered, request, make)
        return gathered.records, rows
    if kind == "esf":
        return gathered.records, formats.to_json(
            esf.build_esf(services._contributions(gathered, make))
        )
    return gathered.records, [
        services._victims_file(gathered, replace(request, format=chosen), make)
        for chosen in ("json", "csv")
    ]


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_an_export_decrypts_only_the_sections_it_is_made_from(database, casedb, monkeypatch, kind):
    # Given records with a narrative, links, interventions and consent to everything
    documents = _open_records()
    store(database, casedb, documents)
    assert any(document.get("narrative") for document in documents)
    # When an export of this kind is previewed, with every section decryption watched
    opened = _watch_sections(monkeypatch)
    with database.session() as session:
        preview = preview_export(
            session, casedb, ExportRequest(kind=kind, recipient=PARTNER), actor=None
        )
    # Then every record was read, and no section outside the export's own was decrypted
    assert preview.records == len(documents)
    assert set(opened) == set(services.sections_read(kind))
    assert not {"narrative", "links", "interventions"} & set(opened)


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_an_export_made_from_its_sections_is_the_one_made_from_whole_records(
    database, casedb, monkeypatch, kind
):
    # Given records using every field an exporter reads, with consent to everything
    documents = _open_records()
    store(database, casedb, documents)
    # When the export is made from its own sections, then from whole records
    taken, narrow = _built(database, casedb, kind)
    monkeypatch.setattr(services, "sections_read", lambda kind: SECTIONS)
    taken_whole, whole = _built(database, casedb, kind)
    # Then it took every record both times and made the same of them
    assert taken == taken_whole == len(documents)
    assert narrow == whole


def test_statistics_decrypt_only_what_they_count_and_count_as_from_whole_records(
    database, casedb, monkeypatch
):
    # Given records with every section filled in
    documents = _open_records()
    store(database, casedb, documents)
    # When the statistics are counted, with every section decryption watched
    opened = _watch_sections(monkeypatch)
    with database.session() as session:
        counted = stats.count_documents(stats.stored_documents(session, casedb))
    # Then only the sections counted were decrypted
    assert set(opened) == set(stats.SECTIONS_COUNTED)
    # And the counts are those of the whole records
    monkeypatch.setattr(stats, "SECTIONS_COUNTED", SECTIONS)
    with database.session() as session:
        whole = stats.count_documents(stats.stored_documents(session, casedb))
    assert counted == whole
    assert counted.wage_bins and counted.indicator_present and counted.tables["facility"]


def test_a_record_read_again_after_the_bulk_read_also_opens_only_the_export_sections(
    database, casedb, monkeypatch
):
    # Given a bulk read that could not open one record (under PostgreSQL a change
    # committed between two of its statements looks so), although the record is whole
    documents = _open_records()
    store(database, casedb, documents)
    real = records.open_testimonies
    unlucky = documents[0]["record_id"]

    def bulk(session, keys, ids, **options):  # type: ignore[no-untyped-def]
        return [
            item if str(item.testimony.id) != unlucky else type(item)(item.testimony, None, None)
            for item in real(session, keys, ids, **options)
        ]

    monkeypatch.setattr(records, "open_testimonies", bulk)
    # When a research export reads the records, every section decryption watched
    opened = _watch_sections(monkeypatch)
    with database.session() as session:
        _request, gathered = services._start(
            session, casedb, ExportRequest(kind="research", recipient=PARTNER), None, no_progress
        )
    # Then the record read again is there, and still only research's sections opened
    assert gathered.records == len(documents)
    assert set(opened) == set(services.sections_read("research"))


def test_a_section_name_that_is_no_section_is_refused(database, casedb):
    store(database, casedb, _open_records()[:1])
    with database.session() as session, pytest.raises(ValueError, match="labor"):
        list(records.read_documents(session, casedb, [], sections=("victim", "labor")))
