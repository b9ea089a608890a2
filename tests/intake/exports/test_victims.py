"""Victim-database entries: one per person, consent-limited, only the partner's fields."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from intake.exports.services import ExportRequest, preview_export, write_export
from tests.intake.exports.conftest import public_examples, store

PARTNER = "Xinjiang Victims Database"


def _export(database, keys, **options):  # type: ignore[no-untyped-def]
    grouping = options.pop("grouping", None)
    with database.session() as session:
        return write_export(
            session,
            keys,
            ExportRequest(kind="victims", recipient=PARTNER, **options),
            actor=None,
            recipients=[],
            allow_plain=True,
            grouping=grouping,
        )


def test_records_grouped_as_one_person_make_one_entry_listing_each_testimony(
    database, stored_corpus, corpus
):
    # Given a grouping that says the first two records are about the same person
    first, second = corpus[0]["record_id"], corpus[1]["record_id"]

    def grouping(session, keys):  # type: ignore[no-untyped-def]
        from intake.exports.services import _person_groups

        rest = [g for g in _person_groups(session, keys) if str(g[0]) not in (first, second)]
        import uuid

        return [[uuid.UUID(first), uuid.UUID(second)], *rest]

    # When the victims export is written
    exported = _export(database, stored_corpus, format="json", grouping=grouping)
    entries = json.loads(exported.data)["entries"]
    # Then there is one entry fewer than records, and the merged one lists both
    assert len(entries) == len(corpus) - 1
    merged = [entry for entry in entries if len(entry["testimonies"]) == 2]
    assert len(merged) == 1
    assert {"Zhanbolat Seitqazyuly-0", "Zhanbolat Seitqazyuly-1"} <= set(merged[0]["names_latin"])
    assert exported.preview.people == len(corpus) - 1
    assert exported.preview.records == len(corpus)


def test_original_script_names_stand_beside_latin_ones(database, stored_corpus):
    entries = json.loads(_export(database, stored_corpus, format="json").data)["entries"]
    entry = next(e for e in entries if "Zhanbolat Seitqazyuly-3" in e["names_latin"])
    assert "Жанболат Сейтқазыұлы-3 (Cyrl)" in entry["names_original"]
    assert "努尔兰·吐尔逊3 (Hans)" in entry["names_original"]


def test_public_examples_without_partner_consent_are_left_out_and_counted(database, casedb):
    # Given the public worked examples (only one consents to partner sharing)
    store(database, casedb, public_examples())
    with database.session() as session:
        preview = preview_export(
            session, casedb, ExportRequest(kind="victims", recipient=PARTNER), actor=None
        )
    # Then the preview counts the records left out and why
    assert preview.left_out == {"no_partner_sharing": 3}
    assert preview.records == 0 and preview.people == 0


def test_fields_limited_by_consent_are_absent(database, casedb, corpus):
    # Given a record with partial identity, no name publication and no place
    record = corpus[0]
    record["consent"].update(
        identity_level="partial", publish_victim_name=False, location_level="none"
    )
    store(database, casedb, [record])
    entry = json.loads(_export(database, casedb, format="json").data)["entries"][0]
    # Then names and places are not in the entry at all
    for absent in ("names_latin", "names_original", "likely_place_of_origin"):
        assert absent not in entry
    assert "Seitqazyuly" not in json.dumps(entry, ensure_ascii=False)
    assert "Ili" not in json.dumps(entry)
    assert entry["gender"] == "Female"


def test_a_field_the_partner_does_not_take_is_left_out(database, stored_corpus):
    # Given a partner taking only three fields
    exported = _export(
        database, stored_corpus, format="csv", fields=("entry", "status", "first_detained")
    )
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8"))))
    # Then the CSV has exactly those columns
    assert list(rows[0]) == ["entry", "first_detained", "status"]
    assert exported.preview.fields == ["entry", "first_detained", "status"]


def test_xlsx_holds_the_same_entries(database, stored_corpus, corpus):
    exported = _export(database, stored_corpus, format="xlsx")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "entry"
    assert len(rows) == len(corpus) + 1


def test_csv_cells_cannot_run_as_spreadsheet_formulas(database, casedb, corpus):
    record = corpus[0]
    record["victim"]["names"][1]["text"] = "=HYPERLINK(1)"
    store(database, casedb, [record])
    text = _export(database, casedb, format="csv").data.decode("utf-8")
    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize(
    ("kind", "more", "less"),
    [
        # a named testimony beside an anonymous one
        ("victims", {}, {"identity_level": "anonymous", "publish_victim_name": False}),
        # full identity beside partial
        (
            "victims",
            {"publish_victim_name": False},
            {"identity_level": "partial", "publish_victim_name": False},
        ),
        # the victim's names allowed beside full identity without them
        ("victims", {}, {"publish_victim_name": False}),
        # the same rule in the HURIDOCS export
        ("esf", {}, {"identity_level": "anonymous", "publish_victim_name": False}),
    ],
)
def test_a_testimony_allowing_less_identification_stays_out_of_the_persons_entry(
    database, casedb, corpus, kind, more, less
):
    import uuid

    # Given two testimonies about the same person, the second allowing less
    # identification than the first
    first, second = corpus[0], corpus[1]
    first["consent"].update(more)
    second["consent"].update(less)
    store(database, casedb, [first, second])

    def grouping(session, keys):  # type: ignore[no-untyped-def]
        return [[uuid.UUID(first["record_id"]), uuid.UUID(second["record_id"])]]

    # When the export is written
    with database.session() as session:
        exported = write_export(
            session,
            casedb,
            ExportRequest(kind=kind, recipient=PARTNER, format="json"),
            actor=None,
            recipients=[],
            allow_plain=True,
            grouping=grouping,
        )
    # Then only the first testimony makes the person's entry
    text = exported.data.decode("utf-8")
    if kind == "victims":
        (entry,) = json.loads(text)["entries"]
        assert len(entry["testimonies"]) == 1
    # And nothing told only by the second (its victim's name variant) is in the file
    assert "Seitqazyuly-1" not in text and "Сейтқазыұлы-1" not in text
    # And the preview counts the one left out, and why
    assert exported.preview.left_out == {"less_identified_than_linked": 1}
    assert exported.preview.records == 1 and exported.preview.people == 1


def test_testimonies_allowing_the_same_identification_still_make_one_entry(
    database, casedb, corpus
):
    import uuid

    # Given two anonymous testimonies about the same person
    first, second = corpus[0], corpus[1]
    for record in (first, second):
        record["consent"].update(identity_level="anonymous", publish_victim_name=False)
    store(database, casedb, [first, second])

    def grouping(session, keys):  # type: ignore[no-untyped-def]
        return [[uuid.UUID(first["record_id"]), uuid.UUID(second["record_id"])]]

    (entry,) = json.loads(_export(database, casedb, format="json", grouping=grouping).data)[
        "entries"
    ]
    # Then both make the one entry, without names
    assert len(entry["testimonies"]) == 2 and "names_latin" not in entry
