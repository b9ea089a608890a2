"""The coding, correction and history pages, as a coordinator uses them."""

from __future__ import annotations

import re
import uuid

from intake.cases import versions
from intake.records import services
from tests.intake.interview.test_typing import browser_post

from ..records.helpers import WORKED_EXAMPLE, load
from .helpers import app_keys, coded, stored_record


def _post(client, url: str, **changes: str):
    """Post the page's form that saves (as a browser sends it: that form's fields only)."""
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=browser_post(_saving_form(page), **changes))


def _saving_form(page: str) -> str:
    start = page.index('<form method="post" class="stacked"')
    return page[start : page.index("</form>", start)]


def _stored_with(database, keys, section: str, path: str, value) -> uuid.UUID:
    """The worked example stored with one field of a section set to ``value``."""
    document = load(WORKED_EXAMPLE, fresh_id=True)
    target = document[section]
    *parents, last = path.split(".")
    for name in parents:
        target = target[name]
    target[last] = value
    with database.session() as session:
        services.store_testimony(session, keys, document)
    return uuid.UUID(document["record_id"])


def test_a_coordinator_codes_an_indicator_and_sees_the_difference(
    casedb_coordinator, app, database
):
    # Given a stored record at the case database
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding"
    # When the coordinator codes withholding of wages as present, with a reason
    response = _post(
        casedb_coordinator,
        url,
        **{"withholding_of_wages-status": "present", "reason": "Wage note read again"},
    )
    # Then the history shows the change and its reason
    assert response.status_code == 302
    page = casedb_coordinator.get(f"/records/{record_id}/history").get_data(as_text=True)
    assert "ilo_indicators.withholding_of_wages.status" in page
    assert "Wage note read again" in page
    assert "<ins><bdi>Present</bdi></ins>" in page


def test_a_work_episode_is_coded_in_the_labour_section(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding/e4"
    response = _post(
        casedb_coordinator,
        url,
        **{"coding-debt_bondage-status": "absent", "reason": "Asked the testifier"},
    )
    assert response.status_code == 302
    with database.session() as session:
        document = services.load_testimony(session, app_keys(app), record_id)
    indicators = document["labour"][0]["coding"]["ilo_indicators"]
    assert indicators["debt_bondage"] == {"status": "absent"}
    assert indicators["withholding_of_wages"]["status"] == "present"  # the rest kept


def _stored(app, database, record_id):
    with database.session() as session:
        return services.load_testimony(session, app_keys(app), record_id)


def test_a_coded_field_is_corrected_by_picking_its_new_code(casedb_coordinator, app, database):
    # Given the victim's status chosen on the correction page
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=status.code"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    # Then the page names the field, and offers its codes by their labels, the one now
    # selected
    assert "<h2>Status / As reported</h2>" in page
    assert "<p>Now: <bdi>Has left China</bdi></p>" in page
    assert '<option value="imprisoned">Imprisoned (sentenced)</option>' in page
    assert '<option selected value="left_china">' in page
    # When the coordinator picks another and gives a reason
    response = _post(
        casedb_coordinator, url, choice="imprisoned", reason="Family learned she was sentenced"
    )
    # Then it is saved as that code
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app, database, record_id)["victim"]["status"]["code"] == "imprisoned"


