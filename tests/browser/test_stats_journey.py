"""The Statistics page in Russian, from a case database holding the public worked
examples: each chart (an <img> with its values as alt text) and its table say
"fewer than 5" for every small count, and no count under 5 appears anywhere; counts
of 5 and more, once generated records are added, are shown as they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.support import Translations

from intake.exports.stats import TABLES, count_documents
from intake.exports.synthetic import synthetic_corpus

from ..intake.exports.conftest import public_examples
from .test_exports_journey import _store
from .test_setup_journey import fill_setup

pytestmark = pytest.mark.browser
RU = Translations.load(str(Path(__file__).resolve().parents[2] / "intake" / "translations"), ["ru"])
SMALL = RU.gettext("fewer than 5")
WITHHELD = RU.gettext("withheld: it would reveal a count under 5")


def _chart_and_table(page, section: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """(label, value) pairs of a section's chart alt text and of its table."""
    block = page.locator(f"section#stats-{section}")
    title = block.locator("h2").inner_text().strip()
    alt = block.locator("img.chart").get_attribute("alt") or ""
    assert alt.startswith(title + ": ")
    charted = [tuple(part.rsplit(": ", 1)) for part in alt.removeprefix(title + ": ").split("; ")]
    rows = []
    for row in block.locator("table.list tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        rows.append((cells[0], cells[1]))
    return charted, rows  # type: ignore[return-value]


def _shown(values: list[str]) -> list[int]:
    """The numbers among ``values``; anything else must be the words for a hidden count."""
    numbers = [int(value) for value in values if value.isdigit()]
    assert all(value in (SMALL, WITHHELD) for value in values if not value.isdigit())
    return sorted(numbers)


def test_the_charts_suppress_small_counts_of_the_public_examples(journey, live_server):
    # Given a case database in Russian holding the three public worked examples
    fill_setup(journey, role="casedb", language="ru")
    examples = public_examples()
    _store(live_server, examples)
    page = journey.page

    # When the Statistics page is opened
    journey.go("/stats/")
    journey.shot("stats-examples")
    raw = count_documents(examples)
    for name, _vocabulary in (*TABLES, ("indicators", "")):
        charted, rows = _chart_and_table(page, name)
        # Then each chart says what its table says, row for row
        assert charted == rows, name
        # And with three testimonies, every count is "fewer than 5", never a number
        assert rows and all(value == SMALL for _label, value in rows), name
    # And the counted facilities, prefectures and episode kinds are there, suppressed
    for name in ("facility", "prefecture", "episode_kind"):
        assert 0 < max(raw.tables[name].values()) < 5
        _charted, rows = _chart_and_table(page, name)
        assert len(rows) >= len(raw.tables[name])
    map_alt = page.locator("img.chart").first.get_attribute("alt") or ""
    assert SMALL in map_alt and not any(f": {n};" in map_alt + ";" for n in range(1, 5))

    # When twelve generated testimonies are added and the page is opened again
    generated = list(synthetic_corpus(12, uniform=True))
    _store(live_server, generated)
    journey.go("/stats/")
    journey.shot("stats-with-generated")
    raw = count_documents(examples + generated)
    for name, _vocabulary in TABLES:
        charted, rows = _chart_and_table(page, name)
        assert charted == rows, name
        # Then exactly the counts of 5 or more are shown as numbers, the rest in words
        values = [value for _label, value in rows]
        assert _shown(values) == sorted(n for n in raw.tables[name].values() if n >= 5), name
    shown = [
        n for name, _v in TABLES for n in _shown([v for _l, v in _chart_and_table(page, name)[1]])
    ]
    assert shown and min(shown) >= 5
    assert journey.foreign_requests() == []
