"""Check a testimony record against the schema and the rules the schema cannot say.

``validate_record`` reports every problem at once, each with a JSON path, a
stable code, plain-English wording for a case coordinator and the parameters the
wording was built from (so the web layer can translate by code). It never
raises for any JSON value. ``load_record_file`` turns a file into a JSON object
or one ``RecordFileError`` with a clear message, never a traceback.

Messages may quote short values from the record (at most 40 characters, never an
identity number): treat a problem list as record content and do not log it.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from intake.errors import N_
from intake.records import derived, rules
from intake.records.problems import MESSAGES, Problem
from intake.records.problems import problem as _problem
from intake.records.problems import quote as _quote
from intake.records.upgrade import upgrade_record

#: Deeper nesting than this is refused before any recursive processing.
MAX_DEPTH = 64

#: How the expected form of a patterned field is described, by the schema's "x-hint".
FORMAT_HINTS: dict[str, str] = {
    "uuid": "a lowercase UUID such as 0b5e1c9a-3f7d-4a2e-9c61-2d8f4b7a1e03",
    "date_time": "a date and time with a time zone, such as 2024-05-01T09:30:00Z",
    "date": "a date such as 2024-05-01",
    "partial_date": "a year, year and month, or full date: 2018, 2018-03 or 2018-03-14",
    "place_id": "an id from the places list, such as ili.yining_county",
    "registry_id": "an id from the facility registry, such as jiafang_industrial_park",
    "episode_id": "letters, digits, '-' or '_', at most 40 characters",
    "country": "a two-letter country code such as KZ or CN",
    "sha256": "64 lowercase hexadecimal characters (a SHA-256 digest)",
    "media_type": "a media type such as image/jpeg or audio/ogg",
}
_DEFAULT_HINT = "see the field's description in the schema"

#: Plain names of JSON types, for "should be ..." messages.
TYPE_NAMES: dict[str, str] = {
    "object": "a group of fields",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "yes or no (true or false)",
    "null": "empty (null)",
}

#: Expected value shapes, by date precision, for precision_mismatch messages.
PRECISION_SHAPES: dict[str, str] = {
    "day": "a full date such as 2018-03-14",
    "month": "a year and month such as 2018-03",
    "year": "a year such as 2018",
    "season": "a year such as 2018, with the season given separately",
}

#: File-loading messages, kept together for translation.
FILE_MESSAGES: dict[str, str] = {
    "unreadable": N_("The file could not be opened or read. Check that it exists and is readable."),
    "too_large": (
        N_(
            "The file is larger than {limit} bytes, too large for one testimony record. "
            "Check that it is the right file."
        )
    ),
    "not_utf8": (
        N_(
            "The file is not UTF-8 text (the first bad byte is at position {position}). "
            "Save or export it as UTF-8 and try again."
        )
    ),
    "not_json": N_("The file is not valid JSON: {reason} at line {line}, column {column}."),
    "bad_constant": (
        N_("The file is not valid JSON: it contains {constant}, which JSON does not allow.")
    ),
    "duplicate_key": (
        N_(
            "The file has the field '{key}' twice in the same group, so it is ambiguous "
            "which value is meant."
        )
    ),
    "number_too_long": N_("The file contains a number too long to be a real value."),
    "too_deep": (
        N_(
            "The file is nested more than {limit} levels deep, which no testimony is. "
            "It may be damaged or may not be a testimony."
        )
    ),
    "not_object": (
        N_("The file must contain one JSON object (a testimony record), but it contains {actual}.")
    ),
}


class RecordFileError(Exception):
    """A record file could not be read as one JSON object; the message says why."""


@dataclass(frozen=True, eq=False)
class RecordDefinitions:
    """The schema, codebook and reference tables a record is checked against."""

    schema: dict[str, Any]
    codebook: dict[str, Any]
    places: dict[str, Any]
    facilities: dict[str, Any]

    @cached_property
    def depth_bound(self) -> float:
        """The most levels of nesting a record the schema admits can have."""
        return depth_bound(self.schema)

    @cached_property
    def work_kinds(self) -> frozenset[str]:
        """Episode kinds in the codebook's "work" group."""
        return _group_kinds(self.codebook, "work")

    @cached_property
    def detention_kinds(self) -> frozenset[str]:
        """Episode kinds in the codebook's "detention" group."""
        return _group_kinds(self.codebook, "detention")

    @cached_property
    def labour_kinds(self) -> frozenset[str]:
        """Episode kinds labour details may belong to: work, and any detention (prison
        labour, camp workshops)."""
        return self.work_kinds | self.detention_kinds

    @cached_property
    def province_ids(self) -> frozenset[str]:
        """Ids of the provincial-level divisions outside Xinjiang."""
        return frozenset(entry["id"] for entry in self.places.get("provinces", []))

    @cached_property
    def prefecture_of_county(self) -> dict[str, str]:
        """County id -> prefecture id."""
        return {
            county["id"]: prefecture["id"]
            for prefecture in self.places.get("prefectures", [])
            for county in prefecture.get("counties", [])
        }

    @cached_property
    def facility_ids(self) -> frozenset[str]:
        """Ids of the facility registry."""
        return frozenset(entry["id"] for entry in self.facilities.get("facilities", []))


