"""The testimony schema is a well-formed draft 2020-12 schema with the fixed sections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from intake.records.models import SECTIONS as STORE_SECTIONS

SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "testimony.schema.json").read_text(
        encoding="utf-8"
    )
)
# The record store encrypts each of these top-level sections separately.
SECTIONS = list(STORE_SECTIONS)


def _objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(node)
        for child in node.values():
            found.extend(_objects(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(_objects(child))
    return found


def test_schema_is_valid_draft_2020_12() -> None:
    # Given the schema / When checked against its metaschema / Then it passes
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].endswith("/testimony/2.0.0")


def test_top_level_keys_are_version_id_and_the_encrypted_sections() -> None:
    # Given the top level / When its keys are listed
    # Then they are exactly these, all required (the record store relies on the names)
    assert list(SCHEMA["properties"]) == ["schema_version", "record_id", *SECTIONS]
    assert SCHEMA["required"] == ["schema_version", "record_id", *SECTIONS]
    assert SCHEMA["properties"]["schema_version"] == {"const": "2.0.0"}
    assert SCHEMA["properties"]["record_id"]["format"] == "uuid"


def test_every_object_refuses_unknown_fields() -> None:
    # Given every object schema / When additionalProperties is read / Then it is false
    assert [
        node for node in _objects(SCHEMA) if node.get("additionalProperties") is not False
    ] == []


def test_every_string_has_a_length_limit_or_a_closed_form() -> None:
    # Given every string-typed schema node
    def strings(node: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if isinstance(node, dict):
            if node.get("type") == "string":
                found.append(node)
            for child in node.values():
                found.extend(strings(child))
        elif isinstance(node, list):
            for child in node:
                found.extend(strings(child))
        return found

    # When checked / Then each has maxLength, an enum or an anchored pattern
    unbounded = [
        node
        for node in strings(SCHEMA)
        if "maxLength" not in node
        and "enum" not in node
        and not str(node.get("pattern", "")).endswith("$")
    ]
    assert unbounded == []


def test_text_limits_follow_the_house_rules() -> None:
    # Given names, notes and narrative / When their limits are read / Then 200, 2000, 200000
    defs, props = SCHEMA["$defs"], SCHEMA["properties"]
    assert defs["name_variant"]["properties"]["text"]["maxLength"] == 200
    assert props["victim"]["properties"]["note"]["maxLength"] == 2000
    assert props["narrative"]["properties"]["original"]["properties"]["text"]["maxLength"] == 200000
