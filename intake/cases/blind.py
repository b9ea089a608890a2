"""Blind indexes of the case database: the rows that let a name or ID number find records.

A record contributes, for its victim's names (every variant, every script), the keys
``intake.names.matching_keys`` gives; for its testifiers' names the same, as a
separate kind; and for a PRC resident ID number its compact form. Each key is HMACed
with a key derived from the keyring and truncated to ``bits`` (crypto.blind_index), so
a value is shared by several rows and says nothing by itself. No plaintext is stored.

Sizing: the bits come from ``plan_bits(planned_rows)``, where planned_rows is the
planning figure :data:`PLANNED_RECORDS` (or the figure given to ``intake search
reindex --records N``) times the rows one record gives on average (:data:`ROWS_PER_RECORD`).
The plan of each kind (bits, rules version, key id, planned rows) is kept in
``blind_index_plan`` and the bits and rules version with every row, so a rebuild
(after a keyring rotation, a rules change or growth) can tell that it is needed.
"""

from __future__ import annotations

import re
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from stdnum.cn import ric

from crypto import Keyring
from crypto.blind_index import BlindIndexKey, blind_index, plan_bits
from intake.bulk import bulk_insert
from intake.cases.models import BlindIndexPlan, BlindIndexRow, PersonCandidate
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.names import RULES_VERSION, NameVariant, matching_keys
from intake.records.models import Testimony
from intake.records.shape import mapping as _dict
from intake.records.shape import mappings as _list
from intake.workspace.vault import UnlockedKeys

#: Kinds of index: the victim's names, the testifiers' names, PRC resident ID numbers.
NAME, INFORMANT, ID_NUMBER = "name", "informant", "id"
KINDS = (NAME, INFORMANT, ID_NUMBER)

#: Planning figure: the number of testimonies a case database is sized for until an
#: administrator gives another (``intake search reindex --records N``).
PLANNED_RECORDS = 100_000

#: Index rows one record gives on average, set a little low on purpose (fewer bits, more
#: rows per value): generated records gave 6.5 name rows each (about 7 keys a variant,
#: most keys shared between a person's spellings); many records name no testifier.
ROWS_PER_RECORD = {NAME: 6, INFORMANT: 4, ID_NUMBER: 1}

#: Rules version of ID number keys.
ID_RULES = "id-1"

_RULES = {NAME: RULES_VERSION, INFORMANT: RULES_VERSION, ID_NUMBER: ID_RULES}


class SearchIndexStaleError(IntakeError):
    """The blind index was built with another key or rules version: rebuild it."""

    status = 409


@dataclass(frozen=True)
class Plan:
    """The key and rules of one kind of index, as used for writing and querying."""

    kind: str
    key: BlindIndexKey
    rules: str
    stale: bool


def _key_name(kind: str) -> str:
    return f"cases/{kind}"


def _root_id(keys: UnlockedKeys) -> str:
    return keys.keyring.current_key_id


#: The plan columns, read as plain tuples (every search reads them).
_PLAN_COLUMNS = select(
    *(
        cast(Table, BlindIndexPlan.__table__).c[name]
        for name in ("kind", "bits", "rules", "key_id", "planned_rows")
    )
)

#: Plans made from the plan rows, per unlocked keyring and rows: deriving the keys is
#: most of a plan's cost, and a keyring never changes (a rotation makes a new one).
#: Entries go with the keyring when the workspace locks.
_DERIVED: weakref.WeakKeyDictionary[Keyring, dict[tuple[Any, ...], dict[str, Plan]]] = (
    weakref.WeakKeyDictionary()
)


