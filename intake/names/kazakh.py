"""Kazakh rules: Cyrillic letters to Latin, and the -ұлы / -қызы patronymic."""

from __future__ import annotations

import re

# Kazakh Cyrillic (a superset of Russian) to the Latin most transliterations use.
# Why our own table: no maintained library covers the Kazakh letters with the habits
# of passports and the 2021 alphabet at once. The 2021 Latin alphabet writes ә ä, ө ö,
# ү ü, ұ ū, ғ ğ, қ q, ң ñ, ш ş, і ı; older habits write ae/a, o, u, u, gh, k, ng, sh, i.
# fold() in phonetic.py removes those differences, so one Latin target suffices here.
CYRILLIC = {
    "а": "a",
    "ә": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "gh",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "җ": "j",  # Uyghur Cyrillic
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "ng",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "u",
    "ү": "u",
    "ф": "f",
    "х": "kh",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "і": "i",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}


def cyrillic_to_latin(text: str) -> str:
    """Kazakh, Russian or Uyghur Cyrillic ``text`` in Latin letters (other characters kept)."""
    out = []
    for char in text:
        latin = CYRILLIC.get(char.lower())
        out.append(char if latin is None else latin)
    return "".join(out)


# The patronymic particle after fold(): -ұлы/-улы/-uly/-ulı/-ūly/-uli "son of",
# -қызы/-кызы/-qyzy/-kyzy/-qızı "daughter of"; Uyghur Latin writes -qizi, Kyrgyz -uulu.
# A stem of at least three letters keeps short names (Guli, Uli) whole.
PATRONYMIC = re.compile(r"^(?P<stem>[a-z]{3,}?)(?:uly|uli|ulu|kyzy|kizi|kyzi|kizy)$")

#: The particle written as its own word or after a hyphen (Kemel-uly, Kemel uly).
PARTICLES = frozenset({"uly", "uli", "ulu", "kyzy", "kizi", "kyzi", "kizy"})
