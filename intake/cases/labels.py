"""What the Records and record pages say, in the reader's language: list rows,
wage figures with their ratios, provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from intake.facilities.services import LiveRegistry
from intake.interview import vocab
from intake.interview.review import Item, Namer, readable
from intake.interview.wages import WageTables, figure_lines, labour_figures, reason_texts


def kinds_text(kinds: list[str]) -> str:
    """Episode kinds of a list row, each once, in the order of the trajectory."""
    return "; ".join(vocab.label("episode_kind", kind) for kind in dict.fromkeys(kinds))


def code_label(vocabulary: str, code: object) -> str:
    """A code's label, or a dash when there is none."""
    return "—" if code in (None, "") else vocab.label(vocabulary, code)


@dataclass(frozen=True)
class WageLine:
    """One wage statement's derived figures as sentences."""

    number: int
    status: str
    lines: list[str]
    reasons: list[str]


@dataclass(frozen=True)
class LabourWages:
    """The wage statements of one labour entry and the episode they belong to."""

    episode: str
    statements: list[WageLine] = field(default_factory=list)


def wages(document: dict[str, Any], tables: WageTables | None = None) -> list[LabourWages]:
    """Each labour entry's wage statements with monthly CNY and the ratio to the local
    minimum wage, as ranges (see intake.records.wages), with ``tables`` (the case
    database's layered wage tables; the bundled ones if not given)."""
    episodes = {
        str(e.get("id")): (number, e)
        for number, e in enumerate(document.get("episodes") or [], start=1)
        if isinstance(e, dict)
    }
    shown = []
    for labour in document.get("labour") or []:
        if not isinstance(labour, dict) or not labour.get("wages"):
            continue
        number, episode = episodes.get(str(labour.get("episode_id")), (0, {}))
        name = f"{number}. {vocab.label('episode_kind', episode.get('kind'))}" if number else "—"
        statements = [s for s in labour.get("wages") or [] if isinstance(s, dict)]
        figures = labour_figures(labour, episode, tables)
        shown.append(
            LabourWages(
                name,
                [
                    WageLine(
                        index,
                        code_label("wage_status", statement.get("status")),
                        figure_lines(figure, statement),
                        reason_texts(figure),
                    )
                    for index, (statement, figure) in enumerate(
                        zip(statements, figures, strict=False), start=1
                    )
                ],
            )
        )
    return shown


def facility_namer(facilities: LiveRegistry) -> Namer:
    """Registry facilities named in the reader's language as the live registry names
    them now: an edited name, the kept entry of a merge."""
    language = vocab.ui_language()
    return lambda facility_id: facilities.name(facility_id, language)


def sections(document: dict[str, Any], facility_name: Namer | None = None) -> list[Item]:
    """Every section of the record, labelled, codes in words (as the review page);
    ``facility_name`` names registry facilities as the live registry does."""
    return readable(document, facility_name)


def provenance_items(provenance: dict[str, Any] | None, station: str | None) -> list[Item]:
    """Where the record came from, as labelled items (nothing when entered here)."""
    if provenance is None:
        return [Item(gettext("Came from"), gettext("entered here"))]
    return [
        Item(gettext("Station"), station or str(provenance.get("station_id") or "—")),
        Item(gettext("Bundle"), str(provenance.get("bundle_id") or "—")),
        Item(gettext("Number in the station's sequence"), str(provenance.get("sequence") or "—")),
        Item(gettext("Sealed file SHA-256"), str(provenance.get("sealed_sha256") or "—")),
        Item(gettext("Received at"), str(provenance.get("received_at") or "—")),
    ]
