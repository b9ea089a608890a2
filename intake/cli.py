"""The `intake` command: serve, init, keys, validate, records.

Run `intake --help` or `intake COMMAND --help` for each command's use.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from intake.db import Database
from intake.errors import IntakeError
from intake.migrate import upgrade_database
from intake.settings import DEFAULT_WORKSPACE, Settings, SettingsError


@dataclass
class CliContext:
    """Settings and database shared by the subcommands of one invocation."""

    settings: Settings
    database: Database


def read_passphrase(passphrase_file: Path | None, prompt: str, *, confirm: bool = False) -> str:
    """The first line of ``passphrase_file``, or a hidden prompt (twice if ``confirm``)."""
    if passphrase_file is not None:
        lines = passphrase_file.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value


def passphrase_file_option(kind: str = "", what: str = "workspace passphrase"):  # type: ignore[no-untyped-def]
    """An option --{kind-}passphrase-file: read ``what`` from a file instead of a prompt."""
    return click.option(
        f"--{kind + '-' if kind else ''}passphrase-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=f"Read the {what} from the first line of this file instead of asking for it.",
    )


#: The shared --passphrase-file option.
passphrase_option = passphrase_file_option()


class IntakeGroup(click.Group):
    """A group that prints IntakeErrors as one clear line and exits with status 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (IntakeError, SettingsError) as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)


@click.group(cls=IntakeGroup)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="INTAKE_WORKSPACE",
    default=DEFAULT_WORKSPACE,
    show_default=True,
    help="Workspace folder (SQLite database and session key). Env: INTAKE_WORKSPACE.",
)
@click.option(
    "--database-url",
    envvar="INTAKE_DATABASE_URL",
    help="Use this database instead of the workspace's SQLite file, e.g. "
    "postgresql://user@host/db. Env: INTAKE_DATABASE_URL.",
)
@click.pass_context
def main(ctx: click.Context, workspace: Path, database_url: str | None) -> None:
    """Secure testimony intake (station) and case database.

    Start with `intake init`, then `intake serve`.
    """
    if ctx.obj is None:  # tests pass a prepared CliContext as obj
        settings = Settings.for_workspace(workspace, database_url=database_url)
        ctx.obj = CliContext(
            settings=settings, database=Database(settings.database_url, key_file=settings.key_file)
        )
    if ctx.invoked_subcommand not in ("validate", None):
        upgrade_database(ctx.obj.database.engine)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    help="Also answer to this host name (127.0.0.1, localhost and --host always); repeatable.",
)
@click.option(
    "--idle-timeout",
    type=click.IntRange(min=1),
    help="Lock after this many seconds without a request from a signed-in person [900].",
)
@click.pass_obj
def serve(
    obj: CliContext, host: str, port: int, allowed_hosts: tuple[str, ...], idle_timeout: int | None
) -> None:
    """Run the web app. Locking ends the process that held the keys; a new one takes over."""
    from intake.serving import serve_workspace

    obj.database.dispose()  # the supervisor keeps no database connection open
    sys.exit(serve_workspace(obj.settings, host, port, allowed_hosts, idle_timeout, click.echo))


def _register() -> None:
    from intake.records.cli import records, validate
    from intake.workspace.cli import init, keys, wipe

    for command in (init, keys, validate, records, wipe):
        main.add_command(command)


_register()