def load_plans(session: Session, keys: UnlockedKeys) -> dict[str, Plan]:
    """The plan of every kind; made from the planning figure when there is none yet.

    The rows are read every time (a reindex or another process may change them); the
    keys are derived again only when the rows differ from the last ones seen.
    """
    rows = tuple(sorted(tuple(row) for row in session.execute(_PLAN_COLUMNS)))
    if len(rows) < len(KINDS):
        stored = _first_plans(session, keys, {row[0]: row for row in rows})
        rows = tuple(
            sorted(
                (row.kind, row.bits, row.rules, row.key_id, row.planned_rows)
                for row in stored.values()
            )
        )
    known = _DERIVED.setdefault(keys.keyring, {})
    plans = known.get(rows)
    if plans is None:
        plans = _plans_of(keys, rows)
        known.clear()  # only the newest rows are worth keeping
        known[rows] = plans
    return plans


def _plans_of(keys: UnlockedKeys, rows: tuple[tuple[Any, ...], ...]) -> dict[str, Plan]:
    stored = {row[0]: row for row in rows}
    plans = {}
    for kind in KINDS:
        _, bits, rules, key_id, planned_rows = stored[kind]
        key = keys.keyring.blind_index_key(_key_name(kind), expected_rows=planned_rows)
        stale = key_id != _root_id(keys) or rules != _RULES[kind] or key.bits != bits
        plans[kind] = Plan(kind, key, rules, stale)
    return plans


def _first_plans(
    session: Session, keys: UnlockedKeys, stored: Mapping[str, object]
) -> dict[str, BlindIndexPlan]:
    """Write the plans from the planning figure (first records stored). Two first
    imports at once: the one that loses the race reads the winner's plans instead.
    """
    try:
        with session.begin_nested():
            for kind in set(KINDS) - set(stored):
                rows = PLANNED_RECORDS * ROWS_PER_RECORD[kind]
                session.add(
                    BlindIndexPlan(
                        kind=kind,
                        bits=plan_bits(rows),
                        rules=_RULES[kind],
                        key_id=_root_id(keys),
                        planned_rows=rows,
                    )
                )
    except IntegrityError:
        pass
    return {row.kind: row for row in session.scalars(select(BlindIndexPlan))}


def _variant(name: Mapping[str, Any]) -> NameVariant | None:
    text = name.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    kind = "pseudonym" if name.get("is_pseudonym") else name.get("kind")
    return NameVariant(text, name.get("script"), kind if isinstance(kind, str) else None)


def victim_names(document: Mapping[str, Any]) -> list[NameVariant]:
    """The victim's name variants (pseudonyms included, marked: they never match)."""
    names = _list(_dict(document.get("victim")).get("names"))
    return [variant for variant in map(_variant, names) if variant is not None]


def informant_names(document: Mapping[str, Any]) -> list[NameVariant]:
    """The name variants of every testifier of the record."""
    found = []
    for informant in _list(document.get("informants")):
        found += [v for v in map(_variant, _list(informant.get("names"))) if v is not None]
    return found


_ID_CHARS = re.compile(r"[^0-9A-Za-z]")


def normalise_id_number(text: str) -> str | None:
    """A PRC resident ID number in its compact form (18 characters, X upper case),
    or None when ``text`` is not one (wrong length, or the check digit disagrees).
    """
    compact = _ID_CHARS.sub("", text).upper()
    try:
        return str(ric.validate(compact))
    except ValueError:  # stdnum's ValidationError is a ValueError
        return None


def looks_like_id_number(text: str) -> bool:
    """Whether a search term is an ID number rather than a name."""
    compact = _ID_CHARS.sub("", text)
    return len(compact) >= 15 and compact[:-1].isdigit()


def id_key(text: str) -> str:
    # Numbers that fail the check are indexed as typed (compacted): a wrong digit in a
    # testimony must not make the person unfindable by that same number.
    return normalise_id_number(text) or _ID_CHARS.sub("", text).upper()


