"""`intake records add` and `intake validate` with batches, odd files and passphrase files."""

import json
import os
import signal
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from intake.cli import PassphraseFileError, main, read_passphrase
from intake.records.models import Testimony
from intake.workspace.models import SecurityEvent

from ..conftest import PASSPHRASE, init
from .helpers import WORKED_EXAMPLE, load


@pytest.fixture(autouse=True)
def _no_hang():
    """Fail, rather than hang for ever, if a command waits on a pipe."""

    def _fail(_signum, _frame):
        raise AssertionError("the command waited on its input instead of refusing it")

    previous = signal.signal(signal.SIGALRM, _fail)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run(cli_obj, *args):
    result = CliRunner().invoke(main, list(args), obj=cli_obj)
    assert "Traceback" not in result.output and not isinstance(
        result.exception, (AssertionError, TypeError, ValueError, UnicodeError)
    ), result.output
    return result


def _write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _stored_ids(database):
    with database.session() as session:
        return {str(row) for row in session.scalars(select(Testimony.id))}


def _hostile_batch(tmp_path):
    """Two good files around every kind of bad one; the names say what each is."""
    first = load(WORKED_EXAMPLE, fresh_id=True)
    last = load(WORKED_EXAMPLE, fresh_id=True)
    invalid = load(WORKED_EXAMPLE, fresh_id=True)
    invalid["episodes"][0]["kind"] = "holiday"
    surrogate = load(WORKED_EXAMPLE, fresh_id=True)
    surrogate_path = tmp_path / "surrogate.json"
    text = json.dumps(surrogate, ensure_ascii=True)
    surrogate_path.write_text(text.replace("re-education", "re-educ\\ud800ation", 1))
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "latin1.json").write_bytes(b'{"name": "\xe9"}')
    files = [
        _write(tmp_path, "first.json", first),
        str(tmp_path / "missing.json"),
        str(tmp_path / "fifo.json"),
        str(tmp_path / "folder.json"),
        str(tmp_path / "latin1.json"),
        _write(tmp_path, "invalid.json", invalid),
        str(surrogate_path),
        _write(tmp_path, "last.json", last),
    ]
    return files, (first["record_id"], last["record_id"])


def test_a_batch_reports_every_file_and_stores_every_good_one(
    cli_obj, database, settings, passphrase_file, tmp_path
):
    # Given a case database and a batch with a bad file of each kind between two good ones
    init(database, settings, "casedb")
    files, good_ids = _hostile_batch(tmp_path)
    # When the batch is added
    result = run(cli_obj, "records", "add", *files, "--passphrase-file", passphrase_file)
    # Then each file has its line, the summary counts them, and the good ones are stored
    lines = result.output.splitlines()
    assert result.exit_code == 1
    for path in files:
        assert any(line.startswith(f"{path}: ") for line in lines), path
    assert f"first.json: stored as {good_ids[0]}" in result.output
    assert f"last.json: stored as {good_ids[1]}" in result.output
    for name in ("missing", "fifo", "folder", "latin1", "invalid", "surrogate"):
        assert f"{name}.json: rejected" in result.output, name
    assert "invalid.json: $.episodes[0].kind" in result.output
    assert "fifo.json: rejected: It is not a regular file" in result.output
    assert lines[-1] == "2 stored, 6 rejected."
    assert _stored_ids(database) == set(good_ids)


def test_validate_reports_every_file_too(cli_obj, tmp_path):
    files, _ids = _hostile_batch(tmp_path)
    result = run(cli_obj, "validate", *files)
    assert result.exit_code == 1
    assert "first.json: valid" in result.output and "last.json: valid" in result.output
    assert "fifo.json: It is not a regular file" in result.output
    assert "folder.json: It is not a regular file" in result.output


def test_an_unexpected_failure_names_no_record_text(
    cli_obj, database, settings, passphrase_file, tmp_path, monkeypatch
):
    # Given a store that fails with an error quoting the record
    from intake.records import services

    def _broken(_session, _keys, document):
        raise RuntimeError(json.dumps(document, ensure_ascii=False))

    init(database, settings, "casedb")
    monkeypatch.setattr(services, "add_record", _broken)
    path = _write(tmp_path, "r.json", load(WORKED_EXAMPLE, fresh_id=True))
    # When the file is added / Then it is rejected without quoting anything of it
    result = run(cli_obj, "records", "add", path, path, "--passphrase-file", passphrase_file)
    assert result.exit_code == 1
    assert result.output.count("rejected: it could not be checked or stored (RuntimeError)") == 2
    assert "Сынақ" not in result.output and "0 stored, 2 rejected." in result.output


def _passphrase_files(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("пароль".encode("cp1251") + b"\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank-first-line.txt").write_bytes(b"\n" + PASSPHRASE.encode())
    (tmp_path / "folder").mkdir()
    (tmp_path / "huge.txt").write_bytes(b"x" * (64 * 1024 + 1))
    return {
        "latin1.txt": "is not UTF-8 text",
        "empty.txt": "is empty",
        "blank-first-line.txt": "is empty",
        "folder": "is a folder",
        "huge.txt": "is larger than",
        "missing.txt": "cannot be read",
    }


def test_bad_passphrase_files_are_refused_clearly(tmp_path):
    for name, message in _passphrase_files(tmp_path).items():
        with pytest.raises(PassphraseFileError, match=message):
            read_passphrase(tmp_path / name, "Workspace passphrase")


def test_a_passphrase_file_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + PASSPHRASE.encode() + b"\r\nsecond line")
    assert read_passphrase(path, "Workspace passphrase") == PASSPHRASE


@pytest.mark.parametrize("command", [("records", "add", "x.json"), ("records", "show", "")])
def test_a_bad_passphrase_file_is_one_line_and_no_failed_unlock(
    cli_obj, database, settings, tmp_path, command
):
    # Given a case database and passphrase files that cannot be right
    init(database, settings, "casedb")
    files = _passphrase_files(tmp_path)
    args = [a or str(uuid.uuid4()) for a in command]
    for name, message in files.items():
        if name in ("folder", "missing.txt"):
            continue  # refused by the option itself, before the command runs
        # When a command is given one / Then one clear line, exit 1
        result = run(cli_obj, *args, "--passphrase-file", str(tmp_path / name))
        assert result.exit_code == 1 and message in result.output, result.output
        assert result.output.startswith("error: ") and len(result.output.splitlines()) == 1
    # And none of them counted as a wrong passphrase
    with database.session() as session:
        kinds = [event.kind for event in session.scalars(select(SecurityEvent))]
    assert "unlock-failed" not in kinds
    for name in ("folder", "missing.txt"):
        result = run(cli_obj, *args, "--passphrase-file", str(tmp_path / name))
        assert result.exit_code == 2 and "--passphrase-file" in result.output
