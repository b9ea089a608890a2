"""`intake accounts`: the accounts that sign in to the web app, for administrators."""

from __future__ import annotations

from pathlib import Path

import click

from intake.accounts import services
from intake.accounts.forms import LANGUAGE_CHOICES
from intake.accounts.models import ACCOUNT_ROLES
from intake.cli import CliContext, passphrase_option, read_passphrase, unlocked


@click.group()
def accounts() -> None:
    """List, add, disable, enable, reset and remove sign-in accounts.

    Each command asks for the workspace passphrase (or reads --passphrase-file).
    A disabled, reset or removed account is signed out of the web app on its next
    request. The last active administrator cannot be disabled or removed.
    """


@accounts.command("list")
@passphrase_option
@click.pass_obj
def accounts_list(obj: CliContext, passphrase_file: Path | None) -> None:
    """Print each account: username, role, language, status and the day it was made."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        for row in services.list_accounts(session, keys):
            name = row.username if row.username is not None else "(unreadable)"
            made = services.aware(row.account.created_at).date().isoformat()
            click.echo(
                f"{name}  {row.account.role}  {row.account.language}  {row.status}  made {made}"
            )


@accounts.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ACCOUNT_ROLES), required=True, help="What it may do.")
@click.option(
    "--language",
    type=click.Choice([code for code, _name in LANGUAGE_CHOICES]),
    default="en",
    show_default=True,
    help="Language of the web pages for this account.",
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the new account's password from the first line of this file instead of "
    "asking for it.",
)
@passphrase_option
@click.pass_obj
def accounts_add(
    obj: CliContext,
    username: str,
    role: str,
    language: str,
    password_file: Path | None,
    passphrase_file: Path | None,
) -> None:
    """Add an account USERNAME with a password of at least 12 characters."""
    keys = unlocked(obj, passphrase_file)
    password = read_passphrase(password_file, "Password of the new account", confirm=True)
    with obj.database.session() as session:
        services.create_account(
            session,
            obj.settings,
            keys,
            username=username,
            password=password,
            role=role,
            language=language,
        )
    click.echo(f"Account {username} added ({role}).")


@accounts.command("disable")
@click.argument("username")
@passphrase_option
@click.pass_obj
def accounts_disable(obj: CliContext, username: str, passphrase_file: Path | None) -> None:
    """Disable USERNAME: it cannot sign in, and its sign-ins end at once."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        account = services.find_account(session, keys, username)
        services.disable_account(session, keys, account.id)
    click.echo(f"Account {username} disabled.")


@accounts.command("enable")
@click.argument("username")
@passphrase_option
@click.pass_obj
def accounts_enable(obj: CliContext, username: str, passphrase_file: Path | None) -> None:
    """Let the disabled account USERNAME sign in again."""
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        account = services.find_account(session, keys, username)
        services.enable_account(session, keys, account.id)
    click.echo(f"Account {username} enabled.")


@accounts.command("reset")
@click.argument("username")
@passphrase_option
@click.pass_obj
def accounts_reset(obj: CliContext, username: str, passphrase_file: Path | None) -> None:
    """Give USERNAME a new random password and print it, this once.

    The old password and every sign-in of the account stop working. Give the new
    password to the person directly.
    """
    keys = unlocked(obj, passphrase_file)
    with obj.database.session() as session:
        account = services.find_account(session, keys, username)
        password = services.reset_password(session, obj.settings, keys, account.id)
    click.echo(f"New password for {username} (shown only this once): {password}")


@accounts.command("remove")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@passphrase_option
@click.pass_obj
def accounts_remove(
    obj: CliContext, username: str, yes: bool, passphrase_file: Path | None
) -> None:
    """Delete USERNAME for good; it is signed out at once.

    The unfinished interviews (drafts) the account started are wiped with it:
    disable the account instead while they are needed.
    """
    keys = unlocked(obj, passphrase_file)
    if not yes:
        click.confirm(f"Remove the account {username} for good?", abort=True)
    with obj.database.session() as session:
        account = services.find_account(session, keys, username)
        wiped = services.remove_account(session, keys, account.id)
    click.echo(f"Account {username} removed, and {wiped} unfinished interview(s) it started.")
