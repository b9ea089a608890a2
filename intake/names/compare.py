"""Comparing two names token by token, and ranking candidates for a query."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

from rapidfuzz.distance import Indel

from intake.names.normalise import (
    CHINESE_CHARS,
    NAME,
    PATRONYMIC,
    PINYIN,
    Form,
    Name,
    Token,
    analyse,
    form,
    splits,
)

#: Variant kinds that are not a person's name: they never produce keys and never match.
NOT_NAMES = frozenset({"pseudonym", "description"})

#: Two tokens are taken as the same name part at this similarity or above (0..1).
TOKEN_THRESHOLD = 0.8

#: Least score of a match. Below it, or when the token rules below fail, is_match is
#: False. The rules: at least one given or family name agrees (not only a patronymic);
#: at least two parts agree unless both names have one part; and the two names do not
#: each keep a given or family name the other lacks (siblings, father and child).
MATCH_THRESHOLD = 0.6

# Similar skeletons count for less than similar spellings: classes are coarse.
SKELETON_WEIGHT = 0.9

# Weight of a patronymic in the score: it says whose child someone is, not who.
_PATRONYMIC_WEIGHT = 0.5

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class NameVariant:
    """A name as recorded: text, optional ISO 15924 script, optional kind.

    ``kind`` "pseudonym" or "description" marks a variant that is not the person's
    name; such variants are skipped by :func:`rank` and never match.
    """

    text: str
    script: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class TokenMatch:
    """One part of name A paired with one part of name B, and how they agree."""

    a: str
    b: str
    #: exact, transliteration, chinese-syllables, fuzzy, or patronymic
    how: str
    ratio: float

    def __str__(self) -> str:
        return f"{self.a} = {self.b} ({self.how}, {self.ratio:.2f})"


#: Why two names that share something do not match: stable codes for the interface
#: to translate, with the English this package uses in :attr:`Match.explanation`.
REASONS = {
    "not-a-name": "a pseudonym or description is not a name",
    "patronymic-only": "only a patronymic agrees",
    "each-lacks": "each name has a part the other lacks",
    "one-part": "only one name part agrees",
    "too-little": "too little of the names agrees",
}


@dataclass(frozen=True)
class Match:
    """The outcome of comparing two names.

    ``tokens`` and :attr:`explanation` contain the names compared: show them only to
    someone allowed to read both, and never write them to a log.
    """

    score: float
    is_match: bool
    tokens: tuple[TokenMatch, ...] = ()
    #: A key of :data:`REASONS` when parts agree but is_match is False, else "".
    reason: str = ""

    @property
    def explanation(self) -> str:
        """Which part matched which, and how, in one line of English."""
        parts = "; ".join(str(token) for token in self.tokens) or "no part agrees"
        return f"{parts} — {REASONS[self.reason]}" if self.reason else parts


@dataclass(frozen=True)
class Ranked(Generic[K]):
    """One candidate in a ranking: its key, best score, and the variant that gave it."""

    key: K
    score: float
    variant: str
    match: Match = field(compare=False)


def compare(
    a_text: str,
    b_text: str,
    *,
    a_script: str | None = None,
    b_script: str | None = None,
    a_kind: str | None = None,
    b_kind: str | None = None,
) -> Match:
    """Compare two name variants; see :data:`MATCH_THRESHOLD` for when they match.

    The script arguments are accepted for symmetry with stored variants; the script of
    each character is detected anyway, so a wrong label cannot hide a match.
    """
    del a_script, b_script
    if a_kind in NOT_NAMES or b_kind in NOT_NAMES:
        return Match(0.0, False, reason="not-a-name")
    return _compare_texts(a_text, b_text)


def rank(
    query: str | NameVariant,
    candidates: Iterable[tuple[K, Sequence[str | NameVariant]]],
    *,
    limit: int | None = None,
) -> list[Ranked[K]]:
    """Candidates best first, each with the variant that compared best with ``query``.

    Candidates whose every variant is a pseudonym or description are left out.
    """
    if isinstance(query, str):
        query = NameVariant(query)
    ranked: list[Ranked[K]] = []
    if query.kind in NOT_NAMES:
        return ranked
    for key, variants in candidates:
        best: Ranked[K] | None = None
        for variant in variants:
            if isinstance(variant, str):
                variant = NameVariant(variant)
            if variant.kind in NOT_NAMES:
                continue
            match = _compare_texts(query.text, variant.text)
            if best is None or (match.score, match.is_match) > (best.score, best.match.is_match):
                best = Ranked(key, match.score, variant.text, match)
        if best is not None:
            ranked.append(best)
    ranked.sort(key=lambda item: (item.score, item.match.is_match), reverse=True)
    return ranked[:limit] if limit is not None else ranked


@lru_cache(maxsize=65536)
def _compare_texts(a_text: str, b_text: str) -> Match:
    # Ranking compares one query with every stored variant, and the next query of a
    # session often with the same ones: the outcome depends on the two texts only.
    return _compare_names(analyse(a_text), analyse(b_text))


def _compare_names(a: Name, b: Name) -> Match:
    best = _compare_tokens(a.tokens, b.tokens)
    # One name written as two words (نور سلطان for Nursultan, قاسم جومارت for
    # Kassym-Jomart): try joining neighbours on either side.
    for tokens in _joins(a.tokens):
        found = _compare_tokens(tokens, b.tokens)
        best = found if found.score > best.score else best
    for tokens in _joins(b.tokens):
        found = _compare_tokens(a.tokens, tokens)
        best = found if found.score > best.score else best
    # A Chinese name typed without a dot between its parts: try every split point.
    for this, other, swap in ((a, b, False), (b, a, True)):
        if this.unsegmented and len(other.tokens) > 1:
            for tokens in splits(this.unsegmented):
                if swap:
                    found = _compare_tokens(other.tokens, tokens)
                else:
                    found = _compare_tokens(tokens, other.tokens)
                if found.score > best.score:
                    best = found
    return best


def _joins(tokens: tuple[Token, ...]) -> Iterable[tuple[Token, ...]]:
    for i in range(len(tokens) - 1):
        first, second = tokens[i], tokens[i + 1]
        if first.role != NAME or second.role != NAME:
            continue
        folded = first.forms[0].folded + second.forms[0].folded
        joined = Token(
            f"{first.text} {second.text}",
            NAME,
            (form(folded, first.forms[0].via),),
            is_given=first.is_given,
        )
        yield (*tokens[:i], joined, *tokens[i + 2 :])


def _compare_tokens(a: Sequence[Token], b: Sequence[Token]) -> Match:
    pairs = []
    for i, ta in enumerate(a):
        for j, tb in enumerate(b):
            if not _may_pair(ta, tb):
                continue
            ratio, how = _token_similarity(ta, tb)
            if ratio >= TOKEN_THRESHOLD:
                pairs.append((ratio, i, j, how))
    pairs.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched: list[TokenMatch] = []
    total = strong = 0.0
    for ratio, i, j, how in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        both_names = a[i].role == NAME and b[j].role == NAME
        total += ratio * (1.0 if both_names else _PATRONYMIC_WEIGHT)
        strong += both_names
        matched.append(TokenMatch(a[i].text, b[j].text, how if both_names else "patronymic", ratio))
    weight = _weight(a) + _weight(b)
    score = round(2 * total / weight, 4) if weight else 0.0
    is_match, reason = _decide(a, b, used_a, used_b, score, strong, len(matched))
    return Match(score, is_match, tuple(matched), reason)


def _decide(
    a: Sequence[Token],
    b: Sequence[Token],
    used_a: set[int],
    used_b: set[int],
    score: float,
    strong: float,
    agreed: int,
) -> tuple[bool, str]:
    left_a = any(t.role == NAME and i not in used_a for i, t in enumerate(a))
    left_b = any(t.role == NAME and i not in used_b for i, t in enumerate(b))
    if not agreed:
        return False, ""
    if not strong:
        return False, "patronymic-only"
    if left_a and left_b:
        return False, "each-lacks"
    if agreed < 2 and not (len(a) == 1 and len(b) == 1):
        return False, "one-part"
    if score < MATCH_THRESHOLD:
        return False, "too-little"
    return True, ""


def _weight(tokens: Sequence[Token]) -> float:
    return sum(1.0 if t.role == NAME else _PATRONYMIC_WEIGHT for t in tokens)


def _may_pair(a: Token, b: Token) -> bool:
    # A patronymic may meet a patronymic, or a family name made from the same father's
    # name (Abai Qunanbaiuly / Abai Kunanbaev), but never a given name: Kemel Tokayev
    # is the father of Kassym-Jomart Kemeluly Tokayev, not the same man.
    if a.role == PATRONYMIC and b.role == NAME:
        return not b.is_given
    if b.role == PATRONYMIC and a.role == NAME:
        return not a.is_given
    return True


def _token_similarity(a: Token, b: Token) -> tuple[float, str]:
    best, how = 0.0, "fuzzy"
    if a.text.casefold() == b.text.casefold():
        return 1.0, "exact"
    for fa in a.forms:
        for fb in b.forms:
            ratio, kind = _form_similarity(fa, fb)
            if ratio > best:
                best, how = ratio, kind
    return best, how


def _form_similarity(a: Form, b: Form) -> tuple[float, str]:
    chinese = {a.via, b.via} & {CHINESE_CHARS, PINYIN}
    same = "chinese-syllables" if chinese else "transliteration"
    if a.folded == b.folded:
        return 1.0, same
    if a.skeleton == b.skeleton and len(a.skeleton) >= 2:
        return 0.9, same
    if a.soft_skeleton == b.soft_skeleton and len(a.soft_skeleton) >= 2:
        return 0.85, same
    folded = Indel.normalized_similarity(a.folded, b.folded)
    skeleton = SKELETON_WEIGHT * Indel.normalized_similarity(a.skeleton, b.skeleton)
    if skeleton > folded:
        return skeleton, same + " (fuzzy)"
    return folded, "fuzzy"
