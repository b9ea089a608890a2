"""`intake search NAME` and `intake search reindex` as a coordinator runs them."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from intake.audit.services import list_events
from intake.cases.blind import index_values, load_plans, record_keys
from intake.cases.models import BlindIndexPlan, BlindIndexRow
from intake.cli import main
from tests.intake.cases.name_helpers import document, store


def run(cli_obj, passphrase_file, *args, stdin=None):  # type: ignore[no-untyped-def]
    arguments = ["search", "--passphrase-file", passphrase_file, *args]
    return CliRunner().invoke(main, arguments, obj=cli_obj, input=stdin)


def test_search_prints_the_same_ranked_results_as_json(cli_obj, database, casedb, passphrase_file):
    # Given two records of one person in two scripts and one of someone else
    ids = store(
        database,
        casedb,
        document("Гүлзира Әуелхан", born="1980"),
        document("Gulzira Auyelkhan"),
        document("Марат Тоқтаров"),
    )
    # When a coordinator searches in a third spelling
    result = run(cli_obj, passphrase_file, "--json", "Gulzira", "Auelkhan")
    # Then both records of the person are listed, and the other is not
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert {hit["record_id"] for hit in hits} == {str(ids[0]), str(ids[1])}
    assert all(hit["tokens"] and hit["score"] >= 0.6 for hit in hits)
    assert {hit["birth_year"] for hit in hits} == {"1980", None}


def test_search_reads_the_name_from_stdin_and_never_audits_it(
    cli_obj, database, casedb, passphrase_file
):
    (record_id,) = store(database, casedb, document("Гүлзира Әуелхан"))
    result = run(cli_obj, passphrase_file, stdin="Gulzira Auelkhan\n")
    assert result.exit_code == 0, result.output
    assert "1 found." in result.output and "Гүлзира Әуелхан" in result.output
    with database.session() as session:
        events = [e for e in list_events(session, casedb, limit=10) if e.action == "search"]
    # The count and the id of the record found, never the term
    assert [e.details for e in events] == [
        {"by": "name", "results": 1, "records": [str(record_id)]}
    ]
    assert "Gulzira" not in json.dumps([e.details for e in events])


def test_reindex_rebuilds_the_rows_with_a_new_plan(cli_obj, database, casedb, passphrase_file):
    documents = [document("Gulzira Auelkhan"), document("Марат Тоқтаров")]
    ids = store(database, casedb, *documents)
    result = run(cli_obj, passphrase_file, "reindex", "--records", "1000")
    assert result.exit_code == 0, result.output
    assert "2 records" in result.output
    with database.session() as session:
        plan = session.get(BlindIndexPlan, "name")
        rows = session.scalars(select(BlindIndexRow)).all()
        plans = load_plans(session, casedb)
    assert plan is not None and plan.planned_rows == 6_000 and plan.bits == 11
    # A row for each of a record's keys under the new plan; at 11 bits two keys of one
    # record may share a value (and so a row): the count is made under that plan.
    expected = sum(len(index_values(plans, record_keys(item))) for item in documents)
    assert len(rows) == expected and {row.bits for row in rows if row.kind == "name"} == {11}
    assert {row.record_id for row in rows} == set(ids)
    found = run(cli_obj, passphrase_file, "--json", "Гүлзира Әуелхан")
    assert [hit["record_id"] for hit in json.loads(found.output)] == [str(ids[0])]


def test_reindex_leaves_out_and_reports_a_record_that_does_not_open(
    cli_obj, database, casedb, passphrase_file
):
    from sqlalchemy import update

    from intake.records.models import Testimony

    tampered, intact = store(database, casedb, document("Gulzira Auelkhan"), document("Марат"))
    with database.session() as session:
        session.execute(
            update(Testimony).where(Testimony.id == tampered).values(schema_version="2.0.1")
        )
    result = run(cli_obj, passphrase_file, "reindex")
    assert result.exit_code == 0, result.output
    assert "1 records." in result.output and "1 stored records did not open" in result.output
    with database.session() as session:
        indexed = {row.record_id for row in session.scalars(select(BlindIndexRow))}
    assert indexed == {intact}
