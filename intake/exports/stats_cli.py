"""`intake stats`: the suppressed statistics on the terminal or as a CSV file."""

from __future__ import annotations

from pathlib import Path

import click

from intake.cli import CliContext, passphrase_option, unlocked
from intake.errors import IntakeError
from intake.exports import stats
from intake.exports.stats_routes import label as _label


class StatsFileError(IntakeError):
    """The statistics file cannot be written where asked."""


@click.command("stats")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the statistics to this new CSV file instead of printing them (an "
    "existing file is never overwritten).",
)
@passphrase_option
@click.pass_obj
def stats_command(obj: CliContext, csv_file: Path | None, passphrase_file: Path | None) -> None:
    """Counts by facility, prefecture, year, episode kind, system and pipeline stage,
    ILO indicators and wage ratios (case database), over the testimonies whose consent
    allows research use (not withdrawn). Every count under 5 is written "fewer than
    5"; no totals are given. The export is recorded in the audit trail."""
    from intake.delivery.cli import _progress_bar, _refuse_existing, _write_new

    if csv_file is not None:
        _refuse_existing(csv_file, StatsFileError)
    keys = unlocked(obj, passphrase_file, role="casedb")
    written = False
    try:
        with obj.database.session() as session, _progress_bar("Counting testimonies") as bar:
            result = stats.build_statistics(session, keys, bar)
            data = stats.render_csv(result, _label)
            output = "csv" if csv_file else "terminal"
            stats.record_stats_export(session, keys, actor=None, data=data, output=output)
            if csv_file is not None:
                # In the session: a file that cannot be written leaves no audit entry.
                _write_new(csv_file, data, StatsFileError)
                written = True
    except BaseException:
        if written and csv_file is not None:  # the entry was not kept: neither is the file
            csv_file.unlink(missing_ok=True)
        raise
    if csv_file is None:
        for row in stats.csv_rows(result, _label, stats.CSV_SMALL_TEXT, stats.CSV_WITHHELD_TEXT):
            click.echo("\t".join(row[:2] + row[3:]))
        return
    click.echo(f"wrote {csv_file} (sha256 {stats.file_hash(data)})")
