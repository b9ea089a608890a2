"""Storing records at the case database is itself audited, in the same transaction."""

import uuid

import pytest

from intake.audit.services import list_events, verify_audit
from intake.records import services
from intake.records.services import Incoming

from .helpers import WORKED_EXAMPLE, load


def test_one_stored_record_is_an_audited_import_naming_it(database, casedb):
    # Given a valid record / When stored at the case database
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        services.store_testimony(session, casedb, document)
    # Then the audit trail holds one import naming the record, and the chain is intact
    with database.session() as session:
        events = list_events(session, casedb)
        report = verify_audit(session, casedb)
    assert [(e.action, e.record_id, e.details) for e in events] == [
        ("record.import", document["record_id"], {"count": 1})
    ]
    assert report.ok and report.checked == 1


def test_a_batch_is_one_import_entry_with_its_count_and_ids(database, casedb):
    documents = [load(WORKED_EXAMPLE, fresh_id=True) for _ in range(3)]
    with database.session() as session:
        services.store_testimonies(session, casedb, [Incoming(d) for d in documents])
    with database.session() as session:
        events = list_events(session, casedb)
    ids = sorted(d["record_id"] for d in documents)
    assert [(e.action, e.record_id, e.details) for e in events] == [
        ("record.import", None, {"count": 3, "records": ids})
    ]


def test_a_refused_store_leaves_no_audit_entry(database, casedb):
    # Given a stored record / When it is stored again (refused, rolled back)
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        services.store_testimony(session, casedb, document)
    with pytest.raises(services.RecordExistsError), database.session() as session:
        services.store_testimony(session, casedb, document)
    # Then only the first import is in the trail
    with database.session() as session:
        assert len(list_events(session, casedb)) == 1


def test_the_import_names_the_account_that_made_it(database, casedb):
    # Given an account id / When it stores records
    account = uuid.uuid4()
    document = load(WORKED_EXAMPLE, fresh_id=True)
    with database.session() as session:
        services.store_testimonies(session, casedb, [Incoming(document)], actor=account)
    # Then the audit entry names that account
    with database.session() as session:
        (event,) = list_events(session, casedb)
    assert event.actor == str(account)