def _group_kinds(codebook: Mapping[str, Any], group: str) -> frozenset[str]:
    codes = codebook["vocabularies"]["episode_kind"]["codes"]
    return frozenset(code["code"] for code in codes if group in code.get("groups", []))


@lru_cache(maxsize=4)
def load_definitions(schemas_dir: Path | None = None) -> RecordDefinitions:
    """Read schema, codebook, places and facilities from ``schemas/`` (or ``schemas_dir``)."""
    base = schemas_dir or derived.SCHEMAS_DIR
    return RecordDefinitions(
        schema=derived.load_schema(base / "testimony.schema.json"),
        codebook=derived.load_codebook(base / "codebook.json"),
        places=derived.load_reference("places", path=base / "reference" / "places.json"),
        facilities=derived.load_reference(
            "facilities", path=base / "reference" / "facilities.json"
        ),
    )


@lru_cache(maxsize=4)
def _validator(definitions: RecordDefinitions) -> Draft202012Validator:
    return Draft202012Validator(
        definitions.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@lru_cache(maxsize=4)
def _compiled(definitions: RecordDefinitions) -> Any:
    # A compiled validator answers "valid?" about a hundred times faster than the
    # reference implementation; only a record it refuses is walked again by the
    # reference validator, whose errors become the plain-language problems.
    return jsonschema_rs.validator_for(definitions.schema, validate_formats=True)


def _admitted(document: dict[str, Any], definitions: RecordDefinitions) -> bool:
    """The compiled validator admits ``document`` and no value it admits nests deeper
    than MAX_DEPTH. (It stops at the first level the schema refuses, so a hostile
    deeply nested value costs it nothing.)"""
    if definitions.depth_bound > MAX_DEPTH:
        return False
    try:
        return bool(_compiled(definitions).is_valid(document))
    except (UnicodeError, ValueError, OverflowError):
        return False


def depth_bound(schema: dict[str, Any]) -> float:
    """The most levels of nesting (a scalar is one level) a value valid against
    ``schema`` can have; infinity where the schema leaves some value open. An upper
    bound: keywords that only narrow further (if, not, patterns) are not counted.
    """
    return _node_bound(schema, schema, frozenset())


def _value_depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_value_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_value_depth, value), default=0)
    return 1


