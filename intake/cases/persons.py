"""The same person in several testimonies: candidate pairs, decisions, persons.

Coordinators confirm or reject candidate pairs; confirmed pairs form a person (the
connected records). Every decision is a new ``record_link`` row (who, day, encrypted
reason); the newest row for a pair and relation is in force, so undoing a link is a
decision too and nothing is lost. Records are never merged or rewritten.

Links the testimonies themselves state (``links``; family members with a record id)
are read from the records; a coordinator can add links of those kinds or set one
aside, again as decision rows, never by changing the testimony.

Candidates come from the blind index, found when a record is stored: two records
sharing several name values of small buckets (values shared by few rows) or an ID
number value. Values shared by many rows (common names, and collisions) are left out,
and only the new record's own values are looked up, so pairing never grows with the
square of the records.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crypto import Context, OpenError, Purpose, decrypt_field, encrypt_field
from intake.audit.services import record_event, shown_records
from intake.cases.blind import id_key, victim_names
from intake.cases.models import PersonCandidate, RecordLink
from intake.cases.search import birth_year, display_names, home_place
from intake.errors import N_, IntakeError
from intake.facilities.services import LiveRegistry, live_registry
from intake.names import Match, compare
from intake.records.derived import date_bounds
from intake.records.models import Testimony
from intake.records.services import RecordUnreadableError, load_testimony
from intake.records.shape import mapping as _dict
from intake.records.shape import mappings as _list
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

SAME_PERSON = "same_person"
#: Relations a coordinator can record between two records.
RELATIONS = (
    SAME_PERSON,
    "family_member",
    "held_together",
    "same_testifier",
    "same_facility",
    "co_worker",
)
LINKED, REJECTED, REMOVED = "linked", "rejected", "removed"
STATES = (LINKED, REJECTED, REMOVED)
#: Testimony link codes that say "same person" (a hint for the queue, not a decision).
_TESTIMONY_SAME = {"same_person_candidate", "same_person_confirmed"}

#: Candidate pairs read from the index for one queue, and records decrypted at most.
MAX_PAIRS = 2000
MAX_DECRYPTED = 400
MAX_REASON = 2000


class LinkError(IntakeError):
    """A link that cannot be recorded (same record twice, unknown record or relation)."""

    status = 400


class ReasonMissingError(LinkError):
    """A same-person pair confirmed or rejected in the queue without a reason."""


def check_reason(state: str, reason: str | None, *, in_queue: bool) -> None:
    """Refuse a pair confirmed or rejected without a reason: the queue asks for one for
    each pair, and a rejection is made nowhere else. Undoing, setting aside and
    restoring on a person page need none.
    """
    if (in_queue or state == REJECTED) and not (reason or "").strip():
        raise ReasonMissingError(N_("This field is required."))


@dataclass(frozen=True)
class Decision:
    """One decision about a pair, reason decrypted."""

    seq: int
    record_a: uuid.UUID
    record_b: uuid.UUID
    relation: str
    state: str
    actor: uuid.UUID | None
    decided_on: Any
    reason: str | None


@dataclass(frozen=True)
class Side:
    """What the queue shows of one record of a pair."""

    record_id: uuid.UUID
    names: tuple[str, ...]
    birth_year: str | None
    home: str | None


@dataclass(frozen=True)
class Candidate:
    """Two records that may be about the same person, with what they share."""

    a: Side
    b: Side
    match: Match
    score: float
    same_id_number: bool
    #: Facility registry ids both mention, with the years each gives.
    facilities: tuple[tuple[str, str, str], ...] = field(default=())


def _now_day() -> Any:
    return datetime.now(UTC).date()


def _ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


def _reason_context(link_id: uuid.UUID) -> Context:
    return Context(namespace="record-link", record_id=str(link_id), field="reason")


def decide(
    session: Session,
    keys: UnlockedKeys,
    a: uuid.UUID,
    b: uuid.UUID,
    *,
    relation: str,
    state: str,
    actor: uuid.UUID | None,
    reason: str | None = None,
) -> RecordLink:
    """Record a decision about records ``a`` and ``b`` (and audit it)."""
    require_role(session, "casedb")
    if a == b:
        raise LinkError(N_("A record cannot be linked to itself."))
    if relation not in RELATIONS or state not in STATES:
        raise LinkError(N_("Unknown kind of link."))
    if state == REJECTED and relation != SAME_PERSON:
        raise LinkError(N_("Only a same-person candidate can be rejected."))
    query = select(Testimony.id, Testimony.state).where(Testimony.id.in_([a, b]))
    states = {row.id: row.state for row in session.execute(query)}
    for record_id in (a, b):
        if record_id not in states:
            raise LinkError(N_("There is no record %(id)s."), id=str(record_id))
    if set(states.values()) != {"stored"}:
        raise LinkError(N_("Both records must be stored (not erased) to be linked."))
    first, second = _ordered(a, b)
    link_id = uuid.uuid4()
    sealed = None
    if reason and reason.strip():
        sealed = encrypt_field(
            keys.keyring.chain(Purpose.CASE_NOTES).current,
            reason.strip()[:MAX_REASON].encode(),
            context=_reason_context(link_id),
        )
    row = RecordLink(
        id=link_id,
        record_a=first,
        record_b=second,
        relation=relation,
        state=state,
        actor=actor,
        decided_on=_now_day(),
        reason=sealed,
    )
    session.add(row)
    action = "person.unlink" if state == REMOVED else "person.link"
    for record_id, other in ((first, second), (second, first)):
        record_event(
            session,
            keys,
            actor=actor,
            action=action,
            record_id=record_id,
            details={"other": str(other), "relation": relation, "state": state},
        )
    session.flush()
    return row


def _latest(session: Session, where: Any = None) -> list[RecordLink]:
    newest = select(func.max(RecordLink.seq)).group_by(
        RecordLink.record_a, RecordLink.record_b, RecordLink.relation
    )
    if where is not None:
        newest = newest.where(where)
    return list(session.scalars(select(RecordLink).where(RecordLink.seq.in_(newest))))


def links_in_force(
    session: Session, record_ids: Iterable[uuid.UUID] | None = None
) -> list[RecordLink]:
    """The newest decision of every pair and relation (touching ``record_ids`` if given)."""
    if record_ids is None:
        return _latest(session)
    ids = list(record_ids)
    return _latest(session, or_(RecordLink.record_a.in_(ids), RecordLink.record_b.in_(ids)))


def _stored_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Testimony.id).where(Testimony.state == "stored")))


class _Groups:
    """Union-find over record ids."""

    def __init__(self) -> None:
        self.parent: dict[uuid.UUID, uuid.UUID] = {}

    def find(self, item: uuid.UUID) -> uuid.UUID:
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        while item != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, a: uuid.UUID, b: uuid.UUID) -> None:
        self.parent[self.find(a)] = self.find(b)


def _same_person_groups(session: Session) -> _Groups:
    groups = _Groups()
    for link in links_in_force(session):
        if link.relation == SAME_PERSON and link.state == LINKED:
            groups.join(link.record_a, link.record_b)
    return groups


def persons_of(session: Session, keys: UnlockedKeys) -> list[list[uuid.UUID]]:
    """Every stored record in exactly one group: the records of one person (a record
    no one linked is a group of its own). Groups and their members are sorted.
    """
    del keys  # ids only; the parameter keeps the exports' call stable
    require_role(session, "casedb")
    stored = _stored_ids(session)
    groups = _same_person_groups(session)
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for record_id in stored:
        members.setdefault(groups.find(record_id), []).append(record_id)
    return sorted(sorted(group) for group in members.values())


def person_of(session: Session, record_id: uuid.UUID) -> list[uuid.UUID]:
    """The stored records confirmed to be about the same person as ``record_id``
    (itself included), sorted.
    """
    require_role(session, "casedb")
    seen = {record_id}
    frontier = {record_id}
    while frontier:
        found = set()
        for link in links_in_force(session, frontier):
            if link.relation == SAME_PERSON and link.state == LINKED:
                found |= {link.record_a, link.record_b}
        frontier = found - seen
        seen |= frontier
    stored = session.scalars(
        select(Testimony.id).where(Testimony.id.in_(seen), Testimony.state == "stored")
    )
    return sorted(set(stored) | {record_id})


def decisions_between(
    session: Session, keys: UnlockedKeys, ids: Iterable[uuid.UUID]
) -> list[Decision]:
    """Every decision touching ``ids``, oldest first, reasons decrypted."""
    ids = list(ids)
    rows = session.scalars(
        select(RecordLink)
        .where(or_(RecordLink.record_a.in_(ids), RecordLink.record_b.in_(ids)))
        .order_by(RecordLink.seq)
    )
    return [_decision(keys, row) for row in rows]


def _decision(keys: UnlockedKeys, row: RecordLink) -> Decision:
    reason = None
    if row.reason is not None:
        try:
            reason = decrypt_field(
                keys.keyring.chain(Purpose.CASE_NOTES), row.reason, context=_reason_context(row.id)
            ).decode()
        except OpenError:
            reason = None
    return Decision(
        row.seq,
        row.record_a,
        row.record_b,
        row.relation,
        row.state,
        row.actor,
        row.decided_on,
        reason,
    )


# --- candidates ------------------------------------------------------------------------


def candidate_pairs(
    session: Session, *, limit: int = MAX_PAIRS
) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """Candidate pairs found when their records were stored (see
    intake.cases.blind.pair_new_records), most shared first: (a, b, shared), a < b.
    """
    query = (
        select(PersonCandidate.record_a, PersonCandidate.record_b, PersonCandidate.shared)
        .order_by(PersonCandidate.shared.desc(), PersonCandidate.record_a)
        .limit(limit)
    )
    return [(row.record_a, row.record_b, row.shared) for row in session.execute(query)]


def _years(episode: Mapping[str, Any]) -> str:
    low, _ = date_bounds(episode.get("start"))
    _, high = date_bounds(episode.get("end") or episode.get("start"))
    first = "?" if low is None else str(low.year)
    last = "?" if high is None else str(high.year)
    return first if first == last else f"{first}-{last}"


def facilities(
    document: Mapping[str, Any], merges: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Facility registry id -> years, of the record's episodes; an id merged into
    another (``merges``) counts as the kept one."""
    merges = merges or {}
    found: dict[str, str] = {}
    for episode in _list(document.get("episodes")):
        registry = _dict(episode.get("facility")).get("registry_id")
        if isinstance(registry, str):
            kept, years = merges.get(registry, registry), _years(episode)
            # Two entries merged into one: each episode's years are kept.
            if years not in found.get(kept, "").split(", "):
                found[kept] = f"{found[kept]}, {years}" if kept in found else years
    return found


