"""Checks of typed text shared by the forms: given or not, length, invisibles."""

from __future__ import annotations

import math
import unicodedata
from typing import Any, ClassVar

from flask_babel import gettext
from wtforms import Form, validators
from wtforms.validators import StopValidation, ValidationError

from intake.errors import N_
from intake.records.rules import ALLOWED_FORMAT, LINE_BREAKS


class IfGiven:
    """Skip a field's other checks when nothing was given.

    Unlike WTForms' ``Optional`` this looks at the data too, so rows rebuilt after
    a move or removal (which have no raw input) are still checked.
    """

    field_flags: ClassVar[dict[str, bool]] = {"optional": True}

    def __call__(self, _form: Form, field: Any) -> None:
        raw = field.raw_data or []
        typed = any(isinstance(item, str) and item.strip() for item in raw)
        if field.data in (None, "", []) and not typed:
            field.errors[:] = []
            raise StopValidation()


def finite_number(_form: Form, field: Any) -> None:
    """Refuse a decimal that is not a number (NaN, sNaN, Infinity): WTForms'
    DecimalField reads them, and NumberRange cannot compare a signalling NaN."""
    data = field.data
    if data is not None and hasattr(data, "is_finite") and not data.is_finite():
        field.errors[:] = []
        raise StopValidation(field.gettext("Not a valid decimal value."))


class NumberRange(validators.NumberRange):  # noqa: TID251 (the one wrapper)
    """WTForms' NumberRange, that refuses a whole number too large for a float.

    WTForms compares through ``math.isnan``, which raises OverflowError on an integer
    of a few hundred digits: a typed "999...9" would be a server error, not a message.
    Such a number is judged as infinity: out of any range with a maximum. With a
    minimum only, a huge positive one passes and stays a huge integer, so give every
    range both ends.
    """

    def __call__(self, form: Form, field: Any) -> None:
        data = field.data
        if data is None and field.process_errors:
            # What was typed is not a number, and the field already says so: a range
            # message beside it would be a second message for one mistake.
            raise StopValidation()
        if not isinstance(data, int) or -(2**53) <= data <= 2**53:
            return super().__call__(form, field)
        field.data = math.inf if data > 0 else -math.inf
        try:
            return super().__call__(form, field)
        finally:
            field.data = data


#: Why typed text is refused: an invisible control character, or an invisible
#: formatting one (with its code point as %(code)s).
CONTROL_CHARACTER = N_(
    "This text contains an invisible control character (U+%(code)s). "
    "Retype it or paste it as plain text."
)
FORMAT_CHARACTER = N_(
    "This text contains an invisible formatting character (U+%(code)s), "
    "such as a text-direction override, that can make it read differently "
    "from what is stored. Retype it or paste it as plain text."
)


def invisible_character(text: str, *, multiline: bool = False) -> tuple[str, str] | None:
    """The first invisible control or format character of ``text`` that is not allowed
    (line breaks and tabs only where ``multiline``), as (why, its code point in hex);
    None when there is none. For forms and for the command line alike."""
    allowed = LINE_BREAKS if multiline else frozenset()
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and char not in allowed:
            return CONTROL_CHARACTER, f"{ord(char):04X}"
        if category == "Cf" and char not in ALLOWED_FORMAT:
            return FORMAT_CHARACTER, f"{ord(char):04X}"
    return None


class NoControlCharacters:
    """Refuse invisible control and format characters (a pasted NUL, an escape code,
    a right-to-left override that makes text read differently from what is stored).

    Where line breaks are allowed (``multiline``), a browser's CR LF, the line break
    HTML forms send, is kept as LF first: a line typed with Enter is no control
    character. Put it before a length check, which then counts what is stored."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, _form: Form, field: Any) -> None:
        value = field.data
        if not isinstance(value, str):
            return
        if self.multiline:
            value = field.data = value.replace("\r\n", "\n").replace("\r", "\n")
        found = invisible_character(value, multiline=self.multiline)
        if found is not None:
            why, code = found
            raise ValidationError(gettext(why, code=code))


class MaxLength:
    """At most ``limit`` characters, as the schema counts them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _form: Form, field: Any) -> None:
        if isinstance(field.data, str) and len(field.data) > self.limit:
            raise ValidationError(
                gettext(
                    "This is %(length)s characters long; at most %(limit)s are allowed.",
                    length=len(field.data),
                    limit=self.limit,
                )
            )
