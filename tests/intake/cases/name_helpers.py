"""Making stored testimonies with chosen names for the search and persons tests."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from intake.names import detect_script
from intake.records.services import Incoming, store_testimonies

FIXTURES = Path(__file__).parents[2] / "fixtures" / "records" / "valid"
_MINIMAL = json.loads((FIXTURES / "minimal.json").read_text())


def _variant(text: str) -> dict[str, str]:
    return {"text": text, "script": detect_script(text), "kind": "full"}


def document(
    *names: str,
    born: str | None = None,
    id_number: str | None = None,
    informant: str | None = None,
    county: str | None = None,
    links: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A valid testimony whose victim has ``names`` (each a full-name variant)."""
    doc = copy.deepcopy(_MINIMAL)
    doc["record_id"] = str(uuid.uuid4())
    doc["victim"]["names"] = [_variant(n) for n in names]
    if born:
        doc["victim"]["birth_date"] = {"precision": "year", "value": born}
    if id_number:
        doc["victim"]["resident_id_number"] = id_number
    if county:
        doc["victim"]["home_place"] = {"prefecture_id": county.split(".")[0], "county_id": county}
    if informant:
        doc["informants"][0]["names"] = [_variant(informant)]
    if links:
        doc["links"] = links
    return doc


def store(database: Any, keys: Any, *documents: dict[str, Any]) -> list[uuid.UUID]:
    """Store ``documents`` at the case database in one transaction; their ids."""
    with database.session() as session:
        ids = store_testimonies(session, keys, [Incoming(d) for d in documents])
    return ids
