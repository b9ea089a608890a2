"""Fixtures for exports: a case database holding synthetic or public-example records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.exports.synthetic import synthetic_corpus
from intake.records.services import Incoming, store_testimonies

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"
PUBLIC_EXAMPLES = ("worked_example.json", "camp_factory_witness.json", "factory_transfer.json")


def public_examples() -> list[dict[str, Any]]:
    """The three public worked examples."""
    return [json.loads((FIXTURES / name).read_text(encoding="utf-8")) for name in PUBLIC_EXAMPLES]


def store(database: Any, keys: Any, documents: list[dict[str, Any]]) -> None:
    """Store ``documents`` at the case database."""
    with database.session() as session:
        store_testimonies(session, keys, [Incoming(document=d) for d in documents])
        session.commit()


@pytest.fixture
def corpus() -> list[dict[str, Any]]:
    """Twelve synthetic records sharing their quasi-identifiers (k = 12, l = 2)."""
    return list(synthetic_corpus(12, uniform=True))


@pytest.fixture
def stored_corpus(database, casedb, corpus):  # type: ignore[no-untyped-def]
    """The case database keys, with the uniform corpus stored."""
    store(database, casedb, corpus)
    return casedb
