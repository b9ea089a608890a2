"""The Wage tables page, as a coordinator uses it, what it refuses, and the record
page following what is changed there."""

from __future__ import annotations

import pytest

from intake.wagetables import services
from tests.intake.interview.test_typing import browser_post

from ..cases.conftest import store, worked
from ..cases.helpers import sign_in_as
from ..conftest import csrf_token

SOURCE = {
    "sources-0-citation": "Example notice",
    "sources-0-url": "https://example.org/n",
    "sources-0-retrieved": "2026-11-28",
}


def _post(client, url: str, **changes: str):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=browser_post(page, **changes))


def _action(client, url: str):
    """Press a Withdraw or Undo button, then yes on the page that asks first."""
    token = csrf_token(client.get("/wage-tables/").get_data(as_text=True))
    asked = client.post(url, data={"csrf_token": token})
    assert asked.status_code == 200 and "Please confirm" in asked.get_data(as_text=True)
    return client.post(url, data={"csrf_token": token, "confirmed": "yes"})


def test_a_coordinator_adds_a_table_and_sees_it_listed(casedb_coordinator, database):
    response = _post(
        casedb_coordinator, "/wage-tables/minimum/new",
        id="example_2021", applies_from="2021-01-01", applies_to="2021-12-31",
        tier_1="2000", tier_2="1800",
        **{"areas-0-place": "urumqi", "areas-0-tier": "2",
           "areas-1-place": "kashgar.tashkurgan", "areas-1-tier": "1",
           "basis": "The example notice names these areas."},
        **SOURCE,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    with database.session() as session:
        table = services.find_minimum(session, "example_2021")
    assert (table.origin, table.prefecture_tiers, table.county_tiers) == (
        "added",
        {"urumqi": "2"},
        {"kashgar.tashkurgan": "1"},
    )
    page = casedb_coordinator.get("/wage-tables/").get_data(as_text=True)
    assert "example_2021" in page and "added here" in page and "Example notice" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"applies_from": "2021-02-30"}, "A day as YYYY-MM-DD."),
        ({"applies_from": "21-1-1"}, "A day as YYYY-MM-DD."),
        ({"tier_1": "-5"}, "Number must be between"),
        ({"tier_1": "lots"}, "Not a valid integer value."),
        ({"tier_1": "sNaN"}, "Not a valid integer value."),
        ({"tier_1": "1500.5"}, "Not a valid integer value."),
        ({"tier_1": ""}, "Give the monthly amount of at least one tier."),
        ({"id": "../x"}, "Lower-case letters, digits and '_', as in xinjiang_2021."),
        ({"sources-0-retrieved": ""}, "Cite at least one published source"),
        ({"sources-0-url": ""}, "Cite at least one published source"),
        ({"basis": ""}, "Say what puts the areas in their tiers"),
        ({"areas-0-tier": "3"}, "which has no amount"),
        ({"areas-0-place": "atlantis"}, "Not a valid choice."),
    ],
)
def test_a_table_typed_wrong_is_refused_with_what_was_typed_kept(
    casedb_coordinator, database, changes, message
):
    typed = {
        "id": "example_2021", "applies_from": "2021-01-01", "tier_1": "2000",
        "areas-0-place": "urumqi", "areas-0-tier": "1", "basis": "The notice names it.",
        **SOURCE,
    }  # fmt: skip
    response = _post(casedb_coordinator, "/wage-tables/minimum/new", **{**typed, **changes})
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert message in page
    assert "Example notice" in page  # nothing typed is lost
    with database.session() as session:
        assert {t.origin for t in services.minimum_tables(session)} == {"bundled"}


