"""The Records pages in a real browser, in Russian: records added with
`intake records add` (another connection, as another process would) appear on the
Records page, a filter narrows them with codes only in the address, and the record
page draws the trajectory as an inline SVG timeline with dates as precise as said.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from intake.cli import CliContext, main
from intake.db import Database

from ..intake.cases.conftest import prison_in_kashgar, worked
from ..intake.conftest import PASSPHRASE
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser


def _add_with_the_cli(live_server, tmp_path, *documents) -> None:  # type: ignore[no-untyped-def]
    files = []
    for number, document in enumerate(documents):
        path = tmp_path / f"record-{number}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    settings = live_server["settings"]
    database = Database(settings.database_url, key_file=settings.key_file)
    try:
        obj = CliContext(settings=settings, database=database)
        result = CliRunner().invoke(
            main, ["records", "add", *files, "--passphrase-file", str(secret)], obj=obj
        )
    finally:
        database.dispose()
    assert result.exit_code == 0, result.output


def test_records_list_filter_and_timeline_in_russian(journey, live_server, tmp_path):
    # Given a case database set up in Russian, and two records added on the command line
    fill_setup(journey, role="casedb", language="ru")
    woman, man = worked(), prison_in_kashgar()
    _add_with_the_cli(live_server, tmp_path, woman, man)
    page = journey.page

    # When the Records page is opened from the navigation
    journey.go("/records/")
    journey.shot("records")
    # Then both are listed, labelled in Russian
    main_text = page.inner_text("main")
    assert "Подходящих записей: 2" in main_text
    assert "Synaq Ayel" in main_text and "Ablikim Tursun" in main_text
    assert "осуждён, содержание в тюрьме" in main_text
    # And no item of the menu breaks inside itself (two-word Russian items wrap whole)
    broken = page.eval_on_selector_all(
        "nav.main a", "links => links.filter(a => a.getClientRects().length > 1).map(a => a.text)"
    )
    assert broken == []

    # When filtered to prisons in Kashgar
    page.select_option("#kind", "prison")
    page.select_option("#prefecture", "kashgar")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/records/?*")
    journey.shot("filtered")
    # Then only the man is left, and the address holds codes only
    assert "Подходящих записей: 1" in page.inner_text("main")
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query["kind"] == "prison" and query["prefecture"] == "kashgar"
    assert "Ablikim" not in page.url and "Tursun" not in page.url

    # When the record is opened
    page.click("table.records a")
    page.wait_for_selector("svg.timeline")
    journey.shot("record")
    # Then the timeline is drawn on the server, titled in Russian, with the year-only
    # start labelled "2017" and drawn hatched, the unknown end running open
    svg = page.locator("svg.timeline")
    assert svg.locator("title").first.text_content() == "Хронология пути"
    episode = svg.locator("g.episode")
    assert episode.count() == 1
    assert episode.locator("text").text_content() == "2017"
    assert episode.locator("rect[fill='url(#tl-hatch)']").count() == 1
    assert episode.locator("line[stroke-dasharray]").count() == 1
    assert "окончание неизвестно" in episode.locator("title").text_content()
    assert page.locator("script").count() == 0
    assert "Происхождение" in page.inner_text("main")
    # And the browser asked nothing of any other host
    assert journey.foreign_requests() == []
