"""Step pages: errors beside fields, nothing lost, rows, ownership, languages."""

from __future__ import annotations

import pytest

from intake.accounts.services import create_account
from tests.intake.conftest import ADMIN_PASSWORD, csrf_token, unlock
from tests.intake.interview.journey import post_step, start_draft, worked_example_steps

STEPS = (
    "testifier",
    "victim",
    "trajectory",
    "labour",
    "links",
    "coding",
    "consent",
    "narrative",
    "attachments",
    "review",
)


def test_step_errors_keep_what_was_typed(station_interviewer):
    # Given a victim step with a name but no script, and a mixed-direction note
    base = start_draft(station_interviewer)
    typed = {
        "names-0-text": "Гүлзира Әуелхан",
        "names-0-kind": "full",
        "names-0-note": "\u202eشىنجاڭ abc",  # noqa: RUF001 (Uyghur on purpose)
        "occupation": "teacher",
    }
    # When it is sent
    response = post_step(station_interviewer, f"{base}/victim", typed)
    page = response.get_data(as_text=True)
    # Then the page comes back with every typed value and the error beside the field
    assert response.status_code == 200
    assert "Гүлзира Әуелхан" in page and "teacher" in page and "شىنجاڭ abc" in page
    assert "This field is required." in page
    # And nothing was saved: the stored step is still empty
    assert "Гүлзира" not in station_interviewer.get(f"{base}/victim").get_data(as_text=True)


@pytest.mark.parametrize("bad", ["Synaq\x00Ayel", "Synaq\x1b[31mAyel", "a\nb"])
def test_control_characters_are_refused(station_interviewer, bad):
    # Given a name with a control character (a newline is one in a one-line field)
    base = start_draft(station_interviewer)
    data = {"names-0-text": bad, "names-0-script": "Latn", "names-0-kind": "full"}
    # When it is sent / Then a clear message is shown and nothing is saved
    page = post_step(station_interviewer, f"{base}/victim", data).get_data(as_text=True)
    assert "invisible control character" in page
    assert "Synaq" not in station_interviewer.get(f"{base}/victim").get_data(as_text=True)


def test_newlines_are_fine_in_text_areas_and_oversized_text_is_refused(station_interviewer):
    base = start_draft(station_interviewer)
    # Given a narrative with newlines and tabs / When sent / Then it is saved
    ok = post_step(
        station_interviewer,
        f"{base}/narrative",
        {"original_text": "line one\r\n\tline two", "original_language": "kk"},
    )
    assert ok.status_code == 302
    # Given a name longer than the schema allows / Then it is refused with the limit
    data = {"names-0-text": "x" * 201, "names-0-script": "Latn", "names-0-kind": "full"}
    page = post_step(station_interviewer, f"{base}/victim", data).get_data(as_text=True)
    assert "at most 200 are allowed" in page


def test_malformed_posts_lose_nothing(station_interviewer):
    # Given a saved testifier step
    base = start_draft(station_interviewer)
    data = worked_example_steps()["testifier"]
    assert post_step(station_interviewer, f"{base}/testifier", data).status_code == 302
    # When a post arrives with fields missing, an unknown code and a word for a number
    bad = {"informants-0-relation": "emperor", "interview_date-year": "twenty"}
    page = post_step(station_interviewer, f"{base}/testifier", bad).get_data(as_text=True)
    # Then it is refused with messages, and the saved answers are still there
    assert "Not a valid choice" in page and "Not a valid integer" in page
    assert "interviewer-07" in station_interviewer.get(f"{base}/testifier").get_data(as_text=True)


def test_episode_rows_can_be_added_moved_and_removed(station_interviewer):
    base = start_draft(station_interviewer)
    url = f"{base}/trajectory"
    rows = {"episodes-0-kind": "taken_by_police", "episodes-1-kind": "prison"}
    # When a row is added / Then a third, empty row appears and the two are saved
    page = post_step(station_interviewer, url, rows, action="add:episodes").get_data(as_text=True)
    assert 'name="episodes-2-kind"' in page
    # When the prison row is moved up / Then it comes first
    page = post_step(station_interviewer, url, rows, action="up:episodes:1").get_data(as_text=True)
    assert page.index('selected value="prison"') < page.index('selected value="taken_by_police"')
    # When the first row is removed / Then only the other is left after a reload
    post_step(station_interviewer, url, rows, action="remove:episodes:0")
    page = station_interviewer.get(url).get_data(as_text=True)
    assert 'selected value="prison"' in page and 'selected value="taken_by_police"' not in page


