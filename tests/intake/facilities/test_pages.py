"""The registry pages, as a coordinator uses them, and the roles they refuse."""

from __future__ import annotations

import pytest

from intake.facilities import services
from tests.intake.interview.test_typing import browser_post

from ..cases.helpers import sign_in_as
from ..conftest import csrf_token


def _post(client, url: str, **changes: str):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=browser_post(page, **changes))


def test_a_coordinator_adds_a_facility_and_finds_it(casedb_coordinator, database):
    # When a coordinator adds a facility with a source
    response = _post(
        casedb_coordinator, "/facilities/new",
        id="example_detention_centre", kind="detention_centre",
        name_en="Example detention centre", name_kk="Мысал тергеу изоляторы",
        prefecture_id="ili", county_id="ili.yining_county",
        **{"sources-0-citation": "Example report", "sources-0-retrieved": "2026-11-27"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    # Then the list, filtered by a Kazakh word of its name, shows it
    page = casedb_coordinator.get("/facilities/?text=мысал").get_data(as_text=True)
    assert "example_detention_centre" in page
    assert "jiafang_industrial_park" not in page


def test_an_entry_without_a_read_source_is_refused(casedb_coordinator):
    response = _post(
        casedb_coordinator, "/facilities/new",
        id="unsourced", kind="camp", name_en="Unsourced camp",
    )  # fmt: skip
    assert response.status_code == 400
    assert "Cite at least one published source" in response.get_data(as_text=True)


def test_a_coordinator_edits_a_bundled_entry(casedb_coordinator, database):
    url = "/facilities/jiafang_industrial_park/edit"
    response = _post(casedb_coordinator, url, name_zh="佳纺工业园")
    assert response.status_code == 302, response.get_data(as_text=True)
    with database.session() as session:
        assert (
            services.find_facility(session, "jiafang_industrial_park").names["zh"] == "佳纺工业园"
        )


def test_a_coordinator_merges_two_entries(casedb_coordinator, database):
    pair = {"merged": "baoding_lyszd_glove_factory_ghulja", "kept": "jiafang_industrial_park"}
    # When the coordinator asks for the merge / Then the page asks first, naming both
    asked = _post(casedb_coordinator, "/facilities/merge", **pair)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Please confirm" in page
    assert "Jiafang Industrial Park" in page and "cannot be undone" in page
    with database.session() as session:
        assert services.resolve(session, pair["merged"]) == pair["merged"]
    # When they say yes / Then the entries are merged
    token = csrf_token(page)
    response = casedb_coordinator.post(
        "/facilities/merge", data={"csrf_token": token, "confirmed": "yes", **pair}
    )
    assert response.status_code == 302
    with database.session() as session:
        resolved = services.resolve(session, "baoding_lyszd_glove_factory_ghulja")
    assert resolved == "jiafang_industrial_park"
    # And the merged id's edit page leads to the kept entry
    old = casedb_coordinator.get("/facilities/baoding_lyszd_glove_factory_ghulja/edit")
    assert old.headers["Location"].endswith("/facilities/jiafang_industrial_park/edit")


@pytest.mark.parametrize("url", ["/facilities/", "/facilities/new", "/facilities/merge"])
def test_an_interviewer_gets_none_of_it(casedb_coordinator, app, database, settings, url):
    interviewer = sign_in_as(app, database, settings, "interviewer-2", "interviewer")
    assert interviewer.get(url).status_code == 403
    token = csrf_token(interviewer.get("/interview/").get_data(as_text=True))
    if url != "/facilities/":
        assert interviewer.post(url, data={"csrf_token": token}).status_code == 403


def test_a_station_has_no_registry_page(station_admin):
    assert station_admin.get("/facilities/").status_code != 200


def test_the_list_names_places_in_the_reader_s_language(casedb_coordinator):
    page = casedb_coordinator.get("/facilities/?text=jiafang&lang=ru").get_data(as_text=True)
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    # Jiafang Industrial Park lies in Yining County, Ili: named, not given as ids
    assert "ili.yining_county" not in rows
    assert '<code dir="ltr">ili</code>' not in rows
    assert "Или-Казахский автономный округ" in rows


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity"])
def test_coordinates_that_are_not_numbers_are_refused(casedb_coordinator, value):
    response = _post(
        casedb_coordinator, "/facilities/new",
        id="example_camp", kind="camp", name_en="Example camp", latitude=value, longitude="80",
        **{"sources-0-citation": "Example report", "sources-0-retrieved": "2026-11-27"},
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert "Not a valid decimal value." in response.get_data(as_text=True)


_SOURCE = {"sources-0-citation": "Example report", "sources-0-retrieved": "2026-11-27"}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("name_en", "Camp\x1b[31m", "invisible control character (U+001B)"),
        ("name_en", "Camp\x00", "invisible control character (U+0000)"),
        ("name_ug", "لاگېر\u202e 7", "invisible formatting character (U+202E)"),
        ("note", "seen\x07", "invisible control character (U+0007)"),
        ("sources-0-citation", "Report\u2066x", "invisible formatting character (U+2066)"),
    ],
)
def test_invisible_characters_in_a_name_note_or_citation_are_refused(
    casedb_coordinator, database, field, typed, message
):
    # Given an entry whose one field holds an escape code or a text-direction override
    # (in a name, it could make one entry read as another in the merge list)
    data = {"id": "example_camp", "kind": "camp", "name_en": "Example camp", **_SOURCE}
    response = _post(casedb_coordinator, "/facilities/new", **{**data, field: typed})
    # Then it is refused on the page, and nothing is saved
    assert response.status_code in (200, 400)
    assert message in response.get_data(as_text=True)
    with database.session() as session:
        with pytest.raises(services.FacilityNotFoundError):
            services.find_facility(session, "example_camp")


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("2024-13-45", False),
        ("2024-02-30", False),
        ("9999-99", False),
        ("2024-1", False),
        ("24-01-01", False),
        ("2024-02-29", True),
        ("2024-02", True),
        ("2024", True),
    ],
)
def test_a_source_day_must_be_on_the_calendar(casedb_coordinator, database, typed, saved):
    response = _post(
        casedb_coordinator, "/facilities/new",
        id="example_camp", kind="camp", name_en="Example camp",
        **{**_SOURCE, "sources-0-retrieved": typed},
    )  # fmt: skip
    assert (response.status_code == 302) is saved, response.get_data(as_text=True)
    if not saved:
        page = response.get_data(as_text=True)
        assert "A day as YYYY-MM-DD (or YYYY-MM, YYYY)." in page and typed in page


