"""Statistics over the case database, with every small count suppressed.

Two steps, kept apart so that the numbers can be checked without a database:

* :func:`count_documents` is a pure function over decrypted testimony documents;
* :func:`suppress` turns those counts into the only numbers any output may show.
  The page, the charts, the map and the CSV are all drawn from its result.

What is counted (each table counts **testimonies**; a testimony is counted once in
every row it matches, so the rows of a table need not add up to anything):

* facility: registry facilities named by an episode or a labour entry;
* prefecture: the prefecture of an episode (its place, else its registry facility);
* year: the year of the middle of an episode's possible start, for episodes of
  detention or assigned work (an "approximate 2017-10" counts in 2017); years
  before :data:`FIRST_YEAR` share one row. The page lists every year from then to
  this year, so which rows exist says nothing about who was counted;
* episode kind, system, pipeline stage: as coded on the episodes and on the record;
* ILO indicators: testimonies with the indicator coded "present" on some labour
  entry, out of those where it was coded at all (present or absent);
* wage ratios: one count per **wage statement** whose ratio to the minimum wage
  could be derived; a ratio is a range (:mod:`intake.records.wages`) and goes into
  the bin that holds the middle of its range.

Suppression: every count under 5 (0 included) is shown as "fewer than 5". No totals
are shown anywhere, not even the number of testimonies, so a suppressed cell cannot
be recovered by subtraction. The one place two numbers stand in a total relation
is an indicator's "present" out of "coded": when the difference (coded but not
present) is under 5, "present" and the share are withheld as well.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from intake.collector import collector_paused
from intake.exports import formats
from intake.progress import Progress, no_progress
from intake.records.derived import DETENTION_KINDS, WORK_KINDS
from intake.records.shape import mappings as _dicts

if TYPE_CHECKING:
    from intake.facilities.services import LiveRegistry
    from intake.interview.wages import WageTables

#: The smallest count any output shows as a number.
THRESHOLD = 5
#: The first year with a row of its own; earlier years are counted together under
#: :data:`BEFORE_FIRST_YEAR`. A fixed range of rows, chosen to cover the camps and
#: transfers the project documents, with room for earlier labour transfers.
FIRST_YEAR = 2014
BEFORE_FIRST_YEAR = f"before_{FIRST_YEAR}"
#: Cell states.
SHOWN, SMALL, WITHHELD = "shown", "small", "withheld"

#: Tables in the order the page, the charts and the CSV show them, with the
#: codebook vocabulary (or reference list) their codes come from.
TABLES: tuple[tuple[str, str], ...] = (
    ("facility", "facility"),
    ("prefecture", "prefecture"),
    ("year", "year"),
    ("episode_kind", "episode_kind"),
    ("system", "system"),
    ("pipeline_stage", "pipeline_stage"),
)

#: Upper ends of the wage-ratio bins (ratio of monthly pay to the minimum wage);
#: the last bin is open. Chosen so that "under a quarter", "under half" and
#: "at or above the minimum" can be read off directly.
WAGE_BIN_EDGES: tuple[Decimal, ...] = (
    Decimal("0.25"),
    Decimal("0.5"),
    Decimal("0.75"),
    Decimal("1"),
    Decimal("1.5"),
)


@dataclass
class Counts:
    """Raw counts: never shown, only passed to :func:`suppress`."""

    tables: dict[str, Counter[str]] = field(
        default_factory=lambda: {name: Counter() for name, _vocab in TABLES}
    )
    indicator_present: Counter[str] = field(default_factory=Counter)
    indicator_coded: Counter[str] = field(default_factory=Counter)
    #: Wage statements by bin index (0 .. len(WAGE_BIN_EDGES)).
    wage_bins: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: the number only when ``state`` is SHOWN."""

    state: str
    value: int | None = None

    @classmethod
    def of(cls, count: int) -> Cell:
        """A count, suppressed when under the threshold."""
        return cls(SHOWN, count) if count >= THRESHOLD else cls(SMALL)

    @property
    def is_shown(self) -> bool:
        """Whether the number may be shown."""
        return self.state == SHOWN


@dataclass(frozen=True)
class Row:
    """One row of a table: a code and its suppressed count."""

    code: str
    cell: Cell


