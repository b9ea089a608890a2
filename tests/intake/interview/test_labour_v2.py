"""The labour step for record version 2: work in any work or detention episode,
several wage statements each with its figure as a range, buyers, penalties at work,
how it is known, and the coding of each work episode."""

from __future__ import annotations

import re
import uuid

import pytest

from intake.interview.services import record_of
from intake.records.drafts import load_draft, save_draft
from intake.records.validation import validate_record
from tests.intake.conftest import unlock
from tests.intake.interview.journey import post_step, start_draft, worked_example_steps

LEAVING = "impossibility_of_leaving"
FACTORY_2019 = {
    "episodes-0-id": "e1",
    "episodes-0-kind": "reeducation_camp",
    "episodes-1-id": "e2",
    "episodes-1-kind": "assigned_factory_work",
    "episodes-1-place-area": "ili.yining_county",
    "episodes-1-start-precision": "month",
    "episodes-1-start-year": "2019",
    "episodes-1-start-month": "1",
    "episodes-1-end-precision": "month",
    "episodes-1-end-year": "2019",
    "episodes-1-end-month": "3",
    "episodes-2-id": "e3",
    "episodes-2-kind": "prison",
}


def _draft(client, database, settings, base: str) -> dict:
    with database.session() as session:
        return load_draft(session, unlock(database, settings), uuid.UUID(base.rsplit("/", 1)[1]))


def _with_trajectory(client) -> str:
    base = start_draft(client)
    assert post_step(client, f"{base}/trajectory", FACTORY_2019).status_code == 302
    return base


def _entry(**fields) -> dict:
    return {"entries-0-episode_id": "e2", **{f"entries-0-{k}": v for k, v in fields.items()}}


def _figures(page: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", m).split())
        for m in re.findall(
            r'<span class="derived-saved">(.*?)</span><span class="derived-live"', page, re.S
        )
    ]


def test_several_wage_statements_are_kept_each_with_its_figure(
    station_interviewer, database, settings
):
    # Given a factory episode where 1,500 yuan a month was promised and 320 yuan paid
    # for "almost two months" (1.5 to 2)
    base = _with_trajectory(station_interviewer)
    data = _entry(
        **{
            "wages-0-status": "promised_not_paid",
            "wages-0-amount": "1500",
            "wages-0-currency": "CNY",
            "wages-0-count": "1",
            "wages-0-unit": "month",
            "wages-1-status": "paid",
            "wages-1-amount": "320",
            "wages-1-currency": "CNY",
            "wages-1-count_min": "1.5",
            "wages-1-count": "2",
            "wages-1-unit": "month",
            "wages-1-as_said": "320 yuan for almost two months",
            "wages-1-known-basis": "saw_directly",
        }
    )
    # When saved
    response = post_step(station_interviewer, f"{base}/labour", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    # Then both statements are in the record, in order
    [entry] = _draft(station_interviewer, database, settings, base)["labour"]
    assert entry["wages"] == [
        {
            "status": "promised_not_paid",
            "amount": 1500,
            "currency": "CNY",
            "period": {"count": 1, "unit": "month"},
        },
        {
            "status": "paid",
            "amount": 320,
            "currency": "CNY",
            "period": {"count": 2, "count_min": 1.5, "unit": "month"},
            "as_said": "320 yuan for almost two months",
            "known": {"basis": "saw_directly"},
        },
    ]
    # And the page shows each figure as a range against every tier in force in 2019
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    figures = _figures(page)
    assert figures[0].startswith("1500.00 CNY a month; 0.824\u20131.027 of the minimum wage")
    assert "did not reach the victim" in figures[0]
    assert figures[1] == "160.00\u2013213.33 CNY a month; 0.088\u20130.146 of the minimum wage"
    # And the record with these statements passes validation
    problems = validate_record(record_of(_draft(station_interviewer, database, settings, base)))
    assert [p for p in problems if p.path.startswith(("$.episodes", "$.labour"))] == []


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        (
            {"status": "paid", "piece_amount": "0.5", "currency": "CNY", "items_per_day": "200"},
            "A piece rate needs the days worked per week.",
        ),
        (
            {"status": "paid", "amount": "95", "currency": "RUB", "count": "1", "unit": "month"},
            "No exchange rate is known",
        ),
        (
            {"status": "paid", "amount": "95", "currency": "USD", "count": "1", "unit": "month"},
            "converted from USD at the 2019 average (6.9081 CNY each)",
        ),
    ],
    ids=["piece-rate-without-week", "currency-without-a-rate", "dollars-converted"],
)
def test_a_missing_figure_says_why(station_interviewer, statement, reason):
    base = _with_trajectory(station_interviewer)
    data = _entry(**{f"wages-0-{k}": v for k, v in statement.items()})
    assert post_step(station_interviewer, f"{base}/labour", data).status_code == 302
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert reason in _figures(page)[0]


