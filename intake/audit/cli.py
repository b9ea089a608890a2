"""`intake audit`: verify the audit trail, list it, sign a checkpoint (case database)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import click

from intake.accounts.services import usernames
from intake.audit import services
from intake.cli import CliContext, passphrase_option, unlocked


@click.group()
def audit() -> None:
    """The case database's audit trail of every read and write."""


@audit.command("verify")
@passphrase_option
@click.pass_obj
def audit_verify(obj: CliContext, passphrase_file: Path | None) -> None:
    """Walk the whole trail and its signed checkpoints; name the first entry that was
    changed, removed or reordered. Exit status 0 when intact, 1 otherwise."""
    keys = unlocked(obj, passphrase_file, role="casedb")
    with obj.database.session() as session:
        report = services.verify_audit(session, keys)
        services.record_event(session, keys, actor=None, action="audit.verify")
    if report.ok:
        click.echo(
            f"audit trail intact: {report.checked} entries, {report.checkpoints} signed checkpoints"
        )
        return
    message = (report.problem or "") % {"seq": report.first_bad_seq}
    click.echo(f"audit trail NOT intact: {message} ({report.checked} entries checked before it)")
    sys.exit(1)


@audit.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--record",
    "record_id",
    type=click.UUID,
    help="Only the entries about this record: those naming it, and every list, search "
    "and same-person queue that showed it (who saw its names).",
)
@passphrase_option
@click.pass_obj
def audit_list(
    obj: CliContext, limit: int, record_id: uuid.UUID | None, passphrase_file: Path | None
) -> None:
    """Print the newest entries: number, time, account (its username; "-" for a command
    run at the server or a station's delivery), action, record; for an export, its kind,
    recipient and the file's SHA-256."""
    keys = unlocked(obj, passphrase_file, role="casedb")
    with obj.database.session() as session:
        events = (
            services.list_events(session, keys, limit=limit)
            if record_id is None
            else services.events_about(session, keys, str(record_id), limit=limit)
        )
        names = usernames(session, keys)
        for event in events:
            actor = names.get(event.actor, event.actor) if event.actor else "-"
            line = (
                f"{event.seq:>7}  {event.at:%Y-%m-%d %H:%M}  {actor:<24}  "
                f"{event.action:<16}  {event.record_id or ''}"
            )
            exported = event.exported
            if exported:
                line += (
                    f"  kind={exported['kind']} recipient={exported['recipient']!r} "
                    f"sha256={exported['sha256'] or '-'}"
                )
            click.echo(line.rstrip())


@audit.command("checkpoint")
@passphrase_option
@click.pass_obj
def audit_checkpoint(obj: CliContext, passphrase_file: Path | None) -> None:
    """Sign the head of the trail now, and print the checkpoint to keep a copy elsewhere
    (a copy outside this database shows whether the trail was later rewritten)."""
    keys = unlocked(obj, passphrase_file, role="casedb")
    with obj.database.session() as session:
        seq = services.sign_checkpoint(session, keys, actor=None)
        checkpoint = services.checkpoint_at(session, seq)
    click.echo(f"checkpoint at entry {seq}")
    click.echo(f"link {checkpoint.link.hex()}")
    click.echo(f"signature {checkpoint.signature.hex()}")
