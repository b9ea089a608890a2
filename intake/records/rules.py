"""Record rules of version 2 that the schema cannot say: who said it, how it is known,
how episodes connect, wage statements, sources, and text that is safe to store.

Each function takes the whole record (already known to be an object) and returns
problems; none raises for any JSON value, valid or not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from math import isfinite
from typing import Any

from intake.records.problems import Problem, problem, quote

#: The control characters text of several lines may hold: line breaks and tabs.
LINE_BREAKS = frozenset("\n\t")
#: The format characters text may hold: ZWNJ and ZWJ (needed by Arabic and Indic
#: scripts) and the plain direction marks LRM and RLM.
ALLOWED_FORMAT = frozenset("\u200c\u200d\u200e\u200f")
#: Characters that text may hold although Unicode calls them control or format
#: characters. Every other one (overrides, isolates, invisible spaces, NUL, escape
#: codes) is refused, here and by the forms (:mod:`intake.validators`).
ALLOWED_INVISIBLES = LINE_BREAKS | ALLOWED_FORMAT
_WITHOUT_ALLOWED = str.maketrans(dict.fromkeys(ALLOWED_INVISIBLES))


def items(document: Mapping[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, entry) of the object entries of a list section."""
    value = document.get(section)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


#: A tuple, not ``dict | list``: isinstance takes it measurably faster in this hot loop.
_CONTAINERS = (dict, list)


#: Ranges said as (low field, high field); a problem names the high one.
_RANGES = (
    ("amount", "amount_max"),
    ("count_min", "count"),
    ("items_per_day", "items_per_day_max"),
)


#: The low fields of the ranges: an object with none of them holds no range.
_RANGE_LOWS = frozenset(low for low, _ in _RANGES)

#: Where an account of how something is known sits: "known" (a fact's) and
#: "how_known" (an informant's).
_KNOWN_ENDINGS = (".known", ".how_known")

#: The keys that make an object one that a rule reads (:class:`Nodes`).
_SORTED_BY = frozenset(("precision", "basis", *_RANGE_LOWS))


@dataclass(frozen=True)
class Nodes:
    """What the rules look at in a record, gathered in one walk, depth first: the
    objects some rule reads, each with its JSON path, and every text (a key or a value)
    that is not plainly printable, with its path (a key has the path of its value)."""

    #: Objects with a "precision": dates said with their precision.
    dated: list[tuple[str, dict[Any, Any]]]
    #: Objects with a "basis" at a "known" or "how_known" field.
    known: list[tuple[str, dict[Any, Any]]]
    #: Objects with the low field of a range (:data:`_RANGES`).
    ranged: list[tuple[str, dict[Any, Any]]]
    unprintable: list[tuple[str, str]]
    #: Paths of numbers that are not finite (NaN, infinities: not JSON, and no amount).
    nonfinite: list[str]


def nodes_of(document: Any) -> Nodes:
    """The objects the rules read and the unprintable texts of a record, gathered once
    for all the rules.

    Each object is sorted to the rules that read it as the walk meets it, so no rule
    goes over every object again. No path is made for every value: only containers
    need one (their children's paths grow from it), and a text only when it is not
    printable (rare: a record that will be refused). A loop, not recursion, so no
    nesting makes it raise.
    """
    dated: list[tuple[str, dict[Any, Any]]] = []
    known: list[tuple[str, dict[Any, Any]]] = []
    ranged: list[tuple[str, dict[Any, Any]]] = []
    unprintable: list[tuple[str, str]] = []
    nonfinite: list[str] = []
    stack: list[tuple[str, Any]] = [("$", document)]
    pop, push = stack.pop, stack.append
    # Most objects have none of the keys that draw a rule's eye: one test passes them.
    plain = _SORTED_BY.isdisjoint
    while stack:
        here, current = pop()
        if isinstance(current, dict):
            if not plain(current):
                if "precision" in current:
                    dated.append((here, current))
                if "basis" in current and here.endswith(_KNOWN_ENDINGS):
                    known.append((here, current))
                if not _RANGE_LOWS.isdisjoint(current):
                    ranged.append((here, current))
            for key, child in current.items():
                if isinstance(key, str) and not key.isprintable():
                    unprintable.append((f"{here}.{key}", key))
                if isinstance(child, str):
                    if not child.isprintable():
                        push((f"{here}.{key}", child))
                elif isinstance(child, _CONTAINERS):
                    push((f"{here}.{key}", child))
                elif isinstance(child, float) and not isfinite(child):
                    nonfinite.append(f"{here}.{key}")
        elif isinstance(current, list):
            for index, child in enumerate(current):
                if isinstance(child, str):
                    if not child.isprintable():
                        push((f"{here}[{index}]", child))
                elif isinstance(child, _CONTAINERS):
                    push((f"{here}[{index}]", child))
                elif isinstance(child, float) and not isfinite(child):
                    nonfinite.append(f"{here}[{index}]")
        elif isinstance(current, str) and not current.isprintable():
            unprintable.append((here, current))
    return Nodes(dated, known, ranged, unprintable, nonfinite)


