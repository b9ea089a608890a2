"""Index facts as an attacker with the database file sees them: moved, swapped, stale
or forged facts are refused (the record is read from its checked sections instead),
they hold no plaintext, and an erased record's facts no longer open."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from crypto import Purpose, unwrap_record_key
from intake.cases import live as live_module
from intake.cases.index import Filters
from intake.cases.live import LiveIndex, build_index
from intake.records.models import Testimony
from intake.records.services import open_index_facts

from ..conftest import unlock
from .conftest import prison_in_kashgar, store, worked


def _rows(database):  # type: ignore[no-untyped-def]
    with database.session() as session:
        return {
            str(row.id): row
            for row in session.execute(
                select(
                    Testimony.id, Testimony.wrapped_key, Testimony.manifest, Testimony.index_facts
                )
            )
        }


def _slow_ids(monkeypatch, database, settings) -> tuple[LiveIndex, list[str]]:  # type: ignore[no-untyped-def]
    slow: list[str] = []
    real = live_module.open_testimonies

    def counted(session, keys, ids, **kwargs):  # type: ignore[no-untyped-def]
        slow.extend(str(record_id) for record_id in ids)
        return real(session, keys, ids, **kwargs)

    monkeypatch.setattr(live_module, "open_testimonies", counted)
    live = LiveIndex()
    build_index(database, unlock(database, settings), live)
    return live, sorted(slow)


def test_swapped_facts_are_refused_and_the_sections_decide(monkeypatch, database, settings, casedb):
    # Given a worked example and a prison record whose facts an attacker swapped
    worked_id, prison_id = store(database, settings, worked(), prison_in_kashgar())
    rows = _rows(database)
    with database.session() as session:
        for mine, theirs in ((worked_id, prison_id), (prison_id, worked_id)):
            session.execute(
                update(Testimony)
                .where(Testimony.id == uuid.UUID(mine))
                .values(index_facts=rows[theirs].index_facts)
            )
    # When the index is built
    live, slow = _slow_ids(monkeypatch, database, settings)
    # Then neither facts were used: both records were read from their sections
    assert slow == sorted([worked_id, prison_id])
    assert live.index.query(Filters(episode_kind="prison")).ids == [prison_id]


def test_facts_left_from_before_a_change_are_refused(monkeypatch, database, settings, casedb):
    # Given a record whose facts an attacker rolled back to those of another state:
    # here, facts beside a manifest they were not made with
    first, second = store(database, settings, prison_in_kashgar(), prison_in_kashgar())
    keys = unlock(database, settings)
    rows = _rows(database)
    chain = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)
    key = unwrap_record_key(chain, rows[first].wrapped_key, record_id=first)
    record_id = uuid.UUID(first)
    # Then the facts open with the manifest they name, and not with another one
    assert open_index_facts(key, record_id, rows[first].index_facts, rows[first].manifest)
    assert open_index_facts(key, record_id, rows[first].index_facts, rows[second].manifest) is None
    # And a flipped byte or facts moved to another record id do not open at all
    flipped = bytearray(rows[first].index_facts)
    flipped[-1] ^= 1
    assert open_index_facts(key, record_id, bytes(flipped), rows[first].manifest) is None
    other = uuid.UUID(second)
    assert open_index_facts(key, other, rows[first].index_facts, rows[first].manifest) is None


def test_a_removed_manifest_sends_the_record_to_the_slow_path(
    monkeypatch, database, settings, casedb
):
    # Given a record whose manifest an attacker deleted (its facts left in place)
    (record_id,) = store(database, settings, prison_in_kashgar())
    with database.session() as session:
        session.execute(update(Testimony).values(manifest=None))
    # When the index is built, the facts are not used and the record is not indexed
    live, slow = _slow_ids(monkeypatch, database, settings)
    assert slow == [record_id]
    assert live.index.ids() == [] and live.unreadable == {uuid.UUID(record_id)}


def test_facts_hold_no_plaintext_and_close_with_the_erased_key(database, settings, casedb):
    # Given a stored record
    (record_id,) = store(database, settings, prison_in_kashgar())
    row = _rows(database)[record_id]
    keys = unlock(database, settings)
    chain = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)
    key = unwrap_record_key(chain, row.wrapped_key, record_id=record_id)
    # Then its facts hold none of its codes in plain text
    for code in (b"prison", b"kashgar", b"male", b"uyghur"):
        assert code not in row.index_facts
    assert open_index_facts(key, uuid.UUID(record_id), row.index_facts, row.manifest)
    # When the record is erased (its wrapped data key destroyed)
    with database.session() as session:
        session.execute(update(Testimony).values(state="erased", wrapped_key=None))
    live = LiveIndex()
    build_index(database, keys, live)
    # Then the index leaves it out, and nothing left in the database opens the facts:
    # no wrapped key remains from which the data key could be unwrapped
    assert live.index.ids() == []
    assert _rows(database)[record_id].wrapped_key is None
