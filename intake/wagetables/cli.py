"""`intake wages`: list the layered wage tables and export them in the bundled format."""

from __future__ import annotations

import json
from pathlib import Path

import click

from intake.cli import CliContext
from intake.errors import N_, IntakeError
from intake.wagetables import services
from intake.workspace.services import require_role

_FILES = ("minimum_wage.json", "exchange_rates.json")
_ORIGIN = {"edited": "corrected here", "added": "added here", "withdrawn": "WITHDRAWN here"}


class ExportFolderError(IntakeError):
    """The export would overwrite a file."""


@click.group()
def wages() -> None:
    """Minimum-wage tables and exchange rates of the case database (public reference
    data, edited on the Wage tables page)."""


@wages.command("list")
@click.pass_obj
def list_(obj: CliContext) -> None:
    """Every minimum-wage table and yearly exchange rate, and where each comes from."""
    with obj.database.session() as session:
        require_role(session, "casedb")
        tables, rates = services.minimum_tables(session), services.rates(session)
    click.echo("minimum wage tables (CNY a month, by tier):")
    for table in tables:
        until = table.applies_to.isoformat() if table.applies_to else ""
        tiers = " ".join(f"{tier}={amount}" for tier, amount in sorted(table.tiers.items()))
        origin = f"  ({_ORIGIN[table.origin]})" if table.origin in _ORIGIN else ""
        click.echo(f"  {table.id}\t{table.applies_from.isoformat()}..{until}\t{tiers}{origin}")
    click.echo("exchange rates (CNY for one unit, the year's average):")
    for rate in rates:
        origin = f"  ({_ORIGIN[rate.origin]})" if rate.origin in _ORIGIN else ""
        click.echo(f"  {rate.currency} {rate.year}\t{rate.rate}{origin}")


@wages.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def export(obj: CliContext, folder: Path) -> None:
    """Write the layered tables as minimum_wage.json and exchange_rates.json in FOLDER
    (made if needed), for the stations' next release: their live wage figure reads
    those files."""
    taken = [name for name in _FILES if (folder / name).exists()]
    if taken:
        raise ExportFolderError(
            N_("%(path)s exists; choose another folder."), path=str(folder / taken[0])
        )
    with obj.database.session() as session:
        require_role(session, "casedb")
        minimum, rates = services.export_tables(session)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in zip(_FILES, (minimum, rates), strict=True):
        path = folder / name
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        click.echo(str(path))
