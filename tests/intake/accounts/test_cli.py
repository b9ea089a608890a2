"""`intake accounts` as an administrator runs it."""

import re

import pytest
from click.testing import CliRunner

from intake.cli import main

from ..conftest import init, unlock
from .helpers import PASSWORD, add_account, is_signed_in, sign_in, try_sign_in


@pytest.fixture
def workspace(database, settings):
    """A station with an administrator "admin-1" and an interviewer "nurlan"."""
    init(database, settings, "station")
    keys = unlock(database, settings)
    add_account(database, settings, keys, "admin-1", "admin")
    add_account(database, settings, keys, "nurlan", "interviewer")
    return keys


def run(cli_obj, passphrase_file, *args, input=None):
    result = CliRunner().invoke(
        main, [*args, "--passphrase-file", passphrase_file], obj=cli_obj, input=input
    )
    assert "Traceback" not in result.output
    return result


def _listing(cli_obj, passphrase_file):
    result = run(cli_obj, passphrase_file, "accounts", "list")
    assert result.exit_code == 0, result.output
    return {line.split()[0]: line.split()[1:4] for line in result.output.splitlines()}


def test_every_command_explains_itself():
    for command in ("list", "add", "disable", "enable", "reset", "remove"):
        result = CliRunner().invoke(main, ["accounts", command, "--help"])
        assert result.exit_code == 0 and "--passphrase-file" in result.output


def test_list_add_disable_enable_remove(cli_obj, workspace, passphrase_file, tmp_path):
    # Given a password file for a new coordinator
    password_file = tmp_path / "password.txt"
    password_file.write_text("Жаңа құпия сөз 2026\n", encoding="utf-8")
    # When it is added / Then it is listed, active
    result = run(
        cli_obj,
        passphrase_file,
        "accounts",
        "add",
        "Айгерім",
        "--role",
        "coordinator",
        "--language",
        "kk",
        "--password-file",
        str(password_file),
    )
    assert result.exit_code == 0, result.output
    assert _listing(cli_obj, passphrase_file)["Айгерім"] == ["coordinator", "kk", "active"]
    # When disabled, enabled and removed / Then the list follows each step
    assert run(cli_obj, passphrase_file, "accounts", "disable", "айгерім").exit_code == 0
    assert _listing(cli_obj, passphrase_file)["Айгерім"][2] == "disabled"
    assert run(cli_obj, passphrase_file, "accounts", "enable", "Айгерім").exit_code == 0
    assert _listing(cli_obj, passphrase_file)["Айгерім"][2] == "active"
    result = run(cli_obj, passphrase_file, "accounts", "remove", "Айгерім", "--yes")
    assert result.exit_code == 0, result.output
    assert "Айгерім" not in _listing(cli_obj, passphrase_file)


def test_remove_asks_and_a_no_keeps_the_account(cli_obj, workspace, passphrase_file):
    result = run(cli_obj, passphrase_file, "accounts", "remove", "nurlan", input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "nurlan" in _listing(cli_obj, passphrase_file)


def test_reset_prints_a_working_password_once(cli_obj, workspace, passphrase_file, app):
    result = run(cli_obj, passphrase_file, "accounts", "reset", "nurlan")
    assert result.exit_code == 0, result.output
    password = re.search(r"this once\): (\S+)$", result.output.strip()).group(1)
    assert password not in run(cli_obj, passphrase_file, "accounts", "list").output
    _unlock_app(app, workspace)
    assert try_sign_in(app, "nurlan", PASSWORD) == 401
    assert is_signed_in(sign_in(app, "nurlan", password))


@pytest.mark.parametrize("args", [("disable",), ("reset",), ("remove", "--yes")])
def test_a_change_from_the_command_line_signs_out_the_web_session(
    cli_obj, workspace, passphrase_file, app, args
):
    # Given the interviewer signed in to the running web app
    _unlock_app(app, workspace)
    browser = sign_in(app, "nurlan")
    assert is_signed_in(browser)
    # When an administrator changes the account from the command line
    result = run(cli_obj, passphrase_file, "accounts", args[0], "nurlan", *args[1:])
    assert result.exit_code == 0, result.output
    # Then the web session ends on its next request
    assert not is_signed_in(browser)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("disable", "admin-1"), "last active administrator"),
        (("remove", "admin-1", "--yes"), "last active administrator"),
        (("disable", "nobody"), "no account with that username"),
        (("add", "nurlan", "--role", "admin"), "taken"),
        (("add", "x", "--role", "root"), "Invalid value"),
    ],
)
def test_refusals_are_one_clear_line(cli_obj, workspace, passphrase_file, tmp_path, args, message):
    password_file = tmp_path / "password.txt"
    password_file.write_text("long enough password\n")
    extra = ("--password-file", str(password_file)) if args[0] == "add" else ()
    result = run(cli_obj, passphrase_file, "accounts", *args, *extra)
    assert result.exit_code in (1, 2) and message in result.output
    assert _listing(cli_obj, passphrase_file)["admin-1"][2] == "active"


def test_a_short_password_is_refused(cli_obj, workspace, passphrase_file, tmp_path):
    password_file = tmp_path / "password.txt"
    password_file.write_text("short\n")
    result = run(
        cli_obj,
        passphrase_file,
        "accounts",
        "add",
        "zhanar",
        "--role",
        "interviewer",
        "--password-file",
        str(password_file),
    )
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert "zhanar" not in _listing(cli_obj, passphrase_file)


def _unlock_app(app, keys):
    app.extensions["intake"].vault.put(keys)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "Put the passphrase or password there."), (b"x" * 70_000, "holds no passphrase or")],
)
def test_a_wrong_password_file_is_called_what_it_is(
    cli_obj, workspace, passphrase_file, tmp_path, content, message
):
    password_file = tmp_path / "password.txt"
    password_file.write_bytes(content)
    result = run(
        cli_obj, passphrase_file, "accounts", "add", "Aigerim", "--role", "coordinator",
        "--password-file", str(password_file),
    )  # fmt: skip
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Aigerim" not in _listing(cli_obj, passphrase_file)
