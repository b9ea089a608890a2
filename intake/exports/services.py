"""Export services: gather the records each person's consent lets go, preview exactly
what will leave, then build, seal and audit the file."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from crypto import pseudonym
from intake.audit.services import record_event
from intake.cases.persons import persons_of
from intake.collector import collector_paused
from intake.errors import N_, IntakeError
from intake.exports import anonymity, datapackage, esf, formats, research, victims
from intake.exports.consent import EXPORT_KINDS, Allowance, allowance, identification
from intake.exports.sealing import seal_export
from intake.facilities.services import live_registry
from intake.interview.wages import WageTables
from intake.progress import Progress, no_progress
from intake.records.services import RecordUnreadableError, read_documents
from intake.validators import invisible_character
from intake.wagetables.services import wage_tables
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: Formats each kind can be written in (the first is the default).
KIND_FORMATS: dict[str, tuple[str, ...]] = {
    "victims": formats.FORMATS,
    "esf": ("json",),
    "research": ("zip",),
}
MAX_RECIPIENT_LABEL = 200

#: Groups every stored record into persons (see _person_groups).
Grouping = Callable[[Session, UnlockedKeys], list[list[uuid.UUID]]]


class ExportRequestError(IntakeError):
    """The export asked for is not possible as given (kind, format, recipient, fields)."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export, for whom, and how."""

    kind: str
    #: The partner's or researcher's label; consent may name partners by it.
    recipient: str
    format: str = ""
    #: Victim entries: the fields the partner takes (all if empty).
    fields: tuple[str, ...] = ()
    quasi_identifiers: tuple[str, ...] = anonymity.DEFAULT_QUASI_IDENTIFIERS
    sensitive: str = anonymity.DEFAULT_SENSITIVE
    generalisation: research.Generalisation = field(default_factory=research.Generalisation)
    #: Research: leave out people in groups below k or l.
    suppress: bool = False

    def checked(self) -> ExportRequest:
        """This request with defaults filled in; :class:`ExportRequestError` if invalid."""
        if self.kind not in EXPORT_KINDS:
            raise ExportRequestError(N_("There is no export %(kind)s."), kind=self.kind)
        recipient = " ".join(self.recipient.split())
        if not recipient or len(recipient) > MAX_RECIPIENT_LABEL:
            raise ExportRequestError(N_("Name the recipient (at most 200 characters)."))
        if (invisible := invisible_character(recipient)) is not None:
            raise ExportRequestError(invisible[0], code=invisible[1])
        chosen = self.format or KIND_FORMATS[self.kind][0]
        if chosen not in KIND_FORMATS[self.kind]:
            raise ExportRequestError(
                N_("The %(kind)s export cannot be written as %(format)s."),
                kind=self.kind,
                format=chosen,
            )
        unknown = [name for name in self.fields if name not in victims.FIELDS]
        bad_qi = [q for q in self.quasi_identifiers if q not in anonymity.QUASI_IDENTIFIERS]
        if unknown or bad_qi or self.sensitive not in anonymity.SENSITIVE_ATTRIBUTES:
            raise ExportRequestError(
                N_("Unknown field or attribute: %(names)s."),
                names=", ".join([*unknown, *bad_qi, self.sensitive][:5]),
            )
        return replace(self, recipient=recipient, format=chosen)


@dataclass
class Preview:
    """Exactly what an export would let out, before anything is written."""

    request: ExportRequest
    fields: list[str]
    people: int
    records: int
    #: Why records are left out -> how many (codes of consent.LEFT_OUT_REASONS).
    left_out: dict[str, int]
    #: Research: measured k and l and the thresholds.
    measure: anonymity.Measure | None = None
    #: Research below the thresholds: the steps that would reach them.
    suggestions: list[anonymity.Suggestion] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """Whether the export would be refused (research below k or l)."""
        return self.measure is not None and not self.measure.passes()


@dataclass(frozen=True)
class ExportFile:
    """A written export."""

    filename: str
    data: bytes
    sha256: str
    sealed: bool
    preview: Preview


def _person_groups(session: Session, keys: UnlockedKeys) -> list[list[uuid.UUID]]:
    """Every stored record in exactly one group of records about the same person
    (the coordinators' confirmed person links)."""
    return persons_of(session, keys)


@dataclass
class _Gathered:
    #: (group key, [(record id, document, allowance)]) for people with an included record.
    people: list[tuple[str, list[tuple[uuid.UUID, dict[str, Any], Allowance]]]]
    left_out: Counter[str]
    records: int
    #: Every facility id records may name, with the kind of the live entry it stands
    #: for (an edited kind, the kept entry of a merge).
    facility_kinds: dict[str, str] = field(default_factory=dict)
    #: The layered wage tables the research export's wage ratios are derived with.
    wage_tables: WageTables | None = None


