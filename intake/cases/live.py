"""The live case index of an unlocked case database: built at unlock, refreshed after
every commit that wrote testimonies, dropped on lock.

It hangs on the key vault beside the keys (``KeyVault.derived``), so it lives exactly
as long as they do and only in the memory of the process that holds them. A small
store is indexed during the unlock itself; a larger one in a background thread while
the Records page says how far it has come ("index building: N of M"), starting from
the encrypted snapshot of the last build (:mod:`intake.cases.snapshot`) and reading
only the records stored or changed since.

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

from sqlalchemy import String, event, func, select, type_coerce, update
from sqlalchemy.orm import Session

from crypto import Purpose
from intake.cases.index import CaseIndex, FactsEntry
from intake.cases.models import CaseIndexSnapshot
from intake.cases.snapshot import (
    Snapshot,
    hold_snapshot,
    load_snapshot,
    manifest_digest,
    save_snapshot,
)
from intake.db import Database
from intake.progress import Progress, no_progress
from intake.records.models import Testimony
from intake.records.services import (
    CHANGED_RECORDS,
    OpenedTestimony,
    _data_key,
    open_index_facts,
    open_testimonies,
    seal_index_facts,
)
from intake.records.services import RecordUnreadableError as _Unreadable
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
#: Records put into the index at once from their facts.
_FACTS_BATCH = 100
#: Stores above this many records keep an encrypted snapshot of the index between
#: unlocks (smaller ones are indexed record by record in well under a second).
SNAPSHOT_FROM = 5000
#: A new snapshot is written after an unlock that had to read this many records.
SNAPSHOT_AFTER_READING = 1000

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
        #: The digest of the encrypted manifest each indexed record was indexed from
        #: (kept in the snapshot, to tell at the next unlock what changed since).
        self.manifests: dict[str, bytes] = {}

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
        if item.testimony.manifest is not None:
            live.manifests[str(item.testimony.id)] = manifest_digest(item.testimony.manifest)
        yield (str(item.testimony.id), item.document, item.testimony.received_on, station)


def _index_facts_of(
    session: Session, keys: UnlockedKeys, ids: Sequence[uuid.UUID], live: LiveIndex
) -> tuple[set[uuid.UUID], list[uuid.UUID]]:
    """Index ``ids`` from their index facts where these open and name the record's
    current manifest (only the data key is unwrapped and the facts decrypted); return
    the ids indexed and those to read the full, checked way: no facts yet, stale,
    tampered with, erased or gone."""
    chain = keys.keyring.chain(Purpose.RECORD_KEY_WRAP)
    query = select(
        Testimony.id,
        Testimony.state,
        Testimony.received_on,
        Testimony.wrapped_key,
        Testimony.erased_on,
        Testimony.manifest,
        Testimony.index_facts,
    ).where(Testimony.id.in_(list(ids)))
    done: set[uuid.UUID] = set()

    def opened() -> Iterator[FactsEntry]:
        for row in session.execute(query):
            if row.state != "stored" or row.index_facts is None or row.wrapped_key is None:
                continue
            try:
                data_key = _data_key(keys, row, chain)
            except _Unreadable:
                continue
            facts = open_index_facts(data_key, row.id, row.index_facts, row.manifest)
            if facts is not None:
                done.add(row.id)
                live.unreadable.discard(row.id)
                live.manifests[str(row.id)] = bytes.fromhex(facts["manifest"])
                yield (str(row.id), facts, row.received_on)

    # Small batches: the decrypted facts are dropped young, before the garbage collector
    # would move them to older generations (and walk the whole heap again for them).
    live.index.put_facts_many(opened(), batch=_FACTS_BATCH)
    return done, [record_id for record_id in ids if record_id not in done]


def _index_ids(
    session: Session, keys: UnlockedKeys, live: LiveIndex, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Index ``ids`` from their facts, the others from their decrypted sections; return
    the ids indexed."""
    indexed, slow = _index_facts_of(session, keys, ids, live)
    if slow:
        opened = open_testimonies(session, keys, slow, sections=INDEX_SECTIONS)
        documents = list(_entries(opened, live))
        live.index.put_many(documents)
        indexed.update(uuid.UUID(entry[0]) for entry in documents)
    return indexed


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


