"""`intake export victims|esf|research` as a coordinator runs it."""

from __future__ import annotations

import io
import json
import zipfile

from click.testing import CliRunner

from crypto import Identity, open_sealed
from intake.cli import main


def run(cli_obj, passphrase_file, *args, input=None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        main, ["export", *args, "--passphrase-file", passphrase_file], obj=cli_obj, input=input
    )


def test_help_names_every_export(cli_obj):
    result = CliRunner().invoke(main, ["export", "--help"], obj=cli_obj)
    assert result.exit_code == 0
    for kind in ("victims", "esf", "research"):
        assert kind in result.output
    research = CliRunner().invoke(main, ["export", "research", "--help"], obj=cli_obj)
    assert "--to" in research.output and "--suppress" in research.output


def test_research_sealed_with_to_opens_with_the_key(
    cli_obj, stored_corpus, passphrase_file, tmp_path
):
    partner = Identity.generate()
    result = run(
        cli_obj, passphrase_file, "research", "--recipient", "Team A",
        "--to", partner.recipient, "--output", str(tmp_path), "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Measured k = 12, l = 2" in result.output
    written = next(tmp_path.glob("research-*.zip.age"))
    opened = open_sealed(written.read_bytes(), [partner])
    with zipfile.ZipFile(io.BytesIO(opened)) as archive:
        assert json.loads(archive.read("datapackage.json"))["anonymity"]["k"] == 12
    assert oct(written.stat().st_mode & 0o777) == "0o600"


def test_without_a_key_or_plain_nothing_is_read_or_written(
    cli_obj, stored_corpus, passphrase_file, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    result = run(cli_obj, passphrase_file, "victims", "--recipient", "P", "--output", str(out))
    assert result.exit_code == 1
    assert "--to age1" in result.output
    assert list(out.iterdir()) == []


def test_plain_asks_after_a_warning_and_declining_writes_nothing(
    cli_obj, stored_corpus, passphrase_file, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        cli_obj, passphrase_file, "victims", "--recipient", "P", "--plain",
        "--output", str(out), input="n\n",
    )  # fmt: skip
    assert "NOT be encrypted" in result.output
    assert result.exit_code != 0
    assert list(out.iterdir()) == []


def test_plain_victims_csv_after_confirmation(cli_obj, stored_corpus, passphrase_file, tmp_path):
    target = tmp_path / "entries.csv"
    result = run(
        cli_obj, passphrase_file, "victims", "--recipient", "P", "--plain",
        "--format", "csv", "--output", str(target), input="y\ny\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "People: 12" in result.output
    assert target.read_text(encoding="utf-8").startswith("entry,")


def test_research_refusal_names_the_steps(cli_obj, database, casedb, passphrase_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    from tests.intake.exports.conftest import public_examples, store

    store(database, casedb, public_examples())
    result = run(
        cli_obj, passphrase_file, "research", "--recipient", "T", "--plain", "--yes",
        "--output", str(out),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Refused" in result.output and "k = 5" in result.output
    assert "No single step reaches them" in result.output  # three people cannot reach k = 5
    assert list(out.iterdir()) == []


def test_a_file_name_taken_already_is_refused_before_any_record_is_read(
    cli_obj, stored_corpus, passphrase_file, tmp_path
):
    partner = Identity.generate()
    taken = tmp_path / "research.zip.age"
    taken.write_bytes(b"someone's file")
    result = run(
        cli_obj, passphrase_file, "research", "--recipient", "Team A",
        "--to", partner.recipient, "--output", str(taken), "--yes",
    )  # fmt: skip
    assert result.exit_code != 0 and "exists already" in result.output
    assert "Reading records" not in result.output and "Measured" not in result.output
    assert taken.read_bytes() == b"someone's file"
    # A preview writes nothing, so it may name any file
    preview = run(
        cli_obj, passphrase_file, "research", "--recipient", "Team A",
        "--to", partner.recipient, "--output", str(taken), "--preview-only",
    )  # fmt: skip
    assert preview.exit_code == 0, preview.output


def test_a_suppression_that_leaves_nobody_says_so(
    cli_obj, database, casedb, passphrase_file, tmp_path
):
    from tests.intake.exports.conftest import public_examples, store

    # Given three people, who cannot reach k = 5 however suppressed
    store(database, casedb, public_examples())
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        cli_obj, passphrase_file, "research", "--recipient", "T", "--plain", "--yes",
        "--suppress", "--output", str(out),
    )  # fmt: skip
    # Then the refusal says that suppression left nobody, before the steps
    assert result.exit_code == 1
    assert "People: 0" in result.output
    assert "Suppression left out all 3 people" in result.output
    assert list(out.iterdir()) == []
