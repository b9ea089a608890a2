"""The facility registry: bundled entries with the case database's own layered over.

schemas/reference/facilities.json is the registry every station ships with: the
interview's facility picker and record validation read it, and records refer to its
ids. At the case database, coordinators add entries, edit entries (a row with a
bundled id replaces that entry) and merge two entries that are one place (the
merged id's row points at the kept one). Everything that reads the registry here
goes through :func:`registry` and :func:`resolve`, so a merged id resolves to the
kept entry while records keep the id they were stored with. :func:`export_registry`
writes the layered registry in the bundled file's own format, for the next release
of the stations and the picker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.audit.services import record_event
from intake.errors import N_, IntakeError
from intake.facilities.models import FacilityEntry
from intake.records.derived import load_codebook, load_reference
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: Languages a facility is named in.
NAME_LANGUAGES = ("en", "kk", "ru", "ug", "zh")
_ID = re.compile(r"^[a-z0-9_]{1,100}$")
#: Longest chain of merges followed before giving up (a loop is refused when made).
_MAX_MERGES = 50


class FacilityInvalidError(IntakeError):
    """A facility as entered is incomplete or refers to something unknown."""


class FacilityExistsError(IntakeError):
    """A new facility's id is already taken."""

    status = 409


class FacilityNotFoundError(IntakeError):
    """No facility with this id."""

    status = 404


class FacilityMergeError(IntakeError):
    """These two entries cannot be merged."""


@dataclass(frozen=True)
class Source:
    """Where a reference entry (a facility, a wage table or rate) was reported."""

    citation: str
    url: str | None = None
    published: str | None = None
    retrieved: str | None = None
    note: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Source:
        """A source as a reference file or a table row holds it."""
        return cls(
            citation=str(data["citation"]),
            url=data.get("url"),
            published=data.get("published"),
            retrieved=data.get("retrieved"),
            note=data.get("note"),
        )

    def data(self) -> dict[str, Any]:
        """The source as a reference file or a table row holds it (no empty keys)."""
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class Facility:
    """One live registry entry, layered."""

    id: str
    kind: str
    names: dict[str, str]
    province_id: str | None = None
    prefecture_id: str | None = None
    county_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    sources: list[Source] = field(default_factory=list)
    note: str | None = None
    #: "bundled", "edited" (a bundled entry changed here) or "added" (here only).
    origin: str = "bundled"
    #: Ids merged into this one.
    aliases: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        """The name in ``language``, else English, else any."""
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()))


def _bundled() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    reference = load_reference("facilities")
    sources = {source["id"]: source for source in reference.get("sources", [])}
    return {entry["id"]: entry for entry in reference["facilities"]}, sources


def _from_bundled(entry: dict[str, Any], sources: dict[str, dict[str, Any]]) -> Facility:
    cited = [sources[s] for s in entry.get("source_ids", []) if s in sources]
    return Facility(
        id=entry["id"],
        kind=entry["kind"],
        names=dict(entry.get("names") or {}),
        province_id=entry.get("province_id"),
        prefecture_id=entry.get("prefecture_id"),
        county_id=entry.get("county_id"),
        latitude=entry.get("latitude"),
        longitude=entry.get("longitude"),
        sources=[Source.from_data(s) for s in cited],
        note=entry.get("note"),
    )


def _from_row(row: FacilityEntry, origin: str) -> Facility:
    return Facility(
        id=row.id,
        kind=row.kind,
        names=dict(row.names),
        province_id=row.province_id,
        prefecture_id=row.prefecture_id,
        county_id=row.county_id,
        latitude=row.latitude,
        longitude=row.longitude,
        sources=[Source.from_data(s) for s in row.sources],
        note=row.note,
        origin=origin,
    )


def _layers(session: Session) -> tuple[dict[str, Facility], dict[str, str]]:
    """Every entry by id (merged ones too) and the merges (merged id to kept id)."""
    bundled, sources = _bundled()
    entries = {fid: _from_bundled(entry, sources) for fid, entry in bundled.items()}
    merges: dict[str, str] = {}
    for row in session.scalars(select(FacilityEntry)):
        entries[row.id] = _from_row(row, "edited" if row.id in bundled else "added")
        if row.merged_into is not None:
            merges[row.id] = row.merged_into
    return entries, merges


def _follow(merges: dict[str, str], facility_id: str) -> str:
    seen = 0
    while facility_id in merges and seen < _MAX_MERGES:
        facility_id, seen = merges[facility_id], seen + 1
    return facility_id


def registry(session: Session) -> dict[str, Facility]:
    """The live registry by id (merged ids left out, listed as the kept one's aliases)."""
    return live_registry(session).entries


