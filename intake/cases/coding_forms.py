"""Forms of the coding, correction and erasure pages, and their values as sections.

The coding forms reuse the interview's own coding fields (the record's coding step
and a work episode's coding table), so a coordinator codes with the same words the
interviewer saw. Every change carries the revision it was loaded at and a reason.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import partial
from math import isfinite
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FormField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from intake.cases.versions import MISSING, joined, leaves, value_at
from intake.errors import N_, IntakeError
from intake.formbase import AppForm
from intake.interview import vocab
from intake.interview.fields import CodeChecklist
from intake.interview.review import place_of, record_schema, resolve_node
from intake.interview.steps import coding as record_coding
from intake.interview.steps.work_coding import WorkCodingForm, coding_data, coding_value
from intake.validators import NoControlCharacters

#: The sections a correction may change, with the words the page shows.
SECTION_LABELS = {
    "interview": _l("Interview"),
    "informants": _l("Testifiers"),
    "victim": _l("The person detained"),
    "episodes": _l("Trajectory"),
    "labour": _l("Labour"),
    "coding": _l("Coding"),
    "consent": _l("Consent"),
    "narrative": _l("Narrative"),
    "sources": _l("Sources"),
    "links": _l("Links"),
    "interventions": _l("Interventions"),
}


class BadFieldPathError(IntakeError):
    """A correction names a field the section does not have."""


class WrongKindError(IntakeError):
    """A correction's new value is not of the kind the field holds."""


class _Change:
    """What every change carries: the revision it was loaded at and why."""

    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Why this change"),
        validators=[DataRequired(), NoControlCharacters(multiline=True), Length(max=2000)],
        description=_l("Kept encrypted with the record's history."),
        render_kw={"dir": "auto", "rows": 2},
    )


class RecordCodingForm(_Change, record_coding.CodingForm):
    """The coding of the record as a whole, by a coordinator."""


class EpisodeCodingForm(_Change, AppForm):
    """The coding of one work episode (ILO indicators and the survey table)."""

    coding = FormField(WorkCodingForm, label=_l("Coding of this work"))


