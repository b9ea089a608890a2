"""Chinese rules: characters and typed pinyin to the Turkic sounds they transcribe.

pypinyin gives the syllables; our own table then undoes the habits of Chinese
transcriptions of Turkic names: a consonant that ends a Turkic syllable is written as
a whole Chinese syllable (提 ti for a final t, 木 mu for m, 力 li for l), 尔 er is an r,
and some sequences are fixed renderings (古丽 gul, 买买提 mamet).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

#: Characters people put between the parts of a transcribed name: the middle dot, its
#: look-alikes (bullet, katakana middle dot, hyphenation point), and full stops.
SEPARATORS = "·•・‧∙⋅.．。-－"

# Fixed renderings of syllable sequences in transcriptions of Uyghur and Kazakh names,
# longest first. Each entry exists because the syllable-by-syllable reading misses the
# Turkic sound (a vowel dropped, a consonant doubled, -jan written 江).
SEQUENCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("a", "bu", "du", "re", "xi", "ti"), "abdurashit"),
    (("a", "bu", "du", "ke", "li", "mu"), "abdukerim"),
    (("gu", "li", "zi", "la"), "gulzira"),
    (("gu", "li", "zi", "re"), "gulzire"),
    (("yi", "si", "ma", "yi", "er"), "ismail"),
    (("mu", "ha", "mai", "ti"), "muhammet"),
    (("a", "hai", "mai", "ti"), "ahmet"),
    (("a", "he", "mai", "ti"), "ahmet"),
    (("mai", "mai", "ti"), "mamet"),
    (("tu", "er", "xun"), "tursun"),
    (("re", "yi", "han"), "reyhan"),
    (("ai", "er", "ken"), "erkin"),
    (("gu", "zi", "la"), "gulzira"),
    (("pa", "er", "ha", "ti"), "perhat"),
    (("ku", "er", "ban"), "kurban"),
    (("si", "ma", "yi"), "ismail"),
    (("tie", "mu", "er"), "temur"),
    (("sai", "fu", "ding"), "seypidin"),
    (("a", "bu", "du"), "abdu"),
    (("a", "bu", "lai", "ti"), "ablet"),
    (("a", "li", "mu"), "alim"),
    (("ka", "si", "mu"), "kasim"),
    (("ni", "sha"), "nisa"),
    (("na", "zha", "er"), "nazar"),
    (("na", "zha"), "nazar"),  # 古力娜扎 Gulnazar: the final r is often left out
    (("gu", "li"), "gul"),
    (("a", "yi"), "ay"),
    (("nu", "er"), "nur"),
    (("ai", "sha"), "isa"),
    (("di", "li"), "dil"),
)

# Syllables that stand for a lone consonant when they are not the first of a part and
# the next syllable starts with a consonant, or the part ends: 伊力哈木 yi-li-ha-mu is
# Ilham, 卡德尔 ka-de-er is Kadir.
_CONSONANT_ONLY = {
    "ti": "t",
    "te": "t",
    "de": "d",
    "di": "d",
    "ke": "k",
    "ge": "g",
    "mu": "m",
    "fu": "p",
    "bu": "b",
    "pu": "p",
    "si": "s",
    "zi": "z",
    "ci": "ts",
    "ze": "z",
    "se": "s",
    "li": "l",
    "le": "l",
    "ri": "r",
    "er": "r",
}

_INITIALS = (
    ("zh", "j"),
    ("ch", "ch"),
    ("sh", "sh"),
    ("b", "b"),
    ("p", "p"),
    ("m", "m"),
    ("f", "p"),  # Turkic has no f; 甫 fu renders p
    ("d", "d"),
    ("t", "t"),
    ("n", "n"),
    ("l", "l"),
    ("g", "g"),
    ("k", "k"),
    ("h", "h"),
    ("j", "j"),
    ("q", "ch"),
    ("x", "sh"),
    ("r", "r"),
    ("z", "z"),
    ("c", "ts"),
    ("s", "s"),
    ("y", "y"),
    ("w", "w"),
)

_FINALS = {
    "ai": "e",
    "ei": "e",
    "ao": "o",
    "ou": "u",
    "ang": "an",
    "eng": "en",
    "ong": "un",
    "iang": "yan",
    "ing": "in",
    "iong": "yun",
    "ia": "ya",
    "ie": "ye",
    "iao": "yo",
    "iu": "yu",
    "ian": "yan",
    "ua": "wa",
    "uo": "o",
    "uai": "way",
    "ui": "uy",
    "uan": "wan",
    "uang": "wan",
    "ue": "ue",
    "ve": "ue",
    "v": "u",
    "vn": "un",
    "van": "wan",
}

_WHOLE = {"yi": "i", "wu": "u", "er": "r", "ai": "e", "ei": "e", "ao": "o", "ou": "u"}

#: Longest run of letters read as pinyin: no name part has more syllables than this
#: allows, and the search is recursive.
MAX_PINYIN = 40

_TONES = re.compile(r"[\u0300-\u036f]")


@cache
def valid_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written v)."""
    # About 40,000 characters share about 1,500 readings: each reading is stripped once
    # (a fresh import worker builds this set before its first name).
    readings = set(",".join(pinyin_dict.values()).split(","))
    found = {strip_tones(reading) for reading in readings}
    # Interjections written with a bare consonant (嗯 n, 呣 m, 哼 hng) would let any
    # Latin word ending in n or m pass for pinyin.
    return frozenset(s for s in found if s.isalpha() and s not in {"n", "m", "ng", "hm", "hng"})


