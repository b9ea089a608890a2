"""Delivery in real browsers between two live servers: a station records and finalises
an interview, sends it over the network to a case database and shows it delivered with
its sealed file gone; a second record goes by bundle file and receipt file. The case
database then lists both records, on its Records page and with `intake records list`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from intake import create_app
from intake.cli import CliContext, main
from intake.db import Database
from intake.migrate import upgrade_database
from intake.records.models import SealedRecord

from ..intake.conftest import make_settings
from . import interview_steps as steps
from .conftest import open_journey
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser


@pytest.fixture
def casedb_server(tmp_path: Path):
    """A second live server, on its own port and workspace: the case database."""
    from intake.serving import make_server

    folder = tmp_path / "casedb"
    settings = make_settings(folder / "workspace", f"sqlite:///{folder / 'casedb.sqlite3'}")
    database = Database(settings.database_url, key_file=settings.key_file)
    upgrade_database(database.engine)
    app = create_app(settings, database=database)
    server = make_server(app, settings, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{server.socket.getsockname()[1]}",
        "settings": settings,
        "database": database,
    }
    server.close()
    database.dispose()


@pytest.fixture
def casedb_journey(playwright_browser, casedb_server, request):
    """A browser context on the case database."""
    yield from open_journey(playwright_browser, str(casedb_server["url"]), request, "-casedb")


def _interview(journey) -> str:
    """Record a whole interview at the station and finalise it; the record id."""
    page = journey.page
    draft_id = steps.start_interview(journey)
    for fill, following in (
        (steps.fill_testifier, "victim"),
        (steps.fill_victim, "trajectory"),
        (steps.fill_trajectory, "labour"),
        (steps.fill_labour, "links"),
        (steps.fill_links, "coding"),
        (steps.fill_coding, "consent"),
        (steps.fill_consent, "narrative"),
        (steps.fill_narrative, "attachments"),
    ):
        fill(page)
        if fill is steps.fill_labour:
            page.wait_for_selector("section.labour .derived:has-text('160')")
            steps.click_action(page, "save")
        steps.save_and_continue(page)
        assert page.url.endswith("/" + following), (page.url, page.inner_text("main"))
    steps.save_and_continue(page)  # attachments: none
    assert page.locator("p.ok").count() == 1, page.inner_text("main")
    steps.finalise(page)
    assert "/interview/receipt/" in page.url
    return str(draft_id)


def _sealed_rows(live_server) -> dict[str, SealedRecord]:
    with live_server["database"].session() as session:
        return {str(row.id): row for row in session.scalars(select(SealedRecord))}


def test_deliver_by_network_and_by_file(journey, casedb_journey, live_server, casedb_server):
    station, casedb = journey.page, casedb_journey.page
    # Given a case database set up in the browser, and a station sealing to it
    fill_setup(casedb_journey, role="casedb")
    recipient = casedb.locator("pre.key").inner_text().strip()
    assert recipient.startswith("age1")
    fill_setup(journey, role="station", recipient=recipient)

    # And the station enrolled on the case database's Stations page
    journey.go("/delivery/outbox")
    with station.expect_download() as download:
        station.click("a[href$='/delivery/enrolment']")
    enrolment = Path(download.value.path()).read_text(encoding="utf-8")
    casedb_journey.go("/delivery/stations")
    casedb.fill("#label", "Almaty laptop 1")
    casedb.fill("#enrolment_text", enrolment)
    with casedb.expect_navigation():
        casedb.click("form.stacked button[type=submit]")
    assert "Almaty laptop 1" in casedb.inner_text("table.stations")
    casedb_key = casedb.locator("pre.casedb-key").inner_text().strip()
    casedb_journey.shot("station-enrolled")

    # And the station keeps the case database's key
    journey.go("/delivery/outbox")
    station.fill("#key", casedb_key)
    with station.expect_navigation():
        station.click("form[action$='/delivery/outbox/trust'] button[type=submit]")
    assert "The case database key is kept." in station.inner_text("main")

    # When an interview is recorded, finalised and sent over the network
    first = _interview(journey)
    journey.go("/delivery/outbox")
    assert first in station.inner_text("table.outbox")
    journey.shot("outbox-before-send")
    station.fill("#url", str(casedb_server["url"]))
    with station.expect_navigation():
        station.click("form[action$='/delivery/outbox/send'] button[type=submit]")
    # Then the station shows it delivered, and its sealed file is gone
    text = station.inner_text("main")
    assert "1 record(s) delivered." in text and "The outbox is empty." in text
    journey.shot("delivered-by-network")
    row = _sealed_rows(live_server)[first]
    assert row.delivered_on is not None and row.sealed is None

    # When a second interview is saved to a bundle file and imported at the case database
    second = _interview(journey)
    journey.go("/delivery/outbox")
    with station.expect_download() as download:
        station.click("form[action$='/delivery/outbox/export'] button[type=submit]")
    bundle = download.value.path()
    casedb_journey.go("/delivery/import")
    casedb.set_input_files("#bundle", bundle)
    casedb.click("form.stacked button[type=submit]")
    casedb.wait_for_selector("section.import-outcome")
    outcome = casedb.inner_text("section.import-outcome")
    assert "Almaty laptop 1: 1 stored, 0 already received." in outcome, outcome
    casedb_journey.shot("imported-by-file")
    with casedb.expect_download() as download:
        casedb.click("a.receipt-link")
    receipt = download.value.path()

    # And its receipt file is confirmed at the station
    journey.go("/delivery/outbox")
    station.set_input_files("#receipt", receipt)
    with station.expect_navigation():
        station.click("form[action$='/delivery/outbox/confirm'] button[type=submit]")
    text = station.inner_text("main")
    assert "1 record(s) delivered." in text and "The outbox is empty." in text
    journey.shot("delivered-by-file")
    row = _sealed_rows(live_server)[second]
    assert row.delivered_on is not None and row.sealed is None

    # Then the case database lists both records, on its Records page and on the command line
    casedb_journey.go("/delivery/records")
    listed = casedb.inner_text("table.records")
    assert first in listed and second in listed
    assert listed.count("Almaty laptop 1") == 2
    casedb_journey.shot("records")
    obj = CliContext(settings=casedb_server["settings"], database=casedb_server["database"])
    result = CliRunner().invoke(main, ["records", "list"], obj=obj)
    assert result.exit_code == 0 and first in result.output and second in result.output

    # And neither browser asked anything of another host (the servers talk to each other)
    assert journey.foreign_requests() == [] and casedb_journey.foreign_requests() == []
