"""Recall of name matching on the sourced pair set: finding a person by any spelling.

Builds a gallery of people (each with every published spelling of the name), asks for
each spelling in turn, and reports how often the right person ranks first (recall@1)
and among the first five (recall@5), with the other spellings of the query person
still in the gallery and the query spelling itself taken out. Then counts false
matches: negative pairs that compare() calls a match, split out for pairs that share
only a patronymic or a father's name (the goal there is none), and every pair of
spellings of two different people in the gallery.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "tests" / "fixtures" / "names" / "pairs.json"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intake.names import RULES_VERSION, compare, matching_keys, rank  # noqa: E402

#: Negative pairs whose only link is a father's name: a patronymic, a family name made
#: from the father's name (Uyghur and Kazakh custom), or a shared family name.
FATHERS_NAME = frozenset({"father", "patronymic", "family"})


@dataclass(frozen=True)
class Figures:
    """What one run measured."""

    people: int
    queries: int
    positives: int
    negatives: int
    recall_at_1: float
    recall_at_5: float
    #: The same, with the query person's spellings in the query's own script taken out
    #: of the gallery: only a transliteration or transcription can find the person.
    other_script_queries: int
    other_script_recall_at_1: float
    other_script_recall_at_5: float
    negative_false_matches: int
    fathers_name_false_matches: int
    cross_person_pairs: int
    cross_person_false_matches: int
    positive_is_match: float
    #: Same-person pairs that share a name key (t:, n:, l:), so that a blind-index
    #: search can bring one spelling up from the other at all.
    key_recall: float
    #: Spellings of two different people that share a name key (with ``cross``).
    cross_person_key_share: float
    misses: tuple[tuple[str, str, str], ...]
    false_matches: tuple[tuple[str, str], ...]


def load_pairs(path: Path = PAIRS) -> dict[str, list[dict[str, object]]]:
    """The sourced set: ``pairs`` and the ``distractors`` that only join the gallery."""
    data: dict[str, list[dict[str, object]]] = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("distractors", [])
    return data


def gallery(data: dict[str, list[dict[str, object]]]) -> dict[str, list[str]]:
    """Each person's distinct spellings, in the order first seen."""
    people: dict[str, list[str]] = defaultdict(list)
    for pair in data["pairs"]:
        for side in ("a", "b"):
            person, text = str(pair[f"{side}_person"]), str(pair[side])
            if text not in people[person]:
                people[person].append(text)
    for distractor in data["distractors"]:
        people[str(distractor["person"])].append(str(distractor["text"]))
    return dict(people)


def evaluate(data: dict[str, list[dict[str, object]]], *, cross: bool = True) -> Figures:
    """Recall and false-match figures over the sourced set.

    ``cross`` also compares every spelling of every person with every spelling of every
    other person (slow: tens of thousands of comparisons).
    """
    pairs = data["pairs"]
    people = gallery(data)
    scripts = {str(p[side]): str(p[f"{side}_script"]) for p in pairs for side in ("a", "b")}
    queries = hits1 = hits5 = 0
    other_queries = other1 = other5 = 0
    misses = []
    for person, spellings in people.items():
        if len(spellings) < 2:
            continue
        for query in spellings:
            keys, top = _search(query, person, people, lambda text: True)
            queries += 1
            hits1 += bool(keys) and keys[0] == person
            hits5 += person in keys
            if not keys or keys[0] != person:
                misses.append((person, query, top))
            script = scripts[query]
            if any(scripts[text] != script for text in spellings):
                keys, _ = _search(query, person, people, lambda t, s=script: scripts[t] != s)
                other_queries += 1
                other1 += bool(keys) and keys[0] == person
                other5 += person in keys
    negatives = [pair for pair in pairs if not pair["same"]]
    false_negatives = [p for p in negatives if compare(str(p["a"]), str(p["b"])).is_match]
    positives = [pair for pair in pairs if pair["same"]]
    matched = sum(compare(str(p["a"]), str(p["b"])).is_match for p in positives)
    with_key = sum(bool(_name_keys(str(p["a"])) & _name_keys(str(p["b"]))) for p in positives)
    compared = cross_false = cross_keys = 0
    false_pairs = [(str(p["a"]), str(p["b"])) for p in false_negatives]
    names = sorted(people) if cross else []
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            for a in people[first]:
                for b in people[second]:
                    compared += 1
                    cross_keys += bool(_name_keys(a) & _name_keys(b))
                    if compare(a, b).is_match:
                        cross_false += 1
                        false_pairs.append((a, b))
    return Figures(
        people=len(people),
        queries=queries,
        positives=len(positives),
        negatives=len(negatives),
        recall_at_1=hits1 / queries if queries else 0.0,
        recall_at_5=hits5 / queries if queries else 0.0,
        other_script_queries=other_queries,
        other_script_recall_at_1=other1 / other_queries if other_queries else 0.0,
        other_script_recall_at_5=other5 / other_queries if other_queries else 0.0,
        negative_false_matches=len(false_negatives),
        fathers_name_false_matches=sum(p.get("shared") in FATHERS_NAME for p in false_negatives),
        cross_person_pairs=compared,
        cross_person_false_matches=cross_false,
        positive_is_match=matched / len(positives) if positives else 0.0,
        key_recall=with_key / len(positives) if positives else 0.0,
        cross_person_key_share=cross_keys / compared if compared else 0.0,
        misses=tuple(misses),
        false_matches=tuple(false_pairs),
    )