def test_a_source_row_without_its_citation_is_refused_not_dropped(casedb_coordinator, database):
    # Given a second source row holding an address and a day but no citation
    response = _post(
        casedb_coordinator, "/facilities/new",
        id="example_camp", kind="camp", name_en="Example camp",
        **_SOURCE,
        **{"sources-1-url": "https://example.org/lost", "sources-1-retrieved": "2024-01-01"},
    )  # fmt: skip
    # Then the entry is not saved, the row says what it lacks, and the address is kept
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert "Write the citation of this source, or clear its other boxes." in page
    assert "https://example.org/lost" in page
    with database.session() as session:
        with pytest.raises(services.FacilityNotFoundError):
            services.find_facility(session, "example_camp")


@pytest.mark.parametrize("typed", ["Walk-Upper", " walk sp "])
def test_an_id_typed_wrong_says_how_to_write_one(casedb_coordinator, typed):
    response = _post(
        casedb_coordinator, "/facilities/new",
        id=typed, kind="camp", name_en="Example camp", **_SOURCE,
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert "Lower-case letters, digits and '_'; records refer to it." in page
    assert "Invalid input." not in page


def test_a_merge_sent_again_says_it_is_done(casedb_coordinator, database):
    # Given a merge asked for, confirmed and done
    pair = {"merged": "baoding_lyszd_glove_factory_ghulja", "kept": "jiafang_industrial_park"}
    page = _post(casedb_coordinator, "/facilities/merge", **pair).get_data(as_text=True)
    yes = {"csrf_token": csrf_token(page), "confirmed": "yes", **pair}
    assert casedb_coordinator.post("/facilities/merge", data=yes).status_code == 302
    # When the same confirmation is sent again (a reload, a second click)
    again = casedb_coordinator.post("/facilities/merge", data=yes)
    # Then the page says the merge is done already, not that the choice is invalid
    shown = again.get_data(as_text=True)
    assert "baoding_lyszd_glove_factory_ghulja is already merged into Jiafang Industrial Park" in (
        shown
    )
    with database.session() as session:
        assert services.resolve(session, pair["merged"]) == pair["kept"]


def test_merging_an_entry_into_itself_is_refused_before_asking(casedb_coordinator, database):
    pair = {"merged": "jiafang_industrial_park", "kept": "jiafang_industrial_park"}
    page = _post(casedb_coordinator, "/facilities/merge", **pair).get_data(as_text=True)
    assert "Choose two different entries to merge." in page and "Please confirm" not in page


def test_a_source_row_of_only_spaces_is_an_empty_row(casedb_coordinator, database):
    response = _post(
        casedb_coordinator, "/facilities/new",
        id="example_camp", kind="camp", name_en="Example camp",
        **_SOURCE, **{"sources-1-url": "   "},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
