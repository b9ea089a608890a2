"""`intake stats`: help, the CSV file, progress, the audit entry."""

from __future__ import annotations

import csv
import hashlib
import uuid

from click.testing import CliRunner

from intake.audit import services as audit
from intake.cli import main

from ..conftest import unlock
from .stats_helpers import corpus, store


def _run(cli_obj, *args):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), obj=cli_obj)


def test_help_says_what_is_counted_and_suppressed(cli_obj) -> None:
    result = _run(cli_obj, "stats", "--help")
    assert result.exit_code == 0
    assert "fewer than 5" in result.output and "--csv" in result.output


def test_csv_file_holds_the_suppressed_counts_and_is_audited(
    cli_obj, database, settings, casedb, passphrase_file, tmp_path
) -> None:
    # Given seven stored testimonies
    store(database, casedb, corpus())
    target = tmp_path / "stats.csv"
    # When `intake stats --csv` runs
    result = _run(cli_obj, "stats", "--csv", str(target), "--passphrase-file", passphrase_file)
    # Then it wrote the file with Ili at 7 and the glove factory named 3 times suppressed
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    by_code = {(row["table"], row["code"]): row["count"] for row in rows}
    assert by_code[("prefecture", "ili")] == "7"
    assert by_code[("facility", "jiafang_industrial_park")] == "fewer than 5"
    # And each code has its English label beside it, as the page's CSV has
    labels = {(row["table"], row["code"]): row["label"] for row in rows}
    assert labels[("facility", "jiafang_industrial_park")] == "Jiafang Industrial Park"
    assert labels[("prefecture", "ili")].startswith("Ili Kazakh Autonomous Prefecture")
    assert "Counting testimonies" in result.output  # the progress bar
    # and the export is in the audit trail with the file's hash
    keys = unlock(database, settings)
    with database.session() as session:
        events = [e for e in audit.list_events(session, keys, limit=20) if e.action == "export"]
    assert [event.details for event in events] == [
        {"kind": "stats", "output": "csv", "sha256": hashlib.sha256(data).hexdigest()}
    ]


def test_a_station_has_no_statistics(cli_obj, database, settings, passphrase_file) -> None:
    from ..conftest import init

    init(database, settings, "station")
    result = _run(cli_obj, "stats", "--passphrase-file", passphrase_file)
    assert result.exit_code == 1 and "casedb" in result.output


def test_an_erased_record_is_left_out(cli_obj, database, casedb, passphrase_file, tmp_path) -> None:
    from sqlalchemy import update

    from intake.records.models import Testimony

    # Given the corpus, one of whose seven Ili testimonies was erased
    documents = corpus()
    store(database, casedb, documents)
    with database.session() as session:
        session.execute(
            update(Testimony)
            .where(Testimony.id == uuid.UUID(documents[0]["record_id"]))
            .values(wrapped_key=None, state="erased")
        )
    target = tmp_path / "stats.csv"
    # When counted / Then Ili counts six and nothing fails on the erased record
    result = _run(cli_obj, "stats", "--csv", str(target), "--passphrase-file", passphrase_file)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.read_text("utf-8-sig").splitlines()))
    ili = [row["count"] for row in rows if (row["table"], row["code"]) == ("prefecture", "ili")]
    assert ili == ["6"]


def test_records_whose_consent_does_not_allow_research_are_not_counted(
    cli_obj, database, casedb, passphrase_file, tmp_path
) -> None:
    # Given the corpus (seven Ili testimonies), one without consent to research use
    # and one whose research use was withdrawn
    documents = corpus()
    documents[0]["consent"]["research_use"] = False
    documents[1]["consent"]["withdrawal"] = {
        "withdrawn_at": "2026-03-01T10:00:00Z",
        "scope": "research_use",
    }
    store(database, casedb, documents)
    target = tmp_path / "stats.csv"
    # When counted / Then Ili counts the five others
    result = _run(cli_obj, "stats", "--csv", str(target), "--passphrase-file", passphrase_file)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.read_text("utf-8-sig").splitlines()))
    ili = [row["count"] for row in rows if (row["table"], row["code"]) == ("prefecture", "ili")]
    assert ili == ["5"]
    # And the help says what is counted
    assert "research use" in _run(cli_obj, "stats", "--help").output


def test_a_tampered_record_stops_the_count_and_nothing_is_written(
    cli_obj, database, casedb, passphrase_file, tmp_path
) -> None:
    from intake.records.models import TestimonySection

    # Given the corpus, one record's episodes swapped for another record's
    documents = corpus()
    store(database, casedb, documents)
    a, b = (uuid.UUID(document["record_id"]) for document in documents[:2])
    with database.session() as session:
        stolen = session.get(TestimonySection, (a, "episodes")).ciphertext
        session.get(TestimonySection, (b, "episodes")).ciphertext = stolen
    target = tmp_path / "stats.csv"
    # When counted / Then the command fails on that record and writes no partial file
    result = _run(cli_obj, "stats", "--csv", str(target), "--passphrase-file", passphrase_file)
    assert result.exit_code == 1
    assert not target.exists()


def test_a_csv_file_that_cannot_be_written_is_said_and_not_audited(
    cli_obj, database, settings, casedb, passphrase_file, tmp_path
) -> None:
    # Given a CSV file asked for in a folder that does not exist, and one that exists
    store(database, casedb, corpus())
    existing = tmp_path / "kept.csv"
    existing.write_text("someone's file\n")
    for target in (tmp_path / "no" / "such" / "folder.csv", existing):
        # When `intake stats --csv` runs
        result = _run(cli_obj, "stats", "--csv", str(target), "--passphrase-file", passphrase_file)
        # Then it says why in one line, without a traceback, and overwrites nothing
        assert result.exit_code != 0
        assert str(target) in result.output and "Traceback" not in result.output
    assert existing.read_text() == "someone's file\n"
    # And a name taken already is refused before anything is counted
    result = _run(cli_obj, "stats", "--csv", str(existing), "--passphrase-file", passphrase_file)
    assert "exists already" in result.output and "Counting" not in result.output
    # And no export is in the audit trail, as nothing was written
    keys = unlock(database, settings)
    with database.session() as session:
        events = audit.list_events(session, keys, limit=50)
    assert not [event for event in events if event.action == "export"]