def _name_keys(text: str) -> frozenset[str]:
    return frozenset(key for key in matching_keys(text) if not key.startswith("p:"))


def _search(
    query: str, person: str, people: dict[str, list[str]], keep: Callable[[str], bool]
) -> tuple[list[str], str]:
    """The first five people for ``query``; ``keep`` filters the query person's spellings."""
    candidates = [
        (other, [t for t in texts if t != query and (other != person or keep(t))])
        for other, texts in people.items()
    ]
    ranked = rank(query, [(key, texts) for key, texts in candidates if texts])
    top = f"{ranked[0].variant} ({ranked[0].score:.2f})" if ranked else "nothing"
    return [item.key for item in ranked[:5]], top


def main(argv: list[str] | None = None) -> None:
    """Print the machine, then the figures; ``--verbose`` lists misses and false matches."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="pair set (JSON)")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    try:
        data = load_pairs(args.pairs)
    except (OSError, ValueError, KeyError) as error:
        parser.error(f"cannot read the pair set {args.pairs}: {error}")
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import machine

    print(f"machine: {machine()}")
    report(data, verbose=args.verbose)


def report(
    data: dict[str, list[dict[str, object]]] | None = None, *, verbose: bool = False
) -> None:
    """Print the figures for ``data`` (the sourced set by default); scripts/bench calls this."""
    data = load_pairs() if data is None else data
    start = time.perf_counter()
    figures = evaluate(data)
    seconds = time.perf_counter() - start
    print(
        f"names (rules {RULES_VERSION}): {figures.people} people in the gallery, "
        f"{figures.positives} same-person pairs, {figures.negatives} different-person pairs, "
        f"{figures.queries} queries in {seconds:.1f} s"
    )
    print(f"recall@1 {figures.recall_at_1:.1%}, recall@5 {figures.recall_at_5:.1%} (goal 95%)")
    print(
        f"from another script only ({figures.other_script_queries} queries): recall@1 "
        f"{figures.other_script_recall_at_1:.1%}, recall@5 {figures.other_script_recall_at_5:.1%}"
    )
    print(
        f"same-person pairs called a match: {figures.positive_is_match:.1%}; "
        f"false matches: {figures.negative_false_matches} of {figures.negatives} negative "
        f"pairs, of which {figures.fathers_name_false_matches} from a shared patronymic "
        f"or father's name (goal 0); {figures.cross_person_false_matches} of "
        f"{figures.cross_person_pairs} spellings of two different people"
    )
    print(
        f"keys: {figures.key_recall:.1%} of same-person pairs share a name key; "
        f"{figures.cross_person_key_share:.1%} of different-person spellings do"
    )
    if verbose:
        for person, query, top in figures.misses:
            print(f"  miss: {query!r} ({person}) ranked first {top}")
        for a, b in figures.false_matches:
            print(f"  false match: {a!r} ~ {b!r}: {compare(a, b).explanation}")


if __name__ == "__main__":
    main()
