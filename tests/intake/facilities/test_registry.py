"""The facility registry: additions and edits layered over the bundled list, merges
that resolve everywhere the registry is read, and checks on what is entered.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from intake.facilities import services
from intake.facilities.services import Facility, Source

ACTOR = uuid.uuid4()
SOURCE = Source(
    citation="Example report, p. 3", url="https://example.org/r", retrieved="2026-11-27"
)


def _new(facility_id: str = "example_camp", **changes) -> Facility:
    base = Facility(
        id=facility_id,
        kind="camp",
        names={"en": "Example camp", "ru": "Пример лагеря", "zh": "示例营"},
        prefecture_id="ili",
        county_id="ili.yining_county",
        sources=[SOURCE],
    )
    return replace(base, **changes)


def _save(database, keys, facility: Facility, *, new: bool = True) -> None:
    with database.session() as session:
        services.save_facility(session, keys, facility, new=new, actor=ACTOR)


def test_an_added_facility_is_listed_with_the_bundled_ones(database, casedb):
    _save(database, casedb, _new())
    with database.session() as session:
        registry = services.registry(session)
        found = services.filtered(session, text="пример")
    assert registry["example_camp"].origin == "added"
    assert "jiafang_industrial_park" in registry
    assert [f.id for f in found] == ["example_camp"]


def test_an_edit_of_a_bundled_entry_replaces_it(database, casedb):
    with database.session() as session:
        bundled = services.find_facility(session, "jiafang_industrial_park")
    edited = replace(bundled, names={**bundled.names, "zh": "佳纺工业园"})
    _save(database, casedb, edited, new=False)
    with database.session() as session:
        now = services.find_facility(session, "jiafang_industrial_park")
    assert (now.origin, now.names["zh"]) == ("edited", "佳纺工业园")
    assert now.sources == bundled.sources


def test_a_merged_id_resolves_to_the_kept_entry(database, casedb):
    # Given an added entry that is the same place as a bundled one
    _save(database, casedb, _new("jiafang_park_duplicate"))
    # When it is merged into the bundled one
    with database.session() as session:
        services.merge_facilities(
            session, casedb, "jiafang_park_duplicate", "jiafang_industrial_park", actor=ACTOR
        )
    # Then the merged id resolves to the kept one and is listed as its alias
    with database.session() as session:
        assert services.resolve(session, "jiafang_park_duplicate") == "jiafang_industrial_park"
        kept = services.find_facility(session, "jiafang_park_duplicate")
        registry = services.registry(session)
        exported = services.export_registry(session)
    assert kept.id == "jiafang_industrial_park"
    assert "jiafang_park_duplicate" not in registry
    assert registry["jiafang_industrial_park"].aliases == ("jiafang_park_duplicate",)
    # And the exported registry keeps the old id, pointing at the kept one
    entry = next(e for e in exported["facilities"] if e["id"] == "jiafang_park_duplicate")
    assert entry["merged_into"] == "jiafang_industrial_park"


def test_merging_twice_follows_the_chain(database, casedb):
    _save(database, casedb, _new("first_copy"))
    _save(database, casedb, _new("second_copy"))
    with database.session() as session:
        services.merge_facilities(session, casedb, "first_copy", "second_copy", actor=ACTOR)
    with database.session() as session:
        services.merge_facilities(
            session, casedb, "second_copy", "jiafang_industrial_park", actor=ACTOR
        )
    with database.session() as session:
        assert services.resolve(session, "first_copy") == "jiafang_industrial_park"
        assert services.merge_map(session) == {
            "first_copy": "jiafang_industrial_park",
            "second_copy": "jiafang_industrial_park",
        }


@pytest.mark.parametrize(
    ("merged", "kept"),
    [("example_camp", "example_camp"), ("example_camp", "no_such_facility")],
)
def test_impossible_merges_are_refused(database, casedb, merged, kept):
    _save(database, casedb, _new())
    with pytest.raises(services.FacilityMergeError), database.session() as session:
        services.merge_facilities(session, casedb, merged, kept, actor=ACTOR)


def test_a_merged_entry_cannot_be_kept(database, casedb):
    _save(database, casedb, _new("a_copy"))
    with database.session() as session:
        services.merge_facilities(session, casedb, "a_copy", "jiafang_industrial_park", actor=ACTOR)
    with pytest.raises(services.FacilityMergeError), database.session() as session:
        services.merge_facilities(session, casedb, "jiafang_industrial_park", "a_copy", actor=ACTOR)


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "Bad Id"},
        {"kind": "castle"},
        {"names": {}},
        {"names": {"fr": "Camp"}},
        {"county_id": "no.such_county"},
        {"prefecture_id": "hotan"},
        {"latitude": 43.9},
        {"latitude": 95.0, "longitude": 81.3},
        {"sources": []},
        {"sources": [Source(citation="A report")]},
    ],
)
def test_an_incomplete_or_unknown_entry_is_refused(database, casedb, changes):
    with pytest.raises(services.FacilityInvalidError):
        _save(database, casedb, _new(**changes))


def test_an_id_already_taken_is_refused(database, casedb):
    with pytest.raises(services.FacilityExistsError):
        _save(database, casedb, _new("jiafang_industrial_park"))
