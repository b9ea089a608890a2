"""The k-anonymity and l-diversity check of a research table, measured with pycanon.

k: the smallest number of people sharing one combination of quasi-identifiers.
l: the smallest number of distinct sensitive values within one such combination.
A table below the thresholds is refused, with the single generalisation or
suppression steps that would reach them, measured on the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.errors import N_, IntakeError

#: The thresholds no research export goes below.
K_MIN = 5
L_MIN = 2

#: Person-table columns that may be chosen as quasi-identifiers.
QUASI_IDENTIFIERS = ("gender", "age_band", "ethnicity_group", "home_prefecture", "first_detained")
DEFAULT_QUASI_IDENTIFIERS = ("gender", "age_band", "ethnicity_group", "home_prefecture")
#: Person-table columns that may be chosen as the sensitive attribute.
SENSITIVE_ATTRIBUTES = ("victim_status", "verification_level", "status_known_by")
DEFAULT_SENSITIVE = "victim_status"


@dataclass(frozen=True)
class Measure:
    """Measured k and l (0 for an empty table)."""

    k: int
    l: int  # noqa: E741 (the standard name of the measure)

    def passes(self, k_min: int = K_MIN, l_min: int = L_MIN) -> bool:
        """Whether both thresholds hold."""
        return self.k >= k_min and self.l >= l_min


@dataclass(frozen=True)
class Suggestion:
    """A step that would reach the thresholds: an English template and its values."""

    template: str
    params: Mapping[str, Any]

    @property
    def text(self) -> str:
        """In English."""
        params = dict(self.params)
        if "step" in params:
            params["step"] = params["step"] % {"column": params.get("column")}
        return self.template % params

    def translated(self) -> str:
        """In the reader's language (inside a request)."""
        from flask_babel import gettext

        params = dict(self.params)
        if "step" in params:
            params["step"] = gettext(params["step"]) % {"column": params.get("column")}
        return gettext(self.template, **params)


class AnonymityTooLowError(IntakeError):
    """The research table is below k or l; nothing was written."""

    status = 422

    def __init__(self, measure: Measure, suggestions: Sequence[Suggestion]) -> None:
        super().__init__(
            N_(
                "Refused: the research data reach only k = %(k)s and l = %(l)s "
                "(at least k = %(k_min)s and l = %(l_min)s are needed)."
            ),
            k=measure.k,
            l=measure.l,
            k_min=K_MIN,
            l_min=L_MIN,
        )
        self.measure = measure
        self.suggestions = list(suggestions)

    def __str__(self) -> str:
        return " ".join([self.message, *(item.text for item in self.suggestions)])


def measure(
    rows: Sequence[Mapping[str, Any]], quasi_identifiers: Sequence[str], sensitive: str
) -> Measure:
    """k and l of ``rows`` as pycanon measures them."""
    if not rows:
        return Measure(0, 0)
    import pandas as pd
    from pycanon import anonymity

    frame = pd.DataFrame.from_records(
        [{column: row[column] for column in (*quasi_identifiers, sensitive)} for row in rows]
    )
    columns = list(quasi_identifiers)
    if not columns:
        # No quasi-identifier: the whole table is one class.
        return Measure(len(rows), int(frame[sensitive].nunique()))
    return Measure(
        int(anonymity.k_anonymity(frame, columns)),
        int(anonymity.l_diversity(frame, columns, [sensitive])),
    )


def quick_measure(
    rows: Sequence[Mapping[str, Any]], quasi_identifiers: Sequence[str], sensitive: str
) -> tuple[Measure, int]:
    """k, l and the number of rows in classes below the thresholds, by plain counting
    (used to try many candidate steps; the final figures always come from pycanon)."""
    classes: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        classes.setdefault(tuple(row[c] for c in quasi_identifiers), []).append(row[sensitive])
    if not classes:
        return Measure(0, 0), 0
    k = min(len(values) for values in classes.values())
    l_ = min(len(set(values)) for values in classes.values())
    failing = sum(
        len(values)
        for values in classes.values()
        if len(values) < K_MIN or len(set(values)) < L_MIN
    )
    return Measure(k, l_), failing


def suppress_failing(
    rows: Sequence[Mapping[str, Any]], quasi_identifiers: Sequence[str], sensitive: str
) -> list[Mapping[str, Any]]:
    """``rows`` without those whose class is below k or l."""
    classes: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        classes.setdefault(tuple(row[c] for c in quasi_identifiers), []).append(row)
    kept: list[Mapping[str, Any]] = []
    for members in classes.values():
        if len(members) >= K_MIN and len({row[sensitive] for row in members}) >= L_MIN:
            kept.extend(members)
    return kept


#: Candidate single steps: (words, change to the generalisation, quasi-identifier dropped).
Candidate = tuple[str, dict[str, Any] | None, str | None]

CANDIDATES: tuple[Candidate, ...] = (
    (N_("widen age bands to 20 years (--age-band 20)"), {"age_band_years": 20}, None),
    (N_("leave age out (--age-band 0)"), {"age_band_years": 0}, None),
    (N_("give dates by year, not half-year (--period year)"), {"period": "year"}, None),
    (N_("leave dates out (--period none)"), {"period": "none"}, None),
    (N_("give places as the region only (--place region)"), {"place": "region"}, None),
    (
        N_("merge ethnicities held by fewer than 20 people (--merge-ethnicity 20)"),
        {"merge_ethnicity_below": 20},
        None,
    ),
    *((N_("drop %(column)s from the quasi-identifiers"), None, c) for c in QUASI_IDENTIFIERS),
)


def suggest(
    rebuild: Callable[[dict[str, Any]], Sequence[Mapping[str, Any]]],
    rows: Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> list[Suggestion]:
    """The single steps that would reach the thresholds, each measured, and the
    suppression that would (how many people it removes)."""
    found: list[Suggestion] = []
    for words, change, dropped in CANDIDATES:
        if dropped is not None:
            if dropped not in quasi_identifiers:
                continue
            columns = [c for c in quasi_identifiers if c != dropped]
            candidate_rows = rows
        else:
            columns = list(quasi_identifiers)
            candidate_rows = rebuild(change or {})
        result, _ = quick_measure(candidate_rows, columns, sensitive)
        if result.passes():
            found.append(
                Suggestion(
                    N_("To reach them: %(step)s (k = %(k)s, l = %(l)s)."),
                    {"step": words, "column": dropped, "k": result.k, "l": result.l},
                )
            )
    _, failing = quick_measure(rows, quasi_identifiers, sensitive)
    if failing < len(rows):
        found.append(
            Suggestion(
                N_(
                    "Or suppress the %(failing)s of %(total)s people in groups below "
                    "the thresholds (--suppress)."
                ),
                {"failing": failing, "total": len(rows)},
            )
        )
    if not found:
        found.append(
            Suggestion(
                N_("No single step reaches them: combine steps, or export more records."), {}
            )
        )
    return found
