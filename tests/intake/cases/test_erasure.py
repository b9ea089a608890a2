"""Consent withdrawn: a request and a second administrator's confirmation destroy the
record's data key; the rules about who may do what.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from intake.audit.services import list_events
from intake.cases import erasure, persons, versions
from intake.cases.models import RecordLink
from intake.records import services
from intake.records.models import Testimony

from .helpers import stored_record

ASKER, CONFIRMER = uuid.uuid4(), uuid.uuid4()


def _request(database, keys, record_id, *, actor=ASKER, role="coordinator"):
    with database.session() as session:
        row = erasure.request_erasure(
            session,
            keys,
            record_id,
            reason="She withdrew consent by phone",
            actor=actor,
            actor_role=role,
        )
        return row.id


def _confirm(database, keys, request_id, *, actor=CONFIRMER, role="admin"):
    with database.session() as session:
        return erasure.confirm_erasure(session, keys, request_id, actor=actor, actor_role=role)


def test_a_confirmed_erasure_reads_as_erased_on_the_day(database, casedb):
    # Given a stored record and a coordinator's request
    record_id = stored_record(database, casedb)
    request_id = _request(database, casedb, record_id)
    # When a different administrator confirms
    _confirm(database, casedb, request_id)
    # Then the record is erased, with no key, and reads as "erased on <day>"
    with database.session() as session:
        testimony = session.get(Testimony, record_id)
        assert (testimony.state, testimony.wrapped_key) == ("erased", None)
        day = testimony.erased_on.isoformat()
        with pytest.raises(services.RecordErasedError, match=f"erased on {day}"):
            services.load_testimony(session, casedb, record_id)
        with pytest.raises(services.RecordErasedError):
            versions.history(session, casedb, record_id)


def test_the_audit_keeps_only_that_it_happened(database, casedb):
    record_id = stored_record(database, casedb)
    _confirm(database, casedb, _request(database, casedb, record_id))
    with database.session() as session:
        events = list_events(session, casedb)
    erased = [event for event in events if event.action == "record.erase"]
    assert [(e.record_id, e.details) for e in erased] == [(str(record_id), {})]
    assert "withdrew consent" not in repr(events)


def test_the_person_who_asked_cannot_confirm(database, casedb):
    record_id = stored_record(database, casedb)
    request_id = _request(database, casedb, record_id, actor=ASKER, role="admin")
    with pytest.raises(erasure.ErasureRefusedError):
        _confirm(database, casedb, request_id, actor=ASKER)
    with database.session() as session:
        assert session.get(Testimony, record_id).wrapped_key is not None


@pytest.mark.parametrize("role", ["coordinator", "interviewer"])
def test_only_an_administrator_confirms(database, casedb, role):
    record_id = stored_record(database, casedb)
    request_id = _request(database, casedb, record_id)
    with pytest.raises(erasure.ErasureRefusedError):
        _confirm(database, casedb, request_id, role=role)


def test_an_interviewer_cannot_ask(database, casedb):
    record_id = stored_record(database, casedb)
    with pytest.raises(erasure.ErasureRefusedError):
        _request(database, casedb, record_id, role="interviewer")


def test_a_withdrawn_request_cannot_be_confirmed(database, casedb):
    # Given a request that the coordinator withdraws
    record_id = stored_record(database, casedb)
    request_id = _request(database, casedb, record_id)
    with database.session() as session:
        erasure.withdraw_erasure(session, casedb, request_id, actor=ASKER, actor_role="coordinator")
    # When an administrator tries to confirm it / Then it is refused and the record reads
    with pytest.raises(erasure.ErasureRequestMissingError):
        _confirm(database, casedb, request_id)
    with database.session() as session:
        assert services.load_testimony(session, casedb, record_id)["record_id"] == str(record_id)


def test_another_coordinator_cannot_withdraw_a_request(database, casedb):
    record_id = stored_record(database, casedb)
    request_id = _request(database, casedb, record_id)
    with pytest.raises(erasure.ErasureRefusedError), database.session() as session:
        erasure.withdraw_erasure(
            session, casedb, request_id, actor=uuid.uuid4(), actor_role="coordinator"
        )


def test_a_second_request_while_one_waits_is_refused(database, casedb):
    record_id = stored_record(database, casedb)
    _request(database, casedb, record_id)
    with pytest.raises(erasure.ErasurePendingError):
        _request(database, casedb, record_id)


def test_pending_requests_show_their_reason(database, casedb):
    record_id = stored_record(database, casedb)
    _request(database, casedb, record_id)
    with database.session() as session:
        (pending,) = erasure.pending_erasures(session, casedb)
    assert (pending.record_id, pending.reason) == (record_id, "She withdrew consent by phone")


def test_the_index_is_told(database, casedb):
    record_id = stored_record(database, casedb)
    request_id = _request(database, casedb, record_id)
    session = database.sessions()
    try:
        erasure.confirm_erasure(session, casedb, request_id, actor=CONFIRMER, actor_role="admin")
        assert record_id in session.info[services.CHANGED_RECORDS]
        session.commit()
    finally:
        session.close()


def test_coordinators_reasons_for_links_to_an_erased_record_go_with_it(database, casedb):
    # Given three records, the first linked to the second and the second to the third,
    # each with a coordinator's reason that speaks of the people
    first, second, third = (stored_record(database, casedb) for _ in range(3))
    with database.session() as session:
        for a, b, why in ((first, second, "Sister in Ghulja named in both"),
                          (second, third, "Same cell mate remembered")):  # fmt: skip
            persons.decide(session, casedb, a, b, relation="same_person", state="linked",
                           actor=ASKER, reason=why)  # fmt: skip
        session.commit()
    # When the first is erased
    _confirm(database, casedb, _request(database, casedb, first))
    # Then the reason of its link is gone from the database, the decision kept; the
    # link between the other two keeps its reason
    with database.session() as session:
        raw = {(r.record_a, r.record_b): r.reason for r in session.scalars(select(RecordLink))}
        shown = {
            (d.record_a, d.record_b): d
            for d in persons.decisions_between(session, casedb, [first, second, third])
        }
    erased_pair, kept_pair = tuple(sorted((first, second))), tuple(sorted((second, third)))
    assert raw[erased_pair] is None and raw[kept_pair] is not None
    assert (shown[erased_pair].state, shown[erased_pair].reason) == ("linked", None)
    assert shown[kept_pair].reason == "Same cell mate remembered"
