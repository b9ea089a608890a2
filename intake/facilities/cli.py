"""`intake facilities`: list the layered registry and export it in the bundled format."""

from __future__ import annotations

import json
from pathlib import Path

import click

from intake.cli import CliContext
from intake.errors import IntakeError
from intake.facilities import services
from intake.workspace.services import require_role


class ExportFileError(IntakeError):
    """The export would overwrite a file, or cannot be written where asked."""


@click.group()
def facilities() -> None:
    """The facility registry of the case database (public reference data)."""


@facilities.command("list")
@click.pass_obj
def list_(obj: CliContext) -> None:
    """Every live entry: id, kind, English name, and ids merged into it."""
    with obj.database.session() as session:
        require_role(session, "casedb")
        for entry in services.filtered(session):
            aliases = f"  (also {', '.join(entry.aliases)})" if entry.aliases else ""
            click.echo(f"{entry.id}\t{entry.kind}\t{entry.name('en')}{aliases}")


@facilities.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export(obj: CliContext, output: Path) -> None:
    """Write the layered registry as a new facilities.json (for the stations' next
    release: their picker and record validation read that file).
    """
    from intake.delivery.cli import _write_new

    with obj.database.session() as session:
        require_role(session, "casedb")
        data = services.export_registry(session)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    _write_new(output, text.encode("utf-8"), ExportFileError)
    click.echo(str(output))
