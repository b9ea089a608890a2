"""The search box and results page, as coordinators and as those who may not search."""

from __future__ import annotations

import json
import logging

import pytest

from intake.audit.models import AuditEntry
from intake.audit.services import list_events
from tests.intake.cases.name_helpers import document, store
from tests.intake.conftest import _signed_in_client, csrf_token, unlock


def _search(client, query):  # type: ignore[no-untyped-def]
    page = client.get("/search/").get_data(as_text=True)
    return client.post("/search/", data={"csrf_token": csrf_token(page), "q": query})


def test_a_coordinator_finds_a_person_in_another_script(casedb_coordinator, database, settings):
    # Given two records of Gulzira and one of someone else
    keys = unlock(database, settings)
    store(
        database,
        keys,
        document("Гүлзира Әуелхан", born="1980"),
        document("Gulzira Auyelkhan"),
        document("Марат Тоқтаров"),
    )
    # When a coordinator types her name in Uyghur Arabic script into the box
    response = _search(casedb_coordinator, "گۈلزىرا ئاۋېلخان")
    # Then both records are listed with the variant that matched and the score
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Гүлзира Әуелхан" in page and "Gulzira Auyelkhan" in page
    assert "Марат" not in page and "1980" in page
    assert "Records found: 2" in page


def test_every_coordinator_page_has_the_search_box_posting(casedb_coordinator):
    page = casedb_coordinator.get("/delivery/import").get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search/"' in page
    assert 'method="post" action="/search/"' in page


def test_a_name_in_the_url_is_not_searched_and_the_term_is_not_audited_or_logged(
    casedb_coordinator, database, settings, caplog
):
    keys = unlock(database, settings)
    (record_id,) = store(database, keys, document("Gulzira Auelkhan"))
    by_get = casedb_coordinator.get("/search/?q=Gulzira+Auelkhan").get_data(as_text=True)
    assert "Records found" not in by_get
    caplog.set_level(logging.DEBUG)
    _search(casedb_coordinator, "Gulzira Auelkhan")
    # The audit (decrypted, as an administrator reads it) says a search happened, no term
    with database.session() as session:
        events = list_events(session, keys, limit=20)
        payloads = b"".join(row.payload for row in session.query(AuditEntry))
    searches = [event.details for event in events if event.action == "search"]
    assert searches == [{"by": "name", "results": 1, "records": [str(record_id)]}]
    text = json.dumps([event.details for event in events], ensure_ascii=False) + caplog.text
    assert "Gulzira" not in text and "Auelkhan" not in text
    assert b"Gulzira" not in payloads


@pytest.mark.parametrize(("workspace", "role"), [("casedb", "interviewer"), ("station", "admin")])
def test_interviewers_and_stations_cannot_search(app, database, settings, workspace, role):
    client = _signed_in_client(app, database, settings, workspace, role)
    page = client.get("/interview/").get_data(as_text=True)
    assert 'role="search"' not in page and "Same person?" not in page
    response = client.post("/search/", data={"csrf_token": csrf_token(page), "q": "Gulzira"})
    assert response.status_code in (403, 409)
    assert client.get("/persons/queue").status_code in (403, 409)
    someone = "5d0f3a62-8c1e-4b7a-9f24-1e6b3c8d7a01"
    assert client.get(f"/persons/{someone}").status_code in (403, 409)
    decision = {
        "csrf_token": csrf_token(page),
        "a": someone,
        "b": someone,
        "relation": "same_person",
    }
    assert client.post("/persons/decide", data={**decision, "state": "linked"}).status_code in (
        403,
        409,
    )


def test_one_name_alone_finds_nobody_and_the_page_says_why(casedb_coordinator, database, settings):
    # Given a record of Gulzira Auyelkhan
    store(database, unlock(database, settings), document("Gulzira Auyelkhan"))
    # When only her given name is searched, then both parts
    alone = _search(casedb_coordinator, "Gulzira").get_data(as_text=True)
    both = _search(casedb_coordinator, "Gulzira Auyelkhan").get_data(as_text=True)
    # Then the first finds nobody and says why; the second finds her, without the hint
    assert "Records found: 0" in alone and "One name alone finds only records" in alone
    assert "Records found: 1" in both and "One name alone finds only records" not in both
    # And so does her given name alone in Chinese characters, as the matcher reads it
    chinese = _search(casedb_coordinator, "古丽孜拉").get_data(as_text=True)
    assert "Records found: 0" in chinese and "One name alone finds only records" in chinese
    # And a full name that is simply not stored gets no such hint
    other = _search(casedb_coordinator, "Marat Toktarov").get_data(as_text=True)
    assert "Records found: 0" in other and "One name alone finds only records" not in other
