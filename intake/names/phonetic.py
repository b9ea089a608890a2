"""Latin folding and the script-independent phonetic skeleton behind every key.

Every script is first brought to Latin letters by its own module; this module then
removes the differences that transliteration habits make (q/k, kh/h/x, zh/j, ş/sh,
ı/i, ü/u, doubled letters) and reduces a name to a consonant skeleton in which
letters that transcriptions confuse share one class.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Letters that NFD does not decompose, or that decompose to the wrong base, and the
# Latin a transliteration of a Turkic name would use for them.
_LETTERS = {
    # Uyghur Yengi Yeziq (1960s-80s Latin) letters.
    "ⱨ": "h",
    "ɵ": "o",
    "ə": "e",
    "ƣ": "gh",
    "ⱪ": "q",
    "ⱬ": "zh",
    # Kazakh Latin (2018 and 2021) and Turkish letters.
    "ı": "i",
    "ş": "sh",
    "ç": "ch",
    "ğ": "gh",
    "ǵ": "gh",
    "ñ": "ng",
    "ń": "ng",
    "ý": "u",
    "á": "a",
    "ä": "a",
    "æ": "a",
    "ø": "o",
    # Czech, Slovak and Lithuanian transliterations of Russian.
    "ž": "zh",
    "š": "sh",
    "č": "ch",
}

# Digraph habits, applied in order: the first column is what one convention writes,
# the second what this module keeps.
_DIGRAPHS = (
    ("dzh", "j"),
    ("tch", "ch"),
    ("kh", "h"),  # Russian BGN/GOST and English habits for х
    ("gh", "g"),  # ULY and English for ғ / غ
    ("zh", "j"),  # Kazakh ж: Zhomart / Jomart
    ("dj", "j"),
    ("x", "h"),  # ULY and Basque/Spanish x is the kh sound; pinyin x never reaches here
    ("q", "k"),  # ULY and Kazakh 2021 q for қ / ق
    ("w", "v"),
    ("ou", "u"),  # French and English spellings: Rouzi / Ruzi
    ("ee", "i"),  # English spellings: Kadeer / Kadir
    ("ck", "k"),
)

_VOWELS = frozenset("aeiouyv")

# Consonant classes of the skeleton. Why these merges: Chinese transcriptions of
# Turkic names have no l/r contrast in syllable codas, render voiced and voiceless
# stops with one character, and write ш, ж, ч, с, з with x, zh, q, s, z; Latin
# transliterations disagree on q/k/kh/h/gh.
_CLASSES = {
    "b": "P",
    "p": "P",
    "f": "P",
    "t": "T",
    "d": "T",
    "k": "K",
    "g": "K",
    "h": "K",
    "s": "S",
    "z": "S",
    "j": "S",
    "c": "S",
    "l": "R",
    "r": "R",
    "m": "M",
    "n": "N",
}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII letters of ``text`` with transliteration habits removed.

    Remembered for the last 65,536 texts: a name's parts (given names, the roots of
    family names) recur across testimonies far more than whole names do."""
    text = "".join(_LETTERS.get(char, char) for char in text.lower())
    text = unicodedata.normalize("NFD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[^a-z]", "", anyascii(text).lower())
    for written, kept in _DIGRAPHS:
        text = text.replace(written, kept)
    text = re.sub(r"(.)\1+", r"\1", text)
    # A final h after a vowel is silent in Arabic-origin names: Abdullah / Abdulla.
    return re.sub(r"(?<=[aeiou])h$", "", text)


def soft(folded: str) -> str:
    """``folded`` without its h sounds: Chinese transcriptions and English spellings drop
    them (Rahile / 热依拉 re-yi-la / Raile, Ahmet / 艾买提 ai-mai-ti)."""
    return re.sub(r"(?<![sct])h", "", folded)


def skeleton(folded: str) -> str:
    """Upper-case consonant classes of a folded name; 'A' marks a leading vowel."""
    text = folded.replace("sh", "s").replace("ch", "s").replace("ts", "s").replace("ng", "n")
    out = ["A"] if text[:1] in _VOWELS else []
    vowel_since = True
    for char in text:
        cls = _CLASSES.get(char)
        if cls is None:
            vowel_since = True
        elif vowel_since or out[-1] != cls:
            # Adjacent consonants of one class are one sound (dt, kh); a vowel between
            # keeps them apart (Dawut is T-T, not T).
            out.append(cls)
            vowel_since = False
    return "".join(out)
