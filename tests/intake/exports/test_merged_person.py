"""One person told of in two testimonies that disagree or leave a value out: the victim
entry, the ESF person and the research row take each single value from the same one,
the newest testimony that states it."""

from __future__ import annotations

import pytest

from intake.exports import esf, research, victims
from intake.exports.consent import Allowance
from intake.exports.entries import first_stated, newest_first

ALLOWED = Allowance(names=True, identity_level="full", location_level="region")


def _told(day: str, **victim: str) -> dict:
    return {
        "interview": {"date": {"precision": "day", "value": day}},
        "victim": {"names": [{"text": "Gulnar Tursun", "script": "Latn"}], **victim},
    }


def _exported(documents: list[dict]) -> dict[str, object]:
    """What each export says of the person's gender and ethnicity, as codes."""
    contributions = [
        victims.Contribution(document, ALLOWED, f"t{number}")
        for number, document in enumerate(documents)
    ]
    entry = victims.build_entry("p1", contributions)
    (person,) = esf.build_esf([("p1", contributions)])["persons"]
    rows = research.build_rows(
        [research.PersonRecords("p1", [(ALLOWED, d, f"t{n}") for n, d in enumerate(documents)])],
        research.Generalisation(merge_ethnicity_below=0),  # one person: keep the group
    )
    (row,) = rows.persons
    sex = {v: k for k, v in esf._SEX.items()}
    return {
        "victims": (entry.get("gender"), entry.get("ethnicity")),
        "esf": (
            sex.get(person.get("sex", {}).get("code")),
            person.get("ethnic_background", {}).get("project_code"),
        ),
        "research": (row["gender"], row["ethnicity_group"]),
    }


@pytest.mark.parametrize("order", [1, -1], ids=["older first", "newer first"])
def test_a_value_the_newer_testimony_leaves_out_comes_from_the_older(order):
    older = _told("2019-05-01", gender="female", ethnicity="kazakh")
    newer = _told("2023-02-10", ethnicity="unknown")
    said = _exported([older, newer][::order])
    assert said["victims"] == ("Female", "Kazakh")
    assert said["esf"] == ("female", "kazakh")
    assert said["research"] == ("female", "kazakh")


@pytest.mark.parametrize("order", [1, -1], ids=["older first", "newer first"])
def test_where_testimonies_disagree_every_export_takes_the_newer(order):
    older = _told("2019-05-01", gender="female", ethnicity="uyghur")
    newer = _told("2023-02-10", gender="male", ethnicity="kazakh")
    said = _exported([older, newer][::order])
    assert said["victims"] == ("Male", "Kazakh")
    assert said["esf"] == ("male", "kazakh")
    assert said["research"] == ("male", "kazakh")


def test_unknown_is_said_only_when_no_testimony_knows():
    said = _exported([_told("2019-05-01", gender="unknown"), _told("2023-02-10")])
    assert said["victims"][0] == "Unknown"
    assert said["esf"][0] == "unknown"
    assert said["research"][0] == "unknown"


def test_a_status_comes_with_its_own_day_and_basis_from_one_testimony():
    older = _told(
        "2019-05-01",
        status={
            "code": "imprisoned",
            "as_of": {"precision": "day", "value": "2019-04-01"},
            "known": {"basis": "through_relative"},
        },
    )
    newer = _told(
        "2023-02-10",
        status={
            "code": "unknown",
            "as_of": {"precision": "day", "value": "2023-01-01"},
            "known": {"basis": "inferred"},
        },
    )
    for documents in ([older, newer], [newer, older]):
        contributions = [victims.Contribution(d, ALLOWED, f"t{n}") for n, d in enumerate(documents)]
        entry = victims.build_entry("p1", contributions)
        assert (entry["status"], entry["status_as_of"]) == ("Imprisoned (sentenced)", "2019-04-01")
        rows = research.build_rows(
            [
                research.PersonRecords(
                    "p1", [(ALLOWED, d, f"t{n}") for n, d in enumerate(documents)]
                )
            ],
            research.Generalisation(),
        )
        (row,) = rows.persons
        assert (row["victim_status"], row["status_known_by"]) == ("imprisoned", "through_relative")


def test_first_detained_is_the_earliest_any_testimony_tells_in_both_exports():
    def held(day: str, start: str) -> dict:
        document = _told(day)
        document["episodes"] = [
            {"kind": "reeducation_camp", "start": {"precision": "month", "value": start}}
        ]
        return document

    older, newer = held("2019-05-01", "2017-04"), held("2023-02-10", "2019-06")
    for documents in ([older, newer], [newer, older]):
        contributions = [victims.Contribution(d, ALLOWED, f"t{n}") for n, d in enumerate(documents)]
        assert victims.build_entry("p1", contributions)["first_detained"].startswith("2017-04")
        rows = research.build_rows(
            [
                research.PersonRecords(
                    "p1", [(ALLOWED, d, f"t{n}") for n, d in enumerate(documents)]
                )
            ],
            research.Generalisation(),
        )
        assert rows.persons[0]["first_detained"] == "2017"


def test_no_status_means_no_day_or_basis_either():
    undated = _told("2023-02-10", status={"as_of": {"precision": "day", "value": "2023-01-01"}})
    entry = victims.build_entry("p1", [victims.Contribution(undated, ALLOWED, "t0")])
    assert "status" not in entry and "status_as_of" not in entry


def test_first_stated_and_newest_first():
    assert first_stated([None, "", "unknown", "male", "female"]) == "male"
    assert first_stated([None, "unknown"]) == "unknown"
    assert first_stated([None, ""]) is None
    undated = {"victim": {}}
    days = [_told("2020-01-01"), undated, _told("2024-03-01"), _told("2020-01-01")]
    ordered = newest_first(days, lambda d: d)
    assert ordered[0] is days[2] and ordered[-1] is undated
    assert ordered[1] is days[0] and ordered[2] is days[3]  # same day: order kept
