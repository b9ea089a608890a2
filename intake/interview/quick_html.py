"""Fields written straight to HTML, for pages with many repeated rows.

The trajectory and labour pages repeat the same few dozen fields for every episode
or entry. WTForms' widgets and the ``field`` template macro build each attribute
through several layers of formatting; with thirty episodes that alone took most of a
second. These functions write the same markup as ``_field.html`` and
``_macros.html`` (label, control, hint, errors; a fieldset per group) directly,
escaping every value.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectFieldBase,
    SelectMultipleField,
    TextAreaField,
)

from intake.interview import vocab
from intake.interview.fields import CachedSelect

#: Translated, escaped labels by (message, language): a page asks for the same few
#: dozen labels once per row.
_LABELS: dict[tuple[Any, str], str] = {}


def _language() -> str:
    """The UI language, looked up once per request."""
    language = g.get("quick_html_language")
    if language is None:
        language = g.quick_html_language = vocab.ui_language()
    return str(language)


def _label(field: Any, language: str | None = None) -> str:
    text = field.label.text
    args = getattr(text, "_args", None)
    if not args:
        return str(escape(text))
    key = (args, language or _language())
    shown = _LABELS.get(key)
    if shown is None:
        shown = _LABELS[key] = str(escape(text))
    return shown


#: The fixed part of a field's attributes (its render_kw and required flag), by value.
_FIXED: dict[tuple[Any, ...], str] = {}


#: The same, by the identity of a field's render_kw (shared by every row's field).
_FIXED_BY_ID: dict[tuple[int, bool], tuple[Any, str]] = {}


def _fixed(field: Any) -> str:
    kw = field.render_kw or {}
    required = bool(field.flags.required)
    known = _FIXED_BY_ID.get((id(kw), required))
    if known is not None and known[0] is kw:
        return known[1]
    key = (*sorted((str(k), str(v)) for k, v in kw.items()), required)
    fixed = _FIXED.get(key)
    if fixed is None:
        params = dict(kw)
        if field.flags.required:
            params.setdefault("required", True)
        fixed = _FIXED[key] = _params(params)
    if field.render_kw:
        if len(_FIXED_BY_ID) > 1000:  # a form made its attributes afresh each time
            _FIXED_BY_ID.clear()
        _FIXED_BY_ID[(id(kw), required)] = (kw, fixed)
    return fixed


def _params(params: dict[str, Any]) -> str:
    out = []
    for key, value in params.items():
        if value is True:
            out.append(f" {key}")
        elif value is not False and value is not None:
            out.append(f' {key}="{escape(value)}"')
    return "".join(out)


def _attrs(field: Any, extra: dict[str, Any] | None = None) -> str:
    # Ids and names are made from the forms' own field names and row numbers.
    head = f'id="{escape(field.id)}" name="{escape(field.name)}"'
    return head + _fixed(field) + (_params(extra) if extra else "")


def _select(field: Any, language: str) -> str:
    widget = field.widget
    if isinstance(widget, CachedSelect):
        options = widget.options(language)
        if field.data not in (None, ""):
            value = escape(field.data)
            options = options.replace(
                f'<option value="{value}">', f'<option selected value="{value}">', 1
            )
        return f"<select {_attrs(field)}>{options}</select>"
    parts = []
    for value, label, selected, _render in field.iter_choices():
        chosen = " selected" if selected else ""
        parts.append(f'<option{chosen} value="{escape(value)}">{escape(label)}</option>')
    return f"<select {_attrs(field)}>{''.join(parts)}</select>"


def control(field: Any, language: str | None = None) -> str:
    """The field's control alone (input, select or text area)."""
    if isinstance(field, HiddenField):
        return f"<input {_attrs(field, {'type': 'hidden', 'value': field._value()})}>"
    if isinstance(field, SelectFieldBase):
        return _select(field, language or _language())
    if isinstance(field, TextAreaField):
        return f"<textarea {_attrs(field)}>\r\n{escape(field._value())}</textarea>"
    if isinstance(field, BooleanField):
        extra = {"type": "checkbox", "value": "y", "checked": bool(field.data)}
        return f"<input {_attrs(field, extra)}>"
    kind = "number" if isinstance(field, IntegerField | DecimalField) else "text"
    extra = {"type": kind, "value": field._value()}
    if isinstance(field, DecimalField):
        extra["step"] = "any"
    return f"<input {_attrs(field, extra)}>"


