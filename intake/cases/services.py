"""Case database services: list records through the case index, read one record.

The index answers a filter with a page of ids; only that page is decrypted. Every
list and every read is audited in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from intake.audit.services import record_event, shown_records
from intake.cases.index import Filters
from intake.cases.live import LiveIndex
from intake.delivery.services import label_of_station
from intake.errors import N_, IntakeError
from intake.facilities.services import LiveRegistry
from intake.records.models import Testimony
from intake.records.services import (
    OpenedTestimony,
    RecordNotFoundError,
    RecordUnreadableError,
    load_provenance,
    load_testimony,
    open_testimonies,
)
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: Sections a list row needs.
_SUMMARY_SECTIONS = ("victim", "episodes")
PER_PAGE = 50


class CaseIndexMissingError(IntakeError):
    """The case index is not there (the workspace is not an unlocked case database)."""

    status = 503


@dataclass(frozen=True)
class RecordRow:
    """One line of the Records page: codes and names, labelled by the page."""

    record_id: uuid.UUID
    received_on: date
    station_id: str | None
    #: Name variants of the victim (every script), empty when none was recorded.
    names: list[str]
    gender: str | None
    ethnicity: str | None
    #: Episode kinds in the order of the trajectory.
    kinds: list[str]
    #: The record does not open (tampered with); only its id is shown.
    unreadable: bool = False


@dataclass(frozen=True)
class RecordsPage:
    """A page of the Records list."""

    rows: list[RecordRow]
    total: int
    page: int
    per_page: int
    #: The index is still being built: ``indexed`` of ``to_index`` so far.
    building: bool = False
    indexed: int = 0
    to_index: int = 0

    @property
    def has_next(self) -> bool:
        """Whether a further page follows."""
        return self.page * self.per_page < self.total


def _row(item: OpenedTestimony) -> RecordRow:
    testimony = item.testimony
    if item.document is None:
        return RecordRow(testimony.id, testimony.received_on, None, [], None, None, [], True)
    victim = item.document.get("victim") or {}
    names = [str(n.get("text")) for n in victim.get("names") or [] if isinstance(n, dict)]
    kinds = [str(e.get("kind")) for e in item.document.get("episodes") or [] if isinstance(e, dict)]
    station = None if item.provenance is None else item.provenance.get("station_id")
    return RecordRow(
        testimony.id,
        testimony.received_on,
        station,
        names,
        victim.get("gender"),
        victim.get("ethnicity"),
        kinds,
    )


def with_merged_facilities(filters: Filters, live: LiveRegistry) -> Filters:
    """``filters`` with a chosen facility standing for every id merged into it, so the
    records that name a merged entry are found under the kept one."""
    if filters.facility is None:
        return filters
    return replace(filters, facility=None, facilities=live.standing_for(filters.facility))


def list_records(
    session: Session,
    keys: UnlockedKeys,
    live: LiveIndex | None,
    filters: Filters,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    actor: uuid.UUID | None,
) -> RecordsPage:
    """One page of records matching ``filters``, newest received first; audited."""
    require_role(session, "casedb")
    if live is None or live.closed:
        raise CaseIndexMissingError(N_("The case index is not available. Lock and unlock again."))
    page = max(page, 1)
    found = live.index.query(filters, offset=(page - 1) * per_page, limit=per_page)
    ids = [uuid.UUID(record_id) for record_id in found.ids]
    rows = [_row(item) for item in open_testimonies(session, keys, ids, sections=_SUMMARY_SECTIONS)]
    record_event(
        session,
        keys,
        actor=actor,
        action="record.list",
        details={
            "shown": len(rows),
            "total": found.total,
            "filtered": not filters.is_empty,
            **shown_records(ids),
        },
    )
    return RecordsPage(rows, found.total, page, per_page, live.building, live.done, live.total)


@dataclass(frozen=True)
class RecordView:
    """A record as the record page shows it."""

    record_id: uuid.UUID
    state: str
    received_on: date
    #: The decrypted record; None once erased.
    document: dict[str, Any] | None
    #: Where it came from (station id, bundle, time); None when entered here or erased.
    provenance: dict[str, Any] | None
    #: The day it was erased, where the store keeps it.
    erased_on: date | None = None
    station_label: str | None = None


def read_record(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID, *, actor: uuid.UUID | None
) -> RecordView:
    """Open one record for its page (erased: only that it was, and when); audited."""
    require_role(session, "casedb")
    testimony = session.get(Testimony, record_id)
    if testimony is None:
        raise RecordNotFoundError(N_("There is no record %(id)s."), id=str(record_id))
    record_event(session, keys, actor=actor, action="record.read", record_id=record_id)
    if testimony.state == "erased" or testimony.wrapped_key is None:
        # Erasure (another part of the case database) may keep the day on the row.
        erased_on = getattr(testimony, "erased_on", None)
        return RecordView(record_id, "erased", testimony.received_on, None, None, erased_on)
    try:
        document = load_testimony(session, keys, record_id)
        provenance = load_provenance(session, keys, testimony)
    except RecordUnreadableError:
        # The error page rolls the request back: the attempt and the refusal are
        # committed first, so a tampered record's reading stays in the audit.
        record_event(session, keys, actor=actor, action="record.refused", record_id=record_id)
        session.commit()
        raise
    station = None
    if provenance is not None and provenance.get("station_id"):
        station = label_of_station(session, keys, str(provenance["station_id"]))
    return RecordView(
        record_id, testimony.state, testimony.received_on, document, provenance, None, station
    )
