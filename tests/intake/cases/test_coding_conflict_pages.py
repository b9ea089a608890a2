"""A save that meets a colleague's: the form comes back over their version, carrying
only the fields this person changed, and a field both changed differently is saved
only as the person chooses (two tabs of one coordinator, or two coordinators)."""

from __future__ import annotations

import re
import uuid

from intake.cases import versions
from intake.records import services
from tests.intake.interview.test_typing import browser_post

from .helpers import app_keys, stored_record


def _saving_form(page: str) -> str:
    start = page.index('<form method="post" class="stacked"')
    return page[start : page.index("</form>", start)]


def _save(client, url: str, page: str, **changes: str):
    """Post the saving form of ``page`` (opened earlier, as a tab left open)."""
    return client.post(url, data=browser_post(_saving_form(page), **changes))


def _stored(app, database, record_id):
    with database.session() as session:
        return services.load_testimony(session, app_keys(app), record_id)


def _episode(app, database, record_id) -> dict:
    return _stored(app, database, record_id)["labour"][0]["coding"]["ilo_indicators"]


def _two_tabs(client, url: str) -> tuple[str, str]:
    return client.get(url).get_data(as_text=True), client.get(url).get_data(as_text=True)


def test_a_conflict_never_puts_back_a_field_only_the_colleague_changed(
    casedb_coordinator, app, database
):
    # Given an episode's coding open in two tabs
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding/e4"
    first, second = _two_tabs(casedb_coordinator, url)
    # When the first tab sets debt bondage present and saves
    saved = _save(
        casedb_coordinator, url, first, **{"coding-debt_bondage-status": "present", "reason": "a"}
    )
    assert saved.status_code == 302
    # And the second sets excessive overtime present and saves
    response = _save(
        casedb_coordinator,
        url,
        second,
        **{"coding-excessive_overtime-status": "present", "reason": "Overtime said twice"},
    )
    # Then it is told of the conflict, without the claim that nothing was lost
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this record since you opened it" in page
    assert "nothing was lost" not in page
    # And the form holds the colleague's debt bondage, its own overtime, its reason
    again = browser_post(_saving_form(page))
    assert again["coding-debt_bondage-status"] == ["present"]
    assert again["coding-excessive_overtime-status"] == ["present"]
    assert again["reason"][0].strip() == "Overtime said twice"
    assert "keep:" not in page  # no field was changed by both
    assert _episode(app, database, record_id)["excessive_overtime"] == {"status": "unknown"}
    # When the hurried person simply saves again
    assert casedb_coordinator.post(url, data=again).status_code == 302
    # Then both changes stand
    indicators = _episode(app, database, record_id)
    assert indicators["debt_bondage"]["status"] == "present"
    assert indicators["excessive_overtime"]["status"] == "present"


def test_a_field_both_changed_differently_is_saved_only_as_chosen(
    casedb_coordinator, app, database
):
    # Given two tabs that set debt bondage differently, the first saved
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding/e4"
    first, second = _two_tabs(casedb_coordinator, url)
    _save(
        casedb_coordinator, url, first, **{"coding-debt_bondage-status": "present", "reason": "a"}
    )
    response = _save(
        casedb_coordinator,
        url,
        second,
        **{
            "coding-debt_bondage-status": "absent",
            "coding-excessive_overtime-status": "present",
            "reason": "b",
        },
    )
    # Then the page names the clash, with both values, and asks to choose
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Changed by both of you" in page
    clash = page[page.index('class="clashes"') :]
    assert "Debt bondage" in clash[: clash.index("</ul>")]
    assert re.search(r'name="keep:ilo_indicators\.debt_bondage\.status"', page)
    # When the hurried person saves again without choosing (the browser's check skipped)
    again = browser_post(_saving_form(page))
    refused = casedb_coordinator.post(url, data=again)
    # Then nothing is saved and the choice is asked again
    assert refused.status_code == 400
    assert "choose which value to keep" in refused.get_data(as_text=True)
    assert 'value="theirs" required' in refused.get_data(as_text=True)
    assert _episode(app, database, record_id)["debt_bondage"]["status"] == "present"
    # When they keep the colleague's value
    again["keep:ilo_indicators.debt_bondage.status"] = ["theirs"]
    assert casedb_coordinator.post(url, data=again).status_code == 302
    # Then it stays, and their own other change is saved
    indicators = _episode(app, database, record_id)
    assert indicators["debt_bondage"]["status"] == "present"
    assert indicators["excessive_overtime"]["status"] == "present"