class CorrectionForm(_Change, AppForm):
    """One field of one section, given a new value: typed, picked from the field's
    codes, or ticked from them (:func:`fit_value_field` keeps the one the field needs).
    """

    path = SelectField(_l("Field"), validators=[DataRequired()])
    value = TextAreaField(
        _l("New value"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Empty the box to remove the field. Lists and groups are written as JSON."),
        render_kw={"dir": "auto", "rows": 3},
    )
    choice = SelectField(_l("New value"), choices=[])
    codes = CodeChecklist(_l("New value"), description=_l("Tick none to remove the field."))


class WithdrawalForm(_Change, AppForm):
    """Consent withdrawn for one use of the testimony, or for all of it."""

    scope = SelectField(
        _l("Consent is withdrawn for"),
        choices=partial(vocab.code_choices, "withdrawal_scope", blank=False),
        validators=[DataRequired()],
    )


#: The scope that holds every other: the whole testimony.
WHOLE_TESTIMONY = "entire_record"


class WithdrawalNarrowedError(IntakeError):
    """A withdrawal that would give back a use already withdrawn."""


def withdrawn_consent(consent: Any, scope: str, at: str) -> dict[str, Any]:
    """A copy of the consent section with its withdrawal set to ``scope`` at ``at``.

    A record holds one withdrawal, so a new one replaces the one recorded, and must
    never give back what that one took: after the whole testimony nothing narrower is
    taken, and after one use another use alone is refused (withdraw the whole
    testimony instead, which holds both)."""
    value = copy.deepcopy(consent) if isinstance(consent, dict) else {}
    before = value.get("withdrawal")
    earlier = before.get("scope") if isinstance(before, dict) else None
    if earlier not in (None, scope, WHOLE_TESTIMONY) and scope != WHOLE_TESTIMONY:
        raise WithdrawalNarrowedError(
            N_(
                "Consent for %(earlier)s is already withdrawn, and a record holds one "
                "withdrawal: to withdraw %(scope)s too, withdraw the whole testimony."
            ),
            earlier=vocab.label("withdrawal_scope", earlier),
            scope=vocab.label("withdrawal_scope", scope),
        )
    if earlier == WHOLE_TESTIMONY and scope != WHOLE_TESTIMONY:
        raise WithdrawalNarrowedError(
            N_("Consent for the whole testimony is already withdrawn; nothing narrower is.")
        )
    if earlier == scope:
        return value  # already recorded: saving it changes nothing
    value["withdrawal"] = {"withdrawn_at": at, "scope": scope}
    return value


class ErasureRequestForm(AppForm):
    """Why the record is to be erased."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), NoControlCharacters(multiline=True), Length(max=2000)],
        description=_l("For example: consent withdrawn by the testifier, and when and how."),
        render_kw={"dir": "auto", "rows": 3},
    )


class ConfirmForm(AppForm):
    """A button that only needs the CSRF token (confirm, withdraw)."""


def record_coding_data(document: dict[str, Any]) -> dict[str, Any]:
    """Form data for the record's coding."""
    return record_coding.load(document)


def record_coding_value(document: dict[str, Any], form: RecordCodingForm) -> Any:
    """The coding section as the form gives it (a record-level survey table is kept)."""
    scratch = {"coding": copy.deepcopy(document.get("coding"))}
    record_coding.store(scratch, form)
    return scratch["coding"]


def record_coding_again(document: dict[str, Any], coding: Any) -> dict[str, Any]:
    """Form data for the record's coding holding ``coding`` (MISSING: none)."""
    return record_coding.load({**document, "coding": None if coding is MISSING else coding})


def work_episodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's labour entries (work episodes), in order."""
    return [entry for entry in document.get("labour") or [] if isinstance(entry, dict)]


def episode_entry(document: dict[str, Any], episode_id: str) -> dict[str, Any] | None:
    """The labour entry of ``episode_id``, if the record has one."""
    return next((e for e in work_episodes(document) if e.get("episode_id") == episode_id), None)


def episode_coding_data(entry: dict[str, Any]) -> dict[str, Any]:
    """Form data for one work episode's coding."""
    return {"coding": coding_data(entry.get("coding"))}


def episode_coding_at(document: dict[str, Any], episode_id: str) -> str | None:
    """Where ``episode_id``'s coding lies in the labour section ("[2].coding"), if the
    record has that episode."""
    for index, entry in enumerate(document.get("labour") or []):
        if isinstance(entry, dict) and entry.get("episode_id") == episode_id:
            return f"[{index}].coding"
    return None


def episode_coding_again(coding: Any) -> dict[str, Any]:
    """Form data for one work episode's coding holding ``coding`` (MISSING: none)."""
    return {"coding": coding_data(None if coding is MISSING else coding)}


def episode_coding_value(
    document: dict[str, Any], episode_id: str, form: EpisodeCodingForm
) -> list[Any]:
    """The labour section with ``episode_id``'s coding as the form gives it."""
    labour = copy.deepcopy(document.get("labour") or [])
    value = coding_value(form.coding.form)
    for entry in labour:
        if isinstance(entry, dict) and entry.get("episode_id") == episode_id:
            if value is None:
                entry.pop("coding", None)
            else:
                entry["coding"] = value
    return labour


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def field_node(section: str, path: str) -> dict[str, Any]:
    """The schema of a field of a section (empty when the schema does not say)."""
    node = resolve_node(record_schema()["properties"].get(section))
    for name, index in _STEP.findall(path if path != "(section)" else ""):
        step = node.get("items") if index else (node.get("properties") or {}).get(name)
        node = resolve_node(step)
    return node


def labelled(section: str, path: str) -> str:
    """A field of a section in words, e.g. "Coding / ILO indicators / … / Status"."""
    joined = "" if path.startswith("[") or path == "(section)" else "."
    return place_of(f"$.{section}{joined}{path if path != '(section)' else ''}")


def field_words(section: str, path: str) -> str:
    """A field in words without its section's name, for a page that names the section
    already: "Status / As reported"."""
    return labelled(section, path).split(" / ", 1)[-1]


def in_words(section: str, path: str, value: Any) -> str:
    """A field's value as a reader says it: codes by their labels, yes or no."""
    node = field_node(section, path)
    if value is MISSING:
        return str(gettext("Not in this record"))
    if isinstance(value, bool):
        return str(gettext("Yes") if value else gettext("No"))
    vocabulary = node.get("x-codebook")
    if isinstance(value, str):
        return vocab.label(vocabulary, value) if vocabulary else value
    listed = resolve_node(node.get("items")).get("x-codebook")
    if isinstance(value, list) and listed and all(isinstance(code, str) for code in value):
        return ", ".join(vocab.label(listed, code) for code in value)
    return json.dumps(value, ensure_ascii=False)


def field_choices(section: str, section_value: Any) -> list[tuple[str, str]]:
    """(path, "the field in words: its value in words") for every field of a section,
    then each field its schema allows that the record does not hold, and a new item
    of each list of simple groups (a name, an ID number)."""
    found = []
    for path, value in leaves(section_value, ""):
        if path:
            shown = in_words(section, path, value)
            if len(shown) > 60:
                shown = shown[:59] + "…"
            found.append((path, f"{field_words(section, path)}: {shown}"))
    top = resolve_node(record_schema()["properties"].get(section))
    for path, is_item in _addable(top, section_value, ""):
        words = field_words(section, path)
        if is_item:
            found.append((path, gettext("%(field)s: add an item", field=words)))
        else:
            found.append((path, gettext("%(field)s: not in this record, add it", field=words)))
    return found


_SCALARS = ("string", "number", "integer", "boolean")


def _is_simple_group(node: dict[str, Any]) -> bool:
    properties = node.get("properties")
    return bool(properties) and all(
        resolve_node(sub).get("type") in _SCALARS for sub in properties.values()
    )


def _addable(node: dict[str, Any], value: Any, path: str) -> list[tuple[str, bool]]:
    """(path, is a new list item) of the fields the schema allows under ``value`` that
    it does not hold: absent fields of every group it holds, and the next item of a
    list of simple groups inside a section (a section's own list, such as its
    episodes, is not grown here)."""
    found: list[tuple[str, bool]] = []
    if isinstance(value, dict):
        for key, sub in (node.get("properties") or {}).items():
            child = joined(path, key)
            if key in value:
                found += _addable(resolve_node(sub), value[key], child)
            else:
                found.append((child, False))
    elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
        # (An empty list too: its first item is the one to add.)
        items = resolve_node(node.get("items"))
        for index, item in enumerate(value):
            found += _addable(items, item, f"{path}[{index}]")
        limit = node.get("maxItems")
        if path and _is_simple_group(items) and (limit is None or len(value) < limit):
            found.append((f"{path}[{len(value)}]", True))
    return found


def offered(path: str | None, choices: list[tuple[str, str]]) -> str | None:
    """``path`` if it is one of ``choices``, else its nearest enclosing field that is
    (a station's correction may name a part of a field the picker offers whole)."""
    paths = {value for value, _label in choices}
    while path:
        if path in paths:
            return path
        path = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path) if re.search(r"[.\[]", path) else ""
    return None