def strip_tones(text: str) -> str:
    """Pinyin without tone marks, ü as v, lower case."""
    text = unicodedata.normalize("NFD", text.lower()).replace("u\u0308", "v")
    return _TONES.sub("", text)


def han_syllables(part: str) -> list[str]:
    """Toneless pinyin syllables of a run of Chinese characters."""
    found = lazy_pinyin(part, style=Style.NORMAL, errors="ignore")
    return [syllable for syllable in (s.strip().lower() for s in found) if syllable.isalpha()]


def split_pinyin(token: str) -> list[str] | None:
    """Syllables of a typed pinyin ``token`` (tone marks and apostrophes allowed), or None.

    None when the token is not wholly pinyin or is one syllable: then it is read as an
    ordinary Latin spelling only. Remembered per token (every Latin word of a name is
    tried, and the words of names recur across testimonies).
    """
    found = _split_pinyin(token)
    return None if found is None else list(found)


@lru_cache(maxsize=65536)
def _split_pinyin(token: str) -> tuple[str, ...] | None:
    # Why this guard: many Turkic names (Abai, Aisa, Yasin) happen to spell valid
    # syllables. Read as pinyin only what shows it (tone marks, syllable apostrophes) or
    # runs to three syllables of two letters or more (Dilireba).
    marked = strip_tones(token) != token.lower() or re.search(r"['’ʼ]", token) is not None
    syllables: list[str] = []
    for piece in re.split(r"['’ʼ]", strip_tones(token)):
        found = _segment(piece)
        if found is None:
            return None
        syllables.extend(found)
    if marked and len(syllables) >= 2:
        return tuple(syllables)
    if len(syllables) >= 3 and all(len(s) > 1 for s in syllables):
        return tuple(syllables)
    return None


def _segment(piece: str) -> list[str] | None:
    if not piece:
        return []
    if len(piece) > MAX_PINYIN:
        return None
    valid = valid_syllables()
    for end in range(min(6, len(piece)), 0, -1):
        head = piece[:end]
        if head in valid:
            rest = _segment(piece[end:])
            if rest is not None:
                return [head, *rest]
    return None


def strip_russian_ending(syllables: list[str]) -> tuple[list[str], str]:
    """Syllables without a transcribed Russian ending, and the role that ending marks.

    维奇 wei-qi and 夫娜 fu-na are -vich and -vna: the rest is a patronymic. 夫 fu and
    娃 wa after at least two syllables are -ov/-ev and -ova/-eva of a family name; an
    耶 ye before them is the e of -ev.
    """
    if len(syllables) > 2 and syllables[-2:] == ["wei", "qi"]:
        return syllables[:-2], "patronymic"
    if len(syllables) > 2 and syllables[-2:] == ["fu", "na"]:
        rest = syllables[:-2]
        return (rest[:-1] if rest[-1] == "ye" and len(rest) > 2 else rest), "patronymic"
    if len(syllables) > 2 and syllables[-1] in ("fu", "wa"):
        rest = syllables[:-1]
        return (rest[:-1] if rest[-1] == "ye" and len(rest) > 2 else rest), "name"
    return syllables, "name"


def to_turkic(syllables: list[str]) -> str:
    """The Turkic Latin spelling a sequence of syllables most likely transcribes."""
    out: list[str] = []
    index = 0
    while index < len(syllables):
        for sequence, turkic in SEQUENCES:
            if tuple(syllables[index : index + len(sequence)]) == sequence:
                out.append(turkic)
                index += len(sequence)
                break
        else:
            out.append(_syllable(syllables, index))
            index += 1
    return "".join(out)


def _syllable(syllables: list[str], index: int) -> str:
    syllable = syllables[index]
    following = syllables[index + 1] if index + 1 < len(syllables) else None
    closes = following is None or following[0] not in "aeiouyw"
    if index > 0 and closes and syllable in _CONSONANT_ONLY:
        return _CONSONANT_ONLY[syllable]
    if syllable in _WHOLE:
        return _WHOLE[syllable]
    for initial, latin in _INITIALS:
        if syllable.startswith(initial):
            final = syllable[len(initial) :]
            return latin + _FINALS.get(final, final)
    return _FINALS.get(syllable, syllable)
