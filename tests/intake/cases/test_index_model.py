"""The case index answers exactly what a plain reading of the records would, also
after many rewrites and erasures (dead slots compacted) and with many ties."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from intake.cases.index import CaseIndex, Filters

KINDS = ["reeducation_camp", "prison", "assigned_factory_work"]
PLACES = ["ili", "kashgar", None]


def _document(rng: random.Random) -> dict[str, Any]:
    episodes = []
    for _ in range(rng.randint(0, 3)):
        start = rng.randint(2015, 2022)
        episode: dict[str, Any] = {
            "kind": rng.choice(KINDS),
            "start": {"precision": "year", "value": str(start)},
        }
        place = rng.choice(PLACES)
        if place:
            episode["place"] = {"prefecture_id": place}
        if rng.random() < 0.5:
            episode["end"] = {"precision": "year", "value": str(start + rng.randint(0, 2))}
        episodes.append(episode)
    return {"victim": {"gender": rng.choice(["female", "male"])}, "episodes": episodes}


def _matches(document: dict[str, Any], received: date, filters: Filters) -> bool:
    if filters.gender and document["victim"]["gender"] != filters.gender:
        return False
    if filters.received_from and received < filters.received_from:
        return False
    wanted = (filters.episode_kind, filters.prefecture, filters.year_from)
    if wanted == (None, None, None):
        return True
    for episode in document["episodes"]:
        start = int(episode["start"]["value"])
        end = int(episode["end"]["value"]) if "end" in episode else start
        place = (episode.get("place") or {}).get("prefecture_id")
        if (
            (filters.episode_kind in (None, episode["kind"]))
            and (filters.prefecture in (None, place))
            and (filters.year_from is None or end >= filters.year_from)
        ):
            return True
    return False


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_answers_as_a_plain_reading(seed):
    rng = random.Random(seed)
    index, truth = CaseIndex(), {}
    for round_ in range(4):  # each round rewrites most records: slots die and are compacted
        for number in range(1500):
            record_id = f"r{number:05d}"
            if rng.random() < 0.1:
                index.remove(record_id)
                truth.pop(record_id, None)
                continue
            document = _document(rng)
            received = date(2026, 1, 1) + timedelta(days=rng.randint(0, 20))  # many ties
            index.put(record_id, document, received_on=received)
            truth[record_id] = (document, received)
        assert len(index) == len(truth), round_
    for _ in range(30):
        filters = Filters(
            episode_kind=rng.choice([*KINDS, None]),
            prefecture=rng.choice(["ili", "kashgar", None]),
            year_from=rng.choice([2017, 2020, None]),
            gender=rng.choice(["male", None]),
            received_from=rng.choice([date(2026, 1, 10), None]),
        )
        expected = sorted(
            (rid for rid, (doc, day) in truth.items() if _matches(doc, day, filters)),
            key=lambda rid: (truth[rid][1].toordinal(), rid),
            reverse=True,  # newest received first, then by id descending, as the CLI lists
        )
        offset = rng.choice([0, 50, 400])
        page = index.query(filters, offset=offset, limit=50)
        assert page.total == len(expected)
        assert page.ids == expected[offset : offset + 50]


def test_an_unknown_code_matches_nothing():
    index = CaseIndex()
    index.put("a", {"victim": {"gender": "female"}}, received_on=date(2026, 1, 1))
    assert index.query(Filters(gender="no-such-code")).total == 0
    assert index.query(Filters(episode_kind="prison")).ids == []


def test_the_same_id_twice_in_one_batch_keeps_the_last():
    index = CaseIndex()
    index.put_many(
        [
            ("a", {"victim": {"gender": "female"}}, date(2026, 1, 1), None),
            ("a", {"victim": {"gender": "male"}}, date(2026, 1, 1), None),
        ]
    )
    assert len(index) == 1 and index.query(Filters(gender="male")).ids == ["a"]
    assert index.query(Filters(gender="female")).total == 0


def test_a_registry_facility_places_its_episode():
    # Given an episode at a registry facility with no place of its own
    index = CaseIndex()
    episode = {
        "kind": "assigned_factory_work",
        "facility": {"registry_id": "jiafang_industrial_park"},
    }
    index.put("a", {"episodes": [episode]}, received_on=date(2026, 1, 1))
    # Then the facility's prefecture answers the prefecture filter
    assert index.query(Filters(prefecture="ili")).ids == ["a"]
