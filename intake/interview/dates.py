# Cyrillic, Arabic-script and Chinese words below are the point of this module.
# ruff: noqa: RUF001
"""Dates as the testifier knows them: the precision structure and a small parser.

``parse_date_said`` reads what people say ("2017", "2018-03", "spring 2018",
"весна 2018", "көктем 2018", "about two years ago") into the record's
date-with-precision structure. It returns ``None`` when it is not sure: the
interviewer then picks the precision by hand, and the words are kept either way.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

SEASONS = {
    "spring": (
        "spring",
        "весна",
        "весной",
        "весною",
        "көктем",
        "көктемде",
        "春",
        "春天",
        "ئەتىياز",
    ),
    "summer": ("summer", "лето", "летом", "жаз", "жазда", "夏", "夏天", "ياز"),
    "autumn": ("autumn", "fall", "осень", "осенью", "күз", "күзде", "秋", "秋天", "كۈز"),
    "winter": ("winter", "зима", "зимой", "қыс", "қыста", "冬", "冬天", "قىش"),
}
_MONTHS = (
    ("january", "jan", "январь", "января", "январе", "қаңтар"),
    ("february", "feb", "февраль", "февраля", "феврале", "ақпан"),
    ("march", "mar", "март", "марта", "марте", "наурыз"),
    ("april", "apr", "апрель", "апреля", "апреле", "сәуір"),
    ("may", "май", "мая", "мае", "мамыр"),
    ("june", "jun", "июнь", "июня", "июне", "маусым"),
    ("july", "jul", "июль", "июля", "июле", "шілде"),
    ("august", "aug", "август", "августа", "августе", "тамыз"),
    ("september", "sep", "sept", "сентябрь", "сентября", "сентябре", "қыркүйек"),
    ("october", "oct", "октябрь", "октября", "октябре", "қазан"),
    ("november", "nov", "ноябрь", "ноября", "ноябре", "қараша"),
    ("december", "dec", "декабрь", "декабря", "декабре", "желтоқсан"),
)
_APPROX = (
    "about",
    "around",
    "approximately",
    "roughly",
    "circa",
    "c",
    "ca",
    "примерно",
    "около",
    "приблизительно",
    "где-то",
    "шамамен",
    "шамасы",
    "大约",
    "大概",
    "左右",
)
_BEFORE = ("before", "until", "до", "ранее", "дейін", "бұрын", "以前", "之前")
_AFTER = ("after", "since", "после", "с", "кейін", "соң", "以后", "之后")
_UNKNOWN = (
    "unknown",
    "don't know",
    "do not know",
    "not known",
    "не знаю",
    "неизвестно",
    "білмеймін",
    "белгісіз",
    "不知道",
)
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "один": 1,
    "одного": 1,
    "год": 1,
    "два": 2,
    "двух": 2,
    "три": 3,
    "трёх": 3,
    "трех": 3,
    "четыре": 4,
    "пять": 5,
    "бір": 1,
    "екі": 2,
    "үш": 3,
    "төрт": 4,
    "бес": 5,
    "алты": 6,
    "жеті": 7,
    "half": 0,
}
_YEAR_WORDS = ("year", "years", "год", "года", "лет", "жыл", "年")
_MONTH_WORDS = ("month", "months", "месяц", "месяца", "месяцев", "ай", "个月", "月")
_AGO = ("ago", "назад", "бұрын", "前")
_WORD_RE = re.compile(r"[^\W_]+(?:[.'-][^\W_]+)*\.?|\d+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.rstrip(".").lower() or w.lower() for w in _WORD_RE.findall(text.lower())]


def _has(words: list[str], text: str, vocabulary: tuple[str, ...]) -> bool:
    return any(v in words or (len(v) > 2 and " " in v and v in text) for v in vocabulary)


def _numeric(text: str) -> tuple[bool, dict[str, Any] | None]:
    stripped = text.strip().rstrip(".")
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})[./](\d{1,2})[./](\d{4})", "dmy"),
        (r"(\d{4})[-/.](\d{1,2})", "ym"),
        (r"(\d{1,2})[./](\d{4})", "my"),
        (r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?", "ymd"),
        (r"(\d{4})(?:年| ж\.?| жыл| г\.?| год)?", "y"),
    ):
        match = re.fullmatch(pattern, stripped)
        if match:
            parts = dict(zip(order, match.groups(), strict=True))
            return True, make_value(parts.get("y"), parts.get("m"), parts.get("d"))
    return False, None


def make_value(year: Any, month: Any = None, day: Any = None) -> dict[str, Any] | None:
    """The structure for a year, year-month or exact day; ``None`` if not a real date."""
    try:
        y = int(year)
        if not 1000 <= y <= 9999:
            return None
        if month in (None, ""):
            return {"precision": "year", "value": f"{y:04d}"}
        m = int(month)
        if not 1 <= m <= 12:
            return None
        if day in (None, ""):
            return {"precision": "month", "value": f"{y:04d}-{m:02d}"}
        d = int(day)
        date(y, m, d)
    except (TypeError, ValueError):
        return None
    return {"precision": "day", "value": f"{y:04d}-{m:02d}-{d:02d}"}


def _year_in(words: list[str]) -> int | None:
    for word in words:
        match = re.fullmatch(r"(\d{4})(?:ж|жыл|г|год|年)?", word)
        if match:
            return int(match.group(1))
    return None


def _relative(words: list[str], reference: date) -> dict[str, Any] | None:
    if not any(w in _AGO for w in words):
        return None
    count = next((int(w) for w in words if w.isdigit() and len(w) < 3), None)
    if count is None:
        count = next((_NUMBERS[w] for w in words if w in _NUMBERS), 1) or 1
    if any(w in _YEAR_WORDS for w in words):
        return {"precision": "approximate", "value": f"{reference.year - count:04d}"}
    if any(w in _MONTH_WORDS for w in words):
        index = reference.year * 12 + reference.month - 1 - count
        return {"precision": "approximate", "value": f"{index // 12:04d}-{index % 12 + 1:02d}"}
    return None


def parse_date_said(text: str, reference: date) -> dict[str, Any] | None:
    """Read ``text`` into ``{"precision", "value"?, "season"?}``, or ``None`` if unsure.

    ``reference`` is the interview date, for "two years ago". The words themselves
    are not included; the caller keeps them as ``text_as_said``.
    """
    text = " ".join(text.split())
    if not text:
        return None
    is_numeric, numeric = _numeric(text)
    if is_numeric:
        return numeric
    words = _words(text)
    if _has(words, text.lower(), _UNKNOWN):
        return {"precision": "unknown"}
    relative = _relative(words, reference)
    if relative:
        return relative
    year = _year_in(words)
    if year is None:
        year = next((int(m) for m in re.findall(r"(\d{4})\s*年", text)), None)
    if year is None or not 1000 <= year <= 9999:
        return None
    for season, names in SEASONS.items():
        if any(w in names for w in words) or any(n in text for n in names if len(n) <= 2):
            return {"precision": "season", "value": f"{year:04d}", "season": season}
    result = {"precision": "year", "value": f"{year:04d}"}
    for number, names in enumerate(_MONTHS, start=1):
        if any(w in names for w in words):
            result = {"precision": "month", "value": f"{year:04d}-{number:02d}"}
    if any(w in _APPROX for w in words) or any(a in text for a in ("大约", "大概", "左右")):
        return {**result, "precision": "approximate"}
    if any(w in _BEFORE for w in words):
        return {**result, "precision": "before"}
    if any(w in _AFTER for w in words):
        return {**result, "precision": "after"}
    return result


def month_days(year: int, month: int) -> int:
    """Days in a month (for form checks)."""
    return calendar.monthrange(year, month)[1]
