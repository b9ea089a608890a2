"""Finding a person by any spelling of the name, or by a PRC ID number.

A query name gives its matching keys (intake.names), the keys their truncated blind
index values, the values the candidate records (one SQL ``IN`` over the index, most
shared values first). The candidates are decrypted and ranked by comparing the query
with every variant of the victim's (and the testifiers') names; only real matches are
returned, each with the variant that matched, the score and which part matched which.
The audit records that a search happened and how many results it had, never the term.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session

from intake.audit.services import record_event, shown_records
from intake.cases.blind import (
    ID_NUMBER,
    INFORMANT,
    NAME,
    Plan,
    check_fresh,
    id_key,
    informant_names,
    load_plans,
    looks_like_id_number,
    normalise_id_number,
    values_of,
    victim_names,
)
from intake.cases.models import BlindIndexRow
from intake.errors import N_, IntakeError
from intake.interview import vocab
from intake.names import NameVariant, TokenMatch, matching_keys, rank
from intake.records import services as records
from intake.records.shape import mapping as _dict
from intake.workspace.services import require_role
from intake.workspace.vault import UnlockedKeys

#: Records decrypted and compared at most for one query (those sharing most values).
MAX_CANDIDATES = 120
#: Results shown at most.
MAX_RESULTS = 25
#: Longest search term accepted.
MAX_QUERY = 200


class EmptySearchError(IntakeError):
    """The search term is empty or too long."""

    status = 400


@dataclass(frozen=True)
class Hit:
    """One record found: who it is about and why it was found.

    Holds names from the record: show it only to someone allowed to read it.
    """

    record_id: uuid.UUID
    #: The victim's names as recorded (pseudonyms left out).
    names: tuple[str, ...]
    #: "victim" (the victim's name matched), "informant" (a testifier's), "id".
    found_as: str
    #: The recorded variant that matched best.
    variant: str
    #: 0..1; 1.0 for an ID number.
    score: float
    tokens: tuple[TokenMatch, ...]
    birth_year: str | None
    home: str | None
    gender: str | None


def birth_year(document: Mapping[str, Any]) -> str | None:
    """The victim's birth year, or "~YYYY" from an age as of a date."""
    victim = _dict(document.get("victim"))
    value = _dict(victim.get("birth_date")).get("value")
    if isinstance(value, str) and value[:4].isdigit():
        return value[:4]
    age = _dict(victim.get("approximate_age"))
    as_of = _dict(age.get("as_of")).get("value")
    if isinstance(age.get("years"), int) and isinstance(as_of, str) and as_of[:4].isdigit():
        return f"~{int(as_of[:4]) - age['years']}"
    return None


def home_place(document: Mapping[str, Any]) -> str | None:
    """The victim's home place in words: its county, prefecture or province named in
    the reader's language, else the place in the testifier's words, else its country."""
    home = _dict(_dict(document.get("victim")).get("home_place"))
    for field in ("county_id", "prefecture_id", "province_id"):
        if isinstance(home.get(field), str):
            return vocab.place_name(home[field])
    if isinstance(home.get("free_text"), str):
        return str(home["free_text"])
    if isinstance(home.get("country"), str):
        return vocab.country_name(home["country"])
    return None


