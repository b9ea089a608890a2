"""Codebook labels and reference choices in the reader's language.

Everything is read lazily (never at import) and cached: the files are data under
``schemas/`` that do not change while the app runs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale
from flask_babel import get_locale, gettext
from wtforms.fields.choices import SelectChoice

from intake.records.derived import load_codebook, load_reference

Choices = list[tuple[str, str]]


def ui_language() -> str:
    """The current UI language code."""
    return str(get_locale() or "en")


#: Codes in CLDR's territory list that are no country a person lives in or holds the
#: citizenship of: the European Union, the euro area, the United Nations, CLDR's
#: "Outlying Oceania" and "Unknown Region", its two pseudo-locale codes, and the
#: codes ISO 3166 reserves for parts of other countries (Ascension Island, Clipperton
#: Island, Sark, Diego Garcia, Ceuta and Melilla, the Canary Islands, Tristan da
#: Cunha). XK (Kosovo) is kept: it is in wide use for a country.
_NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)


@lru_cache(maxsize=8)
def _countries(language: str) -> dict[str, str]:
    """Two-letter country codes and their names in ``language``, from the Unicode CLDR
    data Babel carries: ISO 3166-1 alpha-2, with CLDR's few additions such as XK
    (Kosovo)."""
    return {
        code: name
        for code, name in Locale.parse(language).territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def is_country(code: str) -> bool:
    """Whether ``code`` (in capitals) is a country's two-letter code."""
    return code in _countries("en")


def country_name(code: str, language: str | None = None) -> str:
    """A country code's name in ``language`` (the UI language if not given), then in
    English, then the code itself."""
    return _countries(language or ui_language()).get(code) or _countries("en").get(code) or code


@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, dict[str, dict[str, str]]]:
    book = load_codebook()["vocabularies"]
    return {
        name: {entry["code"]: entry.get("labels", {}) for entry in vocab["codes"]}
        for name, vocab in book.items()
    }


def codes(vocabulary: str) -> list[str]:
    """Codes of ``vocabulary`` in codebook order."""
    return list(_vocabularies()[vocabulary])


def label(vocabulary: str, code: object) -> str:
    """The label of ``code`` in the UI language (English, then the code, as fallbacks)."""
    labels = _vocabularies().get(vocabulary, {}).get(str(code))
    if not labels:
        return str(code)
    return labels.get(ui_language()) or labels.get("en") or str(code)


def code_choices(vocabulary: str, *, blank: bool = True) -> Choices:
    """(code, label) pairs for a select, with a leading empty choice when ``blank``."""
    head = [("", gettext("— not given —"))] if blank else []
    return head + [(code, label(vocabulary, code)) for code in codes(vocabulary)]


def _local_name(names: dict[str, Any]) -> str:
    return str(names.get(ui_language()) or names.get("en") or next(iter(names.values()), ""))


@lru_cache(maxsize=1)
def facilities() -> dict[str, dict[str, Any]]:
    """The facility registry by id."""
    return {entry["id"]: entry for entry in load_reference("facilities")["facilities"]}


def facility_name(registry_id: str) -> str:
    """A registry facility's name in the UI language."""
    entry = facilities().get(registry_id)
    return _local_name(entry["names"]) if entry else registry_id


def facility_choices() -> Choices:
    """Registry facilities for a select, after an empty choice."""
    head = [("", gettext("— not in the registry —"))]
    return head + [(fid, facility_name(fid)) for fid in facilities()]


@lru_cache(maxsize=1)
def _places() -> list[dict[str, Any]]:
    return list(load_reference("places")["prefectures"])


def prefectures() -> list[dict[str, Any]]:
    """Prefectures of Xinjiang with their counties (places.json)."""
    return _places()


@lru_cache(maxsize=1)
def provinces() -> list[dict[str, Any]]:
    """Provinces and other provincial-level divisions outside Xinjiang (when listed)."""
    return list(load_reference("places").get("provinces") or [])


def province_choices() -> Choices:
    """Provinces outside Xinjiang for a select, after an empty choice."""
    head = [("", gettext("— not given —"))]
    return head + [(p["id"], _local_name(p)) for p in provinces()]


def prefecture_choices() -> Choices:
    """Prefectures of Xinjiang for a select."""
    head = [("", gettext("— not given —"))]
    return head + [(p["id"], _local_name(p)) for p in _places()]


def county_choices() -> list[SelectChoice]:
    """Counties grouped by prefecture (option groups), after an empty choice."""
    out = [SelectChoice(value="", label=gettext("— not given —"))]
    for prefecture in _places():
        group = _local_name(prefecture)
        for county in prefecture.get("counties", []):
            out.append(SelectChoice(value=county["id"], label=_local_name(county), optgroup=group))
    return out


def place_name(place_id: str) -> str:
    """A prefecture's or county's name in the UI language."""
    for prefecture in _places():
        if prefecture["id"] == place_id:
            return _local_name(prefecture)
        for county in prefecture.get("counties", []):
            if county["id"] == place_id:
                return _local_name(county)
    for province in provinces():
        if province["id"] == place_id:
            return _local_name(province)
    return place_id


def county_in_prefecture(county_id: str, prefecture_id: str) -> bool:
    """Whether the county id belongs to the prefecture id."""
    return county_id.split(".", 1)[0] == prefecture_id
