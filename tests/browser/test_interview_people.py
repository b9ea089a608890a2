"""The people pages in a real browser, in the Kazakh interface: informants (one the
victim speaking, whose name rows hide), the victim, actions taken, consent, review."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

import crypto

from . import interview_steps as steps
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser
SISTER = "Айгүл Тестқызы"


def _on_step(page, name: str) -> None:
    assert urlsplit(page.url).path.endswith(f"/{name}"), page.url
    assert page.get_attribute("html", "lang") == "kk"
    assert page.locator("p.error, .has-error").count() == 0, page.inner_text("main")


def test_people_steps_in_kazakh(journey):
    page = journey.page
    # Given a station set up in Kazakh and a started interview
    fill_setup(
        journey, role="station", recipient=crypto.Identity.generate().recipient, language="kk"
    )
    draft_id = steps.start_interview(journey)
    # When the victim herself is the main informant: her name rows hide when ticked
    assert page.locator("#informants-0-names-0-text").is_visible()
    steps.fill_testifier(page)
    assert page.locator("#informants-0-names-0-text").is_hidden()
    # And her sister is added as a second informant with her name
    steps.click_action(page, "add:informants")
    steps.fill_informant(page, 1, "sister", SISTER, "Cyrl")
    journey.shot("informants")
    steps.save_and_continue(page)
    _on_step(page, "victim")
    # And the victim's names; a birth date known to the year shows no month or day box
    steps.fill_victim(page)
    assert page.locator("#birth_date-month").is_visible()
    page.select_option("#birth_date-precision", "year")
    assert page.locator("#birth_date-month").is_hidden()
    assert (
        page.locator("#birth_date-day").is_hidden()
        and page.locator("#birth_date-season").is_hidden()
    )
    page.fill("#birth_date-year", "1980")
    page.select_option("#birth_date-precision", "season")
    assert page.locator("#birth_date-season").is_visible()
    page.select_option("#birth_date-precision", "year")
    # And her situation as last reported
    page.select_option("#status-code", "left_china")
    page.fill("#status-country", "KZ")
    steps.save_and_continue(page)
    _on_step(page, "trajectory")
    # And on the links page, the husband's campaign
    journey.go(f"/interview/{draft_id}/links")
    steps.fill_links(page)
    steps.save_and_continue(page)
    _on_step(page, "coding")
    journey.go(f"/interview/{draft_id}/consent")
    steps.fill_consent(page)
    steps.save_and_continue(page)
    _on_step(page, "narrative")
    # Then the review shows the informants, the victim and the campaign in words,
    # with no problem on the people pages
    journey.go(f"/interview/{draft_id}/review")
    review = page.inner_text("main")
    for typed in (SISTER, steps.NAME_CYRILLIC, steps.CAMPAIGN_BY):
        assert typed in review, typed
    for name in ("testifier", "victim", "links", "consent"):
        assert page.locator(f"section.problems a[href$='/{name}']").count() == 0, name
    journey.shot("review-people")
    # And Discard asks to confirm before anything is deleted
    with page.expect_navigation():
        page.click("p.discard a.button")
    assert page.locator("form.confirm").count() == 1
    assert journey.foreign_requests() == []
