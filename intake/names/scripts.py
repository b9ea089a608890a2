"""Which writing system a name is typed in, as an ISO 15924 code."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: ISO 15924 codes this package returns.
CYRILLIC, LATIN, ARABIC, SIMPLIFIED, TRADITIONAL, MIXED = (
    "Cyrl",
    "Latn",
    "Arab",
    "Hans",
    "Hant",
    "Zyyy",
)


#: The code point ranges read as Chinese characters: CJK Unified Ideographs, Extension
#: A, and Compatibility Ideographs.
_HAN_CHARACTER = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")


def may_hold_chinese(text: str) -> bool:
    """Whether ``text`` holds a code point of the Chinese ranges: only then can
    :func:`char_script` find a Chinese character in it."""
    return _HAN_CHARACTER.search(text) is not None


@lru_cache(maxsize=8192)
def char_script(char: str) -> str | None:
    """The script of one character, or None for spaces, digits and punctuation.

    Remembered per character (the alphabets of names are small): looking up a
    character's Unicode name is most of the cost of analysing a name."""
    if not char.isalpha():
        # Combining marks (the hook of K̡, Chinese tone marks typed apart) follow their base.
        return None
    if _HAN_CHARACTER.fullmatch(char):
        return SIMPLIFIED if _in_gb2312(char) else TRADITIONAL
    name = unicodedata.name(char, "")
    if name.startswith("CYRILLIC"):
        return CYRILLIC
    if name.startswith("ARABIC"):
        return ARABIC
    # LATIN covers the Uyghur Yengi Yeziq letters (ⱨ, ɵ, ə) and Kazakh 2021 letters too.
    if name.startswith("LATIN"):
        return LATIN
    return MIXED


def _in_gb2312(char: str) -> bool:
    # Why: GB 2312 is the simplified character set of the PRC; a Han character outside it
    # is almost always a traditional form (來, 爾, 婭, 熱). No table to maintain.
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def detect_script(text: str) -> str:
    """ISO 15924 code of ``text``: Cyrl, Latn, Arab, Hans, Hant, or Zyyy (mixed or none).

    Simplified and traditional characters together count as Hant: one traditional
    character shows the writer used the traditional set.
    """
    found = {script for script in map(char_script, text) if script is not None}
    if found == {SIMPLIFIED, TRADITIONAL}:
        return TRADITIONAL
    if len(found) == 1:
        return found.pop()
    return MIXED
