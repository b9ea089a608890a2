"""intake.validators.NumberRange: WTForms' range check, without its crash on long numbers."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, IntegerField

from intake.validators import NumberRange


class _Form(Form):
    days = IntegerField(validators=[NumberRange(min=1, max=90)])
    at_least = IntegerField(validators=[NumberRange(min=1)])


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
