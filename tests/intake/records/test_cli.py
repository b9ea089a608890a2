"""`intake validate` and `intake records` as a person runs them."""

import json
import uuid

from click.testing import CliRunner

from crypto import open_sealed
from intake.cli import main
from intake.records.attachments import unpack_payload
from intake.records.models import SealedRecord

from ..conftest import init
from .helpers import WORKED_EXAMPLE, load


def run(cli_obj, *args):
    return CliRunner().invoke(main, list(args), obj=cli_obj)


def _write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_validate_reports_problems_with_paths_and_exit_status(cli_obj, tmp_path):
    good = _write(tmp_path, "good.json", load(WORKED_EXAMPLE))
    broken = load(WORKED_EXAMPLE)
    broken["episodes"][0]["kind"] = "holiday"
    bad = _write(tmp_path, "bad.json", broken)
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe not json")
    assert run(cli_obj, "validate", good).exit_code == 0
    result = run(cli_obj, "validate", good, bad, str(tmp_path / "junk.json"))
    assert result.exit_code == 1
    assert "good.json: valid" in result.output
    assert "bad.json: $.episodes[0].kind" in result.output
    assert "junk.json:" in result.output and "Traceback" not in result.output


def test_validate_needs_no_workspace(tmp_path):
    good = _write(tmp_path, "good.json", load(WORKED_EXAMPLE))
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "validate", good])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "ws").exists()


def test_case_database_add_list_show(cli_obj, database, settings, passphrase_file, tmp_path):
    # Given a case database and two files, one valid and one not
    init(database, settings, "casedb")
    document = load(WORKED_EXAMPLE, fresh_id=True)
    good = _write(tmp_path, "good.json", document)
    bad = _write(tmp_path, "bad.json", {**document, "record_id": "not-a-uuid"})
    # When both are added / Then the good one is stored, the bad one listed with reasons
    result = run(cli_obj, "records", "add", good, bad, "--passphrase-file", passphrase_file)
    assert result.exit_code == 1
    assert f"good.json: stored as {document['record_id']}" in result.output
    assert "bad.json: rejected" in result.output and "$.record_id" in result.output
    # And list shows the id, show prints the decrypted record
    assert document["record_id"] in run(cli_obj, "records", "list").output
    shown = run(
        cli_obj, "records", "show", document["record_id"], "--passphrase-file", passphrase_file
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == document


def test_show_refuses_bad_ids_and_wrong_passphrases(cli_obj, database, settings, tmp_path):
    init(database, settings, "casedb")
    assert "not a record id" in run(cli_obj, "records", "show", "../etc").output
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("wrong wrong wrong\n")
    result = run(
        cli_obj, "records", "show", str(WORKED_EXAMPLE.stem), "--passphrase-file", str(wrong)
    )
    assert result.exit_code == 1


def test_station_add_seals_and_lists_the_outbox(
    cli_obj, station, database, passphrase_file, tmp_path
):
    _keys, identity = station
    document = load(WORKED_EXAMPLE, fresh_id=True)
    result = run(
        cli_obj,
        "records",
        "add",
        _write(tmp_path, "r.json", document),
        "--passphrase-file",
        passphrase_file,
    )
    assert result.exit_code == 0, result.output
    assert document["record_id"] in run(cli_obj, "records", "list").output
    with database.session() as session:
        sealed = session.get(SealedRecord, uuid.UUID(document["record_id"]))
    assert unpack_payload(open_sealed(sealed.sealed, [identity]))[0] == document


def test_station_list_pages_its_outbox_newest_first_and_says_how_many(
    cli_obj, station, database, passphrase_file, tmp_path
):
    # Given three records sealed at a station, one after another
    ids = []
    for number in range(3):
        document = load(WORKED_EXAMPLE, fresh_id=True)
        result = run(
            cli_obj,
            "records",
            "add",
            _write(tmp_path, f"r{number}.json", document),
            "--passphrase-file",
            passphrase_file,
        )
        assert result.exit_code == 0, result.output
        ids.append(document["record_id"])
    with database.session() as session:
        for number, record_id in enumerate(ids):  # sealed on three days in order
            sealed = session.get(SealedRecord, uuid.UUID(record_id))
            sealed.sealed_on = sealed.sealed_on.replace(day=number + 1)
    # When the outbox is listed a page of two at a time
    first = run(cli_obj, "records", "list", "--limit", "2")
    second = run(cli_obj, "records", "list", "--limit", "2", "--offset", "2")
    # Then the newest come first, ids alone on standard output, and the last line
    # says how many wait and where the next page starts
    assert [line.split()[0] for line in first.stdout.splitlines()] == [ids[2], ids[1]]
    assert first.stderr.strip() == "records 1-2 of 3 waiting for delivery; next page: --offset 2"
    assert [line.split()[0] for line in second.stdout.splitlines()] == [ids[0]]
    assert second.stderr.strip() == "records 3-3 of 3 waiting for delivery"


def test_station_list_says_an_empty_outbox_and_refuses_case_database_filters(
    cli_obj, station, database
):
    empty = run(cli_obj, "records", "list")
    assert empty.exit_code == 0 and empty.stdout == ""
    assert empty.stderr.strip() == "no records waiting for delivery"
    refused = run(cli_obj, "records", "list", "--state", "erased")
    assert refused.exit_code == 2
    assert "for the case database" in refused.output