@dataclass(frozen=True)
class ValueKind:
    """How a field's new value is given: typed (``field`` "value"), picked from
    ``choices`` ("choice"), or ticked from them ("codes")."""

    field: str
    choices: list[tuple[str, str]]


def value_kind(section: str, path: str, current: Any) -> ValueKind:
    """How the field at ``path`` is given a new value, from its schema and its value
    now (the kind :func:`corrected` reads the new value as)."""
    node = field_node(section, path)
    if current is MISSING:
        return _new_value_kind(node)
    remove = ("", gettext("— remove this field —"))
    if isinstance(current, bool):
        return ValueKind("choice", [("true", gettext("Yes")), ("false", gettext("No")), remove])
    vocabulary = node.get("x-codebook")
    if isinstance(current, str) and vocabulary:
        return ValueKind("choice", [*vocab.code_choices(vocabulary, blank=False), remove])
    listed = resolve_node(node.get("items")).get("x-codebook")
    if isinstance(current, list) and listed and all(isinstance(code, str) for code in current):
        return ValueKind("codes", vocab.code_choices(listed, blank=False))
    return ValueKind("value", [])


def _new_value_kind(node: dict[str, Any]) -> ValueKind:
    """How a field the record does not hold yet is given its value, from its schema."""
    declared = node.get("type")
    if declared == "boolean":
        return ValueKind("choice", [("true", gettext("Yes")), ("false", gettext("No"))])
    vocabulary = node.get("x-codebook")
    if vocabulary and declared in ("string", None):
        return ValueKind("choice", vocab.code_choices(vocabulary, blank=False))
    listed = resolve_node(node.get("items")).get("x-codebook")
    if declared == "array" and listed:
        return ValueKind("codes", vocab.code_choices(listed, blank=False))
    return ValueKind("value", [])


def skeleton(node: dict[str, Any]) -> str | None:
    """For a group the record does not hold yet (a list's next name, informant...),
    its required keys as JSON to fill in: text ones empty, the others null, so that
    a key left unfilled is refused by validation rather than saved as a guess."""
    required = node.get("required")
    if node.get("type") != "object" or not isinstance(required, list) or not required:
        return None
    properties = node.get("properties") or {}
    blank = {
        key: "" if resolve_node(properties.get(key)).get("type") == "string" else None
        for key in required
    }
    return json.dumps(blank, ensure_ascii=False)


def fit_value_field(
    form: CorrectionForm, kind: ValueKind, current: Any, node: dict[str, Any] | None = None
) -> None:
    """Keep only the form's field for ``kind``, with its choices and, on a page just
    opened, the value the field has now (text as it is, to be edited in place); for a
    group not held yet, the keys it needs (:func:`skeleton` of its schema ``node``)."""
    for name in ("value", "choice", "codes"):
        if name != kind.field:
            delattr(form, name)
    field = getattr(form, kind.field)
    if kind.field != "value":
        field.choices = kind.choices
    if field.raw_data is not None:  # posted: what was sent stands
        return
    if current is MISSING:
        field.data = [] if kind.field == "codes" else None if kind.field == "choice" else ""
        if kind.field == "value" and node is not None:
            field.data = skeleton(node) or ""
    elif kind.field == "codes" or isinstance(current, str):
        field.data = current
    else:
        field.data = json.dumps(current, ensure_ascii=False)


