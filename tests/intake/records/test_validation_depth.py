"""The schema's depth bound, which lets a record the schema admits skip the depth walk."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

from intake.records.validation import (
    MAX_DEPTH,
    _admitted,
    depth_bound,
    load_definitions,
    validate_record,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"


def _nesting(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_nesting, value), default=0)
    return 1


def test_the_record_schema_bounds_nesting_below_the_limit() -> None:
    # Given the record schema / When its bound is computed
    bound = depth_bound(load_definitions().schema)
    # Then it is finite and within the limit (so the cheap path is taken)
    assert bound <= MAX_DEPTH
    # And every valid fixture nests no deeper than the bound says
    for path in EXAMPLE.glob("*.json"):
        assert _nesting(json.loads(path.read_text(encoding="utf-8"))) <= bound


def test_open_or_recursive_schemas_have_no_bound() -> None:
    # Given schemas that leave some value open, or refer to themselves
    recursive = {"$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}}}
    recursive["$ref"] = "#/$defs/n"
    open_object = {"type": "object", "properties": {"a": {"type": "string"}}}
    open_items = {"type": "array"}
    any_value = {"anyOf": [{"type": "string"}, {}]}
    # When bounded / Then none has a finite bound
    for schema in (recursive, open_object, open_items, any_value, {}):
        assert depth_bound(schema) == math.inf, schema


def test_closed_schemas_are_bounded_by_their_deepest_branch() -> None:
    # Given a closed object with a list of strings, and a choice of shapes
    closed = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"a": {"type": "array", "items": {"type": "string"}}},
    }
    choice = {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/c"}], "$defs": {"c": closed}}
    # When bounded / Then object, list and string are three levels
    assert depth_bound(closed) == 3
    assert depth_bound(choice) == 3
    assert depth_bound({"enum": ["x", [["y"]]]}) == 3


def test_an_admitted_record_with_a_broken_rule_is_still_refused() -> None:
    # Given a record the schema admits that links to itself (a record rule)
    document: dict[str, Any] = json.loads((EXAMPLE / "worked_example.json").read_text())
    broken = copy.deepcopy(document)
    broken["links"] = [{"record_id": broken["record_id"], "relation": "family_member"}]
    # When validated / Then the record rules still run on the cheap path
    assert _admitted(broken, load_definitions())
    assert validate_record(document) == []
    assert [problem.code for problem in validate_record(broken)] == ["self_link"]
