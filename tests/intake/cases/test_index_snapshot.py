"""The case index snapshot kept between unlocks, as a coordinator relies on it and as
an attacker with the database would try it: an unlock reads only what changed since,
an altered, moved or older snapshot shows nothing stale, an erasure drops it, and it
holds no plaintext."""

from __future__ import annotations

import threading
import uuid

import numpy as np
import pytest
from sqlalchemy import select, update

from intake.cases import erasure
from intake.cases import live as live_module
from intake.cases.index import CaseIndex, Filters
from intake.cases.live import LiveIndex, build_index
from intake.cases.models import CaseIndexSnapshot
from intake.cases.snapshot import drop_snapshot, load_snapshot
from intake.records.models import Testimony

from ..conftest import unlock
from .conftest import prison_in_kashgar, store, worked

PRISONS = Filters(episode_kind="prison", prefecture="kashgar")


@pytest.fixture(autouse=True)
def small_stores_keep_a_snapshot(monkeypatch):  # type: ignore[no-untyped-def]
    # The snapshot is kept from a few thousand records on; here from the first.
    monkeypatch.setattr(live_module, "SNAPSHOT_FROM", 0)
    monkeypatch.setattr(live_module, "SNAPSHOT_AFTER_READING", 1)


def _build(monkeypatch, database, settings) -> tuple[LiveIndex, list[str]]:  # type: ignore[no-untyped-def]
    """A build at unlock; the ids it read record by record."""
    read: list[str] = []
    real = live_module._index_ids

    def counted(session, keys, live, ids):  # type: ignore[no-untyped-def]
        read.extend(str(record_id) for record_id in ids)
        return real(session, keys, live, ids)

    monkeypatch.setattr(live_module, "_index_ids", counted)
    live = LiveIndex()
    build_index(database, unlock(database, settings), live)
    monkeypatch.setattr(live_module, "_index_ids", real)
    return live, sorted(read)


def _snapshot(database):  # type: ignore[no-untyped-def]
    with database.session() as session:
        return session.execute(select(CaseIndexSnapshot.id, CaseIndexSnapshot.ciphertext)).first()


def _put_back(database, row) -> None:  # type: ignore[no-untyped-def]
    with database.session() as session:
        session.query(CaseIndexSnapshot).delete()
        session.add(CaseIndexSnapshot(id=row.id, records=0, ciphertext=row.ciphertext))


def test_an_unlock_reads_only_what_changed_since_the_snapshot(
    monkeypatch, database, settings, casedb
):
    # Given two records indexed once (which wrote the snapshot)
    first, second = store(database, settings, prison_in_kashgar(), worked())
    _built, read = _build(monkeypatch, database, settings)
    assert read == sorted([first, second])
    assert _snapshot(database) is not None
    # When the next unlock builds the index, after a third record was stored
    third = store(database, settings, prison_in_kashgar())[0]
    live, read = _build(monkeypatch, database, settings)
    # Then only the new record was read; the rest came from the snapshot
    assert read == [third]
    assert sorted(live.index.query(PRISONS).ids) == sorted([first, third])
    assert sorted(live.index.ids()) == sorted([first, second, third])
    # And it answers every filter as a build record by record does
    for filters in (PRISONS, Filters(gender="male"), Filters(year_from=2018), Filters()):
        assert sorted(live.index.query(filters).ids) == sorted(
            _full_build(database, settings).index.query(filters).ids
        )


def _full_build(database, settings) -> LiveIndex:  # type: ignore[no-untyped-def]
    with database.session() as session:
        session.query(CaseIndexSnapshot).delete()
    live = LiveIndex()
    build_index(database, unlock(database, settings), live)
    return live


def test_a_record_whose_manifest_changed_is_read_again(monkeypatch, database, settings, casedb):
    # Given a snapshot holding a prison record, and then its stored parts altered by an
    # attacker (another record's manifest put in place of its own)
    mine, other = store(database, settings, prison_in_kashgar(), worked())
    _build(monkeypatch, database, settings)
    with database.session() as session:
        manifest = session.scalar(
            select(Testimony.manifest).where(Testimony.id == uuid.UUID(other))
        )
        session.execute(
            update(Testimony).where(Testimony.id == uuid.UUID(mine)).values(manifest=manifest)
        )
    # When the index is built at the next unlock
    live, read = _build(monkeypatch, database, settings)
    # Then the record was not taken from the snapshot: it was read, found tampered with,
    # and is not in the index
    assert read == [mine]
    assert live.index.query(PRISONS).ids == []
    assert uuid.UUID(mine) in live.unreadable


