"""`intake init` and `intake keys` as a person runs them."""

import pytest
from click.testing import CliRunner

from intake.cli import main


def init_cli(cli_obj, passphrase_file, role):
    """`intake init` for ``role`` with the test passphrase."""
    return run(
        cli_obj,
        "init",
        "--role",
        role,
        "--organisation",
        "Org",
        "--passphrase-file",
        passphrase_file,
    )


def run(cli_obj, *args, input=None):
    return CliRunner().invoke(main, list(args), obj=cli_obj, catch_exceptions=False, input=input)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["keys"],
        ["keys", "show"],
        ["keys", "create-identity"],
        ["keys", "add-recipient"],
        ["keys", "export-identity"],
        ["keys", "rotate"],
        ["keys", "change-passphrase"],
        ["validate"],
        ["records"],
        ["records", "add"],
        ["records", "show"],
        ["records", "list"],
        ["serve"],
    ],
)
def test_every_command_explains_itself(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_case_database_setup_prints_a_recipient(cli_obj, passphrase_file):
    # Given a new workspace / When set up as case database and given an identity
    result = run(
        cli_obj,
        "init",
        "--role",
        "casedb",
        "--organisation",
        "Almaty Rights Group",
        "--passphrase-file",
        passphrase_file,
    )
    assert result.exit_code == 0, result.output
    assert "create-identity" in result.output
    result = run(cli_obj, "keys", "create-identity", "--passphrase-file", passphrase_file)
    # Then its public recipient is printed and shown again by `keys show`
    recipient = result.output.strip().splitlines()[-1]
    assert recipient.startswith("age1")
    shown = run(cli_obj, "keys", "show", "--passphrase-file", passphrase_file).output
    assert recipient in shown


def test_station_setup_registers_a_recipient(cli_obj, passphrase_file):
    from crypto import Identity

    init_cli(cli_obj, passphrase_file, "station")
    recipient = Identity.generate().recipient
    result = run(cli_obj, "keys", "add-recipient", recipient, "--passphrase-file", passphrase_file)
    assert result.exit_code == 0, result.output
    shown = run(cli_obj, "keys", "show").output
    assert recipient in shown and "fingerprint" in shown
    assert "add --check to check" in shown
    # And with the passphrase, a recipient slipped into the database is marked
    from sqlalchemy import update

    from intake.workspace.models import Recipient

    genuine = run(cli_obj, "keys", "show", "--passphrase-file", passphrase_file).output
    assert f"recipient: {recipient}  (case database)  checked" in genuine
    intruder = Identity.generate().recipient
    with cli_obj.database.session() as session:
        session.execute(update(Recipient).values(recipient=intruder))
    checked = run(cli_obj, "keys", "show", "--passphrase-file", passphrase_file).output
    line = next(text for text in checked.splitlines() if intruder in text)
    assert "NOT GENUINE" in line and "checked" not in line


def test_errors_are_one_clear_line_without_traceback(cli_obj, passphrase_file, tmp_path):
    # Given a workspace / When the wrong passphrase is given
    init_cli(cli_obj, passphrase_file, "casedb")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("definitely not it\n")
    result = CliRunner().invoke(
        main, ["keys", "create-identity", "--passphrase-file", str(wrong)], obj=cli_obj
    )
    # Then the exit status is 1 and the message says what happened, no traceback
    assert result.exit_code == 1
    assert "does not unlock" in result.output and "Traceback" not in result.output


def test_commands_before_init_say_how_to_set_up(cli_obj):
    result = CliRunner().invoke(main, ["keys", "show"], obj=cli_obj)
    assert result.exit_code == 1
    assert "intake init" in result.output


def test_export_identity_writes_an_age_file(cli_obj, passphrase_file, tmp_path):
    init_cli(cli_obj, passphrase_file, "casedb")
    run(cli_obj, "keys", "create-identity", "--passphrase-file", passphrase_file)
    backup = tmp_path / "backup.txt"
    backup.write_text("custodian backup passphrase\n")
    out = tmp_path / "identity.age"
    result = run(
        cli_obj,
        "keys",
        "export-identity",
        str(out),
        "--passphrase-file",
        passphrase_file,
        "--backup-passphrase-file",
        str(backup),
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"age-encryption.org/v1")
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_wipe_asks_for_the_word_then_destroys_keys(cli_obj, passphrase_file, database):
    from sqlalchemy import text

    init_cli(cli_obj, passphrase_file, "casedb")
    refused = CliRunner().invoke(main, ["wipe"], obj=cli_obj, input="no\n")
    assert refused.exit_code == 1 and "Nothing was wiped" in refused.output
    done = CliRunner().invoke(main, ["wipe"], obj=cli_obj, input="WIPE\n")
    assert done.exit_code == 0, done.output
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM key_material")).scalar() == 0
    assert "intake init" in CliRunner().invoke(main, ["keys", "show"], obj=cli_obj).output


def test_init_offers_a_generated_passphrase(cli_obj):
    # Given no passphrase file / When init runs at a prompt
    result = run(
        cli_obj, "init", "--role", "casedb", "--organisation", "Org",
        input="aaaaaaaaaaaa\naaaaaaaaaaaa\n",
    )  # fmt: skip
    # Then six random words were offered, and the weak answer was refused plainly
    offered = result.output.split("six random words): ", 1)[1].splitlines()[0]
    assert len(offered.split()) == 6
    assert result.exit_code == 1 and "too easy to guess" in result.output


def test_a_mistyped_workspace_is_said_and_not_made(tmp_path):
    # Given a folder that does not exist, and an existing folder with no workspace in it
    missing = tmp_path / "typo"
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (missing, empty):
        # When a command other than init or serve is given it
        result = CliRunner().invoke(main, ["--workspace", str(folder), "records", "list"])
        # Then it says there is no workspace there, and makes none
        assert result.exit_code == 1, result.output
        assert f"No workspace is set up in {folder}" in result.output
        assert "intake init" in result.output and "Traceback" not in result.output
    assert not missing.exists() and not any(empty.iterdir())
    # And a command's help, or checking a file, needs no workspace and makes none
    shown = CliRunner().invoke(main, ["--workspace", str(missing), "records", "list", "--help"])
    assert shown.exit_code == 0 and "Usage:" in shown.output
    record = tmp_path / "record.json"
    record.write_text("{}")
    checked = CliRunner().invoke(main, ["--workspace", str(missing), "validate", str(record)])
    assert "No workspace" not in checked.output
    assert not missing.exists()


def test_a_refused_set_up_leaves_no_database_behind(tmp_path):
    # Given a new folder, a weak passphrase and an empty organisation name
    folder = tmp_path / "new-workspace"
    weak = tmp_path / "weak.txt"
    weak.write_text("aaaaaaaaaaaa\n")
    strong = tmp_path / "strong.txt"
    strong.write_text("correct horse battery staple orbit lantern\n")
    for passphrase, organisation, said in (
        (weak, "Org", "too easy to guess"),
        (strong, " ", "Give the organisation's name"),
    ):
        # When init is refused
        result = CliRunner().invoke(
            main,
            ["--workspace", str(folder), "init", "--role", "casedb",
             "--organisation", organisation, "--passphrase-file", str(passphrase)],
        )  # fmt: skip
        # Then it says why, and made nothing: the next init starts clean
        assert result.exit_code == 1 and said in result.output, result.output
        assert not folder.exists() or not any(folder.iterdir())
    result = CliRunner().invoke(
        main,
        ["--workspace", str(folder), "init", "--role", "casedb",
         "--organisation", "Org", "--passphrase-file", str(strong)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