def record_keys(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """The plaintext keys a record gives, by kind (never stored: HMACed by the caller)."""
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for variant in victim_names(document):
        found[NAME] |= matching_keys(variant.text, script=variant.script, kind=variant.kind)
    for variant in informant_names(document):
        found[INFORMANT] |= matching_keys(variant.text, script=variant.script, kind=variant.kind)
    number = _dict(document.get("victim")).get("resident_id_number")
    if isinstance(number, str) and _ID_CHARS.sub("", number):
        found[ID_NUMBER].add(id_key(number))
    return found


def values_of(plan: Plan, plain_keys: Iterable[str]) -> set[int]:
    """The truncated index values of ``plain_keys`` under ``plan``."""
    return {blind_index(plan.key, key) for key in plain_keys}


def index_values(
    plans: Mapping[str, Plan], found: Mapping[str, Iterable[str]]
) -> tuple[tuple[str, int], ...]:
    """(kind, value) of a record's :func:`record_keys` under ``plans``, each once."""
    return tuple(
        (kind, value) for kind, plain in found.items() for value in values_of(plans[kind], plain)
    )


#: The columns of a ``blind_index`` row, in the order of :data:`BlindRow`.
BLIND_COLUMNS = ("kind", "value", "record_id", "bits", "rules")
#: One ``blind_index`` row: kind, value, record id, bits, rules.
BlindRow = tuple[str, int, uuid.UUID, int, str]


def blind_rows(
    plans: Mapping[str, Plan], items: Iterable[tuple[uuid.UUID, Mapping[str, Any]]]
) -> list[BlindRow]:
    """Rows of ``blind_index`` for records given as (id, decrypted document)."""
    return indexed_rows(
        plans,
        (
            (kind, value, record_id)
            for record_id, document in items
            for kind, value in index_values(plans, record_keys(document))
        ),
    )


def indexed_rows(
    plans: Mapping[str, Plan], indexed: Iterable[tuple[str, int, uuid.UUID]]
) -> list[BlindRow]:
    """Rows of ``blind_index`` for values already HMACed, as (kind, value, record id)."""
    return [
        (kind, value, record_id, plans[kind].key.bits, plans[kind].rules)
        for kind, value, record_id in indexed
    ]


#: A value shared by more rows than this is too common to pair records on.
BUCKET_CAP = 40
#: Name values two records must share to be a same-person candidate pair.
LEAST_SHARED = 2
#: What an equal ID number value adds to a pair's count.
ID_WEIGHT = 100
#: Values asked about in one query (well under every backend's parameter limit).
_CHUNK = 2000


def insert_rows(session: Session, rows: list[BlindRow]) -> None:
    """Bulk insert of ``blind_index`` rows, then the same-person candidate pairs the
    new records make with those already indexed.
    """
    if rows:
        bulk_insert(session, cast(Table, BlindIndexRow.__table__), BLIND_COLUMNS, rows)
        pair_new_records(
            session, [(kind, value, record_id) for kind, value, record_id, _, _ in rows]
        )


def _small_buckets(session: Session, kind: str, values: list[int]) -> dict[int, list[int]]:
    """The records (as their ids' integers) of each value of ``values`` shared by at
    most BUCKET_CAP rows."""
    buckets: dict[int, list[int]] = {}
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        small = (
            select(BlindIndexRow.value)
            .where(BlindIndexRow.kind == kind, BlindIndexRow.value.in_(chunk))
            .group_by(BlindIndexRow.value)
            .having(func.count() <= BUCKET_CAP)
        )
        query = select(BlindIndexRow.value, BlindIndexRow.record_id).where(
            BlindIndexRow.kind == kind, BlindIndexRow.value.in_(small)
        )
        for value, record_id in session.execute(query):
            buckets.setdefault(value, []).append(record_id.int)
    return buckets


def pair_new_records(session: Session, rows: Sequence[tuple[str, int, uuid.UUID]]) -> int:
    """Add the candidate pairs of the records in ``rows`` (just indexed, as (kind,
    value, record id)): records sharing at least LEAST_SHARED name values of small
    buckets, or an ID number value. Only the new records' own values are looked up,
    so storing N records costs about N lookups whatever the size of the database.
    Returns the pairs added.

    Ids are compared as their integers (in the same order as the UUIDs): uuid.UUID
    hashes and compares in Python, which made an import's pairing several times
    slower.
    """
    new = {record_id.int for _, _, record_id in rows}
    counts: dict[tuple[int, int], int] = {}
    for kind, weight in ((NAME, 1), (ID_NUMBER, ID_WEIGHT)):
        values = sorted({value for each, value, _ in rows if each == kind})
        for members in _small_buckets(session, kind, values).values():
            for mine in new.intersection(members):
                for other in members:
                    if other != mine and (other not in new or mine < other):
                        pair = (mine, other) if mine < other else (other, mine)
                        counts[pair] = counts.get(pair, 0) + weight
    found = [
        (uuid.UUID(int=a), uuid.UUID(int=b), shared)
        for (a, b), shared in counts.items()
        if shared >= LEAST_SHARED
    ]
    if found:
        bulk_insert(
            session,
            cast(Table, PersonCandidate.__table__),
            ("record_a", "record_b", "shared"),
            found,
        )
    return len(found)


def remove_blind_rows(session: Session, record_id: uuid.UUID) -> int:
    """Delete every index row of a record (erased); return how many went."""
    result = session.execute(delete(BlindIndexRow).where(BlindIndexRow.record_id == record_id))
    session.execute(
        delete(PersonCandidate).where(
            or_(PersonCandidate.record_a == record_id, PersonCandidate.record_b == record_id)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def index_again(
    session: Session, keys: UnlockedKeys, record_id: uuid.UUID, document: Mapping[str, Any]
) -> None:
    """Index a stored record again after a correction to its names or ID number."""
    remove_blind_rows(session, record_id)
    insert_rows(session, blind_rows(load_plans(session, keys), [(record_id, document)]))


def stored_ids(session: Session) -> Iterator[uuid.UUID]:
    """Ids of the stored (not erased) records."""
    for ids in _stored_ids(session, 1000):
        yield from ids


def _stored_ids(session: Session, batch: int) -> Iterator[list[uuid.UUID]]:
    query = select(Testimony.id).where(Testimony.state == "stored").order_by(Testimony.id)
    last: uuid.UUID | None = None
    while True:
        page = query if last is None else query.where(Testimony.id > last)
        ids = list(session.scalars(page.limit(batch)))
        if ids:
            yield ids
        if len(ids) < batch:
            return
        last = ids[-1]


def reindex(
    session: Session,
    keys: UnlockedKeys,
    open_many: Callable[[list[uuid.UUID]], Mapping[uuid.UUID, Mapping[str, Any]]],
    *,
    planned_records: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild every blind index with the current key and rules; return the records.

    ``planned_records`` sets the planning figure (default: the larger of
    :data:`PLANNED_RECORDS` and twice the records stored now). ``open_many`` decrypts
    record. Runs in the caller's transaction.
    """
    stored = int(session.scalar(select(func.count()).where(Testimony.state == "stored")) or 0)
    figure = planned_records or max(PLANNED_RECORDS, 2 * stored)
    session.execute(delete(BlindIndexRow))
    session.execute(delete(PersonCandidate))
    session.execute(delete(BlindIndexPlan))
    scrub_after_commit(session)  # the journal's copy of the old values goes too
    for kind in KINDS:
        session.add(
            BlindIndexPlan(
                kind=kind,
                bits=plan_bits(figure * ROWS_PER_RECORD[kind]),
                rules=_RULES[kind],
                key_id=_root_id(keys),
                planned_rows=figure * ROWS_PER_RECORD[kind],
            )
        )
    session.flush()
    plans = load_plans(session, keys)
    done = 0
    for ids in _stored_ids(session, 500):
        opened = open_many(ids)  # records that do not open (tampered) are left out
        insert_rows(session, blind_rows(plans, opened.items()))
        done += len(opened)
        if progress is not None:
            progress(done)
    return done


def check_fresh(plans: Mapping[str, Plan]) -> None:
    """Refuse to search an index built with another key or rules version."""
    if any(plan.stale for plan in plans.values()):
        raise SearchIndexStaleError(
            N_(
                "The search index was built with another key or rules version. "
                "An administrator runs: intake search reindex"
            )
        )