def _node_bound(node: object, root: dict[str, Any], resolving: frozenset[str]) -> float:
    if node is False:
        return 0
    if not isinstance(node, dict):  # true, or not a schema: anything goes
        return math.inf
    bounds: list[float] = []
    if "const" in node:
        bounds.append(_value_depth(node["const"]))
    if isinstance(node.get("enum"), list):
        bounds.append(max(map(_value_depth, node["enum"]), default=0))
    reference = node.get("$ref")
    if isinstance(reference, str):
        target = _local_target(root, reference)
        if target is not None and reference not in resolving:
            bounds.append(_node_bound(target, root, resolving | {reference}))
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list) and node[key]:
            bounds.append(max(_node_bound(branch, root, resolving) for branch in node[key]))
    if isinstance(node.get("allOf"), list) and node["allOf"]:
        bounds.append(min(_node_bound(branch, root, resolving) for branch in node["allOf"]))
    types = node.get("type")
    allowed = {types} if isinstance(types, str) else set(types) if isinstance(types, list) else None
    shapes: list[float] = []
    if allowed is None or "object" in allowed:
        children = [
            *(node.get("properties") or {}).values(),
            *(node.get("patternProperties") or {}).values(),
            node.get("additionalProperties", True),
        ]
        shapes.append(1 + max(_node_bound(child, root, resolving) for child in children))
    if allowed is None or "array" in allowed:
        items = node.get("items", True)
        children = [
            *(node.get("prefixItems") or []),
            items if isinstance(items, dict | bool) else True,
        ]
        shapes.append(1 + max(_node_bound(child, root, resolving) for child in children))
    if allowed is None or allowed - {"object", "array"}:
        shapes.append(1)
    bounds.append(max(shapes))
    return min(bounds)


