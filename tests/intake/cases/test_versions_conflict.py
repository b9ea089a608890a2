"""Two coordinators saving the same record: exactly one wins, the other is told and
loses nothing (on SQLite one after the other, on PostgreSQL at the same moment).
"""

from __future__ import annotations

import threading
import uuid

import pytest

from intake.cases import versions
from intake.records import services

from .helpers import coded, stored_record


def _save(database, keys, record_id, value, revision, name):
    with database.session() as session:
        return versions.change_section(
            session,
            keys,
            record_id,
            "coding",
            value,
            loaded_revision=revision,
            reason=f"coded by {name}",
            actor=uuid.uuid4(),
            actor_name=name,
        )


def test_the_second_save_from_the_same_revision_is_a_conflict(database, casedb):
    # Given two coordinators who opened the record at revision 0
    record_id = stored_record(database, casedb)
    with database.session() as session:
        document = services.load_testimony(session, casedb, record_id)
    # When the first saves, then the second
    _save(database, casedb, record_id, coded(document, "present"), 0, "first")
    with pytest.raises(versions.EditConflictError):
        _save(database, casedb, record_id, coded(document, "absent"), 0, "second")
    # Then the first one's change stands and is what the second is shown
    with database.session() as session:
        theirs = versions.history(session, casedb, record_id, since_revision=0)
        now = versions.open_for_edit(session, casedb, record_id)
    assert [change.account_name for change in theirs] == ["first"]
    assert now.revision == 1
    assert now.document["coding"]["ilo_indicators"]["withholding_of_wages"]["status"] == "present"


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])  # needs PostgreSQL's row locks
def test_two_saves_at_once_on_postgresql_one_wins(database, casedb):
    record_id = stored_record(database, casedb)
    with database.session() as session:
        document = services.load_testimony(session, casedb, record_id)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(name: str, status: str) -> None:
        session = database.sessions()
        try:
            barrier.wait()
            versions.change_section(
                session,
                casedb,
                record_id,
                "coding",
                coded(document, status),
                loaded_revision=0,
                reason=name,
                actor=uuid.uuid4(),
                actor_name=name,
            )
            session.commit()
            outcomes[name] = "saved"
        except versions.EditConflictError:
            session.rollback()
            outcomes[name] = "conflict"
        finally:
            session.close()

    threads = [
        threading.Thread(target=save, args=("one", "present")),
        threading.Thread(target=save, args=("two", "absent")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then exactly one saved and the other was told of the conflict
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    with database.session() as session:
        (change,) = versions.history(session, casedb, record_id)
        now = versions.open_for_edit(session, casedb, record_id)
    assert change.account_name == winner and now.revision == 1
    status = now.document["coding"]["ilo_indicators"]["withholding_of_wages"]["status"]
    assert status == {"one": "present", "two": "absent"}[winner]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite readers see one snapshot
def test_a_reader_during_a_save_on_postgresql_is_not_told_of_tampering(database, casedb):
    # Given a reader who has read the record's row (and so its manifest)
    record_id = stored_record(database, casedb)
    reader = database.sessions()
    try:
        # (held, so the session keeps that row as it was read)
        held = reader.get(services.Testimony, record_id)
        # When a coordinator's change commits before the reader reads the parts
        with database.session() as session:
            document = services.load_testimony(session, casedb, record_id)
            versions.change_section(
                session, casedb, record_id, "coding", coded(document), loaded_revision=0,
                reason="r", actor=uuid.uuid4(), actor_name="other",
            )  # fmt: skip
        # Then the reader gets the changed record, not a tampering alarm
        read = services.load_testimony(reader, casedb, record_id)
    finally:
        reader.close()
    assert held.revision == 1
    assert read["coding"]["ilo_indicators"]["withholding_of_wages"]["status"] == "present"
