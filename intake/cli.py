"""The `intake` command: serve, init, keys, validate, records.

Run `intake --help` or `intake COMMAND --help` for each command's use.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from intake.db import Database
from intake.errors import N_, IntakeError
from intake.settings import (
    DEFAULT_WORKSPACE,
    Settings,
    SettingsError,
    key_file_of,
    workspace_location,
)


class NoWorkspaceError(IntakeError):
    """The command needs a workspace and none is set up where it was told to look."""


class CliContext:
    """Settings and database shared by the subcommands of one invocation.

    Given both (tests do), or opened on first use by ``opener``: a command that never
    touches them (``--help``, ``validate``) opens nothing and makes nothing.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        database: Database | None = None,
        *,
        opener: Callable[[], tuple[Settings, Database]] | None = None,
    ) -> None:
        self._settings, self._database, self._opener = settings, database, opener

    def _open(self) -> tuple[Settings, Database]:
        if self._settings is None or self._database is None:
            assert self._opener is not None, "a CliContext needs settings or an opener"
            self._settings, self._database = self._opener()
        return self._settings, self._database

    @property
    def settings(self) -> Settings:
        return self._open()[0]

    @property
    def max_record_bytes(self) -> int:
        """The largest record file read: the workspace's setting when it is open, else
        the default, so checking files opens (and makes) no workspace."""
        if self._settings is not None:
            return self._settings.max_record_bytes
        return Settings.max_record_bytes

    @property
    def database(self) -> Database:
        return self._open()[1]


def is_workspace(workspace: Path, database_url: str | None) -> bool:
    """Whether ``workspace`` holds a set-up workspace: its key file is there (beside
    its SQLite database, or in the folder when the database is elsewhere)."""
    return key_file_of(*workspace_location(workspace, database_url)).exists()


def _workspace_opener(
    workspace: Path, database_url: str | None, command: str | None
) -> Callable[[], tuple[Settings, Database]]:
    def opener() -> tuple[Settings, Database]:
        if command not in _MAKE_A_WORKSPACE and not is_workspace(workspace, database_url):
            # A mistyped --workspace would otherwise leave a new, empty workspace behind.
            raise NoWorkspaceError(
                N_(
                    "No workspace is set up in %(folder)s. Set one up with `intake init` (or "
                    "open the set-up page with `intake serve`), or give the right --workspace."
                ),
                folder=str(workspace),
            )
        settings = Settings.for_workspace(workspace, database_url=database_url)
        database = Database(settings.database_url, key_file=settings.key_file)
        from intake.migrate import upgrade_database  # alembic: only when a command runs

        upgrade_database(database.engine)
        return settings, database

    return opener


class PassphraseFileError(IntakeError):
    """A passphrase file cannot be read as a first line of UTF-8 text."""


#: A passphrase file larger than this is surely the wrong file (or a device).
MAX_PASSPHRASE_FILE_BYTES = 64 * 1024


def read_passphrase(passphrase_file: Path | None, prompt: str, *, confirm: bool = False) -> str:
    """The first line of ``passphrase_file``, or a hidden prompt (twice if ``confirm``).

    A file that is a folder, unreadable, too large, not UTF-8 or with an empty first
    line is refused with :class:`PassphraseFileError` before any unlock is tried, so
    a wrong file is never counted as a wrong passphrase. Pipes are accepted, for
    ``--passphrase-file <(password-manager ...)``.
    """
    if passphrase_file is not None:
        return _first_line(passphrase_file)
    value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value


def _first_line(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_PASSPHRASE_FILE_BYTES + 1)
    except IsADirectoryError:
        raise PassphraseFileError(
            N_("%(file)s is a folder. Give the file that holds the passphrase or password."),
            file=str(path),
        ) from None
    except OSError as error:
        raise PassphraseFileError(
            N_("%(file)s cannot be read (%(reason)s)."), file=str(path), reason=error.strerror
        ) from None
    if len(raw) > MAX_PASSPHRASE_FILE_BYTES:
        raise PassphraseFileError(
            N_("%(file)s is larger than %(limit)s bytes: it holds no passphrase or password."),
            file=str(path),
            limit=MAX_PASSPHRASE_FILE_BYTES,
        )
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        raise PassphraseFileError(
            N_("%(file)s is not UTF-8 text (bad byte at position %(position)s). Save it as UTF-8."),
            file=str(path),
            position=error.start,
        ) from None
    if not lines or not lines[0]:
        raise PassphraseFileError(
            N_("The first line of %(file)s is empty. Put the passphrase or password there."),
            file=str(path),
        )
    return lines[0]


def passphrase_file_option(kind: str = "", what: str = "workspace passphrase"):  # type: ignore[no-untyped-def]
    """An option --{kind-}passphrase-file: read ``what`` from a file instead of a prompt."""
    return click.option(
        f"--{kind + '-' if kind else ''}passphrase-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=f"Read the {what} from the first line of this file instead of asking for it.",
    )


#: The shared --passphrase-file option.
passphrase_option = passphrase_file_option()


def unlocked(obj: CliContext, passphrase_file: Path | None, *, role: str | None = None) -> Any:
    """Ask for (or read) the workspace passphrase and unlock; the keys.

    With ``role``, a workspace of the other role is refused before anything is asked.
    """
    from intake.workspace.services import require_role, unlock_workspace

    if role is not None:
        with obj.database.session() as session:
            require_role(session, role)
    passphrase = read_passphrase(passphrase_file, "Workspace passphrase")
    with obj.database.session() as session:
        return unlock_workspace(session, obj.settings, passphrase)


class IntakeGroup(click.Group):
    """A group that prints IntakeErrors as one clear line and exits with status 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (IntakeError, SettingsError) as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)


#: Commands that may start a workspace where none is: set-up and the set-up page.
_MAKE_A_WORKSPACE = ("init", "serve")


@click.group(cls=IntakeGroup)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="INTAKE_WORKSPACE",
    default=DEFAULT_WORKSPACE,
    show_default=True,
    help="Workspace folder (SQLite database, key file and session key). Env: INTAKE_WORKSPACE.",
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
        ctx.obj = CliContext(
            opener=_workspace_opener(workspace, database_url, ctx.invoked_subcommand)
        )
    elif ctx.invoked_subcommand not in ("validate", None):
        from intake.migrate import upgrade_database  # alembic: only when a command runs

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
    from intake.accounts.cli import accounts
    from intake.audit.cli import audit
    from intake.cases.cli import search
    from intake.delivery.cli import import_, outbox, stations
    from intake.exports.cli import export
    from intake.exports.stats_cli import stats_command
    from intake.facilities.cli import facilities
    from intake.records.cli import records, validate
    from intake.wagetables.cli import wages
    from intake.workspace.cli import init, keys, wipe

    commands = (init, keys, validate, records, accounts, wipe, stations, outbox, import_, audit)
    commands += (search, facilities, wages, export, stats_command)
    for command in commands:
        main.add_command(command)


_register()