def _with_aliases(entry: Facility, aliases: list[str]) -> Facility:
    if not aliases:
        return entry
    return Facility(**{**entry.__dict__, "aliases": tuple(aliases)})


@dataclass(frozen=True)
class LiveRegistry:
    """The registry as the case database's pages, filters and statistics read it: a
    record keeps the id it was stored with, and an id merged into another stands for
    the kept entry, named and kinded as it is now."""

    #: Live entries by id (merged ids left out).
    entries: dict[str, Facility]
    #: Every merged id with the live id it resolves to.
    merges: dict[str, str]

    def resolve(self, facility_id: str) -> str:
        """The id ``facility_id`` stands for now (itself unless merged)."""
        return self.merges.get(facility_id, facility_id)

    def name(self, facility_id: str, language: str) -> str:
        """The current name of the entry ``facility_id`` stands for (the id if unknown)."""
        entry = self.entries.get(self.resolve(facility_id))
        return entry.name(language) if entry else facility_id

    def kind(self, facility_id: str) -> str | None:
        """The current kind of the entry ``facility_id`` stands for."""
        entry = self.entries.get(self.resolve(facility_id))
        return entry.kind if entry else None

    def standing_for(self, facility_id: str) -> tuple[str, ...]:
        """The entry ``facility_id`` stands for and every id merged into it: what
        records may name for it."""
        kept = self.resolve(facility_id)
        entry = self.entries.get(kept)
        return (kept, *entry.aliases) if entry else (kept,)


def live_registry(session: Session) -> LiveRegistry:
    """The live registry with its merges, read once for a page or an export."""
    entries, merges = _layers(session)
    followed = {merged: _follow(merges, merged) for merged in merges}
    aliases: dict[str, list[str]] = {}
    for merged, kept in followed.items():
        aliases.setdefault(kept, []).append(merged)
    live = {
        fid: _with_aliases(entry, sorted(aliases.get(fid, [])))
        for fid, entry in entries.items()
        if fid not in merges
    }
    return LiveRegistry(live, followed)


def merge_map(session: Session) -> dict[str, str]:
    """Every merged id with the live id it resolves to, for what derives data from
    records (the Records filter, statistics, exports) to count a merged facility as
    the kept one.
    """
    return live_registry(session).merges


def resolve(session: Session, facility_id: str) -> str:
    """The id a record's ``facility_id`` stands for now (itself unless merged)."""
    return live_registry(session).resolve(facility_id)


def find_facility(session: Session, facility_id: str) -> Facility:
    """The live entry ``facility_id`` resolves to."""
    live = live_registry(session)
    found = live.entries.get(live.resolve(facility_id))
    if found is None:
        raise FacilityNotFoundError(N_("There is no facility %(id)s."), id=facility_id)
    return found


def filtered(
    session: Session,
    *,
    text: str = "",
    kind: str = "",
    place: str = "",
) -> list[Facility]:
    """Live entries whose id or any name contains ``text``, of ``kind``, in ``place``
    (a province, prefecture or county id), sorted by English name.
    """
    needle = text.strip().casefold()
    found = []
    for entry in registry(session).values():
        haystack = " ".join([entry.id, *entry.names.values(), *entry.aliases]).casefold()
        places = {entry.province_id, entry.prefecture_id, entry.county_id}
        if needle and needle not in haystack:
            continue
        if (kind and entry.kind != kind) or (place and place not in places):
            continue
        found.append(entry)
    return sorted(found, key=lambda entry: entry.name("en").casefold())


def facility_kinds() -> list[str]:
    """Facility kinds from the codebook, in its order."""
    return [code["code"] for code in load_codebook()["vocabularies"]["facility_kind"]["codes"]]


def place_ids() -> dict[str, str]:
    """Every place id in schemas/reference/places.json, with its level."""
    places = load_reference("places")
    found = {province["id"]: "province" for province in places.get("provinces") or []}
    for prefecture in places["prefectures"]:
        found[prefecture["id"]] = "prefecture"
        for county in prefecture.get("counties", []):
            found[county["id"]] = "county"
    return found


