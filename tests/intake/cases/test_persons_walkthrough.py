"""A new coordinator's walk through the same-person queue and a person page: ids pasted
with spaces or mistyped, the records themselves one click away, reasons asked for."""

from __future__ import annotations

import re

import pytest

from intake.cases import persons
from tests.intake.cases.name_helpers import document, store
from tests.intake.conftest import csrf_token, unlock


def _post(client, url, page, **data):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def _queued_pair(database, settings, client):  # type: ignore[no-untyped-def]
    """Two testimonies about one woman, in two scripts, offered in the queue: their ids
    in order, and the queue page."""
    keys = unlock(database, settings)
    a, b = sorted(store(database, keys, document("Гүлзира Әуелхан"), document("Gulzira Auyelkhan")))
    return a, b, client.get("/persons/queue").get_data(as_text=True)


def _decide_in_queue(client, page, a, b, *, state, reason):  # type: ignore[no-untyped-def]
    return _post(
        client,
        "/persons/decide",
        page,
        a=str(a),
        b=str(b),
        relation="same_person",
        state=state,
        reason=reason,
        next="queue",
    )


def _in_field(page: str, name: str) -> str:
    """The value the page's text field ``name`` shows."""
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert field is not None
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else ""


def _language(client, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/persons/queue").get_data(as_text=True)
    _post(client, "/language", page, lang=lang, next="/persons/queue")


@pytest.fixture
def two(casedb_coordinator, database, settings):  # type: ignore[no-untyped-def]
    keys = unlock(database, settings)
    return store(database, keys, document("Марат Тоқтаров"), document("Ержан Құрман"))


def test_an_id_pasted_with_spaces_is_linked(casedb_coordinator, two):
    # Given a person page, and another record's id copied with a space and a line end
    a, b = two
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    # When it is added as a link
    response = _post(
        casedb_coordinator,
        f"/persons/{a}/link",
        page,
        other=f" {b}\r\n",
        relation="held_together",
        reason="same cell",
    )
    # Then the link is made
    assert response.status_code == 302
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    assert "Held together" in page and "same cell" in page


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("9c1e-not-an-id", "A record id has 36 characters, as shown on the record"),
        ("5d0f3a62-8c1e-4b7a-9f24-1e6b3c8d7a01", "There is no record"),
        ("own", "A record cannot be linked to itself."),
    ],
)
def test_a_wrong_id_is_refused_on_the_page_with_what_was_typed(
    casedb_coordinator, database, two, typed, said
):
    a, _ = two
    typed = str(a) if typed == "own" else typed
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    # When a malformed, unknown or own id is given, with a reason
    response = _post(
        casedb_coordinator,
        f"/persons/{a}/link",
        page,
        other=f" {typed} ",
        relation="family_member",
        reason="her brother",
    )
    # Then the person page comes back, saying why, with what was typed kept
    shown = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Add a link" in shown and said in shown.replace("&#39;", "'")
    assert _in_field(shown, "other") == typed and "her brother" in shown
    assert 'role="alert"' in shown
    with database.session() as session:
        assert persons.links_in_force(session) == []


def test_a_wrong_id_is_refused_in_the_reader_s_language(casedb_coordinator, two):
    a, _ = two
    _language(casedb_coordinator, "ru")
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    for typed, said in (("nonsense", "36 символов"), (str(a), "нельзя связать")):
        response = _post(
            casedb_coordinator,
            f"/persons/{a}/link",
            page,
            other=typed,
            relation="co_worker",
            reason="same workshop",
        )
        assert response.status_code == 400 and said in response.get_data(as_text=True)
        assert "Bad Request" not in response.get_data(as_text=True)


def test_the_queue_and_the_person_page_open_each_record(casedb_coordinator, database, settings):
    # Given two testimonies that may be about one person
    keys = unlock(database, settings)
    a, b = store(database, keys, document("Гүлзира Әуелхан"), document("Gulzira Auyelkhan"))
    # When the queue and the person page are opened
    queue = casedb_coordinator.get("/persons/queue").get_data(as_text=True)
    person = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    # Then each record's own page is linked, beside its person page
    for record_id in (a, b):
        assert f'href="/records/{record_id}"' in queue
        assert f'href="/persons/{record_id}"' in queue
    assert f'href="/records/{a}"' in person


@pytest.mark.parametrize("state", ["rejected", "linked"])
def test_a_pair_is_not_decided_without_a_reason(casedb_coordinator, database, settings, state):
    # Given a pair in the queue
    a, b, page = _queued_pair(database, settings, casedb_coordinator)
    # When it is confirmed or rejected with no reason (or only spaces)
    response = _decide_in_queue(casedb_coordinator, page, a, b, state=state, reason="  ")
    # Then the queue comes back with the pair still offered and the reason asked for
    shown = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Gulzira Auyelkhan" in shown and "This field is required." in shown
    assert 'aria-invalid="true"' in shown
    with database.session() as session:
        assert persons.links_in_force(session) == []
    # And with a reason it is decided
    response = _decide_in_queue(
        casedb_coordinator,
        shown,
        a,
        b,
        state=state,
        reason="different birth years" if state == "rejected" else "same village",
    )
    assert response.status_code == 302
    with database.session() as session:
        assert [link.state for link in persons.links_in_force(session)] == [state]


def test_a_reason_with_a_hidden_character_is_refused_beside_the_pair_and_kept(
    casedb_coordinator, database, settings
):
    # Given a pair in the queue
    a, b, page = _queued_pair(database, settings, casedb_coordinator)
    # When it is confirmed with a reason holding a control character
    response = _decide_in_queue(
        casedb_coordinator, page, a, b, state="linked", reason="Same names, same factory \x02"
    )
    # Then the queue comes back, the refusal beside the reason, the reason as typed
    shown = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "U+0002" in shown and 'aria-invalid="true"' in shown
    assert 'value="Same names, same factory \x02"' in shown
    assert "Gulzira Auyelkhan" in shown and "could not be read" not in shown
    with database.session() as session:
        assert persons.links_in_force(session) == []


def test_undoing_on_the_person_page_needs_no_reason(casedb_coordinator, database, settings):
    keys = unlock(database, settings)
    a, b = store(database, keys, document("Гүлзира Әуелхан"), document("Gulzira Auyelkhan"))
    with database.session() as session:
        persons.decide(
            session, keys, a, b, relation="same_person", state="linked", actor=None, reason="x"
        )
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    first, second = sorted([a, b])
    response = _post(
        casedb_coordinator,
        "/persons/decide",
        page,
        a=str(first),
        b=str(second),
        relation="same_person",
        state="removed",
        next="person",
    )
    assert response.status_code == 302


@pytest.mark.parametrize("reason", ["", "   \r\n  "])
def test_a_link_added_on_the_person_page_needs_a_reason(casedb_coordinator, database, two, reason):
    a, b = two
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    response = _post(
        casedb_coordinator,
        f"/persons/{a}/link",
        page,
        other=str(b),
        relation="held_together",
        reason=reason,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field is required." in text
    assert _in_field(text, "other") == str(b)  # what was typed is kept
    with database.session() as session:
        assert persons.links_in_force(session) == []
