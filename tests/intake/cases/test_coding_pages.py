"""The coding, correction and history pages, as a coordinator uses them."""

from __future__ import annotations

import re
import uuid

from intake.cases import versions
from intake.records import services
from tests.intake.interview.test_typing import browser_post

from .helpers import app_keys, coded, stored_record


def _post(client, url: str, **changes: str):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=browser_post(page, **changes))


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


def test_a_correction_changes_the_victims_status(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim"
    response = _post(
        casedb_coordinator,
        url,
        path="status.code",
        value="imprisoned",
        reason="Family learned she was detained again",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with database.session() as session:
        document = services.load_testimony(session, app_keys(app), record_id)
    assert document["victim"]["status"]["code"] == "imprisoned"


def test_an_invalid_correction_is_refused_with_the_problem(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim"
    response = _post(
        casedb_coordinator, url, path="status.code", value="on_the_moon", reason="test"
    )
    assert response.status_code == 400
    assert "status" in response.get_data(as_text=True)


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
