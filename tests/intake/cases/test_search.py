"""Search by any spelling: a name in one script finds the records written in another."""

from __future__ import annotations

import uuid

import pytest

from intake.cases.search import search
from intake.cases.versions import change_section
from intake.records.services import load_testimony
from tests.intake.cases.name_helpers import document, store

GULZIRA = ("Гүлзира Әуелхан", "Gulzira Auelkhan")


@pytest.fixture
def stored(database, casedb):  # type: ignore[no-untyped-def]
    """Four testimonies: Gulzira (two records, different scripts), her namesakes, others."""
    ids = store(
        database,
        casedb,
        document(GULZIRA[0], born="1980", county="ili.yining_county"),
        document("Gulzira Auyelkhan", born="1980"),
        document("Гүлзира Серікқызы Нұрланова", born="1975"),
        document("Ерлан Серікұлы Әуелханов", born="1990"),
        document("Айгүл Бекова", informant="Gulzira Auelkhan"),
    )
    return ids


@pytest.mark.parametrize(
    "query",
    [
        "Gulzira Auelkhan",
        "Gulzira Auyelkhan",
        "Гүлзира Әуелхан",
        "Gülzira Awélxan",
        "گۈلزىرا ئاۋېلخان",
        "古丽孜拉·阿吾勒汗",
        "古丽孜拉阿吾勒汗",
    ],
)
def test_any_script_finds_both_records_of_the_person_first(database, casedb, stored, query):
    # Given Gulzira's two testimonies (Cyrillic, Latin) among others
    with database.session() as session:
        # When a coordinator searches her name in another script
        hits = search(session, casedb, query)
    # Then her two records come first, as the victim, and nobody else is a victim hit
    victims = [hit for hit in hits if hit.found_as == "victim"]
    assert {hit.record_id for hit in victims} == set(stored[:2])
    assert all(hit.score >= 0.6 and hit.tokens for hit in victims)


def test_the_hit_says_which_variant_matched_and_gives_facts(database, casedb, stored):
    with database.session() as session:
        hits = search(session, casedb, "Gulzira Auelkhan")
    first = next(hit for hit in hits if hit.record_id == stored[0])
    assert first.variant in GULZIRA
    assert first.names == GULZIRA[:1]
    assert first.birth_year == "1980"
    assert first.home == "Yining (Ghulja) County"


def test_a_testifier_is_found_as_a_testifier(database, casedb, stored):
    with database.session() as session:
        hits = search(session, casedb, "Gulzira Auelkhan")
    informants = [hit for hit in hits if hit.found_as == "informant"]
    assert [hit.record_id for hit in informants] == [stored[4]]


def test_a_shared_patronymic_or_fathers_name_alone_finds_nothing(database, casedb, stored):
    # Given Нұрланова and Әуелханов share a patronymic (Серік-) with each other
    with database.session() as session:
        # When searching someone else with the same patronymic
        by_patronymic = search(session, casedb, "Бауыржан Серікұлы Ахметов")
        # And a child of Әуелхан (the father's name as a family name)
        by_father = search(session, casedb, "Әуелхан Жанар")
    # Then neither finds a record
    assert by_patronymic == []
    assert stored[3] not in {hit.record_id for hit in by_father}


def test_a_record_with_an_earlier_version_is_still_found(database, casedb, stored):
    # Given Gulzira's first record, coded since it was stored (its manifest now lists
    # the earlier version of its coding section)
    with database.session() as session:
        coding = dict(load_testimony(session, casedb, stored[0]).get("coding") or {})
        coding["verification_level"] = "corroborated"
        change_section(
            session, casedb, stored[0], "coding", coding, loaded_revision=0,
            reason="second source", actor=uuid.uuid4(), actor_name="coordinator",
        )  # fmt: skip
        session.commit()
    # When her name is searched
    with database.session() as session:
        hits = search(session, casedb, "Gulzira Auelkhan")
    # Then that record is among the victim hits as before
    assert stored[0] in {hit.record_id for hit in hits if hit.found_as == "victim"}
