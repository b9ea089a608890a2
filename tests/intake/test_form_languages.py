"""WTForms' own messages ("This field is required.") follow the UI language on every
form, Uyghur included, for which WTForms ships no catalog."""

import importlib
import pkgutil

import pytest
from wtforms import Form

import intake
from intake.formbase import TRANSLATIONS, AppForm, SubForm

from .conftest import csrf_token


def _every_form_class() -> set[type]:
    for module in pkgutil.walk_packages(intake.__path__, "intake."):
        importlib.import_module(module.name)
    found: set[type] = set()
    todo = [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("intake.") and sub not in found:
                found.add(sub)
            todo.append(sub)
    return found


def test_every_form_of_the_app_has_the_translated_base():
    forms = _every_form_class()
    # The app has dozens; a walk that found none would prove nothing
    assert len(forms) > 30
    untranslated = sorted(
        f"{form.__module__}.{form.__qualname__}"
        for form in forms
        if not issubclass(form, AppForm | SubForm)
    )
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "required", "too_long"),
    [
        ("ug", "بۇ بۆلەكنى تولدۇرۇش زۆرۈر.", "بۇ بۆلەك 100 ھەرپ-بەلگىدىن ئۇزۇن بولماسلىقى كېرەك."),
        ("ru", "Это поле обязательно.", "не должно содержать более 100 символов"),
        ("en", "This field is required.", "Field cannot be longer than 100 characters."),
    ],
)
def test_a_refused_account_form_speaks_the_page_language(
    station_admin, language, required, too_long
):
    page = station_admin.get(f"/accounts?lang={language}").get_data(as_text=True)
    # When a username is left out, then given 101 letters long
    empty = station_admin.post(
        "/accounts",
        data={"csrf_token": csrf_token(page), "username": "", "password": "p" * 14},
    ).get_data(as_text=True)
    long = station_admin.post(
        "/accounts",
        data={"csrf_token": csrf_token(page), "username": "u" * 101, "password": "p" * 14},
    ).get_data(as_text=True)
    # Then WTForms' messages are in the page's language
    assert required in empty
    assert too_long in long
    if language != "en":
        assert "This field is required." not in empty
        assert "Field cannot be longer" not in long


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        (
            "ug",
            "بۇ بۆلەك كەم دېگەندە 1 ھەرپ-بەلگە بولۇشى كېرەك.",
            "بۇ بۆلەك كەم دېگەندە 8 ھەرپ-بەلگە بولۇشى كېرەك.",
        ),
        (
            "en",
            "Field must be at least 1 character long.",
            "Field must be at least 8 characters long.",
        ),
    ],
)
def test_a_count_of_one_is_translated_too(app, language, one, many):
    # WTForms' Length message with a count of one and of more, as a form would ask
    singular = "Field must be at least %(min)d character long."
    plural = "Field must be at least %(min)d characters long."
    with app.test_request_context(f"/?lang={language}"):
        app.preprocess_request()
        shown = [TRANSLATIONS.ngettext(singular, plural, n) % {"min": n} for n in (1, 8)]
    assert shown == [one, many]