def add_index_facts(session: Session, keys: UnlockedKeys) -> tuple[int, int]:
    """Give every stored record whose index facts are missing or stale (stored before
    they existed, or changed by an upgrade) facts made from its checked, decrypted
    sections, in the caller's transaction; return (written, not readable). Records that
    do not open are left as they are: the index keeps reading them the slow way.
    """
    written = unreadable = 0
    scratch = LiveIndex()
    for ids in _stored_ids(session):
        _usable, missing = _index_facts_of(session, keys, ids, scratch)
        opened = open_testimonies(session, keys, missing, sections=INDEX_SECTIONS)
        for item in opened:
            row = item.testimony
            if item.document is None or row.manifest is None or row.wrapped_key is None:
                unreadable += 1
                continue
            station = None if item.provenance is None else item.provenance.get("station_id")
            facts = seal_index_facts(
                _data_key(keys, row), row.id, item.document, station, row.manifest
            )
            session.execute(
                update(Testimony)
                .where(Testimony.id == row.id, Testimony.manifest == row.manifest)
                .values(index_facts=facts)
                .execution_options(synchronize_session=False)
            )
            written += 1
    scratch.close()
    return written, unreadable


def stored_count(session: Session) -> int:
    """How many testimonies are stored (not erased)."""
    query = select(func.count()).select_from(Testimony).where(Testimony.state == "stored")
    return int(session.scalar(query) or 0)


def build_index(
    database: Database, keys: UnlockedKeys, live: LiveIndex, progress: Progress = no_progress
) -> int:
    """Index every stored testimony; return how many were indexed.

    Above :data:`SNAPSHOT_FROM` records the index starts from the encrypted snapshot
    (:mod:`intake.cases.snapshot`) and reads only the records stored or changed since;
    it writes a new snapshot when there was none or much was read.
    """
    live.building = True
    count = read = 0
    snapshot = None
    try:
        with database.sessions() as session:
            total = stored_count(session)
            progress(0, total)
            live.progress(0, total)
            steps: Iterable[list[uuid.UUID]]
            if total > SNAPSHOT_FROM:
                snapshot = load_snapshot(session, keys)
            if snapshot is None:
                steps = _stored_ids(session)
            else:
                try:
                    count, todo = _from_snapshot(session, live, snapshot)
                except ValueError:  # made by another version: built record by record
                    snapshot, steps = None, _stored_ids(session)
                else:
                    live.progress(count, total)
                    progress(count, total)
                    steps = (todo[at : at + _STEP] for at in range(0, len(todo), _STEP))
            for ids in steps:
                if live.closed:
                    return count
                count += len(_index_ids(session, keys, live, ids))
                read += len(ids)
                session.expunge_all()
                live.progress(min(live.done + len(ids), total), total)
                progress(live.done, total)
        pending = live.take_pending()
        if pending:
            refresh(database, keys, live, pending)
        if total > SNAPSHOT_FROM and (
            snapshot is None or read >= SNAPSHOT_AFTER_READING or _snapshot_missing(database)
        ):
            # Also when an erasure dropped it during the build: the index, refreshed
            # with what changed meanwhile, no longer holds the erased record.
            _write_snapshot(database, keys, live)
    finally:
        live.building = False
    return count


def _hex(record_id: str) -> str:
    return record_id.replace("-", "")


def _stored_raw(session: Session, *columns: Any) -> Iterator[tuple[Any, ...]]:
    """(id, *columns) of every stored testimony, the id as 32 hex digits read raw (no
    UUID objects for 100,000 rows): as SQLite stores it, and as PostgreSQL's uuid
    prints without its dashes."""
    table = Testimony.__table__
    query = select(type_coerce(table.c.id, String), *columns).where(table.c.state == "stored")
    for raw, *rest in session.connection().execute(query):
        yield (_hex(str(raw)), *rest)