#: The record sections each kind of export is made from, besides consent (which says
#: what each record allows). Only these are decrypted for it: the narrative, links to
#: other records and the rest are never opened by an export, so no exporter can let
#: them out by mistake. Every part is still checked against its record's manifest.
_SECTIONS_READ: dict[str, tuple[str, ...]] = {
    "research": research.SECTIONS_READ,
    "victims": victims.SECTIONS_READ,
    "esf": esf.SECTIONS_READ,
}


def sections_read(kind: str) -> tuple[str, ...]:
    """The record sections an export of ``kind`` decrypts."""
    return ("consent", *_SECTIONS_READ[kind])


def _gather(
    session: Session,
    keys: UnlockedKeys,
    request: ExportRequest,
    groups: list[list[uuid.UUID]],
    progress: Progress,
) -> _Gathered:
    total = sum(len(group) for group in groups)
    done = 0
    live = live_registry(session)
    gathered = _Gathered(
        people=[],
        left_out=Counter(),
        records=0,
        facility_kinds={
            fid: kind for fid in [*live.entries, *live.merges] if (kind := live.kind(fid))
        },
        wage_tables=wage_tables(session),
    )
    ordered = [sorted(group) for group in groups]
    # Read in bulk, in the groups' order, each record as its page reads it.
    read = read_documents(
        session,
        keys,
        [record_id for group in ordered for record_id in group],
        sections=sections_read(request.kind),
    )
    for group in ordered:
        included: list[tuple[uuid.UUID, dict[str, Any], Allowance]] = []
        for record_id, document in islice(read, len(group)):
            done += 1
            progress(done, total)
            if isinstance(document, RecordUnreadableError):
                gathered.left_out["unreadable"] += 1
                continue
            allowed = allowance(
                document.get("consent"), kind=request.kind, recipient=request.recipient
            )
            if allowed.left_out is not None:
                gathered.left_out[allowed.left_out] += 1
                continue
            included.append((record_id, document, allowed))
        # One person's entry shows the most identification any of its testimonies
        # allows: a testimony that allows less would have its details published beside
        # a name or identity its own consent refuses, so it stays out (and is counted).
        most = max((identification(allowed) for _, _, allowed in included), default=0)
        kept = [item for item in included if identification(item[2]) == most]
        if len(kept) < len(included):
            gathered.left_out["less_identified_than_linked"] += len(included) - len(kept)
            included = kept
        if included:
            gathered.records += len(included)
            gathered.people.append((str(min(group)), included))
    return gathered


def _pseudonyms(keys: UnlockedKeys, request: ExportRequest) -> Callable[[str, str], str]:
    key = keys.keyring.pseudonym_key()

    def make(what: str, value: str) -> str:
        return pseudonym(
            key, value, purpose=f"export-{request.kind}-{what}", recipient=request.recipient
        )

    return make


def _contributions(
    gathered: _Gathered, make: Callable[[str, str], str]
) -> list[tuple[str, list[victims.Contribution]]]:
    return [
        (
            make("person", group_key),
            [
                victims.Contribution(document, allowed, make("testimony", str(record_id)))
                for record_id, document, allowed in records
            ],
        )
        for group_key, records in gathered.people
    ]


def _research_rows(
    gathered: _Gathered, request: ExportRequest, make: Callable[[str, str], str]
) -> tuple[research.ResearchRows, list[research.PersonRecords]]:
    people = [
        research.PersonRecords(
            make("person", group_key),
            [
                (allowed, document, make("testimony", str(record_id)))
                for record_id, document, allowed in records
            ],
        )
        for group_key, records in gathered.people
    ]
    rows = _built(
        people, request.generalisation, request, gathered.facility_kinds, gathered.wage_tables
    )
    return rows, people


def withheld_columns(request: ExportRequest) -> list[str]:
    """The quasi-identifiers not chosen for the k/l check: left out of the file."""
    return [name for name in anonymity.QUASI_IDENTIFIERS if name not in request.quasi_identifiers]


def _built(
    people: list[research.PersonRecords],
    rule: research.Generalisation,
    request: ExportRequest,
    facility_kinds: Mapping[str, str] | None,
    tables: WageTables | None = None,
) -> research.ResearchRows:
    """Research rows under ``rule``, each quasi-identifier not chosen for the check
    written as "unknown": every one the file holds is one the k/l check measured, so
    unticking one cannot let it out unchecked."""
    rows = research.build_rows(people, rule, facility_kinds, tables)
    withheld = withheld_columns(request)
    for row in rows.persons:
        for name in withheld:
            row[name] = research.UNKNOWN
    return rows