def test_an_altered_snapshot_is_ignored(monkeypatch, database, settings, casedb):
    # Given a snapshot with one byte flipped
    ids = store(database, settings, prison_in_kashgar(), worked())
    _build(monkeypatch, database, settings)
    row = _snapshot(database)
    flipped = bytearray(row.ciphertext)
    flipped[len(flipped) // 2] ^= 1
    with database.session() as session:
        session.execute(update(CaseIndexSnapshot).values(ciphertext=bytes(flipped)))
    # When the index is built
    live, read = _build(monkeypatch, database, settings)
    # Then every record was read, the index is whole, and a new snapshot replaced it
    assert read == sorted(ids)
    assert live.index.query(PRISONS).ids == [ids[0]]
    assert _snapshot(database).ciphertext != bytes(flipped)


def test_a_snapshot_moved_to_another_row_id_does_not_open(monkeypatch, database, settings, casedb):
    # Given a snapshot whose row id was changed (its ciphertext is bound to the id)
    ids = store(database, settings, prison_in_kashgar())
    _build(monkeypatch, database, settings)
    with database.session() as session:
        session.execute(update(CaseIndexSnapshot).values(id=uuid.uuid4()))
    # Then the next build ignores it and reads the record
    _live, read = _build(monkeypatch, database, settings)
    assert read == ids


def test_an_erasure_drops_the_snapshot_and_an_older_one_put_back_shows_nothing(
    monkeypatch, database, settings, casedb
):
    # Given a snapshot holding a prison record, kept by an attacker
    erased, kept = store(database, settings, prison_in_kashgar(), prison_in_kashgar())
    _build(monkeypatch, database, settings)
    older = _snapshot(database)
    # When the record is erased (consent withdrawn)
    keys = unlock(database, settings)
    with database.session() as session:
        request = erasure.request_erasure(
            session,
            keys,
            uuid.UUID(erased),
            reason="withdrawn",
            actor=uuid.uuid4(),
            actor_role="coordinator",
        )
        request_id = request.id
    with database.session() as session:
        erasure.confirm_erasure(session, keys, request_id, actor=uuid.uuid4(), actor_role="admin")
    # Then the snapshot went with it, in the same transaction
    assert _snapshot(database) is None
    # And after the older snapshot is put back, the erased record is still not indexed
    _build(monkeypatch, database, settings)
    _put_back(database, older)
    live, read = _build(monkeypatch, database, settings)
    assert read == []
    assert live.index.query(PRISONS).ids == [kept]
    assert live.index.ids() == [kept]


def test_the_snapshot_holds_no_plaintext(monkeypatch, database, settings, casedb):
    # Given records whose codes and ids an attacker looks for in the stored snapshot
    ids = store(database, settings, prison_in_kashgar(), worked())
    _build(monkeypatch, database, settings)
    stored = _snapshot(database).ciphertext
    for needle in ("kashgar", "prison", "uyghur", "male", *ids, *(i.replace("-", "") for i in ids)):
        assert needle.encode() not in stored
        assert needle.encode("utf-16-le") not in stored
    # (and the padded size says little: at least the smallest bucket)
    assert len(stored) >= 64


def test_a_snapshot_of_another_format_is_ignored(monkeypatch, database, settings, casedb):
    # Given a snapshot written by a version whose index had other columns
    ids = store(database, settings, prison_in_kashgar())
    _build(monkeypatch, database, settings)
    real = CaseIndex.restore

    def other_columns(self, state):  # type: ignore[no-untyped-def]
        raise ValueError("the index state has other columns")

    monkeypatch.setattr(CaseIndex, "restore", other_columns)
    live, read = _build(monkeypatch, database, settings)
    monkeypatch.setattr(CaseIndex, "restore", real)
    # Then the index was built record by record
    assert read == ids
    assert live.index.query(PRISONS).ids == ids


def test_index_state_round_trip_and_refusals(database, settings, casedb):
    # Given an index with records written, rewritten and removed
    first, second, third = store(
        database, settings, prison_in_kashgar(), worked(), prison_in_kashgar()
    )
    live = LiveIndex()
    build_index(database, unlock(database, settings), live)
    live.index.remove(third)
    state = live.index.state()
    # When a new index is filled from its state
    copy = CaseIndex()
    copy.restore(state)
    # Then it answers as the original does, without the removed record
    for filters in (PRISONS, Filters(gender="male"), Filters(indicator="withholding_of_wages")):
        assert copy.query(filters).ids == live.index.query(filters).ids
    assert sorted(copy.ids()) == sorted([first, second])
    # And a state that does not line up, or a non-empty index, is refused
    with pytest.raises(ValueError, match="not empty"):
        copy.restore(state)
    broken = dict(state.arrays, received=np.zeros(len(state.ids) + 1, dtype=np.int64))
    with pytest.raises(ValueError, match="line up"):
        CaseIndex().restore(type(state)(state.ids, state.codes, broken))
    owners = dict(state.arrays, episode_record=state.arrays["episode_record"] + 5)
    with pytest.raises(ValueError, match="does not hold"):
        CaseIndex().restore(type(state)(state.ids, state.codes, owners))
    with pytest.raises(ValueError, match="twice"):
        CaseIndex().restore(type(state)([first, first], state.codes, state.arrays))
    missing = {k: v for k, v in state.arrays.items() if k != "indicator"}
    with pytest.raises(ValueError, match="other columns"):
        CaseIndex().restore(type(state)(state.ids, state.codes, missing))


def test_an_erasure_at_the_running_server_writes_the_snapshot_again_without_it(
    monkeypatch, app, database, settings, casedb
):
    # Given a running, unlocked server whose index was built with a snapshot
    erased, kept = store(database, settings, prison_in_kashgar(), prison_in_kashgar())
    vault = app.extensions["intake"].vault
    vault.put(unlock(database, settings))
    assert _snapshot(database) is not None
    keys = unlock(database, settings)
    # When a record is erased there
    with database.session() as session:
        request = erasure.request_erasure(
            session, keys, uuid.UUID(erased), reason="withdrawn", actor=uuid.uuid4(),
            actor_role="coordinator",
        )  # fmt: skip
        request_id = request.id
    with database.session() as session:
        erasure.confirm_erasure(session, keys, request_id, actor=uuid.uuid4(), actor_role="admin")
    # Then a new snapshot was written from the index, which no longer holds it
    with database.session() as session:
        written = load_snapshot(session, unlock(database, settings))
    assert written is not None and written.state.ids == [kept]
    live, read = _build(monkeypatch, database, settings)
    assert read == []
    assert live.index.ids() == [kept]


def test_a_record_erased_elsewhere_does_not_go_back_into_a_snapshot(
    monkeypatch, app, database, settings, casedb
):
    # Given a running server's index holding a record that another process erases
    # (this server's index is not told: the commit is not its own)
    erased, kept = store(database, settings, prison_in_kashgar(), prison_in_kashgar())
    vault = app.extensions["intake"].vault
    vault.put(unlock(database, settings))
    with database.session() as session:
        session.execute(
            update(Testimony)
            .where(Testimony.id == uuid.UUID(erased))
            .values(state="erased", wrapped_key=None, index_facts=None)
        )
        session.query(CaseIndexSnapshot).delete()
    assert erased in vault.derived.index.ids()
    # When this server writes the snapshot again after one of its own commits
    store(database, settings, worked())
    # Then the erased record is not in it, and it left this index too
    with database.session() as session:
        written = load_snapshot(session, unlock(database, settings))
    assert written is not None and erased not in written.state.ids and kept in written.state.ids
    assert erased not in vault.derived.index.ids()
    live, _read = _build(monkeypatch, database, settings)
    assert erased not in live.index.ids() and kept in live.index.ids()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_an_erasure_and_a_snapshot_write_at_once_leave_no_erased_record_in_it(
    backend, database, settings, casedb
):
    # Given an index holding two records, and an erasure of one under way in another
    # transaction (record marked erased, snapshot dropped, not yet committed)
    erased, kept = store(database, settings, prison_in_kashgar(), prison_in_kashgar())
    keys = unlock(database, settings)
    live = LiveIndex()
    build_index(database, keys, live)
    eraser = database.sessions()
    eraser.execute(
        update(Testimony)
        .where(Testimony.id == uuid.UUID(erased))
        .values(state="erased", wrapped_key=None, index_facts=None)
    )
    drop_snapshot(eraser)
    # When the index writes its snapshot meanwhile
    writer = threading.Thread(target=live_module._write_snapshot, args=(database, keys, live))
    writer.start()
    writer.join(0.5)
    # Then it waits for the erasure, and once that commits writes only the kept record
    assert writer.is_alive()
    eraser.commit()
    eraser.close()
    writer.join(10)
    with database.session() as session:
        written = load_snapshot(session, keys)
    assert written is not None and written.state.ids == [kept]


def test_a_snapshot_dropped_during_a_build_is_written_again_when_it_ends(
    monkeypatch, database, settings, casedb
):
    # Given a snapshot, and a build that reads little (so it would not write one)
    first = store(database, settings, prison_in_kashgar())[0]
    _build(monkeypatch, database, settings)
    monkeypatch.setattr(live_module, "SNAPSHOT_AFTER_READING", 1000)
    second = store(database, settings, prison_in_kashgar())[0]
    real = live_module._index_ids

    def erasure_meanwhile(session, keys, live, ids):  # type: ignore[no-untyped-def]
        with database.session() as other:  # another transaction drops the snapshot
            drop_snapshot(other)
        return real(session, keys, live, ids)

    monkeypatch.setattr(live_module, "_index_ids", erasure_meanwhile)
    build_index(database, unlock(database, settings), LiveIndex())
    # Then the build wrote it again, with what the index holds now
    with database.session() as session:
        written = load_snapshot(session, unlock(database, settings))
    assert written is not None and sorted(written.state.ids) == sorted([first, second])