def _field(path: str) -> str:
    last = path.rsplit(".", 1)[-1]
    return last.split("[", 1)[0] or "record"


def text_problems(document: Mapping[str, Any], nodes: Nodes | None = None) -> list[Problem]:
    """Unpaired surrogates and invisible control or format characters in any text.

    One rule for every way a record arrives (typed in the interview, a JSON file, a
    sealed bundle), so the command line accepts exactly what the web accepts.
    """
    problems: list[Problem] = []
    found = (nodes if nodes is not None else nodes_of(document)).unprintable
    for path, value in found:
        # Printable text (the usual case) cannot hold a control, format or surrogate
        # character: only the rest is looked at character by character. (Text that is
        # printable as it is stays so without the allowed invisibles: tested first.)
        if not isinstance(value, str) or value.isprintable():
            continue
        if value.translate(_WITHOUT_ALLOWED).isprintable():
            continue
        for char in value:
            code = f"{ord(char):04X}"
            if 0xD800 <= ord(char) <= 0xDFFF:
                problems.append(problem(path, "invalid_text", field=quote(_field(path)), char=code))
                break
            if char in ALLOWED_INVISIBLES:
                continue
            if unicodedata.category(char) in ("Cc", "Cf"):
                problems.append(
                    problem(path, "invisible_character", field=quote(_field(path)), char=code)
                )
                break
    return problems


def number_problems(document: Mapping[str, Any], nodes: Nodes | None = None) -> list[Problem]:
    """NaN and infinities, wherever they are: no count or amount is one, JSON has no
    spelling for them, and the schema's bounds do not catch NaN."""
    found = (nodes if nodes is not None else nodes_of(document)).nonfinite
    return [problem(path, "invalid_value", field=quote(_field(path))) for path in found]


def _ids(document: Mapping[str, Any], section: str) -> list[tuple[int, str]]:
    return [
        (index, entry["id"])
        for index, entry in items(document, section)
        if isinstance(entry.get("id"), str)
    ]