def _check(facility: Facility) -> None:
    if not _ID.match(facility.id):
        raise FacilityInvalidError(
            N_("An id is lower-case letters, digits and '_' only, as in jiafang_industrial_park.")
        )
    if facility.kind not in facility_kinds():
        raise FacilityInvalidError(N_("Choose a kind of facility from the list."))
    names = {k: v for k, v in facility.names.items() if v}
    if not names or set(names) - set(NAME_LANGUAGES):
        raise FacilityInvalidError(N_("Give the facility's name in at least one language."))
    places = place_ids()
    for value, level in (
        (facility.province_id, "province"),
        (facility.prefecture_id, "prefecture"),
        (facility.county_id, "county"),
    ):
        if value is not None and places.get(value) != level:
            raise FacilityInvalidError(
                N_("A place is not in the list of places: %(id)s."), id=value
            )
    county, prefecture = facility.county_id, facility.prefecture_id
    if county and prefecture and not county.startswith(prefecture + "."):
        raise FacilityInvalidError(N_("The county is not in the prefecture chosen."))
    if (facility.latitude is None) != (facility.longitude is None):
        raise FacilityInvalidError(N_("Give both latitude and longitude, or neither."))
    if facility.latitude is not None and not (
        -90 <= facility.latitude <= 90 and -180 <= (facility.longitude or 0) <= 180
    ):
        raise FacilityInvalidError(N_("The coordinates are out of range."))
    # Bundled sources marked unverified carry no read day; one read source is needed.
    cited = [s for s in facility.sources if s.citation]
    if not cited or len(cited) != len(facility.sources) or not any(s.retrieved for s in cited):
        raise FacilityInvalidError(
            N_("Cite at least one published source with the day it was read.")
        )


def _today() -> date:
    return datetime.now(UTC).date()


def save_facility(
    session: Session,
    keys: UnlockedKeys,
    facility: Facility,
    *,
    new: bool,
    actor: Any,
) -> FacilityEntry:
    """Add a facility (``new``) or store an edit of an existing one; the caller commits."""
    require_role(session, "casedb")
    _check(facility)
    entries, merges = _layers(session)
    if new and facility.id in entries:
        raise FacilityExistsError(N_("The id %(id)s is already in the registry."), id=facility.id)
    if not new and (facility.id not in entries or facility.id in merges):
        raise FacilityNotFoundError(N_("There is no facility %(id)s."), id=facility.id)
    row = session.get(FacilityEntry, facility.id) or FacilityEntry(id=facility.id)
    _fill(row, facility)
    session.add(row)
    record_event(
        session, keys, actor=actor, action="facility.write",
        details={"facility": facility.id, "change": "add" if new else "edit"},
    )  # fmt: skip
    return row


def _fill(row: FacilityEntry, facility: Facility) -> None:
    row.kind = facility.kind
    row.names = {k: v for k, v in facility.names.items() if v}
    row.province_id = facility.province_id
    row.prefecture_id = facility.prefecture_id
    row.county_id = facility.county_id
    row.latitude, row.longitude = facility.latitude, facility.longitude
    row.sources = [source.data() for source in facility.sources]
    row.note = facility.note
    row.updated_on = _today()


def merge_facilities(
    session: Session, keys: UnlockedKeys, merged_id: str, kept_id: str, *, actor: Any
) -> None:
    """Say that ``merged_id`` is the same place as ``kept_id``: reading ``merged_id``
    anywhere in the registry gives ``kept_id``. Records are not rewritten.
    """
    require_role(session, "casedb")
    live = registry(session)
    if merged_id == kept_id:
        raise FacilityMergeError(N_("Choose two different entries to merge."))
    if merged_id not in live or kept_id not in live:
        raise FacilityMergeError(N_("Both entries must be in the registry and not merged yet."))
    row = session.get(FacilityEntry, merged_id)
    if row is None:
        row = FacilityEntry(id=merged_id)
        _fill(row, live[merged_id])
        session.add(row)
    row.merged_into, row.updated_on = kept_id, _today()
    record_event(
        session, keys, actor=actor, action="facility.write",
        details={"facility": merged_id, "change": "merge", "into": kept_id},
    )  # fmt: skip


def export_registry(session: Session) -> dict[str, Any]:
    """The layered registry in facilities.json's format: bundled sources kept, every
    entry's sources listed by id, merged entries kept with ``merged_into``.
    """
    reference = dict(load_reference("facilities"))
    by_citation = {s["citation"]: s["id"] for s in reference.get("sources", [])}
    sources = list(reference.get("sources", []))
    entries, merges = _layers(session)
    out = []
    for fid, entry in entries.items():
        ids = []
        for source in entry.sources:
            if source.citation not in by_citation:
                new_id = f"casedb-{len(sources) + 1}"
                by_citation[source.citation] = new_id
                sources.append({"id": new_id, **source.data()})
            ids.append(by_citation[source.citation])
        item: dict[str, Any] = {"id": fid, "names": entry.names, "kind": entry.kind}
        for key in ("province_id", "prefecture_id", "county_id", "latitude", "longitude", "note"):
            value = getattr(entry, key)
            if value is not None:
                item[key] = value
        item["source_ids"] = ids
        if fid in merges:
            item["merged_into"] = _follow(merges, fid)
        out.append(item)
    reference["sources"], reference["facilities"] = sources, out
    return reference
