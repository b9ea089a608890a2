"""The public worked examples hold the facts of their reports in fields, not in notes.

tests/fixtures/records/public_examples.md lists every fact of each report with the
field that holds it; these tests pin the facts a search, an export or the wage
figures depend on.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intake.interview.wages import labour_figures
from intake.records import wages
from intake.records.derived import date_bounds
from intake.records.validation import validate_record

VALID = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "valid"
EXAMPLES = ("worked_example", "camp_factory_witness", "factory_transfer")


def _record(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VALID / f"{name}.json").read_text(encoding="utf-8"))
    return document


def _episodes(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {episode["id"]: episode for episode in record["episodes"]}


def _labour(record: dict[str, Any], episode_id: str) -> dict[str, Any]:
    [entry] = [entry for entry in record["labour"] if entry["episode_id"] == episode_id]
    return entry


def _figures(record: dict[str, Any], episode_id: str) -> list[wages.WageFigure]:
    return labour_figures(_labour(record, episode_id), _episodes(record)[episode_id])


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_public_example_validates_and_cites_a_publication(name: str) -> None:
    # Given a public worked example
    record = _record(name)
    # When it is validated / Then there is nothing to report
    assert validate_record(record) == []
    # And it says it is a test fixture, in the interview note and the narrative
    assert "fixture" in record["narrative"]["original"]["text"].lower()
    if name != "worked_example":
        assert "fixture" in record["interview"]["note"].lower()
        # And every source is a publication with a title and an address, and no file
        for source in record["sources"]:
            assert "sha256" not in source
            assert source["publication"]["title"]
            assert source["publication"]["url"].startswith("http")


def test_camp_factory_witness_is_told_by_the_victim_without_names_twice() -> None:
    # Given the camp factory witness
    record = _record("camp_factory_witness")
    # When the informants are read
    [informant] = record["informants"]
    # Then the one informant is the victim, speaking for himself, with no names of his own
    assert informant["is_main"] and informant["is_victim"]
    assert informant["relation"] == "self"
    assert "names" not in informant
    # And the victim carries both published spellings, as written
    assert {name["text"] for name in record["victim"]["names"]} == {
        "Yerzhan Kurman",
        "Erzhan Qurban",
    }
    assert record["consent"]["identity_level"] == "full"


def test_camp_factory_witness_goes_from_camp_to_factory() -> None:
    # Given the camp factory witness
    record = _record("camp_factory_witness")
    episodes = _episodes(record)
    # When the trajectory is read
    camp, factory = episodes["e2"], episodes["e3"]
    # Then nine months in the camp end on the reported release day
    assert camp["kind"] == "reeducation_camp"
    assert camp["start"] == {"precision": "day", "value": "2018-02-08"}
    assert (camp["end"]["precision"], camp["end"]["value"]) == ("day", "2018-11-03")
    assert camp["duration"] == {"amount": 9, "unit": "month", "text_as_said": "nine months"}
    # And the factory work follows from the camp, with the camp relation given
    assert factory["kind"] == "assigned_factory_work"
    assert factory["transfer_from"]["episode_id"] == "e2"
    assert factory["camp_relation"] == {"episode_id": "e2", "relation": "unknown"}
    assert factory["facility"] == {"registry_id": "baoding_lyszd_glove_factory_ghulja"}
    assert factory["pipeline_stage"] == "post_release_assigned_work"


def test_camp_factory_witness_work_conditions_are_fields() -> None:
    # Given the glove factory entry
    labour = _labour(_record("camp_factory_witness"), "e3")
    # Then hours, housing, surveillance and the ban on leaving are coded
    assert labour["hours_per_day"] == 12
    assert labour["housing"] == "offsite_dormitory"
    assert (labour["surveillance"], labour["could_leave"]) == ("yes", "no")
    assert set(labour["penalties_at_work"]["codes"]) >= {"overtime_for_missed_quota"}
    # And the wage statements keep their status: the rate docked, wages withheld, a sum paid
    statuses = [statement["status"] for statement in labour["wages"]]
    assert statuses == ["deducted", "unknown", "paid", "withheld", "paid"]
    # And the coding of the work episode carries both tables
    coding = labour["coding"]
    assert coding["ilo_indicators"]["withholding_of_wages"]["status"] == "present"
    assert coding["ilo_indicators"]["restriction_of_movement"]["status"] == "present"
    leaving = coding["survey_phases"]["impossibility_of_leaving"]["involuntariness"]
    assert leaving["indicators"] == ["no_leaving_without_permission"]


def test_camp_factory_witness_wage_figures_are_ranges_far_below_the_minimum() -> None:
    # Given the glove factory's wage statements
    record = _record("camp_factory_witness")
    # When the figures are derived
    rate, piece, net, withheld, strike = _figures(record, "e3")
    # Then 600 yuan a month is 600 a month, under half of any tier in force in late 2018
    assert rate.monthly == wages.Span.of(Decimal("600.00"))
    assert rate.ratio is not None and rate.ratio.high < Decimal("0.5")
    # And 300 yuan for 50 days is under 200 yuan a month, a ratio below a fifth
    assert strike.monthly is not None
    assert Decimal(180) < strike.monthly.low <= strike.monthly.high < Decimal(200)
    assert strike.ratio is not None and strike.ratio.high < Decimal("0.2")
    # And a piece rate without days worked per week gives no guessed figure
    assert piece.monthly is None and wages.NO_DAYS_PER_WEEK in piece.reasons
    # And the dollar figure is converted, or says why it cannot be
    assert net.conversion is not None or wages.NO_RATE in net.reasons
    # And "withheld" with no amount has no figure, but suggests withholding of wages
    assert withheld.monthly is None
    statements = _labour(record, "e3")["wages"]
    assert [wages.suggests_withholding(s) for s in statements] == [True, False, False, True, False]


def test_camp_factory_witness_links_to_the_co_worker_of_the_worked_example() -> None:
    # Given the camp factory witness and the worked example
    witness, worked = _record("camp_factory_witness"), _record("worked_example")
    # Then the witness links to the worked example as a co-worker
    [link] = witness["links"]
    assert (link["record_id"], link["relation"]) == (worked["record_id"], "co_worker")


def test_factory_transfer_moves_between_two_factories_in_another_province() -> None:
    # Given the factory transfer example
    record = _record("factory_transfer")
    episodes = _episodes(record)
    # When the trajectory is read
    first, second, held = episodes["t1"], episodes["t2"], episodes["t3"]
    # Then two work episodes are linked by an explicit transfer
    assert first["kind"] == second["kind"] == "labour_transfer"
    assert second["transfer_from"]["episode_id"] == "t1"
    assert held["transfer_from"]["episode_id"] == "t2"
    assert held["transfer_from"]["mode"] == "supervised_collective_transfer"
    # And both factories are words with a kind, outside Xinjiang
    for episode in (first, second):
        assert episode["facility"]["kind"] == "factory"
        assert "registry_id" not in episode["facility"]
        assert episode["place"]["country"] == "CN"
        assert "Guangdong" in episode["place"]["free_text"]
        assert episode["pipeline_stage"] == "placement_other_province"
    # And the second move may fall on any day after the brawl of 26 June 2009
    low, high = date_bounds(second["end"])
    assert low is not None and high is not None
    assert low <= date(2009, 6, 26) < high


def test_factory_transfer_is_told_by_an_unnamed_victims_boyfriend() -> None:
    # Given the factory transfer example
    record = _record("factory_transfer")
    # Then the victim has no name, only a description, and is anonymous
    assert record["victim"]["names"] == []
    assert "girlfriend" in record["victim"]["description"]
    assert record["consent"]["identity_level"] == "anonymous"
    # And the informant is the main one, not the victim, with his age and relation
    [informant] = record["informants"]
    assert informant["is_main"] and not informant["is_victim"]
    assert informant["relation"] == "partner"
    assert informant["age"]["years"] == 24
    # And what he knows after the move came by phone
    assert record["episodes"][2]["known"]["basis"] == "victim_phone_or_message"


def test_factory_transfer_says_pay_is_unknown_in_each_work_episode() -> None:
    # Given the factory transfer example, whose report gives no pay
    record = _record("factory_transfer")
    for episode_id in ("t1", "t2"):
        # When the figures of each work episode are derived
        [figure] = _figures(record, episode_id)
        [statement] = _labour(record, episode_id)["wages"]
        # Then the status is unknown and no figure is made up
        assert statement["status"] == "unknown"
        assert figure.monthly is None and figure.ratio is None
        assert not wages.suggests_withholding(statement)
    # And the brand named is recorded as a buyer
    [buyer] = _labour(record, "t1")["buyers"]
    assert (buyer["name"], buyer["kind"]) == ("Nike", "brand")
