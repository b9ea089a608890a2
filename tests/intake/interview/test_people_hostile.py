"""Hostile input on the people pages: forged ids and rows, odd actions, foreign drafts."""

from __future__ import annotations

import pytest

from intake.interview.lists import Action, rows_named
from intake.interview.steps.testifier import TestifierForm
from tests.intake.conftest import csrf_token
from tests.intake.interview.journey import post_step, start_draft
from tests.intake.interview.journey import worked_example_steps as steps
from tests.intake.interview.people import read_draft

INTERVIEW = {k: v for k, v in steps()["testifier"].items() if not k.startswith("informants-")}


def test_forged_and_repeated_informant_ids_get_fresh_ones(station_interviewer, database, settings):
    # Given two informant rows posting the same forged id and one with a hostile id
    base = start_draft(station_interviewer)
    data = {
        **INTERVIEW,
        "informants-0-id": "i7",
        "informants-0-relation": "sister",
        "informants-1-id": "i7",
        "informants-1-relation": "brother",
        "informants-2-id": "<script>",
        "informants-2-relation": "son",
    }
    # When saved / Then each gets its own plain id (none was in the draft before)
    assert post_step(station_interviewer, f"{base}/testifier", data).status_code == 302
    ids = [i["id"] for i in read_draft(database, settings, base)["informants"]]
    assert ids == ["i1", "i2", "i3"]


def test_an_id_kept_from_the_draft_is_not_given_twice(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    first = {**INTERVIEW, "informants-0-relation": "sister", "informants-1-relation": "brother"}
    post_step(station_interviewer, f"{base}/testifier", first)
    # When a later post claims the first informant's id on both rows
    again = {**first, "informants-0-id": "i1", "informants-1-id": "i1"}
    assert post_step(station_interviewer, f"{base}/testifier", again).status_code == 302
    # Then the first keeps it and the second gets another
    ids = [i["id"] for i in read_draft(database, settings, base)["informants"]]
    assert ids[0] == "i1" and len(set(ids)) == 2


def test_more_informants_than_allowed_are_refused(station_interviewer):
    base = start_draft(station_interviewer)
    rows = {f"informants-{i}-relation": "other" for i in range(25)}
    # Given 25 informant rows where 20 are allowed / When posted / Then refused, not cut short
    page = post_step(station_interviewer, f"{base}/testifier", {**INTERVIEW, **rows})
    assert page.status_code == 200
    assert "At most 20 rows can be given here." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "action",
    [
        "add:informants-99-names",
        "remove:informants-0-names:7",
        "add:informants-x-names",
        "add:informants-0-names-0-text",
        "add:csrf_token",
        "add:__class__",
        "up:informants-0:0",
    ],
)
def test_odd_row_actions_change_nothing_and_fail_nothing(station_interviewer, action):
    # Given the testifier page / When a forged row action is sent / Then the page comes back
    base = start_draft(station_interviewer)
    response = post_step(
        station_interviewer,
        f"{base}/testifier",
        {**INTERVIEW, "informants-0-relation": "sister"},
        action=action,
    )
    assert response.status_code in (200, 302)


def test_nested_rows_are_found_only_by_their_real_name(app):
    with app.test_request_context("/"):
        form = TestifierForm(formdata=None, data={"informants": [{"names": [{}]}]})
        assert rows_named(form, "informants-0-names") is form.informants.entries[0].form.names
        assert rows_named(form, "informants-1-names") is None
        assert rows_named(form, "informants-0-relation") is None
        assert rows_named(form, "informants") is form.informants
        Action.parse("add:informants-0-names").apply(form)
        assert len(form.informants.entries[0].form.names.entries) == 2


def test_another_victim_from_someone_elses_draft_is_not_found(app, station_interviewer):
    # Given a draft id that is not the person's / When "another victim" is posted / Then 404
    page = station_interviewer.get("/interview/").get_data(as_text=True)
    response = station_interviewer.post(
        "/interview/00000000-0000-4000-8000-000000000000/another",
        data={"csrf_token": csrf_token(page), "relation": "same_testifier"},
    )
    assert response.status_code == 404


def test_a_publication_address_must_be_a_web_address(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    page = station_interviewer.get(f"{base}/attachments").get_data(as_text=True)
    data = {
        "publication-csrf_token": csrf_token(page),
        "action": "add_publication",
        "publication-kind": "news_article",
        "publication-title": "A title",
        "publication-url": "javascript:alert(1)",
    }
    response = station_interviewer.post(f"{base}/attachments", data=data)
    assert response.status_code == 200 and "https://" in response.get_data(as_text=True)
    assert "sources" not in read_draft(database, settings, base)
