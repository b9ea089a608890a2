"""The trajectory timeline: dates drawn with their precision, open ends, transfers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask_babel import Babel

from intake.cases.timeline import timeline_svg

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def request_context():  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def _episode(id_: str, kind: str, start: dict, end: dict | None = None, **extra):  # type: ignore[no-untyped-def]
    episode = {"id": id_, "kind": kind, "start": start, **extra}
    if end is not None:
        episode["end"] = end
    return episode


def _groups(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-episode"): g for g in root.iter(f"{NS}g") if g.get("data-episode")}


def test_a_year_only_start_is_hatched_and_labelled_as_the_year():
    svg = timeline_svg(
        [
            _episode(
                "e1",
                "reeducation_camp",
                {"precision": "year", "value": "2018"},
                {"precision": "month", "value": "2019-06"},
            )
        ]
    )
    group = _groups(svg)["e1"]
    fills = [rect.get("fill") for rect in group.iter(f"{NS}rect")]
    labels = [text.text for text in group.iter(f"{NS}text")]
    assert fills[0] == "url(#tl-hatch)" and "#1f5f8b" in fills
    assert labels == ["2018"] and "2018-01-01" not in svg
    assert group.find(f"{NS}title").text.endswith("from 2018 until 2019-06")


def test_an_unknown_end_runs_open_to_the_edge():
    svg = timeline_svg([_episode("e1", "prison", {"precision": "day", "value": "2017-05-02"})])
    group = _groups(svg)["e1"]
    line = group.find(f"{NS}line")
    assert line is not None and line.get("stroke-dasharray") and line.get("marker-end")
    assert "end not known" in group.find(f"{NS}title").text


def test_a_release_without_end_is_a_moment_not_an_open_span():
    svg = timeline_svg([_episode("e1", "released", {"precision": "month", "value": "2019-03"})])
    assert _groups(svg)["e1"].find(f"{NS}line") is None


def test_one_lane_per_kind_and_transfers_as_connectors():
    svg = timeline_svg(
        [
            _episode(
                "e1",
                "reeducation_camp",
                {"precision": "month", "value": "2017-10"},
                {"precision": "month", "value": "2018-12"},
            ),
            _episode(
                "e2",
                "assigned_factory_work",
                {"precision": "month", "value": "2019-01"},
                {"precision": "month", "value": "2019-03"},
                transfer_from={"episode_id": "e1"},
            ),
            _episode(
                "e3",
                "reeducation_camp",
                {"precision": "approximate", "value": "2019-05"},
                {"precision": "season", "value": "2020", "season": "summer"},
            ),
        ]
    )
    root = ET.fromstring(svg)
    lanes = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "lane"]
    transfers = [g for g in root.iter(f"{NS}g") if g.get("class") == "transfer"]
    assert lanes == ["Held in a re-education camp", "Assigned factory work"]
    assert len(transfers) == 1 and transfers[0].find(f"{NS}path") is not None
    assert "about 2019-05" in svg and "Summer 2020" in svg


def test_accessible_and_self_contained():
    svg = timeline_svg([_episode("e1", "prison", {"precision": "year", "value": "2017"})])
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.find(f"{NS}title").text == "Trajectory timeline"
    assert "<script" not in svg and "style=" not in svg
    assert not re.search(r'href="(?!#)', svg) and "http://www.w3.org/2000/svg" in svg
    assert svg.count("http") == 1


def test_names_and_notes_never_reach_the_drawing():
    svg = timeline_svg(
        [
            _episode(
                "e1",
                "prison",
                {"precision": "year", "value": "2017", "text_as_said": "<b>x"},
                note="Secret note",
            )
        ]
    )
    assert "Secret note" not in svg and "<b>" not in svg


def test_no_episodes_draw_nothing():
    assert str(timeline_svg([])) == ""
