"""Uyghur rules: Arabic script to Uyghur Latin (ULY) through umsc, after our own clean-up."""

from __future__ import annotations

import re
from functools import cache

from umsc import UgMultiScriptConverter

# Arabic-language letters and presentation habits that people type in Uyghur names but
# umsc's Uyghur table does not know. Why: keyboards without a Uyghur layout give the
# Arabic ه for ە, ي for ي/ى, ك for ك, and names copied from Arabic press carry ط, ص, ع.
_ARABIC_HABITS = {
    "\u0647": "\u06d5",  # ه -> ە
    "\u0629": "\u06d5",  # ة -> ە
    "\u0643": "\u0643",  # ك stays k
    "\u0637": "\u062a",  # ط -> ت
    "\u0635": "\u0633",  # ص -> س
    "\u062b": "\u0633",  # ث -> س
    "\u0636": "\u0632",  # ض -> ز
    "\u0638": "\u0632",  # ظ -> ز
    "\u0630": "\u0632",  # ذ -> ز
    "\u062d": "\u06be",  # ح -> ھ
    "\u0639": "\u0627",  # ع carries a vowel in Turkic names: عباس Abbas
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0622": "\u0627",  # آ -> ا
    "\u0624": "\u06c7",  # ؤ -> ۇ
    "\u064a": "\u064a",  # ي stays y
    "\u0640": "",  # tatweel
}


@cache
def _converter() -> UgMultiScriptConverter:
    return UgMultiScriptConverter("UAS", "ULS")


def arabic_to_latin(text: str) -> str:
    """Uyghur (or Arabic-spelled) ``text`` in Uyghur Latin letters."""
    cleaned = "".join(_ARABIC_HABITS.get(char, char) for char in text)
    latin = str(_converter()(cleaned))
    # Arabic press spells the Russian -yev of Kazakh family names ييف (Tokayev توكاييف):
    # written back as -yev so that the family-ending rule strips it.
    return re.sub(r"y+f$", "yev", latin)


# Letters found only in Yengi Yeziq, the Uyghur Latin of 1965-1982. In it x is ш and
# q is ч, where ULY writes sh and ch and uses x and q for other sounds.
_YENGI = re.compile("[ɵⱨəⱪƣⱬ]|k\u0321", re.IGNORECASE)


def yengi_to_latin(word: str) -> str:
    """``word`` with Yengi Yeziq x and q rewritten as sh and ch; other words unchanged."""
    if _YENGI.search(word) is None:
        return word
    return word.replace("x", "sh").replace("X", "Sh").replace("q", "ch").replace("Q", "Ch")
