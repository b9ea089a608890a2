"""Facilities and places chosen by typing: one list per page, resolved on the server.

A page with many episodes must not repeat the facility registry and the place list
in a select per episode. The page carries each list once (a ``<datalist>``); an
episode's box takes what was typed (a registry id, or a name in any of the
interface languages, as the list shows it) and the server resolves it to the id,
or refuses it with a message when it names nothing or more than one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask_babel import gettext

from intake.interview import vocab

#: Languages a typed name may be in (the codebook's and the interface's).
_LANGUAGES = ("en", "kk", "ru", "ug", "zh")


@dataclass(frozen=True)
class Entry:
    """One choice of a list: what it is (kind), its id and its names by language."""

    kind: str
    id: str
    names: tuple[tuple[str, str], ...]
    #: The prefecture a county belongs to (for the county's shown name and place).
    parent: str | None = None

    def name(self, language: str) -> str:
        """The name in ``language``, else English, else any."""
        names = dict(self.names)
        return names.get(language) or names.get("en") or next(iter(names.values()), self.id)


def _names(source: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((lang, str(source[lang])) for lang in _LANGUAGES if source.get(lang))


@lru_cache(maxsize=1)
def place_entries() -> tuple[Entry, ...]:
    """Prefectures and counties of Xinjiang, then the provinces (when the list has them)."""
    out: list[Entry] = []
    for prefecture in vocab.prefectures():
        out.append(Entry("prefecture", prefecture["id"], _names(prefecture)))
        for county in prefecture.get("counties", []):
            out.append(Entry("county", county["id"], _names(county), prefecture["id"]))
    out += [Entry("province", p["id"], _names(p)) for p in vocab.provinces()]
    return tuple(out)


@lru_cache(maxsize=1)
def facility_entries() -> tuple[Entry, ...]:
    """The facility registry."""
    return tuple(
        Entry("facility", fid, _names(entry.get("names") or {}))
        for fid, entry in vocab.facilities().items()
    )


@lru_cache(maxsize=2)
def _by_id(which: str) -> dict[str, Entry]:
    entries = place_entries() if which == "place" else facility_entries()
    return {entry.id: entry for entry in entries}


def shown_name(entry: Entry, language: str) -> str:
    """What the list shows: a county with its prefecture, so that names are unique."""
    if entry.parent:
        parent = _by_id("place").get(entry.parent)
        if parent:
            return f"{entry.name(language)} ({parent.name(language)})"
    return entry.name(language)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@lru_cache(maxsize=2)
def _lookup(which: str) -> dict[str, Entry | None]:
    """Every id, name and shown name (in every language) → its entry; ``None`` when
    the same words name two different entries."""
    table: dict[str, Entry | None] = {}
    entries = place_entries() if which == "place" else facility_entries()
    for entry in entries:
        keys = {_key(entry.id)}
        for language in _LANGUAGES:
            keys |= {_key(entry.name(language)), _key(shown_name(entry, language))}
        for key in keys:
            if key in table and table[key] is not entry:
                table[key] = None
            else:
                table.setdefault(key, entry)
    return table


class PickError(ValueError):
    """What was typed names no entry of the list, or more than one."""


def resolve(which: str, typed: str) -> Entry:
    """The entry ``typed`` names in the ``which`` list ("place" or "facility")."""
    found = _lookup(which).get(_key(typed), False)
    if found is None:
        raise PickError(gettext("These words name more than one entry: choose one from the list."))
    if found is False:
        if which == "place":
            raise PickError(
                gettext(
                    "No such prefecture, county or province in the list. Choose one from the"
                    " list, or write the place in the box for other words."
                )
            )
        raise PickError(
            gettext(
                "No such facility in the registry. Choose one from the list, or describe"
                " the facility in words."
            )
        )
    return found  # type: ignore[return-value]


def entry_of(which: str, entry_id: str) -> Entry | None:
    """The entry with this id, if any."""
    return _by_id(which).get(entry_id)


def options(which: str) -> list[tuple[str, str]]:
    """(value, id) pairs of the page's list in the interface language."""
    language = vocab.ui_language()
    entries = place_entries() if which == "place" else facility_entries()
    return [(shown_name(entry, language), entry.id) for entry in entries]
