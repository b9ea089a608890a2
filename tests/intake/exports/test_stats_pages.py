"""The Statistics page and CSV download: roles, audit, translated labels."""

from __future__ import annotations

import hashlib

import pytest

from intake.audit import services as audit

from ..conftest import _signed_in_client, unlock
from .stats_helpers import corpus, store


@pytest.fixture
def casedb_admin(app, database, settings):  # type: ignore[no-untyped-def]
    return _signed_in_client(app, database, settings, "casedb", "admin")


@pytest.fixture
def casedb_interviewer(app, database, settings):  # type: ignore[no-untyped-def]
    return _signed_in_client(app, database, settings, "casedb", "interviewer")


def _exports(database, keys):  # type: ignore[no-untyped-def]
    with database.session() as session:
        events = audit.list_events(session, keys, limit=50)
    return [event for event in events if event.action == "export"]


def test_an_interviewer_is_refused_the_page_and_the_file(casedb_interviewer) -> None:
    assert casedb_interviewer.get("/stats/").status_code == 403
    assert casedb_interviewer.get("/stats/statistics.csv").status_code == 403


def test_without_sign_in_the_page_is_not_shown(client, casedb) -> None:
    response = client.get("/stats/")
    assert response.status_code == 302 and "/stats/" not in response.headers["Location"][:7]


def test_an_administrator_sees_the_page(casedb_admin) -> None:
    page = casedb_admin.get("/stats/")
    assert page.status_code == 200
    assert "Statistics" in page.get_data(as_text=True)


def test_a_coordinator_sees_counts_and_the_view_is_audited(
    casedb_coordinator, database, settings
) -> None:
    # Given seven stored testimonies, all about Ili
    keys = unlock(database, settings)
    store(database, keys, corpus())
    # When the coordinator opens the page
    response = casedb_coordinator.get("/stats/")
    html = response.get_data(as_text=True)
    # Then Ili's 7 is shown, the charts are inline SVG images, nothing is fetched
    assert response.status_code == 200
    assert "<td>7</td>" in html
    # and the map's boundary data are credited with their source and licence
    assert "geoBoundaries gbHumanitarian CHN ADM2" in html and "CC BY 3.0 IGO" in html
    assert html.count('src="data:image/svg+xml;base64,') == 9
    # and the view is in the audit trail as a stats export with a file hash
    (event,) = _exports(database, keys)
    assert event.details["kind"] == "stats" and event.details["output"] == "page"
    assert len(event.details["sha256"]) == 64


def test_the_csv_is_audited_with_its_hash(casedb_coordinator, database, settings) -> None:
    keys = unlock(database, settings)
    store(database, keys, corpus())
    response = casedb_coordinator.get("/stats/statistics.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="statistics.csv"'
    data = response.get_data()
    (event,) = _exports(database, keys)
    assert event.details == {
        "kind": "stats",
        "output": "csv",
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def test_labels_are_in_the_readers_language(casedb_coordinator, database, settings) -> None:
    keys = unlock(database, settings)
    store(database, keys, corpus())
    russian = casedb_coordinator.get("/stats/?lang=ru").get_data(as_text=True)
    assert "задержан полицией" in russian  # episode kind "taken_by_police" (codebook)
    assert "Или-Казахский автономный округ" in russian  # prefecture (places.json)
    chinese = casedb_coordinator.get("/stats/statistics.csv?lang=zh").get_data(as_text=True)
    assert "被警察带走" in chinese


def test_the_csv_counts_are_the_same_in_every_language(
    casedb_coordinator, database, settings
) -> None:
    keys = unlock(database, settings)
    store(database, keys, corpus())

    def counts(lang: str) -> list[str]:
        text = casedb_coordinator.get(f"/stats/statistics.csv?lang={lang}").get_data(as_text=True)
        return [row.rsplit(",", 1)[1] for row in text.splitlines()[1:]]

    # The labels follow the reader's language; the count column never does
    english = counts("en")
    assert "fewer than 5" in english and any(count.isdigit() for count in english)
    for lang in ("kk", "ru", "ug", "zh"):
        assert counts(lang) == english, lang
