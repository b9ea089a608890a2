"""Wage tables at the case database: tables and rates added, corrected, withdrawn and
restored, layered over the bundled ones, and every figure following them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from intake.audit.services import list_events
from intake.exports import research
from intake.exports.stats import build_statistics
from intake.facilities.services import Source
from intake.interview.wages import WageTables, bundled_tables, labour_figures, tables_fingerprint
from intake.records import wages as arithmetic
from intake.wagetables import services
from intake.wagetables.services import MinimumTable, Rate
from intake.workspace.services import WrongRoleError

from ..cases.conftest import store, worked

ACTOR = uuid.uuid4()
#: Test figures, not reference data: an example notice that no table ships with.
SOURCE = Source(citation="Example notice", url="https://example.org/n", retrieved="2026-11-28")
TABLE = MinimumTable(
    id="example_2021",
    applies_from=date(2021, 1, 1),
    applies_to=date(2021, 12, 31),
    tiers={"1": Decimal(2000), "2": Decimal(1800)},
    prefecture_tiers={"urumqi": "2"},
    county_tiers={"kashgar.tashkurgan": "1"},
    basis="The example notice names these areas.",
    sources=[SOURCE],
)
#: 900 yuan a month, paid, in Urumqi: a work episode in 2021 and one in 2019.
LABOUR = {
    "wages": [
        {
            "status": "paid",
            "amount": 900,
            "currency": "CNY",
            "period": {"count": 1, "unit": "month"},
        }
    ]
}


def _episode(year: int, prefecture: str = "urumqi") -> dict:
    return {
        "kind": "forced_labour",
        "start": {"precision": "month", "value": f"{year}-03"},
        "end": {"precision": "month", "value": f"{year}-05"},
        "place": {"prefecture_id": prefecture},
    }


def _figure(database, year: int, labour: dict = LABOUR, prefecture: str = "urumqi"):
    with database.session() as session:
        tables = services.wage_tables(session)
    return labour_figures(labour, _episode(year, prefecture), tables)[0]


def test_with_nothing_changed_the_case_database_uses_the_bundled_tables(database, casedb):
    with database.session() as session:
        assert services.wage_tables(session) == bundled_tables()
        origins = {table.origin for table in services.minimum_tables(session)}
        ids = {table.id for table in services.minimum_tables(session)}
    assert origins == {"bundled"}
    assert {"xinjiang_2013", "xinjiang_2018"} <= ids


def test_an_added_table_gives_a_ratio_where_there_was_none(database, casedb):
    # Given a work episode in 2021, which no bundled table covers
    before = _figure(database, 2021)
    assert before.ratio is None and arithmetic.NO_TABLE in before.reasons
    # When a coordinator adds a table for 2021 that puts Urumqi in tier 2
    with database.session() as session:
        services.save_minimum(session, casedb, TABLE, new=True, actor=ACTOR)
    # Then the figure compares 900 yuan with tier 2's 1,800: a ratio of 0.5
    after = _figure(database, 2021)
    assert after.ratio == arithmetic.Span(Decimal("0.5"), Decimal("0.5"))
    assert after.table_ids == ("example_2021",)
    # And the change is audited
    with database.session() as session:
        actions = [event.action for event in list_events(session, casedb)]
    assert "wage_table.write" in actions


def test_a_corrected_bundled_table_replaces_it_until_undone(database, casedb):
    with database.session() as session:
        bundled = services.find_minimum(session, "xinjiang_2018")
    shipped = _figure(database, 2019)
    # When its tier 2 (Urumqi's) is corrected here
    corrected = replace(bundled, tiers={**bundled.tiers, "2": Decimal(1800)})
    with database.session() as session:
        services.save_minimum(session, casedb, corrected, new=False, actor=ACTOR)
        assert services.find_minimum(session, "xinjiang_2018").origin == "edited"
    assert _figure(database, 2019).minimum == arithmetic.Span(Decimal(1800), Decimal(1800))
    # When the correction is undone, the shipped table applies again
    with database.session() as session:
        services.restore_minimum(session, casedb, "xinjiang_2018", actor=ACTOR)
    assert _figure(database, 2019) == shipped


def test_a_withdrawn_table_applies_to_no_figure_and_can_be_restored(database, casedb):
    shipped = _figure(database, 2019)
    assert shipped.ratio is not None
    with database.session() as session:
        services.withdraw_minimum(session, casedb, "xinjiang_2018", actor=ACTOR)
        assert services.find_minimum(session, "xinjiang_2018").origin == "withdrawn"
    withdrawn = _figure(database, 2019)
    assert withdrawn.ratio is None and arithmetic.NO_TABLE in withdrawn.reasons
    with database.session() as session:
        services.restore_minimum(session, casedb, "xinjiang_2018", actor=ACTOR)
    assert _figure(database, 2019) == shipped


def test_an_added_table_withdrawn_is_gone(database, casedb):
    with database.session() as session:
        services.save_minimum(session, casedb, TABLE, new=True, actor=ACTOR)
    with database.session() as session:
        services.withdraw_minimum(session, casedb, TABLE.id, actor=ACTOR)
    with database.session() as session:
        with pytest.raises(services.WageTableNotFoundError):
            services.find_minimum(session, TABLE.id)
        with pytest.raises(services.WageTableNotFoundError):
            services.restore_minimum(session, casedb, "xinjiang_2013", actor=ACTOR)


def test_rates_are_added_withdrawn_and_restored(database, casedb):
    roubles = {"wages": [{**LABOUR["wages"][0], "currency": "RUB", "amount": 10000}]}
    dollars = {"wages": [{**LABOUR["wages"][0], "currency": "USD", "amount": 100}]}
    assert arithmetic.NO_RATE in _figure(database, 2019, roubles).reasons
    # When a rate for the rouble in 2019 is added (a test figure)
    rate = Rate("RUB", 2019, Decimal("0.1"), [SOURCE])
    with database.session() as session:
        services.save_rate(session, casedb, rate, actor=ACTOR)
    # Then 10,000 roubles are 1,000 yuan
    assert _figure(database, 2019, roubles).monthly == arithmetic.Span(
        Decimal("1000.0"), Decimal("1000.0")
    )
    # When the bundled dollar rate of 2019 is withdrawn, a dollar wage has no figure
    shipped = _figure(database, 2019, dollars)
    with database.session() as session:
        services.withdraw_rate(session, casedb, "USD", 2019, actor=ACTOR)
    assert arithmetic.NO_RATE in _figure(database, 2019, dollars).reasons
    with database.session() as session:
        services.restore_rate(session, casedb, "USD", 2019, actor=ACTOR)
    assert _figure(database, 2019, dollars) == shipped


def test_the_layered_files_cite_what_was_added(database, casedb):
    with database.session() as session:
        services.save_minimum(session, casedb, TABLE, new=True, actor=ACTOR)
        services.save_rate(
            session, casedb, Rate("RUB", 2019, Decimal("0.1"), [SOURCE]), actor=ACTOR
        )
        minimum, rates = services.export_tables(session)
    added = next(table for table in minimum["tables"] if table["id"] == TABLE.id)
    cited = {source["id"]: source for source in minimum["sources"]}
    assert [cited[i]["citation"] for i in added["source_ids"]] == ["Example notice"]
    assert rates["rates"]["RUB"] == {"2019": "0.1"}
    rate_cited = {source["id"]: source for source in rates["sources"]}
    assert [rate_cited[i]["citation"] for i in rates["rate_sources"]["RUB"]] == ["Example notice"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sources": []}, "Cite at least one published source"),
        ({"sources": [Source(citation="Unread report")]}, "Cite at least one published source"),
        ({"sources": [replace(SOURCE, url=None)]}, "each with its address"),
        ({"sources": [replace(SOURCE, url="javascript:alert(1)")]}, "each with its address"),
        ({"sources": [SOURCE, replace(SOURCE, url=None)]}, "each with its address"),
        ({"sources": [replace(SOURCE, retrieved=None)]}, "at least one with the day"),
        ({"id": "../etc"}, "lower-case letters"),
        ({"id": ""}, "lower-case letters"),
        ({"applies_to": date(2020, 12, 31)}, "comes before"),
        ({"tiers": {}}, "at least one tier"),
        ({"tiers": {"5": Decimal(100)}}, "at least one tier"),
        ({"tiers": {"1": Decimal(0)}}, "whole number of yuan"),
        ({"tiers": {"1": Decimal(-5)}}, "whole number of yuan"),
        ({"tiers": {"1": Decimal("1e9")}}, "whole number of yuan"),
        ({"tiers": {"1": Decimal("NaN")}}, "whole number of yuan"),
        ({"tiers": {"1": Decimal("sNaN")}}, "whole number of yuan"),
        ({"tiers": {"1": Decimal("1e-30")}}, "whole number of yuan"),
        ({"tiers": {"1": Decimal("1500.5")}}, "whole number of yuan"),
        (
            {"prefecture_tiers": {}, "county_tiers": {"ili.yining_county": "1"}, "basis": " "},
            "Say what puts the areas in their tiers",
        ),
        ({"prefecture_tiers": {"atlantis": "1"}}, "not in the list of places"),
        ({"prefecture_tiers": {"kashgar.tashkurgan": "1"}}, "not in the list of places"),
        ({"county_tiers": {"urumqi": "1"}}, "not in the list of places"),
        ({"prefecture_tiers": {"urumqi": "3"}}, "tier 3, which has no amount"),
    ],
)
def test_a_table_that_is_wrong_is_refused_and_nothing_is_stored(database, casedb, changes, message):
    with database.session() as session:
        with pytest.raises(services.WageTableInvalidError, match=message):
            services.save_minimum(session, casedb, replace(TABLE, **changes), new=True, actor=ACTOR)
    with database.session() as session:
        assert {table.origin for table in services.minimum_tables(session)} == {"bundled"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"currency": "CNY"}, "other than CNY"),
        ({"currency": "usd"}, "three-letter code"),
        ({"currency": "US$"}, "three-letter code"),
        ({"year": 1900}, "The year is between"),
        ({"year": date.today().year + 2}, "The year is between"),
        ({"rate": Decimal(0)}, "from 0.000001 to 100,000"),
        ({"rate": Decimal("Infinity")}, "from 0.000001 to 100,000"),
        ({"rate": Decimal("sNaN")}, "from 0.000001 to 100,000"),
        ({"rate": None}, "from 0.000001 to 100,000"),
        ({"rate": Decimal("1e-999999")}, "from 0.000001 to 100,000"),
        ({"rate": Decimal("0.0153426000000000000000000000001")}, "12 significant digits"),
        ({"sources": []}, "Cite at least one published source"),
    ],
)
def test_a_rate_that_is_wrong_is_refused(database, casedb, changes, message):
    rate = replace(Rate("RUB", 2019, Decimal("0.1"), [SOURCE]), **changes)
    with database.session() as session:
        with pytest.raises(services.WageTableInvalidError, match=message):
            services.save_rate(session, casedb, rate, actor=ACTOR)


def test_a_table_may_not_overlap_another_in_force(database, casedb):
    # xinjiang_2018 is in force from 2018-03-28 to 2020-03-31
    overlapping = replace(TABLE, applies_from=date(2020, 3, 1), applies_to=None)
    with database.session() as session:
        with pytest.raises(services.WageTableInvalidError, match="overlap those of the table"):
            services.save_minimum(session, casedb, overlapping, new=True, actor=ACTOR)
    # Once that table is withdrawn, the new one may take its days
    with database.session() as session:
        services.withdraw_minimum(session, casedb, "xinjiang_2018", actor=ACTOR)
    with database.session() as session:
        services.save_minimum(session, casedb, overlapping, new=True, actor=ACTOR)
        assert services.find_minimum(session, TABLE.id).origin == "added"


def test_withdrawing_twice_changes_and_audits_once(database, casedb):
    for _ in range(2):
        with database.session() as session:
            services.withdraw_minimum(session, casedb, "xinjiang_2018", actor=ACTOR)
            services.withdraw_rate(session, casedb, "USD", 2019, actor=ACTOR)
    with database.session() as session:
        actions = [event.action for event in list_events(session, casedb)]
    assert actions.count("wage_table.write") == 2


def test_an_added_table_has_nothing_to_restore(database, casedb):
    with database.session() as session:
        services.save_minimum(session, casedb, TABLE, new=True, actor=ACTOR)
        services.save_rate(
            session, casedb, Rate("RUB", 2019, Decimal("0.1"), [SOURCE]), actor=ACTOR
        )
    with database.session() as session:
        with pytest.raises(services.WageTableNotFoundError, match="was added here"):
            services.restore_minimum(session, casedb, TABLE.id, actor=ACTOR)
        with pytest.raises(services.WageTableNotFoundError, match="was added here"):
            services.restore_rate(session, casedb, "RUB", 2019, actor=ACTOR)


def test_a_figure_that_cannot_be_computed_says_so_and_does_not_fail(database, casedb):
    # Given tables with a tier no check would let in (a damaged or hand-made table)
    bundled = bundled_tables()
    table = {**bundled.minimum["tables"][1], "tiers": {"1": "1e-40"}}
    minimum = {**bundled.minimum, "tables": [table]}
    tables = WageTables(minimum, bundled.rates, tables_fingerprint(minimum, bundled.rates))
    # When a 2019 wage is compared with it / Then the figure says why it has no ratio
    figure = labour_figures(LABOUR, _episode(2019), tables)[0]
    assert figure.ratio is None and figure.reasons == (arithmetic.NO_FIGURE,)


def test_the_statistics_follow_the_layered_tables(database, casedb, settings):
    # Given the worked example five times (enough to be shown), whose wage is compared
    # with the 2018 table
    store(database, settings, *(worked() for _ in range(5)))
    with database.session() as session:
        before = build_statistics(session, casedb)
    # When the table is withdrawn / Then the wage ratio is no longer counted
    with database.session() as session:
        services.withdraw_minimum(session, casedb, "xinjiang_2018", actor=ACTOR)
    with database.session() as session:
        after = build_statistics(session, casedb)
    assert before.wage_bins != after.wage_bins


def test_a_new_table_may_not_take_a_listed_id(database, casedb):
    with database.session() as session:
        with pytest.raises(services.WageTableExistsError):
            services.save_minimum(
                session, casedb, replace(TABLE, id="xinjiang_2018"), new=True, actor=ACTOR
            )


def test_the_research_export_does_not_reuse_ratios_made_with_other_tables(database, casedb):
    # Given the same labour entry's ratio computed with the bundled tables (none: 2021)
    labour, episode = LABOUR, _episode(2021)
    assert research._wage_ratios(labour, episode, bundled_tables()) == (
        research.UNKNOWN,
        research.UNKNOWN,
    )
    # When a table for 2021 is added, the ratio with the layered tables is not the
    # remembered one
    with database.session() as session:
        services.save_minimum(session, casedb, TABLE, new=True, actor=ACTOR)
        layered = services.wage_tables(session)
    assert research._wage_ratios(labour, episode, layered) == ("0.50", "0.50")


def test_a_station_has_no_wage_tables_to_edit(database, station):
    keys, _identity = station
    with database.session() as session:
        with pytest.raises(WrongRoleError):
            services.save_minimum(session, keys, TABLE, new=True, actor=ACTOR)