def _side(record_id: uuid.UUID, document: Mapping[str, Any]) -> Side:
    return Side(record_id, display_names(document), birth_year(document), home_place(document))


def best_match(a: Mapping[str, Any], b: Mapping[str, Any]) -> Match:
    """The best comparison between any name variant of one victim and of the other."""
    best = Match(0.0, False)
    for va in victim_names(a):
        for vb in victim_names(b):
            found = compare(va.text, vb.text, a_kind=va.kind, b_kind=vb.kind)
            if (found.is_match, found.score) > (best.is_match, best.score):
                best = found
    return best


def compare_records(
    a: uuid.UUID,
    b: uuid.UUID,
    doc_a: Mapping[str, Any],
    doc_b: Mapping[str, Any],
    merges: Mapping[str, str] | None = None,
) -> Candidate:
    """What a coordinator needs to decide whether two records are one person; a
    facility merged into another (``merges``) is the kept one for both."""
    number_a = _dict(doc_a.get("victim")).get("resident_id_number")
    number_b = _dict(doc_b.get("victim")).get("resident_id_number")
    same_id = (
        isinstance(number_a, str)
        and isinstance(number_b, str)
        and id_key(number_a) == id_key(number_b)
    )
    match = best_match(doc_a, doc_b)
    fac_a, fac_b = facilities(doc_a, merges), facilities(doc_b, merges)
    shared = tuple((f, fac_a[f], fac_b[f]) for f in sorted(set(fac_a) & set(fac_b)))
    return Candidate(_side(a, doc_a), _side(b, doc_b), match, match.score, same_id, shared)


