"""`intake facilities list` and `export`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from intake.cli import main
from intake.facilities import services
from intake.facilities.services import Facility, Source
from intake.records.validation import load_definitions, validate_record
from tests.intake.records.helpers import WORKED_EXAMPLE, load


def test_export_writes_a_registry_records_still_validate_against(cli_obj, casedb, tmp_path):
    # When the registry is exported
    output = tmp_path / "facilities.json"
    result = CliRunner().invoke(main, ["facilities", "export", str(output)], obj=cli_obj)
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text(encoding="utf-8"))
    # Then it has every bundled entry with its sources by id
    ids = {entry["id"] for entry in data["facilities"]}
    assert "jiafang_industrial_park" in ids
    source_ids = {source["id"] for source in data["sources"]}
    assert all(set(e["source_ids"]) <= source_ids for e in data["facilities"])
    # And with the exported file as the registry, the worked example still validates
    schemas = tmp_path / "schemas"
    shutil.copytree(Path(__file__).resolve().parents[3] / "schemas", schemas)
    shutil.copy(output, schemas / "reference" / "facilities.json")
    definitions = load_definitions(schemas)
    assert validate_record(load(WORKED_EXAMPLE), definitions=definitions) == []


def test_an_added_facility_is_exported_and_a_record_may_then_name_it(
    cli_obj, casedb, database, tmp_path
):
    # Given a facility added at the case database
    with database.session() as session:
        services.save_facility(
            session, casedb,
            Facility(id="added_camp", kind="camp", names={"en": "Added camp"},
                     sources=[Source(citation="A report", retrieved="2026-11-27")]),
            new=True, actor=None,
        )  # fmt: skip
    # When exported and used as the registry
    output = tmp_path / "facilities.json"
    CliRunner().invoke(main, ["facilities", "export", str(output)], obj=cli_obj)
    schemas = tmp_path / "schemas"
    shutil.copytree(Path(__file__).resolve().parents[3] / "schemas", schemas)
    shutil.copy(output, schemas / "reference" / "facilities.json")
    # Then a record naming it validates
    document = load(WORKED_EXAMPLE)
    document["labour"][0]["facility"] = {"registry_id": "added_camp"}
    assert validate_record(document, definitions=load_definitions(schemas)) == []
    assert validate_record(document) != []  # not in the bundled registry yet


def test_export_never_overwrites(cli_obj, casedb, tmp_path):
    output = tmp_path / "facilities.json"
    output.write_text("keep me")
    result = CliRunner().invoke(main, ["facilities", "export", str(output)], obj=cli_obj)
    assert result.exit_code != 0 and output.read_text() == "keep me"


def test_list_prints_every_live_entry(cli_obj, casedb):
    result = CliRunner().invoke(main, ["facilities", "list"], obj=cli_obj)
    assert result.exit_code == 0
    assert "jiafang_industrial_park\tindustrial_park\tJiafang Industrial Park" in result.output


def test_export_to_a_folder_that_does_not_exist_says_so_in_a_line(cli_obj, casedb, tmp_path):
    output = tmp_path / "no" / "such" / "facilities.json"
    result = CliRunner().invoke(main, ["facilities", "export", str(output)], obj=cli_obj)
    assert result.exit_code != 0
    assert f"{output} cannot be written" in result.output and "Traceback" not in result.output
