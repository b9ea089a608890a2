"""A coordinator's day at a case database, in Kazakh, in a real browser.

Records are added with `intake records add`; a name typed in Latin letters finds the
person's testimonies written in Kazakh Cyrillic first; the record page draws its
timeline; an ILO indicator coded with a reason becomes a new version shown as a
difference on the History page; two testimonies are linked as one person and the link
is undone; the Audit page shows all of it, `intake audit verify` accepts the chain, and
after one audit row is edited by hand in the database it names that row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.support import Translations
from click.testing import CliRunner
from sqlalchemy import text

from intake.audit.services import ACTIONS
from intake.cli import CliContext, main
from intake.db import Database

from ..intake.cases.conftest import prison_in_kashgar, worked
from ..intake.conftest import PASSPHRASE
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser
TRANSLATIONS = Path(__file__).resolve().parents[2] / "intake" / "translations"
KK = Translations.load(str(TRANSLATIONS), ["kk"])
REASON = "Куәгер зауыттан кете алмағанын айтты (2-бет)."


def _named(*names: str) -> dict:  # type: ignore[type-arg]
    return worked(
        names=[
            {"text": n, "script": "Latn" if n.isascii() else "Cyrl", "kind": "full"} for n in names
        ]
    )


def _cli(live_server, tmp_path, *args: str):  # type: ignore[no-untyped-def]
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    settings = live_server["settings"]
    database = Database(settings.database_url, key_file=settings.key_file)
    try:
        obj = CliContext(settings=settings, database=database)
        return CliRunner().invoke(main, [*args, "--passphrase-file", str(secret)], obj=obj)
    finally:
        database.dispose()


def _add(live_server, tmp_path, documents) -> None:  # type: ignore[no-untyped-def]
    files = []
    for number, document in enumerate(documents):
        path = tmp_path / f"record-{number}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    result = _cli(live_server, tmp_path, "records", "add", *files)
    assert result.exit_code == 0, result.output


def _audit_rows(page) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    rows = []
    for row in page.locator("main table.list tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        rows.append((int(cells[0]), cells[3], cells[4]))
    return rows


def test_search_code_link_and_audit_at_a_case_database(journey, live_server, tmp_path):
    # Given a case database set up in Kazakh, and four testimonies added on the command
    # line: Gulzira's in Kazakh Cyrillic and in a Latin spelling, a namesake, a man
    gulzira_kk, gulzira_latin = _named("Гүлзира Әуелхан"), _named("Gulzira Auyelkhan")
    namesake = _named("Гүлзира Серікқызы Нұрланова")
    documents = [prison_in_kashgar(), namesake, gulzira_latin, gulzira_kk]
    fill_setup(journey, role="casedb", language="kk")
    _add(live_server, tmp_path, documents)
    a, b = gulzira_kk["record_id"], gulzira_latin["record_id"]
    page = journey.page
    assert page.get_attribute("html", "lang") == "kk"

    # When her name is typed in Latin letters in the search box of the Records page
    journey.go("/records/")
    page.fill("form.search input[name=q]", "Gulzira Auelkhan")
    page.click("form.search button[type=submit]")
    page.wait_for_selector("table.results")
    journey.shot("search")
    # Then her two testimonies come first, the Cyrillic one at the top, and the name
    # never stands in the address
    found = [code.inner_text() for code in page.locator("table.results tbody code").all()]
    assert found[0] == a and set(found[:2]) == {a, b}
    first = page.locator("table.results tbody tr").first.inner_text()
    assert "Гүлзира Әуелхан" in first
    assert KK.gettext("another script or spelling") in first
    assert "Gulzira" not in page.url and "search" in page.url
    assert KK.gettext("Records found: %(count)s") % {"count": len(found)} in page.inner_text("main")

    # When the first result is opened
    page.locator("table.results tbody a").first.click()
    page.wait_for_selector("svg.timeline")
    journey.shot("record")
    # Then the server-drawn timeline has one bar per episode of the testimony
    assert page.url.endswith(f"/records/{a}")
    assert page.locator("svg.timeline g.episode").count() == len(gulzira_kk["episodes"])
    assert page.locator("script").count() == 0

    # When an ILO indicator is coded "present" with a reason
    journey.go(f"/records/{a}/coding")
    page.select_option("#restriction_of_movement-status", "present")
    page.fill("#restriction_of_movement-evidence", "Зауыттан шығуға рұқсат берілмеді.")
    page.fill("#reason", REASON)
    page.click("main form.stacked button[type=submit]")
    page.wait_for_url(f"**/records/{a}/history")
    journey.shot("history")
    # Then the History page shows a new version with the reason and the difference
    change = page.locator("section.change")
    assert change.count() == 1
    assert REASON in change.inner_text()
    difference = change.locator("ul.differences li", has_text="restriction_of_movement.status")
    assert difference.locator("ins").inner_text() == "Бар"  # "present" in Kazakh

    # When the two testimonies are confirmed as one person in the queue, with a reason
    journey.go("/persons/queue")
    pair = page.locator("section.pair", has_text=a).filter(has_text=b)
    assert pair.count() == 1
    confirm = pair.locator("form:has(input[name=state][value=linked])")
    confirm.locator("input[name=reason]").fill("Бір адам: есімі, туған жылы, лагері бірдей.")
    confirm.locator("button[type=submit]").click()
    page.wait_for_url("**/persons/queue")
    # Then the pair has left the queue, and her person page lists both testimonies
    assert page.locator("section.pair", has_text=a).filter(has_text=b).count() == 0
    journey.go(f"/persons/{a}")
    journey.shot("person-linked")
    testimonies = page.locator("main table.list").first.inner_text()
    assert a in testimonies and b in testimonies

    # When the link is undone from the person page
    undo = page.locator(
        "main ul form:has(input[name=relation][value=same_person])"
        ":has(input[name=state][value=removed]) button"
    )
    assert undo.count() == 1
    with page.expect_navigation():
        undo.click()
    assert page.url.endswith(f"/persons/{a}"), page.inner_text("body")[:500]
    journey.shot("person-undone")
    # Then she is one testimony again, and the decisions show the link and its undoing
    assert b not in page.locator("main table.list").first.inner_text()
    decisions = page.locator("main table.list").last.inner_text()
    assert KK.gettext("undone") in decisions and KK.gettext("linked") in decisions

    # When the administrator opens the Audit page
    journey.go("/audit/")
    journey.shot("audit")
    rows = _audit_rows(page)
    seen = {(action, record) for _, action, record in rows}
    # Then every step is there, in Kazakh, with the record it concerned
    label = {key: KK.gettext(value) for key, value in ACTIONS.items()}
    assert (label["record.import"], a) in seen and (label["record.import"], b) in seen
    # (a search by the number of records it showed: their ids are kept, not shown)
    assert (label["search"], KK.gettext("%(count)s record(s) shown") % {"count": 2}) in seen
    assert (label["record.read"], a) in seen
    assert (label["record.write"], a) in seen
    # (a link and its undoing are entered once for each of the two records)
    linked = {record: seq for seq, action, record in rows if action == label["person.link"]}
    unlinked = {record for _, action, record in rows if action == label["person.unlink"]}
    assert set(linked) == unlinked == {a, b}
    # And the search term is nowhere in the trail
    assert "Gulzira" not in page.inner_text("main")
    # And "Verify now" finds it intact
    page.click("main form button[type=submit]")
    page.wait_for_selector("main .notice")
    assert "ok" in (page.get_attribute("main .notice", "class") or "")

    # And `intake audit verify` accepts the chain
    result = _cli(live_server, tmp_path, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output

    # When the entry of the link is edited by hand in the database (one byte of its
    # encrypted payload changed)
    seq = linked[a]
    with live_server["database"].engine.begin() as connection:
        payload = connection.execute(
            text("SELECT payload FROM audit_entry WHERE seq = :seq"), {"seq": seq}
        ).scalar_one()
        tampered = payload[:-1] + bytes([payload[-1] ^ 1])
        connection.execute(
            text("UPDATE audit_entry SET payload = :p WHERE seq = :seq"),
            {"p": tampered, "seq": seq},
        )
    # Then `intake audit verify` fails and names that entry
    result = _cli(live_server, tmp_path, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert f"Entry {seq} was changed or moved." in result.output
    # And so does "Verify now" on the Audit page, in Kazakh
    journey.go("/audit/")
    page.click("main form button[type=submit]")
    page.wait_for_selector("main .notice.error")
    journey.shot("audit-tampered")
    alert = page.inner_text("main .notice.error")
    assert KK.gettext("Entry %(seq)s was changed or moved.") % {"seq": seq} in alert
    # And the browser asked nothing of any other host
    assert journey.foreign_requests() == []
