"""Testimonies for the statistics tests: copies of the public worked examples."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"
PUBLIC_EXAMPLES = ("worked_example", "camp_factory_witness", "factory_transfer")


def example(name: str) -> dict[str, Any]:
    """A public worked example with a fresh record id."""
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    document["record_id"] = str(uuid.uuid4())
    return document


def with_prefecture(name: str, prefecture: str) -> dict[str, Any]:
    """A copy of an example whose every episode place is in ``prefecture``."""
    document = copy.deepcopy(example(name))
    for episode in document.get("episodes", []):
        episode.pop("facility", None)
        episode["place"] = {"prefecture_id": prefecture}
    for labour in document.get("labour", []):
        labour.pop("facility", None)
    return document


def store(database: Any, keys: Any, documents: list[dict[str, Any]]) -> None:
    """Store the documents at the case database."""
    from intake.records.services import Incoming, store_testimonies

    with database.session() as session:
        store_testimonies(session, keys, [Incoming(document) for document in documents])


#: Three worked examples and four camp-factory witnesses: Ili is named by 7
#: testimonies, the glove factory of the worked example by 3, the year 2017 by 3.
def corpus() -> list[dict[str, Any]]:
    """The corpus the page and CLI tests store."""
    return [example("worked_example") for _ in range(3)] + [
        example("camp_factory_witness") for _ in range(4)
    ]