def review_queue(
    session: Session,
    keys: UnlockedKeys,
    *,
    actor: uuid.UUID | None,
    limit: int = 20,
    facilities: LiveRegistry | None = None,
) -> list[Candidate]:
    """Undecided pairs that may be one person, most likely first.

    A pair is offered when its names match (intake.names rules: a shared patronymic
    or father's name alone never does) or its ID numbers are equal; pairs already
    confirmed (directly or through other records) or rejected are left out.
    """
    require_role(session, "casedb")
    decided = {
        (link.record_a, link.record_b)
        for link in links_in_force(session)
        if link.relation == SAME_PERSON and link.state in (LINKED, REJECTED)
    }
    groups = _same_person_groups(session)
    merges = (facilities or live_registry(session)).merges
    documents: dict[uuid.UUID, dict[str, Any] | None] = {}

    def load(record_id: uuid.UUID) -> dict[str, Any] | None:
        if record_id not in documents:
            try:
                documents[record_id] = load_testimony(session, keys, record_id)
            except RecordUnreadableError:
                documents[record_id] = None
        return documents[record_id]

    found = []
    for a, b, _shared in candidate_pairs(session):
        if (a, b) in decided or groups.find(a) == groups.find(b):
            continue
        if len(documents) >= MAX_DECRYPTED:
            break
        doc_a, doc_b = load(a), load(b)
        if doc_a is None or doc_b is None:
            continue
        candidate = compare_records(a, b, doc_a, doc_b, merges)
        if candidate.match.is_match or candidate.same_id_number:
            found.append(candidate)
    found.sort(key=lambda c: (c.same_id_number, c.score, len(c.facilities)), reverse=True)
    # Reading the pairs decrypts records: the audit says so, with the records shown.
    shown = found[:limit]
    record_event(
        session,
        keys,
        actor=actor,
        action="record.list",
        details={
            "view": "same-person queue",
            "pairs": len(shown),
            **shown_records(side.record_id for c in shown for side in (c.a, c.b)),
        },
    )
    return found[:limit]


