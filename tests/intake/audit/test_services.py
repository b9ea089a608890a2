"""The audit trail: appended in the caller's transaction, verified, and tamper-evident
to someone who edits the database without the keys."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import delete, text, update

from intake.audit import services
from intake.audit.models import AuditCheckpoint, AuditEntry, AuditHead

ACTOR = uuid.uuid4()


def _append(database, keys, count: int, action: str = "record.read") -> list[int]:
    seqs = []
    with database.session() as session:
        for _ in range(count):
            seqs.append(services.record_event(session, keys, actor=ACTOR, action=action))
    return seqs


def _verify(database, keys) -> services.AuditReport:
    with database.session() as session:
        return services.verify_audit(session, keys)


def test_events_are_numbered_listed_and_verified(database, casedb):
    # Given three events with a record id and details
    record = uuid.uuid4()
    with database.session() as session:
        services.record_event(session, casedb, actor=ACTOR, action="record.read", record_id=record)
        services.record_event(session, casedb, actor=ACTOR, action="search", details={"results": 4})
        services.record_event(session, casedb, actor=None, action="export")
    # When listed / Then newest first, decrypted, with who, what and which record
    with database.session() as session:
        events = services.list_events(session, casedb)
    assert [e.seq for e in events] == [3, 2, 1]
    assert events[2].record_id == str(record) and events[2].actor == str(ACTOR)
    assert events[1].details == {"results": 4} and events[0].actor is None
    # And the chain verifies
    report = _verify(database, casedb)
    assert report.ok and report.checked == 3


def test_nothing_about_the_event_is_stored_in_plain_text(database, casedb, settings):
    record = uuid.uuid4()
    _ = record
    with database.session() as session:
        services.record_event(session, casedb, actor=ACTOR, action="search", record_id=record)
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT payload FROM audit_entry")).all()
    stored = b"".join(row[0] for row in rows)
    for secret in (str(record), str(ACTOR), "search"):
        assert secret.encode() not in stored


def test_an_event_rolled_back_with_its_transaction_leaves_no_entry(database, casedb):
    # Given an event appended in a transaction that then fails
    with pytest.raises(RuntimeError), database.session() as session:
        services.record_event(session, casedb, actor=ACTOR, action="record.write")
        raise RuntimeError("the write failed")
    # Then the trail holds nothing and verifies
    report = _verify(database, casedb)
    assert report.ok and report.checked == 0


def test_an_unknown_action_is_a_programming_error(database, casedb):
    with pytest.raises(services.UnknownAuditActionError), database.session() as session:
        services.record_event(session, casedb, actor=None, action="made.up")


def test_an_edited_entry_is_named(database, casedb):
    _append(database, casedb, 5)
    # When someone swaps entry 3's payload for entry 2's
    with database.session() as session:
        two = session.get(AuditEntry, 2)
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(payload=two.payload))
    report = _verify(database, casedb)
    assert not report.ok and report.first_bad_seq == 3


def test_a_changed_day_is_named(database, casedb):
    _append(database, casedb, 3)
    with database.session() as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == 2).values(occurred_on=date(2001, 1, 1))
        )
    assert _verify(database, casedb).first_bad_seq == 2


def test_a_removed_entry_is_named(database, casedb):
    _append(database, casedb, 4)
    with database.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    report = _verify(database, casedb)
    assert report.first_bad_seq == 2 and "removed" in report.problem


def test_renumbering_to_hide_a_removal_is_found(database, casedb):
    _append(database, casedb, 4)
    with database.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2))
    assert _verify(database, casedb).first_bad_seq == 2


def test_reordered_entries_are_found(database, casedb):
    _append(database, casedb, 3)
    with database.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(seq=100))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=1))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 100).values(seq=2))
    assert _verify(database, casedb).first_bad_seq == 1


def test_removing_the_newest_entries_is_found_through_the_head(database, casedb):
    _append(database, casedb, 4)
    with database.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 3))
    report = _verify(database, casedb)
    assert report.first_bad_seq == 3


def test_a_rewritten_tail_contradicts_a_signed_checkpoint(database, casedb):
    # Given a checkpoint at entry 3 and two later entries
    _append(database, casedb, 2)
    with database.session() as session:
        seq = services.sign_checkpoint(session, casedb, actor=ACTOR)
    _append(database, casedb, 2)
    assert seq == 3 and _verify(database, casedb).checkpoints == 1
    # When someone truncates back to entry 2 and fixes up the head
    with database.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 3))
        second = session.get(AuditEntry, 2)
        session.execute(update(AuditHead).values(last_seq=2, last_link=second.link))
    # Then the checkpoint no longer matches the chain
    report = _verify(database, casedb)
    assert report.first_bad_seq == 3 and "checkpoint" in report.problem


def test_a_forged_checkpoint_is_found(database, casedb):
    _append(database, casedb, 2)
    with database.session() as session:
        services.sign_checkpoint(session, casedb, actor=ACTOR)
        session.flush()
        session.execute(update(AuditCheckpoint).values(signature=bytes(64)))
    report = _verify(database, casedb)
    assert report.first_bad_seq == 3 and "forged" in report.problem


def test_checkpoints_are_signed_automatically_and_survive_a_key_rotation(
    database, casedb, settings, monkeypatch
):
    from intake.workspace import services as workspace
    from tests.intake.conftest import PASSPHRASE

    monkeypatch.setattr(services, "CHECKPOINT_EVERY", 3)
    _append(database, casedb, 4)
    with database.session() as session:
        workspace.rotate_keyring(session, settings, PASSPHRASE)
    keys = _unlock(database, settings)
    _append(database, keys, 3)
    report = _verify(database, keys)
    assert report.ok and report.checked == 7 and report.checkpoints == 2


def _unlock(database, settings):
    from tests.intake.conftest import unlock

    return unlock(database, settings)
