"""Addenda: corrections to a sealed record, sealed to the organisation like a record."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

import crypto
from intake.interview.addenda import (
    AddendumInvalidError,
    check_addendum,
    new_addendum,
    seal_addendum,
)
from intake.records.attachments import unpack_payload
from intake.workspace.services import WrongRoleError

RECORD = uuid.UUID("5d0f3a62-8c1e-4b7a-9f24-1e6b3c8d7a01")
DAY = date(2020, 1, 15)
TEXT = "Она родилась в 1979 году, а не в 1980: информант поправила себя."  # noqa: RUF001


def test_an_addendum_names_the_record_the_day_and_the_corrected_fields():
    # Given a correction of the birth date and an episode's end
    paths = ["$.victim.birth_date", " $.episodes[2].end", "$.victim.birth_date"]
    # When the addendum is made
    addendum = new_addendum(RECORD, f"  {TEXT}\n", paths, DAY, author="interviewer-07")
    # Then it links to the record, keeps the words and each path once
    assert addendum["record_id"] == str(RECORD)
    assert addendum["addendum_version"] == "1.0.0"
    assert uuid.UUID(addendum["addendum_id"]) != RECORD
    assert addendum["written_on"] == "2020-01-15" and addendum["text"] == TEXT
    assert addendum["corrected_paths"] == ["$.victim.birth_date", "$.episodes[2].end"]
    assert addendum["author"] == "interviewer-07"


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("", ["$.victim"]),
        ("x" * 20001, []),
        ("right\u202eto left", []),
        (TEXT, ["$.secret_section"]),
        (TEXT, ["victim.names"]),
        (TEXT, ["$.victim.names[0]; DROP TABLE"]),
        (TEXT, ["$.schema_version"]),
        (TEXT, [f"$.episodes[{i}]" for i in range(51)]),
        (TEXT, ["$.victim.nonexistent"]),
        (TEXT, ["$.episodes[2].nothing"]),
        (TEXT, ["$.episodes.end"]),
        (TEXT, ["$.victim.birth_date[0]"]),
        (TEXT, ["$.coding.ilo_indicators.not_an_indicator"]),
    ],
)
def test_bad_addenda_are_refused(text, paths):
    # Given an empty or hostile correction / When it is made / Then it is refused
    with pytest.raises(AddendumInvalidError):
        new_addendum(RECORD, text, paths, DAY)


def test_a_station_seals_the_addendum_to_the_organisation(station, database):
    keys, identity = station
    addendum = new_addendum(RECORD, TEXT, ["$.victim.birth_date"], DAY)
    # When it is sealed at the station
    with database.session() as session:
        sealed = seal_addendum(session, keys, addendum)
    # Then the bytes hold nothing readable and only the organisation opens them
    assert TEXT.encode() not in sealed.sealed and b"1979" not in sealed.sealed
    opened, files = unpack_payload(crypto.open_sealed(sealed.sealed, [identity]))
    assert opened["addendum"] == addendum and files == {}
    assert sealed.record_id == RECORD and str(sealed.addendum_id) == addendum["addendum_id"]
    with pytest.raises(crypto.OpenError):
        crypto.open_sealed(sealed.sealed, [crypto.Identity.generate()])


def test_only_a_station_seals_addenda(casedb, database):
    addendum = new_addendum(RECORD, TEXT, [], DAY)
    with database.session() as session, pytest.raises(WrongRoleError):
        seal_addendum(session, casedb, addendum)


@pytest.mark.parametrize(
    "path",
    [
        "$.victim",
        "$.victim.birth_date.precision",
        "$.episodes[0].start.value",
        "$.victim.names[3].text",
        "$.labour[1].wages[0].amount",
        "$.coding.ilo_indicators.isolation",
        "$.consent.publish_victim_name",
        "$.episodes[0].facility.registry_id",
        "$.episodes[0].facility.free_text",
        "$.labour[0].facility.kind",
        "$.victim.status.likely_location.facility.free_text",
        "$.sources[0].description",
        "$.sources[0].kind",
        "$.sources[0].publication.title",
    ],
)
def test_fields_a_record_has_are_taken(path):
    assert new_addendum(RECORD, TEXT, [path], DAY)["corrected_paths"] == [path]


def test_a_received_addendum_is_not_judged_by_this_schema():
    # Given an addendum written elsewhere naming a field this schema does not have
    # (a station with another schema version) / When it is checked as received
    # Then it is taken: the correction's words are what the coordinator reads
    addendum = new_addendum(RECORD, TEXT, ["$.victim.birth_date"], DAY)
    addendum["corrected_paths"] = ["$.victim.former_field"]
    assert check_addendum(addendum)["corrected_paths"] == ["$.victim.former_field"]