def test_labour_shows_the_derived_wage(station_interviewer):
    # Given the worked example's trajectory and labour (320 CNY for 1.5 to 2 months in Ili)
    base = start_draft(station_interviewer)
    steps = worked_example_steps()
    for name in ("testifier", "trajectory", "labour"):
        assert post_step(station_interviewer, f"{base}/{name}", steps[name]).status_code == 302
    # Then the labour page shows 160 to 213.33 CNY a month and its ratio to the highest
    # and the lowest tier in force in 2019 (the county's tier is not listed)
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert "160.00\u2013213.33 CNY a month; 0.088\u20130.146 of the minimum wage" in page
    # And the coding step hints at restriction of movement, but not at withholding of
    # wages: a low wage alone is not evidence that wages were kept back
    coding = station_interviewer.get(f"{base}/coding").get_data(as_text=True)
    assert "could not leave" in coding and "not paid, withheld or cut" not in coding
    # And the live figure endpoint agrees
    token = csrf_token(page)
    figure = station_interviewer.post(
        "/interview/wage-figure",
        headers={"X-CSRFToken": token},
        json={
            "amount": "320",
            "currency": "CNY",
            "count": "2",
            "unit": "month",
            "prefecture": "ili",
            "on_low": "2019-01-15",
        },
    ).get_json()
    assert figure["monthly_cny"] == ["160.00", "160.00"]
    assert figure["ratio"] == ["0.088", "0.110"]
    assert figure["tables"] == ["xinjiang_2018"] and figure["reasons"] == []


def test_another_persons_draft_is_not_found(app, station_interviewer, database, settings):
    # Given a draft started by the first interviewer
    base = start_draft(station_interviewer)
    # And a second interviewer signed in on another browser
    with database.session() as session:
        create_account(
            session,
            settings,
            unlock(database, settings),
            username="second",
            password=ADMIN_PASSWORD,
            role="interviewer",
            language="en",
        )
    other = app.test_client()
    token = csrf_token(other.get("/login").get_data(as_text=True))
    other.post(
        "/login", data={"csrf_token": token, "username": "second", "password": ADMIN_PASSWORD}
    )
    assert other.get("/interview/").status_code == 200
    # When they open it / Then 404, and it is not in their list
    assert other.get(f"{base}/testifier").status_code == 404
    assert other.get(f"{base}/review").status_code == 404
    assert base.rsplit("/", 1)[1] not in other.get("/interview/").get_data(as_text=True)
    # And an unknown draft id is 404 too
    assert other.get("/interview/00000000-0000-4000-8000-000000000000/victim").status_code == 404


@pytest.mark.parametrize("lang", ["en", "kk", "ru", "ug", "zh"])
def test_every_step_renders_in_every_language(station_interviewer, lang):
    base = start_draft(station_interviewer)
    for name in STEPS:
        response = station_interviewer.get(f"{base}/{name}?lang={lang}")
        assert response.status_code == 200, (name, lang)
    assert station_interviewer.get(f"/interview/?lang={lang}").status_code == 200


def test_review_lists_problems_with_links_and_finalise_refuses(station_interviewer):
    # Given a draft with only the testifier step done
    base = start_draft(station_interviewer)
    post_step(station_interviewer, f"{base}/testifier", worked_example_steps()["testifier"])
    # When the review page is opened
    page = station_interviewer.get(f"{base}/review").get_data(as_text=True)
    # Then it lists what is missing, each linked to the step that fixes it
    assert "to fix before finalising" in page
    for step in ("victim", "coding", "consent", "narrative"):
        assert f'href="{base.removeprefix("http://localhost")}/{step}"' in page
    # And the typed values are shown isolated
    assert "<bdi>interviewer-07</bdi>" in page
    # And Finalise is no button to press
    assert f'href="{base.removeprefix("http://localhost")}/finalise"' not in page
    # When finalise is forced anyway, confirmed / Then it is refused and the draft stays
    confirm = station_interviewer.get(f"{base}/finalise").get_data(as_text=True)
    response = station_interviewer.post(
        f"{base}/finalise", data={"csrf_token": csrf_token(confirm), "confirmed": "yes"}
    )
    assert response.status_code == 422
    assert station_interviewer.get(f"{base}/review").status_code == 200
