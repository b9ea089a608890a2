"""The review page: the whole record in readable form and its problems by step."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import gettext

from intake.interview import vocab
from intake.interview.labels import field_label
from intake.interview.steps import SECTION_STEPS
from intake.records.derived import load_schema
from intake.records.validation import MESSAGES, Problem

_SECTION_RE = re.compile(r"^\$\.([a-z_]+)")
_PATH_PART_RE = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_ENVELOPE = ("schema_version", "record_id")


@dataclass
class Item:
    """One value to show: a label, and either text or nested items."""

    label: str
    text: str | None = None
    children: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class ShownProblem:
    """A problem with its message in the UI language and the step that fixes it."""

    where: str
    message: str
    step: str


@lru_cache(maxsize=1)
def record_schema() -> dict[str, Any]:
    """The record schema, read once (shared: never change what it returns)."""
    return load_schema()


def resolve_node(node: object) -> dict[str, Any]:
    """A schema node with its ``#/$defs/`` reference followed; an empty node for
    anything that is not one (shared with the schema: never change it)."""
    if not isinstance(node, dict):
        return {}
    ref = str(node.get("$ref", ""))
    if ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = record_schema()["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return node


def _ordered(value: dict[str, Any], props: dict[str, Any]) -> list[str]:
    """Keys in the schema's order (drafts are stored sorted), unknown keys last."""
    return [k for k in props if k in value] + [k for k in value if k not in props]


#: Turns a reference (a place id, a facility id, an episode id) into words.
Namer = Callable[[str], str]
#: Schema hints whose values are ids of reference data, named in the UI language.
_HINT_NAMERS: dict[str, Namer] = {
    "place_id": vocab.place_name,
    "registry_id": vocab.facility_name,
    "country": vocab.country_name,
}


def record_namers(record: dict[str, Any]) -> dict[str, Namer]:
    """Namers for the references inside ``record``: an episode id is shown as its
    number and kind ("3. Re-education camp"), an informant id as its number and
    relation ("1. Sister")."""
    episodes = {
        str(e.get("id")): f"{n}. {vocab.label('episode_kind', e.get('kind'))}"
        for n, e in enumerate(_listed(record.get("episodes")), start=1)
    }
    informants = {
        str(i.get("id")): f"{n}. {vocab.label('relation', i.get('relation'))}"
        for n, i in enumerate(_listed(record.get("informants")), start=1)
    }
    return {
        "episode_id": lambda ref: episodes.get(ref, ref),
        "informant_id": lambda ref: informants.get(ref, ref),
    }


def _listed(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _is_local_id(key: str, node: dict[str, Any] | None) -> bool:
    """An entry's own id inside the record ("e1", "i2"): its number says it already."""
    return key == "id" and resolve_node(node).get("x-hint") == "episode_id"


def describe(
    value: Any,
    node: dict[str, Any] | None,
    label: str,
    key: str = "",
    namers: dict[str, Namer] | None = None,
) -> Item:
    """``value`` as a tree of labelled items, codes and references shown in words.

    ``key`` is the value's own property name: the keys of some objects are codes.
    ``namers`` (by property name) name the record's own references.
    """
    namers = namers or {}
    node = resolve_node(node)
    if isinstance(value, dict):
        keys_vocab = (node.get("propertyNames") or {}).get("x-codebook")
        props = node.get("properties") or {}
        children = [
            describe(
                value[k],
                props.get(k),
                vocab.label(keys_vocab, k) if keys_vocab else field_label(k, key),
                k,
                namers,
            )
            for k in _ordered(value, props)
            if not _is_local_id(k, props.get(k))
        ]
        return Item(label, children=children)
    if isinstance(value, list):
        items = node.get("items")
        return Item(
            label,
            children=[describe(v, items, f"{i + 1}.", key, namers) for i, v in enumerate(value)],
        )
    if isinstance(value, bool):
        return Item(label, gettext("Yes") if value else gettext("No"))
    if value is None:
        return Item(label, "—")
    vocabulary = node.get("x-codebook")
    if vocabulary:
        return Item(label, vocab.label(vocabulary, value))
    namer = namers.get(key) or _HINT_NAMERS.get(str(node.get("x-hint")))
    return Item(label, namer(str(value)) if namer else str(value))


def readable(record: dict[str, Any], facility_name: Namer | None = None) -> list[Item]:
    """Every section in the order of the conversation (envelope fields left out);
    a section the record does not have is shown empty. ``facility_name`` names the
    registry's facilities (else the bundled registry does)."""
    props = record_schema()["properties"]
    order = [k for k in props if k not in _ENVELOPE] + [k for k in record if k not in props]
    namers = record_namers(record)
    if facility_name is not None:
        namers["registry_id"] = facility_name
    return [
        describe(record[k], props.get(k), field_label(k), k, namers)
        if k in record
        else Item(field_label(k))
        for k in order
    ]


def place_of(path: str) -> str:
    """A problem's JSON path in words: "$.episodes[2].end" → "Episodes / 3 / Until"."""
    words, parent = [], None
    for name, index, quoted in _PATH_PART_RE.findall(path.removeprefix("$")):
        if index:
            words.append(str(int(index) + 1))
            continue
        key = json.loads(quoted) if quoted else name
        words.append(field_label(key, parent))
        parent = key
    return " / ".join(words) or gettext("record")


def _message(problem: Problem) -> str:
    template = MESSAGES.get(problem.code)
    if template is None:
        return gettext(problem.message)
    params = dict(problem.params)
    if "field" in params:
        params["field"] = field_label(str(params["field"]))
    try:
        return gettext(template).format(**params)
    except (KeyError, IndexError, ValueError):
        return problem.message


def shown_problems(problems: list[Problem]) -> list[ShownProblem]:
    """Problems with a readable place, translated message and the step to fix them."""
    shown = []
    for problem in problems:
        match = _SECTION_RE.match(problem.path)
        section = match.group(1) if match else str(problem.params.get("field", ""))
        step = SECTION_STEPS.get(section, "testifier")
        shown.append(ShownProblem(place_of(problem.path), _message(problem), step))
    return shown
