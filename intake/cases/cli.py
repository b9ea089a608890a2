"""`intake search`: find a person's testimonies by any spelling, and rebuild the index."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from intake.audit.services import record_event
from intake.cases import blind
from intake.cases.search import Hit, open_name_sections, search_people
from intake.cli import CliContext, passphrase_option, unlocked


def _hit_json(hit: Hit) -> dict[str, object]:
    return {
        "record_id": str(hit.record_id),
        "names": list(hit.names),
        "found_as": hit.found_as,
        "variant": hit.variant,
        "score": hit.score,
        "tokens": [
            {"query": t.a, "recorded": t.b, "how": t.how, "ratio": t.ratio} for t in hit.tokens
        ],
        "birth_year": hit.birth_year,
        "home": hit.home,
        "gender": hit.gender,
    }


def _hit_line(number: int, hit: Hit) -> str:
    facts = ", ".join(f for f in (hit.birth_year and f"born {hit.birth_year}", hit.home) if f)
    how = "; ".join(str(token) for token in hit.tokens)
    return (
        f"{number}. {hit.record_id}  {hit.score:.2f}  {' / '.join(hit.names) or '-'}"
        f"{f'  ({facts})' if facts else ''}\n"
        f"   found as {hit.found_as}: {hit.variant}{f'  [{how}]' if how else ''}"
    )


def _reindex(obj: CliContext, passphrase_file: Path | None, records: int | None) -> None:
    keys = unlocked(obj, passphrase_file, role="casedb")
    with obj.database.session() as session:
        count = blind.reindex(
            session,
            keys,
            lambda ids: open_name_sections(session, keys, ids),
            planned_records=records,
        )
        stored = len(list(blind.stored_ids(session)))
        record_event(session, keys, actor=None, action="search.reindex", details={"records": count})
    click.echo(f"Search index rebuilt: {count} records.")
    if count < stored:
        click.echo(f"{stored - count} stored records did not open and are not indexed.", err=True)


@click.command("search")
@click.argument("name", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--records",
    type=click.IntRange(min=1),
    help="With reindex: the number of records to plan the index for.",
)
@passphrase_option
@click.pass_obj
def search(
    obj: CliContext,
    name: tuple[str, ...],
    as_json: bool,
    records: int | None,
    passphrase_file: Path | None,
) -> None:
    """Find the testimonies about the person NAME (any script) or an ID number.

    Without NAME (or with -), the first line of standard input is read, so the name
    stays out of the shell history. Results come best first, each with the recorded
    variant that matched and how strongly. `intake search reindex` rebuilds the
    index instead (after a keyring rotation or rules change, or with --records N).
    """
    if name == ("reindex",):
        _reindex(obj, passphrase_file, records)
        return
    text = " ".join(name)
    if not text or text == "-":
        text = sys.stdin.readline().strip()
    keys = unlocked(obj, passphrase_file, role="casedb")
    with obj.database.session() as session:
        hits = search_people(session, keys, text, actor=None)
    if as_json:
        click.echo(json.dumps([_hit_json(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    for number, hit in enumerate(hits, 1):
        click.echo(_hit_line(number, hit))
    click.echo(f"{len(hits)} found.")
