"""From a name as typed to tokens with Latin forms, skeletons and roles.

Nothing here changes what was typed: the analysis is derived, and derived again
whenever :data:`RULES_VERSION` changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from intake.names import chinese, kazakh, russian, uyghur
from intake.names.phonetic import fold, skeleton, soft
from intake.names.scripts import (
    ARABIC,
    CYRILLIC,
    SIMPLIFIED,
    TRADITIONAL,
    char_script,
    may_hold_chinese,
)

#: Version of every rule in this package. Stored blind indexes are computed from the
#: keys these rules make: bump it whenever a table or rule changes, and rebuild them.
RULES_VERSION = "1"

#: Token roles.
NAME, PATRONYMIC = "name", "patronymic"

#: How a form was derived, for explanations.
LATIN, CYRILLIC_RULES, ARABIC_RULES, CHINESE_CHARS, PINYIN = (
    "latin",
    "cyrillic",
    "arabic",
    "chinese",
    "pinyin",
)

# Titles and honorifics that are not part of a name (Sidik Haji Rozi is Sidik Rozi).
_TITLES = frozenset({"haji", "hajji", "hajim", "ependi", "efendi", "mr", "mrs", "ms", "dr", "prof"})

_BRACKETS = re.compile(r"[()\[\]{}«»\"“”„,;:/]")


@dataclass(frozen=True)
class Form:
    """One Latin reading of a token: folded letters, skeleton, and how it was made."""

    folded: str
    skeleton: str
    via: str
    #: The skeleton with h sounds left out.
    soft_skeleton: str

    @property
    def loose(self) -> str:
        """The skeleton without velar and glottal classes or a leading vowel.

        Why: h, kh, gh, q, k and g are the sounds Chinese transcriptions drop or swap
        most (Ghopur 吾甫尔 wu-fu-er), and a leading vowel comes and goes with them.
        """
        return self.skeleton.lstrip("A").replace("K", "")


@lru_cache(maxsize=65536)
def form(folded: str, via: str) -> Form:
    """The form of ``folded`` letters made by ``via`` (remembered, as :func:`fold` is)."""
    return Form(folded, skeleton(folded), via, skeleton(soft(folded)))


@dataclass(frozen=True)
class Token:
    """One part of a name as typed, with its readings."""

    text: str
    role: str
    forms: tuple[Form, ...]
    #: First token of a name written given-name first; only such a token is a given name.
    is_given: bool = False


@dataclass(frozen=True)
class Name:
    """A whole name, analysed. ``unsegmented`` holds Chinese syllables typed without dots."""

    text: str
    tokens: tuple[Token, ...]
    unsegmented: tuple[str, ...] = ()


#: Characters of a name that are analysed; the rest is ignored. A name is rarely a
#: tenth of this, and hostile input must not cost more than a bounded amount of work.
MAX_NAME = 200

# Format and control characters carry no letters. Zero-width ones are dropped (a
# zero-width non-joiner may sit inside an Arabic-script word); the others (direction
# overrides, NUL, tabs) become spaces so that they cannot glue two name parts together.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_CONTROLS = re.compile("[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What separates the words of a name, and the pieces of a hyphenated word.
_WORD_BREAKS = re.compile(r"[\s·•・‧∙⋅.．。]+")
_HYPHENS = re.compile(r"[-‐‑–]")


@lru_cache(maxsize=65536)
def analyse(text: str) -> Name:
    """Tokens of ``text`` with their Latin forms and roles."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text[:MAX_NAME]))
    text = _CONTROLS.sub(" ", text)
    if may_hold_chinese(text) and any(
        char_script(char) in (SIMPLIFIED, TRADITIONAL) for char in text
    ):
        return _analyse_chinese(text)
    syllables = _spaced_pinyin(text)
    if syllables:
        # Gu Li Na Zha: a transcription romanised one syllable per word.
        return Name(text, (chinese_token(syllables, text),), unsegmented=tuple(syllables))
    tokens = _latin_like_tokens(text)
    return Name(text, _mark_given(tokens))


def _spaced_pinyin(text: str) -> list[str]:
    """The syllables of ``text`` if it is three or more words, each one pinyin syllable."""
    words = text.split()
    if len(words) < 3 or not all(word.isascii() and word.isalpha() for word in words):
        return []
    syllables = [chinese.strip_tones(word) for word in words]
    if all(syllable in chinese.valid_syllables() for syllable in syllables):
        return syllables
    return []


def _mark_given(tokens: list[Token]) -> tuple[Token, ...]:
    # Russian official order puts the family name (with its -ov ending) first; the
    # given name is then the first token that carried no such ending.
    for index, token in enumerate(tokens):
        if token.role == NAME and not _had_family_ending(token):
            tokens[index] = Token(token.text, token.role, token.forms, is_given=True)
            break
    return tuple(tokens)


def _had_family_ending(token: Token) -> bool:
    return (
        any(russian.FAMILY.match(fold(piece)) is not None for piece in token.text.split("-"))
        and token.forms[0].via != PINYIN
    )


