"""intake.validators: WTForms' range check without its crash on long numbers or its
second message, and the invisible-character check with a browser's line breaks."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, Form, IntegerField, TextAreaField
from wtforms.validators import Length

from intake.validators import NoControlCharacters, NumberRange


class _Form(Form):
    days = IntegerField(validators=[NumberRange(min=1, max=90)])
    at_least = IntegerField(validators=[NumberRange(min=1)])
    latitude = DecimalField(places=None, validators=[NumberRange(min=-90, max=90)])
    reason = TextAreaField(validators=[NoControlCharacters(multiline=True), Length(max=2000)])
    label = TextAreaField(validators=[NoControlCharacters()])


def _errors(**typed: str) -> dict[str, list[str]]:
    form = _Form(MultiDict(typed))
    form.validate()
    return form.errors


@pytest.mark.parametrize("typed", ["9" * 400, "-" + "9" * 400, str(2**53 + 1), str(-(2**60))])
def test_a_number_beyond_a_float_is_out_of_range_and_kept_as_typed(typed):
    form = _Form(MultiDict({"days": typed}))
    assert not form.validate()
    assert form.errors["days"] == ["Number must be between 1 and 90."]
    assert form.days.data == int(typed)  # the field's value is left as it was read


def test_a_huge_number_meets_a_minimum_only_when_positive():
    assert "at_least" not in _errors(at_least="9" * 400)
    assert _errors(at_least="-" + "9" * 400)["at_least"] == ["Number must be at least 1."]


@pytest.mark.parametrize(("typed", "ok"), [("1", True), ("90", True), ("0", False), ("91", False)])
def test_ordinary_numbers_are_judged_as_wtforms_does(typed, ok):
    assert ("days" not in _errors(days=typed)) is ok


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("days", "abc", "Not a valid integer value."),
        ("days", "1.5", "Not a valid integer value."),
        ("latitude", "north", "Not a valid decimal value."),
    ],
)
def test_what_is_not_a_number_gets_one_message_not_two(field, typed, message):
    assert _errors(**{field: typed})[field] == [message]


def test_a_browser_s_line_breaks_are_line_breaks_not_control_characters():
    # Browsers send a textarea's line breaks as CR LF
    form = _Form(MultiDict({"reason": "Same mother.\r\nSame village.\rSame birth year."}))
    assert "reason" not in (form.validate(), form.errors)[1]
    assert form.reason.data == "Same mother.\nSame village.\nSame birth year."


@pytest.mark.parametrize(
    ("field", "typed", "code"),
    [("reason", "a\x00b", "0000"), ("reason", "a\x1b[31m", "001B"), ("label", "a\r\nb", "000D")],
)
def test_other_control_characters_are_refused_and_a_one_line_field_takes_no_break(
    field, typed, code
):
    [message] = _errors(**{field: typed})[field]
    assert f"(U+{code})" in message


def test_a_line_break_counts_once_against_the_length_as_it_is_stored():
    # 20 lines of 99 characters: 1,999 as stored, 2,018 as a browser sends them
    typed = "\r\n".join(["x" * 99] * 20)
    form = _Form(MultiDict({"reason": typed}))
    assert "reason" not in (form.validate(), form.errors)[1]
    assert len(form.reason.data) == 1999