@dataclass
class Anonymised:
    """Research rows after suppression, with measured k and l."""

    rows: research.ResearchRows
    measure: anonymity.Measure
    persons: anonymity.Measure
    episodes: anonymity.Measure | None
    suggestions: list[anonymity.Suggestion]
    #: People left out, episodes whose dates and place were hidden, episodes left out.
    suppressed: dict[str, int]


def anonymise_rows(
    rows: research.ResearchRows,
    people: list[research.PersonRecords],
    request: ExportRequest,
    facility_kinds: Mapping[str, str] | None,
    tables: WageTables | None = None,
) -> Anonymised:
    """Suppress if asked, measure k and l on people and on people per episode class
    (pycanon), and find the steps that would reach the thresholds if they fail."""
    columns, sensitive = request.quasi_identifiers, request.sensitive
    suppressed: dict[str, int] = {}
    before = rows
    if request.suppress:
        kept = anonymity.suppress_failing(rows.persons, columns, sensitive)
        episodes, generalised, dropped = anonymity.suppress_episodes(
            kept, rows.episodes, columns, sensitive
        )
        suppressed = {
            "people": len(rows.persons) - len(kept),
            "episodes_generalised": generalised,
            "episodes_left_out": dropped,
        }
        rows = research.ResearchRows(persons=[dict(row) for row in kept], episodes=episodes)
    persons = anonymity.measure(rows.persons, columns, sensitive)
    episodes_measure = anonymity.measure_episodes(rows.persons, rows.episodes, columns, sensitive)
    overall = anonymity.combined(persons, episodes_measure)
    suggestions: list[anonymity.Suggestion] = []
    if not overall.passes():

        def rebuild(change: dict[str, Any]) -> anonymity.Rows:
            rebuilt = _built(
                people,
                replace(request.generalisation, **change),
                request,
                facility_kinds,
                tables,
            )
            return rebuilt.persons, rebuilt.episodes

        basis = rows
        if request.suppress and not rows.persons and before.persons:
            # Suppression left nobody: say so, and measure the steps on everyone.
            suggestions.append(
                anonymity.Suggestion(
                    N_(
                        "Suppression left out all %(total)s people: none shares the "
                        "quasi-identifiers with enough others. Generalise first (a step "
                        "below), then suppress what is left."
                    ),
                    {"total": len(before.persons)},
                )
            )
            basis = before
        suggestions += anonymity.suggest(
            rebuild, (basis.persons, basis.episodes), columns, sensitive
        )
    return Anonymised(rows, overall, persons, episodes_measure, suggestions, suppressed)


def _fields(request: ExportRequest) -> list[str]:
    if request.kind == "victims":
        return [name for name in victims.FIELDS if not request.fields or name in request.fields]
    if request.kind == "research":
        return [*research.PERSON_COLUMNS, *research.EPISODE_COLUMNS[1:]]
    return ["events", "acts", "persons", "involvements", "sources"]


def _start(
    session: Session,
    keys: UnlockedKeys,
    request: ExportRequest,
    grouping: Grouping | None,
    progress: Progress,
) -> tuple[ExportRequest, _Gathered]:
    require_role(session, "casedb")
    request = request.checked()
    groups = (grouping or _person_groups)(session, keys)
    return request, _gather(session, keys, request, groups, progress)


@collector_paused()
def preview_export(
    session: Session,
    keys: UnlockedKeys,
    request: ExportRequest,
    *,
    actor: uuid.UUID | str | None,
    grouping: Grouping | None = None,
    progress: Progress = no_progress,
) -> Preview:
    """What ``request`` would let out (fields, people, records, left out and why; for
    research the measured k and l). The reading is audited; nothing is written."""
    request, gathered = _start(session, keys, request, grouping, progress)
    preview = Preview(
        request=request,
        fields=_fields(request),
        people=len(gathered.people),
        records=gathered.records,
        left_out=dict(gathered.left_out),
    )
    if request.kind == "research":
        rows, people = _research_rows(gathered, request, _pseudonyms(keys, request))
        done = anonymise_rows(rows, people, request, gathered.facility_kinds, gathered.wage_tables)
        preview.measure, preview.suggestions = done.measure, done.suggestions
        preview.people = len(done.rows.persons)
        if done.suppressed.get("people"):
            preview.left_out["suppressed_people"] = done.suppressed["people"]
    record_event(
        session,
        keys,
        actor=actor,
        action="export.preview",
        details=_details(preview),
    )
    return preview


def _details(preview: Preview) -> dict[str, Any]:
    request = preview.request
    details: dict[str, Any] = {
        "kind": request.kind,
        "recipient": request.recipient,
        "format": request.format,
        "people": preview.people,
        "records": preview.records,
        "left_out": preview.left_out,
    }
    if preview.measure is not None:
        details.update(k=preview.measure.k, l=preview.measure.l)
    return details