# --- links stated in the testimonies ---------------------------------------------------


@dataclass(frozen=True)
class StatedLink:
    """A link a testimony states to another record."""

    other: uuid.UUID
    relation: str
    #: False when a coordinator set it aside (a "removed" decision is in force).
    in_force: bool


def _relation_of(code: str) -> str:
    if code in _TESTIMONY_SAME:
        return SAME_PERSON
    return code if code in RELATIONS else "family_member"


def stated_links(
    session: Session, record_id: uuid.UUID, document: Mapping[str, Any]
) -> list[StatedLink]:
    """Links the testimony itself states (its ``links``, family members' record ids)."""
    raw: list[tuple[str, str]] = []
    for link in _list(document.get("links")):
        if isinstance(link.get("record_id"), str) and isinstance(link.get("relation"), str):
            raw.append((link["record_id"], _relation_of(link["relation"])))
    for member in _list(_dict(document.get("victim")).get("family_links")):
        if isinstance(member.get("record_id"), str):
            raw.append((member["record_id"], "family_member"))
    force = {
        (link.record_a, link.record_b, link.relation): link.state
        for link in links_in_force(session, [record_id])
    }
    found = []
    for text, relation in raw:
        try:
            other = uuid.UUID(text)
        except ValueError:
            continue
        if other == record_id:
            continue
        state = force.get((*_ordered(record_id, other), relation))
        found.append(StatedLink(other, relation, state != REMOVED))
    return found


@dataclass(frozen=True)
class PersonView:
    """A person's page: their records, the links touching them, the decisions."""

    record_ids: list[uuid.UUID]
    sides: dict[uuid.UUID, Side]
    unreadable: list[uuid.UUID]
    #: The same-person links in force between the person's records.
    same: list[RecordLink]
    #: Links in force from decisions (other than the same-person links forming the person).
    links: list[RecordLink]
    stated: dict[uuid.UUID, list[StatedLink]]
    decisions: list[Decision]


def person_view(
    session: Session,
    keys: UnlockedKeys,
    record_id: uuid.UUID,
    *,
    actor: uuid.UUID | None,
    load: Callable[[uuid.UUID], dict[str, Any]] | None = None,
) -> PersonView:
    """Everything the person page shows about the person of ``record_id``; each
    record read is audited.
    """
    require_role(session, "casedb")

    def read(wanted: uuid.UUID) -> dict[str, Any]:
        return load_testimony(session, keys, wanted) if load is None else load(wanted)

    ids = person_of(session, record_id)
    sides, stated, unreadable = {}, {}, []
    for member in ids:
        try:
            document = read(member)
        except RecordUnreadableError:
            unreadable.append(member)
            continue
        record_event(
            session,
            keys,
            actor=actor,
            action="record.read",
            record_id=member,
            details={"view": "person"},
        )
        sides[member] = _side(member, document)
        stated[member] = stated_links(session, member, document)
    in_force = [link for link in links_in_force(session, ids) if link.state == LINKED]
    members = set(ids)

    def inside(link: RecordLink) -> bool:
        return link.relation == SAME_PERSON and {link.record_a, link.record_b} <= members

    same = [link for link in in_force if inside(link)]
    links = [link for link in in_force if not inside(link)]
    decisions = decisions_between(session, keys, ids)
    return PersonView(ids, sides, unreadable, same, links, stated, decisions)