def test_keeping_ones_own_value_in_a_clash_saves_it(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding/e4"
    first, second = _two_tabs(casedb_coordinator, url)
    _save(
        casedb_coordinator, url, first, **{"coding-debt_bondage-status": "present", "reason": "a"}
    )
    page = _save(
        casedb_coordinator, url, second, **{"coding-debt_bondage-status": "absent", "reason": "b"}
    ).get_data(as_text=True)
    again = browser_post(_saving_form(page))
    assert again["coding-debt_bondage-status"] == ["absent"]  # the form holds theirs' rival
    again["keep:ilo_indicators.debt_bondage.status"] = ["yours"]
    assert casedb_coordinator.post(url, data=again).status_code == 302
    assert _episode(app, database, record_id)["debt_bondage"]["status"] == "absent"


def test_the_record_coding_form_after_a_conflict_keeps_the_colleagues_change(
    casedb_coordinator, app, database, settings
):
    # Given a second coordinator who codes deception while the first has the page open
    from .helpers import sign_in_as

    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding"
    mine = casedb_coordinator.get(url).get_data(as_text=True)
    other = sign_in_as(app, database, settings, "coordinator-2", "coordinator")
    theirs = other.get(url).get_data(as_text=True)
    assert (
        _save(other, url, theirs, **{"deception-status": "present", "reason": "x"}).status_code
        == 302
    )
    # When the first codes isolation, meets the conflict and saves the form it is given
    response = _save(
        casedb_coordinator, url, mine, **{"isolation-status": "present", "reason": "y"}
    )
    assert response.status_code == 409
    again = browser_post(_saving_form(response.get_data(as_text=True)))
    assert casedb_coordinator.post(url, data=again).status_code == 302
    # Then both codes stand
    indicators = _stored(app, database, record_id)["coding"]["ilo_indicators"]
    assert indicators["deception"]["status"] == "present"
    assert indicators["isolation"]["status"] == "present"


def test_a_correction_that_meets_a_different_correction_of_the_field_asks(
    casedb_coordinator, app, database
):
    # Given the same text field corrected in two tabs, the first saved
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/correct/victim?path=kz_status_note"
    first, second = _two_tabs(casedb_coordinator, url)
    assert _save(casedb_coordinator, url, first, value="Note A", reason="a").status_code == 302
    # When the second saves its own text
    response = _save(casedb_coordinator, url, second, value="Note B", reason="b")
    page = response.get_data(as_text=True)
    # Then both texts are shown, its own kept in the form, and saving without a choice
    # is refused
    assert response.status_code == 409 and "Note A" in page and "Note B" in page
    again = browser_post(_saving_form(page))
    assert again["value"][0].strip() == "Note B" and again["clash"] == [""]
    assert casedb_coordinator.post(url, data=again).status_code == 400
    assert _stored(app, database, record_id)["victim"]["kz_status_note"] == "Note A"
    again["keep:"] = ["yours"]
    assert casedb_coordinator.post(url, data=again).status_code == 302
    assert _stored(app, database, record_id)["victim"]["kz_status_note"] == "Note B"


def test_a_forged_choice_cannot_write_what_the_record_does_not_hold(
    casedb_coordinator, app, database
):
    # Given a coding page, and a post naming a "clash" on a field of the form
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding/e4"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    data = browser_post(
        _saving_form(page), **{"coding-debt_bondage-status": "present", "reason": "r"}
    )
    data["clash"] = ["ilo_indicators.debt_bondage.status", "[9].x"]
    data["keep:ilo_indicators.debt_bondage.status"] = ["theirs"]
    data["keep:[9].x"] = ["theirs"]
    # When it is posted, "theirs" is what the record holds: nothing changes
    response = casedb_coordinator.post(url, data=data)
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)
    with database.session() as session:
        assert versions.history(session, app_keys(app), record_id) == []


def test_rebase_carries_only_what_changed_and_names_clashes():
    # Given a base, a colleague's version, and a form loaded from the base
    base = {"a": {"s": "unknown"}, "b": {"s": "unknown"}, "c": 1}
    theirs = {"a": {"s": "present"}, "b": {"s": "unknown"}, "c": 2}
    yours = {"a": {"s": "unknown"}, "b": {"s": "present"}, "c": 3}
    # When yours is made again over theirs
    result = versions.rebase(base, yours, theirs)
    # Then their a stays, your b is carried, and c clashes with yours kept to choose
    assert result.value == {"a": {"s": "present"}, "b": {"s": "present"}, "c": 3}
    assert [d.path for d in result.carried] == ["b.s", "c"]
    assert result.clashes == [versions.Clash("c", "2", "3")]
    # And a field you removed that they left goes; one they removed you left stays gone
    gone = versions.rebase({"x": 1, "y": 2}, {"y": 2}, {"x": 1})
    assert gone.value == {} and gone.clashes == []


def test_the_document_as_loaded_is_rebuilt_from_its_versions(casedb_coordinator, app, database):
    record_id = stored_record(database, app_keys(app))
    url = f"/records/{record_id}/coding/e4"
    page = casedb_coordinator.get(url).get_data(as_text=True)
    _save(casedb_coordinator, url, page, **{"coding-debt_bondage-status": "present", "reason": "a"})
    with database.session() as session:
        at_zero = versions.document_at(session, app_keys(app), record_id, 0)
        at_one = versions.document_at(session, app_keys(app), record_id, 1)
    assert at_zero["labour"][0]["coding"]["ilo_indicators"]["debt_bondage"] == {"status": "unknown"}
    assert at_one == _stored(app, database, record_id)
    assert uuid.UUID(at_zero["record_id"]) == record_id