def test_correcting_withdrawing_and_restoring_a_bundled_table_shows_on_the_record_page(
    casedb_coordinator, database, settings
):
    # Given a record whose wage is compared with the bundled 2018 table
    (record_id,) = store(database, settings, worked())
    page = casedb_coordinator.get(f"/records/{record_id}").get_data(as_text=True)
    assert "of the minimum wage" in page
    # When the coordinator corrects the table, it is listed as corrected here
    url = "/wage-tables/minimum/xinjiang_2018/edit"
    assert _post(casedb_coordinator, url, tier_4="1500").status_code == 302
    assert "corrected here" in casedb_coordinator.get("/wage-tables/").get_data(as_text=True)
    # When the table is withdrawn, the record page has no ratio and says why
    response = _action(casedb_coordinator, "/wage-tables/minimum/xinjiang_2018/withdraw")
    assert response.status_code == 302
    page = casedb_coordinator.get(f"/records/{record_id}").get_data(as_text=True)
    assert "of the minimum wage" not in page
    assert "No minimum wage table covers these dates." in page
    # When it is restored, the shipped table applies again
    response = _action(casedb_coordinator, "/wage-tables/minimum/xinjiang_2018/restore")
    assert response.status_code == 302
    page = casedb_coordinator.get(f"/records/{record_id}").get_data(as_text=True)
    assert "of the minimum wage" in page
    with database.session() as session:
        assert services.find_minimum(session, "xinjiang_2018").origin == "bundled"


def test_a_rate_is_added_and_corrected(casedb_coordinator, database):
    response = _post(
        casedb_coordinator, "/wage-tables/rates/new",
        currency="rub", year="2019", rate="0.1", **SOURCE,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    response = _post(casedb_coordinator, "/wage-tables/rates/RUB/2019/edit", rate="0.11")
    assert response.status_code == 302, response.get_data(as_text=True)
    with database.session() as session:
        rate = services.find_rate(session, "RUB", 2019)
    assert (str(rate.rate), rate.origin) == ("0.11", "added")


@pytest.mark.parametrize("rate", ["sNaN", "NaN", "Infinity", "1e-999999", "0.00000001"])
def test_a_rate_that_is_not_a_usable_number_is_refused(casedb_coordinator, database, rate):
    response = _post(
        casedb_coordinator, "/wage-tables/rates/new", currency="RUB", year="2019", rate=rate,
        **SOURCE,
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert "Example notice" in response.get_data(as_text=True)
    with database.session() as session:
        with pytest.raises(services.WageTableNotFoundError):
            services.find_rate(session, "RUB", 2019)


def test_a_rate_in_yuan_is_refused(casedb_coordinator):
    response = _post(
        casedb_coordinator, "/wage-tables/rates/new", currency="CNY", year="2019", rate="1",
        **SOURCE,
    )  # fmt: skip
    assert response.status_code == 400
    assert "other than CNY" in response.get_data(as_text=True)


def test_a_withdrawal_without_the_form_token_is_refused(casedb_coordinator, database):
    response = casedb_coordinator.post("/wage-tables/minimum/xinjiang_2018/withdraw")
    assert response.status_code == 400
    response = casedb_coordinator.post(
        "/wage-tables/minimum/xinjiang_2018/erase",
        data={"csrf_token": csrf_token(casedb_coordinator.get("/wage-tables/").get_data(True))},
    )
    assert response.status_code == 400
    with database.session() as session:
        assert services.find_minimum(session, "xinjiang_2018").origin == "bundled"


@pytest.mark.parametrize(
    "url",
    ["/wage-tables/minimum/no_such_table/edit", "/wage-tables/rates/XXX/2019/edit"],
)
def test_an_unknown_table_or_rate_is_not_found(casedb_coordinator, url):
    assert casedb_coordinator.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/wage-tables/", "/wage-tables/minimum/new", "/wage-tables/rates/new"]
)
def test_an_interviewer_gets_none_of_it(casedb_coordinator, app, database, settings, url):
    interviewer = sign_in_as(app, database, settings, "interviewer-2", "interviewer")
    assert interviewer.get(url).status_code == 403


def test_a_station_has_no_wage_tables_page(station_admin):
    assert station_admin.get("/wage-tables/").status_code in (403, 404, 409)


@pytest.mark.parametrize("language", ["en", "kk", "ru", "ug", "zh"])
def test_the_pages_open_in_every_language(casedb_coordinator, language):
    for url in ("/wage-tables/", "/wage-tables/minimum/new", "/wage-tables/rates/new"):
        response = casedb_coordinator.get(f"{url}?lang={language}")
        assert response.status_code == 200
        assert f'lang="{language}"' in response.get_data(as_text=True)


def test_a_bundled_rate_is_withdrawn_and_restored_from_its_page(casedb_coordinator, database):
    page = casedb_coordinator.get("/wage-tables/rates/USD/2019/edit").get_data(as_text=True)
    assert "USD 2019: 6.9081" in page and "Undo: as shipped" not in page
    assert _action(casedb_coordinator, "/wage-tables/rates/USD/2019/withdraw").status_code == 302
    page = casedb_coordinator.get("/wage-tables/rates/USD/2019/edit").get_data(as_text=True)
    assert "withdrawn here" in page and "Undo: as shipped" in page
    assert 'class="withdrawn"' in casedb_coordinator.get("/wage-tables/").get_data(as_text=True)
    assert _action(casedb_coordinator, "/wage-tables/rates/USD/2019/restore").status_code == 302
    with database.session() as session:
        assert services.find_rate(session, "USD", 2019).origin == "bundled"


def test_the_interviews_live_figure_at_the_case_database_uses_its_tables(casedb_coordinator):
    body = {"amount": "320", "currency": "CNY", "count": "2", "unit": "month",
            "prefecture": "ili", "on_low": "2019-01-15"}  # fmt: skip

    def figure():
        token = csrf_token(casedb_coordinator.get("/wage-tables/").get_data(as_text=True))
        response = casedb_coordinator.post(
            "/interview/wage-figure", headers={"X-CSRFToken": token}, json=body
        )
        return response.get_json()

    assert figure()["tables"] == ["xinjiang_2018"]
    assert (
        _action(casedb_coordinator, "/wage-tables/minimum/xinjiang_2018/withdraw").status_code
        == 302
    )
    withdrawn = figure()
    assert withdrawn["tables"] == [] and withdrawn["ratio"] is None
    assert "No minimum wage table covers these dates." in withdrawn["reason_texts"]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("rate", "0", "The rate must be more than 0."),
        ("rate", "-2", "Number must be between 0 and 100000."),
        ("year", "abc", "Not a valid integer value."),
        ("year", "0", "Number must be between 1990 and 2100."),
    ],
)
def test_a_rate_typed_wrong_says_what_is_wrong(casedb_coordinator, database, field, typed, message):
    data = {"currency": "RUB", "year": "2019", "rate": "0.1", **SOURCE, field: typed}
    response = _post(casedb_coordinator, "/wage-tables/rates/new", **data)
    page = response.get_data(as_text=True)
    # Then the message says what is wrong, not that nothing was typed, and only once
    assert response.status_code in (200, 400)
    assert page.count(message) == 1
    assert "This field is required." not in page
    with database.session() as session:
        with pytest.raises(services.WageTableNotFoundError):
            services.find_rate(session, "RUB", 2019)


