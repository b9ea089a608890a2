"""Form building blocks: safe text, finite numbers, code pickers and dates.

Every text field carries the schema's length limit and refuses invisible control and
format characters (newline and tab are allowed in text areas); surrounding spaces are
trimmed and an empty field means "not given". No typed value may be kept in the
browser's form history or sent to a spelling service.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.form import BaseForm
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from intake.formbase import AppForm, SubForm
from intake.interview import vocab
from intake.interview.dates import make_value, parse_date_said
from intake.validators import IfGiven, MaxLength, NoControlCharacters, NumberRange

#: What the browser may neither remember (form history) nor send to a spelling service.
PRIVATE_INPUT = {"autocomplete": "off"}
PRIVATE_TEXT = {**PRIVATE_INPUT, "spellcheck": "false"}


class InterviewForm(AppForm):
    """A page's form of the interview (its built-in messages in the UI language)."""


class TranslatedForm(SubForm):
    """A sub-form of the interview (a row, a date)."""


def release_form(form: BaseForm) -> None:
    """Take apart ``form`` and every form and field inside it, once its page is made.

    WTForms objects point at each other in loops: each field at its form, each row's
    form at its parent. Such loops are never freed by reference counting. Until the
    collector's full pass frees them, a long interview page's thousands of fields pile
    up from request to request. That pass then stops some later request for tens of
    milliseconds. Emptied here, the objects are freed at once. The form is unusable
    afterwards; a second call does nothing.
    """
    _take_apart([], [form])


def release_fields(fields: Iterable[Field]) -> None:
    """Take apart fields a form no longer holds (rows dropped when a list is rebuilt),
    and every form and field inside them, as :func:`release_form` does."""
    _take_apart(list(fields), [])


def _take_apart(fields: list[Field], forms: list[BaseForm]) -> None:
    while fields or forms:
        while fields:
            field = fields.pop()
            inner = vars(field)
            if isinstance(field, FormField) and "form" in inner:
                forms.append(inner["form"])
            elif isinstance(field, FieldList):
                fields += inner.get("entries", ())
            inner.clear()
        if forms:
            current = forms.pop()
            found = vars(current).get("_fields")
            if found is not None:  # else released already
                fields += found.values()
                vars(current).clear()


def required_check() -> DataRequired:
    """ "This field is required", in the UI language (WTForms lacks some of ours)."""
    return DataRequired(message=_l("This field is required."))


def in_range(low: float, high: float) -> NumberRange:
    """A number between ``low`` and ``high``, refused in the UI language."""
    return NumberRange(min=low, max=high, message=_l("Number must be between %(min)s and %(max)s."))


def tick(label: Any) -> BooleanField:
    """A tick box (yes when ticked, no otherwise)."""
    return BooleanField(label, render_kw=PRIVATE_INPUT)