def _errors(field: Any) -> str:
    return "".join(
        f'<p class="error" role="alert">{escape(error)}</p>'
        for error in field.errors
        if isinstance(error, str)
    )


def field_html(field: Any, hint: str | None = None, language: str | None = None) -> Markup:
    """One field with its visible label, hint and errors (as ``_field.html``)."""
    language = language or _language()
    css = "field has-error" if field.errors else "field"
    hint_html = f'<p class="hint">{escape(hint)}</p>' if hint else ""
    if isinstance(field, HiddenField):
        return Markup(control(field))  # noqa: S704 (values escaped here)
    if isinstance(field, SelectMultipleField):
        return checklist_html(field, language)
    label = _label(field, language)
    if isinstance(field, BooleanField):
        body = f'<label class="option">{control(field, language)} {label}</label>'
    else:
        body = f'<label for="{escape(field.id)}">{label}</label>{control(field, language)}'
    return Markup(f'<div class="{css}">{body}{hint_html}{_errors(field)}</div>')  # noqa: S704 (values escaped here)


#: Choices of tick-box lists by (list, language), as (value, escaped label) pairs.
_CHOICES: dict[tuple[Any, ...], list[tuple[str, str]]] = {}


def _choices(field: Any, language: str) -> list[tuple[str, str]]:
    # The choices' function itself, before WTForms calls it (it inspects it each time).
    choices = getattr(field, "_choices_callable", None)
    if not isinstance(choices, partial):
        return [(str(value), str(escape(label))) for value, label in field.choices]
    key = (choices.func, choices.args, tuple(sorted(choices.keywords.items())), language)
    cached = _CHOICES.get(key)
    if cached is None:
        cached = _CHOICES[key] = [(str(v), str(escape(label))) for v, label in choices()]
    return cached


def checklist_html(field: Any, language: str | None = None) -> Markup:
    """Tick boxes of a multiple choice (as the ``checklist`` macro)."""
    language = language or _language()
    chosen = set(field.data or [])
    css = "field checklist has-error" if field.errors else "field checklist"
    boxes = []
    name = escape(field.name)
    for number, (value, label) in enumerate(_choices(field, language)):
        box_id = f"{escape(field.id)}-{number}"
        checked = " checked" if value in chosen else ""
        boxes.append(
            f'<label class="option" for="{box_id}"><input{checked} id="{box_id}"'
            f' name="{name}" type="checkbox" value="{escape(value)}"> {label}</label>'
        )
    return Markup(  # noqa: S704 (values escaped here)
        f'<fieldset class="{css}"><legend>{_label(field, language)}</legend>'
        f"{''.join(boxes)}{_errors(field)}</fieldset>"
    )


def group_html(form_field: Any, extra_class: str = "", language: str | None = None) -> Markup:
    """A fieldset with every field of a sub-form (as the ``group`` macro)."""
    language = language or _language()
    inner = form_field.form
    css = f"group {extra_class}".strip()
    if "precision" in inner._fields:
        css += " date"
    parts = [f'<fieldset class="{css}"><legend>{_label(form_field, language)}</legend>']
    for sub in inner:
        if sub.short_name == "csrf_token":
            continue
        if isinstance(sub, FormField):
            parts.append(group_html(sub, language=language))
        elif isinstance(sub, FieldList):
            parts.extend(group_html(entry, language=language) for entry in sub)
        else:
            parts.append(field_html(sub, language=language))
    parts.append("</fieldset>")
    return Markup("".join(parts))  # noqa: S704 (values escaped here)
