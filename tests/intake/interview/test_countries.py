"""Countries: typed as two-letter codes, refused when no country has the code, and
shown by name in the reader's language wherever a record is read."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from intake.exports.entries import place_text
from intake.interview import vocab
from tests.intake.interview.journey import (
    interview_worked_example,
    post_step,
    start_draft,
    worked_example_steps,
)
from tests.intake.interview.people import read_draft


@pytest.mark.parametrize(
    ("code", "expected"),
    [("KZ", True), ("CN", True), ("TR", True), ("XK", True), ("GB", True)],
)
def test_country_codes_are_known(code, expected):
    assert vocab.is_country(code) is expected


@pytest.mark.parametrize(
    "code",
    # "UK" is the common slip for GB; the rest are in CLDR's list but are no country
    # (a union, a currency area, the UN, placeholders, parts of Spain or of Saint
    # Helena) or no code at all.
    ["UK", "EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "IC", "EA", "AC", "QQ", "kz", "K", ""],
)
def test_codes_of_no_country_are_refused(code):
    assert vocab.is_country(code) is False


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", "Kazakhstan"),
        ("kk", "Қазақстан"),
        ("ru", "Казахстан"),
        ("ug", "قازاقىستان"),
        ("zh", "哈萨克斯坦"),
    ],
)
def test_a_country_is_named_in_each_ui_language(language, name):
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), force_locale(language):
        assert vocab.country_name("KZ") == name
    assert vocab.country_name("KZ", language) == name


def test_a_name_missing_in_a_language_falls_back_to_english_then_the_code(monkeypatch):
    # (Babel's data names every country in all five languages today; a later release
    # may not, as it lacked Uyghur names of codes left out here, such as Sark, CQ.)
    names = {"en": {"KZ": "Kazakhstan"}, "ug": {}}
    monkeypatch.setattr(vocab, "_countries", lambda language: names[language])
    assert vocab.country_name("KZ", "ug") == "Kazakhstan"
    assert vocab.country_name("QQ", "ug") == "QQ"


@pytest.mark.parametrize(
    ("step", "field", "typed"),
    [
        ("testifier", "informants-0-country", "uk"),
        ("victim", "status-country", "UK"),
        ("victim", "citizenships", "CN, UK"),
        ("victim", "citizenships", "EU"),
    ],
)
def test_a_code_of_no_country_is_refused_with_what_was_typed_kept(
    station_interviewer, database, settings, step, field, typed
):
    # Given the worked example's step, with one country code that no country has
    base = start_draft(station_interviewer)
    data = {**worked_example_steps()[step], field: typed}
    # When it is saved
    response = post_step(station_interviewer, f"{base}/{step}", data)
    # Then the page says which code is wrong and how to write one, keeps what was
    # typed, and nothing of the step is saved
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    bad = typed.split(", ")[-1].upper()
    assert f"{bad} is not a country code" in page
    assert typed.upper() in page
    section = {"testifier": "informants", "victim": "victim"}[step]
    assert section not in read_draft(database, settings, base)


def test_a_lowercase_code_is_stored_in_capitals(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    data = {**worked_example_steps()["victim"], "citizenships": "cn, xk", "status-country": "kz"}
    assert post_step(station_interviewer, f"{base}/victim", data).status_code == 302
    victim = read_draft(database, settings, base)["victim"]
    assert victim["citizenships"] == ["CN", "XK"]
    assert victim["status"]["likely_location"]["place"]["country"] == "KZ"


@pytest.mark.parametrize(
    ("language", "kazakhstan", "china"),
    [("en", "Kazakhstan", "China"), ("kk", "Қазақстан", "Қытай"), ("zh", "哈萨克斯坦", "中国")],
)
def test_the_review_names_countries_in_the_reader_s_language(
    station_interviewer, language, kazakhstan, china
):
    # Given the worked example (citizenship CN; residence and whereabouts KZ)
    base = interview_worked_example(station_interviewer)
    # When its review is read
    page = station_interviewer.get(f"{base}/review?lang={language}").get_data(as_text=True)
    # Then the countries are named, not coded
    assert f"<bdi>{kazakhstan}</bdi>" in page
    assert f"<bdi>{china}</bdi>" in page
    assert "<bdi>KZ</bdi>" not in page and "<bdi>CN</bdi>" not in page


def test_an_exported_place_names_its_country_in_english():
    assert place_text({"country": "TR"}, "prefecture") == "Türkiye"
    assert place_text({"country": "QQ"}, "prefecture") == "QQ"
