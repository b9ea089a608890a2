"""`intake init` and `intake keys`: set up a workspace and manage its keys."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from intake.cli import (
    CliContext,
    passphrase_file_option,
    passphrase_option,
    read_passphrase,
    unlocked,
)
from intake.settings import intake_command
from intake.workspace import services
from intake.workspace.models import ROLES
from intake.workspace.passphrases import generate_passphrase


@click.command()
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="station: an interviewer laptop that seals testimonies; "
    "casedb: the organisation's case database that opens them.",
)
@click.option("--organisation", required=True, help="The organisation's name, for the pages.")
@passphrase_option
@click.pass_obj
def init(obj: CliContext, role: str, organisation: str, passphrase_file: Path | None) -> None:
    """Set up this workspace: its role, and a keyring under a new passphrase.

    The passphrase protects every key; it cannot be recovered if forgotten. Without
    --passphrase-file a generated passphrase of six random words is offered.
    """
    if passphrase_file is None:
        click.echo(f"A passphrase you could use (six random words): {generate_passphrase()}")
        click.echo("Write it down and keep it apart from this computer.")
    passphrase = read_passphrase(passphrase_file, "New workspace passphrase", confirm=True)
    # Checked before the database is opened: a refused set-up leaves no database file.
    services.check_new_workspace(role=role, organisation_name=organisation, passphrase=passphrase)
    with obj.database.session() as session:
        services.init_workspace(
            session, obj.settings, role=role, organisation_name=organisation, passphrase=passphrase
        )
    click.echo(f"Workspace set up as {role} in {obj.settings.workspace_dir}.")
    command = intake_command(obj.settings.workspace_dir)
    if role == "casedb":
        click.echo(
            f"Next: {command} keys create-identity, then give its recipient to each station."
        )
    else:
        click.echo(f"Next: {command} keys add-recipient age1... (printed by the case database).")
    click.echo(f"Then: {command} accounts add NAME --role admin (the first account, to sign in).")


@click.group()
def keys() -> None:
    """Show and manage the workspace's keys and the organisation's recipients."""


@keys.command("show")
@click.option(
    "--check",
    is_flag=True,
    help="At a station: unlock (asking for the passphrase) and check each recipient.",
)
@passphrase_option
@click.pass_obj
def keys_show(obj: CliContext, check: bool, passphrase_file: Path | None) -> None:
    """Print the public keys of this workspace (nothing secret).

    A case database asks for the passphrase: its recipient is derived from the
    decrypted organisation identity, so nothing edited on disk can replace it. A
    station given --check (or --passphrase-file) checks each recipient against its
    keyring and marks one added or changed outside the app.
    """
    with obj.database.session() as session:
        workspace = services.get_workspace(session)
    click.echo(f"role: {workspace.role}")
    if workspace.role == "casedb":
        recipient = services.organisation_recipient(unlocked(obj, passphrase_file))
        click.echo(f"organisation recipient: {recipient or '(none: run create-identity)'}")
        return
    keys = unlocked(obj, passphrase_file) if check or passphrase_file else None
    with obj.database.session() as session:
        click.echo(f"station signing key fingerprint: {services.station_fingerprint(session)}")
        if keys is None:
            rows = [(row, None) for row in services.list_recipients(session)]
        else:
            rows = list(services.checked_recipients(session, keys))
        if not rows:
            click.echo("recipients: (none: run intake keys add-recipient)")
        for row, genuine in rows:
            mark = {
                None: "",
                True: "  checked",
                False: "  NOT GENUINE: added or changed outside this app; nothing is sealed",
            }[genuine]
            click.echo(f"recipient: {row.recipient}  ({row.label}){mark}")
        if rows and keys is None:
            click.echo("(add --check to check the recipients against the keyring)")


@keys.command("create-identity")
@passphrase_option
@click.pass_obj
def keys_create_identity(obj: CliContext, passphrase_file: Path | None) -> None:
    """Create the organisation identity (case database) and print its recipient."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        recipient = services.create_organisation_identity(session, keys)
    click.echo("Organisation recipient (public; register it at every station):")
    click.echo(recipient)


@keys.command("add-recipient")
@click.argument("recipient")
@click.option("--label", default="case database", show_default=True, help="Who holds it.")
@passphrase_option
@click.pass_obj
def keys_add_recipient(
    obj: CliContext, recipient: str, label: str, passphrase_file: Path | None
) -> None:
    """Register an organisation RECIPIENT (age1...) that testimonies are sealed to (station)."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        services.register_recipient(session, keys, recipient, label=label)
    click.echo("Recipient registered.")


@keys.command("export-identity")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@passphrase_option
@passphrase_file_option("backup", "backup passphrase")
@click.pass_obj
def keys_export_identity(
    obj: CliContext,
    output: Path,
    passphrase_file: Path | None,
    backup_passphrase_file: Path | None,
) -> None:
    """Write the organisation identity to OUTPUT, encrypted with a backup passphrase.

    The file is in the age format: `age -d OUTPUT` with the backup passphrase opens it,
    without this software. Keep it offline with a second custodian.
    """
    keys = unlocked(obj, passphrase_file)
    backup = read_passphrase(backup_passphrase_file, "Backup passphrase", confirm=True)
    blob = services.export_identity(keys, backup)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    click.echo(f"Identity written to {output} (age, passphrase-encrypted).")


@keys.command("change-passphrase")
@passphrase_option
@passphrase_file_option("new", "new passphrase")
@click.pass_obj
def keys_change_passphrase(
    obj: CliContext, passphrase_file: Path | None, new_passphrase_file: Path | None
) -> None:
    """Change the workspace passphrase (re-wraps the root keys only)."""
    old = read_passphrase(passphrase_file, "Current passphrase")
    new = read_passphrase(new_passphrase_file, "New passphrase", confirm=True)
    with obj.database.session() as session:
        services.change_passphrase(session, obj.settings, old_passphrase=old, new_passphrase=new)
    click.echo("Passphrase changed.")


@keys.command("rotate")
@passphrase_option
@click.pass_obj
def keys_rotate(obj: CliContext, passphrase_file: Path | None) -> None:
    """Add a new root key; new data uses it, old data keeps opening."""
    passphrase = read_passphrase(passphrase_file, "Workspace passphrase")
    with obj.database.session() as session:
        key_id = services.rotate_keyring(session, obj.settings, passphrase)
    click.echo(f"New current root key: {key_id}")


@click.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripted emergencies).")
@click.pass_obj
def wipe(obj: CliContext, yes: bool) -> None:
    """Panic wipe: destroy this workspace's keys and database. Nothing opens afterwards.

    Drafts and sealed testimonies not yet delivered are lost for good.
    """
    from intake.workspace.setup import wipe_workspace

    if not yes:
        typed = click.prompt("Type WIPE to destroy every key and record in this workspace")
        if typed.strip() != "WIPE":
            click.echo("Nothing was wiped.")
            sys.exit(1)
    wipe_workspace(obj.database, obj.settings)
    click.echo("Workspace wiped: keys and database destroyed.")
