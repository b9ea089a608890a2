"""`intake validate` and `intake records`: check, store and show testimonies."""

from __future__ import annotations

import json
import os
import stat
import sys
import uuid
from datetime import datetime
from pathlib import Path

import click

from intake.audit.services import record_event
from intake.cases.live import add_index_facts
from intake.cli import CliContext, passphrase_option, read_passphrase
from intake.errors import N_, IntakeError
from intake.records import services
from intake.records.legacy import upgrade_stored_records
from intake.records.validation import (
    FILE_MESSAGES,
    RecordFileError,
    load_record_file,
    validate_record,
)
from intake.workspace.services import get_workspace, unlock_workspace
from intake.workspace.vault import UnlockedKeys

#: Said instead of an unexpected error's text, which might quote the record.
UNEXPECTED = N_("it could not be checked or stored ({kind}); nothing of it was stored.")
NOT_A_FILE = N_(
    "It is not a regular file (a folder, pipe or device). Give the path of a JSON file."
)


def _echo_problems(path: Path, problems) -> None:  # type: ignore[no-untyped-def]
    for problem in problems:
        click.echo(f"{path}: {problem.path}: {problem.message}")


def _load(path: Path, max_bytes: int) -> object:
    """``load_record_file``, after refusing anything but a regular file.

    Opening a named pipe (FIFO) or a terminal device would wait for a writer for
    ever, so the file's type is checked before it is opened.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise RecordFileError(FILE_MESSAGES["unreadable"]) from None
    if not stat.S_ISREG(mode):
        raise RecordFileError(NOT_A_FILE)
    return load_record_file(path, max_bytes=max_bytes)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def validate(obj: CliContext, files: tuple[Path, ...]) -> None:
    """Check each testimony FILE (JSON) against the schema and report every problem.

    Exit status 0 when every file is valid, 1 otherwise.
    """
    failed = 0
    for path in files:
        try:
            problems = validate_record(_load(path, obj.max_record_bytes))
        except RecordFileError as error:
            click.echo(f"{path}: {error}")
            failed += 1
            continue
        except Exception as error:  # one bad file must not stop the rest
            click.echo(f"{path}: {UNEXPECTED.format(kind=type(error).__name__)}")
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
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@passphrase_option
@click.pass_obj
def records_add(obj: CliContext, files: tuple[Path, ...], passphrase_file: Path | None) -> None:
    """Validate and store each FILE: sealed at a station, encrypted at a case database.

    Each file is stored whole or not at all, and a bad file never stops the rest:
    every file gets a line (stored, or rejected with the reasons), then a summary.
    The exit status is 1 if any file was rejected.
    """
    passphrase = read_passphrase(passphrase_file, "Workspace passphrase")
    with obj.database.session() as session:
        keys = unlock_workspace(session, obj.settings, passphrase)
    stored = 0
    for path in files:
        if _add_one(obj, keys, path):
            stored += 1
    rejected = len(files) - stored
    click.echo(f"{stored} stored, {rejected} rejected.")
    sys.exit(1 if rejected else 0)


def _add_one(obj: CliContext, keys: UnlockedKeys, path: Path) -> bool:
    """Store one file and print its line; whether it was stored."""
    try:
        document = _load(path, obj.settings.max_record_bytes)
        with obj.database.session() as session:
            record_id = services.add_record(session, keys, document)  # type: ignore[arg-type]
    except RecordFileError as error:
        click.echo(f"{path}: rejected: {error}")
    except services.RecordInvalidError as error:
        click.echo(f"{path}: rejected: {error}")
        _echo_problems(path, error.problems)
    except IntakeError as error:
        click.echo(f"{path}: rejected: {error}")
    except Exception as error:  # one bad file must not stop the rest
        click.echo(f"{path}: rejected: {UNEXPECTED.format(kind=type(error).__name__)}")
    else:
        click.echo(f"{path}: stored as {record_id}")
        return True
    return False


@records.command("list")
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="How many to list.",
)
@click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="How many of the newest to skip (the next page starts at offset + limit).",
)
@click.option(
    "--state",
    type=click.Choice(["stored", "erased"]),
    default=None,
    help="Only stored, or only erased, records (case database).",
)
@click.option(
    "--received-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Received on or after this day (YYYY-MM-DD).",
)
@click.option(
    "--received-to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Received on or before this day (YYYY-MM-DD).",
)
@click.pass_obj
def records_list(
    obj: CliContext,
    limit: int,
    offset: int,
    state: str | None,
    received_from: datetime | None,
    received_to: datetime | None,
) -> None:
    """List stored records (case database) or the outbox (station): ids and days only.

    Newest first, a page at a time (--limit, --offset); a last line says how many
    match in all and how to get the next page.
    """
    with obj.database.session() as session:
        if get_workspace(session).role == "station":
            if state or received_from or received_to:
                raise click.UsageError(
                    "--state, --received-from and --received-to are for the case database; "
                    "a station lists the records in its outbox."
                )
            waiting = services.list_outbox(session)[::-1]  # newest first
            page = waiting[offset : offset + limit]
            for row in page:
                click.echo(f"{row.id}  sealed {row.sealed_on}  sha256 {row.sha256}")
            _count_line(offset, len(page), limit, len(waiting), " waiting for delivery")
            return
        rows, total = services.testimonies_page(
            session,
            limit=limit,
            offset=offset,
            state=state,
            received_from=None if received_from is None else received_from.date(),
            received_to=None if received_to is None else received_to.date(),
        )
        for testimony in rows:
            click.echo(f"{testimony.id}  received {testimony.received_on}  {testimony.state}")
    _count_line(offset, len(rows), limit, total)


def _count_line(offset: int, listed: int, limit: int, total: int, what: str = "") -> None:
    """The last line of a listing: which records it showed of how many, and the next
    page's --offset when there is one (on standard error, so the ids stay alone on
    standard output)."""
    if not total:
        click.echo(f"no records{what}", err=True)
        return
    shown = f"records {offset + 1}-{offset + listed} of {total}" if listed else f"none of {total}"
    more = f"; next page: --offset {offset + limit}" if offset + listed < total else ""
    click.echo(f"{shown}{what}{more}", err=True)


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
        record_event(session, keys, actor=None, action="record.read", record_id=wanted)
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))


@records.command("upgrade")
@passphrase_option
@click.pass_obj
def records_upgrade(obj: CliContext, passphrase_file: Path | None) -> None:
    """Bring records stored by an earlier version up to date (case database).

    Version-1 records stored before records carried an authenticated list of their
    parts are opened, upgraded to version 2 and given that list; until then they are
    refused when read. Records stored before they carried index facts get them, so
    that the case index builds from those alone at unlock (until then it reads their
    sections, more slowly). Run it once, straight after updating. Exit status 1 if any
    record could not be upgraded.
    """
    passphrase = read_passphrase(passphrase_file, "Workspace passphrase")
    with obj.database.session() as session:
        keys = unlock_workspace(session, obj.settings, passphrase)
    with obj.database.session() as session:
        report = upgrade_stored_records(session, keys)
        for record_id in report.upgraded:
            record_event(session, keys, actor=None, action="record.write", record_id=record_id)
    with obj.database.session() as session:
        written, _unreadable = add_index_facts(session, keys)
        if written:
            details = {"index_facts": written}
            record_event(session, keys, actor=None, action="record.write", details=details)
    for record_id in report.upgraded:
        click.echo(f"{record_id}: upgraded to version 2")
    for record_id, reason in report.refused:
        click.echo(f"{record_id}: not upgraded ({reason}); it stays refused when read")
    click.echo(f"{len(report.upgraded)} upgraded, {len(report.refused)} not upgraded.")
    click.echo(f"Index facts written: {written}.")
    sys.exit(1 if report.refused else 0)
