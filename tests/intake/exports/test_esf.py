"""HURIDOCS ESF export: every code used is in the cited OpenEvSys micro-thesaurus."""

from __future__ import annotations

import json

from intake.exports.esf import codes_used
from intake.exports.services import ExportRequest, write_export
from intake.records.derived import load_reference
from tests.intake.exports.conftest import public_examples, store


def _esf(database, keys):  # type: ignore[no-untyped-def]
    with database.session() as session:
        exported = write_export(
            session,
            keys,
            ExportRequest(kind="esf", recipient="Partner"),
            actor=None,
            recipients=[],
            allow_plain=True,
        )
    return json.loads(exported.data)


def test_every_code_used_is_in_the_cited_thesaurus(database, casedb, corpus):
    # Given the corpus and the public examples, all consenting to partner sharing
    examples = public_examples()
    for example in examples:
        example["consent"]["share_with_partner_databases"] = True
    store(database, casedb, corpus + examples)
    document = _esf(database, casedb)
    lists = load_reference("huridocs_esf")["lists"]
    used = codes_used(document)
    # Then codes were used, and each is a term of the list it names
    assert {("4", "030102000000"), ("4", "300102010000"), ("39", "020000000000")} <= set(used)
    missing = [(lst, code) for lst, code in used if code not in lists[lst]["terms"]]
    assert missing == []
    assert document["thesaurus"][0]["url"].startswith("https://github.com/huridocs/OpenEvSys")


def test_record_types_link_to_each_other(database, stored_corpus, corpus):
    document = _esf(database, stored_corpus)
    persons = {person["person_record_number"] for person in document["persons"]}
    events = {event["event_record_number"] for event in document["events"]}
    acts = {act["act_record_number"] for act in document["acts"]}
    assert len(persons) == len(corpus) and len(events) == len(corpus)
    assert all(act["victim"] in persons and act["event"] in events for act in document["acts"])
    assert all(i["act"] in acts for i in document["involvements"])
    assert all(source["event"] in events for source in document["sources"])
    assert document["involvements"], "the camp guards of the worked example are involved"


def test_kazakh_ethnicity_is_others_with_the_project_code_never_an_invented_code(
    database, stored_corpus
):
    person = _esf(database, stored_corpus)["persons"][0]
    assert person["ethnic_background"] == {
        "list": "13",
        "code": "900000000000",
        "project_code": "kazakh",
    }