def test_the_fields_are_listed_in_words_in_the_readers_language(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    # Each field by its labels (the section left to the page), its value as a reader says it
    assert '<option value="status.code">Status / As reported: Has left China</option>' in page
    assert '<option value="names[1].text">Name variants / 2 / Text: Synaq Ayel</option>' in page
    # And no value input until a field is chosen
    assert 'name="reason"' not in page
    russian = casedb_coordinator.get(f"{url}?lang=ru").get_data(as_text=True)
    assert "Has left China" not in russian and "status.code" in russian


def test_a_code_not_offered_is_refused_and_nothing_saved(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=status.code"
    response = _post(casedb_coordinator, url, choice="on_the_moon", reason="test")
    assert response.status_code == 200
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert _stored(app, database, record_id)["victim"]["status"]["code"] == "left_china"


def test_an_invalid_correction_is_refused_with_the_problem(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=approximate_age.years"
    response = _post(casedb_coordinator, url, value="300", reason="test")
    assert response.status_code == 400
    assert "Years" in response.get_data(as_text=True)
    assert _stored(app, database, record_id)["victim"]["approximate_age"]["years"] == 39


def test_a_text_field_opens_with_its_text_to_edit(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=names%5B1%5D.text"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="value"[^>]*>\s*Synaq Ayel</textarea>', page)
    response = _post(casedb_coordinator, url, value="Synaq Aiel", reason="Spelling checked")
    assert response.status_code == 302
    assert _stored(app, database, record_id)["victim"]["names"][1]["text"] == "Synaq Aiel"


def test_a_yes_or_no_field_is_corrected_with_yes_or_no(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/informants?path=%5B0%5D.is_main"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert '<option selected value="true">Yes</option>' in page
    response = _post(casedb_coordinator, url, choice="false", reason="Another person led")
    assert response.status_code == 302
    # Saved as JSON false, not as the text "false"
    assert _stored(app, database, record_id)["informants"][0]["is_main"] is False


def test_a_list_of_codes_is_corrected_by_ticking(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/coding?path=other_abuse.codes"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in page and 'value="electric_batons"' in page
    data = browser_post(page, reason="Read the narrative again")
    data["codes"] = ["beating", "forced_medication"]
    assert casedb_coordinator.post(url, data=data).status_code == 302
    codes = _stored(app, database, record_id)["coding"]["other_abuse"]["codes"]
    assert codes == ["beating", "forced_medication"]


def test_a_field_is_removed_by_its_remove_choice(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=kz_status"
    response = _post(casedb_coordinator, url, choice="", reason="Not known after all")
    assert response.status_code == 302
    assert "kz_status" not in _stored(app, database, record_id)["victim"]


def test_a_field_the_section_does_not_have_is_refused(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim"
    # A made-up field in the address: only the list of fields is shown
    page = casedb_coordinator.get(f"{url}?path=no.such%5B9%5D").get_data(as_text=True)
    assert 'name="reason"' not in page
    # Posted by hand (the form of a real field, its path changed): refused, nothing saved
    real = casedb_coordinator.get(f"{url}?path=gender").get_data(as_text=True)
    data = browser_post(real, choice="male", reason="r")
    data["path"] = ["no.such[9]"]
    response = casedb_coordinator.post(url, data=data)
    assert response.status_code == 200 and "Not a valid choice." in response.get_data(as_text=True)
    with database.session() as session:
        assert versions.history(session, app_keys(app), record_id) == []


def test_a_conflicting_save_shows_both_changes_and_keeps_the_typing(
    casedb_coordinator, app, database
):
    # Given a coordinator who opened the coding page at revision 0
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    # And another coordinator who saved in the meantime
    with database.session() as session:
        document = services.load_testimony(session, app_keys(app), record_id)
        versions.change_section(
            session,
            app_keys(app),
            record_id,
            "coding",
            coded(document, "absent"),
            loaded_revision=0,
            reason="Other coordinator's reason",
            actor=uuid.uuid4(),
            actor_name="coordinator-2",
        )
    # When the first one saves what they typed
    data = browser_post(page, **{"deception-status": "present", "reason": "My typed reason"})
    response = casedb_coordinator.post(url, data=data)
    # Then they get a conflict with both changes, their typing kept, nothing saved
    assert response.status_code == 409
    shown = response.get_data(as_text=True)
    assert "Someone else saved this record" in shown
    assert "Other coordinator&#39;s reason" in shown and "coordinator-2" in shown
    assert "My typed reason" in shown
    assert "ilo_indicators.deception.status" in shown
    assert 'name="revision" type="hidden" value="1"' in shown
    with database.session() as session:
        now = versions.open_for_edit(session, app_keys(app), record_id)
    assert now.revision == 1 and "deception" not in now.document["coding"]["ilo_indicators"]


def test_a_coding_form_refused_by_its_fields_says_so_at_the_top(casedb_coordinator, app, database):
    # Given a stored record's coding page
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding"
    # When the evidence holds a right-to-left override (refused where it is typed)
    response = _post(
        casedb_coordinator,
        url,
        **{"withholding_of_wages-evidence": "paid \u202e001", "reason": "read again"},
    )
    page = response.get_data(as_text=True)
    # Then nothing is saved, and the top of the page says so before the form begins,
    # beside the field's own message further down
    assert response.status_code == 200 and "U+202E" in page
    top = page.index("Nothing was saved: correct what is marked below.")
    assert top < page.index('<form method="post" class="stacked"')
    assert page.index('role="alert"') <= top
    # And the list links to the field refused, by its indicator's title and its label
    listed = page[top : page.index("</ul>", top)]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', listed)
    assert ("withholding_of_wages-evidence", "Withholding of wages: Evidence") in links
    assert all(f'id="{target}"' in page for target, _ in links)
    with database.session() as session:
        assert versions.history(session, app_keys(app), record_id) == []


def test_each_coding_page_links_back_to_the_record(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    for page in ("coding", "correct/victim", "history", "erase"):
        html = casedb_coordinator.get(f"/records/{record_id}/{page}").get_data(as_text=True)
        assert f'<a href="/records/{record_id}" class="record-link">' in html, page


def test_a_refused_work_episode_coding_links_to_the_field(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    page = casedb_coordinator.get(f"/records/{record_id}/coding").get_data(as_text=True)
    episode = re.search(rf'href="(/records/{record_id}/coding/[^"]+)"', page).group(1)
    refused = _post(
        casedb_coordinator, episode, **{"coding-withholding_of_wages-evidence": "paid \u202e001"}
    ).get_data(as_text=True)
    top = refused.index("Nothing was saved: correct what is marked below.")
    links = re.findall(r'<a href="#([^"]+)">', refused[top : refused.index("</ul>", top)])
    assert links and all(f'id="{target}"' in refused for target in links)


def _history(app, database, record_id):
    with database.session() as session:
        return versions.history(session, app_keys(app), record_id)


def test_codes_saved_untouched_keep_their_order_and_make_no_version(
    casedb_coordinator, app, database
):
    # Given a list of codes stored in an order other than the codebook's
    record_id = _stored_with(
        database, app_keys(app), "coding", "other_abuse.codes", ["electric_batons", "beating"]
    )
    url = f"/records/{record_id}/correct/coding?path=other_abuse.codes"
    # When saved without a tick changed / Then nothing is saved
    response = _post(casedb_coordinator, url, reason="looked again")
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert _history(app, database, record_id) == []
    # And a code ticked besides goes after those already there
    page = casedb_coordinator.get(url).get_data(as_text=True)
    data = browser_post(_saving_form(page), reason="torture reported too")
    data["codes"] = ["beating", "electric_batons", "torture"]
    assert casedb_coordinator.post(url, data=data).status_code == 302
    codes = _stored(app, database, record_id)["coding"]["other_abuse"]["codes"]
    assert codes == ["electric_batons", "beating", "torture"]


def test_an_empty_list_of_codes_saved_untouched_stays(casedb_coordinator, app, database):
    record_id = _stored_with(database, app_keys(app), "coding", "other_abuse.codes", [])
    url = f"/records/{record_id}/correct/coding?path=other_abuse.codes"
    response = _post(casedb_coordinator, url, reason="looked again")
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert _stored(app, database, record_id)["coding"]["other_abuse"]["codes"] == []


def test_a_null_field_saved_untouched_stays_and_takes_json(casedb_coordinator, app, database):
    # Given the worked example's consent, whose withdrawal is null
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/consent?path=withdrawal"
    response = _post(casedb_coordinator, url, reason="looked again")
    assert "Nothing was changed" in response.get_data(as_text=True)
    # When given a group as JSON / Then it is stored as that group, not as text
    page = _saving_form(casedb_coordinator.get(url).get_data(as_text=True))
    typed = '{"scope": "publication", "withdrawn_at": "2026-03-01T10:00:00Z"}'
    response = casedb_coordinator.post(url, data=browser_post(page, value=typed, reason="r"))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    withdrawal = _stored(app, database, record_id)["consent"]["withdrawal"]
    assert withdrawal == {"scope": "publication", "withdrawn_at": "2026-03-01T10:00:00Z"}


def test_text_with_a_browsers_line_breaks_is_saved(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=kz_status_note"
    # A browser sends a text area's line breaks as CR LF
    response = _post(casedb_coordinator, url, value="Line one.\r\nLine two.", reason="r")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    note = _stored(app, database, record_id)["victim"]["kz_status_note"]
    assert note == "Line one.\nLine two."


def test_a_whole_number_of_a_decimal_field_takes_a_fraction(casedb_coordinator, app, database):
    # Given a duration of 15 (its schema: any number)
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/episodes?path=%5B2%5D.duration.amount"
    response = _post(casedb_coordinator, url, value="15.5", reason="r")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert _stored(app, database, record_id)["episodes"][2]["duration"]["amount"] == 15.5
    # And a number that is not one is refused in words, nothing saved
    refused = _post(casedb_coordinator, url, value="NaN", reason="r").get_data(as_text=True)
    assert "not of the kind this field holds (a number)" in refused


def test_a_withdrawal_of_research_use_is_recorded_and_research_leaves_the_record_out(
    casedb_coordinator, app, database
):
    from intake.exports.consent import allowance

    # Given a stored record whose consent allows research use
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/withdrawal"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert '<option value="research_use">Research datasets</option>' in page
    # When the coordinator records that research use was withdrawn, with a reason
    response = _post(casedb_coordinator, url, scope="research_use", reason="Phoned on 3 May")
    # Then the consent holds the withdrawal, dated now, and research leaves it out
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    consent = _stored(app, database, record_id)["consent"]
    assert consent["withdrawal"]["scope"] == "research_use"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", consent["withdrawal"]["withdrawn_at"])
    assert allowance(consent, kind="research", recipient="").left_out == "withdrawn"
    assert allowance(consent, kind="victims", recipient="").left_out != "withdrawn"
    # And the page says what was withdrawn, and the history keeps the reason
    page = casedb_coordinator.get(url).get_data(as_text=True)
    assert "for: Research datasets." in page
    history = casedb_coordinator.get(f"/records/{record_id}/history").get_data(as_text=True)
    assert "Phoned on 3 May" in history


def test_a_withdrawal_scope_not_offered_is_refused(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/withdrawal"
    response = _post(casedb_coordinator, url, scope="everything_forever", reason="r")
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert _stored(app, database, record_id)["consent"]["withdrawal"] is None


def test_a_withdrawal_never_gives_back_a_use_already_withdrawn(casedb_coordinator, app, database):
    from intake.exports.consent import allowance

    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/withdrawal"
    # Given publication withdrawn
    assert _post(casedb_coordinator, url, scope="publication", reason="r1").status_code == 302
    # When research use alone is asked next / Then it is refused, saying why, and
    # publication stays withdrawn
    refused = _post(casedb_coordinator, url, scope="research_use", reason="r2")
    assert refused.status_code == 400
    assert "withdraw the whole testimony" in refused.get_data(as_text=True)
    consent = _stored(app, database, record_id)["consent"]
    assert allowance(consent, kind="victims", recipient="").left_out == "withdrawn"
    assert consent["withdrawal"]["scope"] == "publication"
    # When the whole testimony is withdrawn / Then it holds, and nothing narrower replaces it
    assert _post(casedb_coordinator, url, scope="entire_record", reason="r3").status_code == 302
    narrower = _post(casedb_coordinator, url, scope="publication", reason="r4")
    assert narrower.status_code == 400
    consent = _stored(app, database, record_id)["consent"]
    assert consent["withdrawal"]["scope"] == "entire_record"
    for kind in ("research", "victims", "esf"):
        assert allowance(consent, kind=kind, recipient="").left_out == "withdrawn"