@dataclass(frozen=True)
class IndicatorRow:
    """One ILO indicator: testimonies with it present, with it coded, and the share."""

    code: str
    present: Cell
    coded: Cell

    @property
    def share(self) -> Decimal | None:
        """Present out of coded, in percent (one decimal), when both are shown."""
        if not (self.present.is_shown and self.coded.is_shown) or not self.coded.value:
            return None
        ratio = Decimal(self.present.value or 0) * 100 / Decimal(self.coded.value)
        return ratio.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Statistics:
    """The suppressed statistics: the only numbers any output is made from."""

    tables: dict[str, list[Row]]
    indicators: list[IndicatorRow]
    wage_bins: list[Row]


def _episode_year(episode: Mapping[str, Any]) -> str | None:
    from intake.interview.wages import episode_day

    day = episode_day(dict(episode))
    if day is None:
        return None
    return BEFORE_FIRST_YEAR if day.year < FIRST_YEAR else str(day.year)


def _registry_id(facility: object) -> str | None:
    if isinstance(facility, Mapping) and facility.get("registry_id"):
        return str(facility["registry_id"])
    return None


def _record_keys(
    document: Mapping[str, Any], merges: Mapping[str, str] | None = None
) -> dict[str, set[str]]:
    """The codes a testimony is counted under, per table (each code once); a facility
    merged into another (``merges``) is counted as the kept one."""
    merges = merges or {}
    from intake.interview.wages import episode_place

    keys: dict[str, set[str]] = {name: set() for name, _vocab in TABLES}
    labour_by_episode = {
        str(entry.get("episode_id")): entry for entry in _dicts(document.get("labour"))
    }
    for episode in _dicts(document.get("episodes")):
        labour = labour_by_episode.get(str(episode.get("id")))
        kind = episode.get("kind")
        if kind:
            keys["episode_kind"].add(str(kind))
        for facility in (episode.get("facility"), (labour or {}).get("facility")):
            registry_id = _registry_id(facility)
            if registry_id:
                keys["facility"].add(merges.get(registry_id, registry_id))
        prefecture, _county = episode_place(dict(episode), dict(labour) if labour else None)
        if prefecture:
            keys["prefecture"].add(str(prefecture))
        if kind in DETENTION_KINDS or kind in WORK_KINDS:
            year = _episode_year(episode)
            if year:
                keys["year"].add(year)
        for name in ("system", "pipeline_stage"):
            if episode.get(name):
                keys[name].add(str(episode[name]))
    coding = document.get("coding")
    if isinstance(coding, Mapping):
        for name in ("system", "pipeline_stage"):
            if coding.get(name):
                keys[name].add(str(coding[name]))
    return keys


