"""The candidates rule, applied inside one query, against the rule written plainly."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import delete, insert

from intake.cases.models import BlindIndexRow
from intake.cases.search import candidates
from tests.intake.cases.name_helpers import document, store


def _plainly(
    rows: list[tuple[str, int, uuid.UUID]],
    values: dict[str, set[int]],
    *,
    least: int,
    limit: int,
) -> dict[str, list[uuid.UUID]]:
    """The rule: records sharing at least ``least`` of a kind's values, most first (then
    by id); the first ``limit`` times the kinds asked of all; of those the first
    ``limit`` of each kind sharing at least half as many as the first of the kind."""
    counts: dict[tuple[str, uuid.UUID], int] = {}
    for kind, value, record_id in rows:
        if value in values.get(kind, set()):
            counts[(kind, record_id)] = counts.get((kind, record_id), 0) + 1
    ranked = sorted(
        ((kind, record_id, hits) for (kind, record_id), hits in counts.items() if hits >= least),
        key=lambda row: (-row[2], row[1]),
    )[: limit * sum(1 for wanted in values.values() if wanted)]
    chosen: dict[str, list[uuid.UUID]] = {}
    for kind in values:
        mine = [(record_id, hits) for k, record_id, hits in ranked if k == kind]
        if mine:
            cutoff = max(least, (mine[0][1] + 1) // 2)
            chosen[kind] = [record_id for record_id, hits in mine[:limit] if hits >= cutoff]
    return {kind: ids for kind, ids in chosen.items() if ids}


def test_the_query_chooses_what_the_rule_chooses(database, casedb):
    # Given twenty records whose index rows are replaced by random ones: ten with
    # victim-name values, ten with testifier values (ties broken by id)
    ids = store(database, casedb, *(document(f"Name{n} Family{n}") for n in range(20)))
    rng = random.Random(7)
    for round_ in range(24):
        rows = [
            (kind, value, record_id)
            for kind, owners in (("name", ids[:10]), ("informant", ids[10:]))
            for record_id in owners
            for value in rng.sample(range(12), rng.randint(0, 9))
        ]
        with database.session() as session:
            session.execute(delete(BlindIndexRow))
            session.execute(
                insert(BlindIndexRow),
                [
                    {"kind": kind, "value": value, "record_id": record_id, "bits": 4, "rules": "t"}
                    for kind, value, record_id in rows
                ],
            )
            session.commit()
        # When the candidates of random query values are chosen
        values = {"name": set(rng.sample(range(12), 6)), "informant": set(rng.sample(range(12), 5))}
        if round_ % 4 == 0:
            values["informant"] = set()  # a kind with no values is not asked about
        least, limit = rng.randint(1, 2), rng.randint(1, 8)
        with database.session() as session:
            found = candidates(session, values, least=least, limit=limit)
        # Then they are those the rule chooses, in its order
        assert found == _plainly(rows, values, least=least, limit=limit), round_
