"""Who may see records: coordinators and administrators at a case database only."""

from __future__ import annotations

import pytest

from .conftest import store, worked


@pytest.mark.parametrize("role_client", ["interviewer"], indirect=True)
def test_an_interviewer_at_the_case_database_is_refused(role_client, database, settings):
    (record_id,) = store(database, settings, worked())
    assert role_client.get("/records/").status_code == 403
    refused = role_client.get(f"/records/{record_id}")
    assert refused.status_code == 403
    assert "Synaq" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("role_client", ["interviewer"], indirect=True)
def test_an_interviewer_has_no_records_link(role_client):
    page = role_client.get("/interview/").get_data(as_text=True)
    assert 'href="/records/"' not in page


@pytest.mark.parametrize("role_client", ["admin", "coordinator"], indirect=True)
def test_coordinators_and_administrators_may_list_and_read(role_client, database, settings):
    (record_id,) = store(database, settings, worked())
    listed = role_client.get("/records/")
    assert listed.status_code == 200 and 'href="/records/"' in listed.get_data(as_text=True)
    assert role_client.get(f"/records/{record_id}").status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client, casedb):
    response = client.get("/records/")
    assert response.status_code == 302


@pytest.mark.parametrize("account_role", ["admin", "coordinator", "interviewer"])
def test_a_station_has_no_records_pages(app, database, settings, account_role):
    from ..conftest import _signed_in_client

    station = _signed_in_client(app, database, settings, "station", account_role)
    assert station.get("/records/").status_code == 404
    assert station.get("/records/00000000-0000-4000-8000-000000000000").status_code == 404
    assert 'href="/records/"' not in station.get("/interview/").get_data(as_text=True)