def typed_value(form: CorrectionForm, kind: ValueKind, current: Any) -> str:
    """The new value as :func:`corrected` reads it ("" removes the field). Codes still
    ticked keep their place in the list, new ones follow: saving untouched changes
    nothing, and an empty list left empty stays an empty list."""
    if kind.field == "choice":
        return str(form.choice.data or "")
    if kind.field == "codes":
        ticked = list(form.codes.data or [])
        if not ticked:
            return "[]" if current == [] else ""
        kept = [code for code in current or [] if code in ticked] if current is not MISSING else []
        return json.dumps(kept + [code for code in ticked if code not in kept])
    return str(form.value.data or "")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for name, index in _STEP.findall(path):
        steps.append(int(index) if index else name)
    if not steps:
        raise BadFieldPathError(N_("There is no such field in this section."))
    return steps


def corrected(section_value: Any, path: str, typed: str, node: dict[str, Any] | None = None) -> Any:
    """A copy of ``section_value`` with the field at ``path`` set to ``typed`` (removed
    when empty). The typed text is read as the kind the field's schema ``node`` says,
    else as the kind it holds now: a number, a yes/no, JSON for lists and groups,
    otherwise text (line breaks as a browser sends them read as plain line breaks).
    """
    value = copy.deepcopy(section_value)
    steps = _steps(path)
    parent: Any = value
    try:
        for step in steps[:-1]:
            parent = parent[step]
        last = steps[-1]
        # A field the record does not hold yet, or the next item of a list, is added.
        old = value_at(parent, f"[{last}]" if isinstance(last, int) else last)
        if old is MISSING and not _addable_at(parent, last):
            raise KeyError(last)
    except (KeyError, IndexError, TypeError):
        raise BadFieldPathError(N_("There is no such field in this section.")) from None
    typed = typed.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not typed:
        if old is not MISSING:
            del parent[last]
        return value
    new = _typed(None if old is MISSING else old, typed, node or {})
    if isinstance(parent, list) and last == len(parent):
        parent.append(new)
    else:
        parent[last] = new
    return value


def _addable_at(parent: Any, last: str | int) -> bool:
    if isinstance(parent, dict):
        return isinstance(last, str)
    return isinstance(parent, list) and last == len(parent)


def _kind_of(old: Any, node: dict[str, Any]) -> str:
    """The JSON type a field's new value is read as: its schema's, if it names one,
    else that of its value now."""
    declared = node.get("type")
    if isinstance(declared, str) and declared != "null":
        return declared
    if isinstance(old, bool):
        return "boolean"
    if isinstance(old, int):
        return "integer"
    if isinstance(old, float):
        return "number"
    if isinstance(old, list):
        return "array"
    if isinstance(old, dict):
        return "object"
    return "string" if isinstance(old, str) else "any"


def _no_constants(name: str) -> Any:
    raise ValueError(name)  # NaN and the infinities are not JSON


def _json(typed: str) -> Any:
    return json.loads(typed, parse_constant=_no_constants)


def _number(typed: str) -> int | float:
    try:
        return int(typed)
    except ValueError:
        number = float(typed)
    if not isfinite(number):
        raise ValueError(typed)
    return number


_BOOLEANS = {"true": True, "false": False}

#: The kinds a new value is read as, in words for the refusal.
_KIND_WORDS = {
    "boolean": _l("yes or no (true or false)"),
    "integer": _l("a whole number"),
    "number": _l("a number"),
    "array": _l("a list, written as JSON"),
    "object": _l("a group, written as JSON"),
}


def _typed(old: Any, typed: str, node: dict[str, Any]) -> Any:
    kind = _kind_of(old, node)
    if old is None and typed == "null":
        return None
    try:
        if kind == "boolean":
            return _BOOLEANS[typed.lower()]
        if kind == "integer":
            return int(typed)
        if kind == "number":
            return _number(typed)
        if kind in ("array", "object"):
            parsed = _json(typed)
            if not isinstance(parsed, list if kind == "array" else dict):
                raise ValueError(typed)
            return parsed
        if kind == "any":
            try:
                return _json(typed)
            except ValueError:
                return typed
    except (KeyError, ValueError):
        raise WrongKindError(
            N_("The new value is not of the kind this field holds (%(kind)s)."),
            kind=str(_KIND_WORDS[kind]),
        ) from None
    return typed
