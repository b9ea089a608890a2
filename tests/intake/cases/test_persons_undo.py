"""Undoing a same-person link from a person page comes back to that page."""

from __future__ import annotations

import re

from intake.cases import persons
from tests.intake.cases.name_helpers import document, store
from tests.intake.conftest import unlock


def _undo_form(page: str) -> dict[str, str]:
    """The hidden fields of the "Undo this link" form of a person page."""
    form = re.search(r'<form[^>]*action="/persons/decide"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form.group(1)))


def test_undo_on_the_page_of_either_record_returns_to_that_page(
    casedb_coordinator, database, settings
):
    # Given two records of one person, linked
    keys = unlock(database, settings)
    a, b = store(database, keys, document("Гүлзира Әуелхан"), document("Gulzira Auyelkhan"))
    with database.session() as session:
        persons.decide(session, keys, a, b, relation="same_person", state="linked", actor=None)
    # When the link is undone from the page of the record with the larger id
    larger = max(a, b)
    page = casedb_coordinator.get(f"/persons/{larger}").get_data(as_text=True)
    fields = _undo_form(page)
    assert fields["state"] == "removed" and fields["next"] == "person"
    response = casedb_coordinator.post("/persons/decide", data=fields)
    # Then the coordinator is taken back to that same page, and the link is undone
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/persons/{larger}")
    with database.session() as session:
        assert persons.person_of(session, larger) == [larger]
