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
#: All of them by default: a state with population and detention registers knows each.
DEFAULT_QUASI_IDENTIFIERS = QUASI_IDENTIFIERS
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
        translated: str = gettext(self.template, **params)
        return translated


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

    names = list(dict.fromkeys((*quasi_identifiers, sensitive)))
    # Each column's values become integers (one-to-one, column by column), so pandas
    # groups fast; pycanon still forms the classes over every column itself.
    frame = pd.DataFrame(
        {
            name: pd.factorize(pd.Series([row[name] for row in rows], dtype=object))[0]
            for name in names
        }
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


#: Episode columns someone holding population and detention registers could know.
EPISODE_QUASI_IDENTIFIERS = ("kind", "start", "end", "prefecture")
#: What a locally suppressed episode date or place reads.
SUPPRESSED = "suppressed"

_EPISODE_SUPPRESSIBLE = ("start", "end", "prefecture")


def _episode_classes(
    persons: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> dict[tuple[Any, ...], tuple[set[Any], set[Any]]]:
    """Class of (person quasi-identifiers + episode quasi-identifiers) -> (people in it,
    sensitive values in it). k counts people, not episodes."""
    by_person = {row["person"]: row for row in persons}
    classes: dict[tuple[Any, ...], tuple[set[Any], set[Any]]] = {}
    for episode in episodes:
        person = by_person.get(episode["person"])
        if person is None:
            continue
        key = tuple(person[c] for c in quasi_identifiers) + tuple(
            episode[c] for c in EPISODE_QUASI_IDENTIFIERS
        )
        people, values = classes.setdefault(key, (set(), set()))
        people.add(episode["person"])
        values.add(person[sensitive])
    return classes


def _episode_key(
    person: Mapping[str, Any], episode: Mapping[str, Any], quasi_identifiers: Sequence[str]
) -> tuple[Any, ...]:
    return tuple(person[c] for c in quasi_identifiers) + tuple(
        episode[c] for c in EPISODE_QUASI_IDENTIFIERS
    )


def _failing(classes: Mapping[tuple[Any, ...], tuple[set[Any], set[Any]]]) -> set[tuple[Any, ...]]:
    return {
        key
        for key, (people, values) in classes.items()
        if len(people) < K_MIN or len(values) < L_MIN
    }


def episode_table(
    persons: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> list[dict[str, Any]]:
    """One row per person and distinct episode class, with the person's quasi-identifiers
    and sensitive value: measured with pycanon, its k counts people."""
    by_person = {row["person"]: row for row in persons}
    seen: set[tuple[Any, ...]] = set()
    table: list[dict[str, Any]] = []
    for episode in episodes:
        person = by_person.get(episode["person"])
        if person is None:
            continue
        key = (episode["person"], *(episode[c] for c in EPISODE_QUASI_IDENTIFIERS))
        if key in seen:
            continue
        seen.add(key)
        row = {c: person[c] for c in (*quasi_identifiers, sensitive)}
        row.update({f"episode_{c}": episode[c] for c in EPISODE_QUASI_IDENTIFIERS})
        table.append(row)
    return table


def measure_episodes(
    persons: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> Measure | None:
    """k and l over people sharing person and episode quasi-identifiers (pycanon);
    None when there is no episode row."""
    table = episode_table(persons, episodes, quasi_identifiers, sensitive)
    if not table:
        return None
    columns = [*quasi_identifiers, *(f"episode_{c}" for c in EPISODE_QUASI_IDENTIFIERS)]
    return measure(table, columns, sensitive)


def suppress_episodes(
    persons: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> tuple[list[dict[str, Any]], int, int]:
    """Episodes in classes below k or l get their dates and place replaced by
    "suppressed"; those still below are left out. (episodes, generalised, left out)."""
    by_person = {row["person"]: row for row in persons}
    kept = [dict(e) for e in episodes if e["person"] in by_person]
    failing = _failing(_episode_classes(persons, kept, quasi_identifiers, sensitive))
    if not failing:
        return kept, 0, 0
    generalised = 0
    for episode in kept:
        if _episode_key(by_person[episode["person"]], episode, quasi_identifiers) in failing:
            episode.update({c: SUPPRESSED for c in _EPISODE_SUPPRESSIBLE})
            generalised += 1
    failing = _failing(_episode_classes(persons, kept, quasi_identifiers, sensitive))
    final = [
        e for e in kept if _episode_key(by_person[e["person"]], e, quasi_identifiers) not in failing
    ]
    return final, generalised, len(kept) - len(final)


def combined(persons: Measure, episodes: Measure | None) -> Measure:
    """The lower k and l of the person and episode measures."""
    if episodes is None:
        return persons
    return Measure(min(persons.k, episodes.k), min(persons.l, episodes.l))


def quick_all(
    persons: Sequence[Mapping[str, Any]],
    episodes: Sequence[Mapping[str, Any]],
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> Measure:
    """Person and episode measures combined, by plain counting."""
    person_measure, _ = quick_measure(persons, quasi_identifiers, sensitive)
    classes = _episode_classes(persons, episodes, quasi_identifiers, sensitive)
    if not classes:
        return person_measure
    episode_measure = Measure(
        min(len(people) for people, _ in classes.values()),
        min(len(values) for _, values in classes.values()),
    )
    return combined(person_measure, episode_measure)


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

Rows = tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]


def suggest(
    rebuild: Callable[[dict[str, Any]], Rows],
    rows: Rows,
    quasi_identifiers: Sequence[str],
    sensitive: str,
) -> list[Suggestion]:
    """The single steps that would reach the thresholds on people and episodes, each
    measured, and what suppression would remove."""
    persons, episodes = rows
    found: list[Suggestion] = []
    for words, change, dropped in CANDIDATES:
        if dropped is not None:
            if dropped not in quasi_identifiers:
                continue
            columns = [c for c in quasi_identifiers if c != dropped]
            candidate = rows
        else:
            columns = list(quasi_identifiers)
            candidate = rebuild(change or {})
        result = quick_all(*candidate, columns, sensitive)
        if result.passes():
            found.append(
                Suggestion(
                    N_("To reach them: %(step)s (k = %(k)s, l = %(l)s)."),
                    {"step": words, "column": dropped, "k": result.k, "l": result.l},
                )
            )
    kept = suppress_failing(persons, quasi_identifiers, sensitive)
    if kept:
        _, generalised, left_out = suppress_episodes(kept, episodes, quasi_identifiers, sensitive)
        found.append(
            Suggestion(
                N_(
                    "Or suppress (--suppress): leave out %(people)s of %(total)s people and "
                    "hide the dates and place of %(episodes)s episodes (%(dropped)s left out)."
                ),
                {
                    "people": len(persons) - len(kept),
                    "total": len(persons),
                    "episodes": generalised,
                    "dropped": left_out,
                },
            )
        )
    if not found:
        found.append(
            Suggestion(
                N_("No single step reaches them: combine steps, or export more records."), {}
            )
        )
    return found