def _indicator_statuses(document: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(indicators coded present on some labour entry, indicators coded at all)."""
    present: set[str] = set()
    coded: set[str] = set()
    for labour in _dicts(document.get("labour")):
        indicators = (labour.get("coding") or {}).get("ilo_indicators") or {}
        if not isinstance(indicators, Mapping):
            continue
        for code, entry in indicators.items():
            status = entry.get("status") if isinstance(entry, Mapping) else None
            if status in ("present", "absent"):
                coded.add(str(code))
            if status == "present":
                present.add(str(code))
    return present, coded


def wage_bin(low: Decimal, high: Decimal) -> int:
    """The bin of a ratio range: the bin that holds the middle of the range."""
    middle = (low + high) / 2
    for index, edge in enumerate(WAGE_BIN_EDGES):
        if middle < edge:
            return index
    return len(WAGE_BIN_EDGES)


def _wage_bins(document: Mapping[str, Any], tables: WageTables | None) -> list[int]:
    from intake.interview.wages import labour_figures

    episodes = {str(item.get("id")): item for item in _dicts(document.get("episodes"))}
    bins = []
    for labour in _dicts(document.get("labour")):
        episode = episodes.get(str(labour.get("episode_id")), {})
        for figure in labour_figures(dict(labour), dict(episode), tables):
            if figure.ratio is not None:
                bins.append(wage_bin(figure.ratio.low, figure.ratio.high))
    return bins


def count_documents(
    documents: Iterable[Mapping[str, Any]],
    merges: Mapping[str, str] | None = None,
    tables: WageTables | None = None,
) -> Counts:
    """Count decrypted testimony documents (pure: no database, no app); ``merges``
    maps each merged facility id to the one it was merged into; wages are compared
    with ``tables`` (the bundled wage tables if not given)."""
    counts = Counts()
    for document in documents:
        for name, codes in _record_keys(document, merges).items():
            counts.tables[name].update(codes)
        present, coded = _indicator_statuses(document)
        counts.indicator_present.update(present)
        counts.indicator_coded.update(coded)
        counts.wage_bins.update(_wage_bins(document, tables))
    return counts


def _indicator_row(code: str, present: int, coded: int) -> IndicatorRow:
    coded_cell = Cell.of(coded)
    present_cell = Cell.of(present)
    # "coded" is the total of "present" and "coded but not present": a small
    # difference would be recovered by subtraction, so "present" is withheld too.
    if present_cell.is_shown and coded - present < THRESHOLD:
        present_cell = Cell(WITHHELD)
    return IndicatorRow(code=code, present=present_cell, coded=coded_cell)


def _codes(counter: Counter[str], known: Sequence[str]) -> list[str]:
    """Every known code, then any other code counted."""
    return list(known) + sorted(set(counter) - set(known))


def suppress(counts: Counts, universe: Mapping[str, Sequence[str]] | None = None) -> Statistics:
    """The counts as they may be shown (see the module's docstring for the rules).

    ``universe`` lists, per table (and "ilo_indicator"), every code in reference
    order: each gets its row, so a row missing from a table never tells a reader
    that nobody was counted there (an uncounted code shows "fewer than 5" too).
    """
    universe = universe or {}
    tables = {
        name: [
            Row(code, Cell.of(counter[code])) for code in _codes(counter, universe.get(name, ()))
        ]
        for name, counter in counts.tables.items()
    }
    codes = _codes(counts.indicator_coded, universe.get("ilo_indicator", ()))
    indicators = [
        _indicator_row(code, counts.indicator_present[code], counts.indicator_coded[code])
        for code in codes
    ]
    wage_bins = [
        Row(str(index), Cell.of(counts.wage_bins[index]))
        for index in range(len(WAGE_BIN_EDGES) + 1)
    ]
    return Statistics(tables=tables, indicators=indicators, wage_bins=wage_bins)


def wage_bin_label(index: int) -> str:
    """A bin's range as written in every language, e.g. "0.25 to under 0.5" as
    "0.25-0.5" (with an en dash) or "at least 1.5" as "≥ 1.5"."""
    edges = ("0", *(str(edge) for edge in WAGE_BIN_EDGES))
    if index >= len(WAGE_BIN_EDGES):
        return f"\u2265 {edges[-1]}"
    return f"{edges[index]}\u2013{edges[index + 1]}"


# --- output shared by the page, the CLI and the CSV ----------------------------------

Labeler = Callable[[str, str], str]


def cell_text(cell: Cell, small_text: str, withheld_text: str) -> str:
    """What a cell shows: the number, or the words for a suppressed count."""
    if cell.is_shown:
        return str(cell.value)
    return small_text if cell.state == SMALL else withheld_text


def csv_rows(
    stats: Statistics, label: Labeler, small_text: str, withheld_text: str
) -> Iterator[list[str]]:
    """Rows of the CSV download: table, code, label, count (suppressed as shown)."""
    yield ["table", "code", "label", "count"]
    for name, vocabulary in TABLES:
        for row in stats.tables[name]:
            text = cell_text(row.cell, small_text, withheld_text)
            yield [name, row.code, label(vocabulary, row.code), text]
    for indicator in stats.indicators:
        name = label("ilo_indicator", indicator.code)
        present = cell_text(indicator.present, small_text, withheld_text)
        coded = cell_text(indicator.coded, small_text, withheld_text)
        yield ["ilo_indicator_present", indicator.code, name, present]
        yield ["ilo_indicator_coded", indicator.code, name, coded]
    for row in stats.wage_bins:
        text = cell_text(row.cell, small_text, withheld_text)
        yield ["wage_ratio", row.code, wage_bin_label(int(row.code)), text]


#: What the CSV's count column holds for a suppressed count, in every UI language: the
#: file is data for a spreadsheet or a program, the same whoever downloads it (the label
#: column alone follows the reader's language).
CSV_SMALL_TEXT = "fewer than 5"
CSV_WITHHELD_TEXT = "withheld: it would reveal a count under 5"


def render_csv(stats: Statistics, label: Labeler) -> bytes:
    """The CSV download as UTF-8 bytes (with a byte-order mark for spreadsheets).

    A label is text someone typed (a facility's name): one a spreadsheet would run as
    a formula is written with a leading apostrophe, as in every other export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(
        [formats.cell_text(text) for text in row]
        for row in csv_rows(stats, label, CSV_SMALL_TEXT, CSV_WITHHELD_TEXT)
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def file_hash(data: bytes) -> str:
    """SHA-256 of an exported file, for the audit trail."""
    return hashlib.sha256(data).hexdigest()


# --- the service ---------------------------------------------------------------------


#: The record sections the statistics are counted from: only these are decrypted
#: (consent says whether a record is counted at all).
SECTIONS_COUNTED = ("consent", "episodes", "labour", "coding")


def counted(document: Mapping[str, Any]) -> bool:
    """Whether a testimony's consent lets it be counted: statistics are research made
    public in aggregate, so a record counts as it would go into research data (consent
    to record and to research use, neither withdrawn)."""
    from intake.exports.consent import allowance

    return allowance(document.get("consent"), kind="research", recipient="").left_out is None


def stored_documents(
    session: Session, keys: Any, progress: Progress = no_progress
) -> Iterator[dict[str, Any]]:
    """Every stored testimony whose consent lets it be counted (:func:`counted`), with
    the sections counted (SECTIONS_COUNTED) decrypted: the one source of the statistics.

    Reads the record store; a derived index of cases may replace this later. Erased
    records are left out; a record that does not open (tampered with) stops the
    count with its error rather than be silently left out.
    """
    from intake.records.services import RecordUnreadableError, iter_testimonies, read_documents

    ids = [item.id for item in iter_testimonies(session) if item.state == "stored"]
    read = read_documents(session, keys, ids, sections=SECTIONS_COUNTED)
    for done, (_, document) in enumerate(read, start=1):
        if isinstance(document, RecordUnreadableError):
            raise document
        if counted(document):
            yield document
        progress(done, len(ids))


@collector_paused()
def build_statistics(
    session: Session,
    keys: Any,
    progress: Progress = no_progress,
    facilities: LiveRegistry | None = None,
) -> Statistics:
    """Count every stored testimony and suppress the small counts (case database); a
    facility merged into another in ``facilities`` (the live registry, read here if
    not given) is counted as the kept one."""
    from intake.facilities.services import live_registry
    from intake.wagetables.services import wage_tables
    from intake.workspace.services import require_role

    require_role(session, "casedb")
    merges = (facilities or live_registry(session)).merges
    counts = count_documents(
        stored_documents(session, keys, progress), merges, wage_tables(session)
    )
    return suppress(counts, reference_codes(merges))


def year_codes(this_year: int) -> list[str]:
    """The rows of the year table: earlier years together, then each year to this one."""
    return [BEFORE_FIRST_YEAR] + [str(year) for year in range(FIRST_YEAR, this_year + 1)]


def reference_codes(merges: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Every code each table lists, from the codebook and the reference tables; a
    facility merged into another (``merges``) is listed as the kept one."""
    merges = merges or {}
    from datetime import UTC, datetime

    from intake.interview import vocab

    return {
        "year": year_codes(datetime.now(UTC).year),
        "facility": list(dict.fromkeys(merges.get(fid, fid) for fid in vocab.facilities())),
        "prefecture": [prefecture["id"] for prefecture in vocab.prefectures()],
        "episode_kind": vocab.codes("episode_kind"),
        "system": vocab.codes("system"),
        "pipeline_stage": vocab.codes("pipeline_stage"),
        "ilo_indicator": vocab.codes("ilo_indicator"),
    }


def record_stats_export(
    session: Session, keys: Any, *, actor: Any, data: bytes, output: str
) -> None:
    """Audit one export of the statistics: kind "stats", where it went, the file hash."""
    from intake.audit.services import record_event

    record_event(
        session,
        keys,
        actor=actor,
        action="export",
        details={"kind": "stats", "output": output, "sha256": file_hash(data)},
    )
