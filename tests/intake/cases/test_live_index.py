"""The live case index: built at unlock, follows every commit, dropped on lock."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import update

from intake.cases import live as live_module
from intake.cases.index import Filters
from intake.cases.live import LiveIndex, catch_up, open_case_index
from intake.db import Database
from intake.records.models import Testimony
from intake.records.services import mark_changed

from ..conftest import unlock
from .conftest import prison_in_kashgar, store, worked


def _unlocked_vault(app, database, settings):  # type: ignore[no-untyped-def]
    vault = app.extensions["intake"].vault
    vault.put(unlock(database, settings))
    return vault


def test_built_at_unlock_from_what_is_stored(app, database, settings, casedb):
    # Given records stored while the server was locked
    ids = store(database, settings, worked(), prison_in_kashgar())
    # When the server unlocks
    vault = _unlocked_vault(app, database, settings)
    # Then its index holds them, and answers filters
    assert isinstance(vault.derived, LiveIndex)
    assert sorted(vault.derived.index.ids()) == sorted(ids)
    assert vault.derived.index.query(Filters(episode_kind="prison")).ids == [ids[1]]


def test_a_large_store_is_built_in_the_background_with_progress(
    monkeypatch, database, settings, casedb
):
    store(database, settings, *[worked() for _ in range(5)])
    monkeypatch.setattr(live_module, "BUILD_INLINE_UP_TO", 1)
    monkeypatch.setattr(live_module, "_STEP", 2)
    live = open_case_index(database, unlock(database, settings))
    assert live is not None and live.total == 5
    deadline = time.monotonic() + 10
    while live.building and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not live.building and live.done == 5 and len(live.index) == 5


def test_follows_each_commit_and_drops_erased_records(app, database, settings, casedb):
    vault = _unlocked_vault(app, database, settings)
    (record_id,) = store(database, settings, worked())
    assert vault.derived.index.ids() == [record_id]
    # When the record is erased in a committed transaction that notes it
    with database.session() as session:
        session.execute(update(Testimony).values(state="erased", wrapped_key=None))
        mark_changed(session, [uuid.UUID(record_id)])
    # Then it has left the index
    assert vault.derived.index.ids() == []


def test_a_rolled_back_write_leaves_the_index_alone(app, database, settings, casedb):
    vault = _unlocked_vault(app, database, settings)
    with pytest.raises(RuntimeError), database.session() as session:
        mark_changed(session, [uuid.uuid4()])
        raise RuntimeError
    assert len(vault.derived.index) == 0


def test_lock_drops_the_index(app, database, settings, casedb):
    vault = _unlocked_vault(app, database, settings)
    live = vault.derived
    vault.clear()
    assert vault.derived is None and live.closed


def test_catches_up_with_writes_of_another_process(app, database, settings, casedb):
    # Given the server unlocked, and a record stored through another connection
    # (as `intake records add` does while the server runs), whose commit it never saw
    vault = _unlocked_vault(app, database, settings)
    other = Database(settings.database_url, key_file=settings.key_file)
    (record_id,) = store(other, settings, worked())
    other.dispose()
    assert vault.derived.index.ids() == []
    # When the Records page catches up, then the record is indexed
    catch_up(database, unlock(database, settings), vault.derived)
    assert vault.derived.index.ids() == [record_id]


def test_a_station_has_no_index(app, database, settings, station):
    vault = _unlocked_vault(app, database, settings)
    assert vault.derived is None
