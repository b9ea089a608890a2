"""An attacker with SQL access edits, swaps, moves or deletes version rows: reading
the history (and the record) fails closed.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, insert, select, update

from intake.cases import versions
from intake.records import services
from intake.records.models import TestimonyVersion

from .helpers import coded, stored_record


def _coded_twice(database, keys) -> uuid.UUID:
    record_id = stored_record(database, keys)
    with database.session() as session:
        document = services.load_testimony(session, keys, record_id)
    for revision, status in enumerate(("absent", "present")):
        with database.session() as session:
            versions.change_section(
                session,
                keys,
                record_id,
                "coding",
                coded(document, status),
                loaded_revision=revision,
                reason="coded",
                actor=uuid.uuid4(),
                actor_name="coordinator-1",
            )
    return record_id


def _sql(database, statement) -> None:
    with database.engine.begin() as connection:
        connection.execute(statement)


def _rows(database, record_id):
    with database.engine.connect() as connection:
        query = select(TestimonyVersion.__table__).where(TestimonyVersion.testimony_id == record_id)
        return list(connection.execute(query.order_by(TestimonyVersion.number)))


def _history_fails(database, keys, record_id) -> None:
    with pytest.raises(services.RecordTamperedError), database.session() as session:
        versions.history(session, keys, record_id)


def test_swapping_the_ciphertexts_of_two_versions_fails_closed(database, casedb):
    record_id = _coded_twice(database, casedb)
    first, second = _rows(database, record_id)
    for row, other in ((first, second), (second, first)):
        _sql(
            database,
            update(TestimonyVersion)
            .where(TestimonyVersion.testimony_id == record_id)
            .where(TestimonyVersion.number == row.number)
            .values(ciphertext=other.ciphertext),
        )
    _history_fails(database, casedb, record_id)


def test_a_version_row_moved_from_another_record_fails_closed(database, casedb):
    # Given two coded records / When one's version ciphertexts replace the other's
    victim, donor = _coded_twice(database, casedb), _coded_twice(database, casedb)
    for row in _rows(database, donor):
        _sql(
            database,
            update(TestimonyVersion)
            .where(TestimonyVersion.testimony_id == victim)
            .where(TestimonyVersion.number == row.number)
            .values(ciphertext=row.ciphertext, change=row.change),
        )
    _history_fails(database, casedb, victim)


def test_deleting_the_newest_version_row_fails_closed(database, casedb):
    record_id = _coded_twice(database, casedb)
    _sql(
        database,
        delete(TestimonyVersion).where(
            TestimonyVersion.testimony_id == record_id, TestimonyVersion.number == 2
        ),
    )
    _history_fails(database, casedb, record_id)
    with pytest.raises(services.RecordTamperedError), database.session() as session:
        services.load_testimony(session, casedb, record_id)


def test_an_edited_change_fails_closed(database, casedb):
    record_id = _coded_twice(database, casedb)
    first, _second = _rows(database, record_id)
    flipped = bytes([first.change[0] ^ 1]) + first.change[1:]
    _sql(
        database,
        update(TestimonyVersion)
        .where(TestimonyVersion.testimony_id == record_id, TestimonyVersion.number == 1)
        .values(change=flipped),
    )
    _history_fails(database, casedb, record_id)


def test_a_version_row_added_to_an_unchanged_record_fails_closed(database, casedb):
    # Given a coded record and an unchanged one / When a version row is copied across
    coded_id, plain_id = _coded_twice(database, casedb), stored_record(database, casedb)
    first, _second = _rows(database, coded_id)
    _sql(
        database,
        insert(TestimonyVersion).values(
            testimony_id=plain_id, section=first.section, number=first.number,
            changed_on=first.changed_on, ciphertext=first.ciphertext, change=first.change,
        ),
    )  # fmt: skip
    # Then the unchanged record's history is refused
    _history_fails(database, casedb, plain_id)
