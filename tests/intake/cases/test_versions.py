"""Coding and corrections make versions: the old ciphertext is kept, the change is
recorded, the difference is readable, and the record still validates.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from intake.audit.services import list_events
from intake.cases import versions
from intake.records import services
from intake.records.models import TestimonyVersion

from .helpers import coded, stored_record

ACTOR = uuid.uuid4()


def _change(database, keys, record_id, section, value, revision=0, reason="Read the wage note"):
    with database.session() as session:
        return versions.change_section(
            session,
            keys,
            record_id,
            section,
            value,
            loaded_revision=revision,
            reason=reason,
            actor=ACTOR,
            actor_name="coordinator-1",
        )


def test_coding_an_indicator_makes_a_version_with_a_readable_difference(database, casedb):
    # Given a stored record
    record_id = stored_record(database, casedb)
    with database.session() as session:
        document = services.load_testimony(session, casedb, record_id)
    # When a coordinator codes withholding of wages as present
    revision = _change(database, casedb, record_id, "coding", coded(document))
    # Then the record reads back with the new coding at revision 1
    with database.session() as session:
        opened = versions.open_for_edit(session, casedb, record_id)
        changes = versions.history(session, casedb, record_id)
    assert revision == opened.revision == 1
    status = opened.document["coding"]["ilo_indicators"]["withholding_of_wages"]["status"]
    assert status == "present"
    # And the history says who, why and what changed
    (change,) = changes
    assert (change.section, change.number, change.account_name) == ("coding", 1, "coordinator-1")
    assert change.reason == "Read the wage note"
    lines = {(d.path, d.before, d.after) for d in change.differences}
    assert ("ilo_indicators.withholding_of_wages.status", "—", "present") in lines


def test_a_second_change_shows_absent_to_present(database, casedb):
    record_id = stored_record(database, casedb)
    with database.session() as session:
        document = services.load_testimony(session, casedb, record_id)
    _change(database, casedb, record_id, "coding", coded(document, "absent"))
    _change(database, casedb, record_id, "coding", coded(document, "present"), revision=1)
    with database.session() as session:
        newest, oldest = versions.history(session, casedb, record_id)
    assert (newest.number, oldest.number) == (2, 1)
    assert [(d.path, d.before, d.after) for d in newest.differences] == [
        ("ilo_indicators.withholding_of_wages.status", "absent", "present")
    ]


def test_a_correction_that_breaks_the_record_is_refused(database, casedb):
    # Given a stored record / When the victim's status is given a code that does not exist
    record_id = stored_record(database, casedb)
    with database.session() as session:
        victim = services.load_testimony(session, casedb, record_id)["victim"]
    victim["status"]["code"] = "no_such_status"
    with pytest.raises(services.RecordInvalidError):
        _change(database, casedb, record_id, "victim", victim)
    # Then nothing was written
    with database.session() as session:
        assert versions.open_for_edit(session, casedb, record_id).revision == 0
        assert session.scalars(select(TestimonyVersion)).first() is None


def test_an_unchanged_section_makes_no_version(database, casedb):
    record_id = stored_record(database, casedb)
    with database.session() as session:
        victim = services.load_testimony(session, casedb, record_id)["victim"]
    with pytest.raises(versions.NothingChangedError):
        _change(database, casedb, record_id, "victim", victim)


def test_a_change_is_audited_with_the_section_and_no_content(database, casedb):
    record_id = stored_record(database, casedb)
    with database.session() as session:
        document = services.load_testimony(session, casedb, record_id)
    _change(database, casedb, record_id, "coding", coded(document), reason="secret reason")
    with database.session() as session:
        events = [e for e in list_events(session, casedb) if e.action == "record.write"]
    assert events[0].record_id == str(record_id)
    assert events[0].details == {"section": "coding"}
    assert "secret reason" not in repr(events)


def test_differences_name_each_changed_leaf():
    before = {"a": {"b": "x", "c": [1, 2]}, "d": "same"}
    after = {"a": {"b": "y", "c": [1, 2, 3]}, "d": "same", "e": True}
    found = [(d.path, d.before, d.after) for d in versions.differences(before, after)]
    assert found == [("a.b", "x", "y"), ("a.c", "[1, 2]", "[1, 2, 3]"), ("e", "—", "true")]