def _from_snapshot(
    session: Session, live: LiveIndex, snapshot: Snapshot
) -> tuple[int, list[uuid.UUID]]:
    """Fill the index from ``snapshot`` as far as the store agrees with it; return how
    many records it gave and the ids to read: stored since, or changed since (their
    manifest is not the one the snapshot names)."""
    known = {
        _hex(record_id): (record_id, digest)
        for record_id, digest in zip(snapshot.state.ids, snapshot.manifests, strict=True)
    }
    current: dict[str, bytes] = {}
    todo: list[uuid.UUID] = []
    for key, manifest in _stored_raw(session, Testimony.__table__.c.manifest):
        digest = manifest_digest(manifest) if manifest is not None else b""
        entry = known.get(key)
        if entry is not None and entry[1] == digest:
            current[entry[0]] = digest
        else:
            todo.append(uuid.UUID(key))
    live.index.restore(snapshot.state)
    # Gone (erased, deleted) or changed since: out of the index until read again.
    for record_id, _digest in known.values():
        if record_id not in current:
            live.index.remove(record_id)
    live.manifests.update(current)
    return len(current), todo


def renew_dropped_snapshot(database: Database, keys: UnlockedKeys, live: LiveIndex) -> None:
    """Write the snapshot again from the index when a commit dropped it (an erasure),
    so the next unlock need not read every record. The index has just left the
    erased record out; nothing is written while it is incomplete or small."""
    if live.closed or live.building or len(live.index) <= SNAPSHOT_FROM:
        return
    if _snapshot_missing(database):
        _write_snapshot(database, keys, live)


def _snapshot_missing(database: Database) -> bool:
    with database.sessions() as session:
        return not session.scalar(select(func.count()).select_from(CaseIndexSnapshot))


def _write_snapshot(database: Database, keys: UnlockedKeys, live: LiveIndex) -> None:
    """Keep the index as the encrypted snapshot; a failure only costs the next unlock
    time."""
    if live.closed:
        return
    try:
        with database.session() as session:
            # Only records still stored go in: one erased since it was indexed (by
            # another process, say) leaves the index here and now, not the snapshot;
            # an erasure committing meanwhile waits for this one to end, then drops it.
            hold_snapshot(session)
            stored = {key for (key,) in _stored_raw(session)}
            for record_id in live.index.ids():
                if _hex(record_id) not in stored:
                    live.index.remove(record_id)
                    live.manifests.pop(record_id, None)
            state = live.index.state()
            # A record whose digest is unknown (written during the copy) is read again
            # at the next unlock: no digest matches 32 zero bytes.
            manifests = [live.manifests.get(record_id, bytes(32)) for record_id in state.ids]
            save_snapshot(session, keys, state, manifests)
    except Exception as error:  # the index itself is complete; only the snapshot is missing
        log.warning("case index snapshot not written: %s", type(error).__name__)


def refresh(
    database: Database, keys: UnlockedKeys, live: LiveIndex, ids: Iterable[uuid.UUID]
) -> None:
    """Index ``ids`` again from the store; drop those erased or gone."""
    wanted = list(ids)
    with database.sessions() as session:
        indexed = _index_ids(session, keys, live, wanted)
    for record_id in wanted:
        if record_id not in indexed:
            live.index.remove(str(record_id))
            live.manifests.pop(str(record_id), None)


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
            if not live.building:
                renew_dropped_snapshot(database, keys, live)
        except Exception as error:  # committed already; the Records page catches up
            log.warning("case index refresh failed: %s", type(error).__name__)

    def after_rollback(session: Session) -> None:
        session.info.pop(CHANGED_RECORDS, None)

    vault.on_unlock = on_unlock
    event.listen(database.sessions, "after_commit", after_commit)
    event.listen(database.sessions, "after_soft_rollback", lambda s, _t: after_rollback(s))