def test_a_piece_rate_with_the_working_week_gives_a_range(station_interviewer):
    # Given 0.5 yuan a pair for 200 to 300 pairs a day, six days a week
    base = _with_trajectory(station_interviewer)
    data = _entry(
        days_per_week="6",
        **{
            "wages-0-status": "paid",
            "wages-0-currency": "CNY",
            "wages-0-piece_amount": "0.5",
            "wages-0-per_item": "pair of gloves",
            "wages-0-items_per_day": "200",
            "wages-0-items_per_day_max": "300",
        },
    )
    assert post_step(station_interviewer, f"{base}/labour", data).status_code == 302
    # Then the monthly figure is a range (6 days x 4.348 weeks x 100 to 150 yuan)
    figure = _figures(station_interviewer.get(f"{base}/labour").get_data(as_text=True))[0]
    assert figure.startswith("2608.80\u20133913.20 CNY a month")


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"amount": "320", "currency": "CNY", "count": "2", "unit": "month"}, "Choose what became"),
        ({"status": "paid", "amount": "320", "currency": "CNY"}, "with the period"),
        ({"status": "paid", "amount": "320", "count": "2", "unit": "month"}, "Choose the currency"),
        (
            {"status": "paid", "amount": "320", "amount_max": "100", "currency": "CNY"}
            | {"count": "2", "unit": "month"},
            "must not be below the amount",
        ),
        (
            {"status": "paid", "amount": "320", "currency": "CNY", "count": "2"}
            | {"count_min": "3", "unit": "month"},
            "must not be above",
        ),
        ({"status": "stolen"}, "Not a valid choice"),
        ({"status": "paid", "amount": "NaN", "currency": "CNY"}, "ordinary number"),
    ],
    ids=[
        "no-status",
        "no-period",
        "no-currency",
        "amount-range",
        "period-range",
        "bad-code",
        "nan",
    ],
)
def test_wage_statements_that_do_not_hold_together_are_refused(
    station_interviewer, database, settings, statement, message
):
    base = _with_trajectory(station_interviewer)
    data = _entry(**{f"wages-0-{k}": v for k, v in statement.items()})
    response = post_step(station_interviewer, f"{base}/labour", data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert not _draft(station_interviewer, database, settings, base).get("labour")


def test_work_in_a_prison_gets_its_own_entry_when_added(station_interviewer, database, settings):
    # Given the factory's row, and a prison that has no labour entry yet
    base = _with_trajectory(station_interviewer)
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert page.count('class="labour"') == 1 and 'value="e3"' in page
    # When the interviewer adds labour details for the prison episode
    response = post_step(station_interviewer, f"{base}/labour", {"add_for": "e3"}, action="save")
    assert response.status_code == 302
    # Then the page has an entry for it, and what is typed there is kept
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert page.count('class="labour"') == 2
    data = {
        "entries-0-episode_id": "e2",
        "entries-1-episode_id": "e3",
        "entries-1-products": "sewing",
        "entries-1-work_penalties": ["overtime_for_missed_quota", "punishment_for_mistakes"],
        "entries-1-work_penalty_note": "extra hours when the quota was missed",
    }
    assert post_step(station_interviewer, f"{base}/labour", data).status_code == 302
    [entry] = _draft(station_interviewer, database, settings, base)["labour"]
    assert entry == {
        "episode_id": "e3",
        "products": ["sewing"],
        "penalties_at_work": {
            "codes": ["overtime_for_missed_quota", "punishment_for_mistakes"],
            "note": "extra hours when the quota was missed",
        },
    }


def test_an_episode_that_is_not_work_or_detention_gets_no_entry(
    station_interviewer, database, settings
):
    base = start_draft(station_interviewer)
    post_step(station_interviewer, f"{base}/trajectory", {"episodes-0-kind": "left_china"})
    data = {"entries-0-episode_id": "e1", "entries-0-products": "gloves", "add_for": "e1"}
    post_step(station_interviewer, f"{base}/labour", data)
    assert not _draft(station_interviewer, database, settings, base).get("labour")


def test_the_coding_of_a_work_episode_is_kept_cell_by_cell(station_interviewer, database, settings):
    # Given the factory's coding: an indicator and a survey cell with two sub-indicators
    base = _with_trajectory(station_interviewer)
    cell = "coding-work_and_life_under_duress-menace_of_penalty"
    data = _entry(
        **{
            "coding-restriction_of_movement-status": "present",
            "coding-restriction_of_movement-evidence": "escorted daily",
            f"{cell}-status": "present",
            f"{cell}-indicators": ["locked_in_at_night", "retribution_against_family"],
            f"{cell}-evidence": "locked in; her brother was questioned",
            "coding-work_and_life_under_duress-note": "from her own experience",
        }
    )
    # When saved
    assert post_step(station_interviewer, f"{base}/labour", data).status_code == 302
    # Then only what was coded is in the entry's coding
    [entry] = _draft(station_interviewer, database, settings, base)["labour"]
    assert entry["coding"] == {
        "ilo_indicators": {
            "restriction_of_movement": {"status": "present", "evidence": "escorted daily"}
        },
        "survey_phases": {
            "work_and_life_under_duress": {
                "menace_of_penalty": {
                    "status": "present",
                    "indicators": ["locked_in_at_night", "retribution_against_family"],
                    "evidence": "locked in; her brother was questioned",
                },
                "note": "from her own experience",
            }
        },
    }
    # And each cell offers only its own sub-indicators
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    recruitment = "coding-unfree_recruitment-involuntariness-indicators"
    assert re.search(
        rf'name="entries-0-{recruitment}"[^>]*value="supervised_collective_transfer"', page
    )
    assert not re.search(rf'name="entries-0-{recruitment}"[^>]*value="locked_in_at_night"', page)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ({"coding-deception-evidence": "told it was a job"}, "for this evidence"),
        (
            {f"coding-{LEAVING}-involuntariness-indicators": "unemployment_monitoring_system"},
            "for this cell",
        ),
        (
            {"coding-unfree_recruitment-involuntariness-indicators": "locked_in_at_night"},
            "is not a valid choice",
        ),
    ],
    ids=["evidence-without-status", "ticks-without-status", "sub-indicator-of-another-cell"],
)
def test_coding_that_does_not_hold_together_is_refused(station_interviewer, cell, message):
    base = _with_trajectory(station_interviewer)
    response = post_step(station_interviewer, f"{base}/labour", _entry(**cell))
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_the_withholding_hint_follows_the_wage_status_not_a_low_wage(station_interviewer):
    # Given a very low wage that was paid
    base = _with_trajectory(station_interviewer)
    paid = {
        "wages-0-status": "paid",
        "wages-0-amount": "10",
        "wages-0-currency": "CNY",
        "wages-0-count": "1",
        "wages-0-unit": "month",
    }
    post_step(station_interviewer, f"{base}/labour", _entry(**paid))
    # Then the entry's coding shows no hint of withholding
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert "not paid, withheld or cut" not in page
    # When the statement says the pay was withheld / Then the hint appears beside it
    post_step(
        station_interviewer, f"{base}/labour", _entry(**{**paid, "wages-0-status": "withheld"})
    )
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    assert "not paid, withheld or cut" in page


