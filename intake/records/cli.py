"""`intake validate` and `intake records`: check, store and show testimonies."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click

from intake.cli import CliContext, passphrase_option, read_passphrase
from intake.errors import IntakeError
from intake.records import services
from intake.records.validation import RecordFileError, load_record_file, validate_record
from intake.workspace.services import get_workspace, unlock_workspace


def _echo_problems(path: Path, problems) -> None:  # type: ignore[no-untyped-def]
    for problem in problems:
        click.echo(f"{path}: {problem.path}: {problem.message}")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def validate(obj: CliContext, files: tuple[Path, ...]) -> None:
    """Check each testimony FILE (JSON) against the schema and report every problem.

    Exit status 0 when every file is valid, 1 otherwise.
    """
    failed = 0
    for path in files:
        try:
            problems = validate_record(
                load_record_file(path, max_bytes=obj.settings.max_record_bytes)
            )
        except RecordFileError as error:
            click.echo(f"{path}: {error}")
            failed += 1
            continue
        _echo_problems(path, problems)
        if problems:
            failed += 1
        else:
            click.echo(f"{path}: valid")
    sys.exit(1 if failed else 0)


@click.group()
def records() -> None:
    """Add, list and show testimonies."""


@records.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@passphrase_option
@click.pass_obj
def records_add(obj: CliContext, files: tuple[Path, ...], passphrase_file: Path | None) -> None:
    """Validate and store each FILE: sealed at a station, encrypted at a case database.

    Each file is stored whole or not at all; rejected files are listed with reasons
    and the exit status is then 1.
    """
    passphrase = read_passphrase(passphrase_file, "Workspace passphrase")
    with obj.database.session() as session:
        keys = unlock_workspace(session, obj.settings, passphrase)
    rejected = 0
    for path in files:
        try:
            document = load_record_file(path, max_bytes=obj.settings.max_record_bytes)
            with obj.database.session() as session:
                record_id = services.add_record(session, keys, document)  # type: ignore[arg-type]
        except RecordFileError as error:
            click.echo(f"{path}: rejected: {error}")
        except services.RecordInvalidError as error:
            click.echo(f"{path}: rejected: {error}")
            _echo_problems(path, error.problems)
        except IntakeError as error:
            click.echo(f"{path}: rejected: {error}")
        else:
            click.echo(f"{path}: stored as {record_id}")
            continue
        rejected += 1
    sys.exit(1 if rejected else 0)


@records.command("list")
@click.pass_obj
def records_list(obj: CliContext) -> None:
    """List stored records (case database) or the outbox (station): ids and days only."""
    with obj.database.session() as session:
        if get_workspace(session).role == "station":
            for row in services.list_outbox(session):
                click.echo(f"{row.id}  sealed {row.sealed_on}  sha256 {row.sha256}")
            return
        for testimony in services.iter_testimonies(session):
            click.echo(f"{testimony.id}  received {testimony.received_on}  {testimony.state}")


@records.command("show")
@click.argument("record_id")
@passphrase_option
@click.pass_obj
def records_show(obj: CliContext, record_id: str, passphrase_file: Path | None) -> None:
    """Print one decrypted record as JSON (case database only)."""
    try:
        wanted = uuid.UUID(record_id)
    except ValueError:
        raise services.RecordNotFoundError("%(id)r is not a record id.", id=record_id) from None
    passphrase = read_passphrase(passphrase_file, "Workspace passphrase")
    with obj.database.session() as session:
        keys = unlock_workspace(session, obj.settings, passphrase)
    with obj.database.session() as session:
        document = services.load_testimony(session, keys, wanted)
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))
