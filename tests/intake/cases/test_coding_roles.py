"""Who may code, correct, read the history, ask for and confirm an erasure: every page
refuses the roles it is not for.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.records.models import ErasureRequest, Testimony

from ..conftest import csrf_token
from .helpers import app_keys, sign_in_as, stored_record

PAGES = ("coding", "coding/e4", "correct/victim", "withdrawal", "history", "erase")


@pytest.mark.parametrize("page", PAGES)
def test_an_interviewer_at_the_case_database_gets_none_of_it(
    casedb_coordinator, app, database, settings, page
):
    record_id = stored_record(database, app_keys(app))
    interviewer = sign_in_as(app, database, settings, "interviewer-2", "interviewer")
    assert interviewer.get(f"/records/{record_id}/{page}").status_code == 403
    if page != "history":
        token = csrf_token(interviewer.get("/interview/").get_data(as_text=True))
        response = interviewer.post(f"/records/{record_id}/{page}", data={"csrf_token": token})
        assert response.status_code == 403


def test_an_interviewer_cannot_see_or_confirm_erasures(casedb_coordinator, app, database, settings):
    interviewer = sign_in_as(app, database, settings, "interviewer-2", "interviewer")
    assert interviewer.get("/records/erasures").status_code == 403


def test_a_station_has_no_records_to_code(station_admin):
    response = station_admin.get("/records/00000000-0000-4000-8000-000000000000/coding")
    assert response.status_code != 200


def _ask(client, record_id) -> None:
    page = client.get(f"/records/{record_id}/erase").get_data(as_text=True)
    response = client.post(
        f"/records/{record_id}/erase",
        data={"csrf_token": csrf_token(page), "reason": "Consent withdrawn on the phone"},
    )
    assert response.status_code == 302


def _confirm(client) -> int:
    page = client.get("/records/erasures")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    match = re.search(r'action="(/records/erasures/[0-9a-f-]+/confirm)"', html)
    if match is None:
        return 0
    # The button asks first; the answer "yes" erases
    asked = client.post(match.group(1), data={"csrf_token": csrf_token(html)})
    if asked.status_code != 200:
        return asked.status_code
    data = {"csrf_token": csrf_token(html), "confirmed": "yes"}
    return client.post(match.group(1), data=data).status_code


def test_a_coordinator_asks_and_a_second_administrator_confirms(
    casedb_coordinator, app, database, settings
):
    # Given a coordinator's request
    record_id = stored_record(database, app_keys(app))
    _ask(casedb_coordinator, record_id)
    # Then a coordinator can neither open the confirmation page nor confirm
    assert casedb_coordinator.get("/records/erasures").status_code == 403
    with database.session() as session:
        request_id = session.scalar(select(ErasureRequest.id))
    token = csrf_token(casedb_coordinator.get("/interview/").get_data(as_text=True))
    confirm_url = f"/records/erasures/{request_id}/confirm"
    assert casedb_coordinator.post(confirm_url, data={"csrf_token": token}).status_code == 403
    # When an administrator confirms
    admin = sign_in_as(app, database, settings, "admin-2", "admin")
    assert _confirm(admin) == 302
    # Then the record is erased
    with database.session() as session:
        assert session.get(Testimony, record_id).state == "erased"


def test_an_administrator_who_asked_is_not_offered_to_confirm(app, database, settings):
    from ..conftest import _signed_in_client

    admin = _signed_in_client(app, database, settings, "casedb", "admin")
    record_id = stored_record(database, app_keys(app))
    _ask(admin, record_id)
    assert _confirm(admin) == 0
    with database.session() as session:
        assert session.get(Testimony, record_id).wrapped_key is not None