def display_names(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The victim's recorded names, pseudonyms left out."""
    return tuple(v.text for v in victim_names(document) if v.kind != "pseudonym")


def candidates(
    session: Session, values: Mapping[str, set[int]], *, least: int, limit: int
) -> dict[str, list[uuid.UUID]]:
    """Records worth decrypting, by kind of index, most shared values first.

    A record must share at least ``least`` of the kind's ``values``, and at least half
    as many as the record sharing most: a namesake in one part only (a common given
    name) shares two or three values where the same person written another way shares
    most of them. Of all kinds together the first ``limit`` times the kinds asked are
    kept (most values shared first, then by id), and of those the first ``limit`` of
    each kind. One plain grouped query per kind (what the database does fastest); the
    rest is a sort of a few hundred counts here.
    """
    kinds = tuple(kind for kind, kind_values in values.items() if kind_values)
    if not kinds:
        return {}
    overall = limit * len(kinds)
    counted: list[tuple[int, Any, str]] = []
    for kind in kinds:
        parameters = {"kind": kind, "values": sorted(values[kind]), "least": least}
        rows = session.execute(_COUNTED, {**parameters, "overall": overall})
        counted.extend((hits, record_id, kind) for record_id, hits in rows)
    # Ids come back as stored (text on SQLite, uuid on PostgreSQL): both sort as UUIDs.
    counted.sort(key=lambda row: (-row[0], row[1]))
    chosen: dict[str, list[uuid.UUID]] = {}
    best: dict[str, int] = {}
    for hits, record_id, kind in counted[:overall]:
        mine = chosen.setdefault(kind, [])
        # Within a kind the counts only fall: the first is the best, and once one is
        # under half of it, so are all after it.
        if len(mine) < limit and hits * 2 >= best.setdefault(kind, hits):
            mine.append(record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(record_id))
    return chosen


def _counted_query() -> Select[Any, int]:
    """Records sharing at least ``least`` of ``values`` of index ``kind``, with how
    many, most first (then by id), the first ``overall`` of them; ids as stored."""
    index = cast(Table, BlindIndexRow.__table__).c
    hits = func.count()
    return (
        select(type_coerce(index.record_id, String).label("record_id"), hits.label("hits"))
        .where(
            index.kind == bindparam("kind"),
            index.value.in_(bindparam("values", expanding=True)),
        )
        .group_by(index.record_id)
        .having(hits >= bindparam("least"))
        .order_by(hits.desc(), index.record_id)
        .limit(bindparam("overall"))
    )


#: Built once: building the statement costs about as much as running it.
_COUNTED = _counted_query()


#: The sections search reads: names, birth year, home place, ID number, testifiers.
NAME_SECTIONS = ("victim", "informants")
Opener = Callable[[Sequence[uuid.UUID]], dict[uuid.UUID, dict[str, Any]]]


def open_name_sections(
    session: Session, keys: UnlockedKeys, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The victim and informants sections of records ``ids``, decrypted in bulk, each
    checked against the record's authenticated manifest (only these are read: the
    record's page checks the rest); erased records and records whose sections fail
    are left out (their own page says why)."""
    opened = records.open_named_sections(session, keys, list(ids), sections=NAME_SECTIONS)
    return {
        record_id: {name: document[name] for name in NAME_SECTIONS if name in document}
        for record_id, document in opened.items()
    }


def _hit(record_id: uuid.UUID, document: dict[str, Any], **found: Any) -> Hit:
    victim = _dict(document.get("victim"))
    gender = victim.get("gender")
    return Hit(
        record_id=record_id,
        names=display_names(document),
        birth_year=birth_year(document),
        home=home_place(document),
        gender=gender if isinstance(gender, str) else None,
        **found,
    )


def _by_name(
    session: Session,
    plans: Mapping[str, Plan],
    open_many: Opener,
    query: str,
) -> list[Hit]:
    plain = matching_keys(query)
    least = min(2, len(plain))
    found: dict[uuid.UUID, Hit] = {}
    kinds = ((NAME, victim_names, "victim"), (INFORMANT, informant_names, "informant"))
    ids = candidates(
        session,
        {kind: values_of(plans[kind], plain) for kind, _, _ in kinds},
        least=least,
        limit=MAX_CANDIDATES,
    )
    documents = open_many(sorted({i for kind_ids in ids.values() for i in kind_ids}))
    for kind, names_of, found_as in kinds:
        opened = [(i, documents[i]) for i in ids.get(kind, ()) if i in documents]
        ranked = rank(NameVariant(query), ((i, names_of(d)) for i, d in opened if i not in found))
        for item in ranked:
            if item.match.is_match:
                found[item.key] = _hit(
                    item.key,
                    documents[item.key],
                    found_as=found_as,
                    variant=item.variant,
                    score=item.score,
                    tokens=item.match.tokens,
                )
    hits = sorted(found.values(), key=lambda hit: (hit.found_as != "victim", -hit.score))
    return hits[:MAX_RESULTS]


def _by_id_number(
    session: Session,
    plans: Mapping[str, Plan],
    open_many: Opener,
    query: str,
) -> list[Hit]:
    wanted = id_key(query)
    values = {ID_NUMBER: values_of(plans[ID_NUMBER], {wanted})}
    ids = candidates(session, values, least=1, limit=MAX_CANDIDATES).get(ID_NUMBER, [])
    hits = []
    for record_id, document in open_many(ids).items():
        number = _dict(document.get("victim")).get("resident_id_number")
        # The index is truncated: only an equal number (compared decrypted) is a hit.
        if isinstance(number, str) and id_key(number) == wanted:
            hits.append(
                _hit(record_id, document, found_as="id", variant=number, score=1.0, tokens=())
            )
    return hits


def search(session: Session, keys: UnlockedKeys, query: str) -> list[Hit]:
    """Records about the person ``query`` names (any script) or whose ID number it is."""
    require_role(session, "casedb")
    query = " ".join(query.split())
    if not query or len(query) > MAX_QUERY:
        raise EmptySearchError(N_("Type a name or an ID number (at most 200 characters)."))
    plans = load_plans(session, keys)
    check_fresh(plans)

    def open_many(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        return open_name_sections(session, keys, ids)

    if looks_like_id_number(query):
        return _by_id_number(session, plans, open_many, query)
    return _by_name(session, plans, open_many, query)


def search_people(
    session: Session, keys: UnlockedKeys, query: str, *, actor: uuid.UUID | None
) -> list[Hit]:
    """:func:`search`, recorded in the audit as "search" with the count of records found
    and, for a name, their ids (and whether it was an ID number), never the term.
    """
    hits = search(session, keys, query)
    kind = "id" if looks_like_id_number(query) else "name"
    record_event(
        session,
        keys,
        actor=actor,
        action="search",
        # The records a name search found, by id; not those of an ID number search,
        # which are exactly the records holding the number searched for.
        details={"by": kind, "results": len(hits)}
        | ({} if kind == "id" else shown_records(h.record_id for h in hits)),
    )
    return hits


__all__ = ["Hit", "normalise_id_number", "search", "search_people"]