def test_a_note_with_an_escape_code_is_refused(casedb_coordinator, database):
    data = {"currency": "RUB", "year": "2019", "rate": "0.1", "note": "ok\x1b[2J", **SOURCE}
    response = _post(casedb_coordinator, "/wage-tables/rates/new", **data)
    assert "invisible control character (U+001B)" in response.get_data(as_text=True)
    with database.session() as session:
        with pytest.raises(services.WageTableNotFoundError):
            services.find_rate(session, "RUB", 2019)


def test_withdrawing_a_rate_added_here_asks_first_and_a_no_keeps_it(casedb_coordinator, database):
    # Given a rate added here (withdrawing it deletes it and its sources)
    data = {"currency": "RUB", "year": "2019", "rate": "0.1", **SOURCE}
    assert _post(casedb_coordinator, "/wage-tables/rates/new", **data).status_code == 302
    # When Withdraw is pressed
    token = csrf_token(casedb_coordinator.get("/wage-tables/").get_data(as_text=True))
    url = "/wage-tables/rates/RUB/2019/withdraw"
    asked = casedb_coordinator.post(f"{url}?lang=ru", data={"csrf_token": token})
    # Then the page asks, in the reader's language, and says what is lost; nothing yet is
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "RUB" in page and "2019" in page
    assert 'name="confirmed" value="yes"' in page and 'lang="ru"' in page
    with database.session() as session:
        assert services.find_rate(session, "RUB", 2019).origin == "added"
    # And a yes without the form's token is refused
    assert casedb_coordinator.post(url, data={"confirmed": "yes"}).status_code == 400
    with database.session() as session:
        assert services.find_rate(session, "RUB", 2019).origin == "added"