def _tidy(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        return value or None
    return value


def text(label: Any, limit: int, *, required: bool = False, multiline: bool = False) -> Any:
    """A text input (or text area) with the schema's limit; optional unless ``required``."""
    validators = [
        required_check() if required else IfGiven(),
        MaxLength(limit),
        NoControlCharacters(multiline),
    ]
    cls = TextAreaField if multiline else StringField
    return cls(
        label, validators=validators, filters=[_tidy], render_kw={"dir": "auto", **PRIVATE_TEXT}
    )


def code(label: Any, vocabulary: str, *, required: bool = False) -> SelectField:
    """A select of codebook codes, labelled in the UI language."""
    return SelectField(
        label,
        choices=partial(vocab.code_choices, vocabulary),
        validators=[required_check() if required else IfGiven()],
    )


def select(label: Any, choices: Callable[[], Any]) -> SelectField:
    """An optional select whose choices are computed in the request (UI language)."""
    return SelectField(label, choices=choices, validators=[IfGiven()])


class FiniteDecimalField(DecimalField):
    """A decimal number; "NaN" and "Infinity" are refused, not passed on."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, decimal.Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(gettext("Enter an ordinary number such as 320 or 1.5."))


def number(label: Any, low: float, high: float) -> FiniteDecimalField:
    """An optional number between ``low`` and ``high``."""
    return FiniteDecimalField(
        label,
        places=None,
        validators=[IfGiven(), in_range(low, high)],
        render_kw=PRIVATE_INPUT,
    )


def whole_number(label: Any, low: int, high: int) -> IntegerField:
    """An optional whole number between ``low`` and ``high``."""
    return IntegerField(label, validators=[IfGiven(), in_range(low, high)], render_kw=PRIVATE_INPUT)


def json_number(value: decimal.Decimal | None) -> int | float | None:
    """A form decimal as a JSON number (whole numbers stay integers)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class CodeChecklist(SelectMultipleField):
    """Several codes ticked from a vocabulary, one checkbox per code."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any, vocabulary: str | None = None, **kwargs: Any) -> None:
        # Without a vocabulary the choices are set on the bound field, as a page needs.
        choices = partial(vocab.code_choices, vocabulary, blank=False) if vocabulary else []
        super().__init__(label, choices=choices, **kwargs)


class DateForm(TranslatedForm):
    """A date with the precision the testifier knows, and the words as said."""

    precision = SelectField(
        _l("How precisely is it known?"),
        choices=lambda: (
            [
                ("", gettext("— read it from the words as said —")),
                *vocab.code_choices("date_precision", blank=False),
            ]
        ),
        validators=[IfGiven()],
    )
    year = whole_number(_l("Year"), 1900, 2100)
    month = whole_number(_l("Month (1 to 12)"), 1, 12)
    day = whole_number(_l("Day"), 1, 31)
    season = code(_l("Season"), "season")
    as_said = text(_l("As said (the testifier's words)"), 500)

    def validate(self, extra_validators: Any = None) -> bool:
        """Fields one by one, then whether they fit together."""
        if not super().validate(extra_validators):
            return False
        problem = _date_problem(self.data)
        if problem:
            self.precision.errors = [*self.precision.errors, problem]
            return False
        return True


def _date_problem(data: dict[str, Any]) -> str | None:
    precision, year = data.get("precision"), data.get("year")
    if precision == "unknown":
        if year is not None:
            return gettext("With precision “unknown”, leave year, month and day empty.")
        return None
    if precision and year is None:
        return gettext("Give at least the year for this precision.")
    if precision == "season" and not data.get("season"):
        return gettext("Choose the season.")
    if precision in ("month", "day") and data.get("month") is None:
        return gettext("Give the month for this precision.")
    if precision == "day" and data.get("day") is None:
        return gettext("Give the day for this precision.")
    if year is not None and make_value(year, data.get("month"), data.get("day")) is None:
        return gettext("This is not a real calendar date.")
    if data.get("day") is not None and data.get("month") is None:
        return gettext("Give the month together with the day.")
    return None


def date_structure(data: dict[str, Any], reference: date) -> dict[str, Any] | None:
    """The record's date-with-precision from a validated ``DateForm``'s data."""
    precision, year, said = data.get("precision"), data.get("year"), data.get("as_said")
    if precision == "unknown":
        result: dict[str, Any] | None = {"precision": "unknown"}
    elif precision:
        month, day = data.get("month"), data.get("day")
        if precision in ("year", "season"):
            month = day = None
        elif precision == "month":
            day = None
        result = {**(make_value(year, month, day) or {}), "precision": precision}
        if precision == "season":
            result["season"] = data["season"]
    elif year is not None:
        result = make_value(year, data.get("month"), data.get("day"))
    elif said:
        result = parse_date_said(said, reference) or {"precision": "unknown"}
    else:
        return None
    if result is not None and said:
        result["text_as_said"] = said
    return result


def date_data(value: Any) -> dict[str, Any]:
    """``DateForm`` data from a record's date-with-precision."""
    if not isinstance(value, dict):
        return {}
    parts = str(value.get("value", "")).split("-")
    numbers = [int(p) if p.isdigit() else None for p in parts] + [None, None, None]
    return {
        "precision": value.get("precision"),
        "year": numbers[0],
        "month": numbers[1],
        "day": numbers[2],
        "season": value.get("season"),
        "as_said": value.get("text_as_said"),
    }


class DayForm(TranslatedForm):
    """A day, in the same boxes as the other dates (consent date, retrieval date)."""

    year = whole_number(_l("Year"), 1900, 2100)
    month = whole_number(_l("Month (1 to 12)"), 1, 12)
    day = whole_number(_l("Day"), 1, 31)

    def validate(self, extra_validators: Any = None) -> bool:
        """Each box, then all three given (or none) and a real calendar day."""
        if not super().validate(extra_validators):
            return False
        given = [self.year.data, self.month.data, self.day.data]
        if all(part is None for part in given):
            return True
        if any(part is None for part in given) or day_value(self.data) is None:
            self.day.errors = [*self.day.errors, gettext("Give a real day: year, month and day.")]
            return False
        return True


def day_value(data: dict[str, Any]) -> str | None:
    """``YYYY-MM-DD`` from a validated ``DayForm``'s data, or ``None``."""
    try:
        return date(data["year"], data["month"], data["day"]).isoformat()
    except (TypeError, ValueError, KeyError):
        return None


def day_data(value: Any) -> dict[str, Any]:
    """``DayForm`` data from a ``YYYY-MM-DD`` string."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    return {"year": day.year, "month": day.month, "day": day.day} if day else {}


class CachedSelect:
    """A select whose options are rendered once per language and reused.

    A long page (thirty episodes, each with a dozen code lists) spends most of its
    time writing the same options again; here they are written once, and only the
    chosen one is marked for each field.
    """

    def __init__(self, name: str, choices: Callable[[], Any]) -> None:
        self.name = name
        self.choices = choices

    def options(self, language: str | None = None) -> str:
        """The options in ``language`` (default: the UI language), from the cache."""
        language = language or vocab.ui_language()
        cached = _OPTIONS.get((self.name, language))
        if cached is None:
            cached = "".join(
                f'<option value="{escape(value)}">{escape(label)}</option>'
                for value, label in self.choices()
            )
            _OPTIONS[(self.name, language)] = cached
        return cached

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        if field.flags.required:
            kwargs.setdefault("required", True)
        options = self.options()
        if field.data not in (None, ""):
            value = f'<option value="{escape(field.data)}">'
            options = options.replace(value, f'<option selected value="{escape(field.data)}">', 1)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")  # noqa: S704 (values escaped here)


#: Rendered options by (list name, language); the lists are data that do not change.
_OPTIONS: dict[tuple[str, str], str] = {}


def quick_code(label: Any, vocabulary: str, *, required: bool = False) -> SelectField:
    """Like :func:`code`, rendered from cached options (for long repeated rows)."""
    choices = partial(vocab.code_choices, vocabulary)
    return SelectField(
        label,
        choices=choices,
        validators=[DataRequired() if required else IfGiven()],
        widget=CachedSelect(vocabulary, choices),
    )


def _precision_choices() -> list[tuple[str, str]]:
    return [
        ("", gettext("— read it from the words as said —")),
        *vocab.code_choices("date_precision", blank=False),
    ]


class QuickDateForm(DateForm):
    """:class:`DateForm` whose lists are rendered from cached options."""

    precision = SelectField(
        _l("How precisely is it known?"),
        choices=_precision_choices,
        validators=[IfGiven()],
        widget=CachedSelect("date_precision:said", _precision_choices),
    )
    season = quick_code(_l("Season"), "season")
