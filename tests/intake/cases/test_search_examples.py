"""Search over the public worked examples (tests/fixtures/records/valid)."""

from __future__ import annotations

import json

import pytest

from intake.cases.search import search
from tests.intake.cases.name_helpers import FIXTURES, store


@pytest.fixture
def examples(database, casedb):  # type: ignore[no-untyped-def]
    documents = [json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))]
    store(database, casedb, *documents)
    return {d["record_id"]: d for d in documents}


@pytest.mark.parametrize(
    ("query", "fixture"),
    [
        ("Ержан Құрман", "camp_factory_witness"),
        ("Erjan Kurman", "camp_factory_witness"),
        ("Ahmet Tursun", "labour_transfer"),
        ("Әхмет Тұрсын", "labour_transfer"),
        ("艾合买提吐尔逊", "labour_transfer"),
        ("Aihemaiti Tuerxun", "labour_transfer"),
        ("Synak Ayel", "worked_example"),
    ],
)
def test_a_public_example_is_found_first_from_another_spelling(
    database, casedb, examples, query, fixture
):
    wanted = json.loads((FIXTURES / f"{fixture}.json").read_text())["record_id"]
    with database.session() as session:
        hits = search(session, casedb, query)
    assert hits and str(hits[0].record_id) == wanted
    assert hits[0].found_as == "victim"


def test_a_testifier_of_a_public_example_is_found_as_a_testifier(database, casedb, examples):
    wanted = json.loads((FIXTURES / "labour_transfer.json").read_text())["record_id"]
    with database.session() as session:
        hits = search(session, casedb, "Aygül Tursun")
    assert [(str(h.record_id), h.found_as) for h in hits] == [(wanted, "informant")]
