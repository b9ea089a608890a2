"""The statistics map: real prefecture shapes with their source, and no count under 5."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from matplotlib.path import Path as MplPath

from intake.exports import stats_charts, stats_map
from intake.exports.stats import SMALL, WITHHELD, Cell

REFERENCE = Path(__file__).resolve().parents[3] / "schemas" / "reference"
PLACES = json.loads((REFERENCE / "places.json").read_text("utf-8"))
PREFECTURE_IDS = {prefecture["id"] for prefecture in PLACES["prefectures"]}
CITATION = json.loads((REFERENCE / "prefecture_boundaries.json").read_text("utf-8"))


def test_every_prefecture_id_has_exactly_one_shape() -> None:
    # Given the bundled boundaries / When read / Then they are the ids of places.json
    assert set(stats_map.shapes()) == PREFECTURE_IDS
    raw = json.loads(stats_map.BOUNDARIES.read_text("utf-8"))
    ids = [feature["properties"]["prefecture_id"] for feature in raw["features"]]
    assert len(ids) == len(set(ids)) == len(PREFECTURE_IDS)


@pytest.mark.parametrize("prefecture_id", sorted(PREFECTURE_IDS))
def test_each_shape_is_closed_and_holds_its_own_label(prefecture_id: str) -> None:
    # Given a prefecture's shape
    shape = stats_map.shapes()[prefecture_id]
    # Then every ring is closed and long enough to enclose something
    rings = [ring for polygon in shape.polygons for ring in polygon]
    assert rings and all(len(ring) >= 4 and ring[0] == ring[-1] for ring in rings)
    # and its name is written at a point inside its outline (not inside a hole)
    inside = [
        MplPath(polygon[0]).contains_point(shape.label)
        and not any(MplPath(hole).contains_point(shape.label) for hole in polygon[1:])
        for polygon in shape.polygons
    ]
    assert any(inside)
    # and the points are longitude/latitude within Xinjiang's frame
    assert all(73 < x < 97 and 34 < y < 50 for ring in rings for x, y in ring)


def test_the_citation_names_source_licence_and_every_feature() -> None:
    # Given the citation file beside the shapes
    # Then it names an open licence, the source's address and how the shapes were made
    assert "CC BY 3.0 IGO" in CITATION["licence"]["name"]
    assert CITATION["licence"]["url"].startswith("https://creativecommons.org/")
    urls = [source["url"] for source in CITATION["sources"]]
    assert any("wmgeolab/geoBoundaries" in url for url in urls)
    assert CITATION["processing"] and CITATION["retrieved"]
    # and it lists, per prefecture, the source shape and the hash of the copy read
    features = {feature["prefecture_id"]: feature for feature in CITATION["features"]}
    assert set(features) == PREFECTURE_IDS
    for feature in features.values():
        assert feature["source_shape_id"].startswith("99377448B")
        assert re.fullmatch(r"[0-9a-f]{64}", feature["copy_sha256"])


def _texts(svg: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_the_map_writes_no_count_under_5(monkeypatch) -> None:
    # Given counts of 7 and 12, and suppressed ones, drawn with text as text
    monkeypatch.setattr(stats_charts, "SVG_FONTTYPE", "none")
    cells = {"ili": Cell.of(7), "hotan": Cell.of(12), "aksu": Cell.of(3), "kashgar": Cell(SMALL)}
    cells["altay"] = Cell(WITHHELD)
    # When the map is drawn
    svg = stats_map.choropleth(
        "Title", cells, str.upper, small_text="fewer than 5", withheld_text="withheld"
    )
    texts = _texts(svg)
    # Then the shown counts are written, and every other prefecture says the words
    assert "7" in texts and "12" in texts and "withheld" in texts
    assert texts.count("fewer than 5") == len(PREFECTURE_IDS) - 3 + 1  # + the legend
    # and no number from 0 to 4 is written anywhere on it
    assert not {"0", "1", "2", "3", "4"} & set(texts)
    # and the credit the licence asks for is on the map itself
    assert stats_map.attribution() in texts


def test_the_map_fetches_nothing() -> None:
    # Given the map drawn as the app draws it / Then it links to nothing outside itself
    svg = stats_map.choropleth("T", {}, str.upper, small_text="a", withheld_text="b")
    assert "<text" not in svg
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', svg))