@collector_paused()
def write_export(
    session: Session,
    keys: UnlockedKeys,
    request: ExportRequest,
    *,
    actor: uuid.UUID | str | None,
    recipients: Sequence[str],
    allow_plain: bool = False,
    grouping: Grouping | None = None,
    progress: Progress = no_progress,
) -> ExportFile:
    """Build the file ``request`` describes, seal it to ``recipients`` (or, only with
    ``allow_plain``, leave it plain) and audit who exported what to whom with its hash.

    Research below k or l raises :class:`anonymity.AnonymityTooLowError` and writes
    nothing.
    """
    if not recipients and not allow_plain:
        seal_export(b"", recipients, allow_plain=False)  # refuses before any record is read
    request, gathered = _start(session, keys, request, grouping, progress)
    make = _pseudonyms(keys, request)
    preview = Preview(
        request=request,
        fields=_fields(request),
        people=len(gathered.people),
        records=gathered.records,
        left_out=dict(gathered.left_out),
    )
    created = datetime.now(UTC)
    if request.kind == "research":
        data = _research_file(gathered, request, make, preview, created)
    elif request.kind == "esf":
        data = formats.to_json(esf.build_esf(_contributions(gathered, make)))
    else:
        data = _victims_file(gathered, request, make)
    data, sealed = seal_export(data, recipients, allow_plain=allow_plain)
    digest = hashlib.sha256(data).hexdigest()
    details = _details(preview) | {
        "sha256": digest,
        "sealed": sealed,
        "recipient_keys": len(recipients),
    }
    record_event(session, keys, actor=actor, action="export", details=details)
    extension = "zip" if request.kind == "research" else request.format
    name = f"{request.kind}-{created:%Y%m%d-%H%M%S}.{extension}" + (".age" if sealed else "")
    return ExportFile(filename=name, data=data, sha256=digest, sealed=sealed, preview=preview)


def _victims_file(
    gathered: _Gathered, request: ExportRequest, make: Callable[[str, str], str]
) -> bytes:
    columns = _fields(request)
    entries = [
        victims.select_fields(victims.build_entry(person, contributions), columns)
        for person, contributions in _contributions(gathered, make)
    ]
    if request.format == "json":
        return formats.to_json({"fields": columns, "entries": entries})
    if request.format == "csv":
        return formats.to_csv(entries, columns)
    return formats.to_xlsx(entries, columns, title="victims")


def _research_file(
    gathered: _Gathered,
    request: ExportRequest,
    make: Callable[[str, str], str],
    preview: Preview,
    created: datetime,
) -> bytes:
    import pycanon

    rows, people = _research_rows(gathered, request, make)
    done = anonymise_rows(rows, people, request, gathered.facility_kinds, gathered.wage_tables)
    measured = done.measure
    preview.measure, preview.suggestions = measured, done.suggestions
    preview.people = len(done.rows.persons)
    if done.suppressed.get("people"):
        preview.left_out["suppressed_people"] = done.suppressed["people"]
    if not measured.passes():
        raise anonymity.AnonymityTooLowError(measured, done.suggestions)
    rule = request.generalisation
    manifest = {
        "k": measured.k,
        "l": measured.l,
        "persons": {"k": done.persons.k, "l": done.persons.l},
        "episodes": None
        if done.episodes is None
        else {
            "k": done.episodes.k,
            "l": done.episodes.l,
            "quasi_identifiers": [
                *request.quasi_identifiers,
                *anonymity.EPISODE_QUASI_IDENTIFIERS,
            ],
            "counted": "people per class",
        },
        "k_required": anonymity.K_MIN,
        "l_required": anonymity.L_MIN,
        "quasi_identifiers": list(request.quasi_identifiers),
        "quasi_identifiers_left_out": withheld_columns(request),
        "sensitive_attribute": request.sensitive,
        "measured_on": "persons, and people per class of person and episode quasi-identifiers",
        "checker": f"pycanon {getattr(pycanon, '__version__', '')}".strip(),
        "generalisation": {
            "age_band_years": rule.age_band_years,
            "period": rule.period,
            "place": rule.place,
            "merge_ethnicity_below": rule.merge_ethnicity_below,
        },
        "suppressed_people": done.suppressed.get("people", 0),
        "suppressed_episodes": {
            "dates_and_place_hidden": done.suppressed.get("episodes_generalised", 0),
            "left_out": done.suppressed.get("episodes_left_out", 0),
        },
        "records_left_out": dict(gathered.left_out),
    }
    described = datapackage.descriptor(
        manifest, recipient=request.recipient, created=created.isoformat()
    )
    return datapackage.package(done.rows.persons, done.rows.episodes, described)