def _local_target(root: dict[str, Any], reference: str) -> object | None:
    if not reference.startswith("#/"):
        return None
    target: object = root
    for part in reference[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return None
        target = target[part]
    return target


def _schema_problems(document: dict[str, Any], definitions: RecordDefinitions) -> list[Problem]:
    try:
        if _compiled(definitions).is_valid(document):
            return []
    except (UnicodeError, ValueError, OverflowError):
        pass  # text the compiled validator cannot take (a lone surrogate): walk it below

    return [
        problem
        for error in _validator(definitions).iter_errors(document)
        for problem in _translate(error)
    ]


# --- entry point -------------------------------------------------------------


def validate_record(
    document: object, *, definitions: RecordDefinitions | None = None
) -> list[Problem]:
    """Every problem with ``document`` as a testimony record; empty when it is valid.

    A record of an older schema version is first upgraded (see
    :mod:`intake.records.upgrade`), so paths name the fields of the current version.
    Schema problems (missing or unexpected fields, unknown codes, lengths,
    formats) and record rules (identity number check digit, impossible dates,
    episode order, wage completeness, labour-episode references, unique episode
    ids, no self-links, known places and facilities) are all reported together,
    sorted by path. Never raises for a JSON value (nor for deeply nested input).
    """
    definitions = definitions or load_definitions()
    if isinstance(document, dict) and _admitted(document, definitions):
        # The usual case, checked cheaply first: a current record the schema admits
        # nests no deeper than the schema allows, so neither the depth walk nor the
        # upgrade (a no-op for a current record) is needed; only the record rules run.
        problems = _semantic_problems(document, definitions)
    else:
        if _depth_exceeds(document, MAX_DEPTH):
            return [_problem("$", "too_deeply_nested", limit=MAX_DEPTH)]
        if not isinstance(document, dict):
            return [_problem("$", "not_an_object", actual=_json_type_name(document))]
        document = upgrade_record(document)
        try:
            problems = _schema_problems(document, definitions)
            problems.extend(_semantic_problems(document, definitions))
        except RecursionError:
            return [_problem("$", "too_deeply_nested", limit=MAX_DEPTH)]
    unique: dict[tuple[str, str, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.path, problem.code, problem.message), problem)
    return sorted(unique.values(), key=lambda problem: (problem.path, problem.code))


def _depth_exceeds(value: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth > limit:
                return True
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children)
    return False


# --- schema errors to problems ------------------------------------------------


def json_path(parts: Iterator[Any] | Any) -> str:
    """Render path parts as a JSON path: ["episodes", 2, "end"] -> "$.episodes[2].end"."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            text += f".{part}"
        else:
            text += "[" + json.dumps(str(part), ensure_ascii=False) + "]"
    return text


def _field_name(parts: list[Any]) -> str:
    for part in reversed(parts):
        if isinstance(part, str):
            return part
    return "record"


def _json_type_name(value: object) -> str:
    if value is None:
        return TYPE_NAMES["null"]
    if isinstance(value, bool):
        return TYPE_NAMES["boolean"]
    if isinstance(value, dict):
        return TYPE_NAMES["object"]
    if isinstance(value, list):
        return TYPE_NAMES["array"]
    if isinstance(value, str):
        return TYPE_NAMES["string"]
    if isinstance(value, int):
        return TYPE_NAMES["integer"]
    return TYPE_NAMES["number"]


def _translate(error: ValidationError) -> list[Problem]:
    parts = list(error.absolute_path)
    path, name = json_path(parts), _field_name(parts)
    keyword, schema, instance = error.validator, error.schema, error.instance
    schema = schema if isinstance(schema, dict) else {}
    if "propertyNames" in error.absolute_schema_path:
        return []  # the same key is reported by additionalProperties, with the allowed names
    if keyword == "required":
        present = instance if isinstance(instance, dict) else {}
        return [
            _problem(json_path([*parts, missing]), "missing_field", field=missing)
            for missing in error.validator_value
            if missing not in present
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        return [
            _problem(
                json_path([*parts, extra]),
                "unexpected_field",
                field=_quote(extra),
                allowed=", ".join(allowed),
            )
            for extra in instance
            if extra not in allowed
        ]
    if keyword == "enum":
        return [
            _problem(
                path,
                "unknown_code",
                value=_quote(instance),
                field=name,
                vocabulary=schema.get("x-codebook", name),
                allowed=", ".join(str(code) for code in error.validator_value),
            )
        ]
    if keyword == "const":
        return [
            _problem(path, "wrong_value", field=name, expected=json.dumps(error.validator_value))
        ]
    if keyword == "type":
        expected = error.validator_value
        expected_names = [
            TYPE_NAMES.get(str(kind), str(kind))
            for kind in (expected if isinstance(expected, list) else [expected])
        ]
        return [
            _problem(
                path,
                "wrong_type",
                field=name,
                expected=" or ".join(expected_names),
                actual=_json_type_name(instance),
            )
        ]
    if keyword == "maxLength":
        return [
            _problem(
                path, "too_long", field=name, length=len(instance), limit=error.validator_value
            )
        ]
    if keyword == "minLength":
        return [_problem(path, "empty_text", field=name)]
    if keyword == "maxItems":
        return [
            _problem(path, "too_many", field=name, count=len(instance), limit=error.validator_value)
        ]
    if keyword == "minItems":
        return [
            _problem(path, "too_few", field=name, count=len(instance), limit=error.validator_value)
        ]
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least {0}",
            "exclusiveMinimum": "more than {0}",
            "maximum": "at most {0}",
            "exclusiveMaximum": "less than {0}",
        }[keyword].format(error.validator_value)
        code = "too_small" if "inimum" in keyword else "too_large"
        return [_problem(path, code, field=name, value=_quote(instance), bound=bound)]
    if keyword in ("pattern", "format"):
        hint = FORMAT_HINTS.get(schema.get("x-hint", ""), _DEFAULT_HINT)
        return [_problem(path, "bad_format", field=name, hint=hint)]
    if keyword == "uniqueItems":
        return [_problem(path, "duplicate_items", field=name)]
    if keyword == "minProperties":
        return [_problem(path, "empty_group", field=name)]
    if schema.get("x-problem") in MESSAGES:
        return [_problem(path, schema["x-problem"])]
    return [_problem(path, "invalid_value", field=name)]


# --- record rules --------------------------------------------------------------


def _items(document: Mapping[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    value = document.get(section)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _section(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = document.get(name)
    return value if isinstance(value, dict) else {}


def _semantic_problems(document: dict[str, Any], definitions: RecordDefinitions) -> list[Problem]:
    nodes = rules.nodes_of(document)
    problems: list[Problem] = []
    problems += rules.text_problems(document, nodes)
    problems += rules.number_problems(document, nodes)
    problems += _date_problems(document, nodes)
    problems += _identity_number_problems(_section(document, "victim"))
    problems += _episode_problems(document)
    problems += _labour_problems(document, definitions)
    problems += _place_and_facility_problems(document, definitions)
    problems += rules.informant_problems(document)
    problems += rules.victim_problems(document)
    problems += rules.knowledge_problems(document, nodes)
    problems += rules.connection_problems(document, definitions.detention_kinds)
    problems += rules.range_problems(document, nodes)
    problems += rules.wage_problems(document)
    record_id = document.get("record_id")
    for index, link in _items(document, "links"):
        if isinstance(record_id, str) and link.get("record_id") == record_id:
            problems.append(_problem(f"$.links[{index}].record_id", "self_link"))
    return problems


def _date_problems(document: Mapping[str, Any], nodes: rules.Nodes) -> list[Problem]:
    problems: list[Problem] = []
    # Only date-with-precision objects carry a "precision" key, wherever they are.
    for path, when in nodes.dated:
        problems += _date_with_precision_problems(path, when)
    withdrawal = _section(document, "consent").get("withdrawal")
    timestamps: list[tuple[str, object]] = []
    if isinstance(withdrawal, dict):
        timestamps.append(("$.consent.withdrawal.withdrawn_at", withdrawal.get("withdrawn_at")))
    timestamps += [
        (f"$.sources[{index}].captured_at", source.get("captured_at"))
        for index, source in _items(document, "sources")
    ]
    for path, value in timestamps:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", value):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                problems.append(_problem(path, "impossible_date", value=_quote(value)))
    return problems


#: Every precision a date may have; the schema reports any other.
_PRECISIONS = frozenset((*PRECISION_SHAPES, "approximate", "before", "after", "unknown"))
_DATE_VALUE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _date_with_precision_problems(path: str, when: Mapping[str, Any]) -> list[Problem]:
    precision, value, season = when.get("precision"), when.get("value"), when.get("season")
    if not isinstance(precision, str) or precision not in _PRECISIONS:
        return []  # the schema reports the unknown precision
    problems: list[Problem] = []
    if season is not None and precision != "season":
        problems.append(_problem(f"{path}.season", "season_unexpected", precision=precision))
    if precision == "season" and season is None:
        problems.append(_problem(f"{path}.season", "missing_field", field="season"))
    if precision == "unknown":
        if value is not None:
            problems.append(_problem(f"{path}.value", "value_with_unknown_precision"))
        return problems
    if value is None:
        return [*problems, _problem(f"{path}.value", "missing_field", field="value")]
    if not isinstance(value, str) or not _DATE_VALUE.fullmatch(value):
        return problems  # the schema reports the bad form
    if derived.day_span(value) is None:  # not on the calendar
        return [*problems, _problem(f"{path}.value", "impossible_date", value=value)]
    wanted = {"day": 2, "month": 1, "year": 0, "season": 0}.get(precision)
    if wanted is not None and value.count("-") != wanted:
        problems.append(
            _problem(
                f"{path}.value",
                "precision_mismatch",
                value=value,
                precision=precision,
                expected=PRECISION_SHAPES[precision],
            )
        )
    return problems


def compact_id_number(text: str) -> str:
    """An ID number without the spaces and hyphens people group its digits with when
    they write it down ("110105 19491231 002x" is 11010519491231002X)."""
    return re.sub(r"[\s-]", "", text).upper()


def _identity_number_problems(victim: Mapping[str, Any]) -> list[Problem]:
    number = victim.get("resident_id_number")
    if not isinstance(number, str) or not number.strip():
        return []
    path = "$.victim.resident_id_number"
    # Spaces and hyphens are not part of the number (the search and the same-person
    # index leave them out too).
    compact = ric.compact(compact_id_number(number))
    try:
        ric.validate(compact)
    except InvalidLength:
        return [_problem(path, "ric_wrong_length", length=len(compact))]
    except InvalidFormat:
        return [_problem(path, "ric_bad_format")]
    except InvalidChecksum:
        return [_problem(path, "ric_bad_check_digit")]
    except InvalidComponent:
        try:
            ric.get_birth_date(compact)
        except InvalidComponent:
            return [_problem(path, "ric_bad_birth_date")]
        # Region codes change over time and stdnum's table may lag; do not reject on them.
    if not re.fullmatch(r"\d{17}[\dX]", compact):
        return [_problem(path, "ric_bad_format")]
    return _birth_date_mismatch(compact, victim.get("birth_date"))


def _birth_date_mismatch(number: str, birth_date: object) -> list[Problem]:
    if not isinstance(birth_date, dict) or not isinstance(birth_date.get("value"), str):
        return []
    try:
        from_number = ric.get_birth_date(number)
    except InvalidComponent:
        return []
    precision, value = birth_date.get("precision"), birth_date["value"]
    expected = {
        "day": from_number.isoformat(),
        "month": from_number.isoformat()[:7],
        "year": str(from_number.year),
    }.get(str(precision))
    if expected is None or value == expected or value.count("-") != expected.count("-"):
        return []
    return [
        _problem(
            "$.victim.birth_date.value",
            "ric_birth_date_mismatch",
            ric_date=expected,
            birth_date=value,
        )
    ]


def _episode_problems(document: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, episode in _items(document, "episodes"):
        episode_id = episode.get("id")
        if isinstance(episode_id, str):
            if episode_id in seen:
                problems.append(
                    _problem(
                        f"$.episodes[{index}].id",
                        "duplicate_episode_id",
                        episode_id=_quote(episode_id),
                    )
                )
            seen.add(episode_id)
        start, end = episode.get("start"), episode.get("end")
        earliest_start, _ = derived.date_bounds(start)
        _, latest_end = derived.date_bounds(end)
        if earliest_start and latest_end and latest_end < earliest_start:
            problems.append(
                _problem(
                    f"$.episodes[{index}].end",
                    "end_before_start",
                    episode=_quote(episode_id if isinstance(episode_id, str) else index),
                    start=_quote(start.get("value")),  # type: ignore[union-attr]
                    end=_quote(end.get("value")),  # type: ignore[union-attr]
                )
            )
    return problems


def _labour_problems(document: Mapping[str, Any], definitions: RecordDefinitions) -> list[Problem]:
    problems: list[Problem] = []
    kinds = {
        episode["id"]: episode.get("kind")
        for _, episode in _items(document, "episodes")
        if isinstance(episode.get("id"), str)
    }
    work_kinds = definitions.labour_kinds
    for index, labour in _items(document, "labour"):
        path = f"$.labour[{index}]"
        episode_id = labour.get("episode_id")
        if isinstance(episode_id, str):
            if episode_id not in kinds:
                problems.append(
                    _problem(
                        f"{path}.episode_id",
                        "labour_episode_not_found",
                        episode_id=_quote(episode_id),
                    )
                )
            elif not isinstance(kinds[episode_id], str) or kinds[episode_id] not in work_kinds:
                problems.append(
                    _problem(
                        f"{path}.episode_id",
                        "labour_episode_not_work",
                        episode_id=_quote(episode_id),
                        kind=_quote(kinds[episode_id]),
                        allowed=", ".join(sorted(work_kinds)),
                    )
                )
    return problems


def _place_problems(path: str, place: object, definitions: RecordDefinitions) -> list[Problem]:
    if not isinstance(place, dict):
        return []
    prefecture_of = definitions.prefecture_of_county
    prefectures = {entry["id"] for entry in definitions.places.get("prefectures", [])}
    problems: list[Problem] = []
    province = place.get("province_id")
    if isinstance(province, str) and province not in definitions.province_ids:
        problems.append(_problem(f"{path}.province_id", "unknown_place", value=_quote(province)))
    prefecture, county = place.get("prefecture_id"), place.get("county_id")
    if isinstance(prefecture, str) and prefecture not in prefectures:
        problems.append(
            _problem(f"{path}.prefecture_id", "unknown_place", value=_quote(prefecture))
        )
    if isinstance(county, str):
        if county not in prefecture_of:
            problems.append(_problem(f"{path}.county_id", "unknown_place", value=_quote(county)))
        elif (
            isinstance(prefecture, str)
            and prefecture in prefectures
            and (prefecture_of[county] != prefecture)
        ):
            problems.append(
                _problem(
                    f"{path}.county_id",
                    "county_not_in_prefecture",
                    county=_quote(county),
                    prefecture=_quote(prefecture),
                )
            )
    return problems


def _facility_problems(
    path: str, facility: object, definitions: RecordDefinitions
) -> list[Problem]:
    if not isinstance(facility, dict):
        return []
    registry_id = facility.get("registry_id")
    if isinstance(registry_id, str) and registry_id not in definitions.facility_ids:
        return [_problem(f"{path}.registry_id", "unknown_facility", value=_quote(registry_id))]
    return []


def _place_and_facility_problems(
    document: Mapping[str, Any], definitions: RecordDefinitions
) -> list[Problem]:
    victim = _section(document, "victim")
    problems = _place_problems("$.victim.home_place", victim.get("home_place"), definitions)
    status = victim.get("status")
    location = status.get("likely_location") if isinstance(status, dict) else None
    if isinstance(location, dict):
        where = "$.victim.status.likely_location"
        problems += _place_problems(f"{where}.place", location.get("place"), definitions)
        problems += _facility_problems(f"{where}.facility", location.get("facility"), definitions)
    for index, episode in _items(document, "episodes"):
        problems += _place_problems(f"$.episodes[{index}].place", episode.get("place"), definitions)
        problems += _facility_problems(
            f"$.episodes[{index}].facility", episode.get("facility"), definitions
        )
    for index, labour in _items(document, "labour"):
        problems += _facility_problems(
            f"$.labour[{index}].facility", labour.get("facility"), definitions
        )
    return problems


# --- reading a record file ------------------------------------------------------


def load_record_file(path: str | os.PathLike[str], *, max_bytes: int = 5_000_000) -> object:
    """Read a record file into a JSON object, or raise ``RecordFileError``.

    Refuses, each with a message a coordinator can act on: files larger than
    ``max_bytes`` (checked before reading them whole), bytes that are not UTF-8,
    text that is not JSON (with line and column), NaN/Infinity, a key given
    twice in one object, nesting deeper than ``MAX_DEPTH``, and anything but an
    object at the top. Only ``RecordFileError`` escapes. The result still needs
    ``validate_record``.
    """
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > max_bytes:
                raise RecordFileError(FILE_MESSAGES["too_large"].format(limit=max_bytes))
            raw = handle.read(max_bytes + 1)
    except OSError:
        raise RecordFileError(FILE_MESSAGES["unreadable"]) from None
    if len(raw) > max_bytes:
        raise RecordFileError(FILE_MESSAGES["too_large"].format(limit=max_bytes))
    return parse_record_bytes(raw)


def parse_record_bytes(raw: bytes) -> object:
    """Parse the bytes of a record file with the checks of ``load_record_file``."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordFileError(FILE_MESSAGES["not_utf8"].format(position=error.start)) from None
    if _text_depth_exceeds(text, MAX_DEPTH):
        raise RecordFileError(FILE_MESSAGES["too_deep"].format(limit=MAX_DEPTH))
    try:
        document = json.loads(
            text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates
        )
    except RecordFileError:
        raise
    except json.JSONDecodeError as error:
        raise RecordFileError(
            FILE_MESSAGES["not_json"].format(
                reason=error.msg.lower(), line=error.lineno, column=error.colno
            )
        ) from None
    except RecursionError:
        raise RecordFileError(FILE_MESSAGES["too_deep"].format(limit=MAX_DEPTH)) from None
    except ValueError:  # integers beyond Python's digit limit
        raise RecordFileError(FILE_MESSAGES["number_too_long"]) from None
    if not isinstance(document, dict):
        raise RecordFileError(FILE_MESSAGES["not_object"].format(actual=_json_type_name(document)))
    return document


_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")


def _text_depth_exceeds(text: str, limit: int) -> bool:
    # Strings are removed first so brackets inside text do not count.
    depth = 0
    for match in _BRACKET_RE.finditer(_STRING_RE.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def _refuse_constant(name: str) -> object:
    raise RecordFileError(FILE_MESSAGES["bad_constant"].format(constant=name))


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise RecordFileError(FILE_MESSAGES["duplicate_key"].format(key=_quote(key)))
        document[key] = value
    return document
