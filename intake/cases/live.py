"""The live case index of an unlocked case database: built at unlock, refreshed after
every commit that wrote testimonies, dropped on lock.

It hangs on the key vault beside the keys (``KeyVault.derived``), so it lives exactly
as long as they do and only in the memory of the process that holds them. A small
store is indexed during the unlock itself; a larger one in a background thread while
the Records page says how far it has come ("index building: N of M").

Writes made by another process (``intake records add`` while the server runs) are
caught up when the Records page next finds the stored count and the index apart.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from intake.cases.index import CaseIndex
from intake.db import Database
from intake.progress import Progress, no_progress
from intake.records.models import Testimony
from intake.records.services import CHANGED_RECORDS, OpenedTestimony, open_testimonies
from intake.workspace.services import find_workspace
from intake.workspace.vault import UnlockedKeys

if TYPE_CHECKING:
    from intake import AppState

log = logging.getLogger(__name__)

#: The sections the index reads; the others are never decrypted for it.
INDEX_SECTIONS = ("victim", "episodes", "labour", "coding", "consent")
#: Stores up to this many records are indexed during the unlock itself.
BUILD_INLINE_UP_TO = 2000
#: Records opened per step of a build.
_STEP = 1000

Entry = tuple[str, dict[str, Any], date | None, str | None]


class LiveIndex:
    """A :class:`CaseIndex` with its build state; closed when the workspace locks."""

    def __init__(self) -> None:
        self.index = CaseIndex()
        self._lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.building = False
        self.closed = False
        #: Records that did not open (tampered with): known to the store, not indexed.
        self.unreadable: set[uuid.UUID] = set()
        #: Ids written while a build ran; indexed again once it ends.
        self._pending: set[uuid.UUID] = set()

    def progress(self, done: int, total: int) -> None:
        """A :class:`~intake.progress.Progress` for the build."""
        self.done, self.total = done, total

    def note_pending(self, ids: Iterable[uuid.UUID]) -> None:
        """Remember ids written during a build."""
        with self._lock:
            self._pending.update(ids)

    def take_pending(self) -> set[uuid.UUID]:
        """The ids written during the build, forgotten here."""
        with self._lock:
            pending, self._pending = self._pending, set()
        return pending

    def close(self) -> None:
        """Drop the index (the workspace locked); a running build stops."""
        self.closed = True
        self.index.close()


def _entries(opened: Sequence[OpenedTestimony], live: LiveIndex) -> Iterator[Entry]:
    for item in opened:
        if item.document is None:
            if item.testimony.state == "stored":
                live.unreadable.add(item.testimony.id)
            continue
        station = None if item.provenance is None else item.provenance.get("station_id")
        live.unreadable.discard(item.testimony.id)
        yield (str(item.testimony.id), item.document, item.testimony.received_on, station)


def _stored_ids(session: Session) -> Iterator[list[uuid.UUID]]:
    """Ids of stored (not erased) testimonies, a step at a time (keyset paging)."""
    last: uuid.UUID | None = None
    while True:
        query = select(Testimony.id).where(Testimony.state == "stored")
        if last is not None:
            query = query.where(Testimony.id > last)
        ids = list(session.scalars(query.order_by(Testimony.id).limit(_STEP)))
        if ids:
            yield ids
        if len(ids) < _STEP:
            return
        last = ids[-1]


def stored_count(session: Session) -> int:
    """How many testimonies are stored (not erased)."""
    query = select(func.count()).select_from(Testimony).where(Testimony.state == "stored")
    return int(session.scalar(query) or 0)


def build_index(
    database: Database, keys: UnlockedKeys, live: LiveIndex, progress: Progress = no_progress
) -> int:
    """Index every stored testimony; return how many were indexed."""
    live.building = True
    count = 0
    try:
        with database.sessions() as session:
            total = stored_count(session)
            progress(0, total)
            live.progress(0, total)
            for ids in _stored_ids(session):
                if live.closed:
                    return count
                opened = open_testimonies(session, keys, ids, sections=INDEX_SECTIONS)
                count += live.index.put_many(_entries(opened, live))
                session.expunge_all()
                live.progress(min(live.done + len(ids), total), total)
                progress(live.done, total)
        pending = live.take_pending()
        if pending:
            refresh(database, keys, live, pending)
    finally:
        live.building = False
    return count


def refresh(
    database: Database, keys: UnlockedKeys, live: LiveIndex, ids: Iterable[uuid.UUID]
) -> None:
    """Index ``ids`` again from the store; drop those erased or gone."""
    wanted = list(ids)
    with database.sessions() as session:
        opened = open_testimonies(session, keys, wanted, sections=INDEX_SECTIONS)
        entries = list(_entries(opened, live))
    live.index.put_many(entries)
    indexed = {uuid.UUID(entry[0]) for entry in entries}
    for record_id in wanted:
        if record_id not in indexed:
            live.index.remove(str(record_id))


def catch_up(database: Database, keys: UnlockedKeys, live: LiveIndex) -> None:
    """Follow writes made by another process: index stored records the index lacks and
    drop those no longer stored. Cheap when nothing changed (one count)."""
    if live.building or live.closed:
        return
    with database.sessions() as session:
        if stored_count(session) == len(live.index) + len(live.unreadable):
            return
        stored = {record_id for ids in _stored_ids(session) for record_id in ids}
    indexed = {uuid.UUID(record_id) for record_id in live.index.ids()}
    changed = (stored - indexed - live.unreadable) | (indexed - stored)
    if changed:
        refresh(database, keys, live, changed)


def open_case_index(database: Database, keys: UnlockedKeys) -> LiveIndex | None:
    """The index for a case database that has just unlocked (None at a station):
    built now for a small store, in a background thread for a larger one."""
    with database.sessions() as session:
        workspace = find_workspace(session)
        if workspace is None or workspace.role != "casedb":
            return None
        total = stored_count(session)
    live = LiveIndex()
    live.progress(0, total)
    if total <= BUILD_INLINE_UP_TO:
        build_index(database, keys, live)
        return live
    live.building = True
    threading.Thread(
        target=_build_quietly, args=(database, keys, live), name="case-index", daemon=True
    ).start()
    return live


def _build_quietly(database: Database, keys: UnlockedKeys, live: LiveIndex) -> None:
    try:
        build_index(database, keys, live)
    except Exception as error:  # the page shows the index as incomplete; nothing is lost
        if not live.closed:
            log.warning("case index build stopped: %s", type(error).__name__)


def install(state: AppState) -> None:
    """Make the app's vault own a case index and keep it current after each commit."""
    database, vault = state.database, state.vault

    def on_unlock(keys: UnlockedKeys) -> LiveIndex | None:
        try:
            return open_case_index(database, keys)
        except Exception as error:  # unlocking goes on; the Records page says it is missing
            log.warning("case index not built: %s", type(error).__name__)
            return None

    def after_commit(session: Session) -> None:
        ids = session.info.pop(CHANGED_RECORDS, None)
        live, keys = vault.derived, vault.keys
        if not ids or not isinstance(live, LiveIndex) or keys is None or live.closed:
            return
        if live.building:
            live.note_pending(ids)
        try:
            refresh(database, keys, live, ids)
        except Exception as error:  # committed already; the Records page catches up
            log.warning("case index refresh failed: %s", type(error).__name__)

    def after_rollback(session: Session) -> None:
        session.info.pop(CHANGED_RECORDS, None)

    vault.on_unlock = on_unlock
    event.listen(database.sessions, "after_commit", after_commit)
    event.listen(database.sessions, "after_soft_rollback", lambda s, _t: after_rollback(s))
