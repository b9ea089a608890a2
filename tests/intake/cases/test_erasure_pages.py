"""The erasure pages: each decision asks first, the requests list says who asked and
when, and an erased record's page offers nothing more."""

from __future__ import annotations

import re

from sqlalchemy import select

from intake.records.models import ErasureRequest, Testimony

from ..conftest import csrf_token
from .helpers import app_keys, sign_in_as, stored_record


def _ask(client, record_id) -> None:
    page = client.get(f"/records/{record_id}/erase").get_data(as_text=True)
    response = client.post(
        f"/records/{record_id}/erase",
        data={"csrf_token": csrf_token(page), "reason": "Consent withdrawn on the phone"},
    )
    assert response.status_code == 302


def _state(database, record_id) -> tuple[str, str]:
    with database.session() as session:
        testimony = session.get(Testimony, record_id)
        request = session.scalar(
            select(ErasureRequest).where(ErasureRequest.testimony_id == record_id)
        )
        return testimony.state, request.state


def _button(page: str, action: str) -> str:
    match = re.search(rf'action="(/records/erasures/[0-9a-f-]+/{action})"', page)
    assert match is not None, action
    return match.group(1)


def test_confirm_and_erase_asks_first(casedb_coordinator, app, database, settings):
    # Given a coordinator's request, on a second administrator's Erasure requests page
    record_id = stored_record(database, app_keys(app))
    _ask(casedb_coordinator, record_id)
    admin = sign_in_as(app, database, settings, "admin-2", "admin")
    page = admin.get("/records/erasures").get_data(as_text=True)
    # Then the list says who asked, when, and links to the record
    assert "coordinator-1" in page and "Asked by" in page
    assert f'href="/records/{record_id}"' in page
    # When "Confirm and erase" is clicked
    url = _button(page, "confirm")
    asked = admin.post(url, data={"csrf_token": csrf_token(page)})
    # Then it asks, naming the record, and nothing is erased yet
    question = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Erase this record?" in question
    assert str(record_id) in question and 'name="confirmed" value="yes"' in question
    assert _state(database, record_id) == ("stored", "pending")
    # When the answer is yes
    done = admin.post(url, data={"csrf_token": csrf_token(question), "confirmed": "yes"})
    # Then the record is erased
    assert done.status_code == 302
    assert _state(database, record_id) == ("erased", "confirmed")


def test_a_yes_without_the_token_is_refused(casedb_coordinator, app, database, settings):
    record_id = stored_record(database, app_keys(app))
    _ask(casedb_coordinator, record_id)
    admin = sign_in_as(app, database, settings, "admin-2", "admin")
    url = _button(admin.get("/records/erasures").get_data(as_text=True), "confirm")
    assert admin.post(url, data={"confirmed": "yes"}).status_code == 400
    assert _state(database, record_id) == ("stored", "pending")


def test_withdraw_asks_first(casedb_coordinator, app, database):
    # Given a pending request on the record's erase page
    record_id = stored_record(database, app_keys(app))
    _ask(casedb_coordinator, record_id)
    page = casedb_coordinator.get(f"/records/{record_id}/erase").get_data(as_text=True)
    url = _button(page, "withdraw")
    # When "Withdraw the request" is clicked, it asks, and nothing changes yet
    asked = casedb_coordinator.post(
        url, data={"csrf_token": csrf_token(page), "record_id": str(record_id)}
    )
    question = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Withdraw this request" in question
    assert _state(database, record_id) == ("stored", "pending")
    # When the answer is yes, the request is withdrawn and the erase page is shown again
    match = re.search(r'<form method="post" action="([^"]+)" class="confirm"', question)
    done = casedb_coordinator.post(
        match.group(1).replace("&amp;", "&"),
        data={"csrf_token": csrf_token(question), "confirmed": "yes"},
    )
    assert done.status_code == 302 and done.location.endswith(f"/records/{record_id}/erase")
    assert _state(database, record_id) == ("stored", "withdrawn")


def test_an_erased_records_erase_page_says_so_and_offers_nothing(
    casedb_coordinator, app, database, settings
):
    # Given an erased record
    record_id = stored_record(database, app_keys(app))
    _ask(casedb_coordinator, record_id)
    admin = sign_in_as(app, database, settings, "admin-2", "admin")
    page = admin.get("/records/erasures").get_data(as_text=True)
    url = _button(page, "confirm")
    admin.post(url, data={"csrf_token": csrf_token(page), "confirmed": "yes"})
    # When its erase page is opened
    erased = casedb_coordinator.get(f"/records/{record_id}/erase").get_data(as_text=True)
    # Then it says it is erased, and offers neither a request nor a withdrawal
    assert "Erased on" in erased
    assert "Ask for erasure" not in erased and 'name="reason"' not in erased
    assert "Withdraw the request" not in erased


def test_an_erasure_reason_with_a_hidden_character_is_refused_and_kept(
    casedb_coordinator, app, database
):
    record_id = stored_record(database, app_keys(app))
    page = casedb_coordinator.get(f"/records/{record_id}/erase").get_data(as_text=True)
    # A right-to-left override makes the reason read otherwise than it is stored
    reason = "Consent withdrawn \u202eenohp eht no"
    response = casedb_coordinator.post(
        f"/records/{record_id}/erase", data={"csrf_token": csrf_token(page), "reason": reason}
    )
    answer = response.get_data(as_text=True)
    assert response.status_code == 200 and "U+202E" in answer
    assert "Consent withdrawn" in answer  # what was typed is kept in the box
    with database.session() as session:
        asked = select(ErasureRequest).where(ErasureRequest.testimony_id == record_id)
        assert session.scalar(asked) is None