def test_a_version_1_wage_opens_as_one_statement_of_unknown_status(
    station_interviewer, database, settings
):
    # Given a version-1 draft whose labour entry has a single wage
    base = _with_trajectory(station_interviewer)
    draft_id = uuid.UUID(base.rsplit("/", 1)[1])
    keys = unlock(database, settings)
    with database.session() as session:
        document = load_draft(session, keys, draft_id)
        document["labour"] = [
            {
                "episode_id": "e2",
                "wage": {"amount": 320, "currency": "CNY", "period": {"count": 2, "unit": "month"}},
                "how_known": "call_from_victim",
            }
        ]
        save_draft(session, keys, draft_id, document)
        session.commit()
    # When the labour step is opened
    page = station_interviewer.get(f"{base}/labour").get_data(as_text=True)
    # Then the wage is a statement of status unknown, with its figure, and the basis is read
    assert '<option selected value="unknown">' in page
    assert 'id="entries-0-wages-0-amount"' in page and 'value="320"' in page
    assert _figures(page)[0].startswith("160.00 CNY a month")
    assert '<option selected value="victim_phone_or_message">' in page


def test_buyers_and_how_the_work_is_known_are_kept(station_interviewer, database, settings):
    base = start_draft(station_interviewer)
    for name in ("testifier", "trajectory", "labour"):
        post_step(station_interviewer, f"{base}/{name}", worked_example_steps()[name])
    [entry] = _draft(station_interviewer, database, settings, base)["labour"]
    assert entry["buyers"] == [
        {
            "name": "Buyers abroad (not named)",
            "kind": "buyer",
            "as_said": "managers said the gloves were sold abroad",
            "known": {
                "basis": "saw_directly",
                "note": "What the factory managers told the workers.",
            },
        }
    ]
    assert entry["known"] == {"basis": "saw_directly"}


def test_a_converted_figure_says_from_which_currency_and_year(app):
    # Given a figure converted from US dollars at the 2018 yearly average
    from decimal import Decimal

    from intake.interview.steps.labour import _figure_text
    from intake.records.wages import Conversion, Span, WageFigure

    figure = WageFigure(
        monthly=Span(Decimal("628.65"), Decimal("628.65")),
        minimum=Span(Decimal(1460), Decimal(1820)),
        ratio=Span(Decimal("0.345"), Decimal("0.431")),
        conversion=Conversion("USD", Span.of(Decimal("6.6174")), (2018,), ("rates",)),
    )
    # When it is worded for the page / Then the conversion is named with its year
    with app.test_request_context():
        text = _figure_text(figure, {"status": "paid"})
    assert text["lines"] == [
        "628.65 CNY a month; 0.345\u20130.431 of the minimum wage",
        "converted from USD at the 2018 average (6.6174 CNY each)",
    ]
