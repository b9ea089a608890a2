"""Rows of a step (name variants, episodes, translations): blank rows, add, remove, move.

Buttons send ``action`` values such as ``add:names``, ``remove:names:2``,
``up:episodes:1`` or ``down:episodes:1``; they work without JavaScript. After a
change the rows are renumbered so the next post reads them in the shown order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from wtforms import FieldList, Form

from intake.interview.fields import TranslatedForm, release_fields

NAVIGATION = ("next", "back", "save")


class RowForm(TranslatedForm):
    """A row that may be left entirely empty (then it is skipped, not an error)."""

    #: Fields whose emptiness makes the row blank (all by default).
    key_fields: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        """Whether the person typed nothing in the row's key fields."""
        names = self.key_fields or tuple(self._fields)
        return all(_empty(self._fields[name].data) for name in names)

    def validate(self, extra_validators: Any = None) -> bool:
        """Blank rows pass; others are checked field by field."""
        if self.is_blank():
            return True
        return super().validate(extra_validators)


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value in (None, "", [], False)


class RowList(FieldList):
    """Rows with a limit that refuses a post holding more rows than it, rather than
    dropping the rows beyond the limit without a word, as FieldList does."""

    too_many = False

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        """Read the rows, noting whether more were sent than the limit allows."""
        if formdata and self.max_entries:
            sent = set(self._extract_indices(self.name, formdata))
            self.too_many = len(sent) > self.max_entries
        if data is None:
            super().process(formdata, extra_filters=extra_filters)
        else:
            super().process(formdata, data, extra_filters=extra_filters)

    def validate(self, form: Any, extra_validators: Any = ()) -> bool:
        """The rows, then: a post with more rows than the limit is refused."""
        valid = bool(super().validate(form, extra_validators))
        if self.too_many:
            message = gettext("At most %(limit)s rows can be given here.", limit=self.max_entries)
            self.errors.append(message)
            return False
        return valid


def filled_rows(rows: FieldList) -> list[Any]:
    """The sub-forms of ``rows`` that are not blank."""
    return [entry.form for entry in rows.entries if not entry.form.is_blank()]


@dataclass(frozen=True)
class Action:
    """What the button that sent the form asks for."""

    verb: str
    target: str = ""
    index: int = -1

    @classmethod
    def parse(cls, raw: str | None) -> Action:
        """Read an action value; anything unreadable means "save and stay"."""
        parts = (raw or "save").split(":")
        if parts[0] in NAVIGATION and len(parts) == 1:
            return cls(parts[0])
        if parts[0] == "add" and len(parts) == 2:
            return cls("add", parts[1])
        if parts[0] in ("remove", "up", "down") and len(parts) == 3 and parts[2].isdigit():
            return cls(parts[0], parts[1], int(parts[2]))
        return cls("save")

    @property
    def is_list_change(self) -> bool:
        """Whether rows are added, removed or moved."""
        return self.verb in ("add", "remove", "up", "down")

    def apply(self, form: Form) -> None:
        """Add, remove or move a row of ``form`` (unknown targets are ignored)."""
        rows = rows_named(form, self.target)
        if rows is None:
            return
        order = list(range(len(rows.entries)))
        if self.verb == "add":
            if len(order) < (rows.max_entries or 100):
                rows.append_entry()
            return
        if not 0 <= self.index < len(order):
            return
        if self.verb == "remove":
            order.pop(self.index)
        elif self.verb == "up" and self.index > 0:
            order[self.index - 1], order[self.index] = order[self.index], order[self.index - 1]
        elif self.verb == "down" and self.index < len(order) - 1:
            order[self.index + 1], order[self.index] = order[self.index], order[self.index + 1]
        renumber(rows, order)


def rows_named(form: Form, target: str) -> FieldList | None:
    """The rows ``target`` names: ``names``, or rows inside a row, ``informants-1-names``."""
    head, *rest = target.split("-")
    rows = getattr(form, head, None)
    while rest and isinstance(rows, FieldList) and len(rest) >= 2 and rest[0].isdigit():
        index, name, *rest = rest
        entries = rows.entries
        if int(index) >= len(entries):
            return None
        rows = getattr(entries[int(index)].form, name, None)
    return rows if isinstance(rows, FieldList) and not rest else None


def renumber(rows: FieldList, order: list[int]) -> None:
    """Rebuild ``rows`` in ``order`` with fresh indexes (typed values are kept)."""
    kept = [rows.entries[i].data for i in order]
    dropped, rows.entries = rows.entries, []
    rows.last_index = -1
    for data in kept:
        rows.append_entry(data)
    release_fields(dropped)
