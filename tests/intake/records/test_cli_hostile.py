"""Hostile text in record files given to the command line.

The web forms refuse lone surrogates, direction overrides and NUL characters; the
command line must refuse them through the same record validator, naming the field.
"""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from intake.cli import main
from intake.records.models import Testimony

from ..conftest import init
from .helpers import WORKED_EXAMPLE, load

#: How each hostile character is written into the JSON file (as an escape, so the
#: file itself is valid UTF-8), and the field it goes into.
HOSTILE = {
    "lone-surrogate": "\\ud800",
    "right-to-left-override": "\\u202e",
    "nul": "\\u0000",
}
FIELD = "$.victim.names[0].text"
KINDS = sorted(HOSTILE)


def run(cli_obj, *args):
    result = CliRunner().invoke(main, list(args), obj=cli_obj)
    assert "Traceback" not in result.output
    return result


def _hostile_file(tmp_path, kind):
    document = load(WORKED_EXAMPLE, fresh_id=True)
    document["victim"]["names"][0]["text"] = "Сынақ MARKER Әйел"
    text = json.dumps(document, ensure_ascii=False).replace("MARKER", HOSTILE[kind])
    path = tmp_path / f"{kind}.json"
    path.write_text(text, encoding="utf-8")
    return str(path), document["record_id"]


@pytest.mark.parametrize("kind", KINDS)
def test_records_add_never_stores_hostile_text_and_goes_on(
    cli_obj, database, settings, passphrase_file, tmp_path, kind
):
    # Given a case database, a file with hostile text and a good file after it
    init(database, settings, "casedb")
    hostile, hostile_id = _hostile_file(tmp_path, kind)
    good = load(WORKED_EXAMPLE, fresh_id=True)
    good_path = tmp_path / "good.json"
    good_path.write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    # When both are added
    result = run(
        cli_obj, "records", "add", hostile, str(good_path), "--passphrase-file", passphrase_file
    )
    # Then the hostile one is rejected, the good one stored, and the run reported
    assert f"{hostile}: rejected" in result.output
    assert "1 stored, 1 rejected." in result.output and result.exit_code == 1
    with database.session() as session:
        stored = {str(row) for row in session.scalars(select(Testimony.id))}
    assert stored == {good["record_id"]} and hostile_id not in stored


@pytest.mark.parametrize("kind", KINDS)
def test_records_add_names_the_field_with_hostile_text(
    cli_obj, database, settings, passphrase_file, tmp_path, kind
):
    init(database, settings, "casedb")
    hostile, _record_id = _hostile_file(tmp_path, kind)
    result = run(cli_obj, "records", "add", hostile, "--passphrase-file", passphrase_file)
    assert result.exit_code == 1 and f"{hostile}: {FIELD}" in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_validate_refuses_hostile_text_like_the_web(cli_obj, tmp_path, kind):
    hostile, _record_id = _hostile_file(tmp_path, kind)
    result = run(cli_obj, "validate", hostile)
    assert result.exit_code == 1 and f"{hostile}: {FIELD}" in result.output