def _latin_like_tokens(text: str) -> list[Token]:
    words = [w for w in _WORD_BREAKS.split(_BRACKETS.sub(" ", text)) if w]
    tokens: list[Token] = []
    for word in words:
        only_particles, token = _word(word)
        if only_particles and tokens:
            # A separate "uly" / "қызы" makes the word before it a patronymic.
            tokens[-1] = _token(tokens[-1].text, tokens[-1].forms[0].folded, LATIN, PATRONYMIC)
        elif token is not None:
            tokens.append(token)
    return tokens


@lru_cache(maxsize=65536)
def _word(word: str) -> tuple[bool, Token | None]:
    """Whether ``word`` is only patronymic particles (uly, kyzy-uly: it makes the word
    before it a patronymic), and its token read alone: None for a title or a word with
    no letters.
    Remembered: the words of names recur across testimonies, and tokens are immutable.
    """
    pieces = [piece for piece in _HYPHENS.split(word) if piece]
    latin_pieces = [_to_latin(piece) for piece in pieces]
    folded_pieces = [fold(latin) for latin, _ in latin_pieces]
    only_particles = bool(folded_pieces) and all(f in kazakh.PARTICLES for f in folded_pieces)
    if len(pieces) > 1 and folded_pieces[-1] in kazakh.PARTICLES:
        # Kemel-uly: the particle after a hyphen.
        joined = "".join(folded_pieces[:-1])
        return only_particles, _token(word, joined, latin_pieces[0][1], PATRONYMIC)
    folded = "".join(folded_pieces)
    if not folded or folded in _TITLES:
        return only_particles, None
    via = latin_pieces[0][1]
    token = _token(word, folded, via, None)
    syllables = chinese.split_pinyin(word) if via == LATIN else None
    if syllables is not None:
        token = _with_pinyin(token, syllables)
    return only_particles, token


@lru_cache(maxsize=65536)
def _to_latin(piece: str) -> tuple[str, str]:
    scripts = {char_script(char) for char in piece}
    if CYRILLIC in scripts:
        return kazakh.cyrillic_to_latin(piece), CYRILLIC_RULES
    if ARABIC in scripts:
        return uyghur.arabic_to_latin(unicodedata.normalize("NFKC", piece)), ARABIC_RULES
    return uyghur.yengi_to_latin(piece), LATIN


def _token(text: str, folded: str, via: str, role: str | None) -> Token:
    """A token from its folded letters, finding a patronymic or family ending if ``role``
    is not given."""
    if role is None:
        role = NAME
        match = kazakh.PATRONYMIC.match(folded) or russian.PATRONYMIC.match(folded)
        if match is not None:
            role, folded = PATRONYMIC, match["stem"]
        else:
            family = russian.FAMILY.match(folded)
            if family is not None:
                folded = family["stem"]
    forms = [form(folded, via)]
    if via == ARABIC_RULES and folded.startswith("j"):
        # Arabic-language press has no g and writes ج for it (جولشان Gulshan).
        forms.append(form("g" + folded[1:], via))
    return Token(text, role, tuple(forms))


def _with_pinyin(token: Token, syllables: list[str]) -> Token:
    stem, role = chinese.strip_russian_ending(syllables)
    folded = fold(chinese.to_turkic(stem))
    reading = form(folded, PINYIN)
    if role == PATRONYMIC:
        return Token(token.text, PATRONYMIC, (reading, *token.forms))
    return Token(token.text, token.role, (*token.forms, reading))


def _analyse_chinese(text: str) -> Name:
    han = "".join(char for char in text if char_script(char) in (SIMPLIFIED, TRADITIONAL))
    pattern = "[" + re.escape(chinese.SEPARATORS) + "]"
    if re.search(pattern, text):
        parts = [re.sub(r"\s+", "", part) for part in re.split(pattern, text)]
    else:
        groups = text.split()
        # Spaces separate parts only when no part is a single character: 热 依 拉 is
        # one part typed with spaces, 古丽 阿依 two parts.
        parts = groups if all(len(g) > 1 for g in groups) and len(groups) > 1 else [han]
    parts = [part for part in parts if part]
    tokens = [chinese_token(chinese.han_syllables(part), part) for part in parts]
    tokens = [token for token in tokens if token.forms[0].folded]
    if len(parts) == 1 and len(tokens) == 1:
        syllables = tuple(chinese.han_syllables(parts[0]))
        return Name(text, _mark_given(tokens), unsegmented=syllables)
    return Name(text, _mark_given(tokens))


def chinese_token(syllables: list[str], text: str) -> Token:
    """A token from the pinyin syllables of one part of a Chinese transcription."""
    stem, role = chinese.strip_russian_ending(syllables)
    folded = fold(chinese.to_turkic(stem))
    return Token(text, role, (form(folded, CHINESE_CHARS),))


def splits(syllables: tuple[str, ...]) -> Iterator[tuple[Token, Token]]:
    """Every way to cut a Chinese name typed without separators into two parts."""
    for cut in range(1, len(syllables)):
        first, second = list(syllables[:cut]), list(syllables[cut:])
        yield (
            chinese_token(first, "".join(first)),
            chinese_token(second, "".join(second)),
        )
