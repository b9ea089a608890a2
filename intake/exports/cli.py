"""`intake export victims|esf|research`: preview, then write a sealed (or, after a
warning, plain) export file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from intake.cli import CliContext, passphrase_option, unlocked
from intake.delivery.cli import _progress_bar, _refuse_existing, _write_new
from intake.errors import N_, IntakeError
from intake.exports import anonymity, services, victims
from intake.exports.consent import LEFT_OUT_REASONS
from intake.exports.research import Generalisation
from intake.exports.sealing import parse_recipients


class ExportFileError(IntakeError):
    """The export file cannot be written where asked."""


def _show(preview: services.Preview) -> None:
    request = preview.request
    click.echo(f"Export: {request.kind} for {request.recipient!r} as {request.format}")
    click.echo(f"Fields: {', '.join(preview.fields)}")
    click.echo(f"People: {preview.people}   records: {preview.records}")
    for reason, count in sorted(preview.left_out.items()):
        words = LEFT_OUT_REASONS.get(reason, "Suppressed to reach k and l")
        click.echo(f"Left out: {count}  {words}")
    if preview.measure is not None:
        click.echo(
            f"Measured k = {preview.measure.k}, l = {preview.measure.l} "
            f"(need k >= {anonymity.K_MIN}, l >= {anonymity.L_MIN})"
        )
        for suggestion in preview.suggestions:
            click.echo(f"  {suggestion.text}")


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.option(
            "--recipient",
            required=True,
            help='Who receives the file, e.g. "Xinjiang Victims Database". '
            "Consent that names partners must name this one.",
        ),
        click.option(
            "--to",
            "to",
            multiple=True,
            help="Seal the file to this age recipient key (age1...); repeat for several.",
        ),
        click.option(
            "--plain",
            is_flag=True,
            help="Write an unencrypted file (after a warning) when no --to is given.",
        ),
        click.option(
            "--output",
            type=click.Path(path_type=Path),
            default=Path("."),
            show_default=True,
            help="File to write, or a folder to write it in. Never overwritten.",
        ),
        click.option("--preview-only", is_flag=True, help="Show what would leave, write nothing."),
        click.option("--yes", is_flag=True, help="Do not ask before writing."),
        passphrase_option,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _format_option(kind: str, default: str) -> Callable[..., Any]:
    """``--format``: the file formats an export of this kind is written in."""
    return click.option(
        "--format",
        "format_",
        type=click.Choice(services.KIND_FORMATS[kind]),
        default=default,
        show_default=True,
    )


def _run(obj: CliContext, request: services.ExportRequest, options: dict[str, Any]) -> None:
    recipients = parse_recipients(list(options["to"]))
    if not recipients and not options["preview_only"]:
        if not options["plain"]:
            raise services.ExportRequestError(
                N_(
                    "Give the recipient's age key with --to age1..., "
                    "or --plain for an unencrypted file."
                )
            )
        click.echo(
            "Warning: the file will NOT be encrypted. Anyone who gets hold of it can read it.",
            err=True,
        )
        if not options["yes"]:
            click.confirm("Write an unencrypted file?", abort=True, err=True)
    if not options["preview_only"] and not options["output"].is_dir():
        _refuse_existing(options["output"], ExportFileError)
    keys = unlocked(obj, options["passphrase_file"], role="casedb")
    with obj.database.session() as session, _progress_bar("Reading records") as progress:
        preview = services.preview_export(session, keys, request, actor=None, progress=progress)
    _show(preview)
    if options["preview_only"]:
        return
    if preview.refused:
        raise anonymity.AnonymityTooLowError(
            preview.measure or anonymity.Measure(0, 0), preview.suggestions
        )
    if not options["yes"]:
        click.confirm("Write this export?", abort=True, err=True)
    with obj.database.session() as session, _progress_bar("Exporting") as progress:
        exported = services.write_export(
            session,
            keys,
            request,
            actor=None,
            recipients=recipients,
            allow_plain=not recipients,
            progress=progress,
        )
        target = options["output"]
        path = target / exported.filename if target.is_dir() else target
        _write_new(path, exported.data, ExportFileError)
    state = "sealed to " + str(len(recipients)) + " key(s)" if exported.sealed else "NOT encrypted"
    click.echo(f"Wrote {path} ({state}), SHA-256 {exported.sha256}")


@click.group("export")
def export() -> None:
    """Export victim-database entries, HURIDOCS ESF or anonymised research data, each
    only as far as every record's consent allows. Shows a preview first."""


@export.command("victims")
@_format_option("victims", default="csv")
@click.option(
    "--fields",
    help="Comma-separated fields the partner takes (default: all): " + ", ".join(victims.FIELDS),
)
@_options
@click.pass_obj
def export_victims(obj: CliContext, format_: str, fields: str | None, **options: Any) -> None:
    """One entry per person for a partner victim database, in English with
    original-script names beside Latin ones."""
    chosen = tuple(name.strip() for name in (fields or "").split(",") if name.strip())
    request = services.ExportRequest(
        kind="victims", recipient=options["recipient"], format=format_, fields=chosen
    )
    _run(obj, request, options)


@export.command("esf")
@_format_option("esf", default="json")
@_options
@click.pass_obj
def export_esf(obj: CliContext, format_: str, **options: Any) -> None:
    """HURIDOCS Events Standard Formats (events, acts, persons, involvements, sources) as JSON."""
    _run(
        obj,
        services.ExportRequest(kind="esf", recipient=options["recipient"], format=format_),
        options,
    )


@export.command("research")
@_format_option("research", default="zip")
@click.option(
    "--qi",
    default=",".join(anonymity.DEFAULT_QUASI_IDENTIFIERS),
    show_default=True,
    help="Quasi-identifiers for the k/l check, from: "
    + ", ".join(anonymity.QUASI_IDENTIFIERS)
    + "; one left out of this list is left out of the file (written as unknown)",
)
@click.option(
    "--sensitive",
    type=click.Choice(anonymity.SENSITIVE_ATTRIBUTES),
    default=anonymity.DEFAULT_SENSITIVE,
    show_default=True,
)
@click.option(
    "--age-band",
    type=click.IntRange(0, 50),
    default=10,
    show_default=True,
    help="Age band width in years; 0 leaves age out.",
)
@click.option(
    "--period", type=click.Choice(["half_year", "year", "none"]), default="year", show_default=True
)
@click.option(
    "--place",
    type=click.Choice(["prefecture", "region", "none"]),
    default="prefecture",
    show_default=True,
)
@click.option(
    "--merge-ethnicity",
    type=click.IntRange(0, 10_000),
    default=5,
    show_default=True,
    help="Merge ethnicities held by fewer people into 'other'.",
)
@click.option(
    "--suppress", is_flag=True, help="Leave out the people in groups below k = 5 or l = 2."
)
@_options
@click.pass_obj
def export_research(
    obj: CliContext,
    format_: str,
    qi: str,
    sensitive: str,
    age_band: int,
    period: str,
    place: str,
    merge_ethnicity: int,
    suppress: bool,
    **options: Any,
) -> None:
    """Anonymised research data (persons and episodes) as a Frictionless Data Package,
    refused below k = 5 or l = 2."""
    request = services.ExportRequest(
        kind="research",
        recipient=options["recipient"],
        format=format_,
        quasi_identifiers=tuple(name.strip() for name in qi.split(",") if name.strip()),
        sensitive=sensitive,
        generalisation=Generalisation(
            age_band_years=age_band,
            period=period,
            place=place,
            merge_ethnicity_below=merge_ethnicity,
        ),
        suppress=suppress,
    )
    _run(obj, request, options)
