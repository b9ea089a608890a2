"""Same person in several testimonies: candidates, confirm, reject, undo, groups."""

from __future__ import annotations

import pytest

from intake.cases import persons
from tests.intake.cases.name_helpers import document, store


@pytest.fixture
def three(database, casedb):  # type: ignore[no-untyped-def]
    """Gulzira twice (two scripts, same birth year), and a stranger."""
    return store(
        database,
        casedb,
        document("Гүлзира Әуелхан", born="1980", county="ili.yining_county"),
        document("Gulzira Auyelkhan", born="1980"),
        document("Марат Тоқтаров", born="1970"),
    )


def test_the_queue_offers_the_two_records_of_one_person(database, casedb, three):
    with database.session() as session:
        queue = persons.review_queue(session, casedb, actor=None)
    assert [({c.a.record_id, c.b.record_id}) for c in queue] == [set(three[:2])]
    first = queue[0]
    assert first.match.is_match and first.score >= 0.9
    assert {first.a.birth_year, first.b.birth_year} == {"1980"}


def test_confirm_forms_a_person_and_undo_splits_it_again(database, casedb, three):
    a, b, c = three
    with database.session() as session:
        persons.decide(
            session,
            casedb,
            b,
            a,
            relation="same_person",
            state="linked",
            actor=None,
            reason="same birth year and village",
        )
    with database.session() as session:
        assert persons.person_of(session, a) == sorted([a, b])
        groups = persons.persons_of(session, casedb)
        assert sorted(map(len, groups)) == [1, 2] and [c] in groups
        assert persons.review_queue(session, casedb, actor=None) == []
        decisions = persons.decisions_between(session, casedb, [a])
        assert [d.reason for d in decisions] == ["same birth year and village"]
    with database.session() as session:
        persons.decide(session, casedb, a, b, relation="same_person", state="removed", actor=None)
    with database.session() as session:
        assert persons.person_of(session, a) == [a]
        assert sorted(persons.persons_of(session, casedb)) == sorted([[a], [b], [c]])
        # The undone pair is a candidate again, and both decisions are kept
        assert len(persons.review_queue(session, casedb, actor=None)) == 1
        assert [d.state for d in persons.decisions_between(session, casedb, [a])] == [
            "linked",
            "removed",
        ]


def test_a_rejected_pair_leaves_the_queue(database, casedb, three):
    a, b, _ = three
    with database.session() as session:
        persons.decide(session, casedb, a, b, relation="same_person", state="rejected", actor=None)
    with database.session() as session:
        assert persons.review_queue(session, casedb, actor=None) == []
        assert persons.person_of(session, a) == [a]


def test_links_are_transitive_and_every_record_is_in_one_group(database, casedb):
    ids = store(database, casedb, *(document(f"Test Person{i}") for i in range(5)))
    with database.session() as session:
        persons.decide(
            session, casedb, ids[0], ids[1], relation="same_person", state="linked", actor=None
        )
        persons.decide(
            session, casedb, ids[1], ids[2], relation="same_person", state="linked", actor=None
        )
        persons.decide(
            session, casedb, ids[3], ids[4], relation="family_member", state="linked", actor=None
        )
    with database.session() as session:
        groups = persons.persons_of(session, casedb)
        assert persons.person_of(session, ids[2]) == sorted(ids[:3])
    assert sorted(i for group in groups for i in group) == sorted(ids)
    assert sorted(map(len, groups)) == [1, 1, 3]


@pytest.mark.parametrize(
    ("relation", "state", "same"),
    [
        ("same_person", "linked", True),
        ("cousin", "linked", False),
        ("family_member", "rejected", False),
    ],
)
def test_bad_links_are_refused(database, casedb, three, relation, state, same):
    a, b, _ = three
    with database.session() as session, pytest.raises(persons.LinkError):
        persons.decide(
            session, casedb, a, a if same else b, relation=relation, state=state, actor=None
        )


def test_siblings_sharing_a_patronymic_and_family_name_are_not_offered(database, casedb):
    # Given a sister and a brother: same father (patronymic), same family name
    store(
        database,
        casedb,
        document("Айгүл Серікқызы Нұрланова", born="1985"),
        document("Aigul Serikqyzy Nurlanova", born="1985"),
        document("Ерлан Серікұлы Нұрланов", born="1988"),
        document("Серік Нұрланов", born="1955"),
    )
    with database.session() as session:
        queue = persons.review_queue(session, casedb, actor=None)
    # Then only Aigul's two records are offered, never a sibling or the father
    assert len(queue) == 1
    assert {queue[0].a.names, queue[0].b.names} == {
        ("Айгүл Серікқызы Нұрланова",),
        ("Aigul Serikqyzy Nurlanova",),
    }


def test_a_record_stored_later_pairs_with_earlier_ones_and_erasure_unpairs(database, casedb):
    from intake.cases.blind import remove_blind_rows

    # Given Gulzira stored, then a second testimony about her stored later
    (first,) = store(database, casedb, document("Гүлзира Әуелхан"))
    store(database, casedb, document("Марат Тоқтаров"))
    (later,) = store(database, casedb, document("古丽孜拉·阿吾勒汗"))
    with database.session() as session:
        pairs = persons.candidate_pairs(session)
    # Then the pair was found when the later one was stored
    assert [tuple(sorted((a, b))) for a, b, _ in pairs] == [tuple(sorted((first, later)))]
    # When the later one's index rows go (erasure), so does the pair
    with database.session() as session:
        remove_blind_rows(session, later)
    with database.session() as session:
        assert persons.candidate_pairs(session) == []
