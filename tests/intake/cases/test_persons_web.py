"""The same-person queue and the person page, as a coordinator works with them."""

from __future__ import annotations

import re

from intake.audit.services import list_events
from intake.cases import persons
from tests.intake.cases.name_helpers import document, store
from tests.intake.conftest import csrf_token, unlock


def _post(client, url, page, **data):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def test_confirm_from_the_queue_then_undo_on_the_person_page(
    casedb_coordinator, database, settings
):
    # Given two records of one person in two scripts
    keys = unlock(database, settings)
    a, b = store(database, keys, document("Гүлзира Әуелхан"), document("Gulzira Auyelkhan"))
    # When the coordinator opens the queue
    page = casedb_coordinator.get("/persons/queue").get_data(as_text=True)
    # Then the pair is offered
    assert "Гүлзира Әуелхан" in page and "Gulzira Auyelkhan" in page
    first, second = sorted([a, b])
    # When they confirm it with a reason
    response = _post(
        casedb_coordinator,
        "/persons/decide",
        page,
        a=str(first),
        b=str(second),
        relation="same_person",
        state="linked",
        reason="same village, same husband",
        next="queue",
    )
    assert response.status_code == 302
    # Then the person page shows both records and the reason
    person = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    assert "Gulzira Auyelkhan" in person and "same village, same husband" in person
    assert "No pair is waiting" in casedb_coordinator.get("/persons/queue").get_data(as_text=True)
    # When they undo the link from the person page
    _post(
        casedb_coordinator,
        "/persons/decide",
        person,
        a=str(first),
        b=str(second),
        relation="same_person",
        state="removed",
        next="person",
    )
    with database.session() as session:
        assert persons.person_of(session, a) == [a]
        actions = [e.action for e in list_events(session, keys, limit=50)]
    assert actions.count("person.link") == 2 and actions.count("person.unlink") == 2


def test_a_testimony_link_is_shown_and_can_be_set_aside(casedb_coordinator, database, settings):
    keys = unlock(database, settings)
    (sister,) = store(database, keys, document("Айгүл Нұрланова"))
    (brother,) = store(
        database,
        keys,
        document("Ерлан Нұрланов", links=[{"record_id": str(sister), "relation": "family_member"}]),
    )
    page = casedb_coordinator.get(f"/persons/{brother}").get_data(as_text=True)
    assert str(sister) in page and "Family member" in page and "the testimony" in page
    _post(
        casedb_coordinator,
        "/persons/decide",
        page,
        a=str(brother),
        b=str(sister),
        relation="family_member",
        state="removed",
        next="person",
    )
    page = casedb_coordinator.get(f"/persons/{brother}").get_data(as_text=True)
    assert "set aside" in page and "Restore" in page


def test_a_link_is_added_from_the_person_page(casedb_coordinator, database, settings):
    keys = unlock(database, settings)
    a, b = store(database, keys, document("Марат Тоқтаров"), document("Ержан Құрман"))
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    response = _post(
        casedb_coordinator,
        f"/persons/{a}/link",
        page,
        other=str(b),
        relation="held_together",
        reason="same cell in 2018",
    )
    assert response.status_code == 302
    page = casedb_coordinator.get(f"/persons/{a}").get_data(as_text=True)
    assert re.search(r"Held together", page) and str(b) in page
    assert "same cell in 2018" in page


def test_the_pages_render_in_every_language(casedb_coordinator, database, settings):
    keys = unlock(database, settings)
    _, b = store(
        database,
        keys,
        document("Гүлзира Әуелхан", born="1980"),
        document(
            "Gulzira Auyelkhan",
            links=[
                {"record_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "relation": "family_member"}
            ],
        ),
    )
    for lang, word in (
        ("kk", "Бір адам"),
        ("ru", "Один и тот же"),
        ("ug", "ئوخشاش بىر"),
        ("zh", "同一人"),
    ):
        page = casedb_coordinator.get("/persons/queue").get_data(as_text=True)
        _post(casedb_coordinator, "/language", page, lang=lang, next="/persons/queue")
        queue = casedb_coordinator.get("/persons/queue")
        assert queue.status_code == 200 and word in queue.get_data(as_text=True)
        assert casedb_coordinator.get(f"/persons/{b}").status_code == 200
        found = _post(casedb_coordinator, "/search/", page, q="Gulzira Auelkhan")
        assert found.status_code == 200 and "Gulzira Auyelkhan" in found.get_data(as_text=True)


def test_the_queue_names_the_facilities_both_mention(casedb_coordinator, database, settings):
    from intake.records.services import store_testimony

    from ..records.helpers import WORKED_EXAMPLE, load

    # Given two testimonies about the worked example's victim, both naming a factory
    keys = unlock(database, settings)
    with database.session() as session:
        for _ in range(2):
            store_testimony(session, keys, load(WORKED_EXAMPLE, fresh_id=True))
    page = casedb_coordinator.get("/persons/queue").get_data(as_text=True)
    row = page[page.index("Facilities both mention") :]
    row = row[: row.index("</tr>")]
    # Then the facility is named as the registry names it, not by its registry id
    assert "Jiafang Industrial Park" in row and "jiafang_industrial_park" not in row
