"""A whole interview in a real browser, in the Kazakh interface, sealed at a station.

Also: the Uyghur interface of an interview step reads right to left, and a typed
Latin name on the review page is isolated in <bdi>.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import crypto
from intake.records.attachments import unpack_payload
from intake.records.models import SealedRecord, Testimony

from . import interview_steps as steps
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser
MONTHLY_160 = re.compile(r"(?<![\d.,])160(?:[.,]00)?(?![\d.,]*\d)")


def _assert_kazakh_step(page, name: str) -> None:
    """The page is the step ``name`` of the interview, in the Kazakh interface."""
    assert urlsplit(page.url).path.endswith(f"/{name}"), page.url
    assert page.get_attribute("html", "lang") == "kk"
    assert page.locator("p.error, .has-error").count() == 0, page.inner_text("main")


def _station_draft(journey) -> uuid.UUID:
    """A station set up in the browser (English interface) and a started interview."""
    fill_setup(journey, role="station", recipient=crypto.Identity.generate().recipient)
    return steps.start_interview(journey)


def _stored_files(live_server) -> list[Path]:
    """The SQLite database with its journals, and every file of the workspace folder."""
    settings = live_server["settings"]
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    files = [database, *database.parent.glob(database.name + "-*")]
    files += [p for p in Path(settings.workspace_dir).rglob("*") if p.is_file()]
    return [p for p in files if p.exists()]


#: Until the trajectory, labour and coding pages write record version 2, a whole
#: interview does not validate; test_people_steps_in_kazakh covers the other pages.


def test_station_interview_in_kazakh_is_sealed_and_leaves_nothing_readable(journey, live_server):
    page = journey.page
    # Given a station set up in the browser with a Kazakh-speaking administrator,
    # registered to an organisation recipient whose identity we keep
    identity = crypto.Identity.generate()
    fill_setup(journey, role="station", recipient=identity.recipient, language="kk")
    assert identity.recipient in page.inner_text("main")
    assert page.get_attribute("html", "lang") == "kk"
    journey.shot("station-set-up")

    # When the administrator starts an interview
    draft_id = steps.start_interview(journey)
    _assert_kazakh_step(page, "testifier")
    journey.shot("testifier-empty")

    # And fills in the interview and the testifier
    steps.fill_testifier(page)
    journey.shot("testifier")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "victim")

    # And the victim with two ways of writing her name (Cyrillic and Latin)
    steps.fill_victim(page)
    assert page.locator("#names-0-text").input_value() == steps.NAME_CYRILLIC
    journey.shot("victim")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "trajectory")

    # And a trajectory of two camps and assigned work at the Jiafang Industrial Park
    steps.fill_trajectory(page)
    assert page.locator("div.row[id^=episodes-]").count() == 3
    journey.shot("trajectory")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "labour")

    # And the factory's labour details, 320 CNY for 2 months
    assert page.locator("section.labour").count() == 1
    assert page.locator("#entries-0-episode_id").input_value() == "e3"
    steps.fill_labour(page)
    # Then the live figure shows 160 CNY a month while typing
    # (waited for with a selector: a polled JavaScript predicate would need eval, which
    # the page's Content-Security-Policy rightly refuses)
    page.wait_for_selector("section.labour .derived:has-text('160')")
    assert MONTHLY_160.search(page.inner_text("section.labour .derived"))
    journey.shot("labour-live-figure")
    # And once saved, the page computes the same monthly figure on the server
    steps.click_action(page, "save")
    _assert_kazakh_step(page, "labour")
    saved_figure = page.inner_text("section.labour .derived-saved")
    assert MONTHLY_160.search(saved_figure), saved_figure
    journey.shot("labour-saved")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "links")

    # And the husband's campaign as an action taken
    steps.fill_links(page)
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "coding")

    # When the interviewer codes three ILO indicators as present, with evidence
    steps.fill_coding(page)
    journey.shot("coding")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "consent")

    # And records each consent decision
    steps.fill_consent(page)
    journey.shot("consent")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "narrative")

    # And the testimony in Kazakh
    steps.fill_narrative(page)
    journey.shot("narrative")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "attachments")
    journey.shot("attachments")
    steps.save_and_continue(page)
    _assert_kazakh_step(page, "review")

    # Then the review shows a complete record, with both names isolated in <bdi>
    assert page.locator("p.ok").count() == 1, page.inner_text("main")
    assert page.locator("section.problems").count() == 0
    review_text = page.inner_text("main")
    for typed in (steps.NAME_CYRILLIC, steps.NAME_LATIN, steps.CAMP_1, steps.FACTORY):
        assert typed in review_text, typed
    assert page.locator("bdi", has_text=steps.NAME_LATIN).count() >= 1
    journey.shot("review")

    # When the record is finalised, confirmed on the page that asks
    steps.finalise(page)
    # Then the receipt shows the record id (the draft's id) and the sealed file's hash
    assert "/interview/receipt/" in page.url
    assert page.get_attribute("html", "lang") == "kk"
    receipt = page.inner_text("main")
    assert str(draft_id) in receipt
    journey.shot("receipt")
    with live_server["database"].session() as session:
        row = session.get(SealedRecord, draft_id)
        assert row is not None
        sealed, sha256 = row.sealed, row.sha256
    assert sha256 in receipt

    # And the station's interview list shows it in the outbox and no draft left
    journey.go("/interview/")
    assert page.locator("table.drafts").count() == 0
    outbox = page.locator("table.outbox").inner_text()
    assert str(draft_id) in outbox and sha256 in outbox
    journey.shot("outbox")

    # And the organisation's identity opens the sealed record: the names, the three
    # episodes with their dates as typed, and the wage
    record, _files = unpack_payload(crypto.open_sealed(sealed, [identity]))
    assert record["record_id"] == str(draft_id)
    assert [(n["text"], n["script"]) for n in record["victim"]["names"]] == [
        (steps.NAME_CYRILLIC, "Cyrl"),
        (steps.NAME_LATIN, "Latn"),
    ]
    episodes = record["episodes"]
    assert [e["kind"] for e in episodes] == [
        "reeducation_camp",
        "reeducation_camp",
        "assigned_factory_work",
    ]
    assert episodes[0]["facility"]["free_text"] == steps.CAMP_1
    assert episodes[0]["start"] == {
        "precision": "season",
        "value": "2018",
        "season": "spring",
        "text_as_said": steps.CAMP_1_SAID,
    }
    assert episodes[0]["end"] == {"precision": "year", "value": "2018"}
    assert episodes[1]["facility"]["free_text"] == steps.CAMP_2
    assert episodes[1]["start"] == {"precision": "year", "value": "2018"}
    assert episodes[1]["end"] == {"precision": "month", "value": "2019-01"}
    factory = episodes[2]
    assert factory["facility"] == {"registry_id": "jiafang_industrial_park"}
    assert factory["place"] == {"prefecture_id": "ili", "county_id": "ili.yining_county"}
    assert factory["start"] == {"precision": "month", "value": "2019-01"}
    assert factory["end"] == {"precision": "month", "value": "2019-03"}
    [labour] = record["labour"]
    assert labour["episode_id"] == factory["id"]
    assert labour["factory"] == steps.FACTORY
    assert factory["transfer_from"] == {
        "episode_id": episodes[1]["id"],
        "mode": "supervised_collective_transfer",
        "group_as_said": steps.TRANSFER_SAID,
    }
    assert labour["wages"] == [
        {
            "status": "paid",
            "amount": 320,
            "currency": "CNY",
            "period": {"count": 2, "unit": "month"},
            "approximate": True,
            "as_said": steps.WAGE_SAID,
        }
    ]
    indicators = labour["coding"]["ilo_indicators"]
    for name, evidence in (
        ("restriction_of_movement", steps.EVIDENCE_MOVEMENT),
        ("withholding_of_wages", steps.EVIDENCE_WAGES),
        ("physical_and_sexual_violence", steps.EVIDENCE_VIOLENCE),
    ):
        assert indicators[name] == {"status": "present", "evidence": evidence}
    recruitment = labour["coding"]["survey_phases"]["unfree_recruitment"]
    assert recruitment["involuntariness"] == {
        "status": "present",
        "indicators": ["supervised_collective_transfer"],
    }
    assert record["coding"]["other_abuse"] == {"codes": ["electric_batons"]}
    assert record["consent"]["to_record"] is True
    assert record["consent"]["publish_victim_name"] is False
    assert record["narrative"]["original"] == {"text": steps.NARRATIVE, "language": "kk"}

    # And neither the database nor any file of the workspace holds what was typed,
    # in UTF-8 or UTF-16
    files = _stored_files(live_server)
    database_files = [p for p in files if p.name.startswith("intake.sqlite3")]
    assert database_files, files
    # (the scan reads the real database: the outbox row's hash is stored in clear)
    assert sha256.encode() in b"".join(p.read_bytes() for p in database_files)
    for path in files:
        content = path.read_bytes()
        for typed in steps.TYPED_SECRETS:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert typed.encode(encoding) not in content, (path.name, typed, encoding)

    # And the browser asked nothing of any other host
    assert journey.foreign_requests() == []


def test_uyghur_interview_step_reads_right_to_left_with_names_isolated(journey):
    page = journey.page
    # Given a station and a started interview
    draft_id = _station_draft(journey)
    # When the victim step is opened in Uyghur
    journey.go(f"/interview/{draft_id}/victim?lang=ug")
    # Then the page and its form read right to left
    assert page.get_attribute("html", "lang") == "ug"
    assert page.get_attribute("html", "dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.getElementById('step-form')).direction")
    assert direction == "rtl"
    # When a Latin name is typed and the review opened
    steps.fill_name(page, 0, steps.NAME_LATIN, "Latn")
    journey.shot("victim-ug")
    steps.click_action(page, "save")
    journey.go(f"/interview/{draft_id}/review")
    # Then the name is shown isolated in <bdi> within the right-to-left page
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("bdi", has_text=steps.NAME_LATIN).count() >= 1
    journey.shot("review-ug")
    assert journey.foreign_requests() == []


def test_checklists_can_be_ticked(journey):
    page = journey.page
    # Given a started interview at a station
    draft_id = _station_draft(journey)
    # When the coding step is opened
    journey.go(f"/interview/{draft_id}/coding")
    journey.shot("coding-checklist")
    # Then "other abuse" offers one checkbox per code, which can be ticked and saved
    boxes = page.locator("fieldset.checklist input[type=checkbox][name=other_abuse]")
    assert boxes.count() > 0
    page.check("input[name=other_abuse][value=electric_batons]")
    steps.click_action(page, "save")
    assert page.locator("input[name=other_abuse][value=electric_batons]").is_checked()


def test_typing_survives_a_closed_page(journey):
    page = journey.page
    # Given a started interview at a station, with a name typed on the victim step
    draft_id = _station_draft(journey)
    journey.go(f"/interview/{draft_id}/victim")
    page.fill("#names-0-text", steps.NAME_LATIN)

    def keeps_both(response) -> bool:  # the send that carries the last field typed
        return "/typed" in response.url and "tractor" in (response.request.post_data or "")

    with page.expect_response(keeps_both, timeout=30_000):
        page.fill("#occupation", "tractor driver")
        page.press("#occupation", "Tab")  # leaving the field sends what is typed at once
    # When the page's script reports the typing kept, and the page is left without saving
    page.wait_for_selector(".typing-status:not([hidden])")
    assert "encrypted draft" in page.inner_text(".typing-status")
    journey.go("/interview/")
    # Then opening the step again brings the typing back
    journey.go(f"/interview/{draft_id}/victim")
    journey.shot("victim-restored")
    assert page.input_value("#names-0-text") == steps.NAME_LATIN
    assert page.input_value("#occupation") == "tractor driver"
    # And saving the step takes it into the draft without a restore note afterwards
    page.select_option("#names-0-script", "Latn")
    page.select_option("#names-0-kind", "full")
    steps.click_action(page, "save")
    assert page.locator("p.notice").count() == 0
    assert page.input_value("#names-0-text") == steps.NAME_LATIN
    assert journey.foreign_requests() == []


@pytest.mark.parametrize(
    ("language", "role", "direction"),
    [
        ("en", "station", "ltr"),
        ("ru", "casedb", "ltr"),
        ("ug", "station", "rtl"),
        ("zh", "casedb", "ltr"),
    ],
)
def test_a_whole_interview_in_each_other_language(journey, live_server, language, role, direction):
    page = journey.page
    # Given a workspace set up in the browser by an administrator speaking ``language``
    recipient = crypto.Identity.generate().recipient if role == "station" else ""
    fill_setup(journey, role=role, recipient=recipient, language=language)
    draft_id = steps.start_interview(journey)
    # When every step is filled in and continued, in that interface
    for name, fill in (
        ("testifier", steps.fill_testifier),
        ("victim", steps.fill_victim),
        ("trajectory", steps.fill_trajectory),
        ("labour", steps.fill_labour),
        ("links", steps.fill_links),
        ("coding", steps.fill_coding),
        ("consent", steps.fill_consent),
        ("narrative", steps.fill_narrative),
    ):
        assert urlsplit(page.url).path.endswith(f"/{name}"), page.url
        assert page.get_attribute("html", "lang") == language
        assert page.get_attribute("html", "dir") == direction
        fill(page)
        steps.save_and_continue(page)
        assert page.locator("p.error, .has-error").count() == 0, page.inner_text("main")
    steps.save_and_continue(page)  # attachments: none
    journey.shot(f"review-{language}")
    # Then the review finds nothing to fix, and finalising gives a receipt in that language
    assert page.locator("p.ok").count() == 1, page.inner_text("main")
    steps.finalise(page)
    assert "/interview/receipt/" in page.url
    assert page.get_attribute("html", "lang") == language
    assert str(draft_id) in page.inner_text("main")
    journey.shot(f"receipt-{language}")
    # And the record is sealed (station) or stored encrypted (case database)
    with live_server["database"].session() as session:
        stored = session.get(SealedRecord if role == "station" else Testimony, draft_id)
        assert stored is not None
    assert journey.foreign_requests() == []