def _duplicate_ids(document: Mapping[str, Any], section: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, local_id in _ids(document, section):
        if local_id in seen:
            problems.append(
                problem(
                    f"$.{section}[{index}].id",
                    "duplicate_local_id",
                    id=quote(local_id),
                    field=section,
                )
            )
        seen.add(local_id)
    return problems


def informant_problems(document: Mapping[str, Any]) -> list[Problem]:
    """One main testifier; the victim, if an informant, is not named twice."""
    informants = items(document, "informants")
    problems = _duplicate_ids(document, "informants")
    main = [index for index, entry in informants if entry.get("is_main") is True]
    if len(main) > 1:
        problems.append(problem("$.informants", "several_main_informants", count=len(main)))
    elif not main and len(informants) > 1:
        problems.append(problem("$.informants", "no_main_informant"))
    victims = [(index, entry) for index, entry in informants if entry.get("is_victim") is True]
    if len(victims) > 1:
        problems.append(problem("$.informants", "several_victim_informants", count=len(victims)))
    for index, entry in victims:
        relation = entry.get("relation")
        if isinstance(relation, str) and relation != "self":
            problems.append(
                problem(
                    f"$.informants[{index}].relation",
                    "victim_informant_relation",
                    relation=quote(relation),
                )
            )
        if entry.get("names"):
            problems.append(problem(f"$.informants[{index}].names", "victim_informant_named"))
    return problems


def victim_problems(document: Mapping[str, Any]) -> list[Problem]:
    """A victim has a name or, when the name is not known, a description."""
    victim = document.get("victim")
    if not isinstance(victim, dict):
        return []
    if victim.get("names") or victim.get("description"):
        return []
    return [problem("$.victim.names", "unnamed_victim")]


def knowledge_problems(document: Mapping[str, Any], nodes: Nodes | None = None) -> list[Problem]:
    """Every ``known`` object names an informant of the record, and a relative only
    when the information came through one."""
    informant_ids = {local_id for _, local_id in _ids(document, "informants")}
    problems: list[Problem] = []
    for path, value in (nodes if nodes is not None else nodes_of(document)).known:
        informant = value.get("informant_id")
        if isinstance(informant, str) and informant not in informant_ids:
            problems.append(
                problem(f"{path}.informant_id", "unknown_informant", id=quote(informant))
            )
        if "through_relation" in value and value.get("basis") != "through_relative":
            problems.append(problem(f"{path}.through_relation", "relation_without_relative"))
    informant_sources = [
        (index, source.get("informant_id")) for index, source in items(document, "sources")
    ]
    for index, informant in informant_sources:
        if isinstance(informant, str) and informant not in informant_ids:
            problems.append(
                problem(
                    f"$.sources[{index}].informant_id", "unknown_informant", id=quote(informant)
                )
            )
    return problems


def connection_problems(
    document: Mapping[str, Any], detention_kinds: frozenset[str]
) -> list[Problem]:
    """Transfers come from an earlier episode; a camp relation names a detention episode."""
    order = {
        local_id: position for position, (_, local_id) in enumerate(_ids(document, "episodes"))
    }
    kinds = {
        entry["id"]: entry.get("kind")
        for _, entry in items(document, "episodes")
        if isinstance(entry.get("id"), str)
    }
    problems: list[Problem] = []
    for index, episode in items(document, "episodes"):
        here = f"$.episodes[{index}]"
        transfer = episode.get("transfer_from")
        source = transfer.get("episode_id") if isinstance(transfer, dict) else None
        if isinstance(source, str):
            path = f"{here}.transfer_from.episode_id"
            if source not in order:
                problems.append(problem(path, "unknown_episode", id=quote(source)))
            elif source == episode.get("id"):
                problems.append(problem(path, "transfer_from_itself"))
            elif order[source] > order.get(str(episode.get("id")), len(order)):
                problems.append(problem(path, "transfer_from_later", id=quote(source)))
        relation = episode.get("camp_relation")
        camp = relation.get("episode_id") if isinstance(relation, dict) else None
        if isinstance(camp, str):
            path = f"{here}.camp_relation.episode_id"
            if camp not in kinds:
                problems.append(problem(path, "unknown_episode", id=quote(camp)))
            elif kinds[camp] not in detention_kinds:
                problems.append(
                    problem(
                        path,
                        "camp_relation_not_detention",
                        id=quote(camp),
                        kind=quote(kinds[camp]),
                        allowed=", ".join(sorted(detention_kinds)),
                    )
                )
    return problems + _duplicate_ids(document, "sources")


def _reversed(path: str, field: str, low: object, high: object) -> list[Problem]:
    numbers = (int, float)
    if (
        isinstance(low, numbers)
        and isinstance(high, numbers)
        and not isinstance(low, bool)
        and not isinstance(high, bool)
        and high < low
    ):
        return [problem(path, "range_reversed", field=field, low=quote(low), high=quote(high))]
    return []


def range_problems(document: Mapping[str, Any], nodes: Nodes | None = None) -> list[Problem]:
    """Ranges said as "from .. to" never run backwards (durations, amounts, periods)."""
    problems: list[Problem] = []
    for path, value in (nodes if nodes is not None else nodes_of(document)).ranged:
        for low, high in _RANGES:
            if low in value and high in value:
                problems += _reversed(f"{path}.{high}", high, value[low], value[high])
    return problems


def wage_problems(document: Mapping[str, Any]) -> list[Problem]:
    """An amount needs its period and currency; a period needs an amount."""
    problems: list[Problem] = []
    for labour_index, labour in items(document, "labour"):
        for index, wage in items(labour, "wages"):
            path = f"$.labour[{labour_index}].wages[{index}]"
            has_amount, has_period = "amount" in wage, "period" in wage
            if has_amount and not has_period:
                problems.append(problem(f"{path}.period", "wage_without_period"))
            if has_period and not has_amount:
                problems.append(problem(f"{path}.amount", "wage_without_amount"))
            if has_amount and "currency" not in wage:
                problems.append(problem(f"{path}.currency", "wage_without_currency"))
            piece = wage.get("piece_rate")
            if isinstance(piece, dict) and "currency" not in piece and "currency" not in wage:
                problems.append(
                    problem(f"{path}.piece_rate.currency", "piece_rate_without_currency")
                )
    return problems
