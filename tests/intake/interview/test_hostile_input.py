"""Hostile input an attacker or a bad paste could send, each refused or contained."""

from __future__ import annotations

import uuid

import pytest

from intake.interview.uploads import plain_filename
from intake.records.models import Draft
from tests.intake.conftest import csrf_token
from tests.intake.interview.journey import post_step, start_draft

NAME = {"names-0-script": "Latn", "names-0-kind": "full"}


@pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\u200b", "\ufeff", "\u2067"])
def test_direction_overrides_and_invisible_formatting_are_refused(station_interviewer, mark):
    # Given a name with an override or another invisible formatting character in it
    base = start_draft(station_interviewer)
    data = {**NAME, "names-0-text": f"Synaq{mark}Ayel"}
    # When it is sent / Then it is refused with the character's code, and nothing saved
    page = post_step(station_interviewer, f"{base}/victim", data).get_data(as_text=True)
    assert f"U+{ord(mark):04X}" in page and "invisible formatting character" in page
    assert "Synaq" not in station_interviewer.get(f"{base}/victim").get_data(as_text=True)


@pytest.mark.parametrize("joiner", ["\u200c", "\u200d", "\u200e", "\u200f"])
def test_joiners_and_direction_marks_that_scripts_need_are_kept(station_interviewer, joiner):
    # Given a name with a zero-width (non-)joiner or a direction mark, as Uyghur and
    # Persian-script keyboards produce / When saved / Then it is accepted as typed
    base = start_draft(station_interviewer)
    data = {**NAME, "names-0-text": f"ئايگۈل{joiner}Ayel"}
    assert post_step(station_interviewer, f"{base}/victim", data).status_code == 302


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("../../etc/passwd", "passwd"),
        ("report\u202egnp.exe", "reportgnp.exe"),
        ("..", "file"),
        ("a\x00b.pdf", "ab.pdf"),
        ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
    ],
)
def test_uploaded_file_names_are_reduced_to_a_plain_name(given, kept):
    assert plain_filename(given) == kept


def test_a_vanishingly_small_wage_is_a_figure_not_a_failure(station_interviewer):
    base = start_draft(station_interviewer)
    token = csrf_token(station_interviewer.get(f"{base}/labour").get_data(as_text=True))
    response = station_interviewer.post(
        "/interview/wage-figure",
        headers={"X-CSRFToken": token},
        json={"amount": "1e-9999", "currency": "CNY", "count": "2", "unit": "month"},
    )
    assert response.status_code == 200 and response.get_json()["monthly_cny"] == ["0.00", "0.00"]


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 5000 + b"1" + b"}" * 5000, b"x" * 10_000],
    ids=["deep-list", "deep-object", "oversized"],
)
def test_the_live_wage_figure_refuses_deep_or_huge_bodies_with_a_4xx(station_interviewer, body):
    # Given a body nested thousands deep or far larger than the figure needs
    base = start_draft(station_interviewer)
    token = csrf_token(station_interviewer.get(f"{base}/labour").get_data(as_text=True))
    # When posted to the live wage figure
    response = station_interviewer.post(
        "/interview/wage-figure",
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
        data=body,
    )
    # Then it is refused with a message, never a server error
    assert 400 <= response.status_code < 500 and "error" in response.get_json()


@pytest.mark.parametrize(
    "amount", ["1e9999", "NaN", "-Infinity", "Infinity", "9" * 60, "-1", "1,5", "0x10"]
)
def test_the_live_wage_figure_refuses_odd_numbers_without_failing(station_interviewer, amount):
    base = start_draft(station_interviewer)
    token = csrf_token(station_interviewer.get(f"{base}/labour").get_data(as_text=True))
    response = station_interviewer.post(
        "/interview/wage-figure",
        headers={"X-CSRFToken": token},
        json={"amount": amount, "currency": "CNY", "count": "2", "unit": "month"},
    )
    # Then a clear 4xx with a message, never a server error
    assert 400 <= response.status_code < 500
    assert "ordinary numbers" in response.get_json()["error"]


@pytest.mark.parametrize("payload", [None, [], "320", {"amount": {"$gt": 1}}])
def test_the_live_wage_figure_refuses_malformed_bodies(station_interviewer, payload):
    base = start_draft(station_interviewer)
    token = csrf_token(station_interviewer.get(f"{base}/labour").get_data(as_text=True))
    response = station_interviewer.post(
        "/interview/wage-figure", headers={"X-CSRFToken": token}, json=payload
    )
    assert 400 <= response.status_code < 500 and "error" in response.get_json()


def test_a_damaged_draft_does_not_hide_the_other_drafts(station_interviewer, database):
    # Given two drafts, one of which is then damaged on disk (a flipped byte)
    keep = start_draft(station_interviewer).rsplit("/", 1)[-1]
    damaged = start_draft(station_interviewer).rsplit("/", 1)[-1]
    with database.session() as session:
        row = session.get(Draft, uuid.UUID(damaged))
        blob = bytearray(row.ciphertext)
        blob[-1] ^= 0x01
        row.ciphertext = bytes(blob)
        session.commit()
    # When the list of drafts is opened
    response = station_interviewer.get("/interview/")
    # Then it shows the intact draft and leaves the damaged one out
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert keep in page and damaged not in page


@pytest.mark.parametrize("typed", ["9" * 400, "-" + "9" * 400, str(2**53 + 1)])
def test_a_number_too_long_for_a_float_is_refused_not_a_server_error(station_interviewer, typed):
    # Given an age of hundreds of digits (a held key, a paste) / When saved
    base = start_draft(station_interviewer)
    data = {**NAME, "names-0-text": "Synaq Ayel", "age_years": typed}
    response = post_step(station_interviewer, f"{base}/victim", data)
    # Then the step is shown again with the range, and nothing is saved
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Number must be between 0 and 130." in page
    assert "Synaq" not in station_interviewer.get(f"{base}/victim").get_data(as_text=True)
