"""How a fact is known: the basis, the relative it came through, the words said.

The same small group sits on an informant, the victim's status and health, and an
intervention; the record keeps it as a ``knowledge`` object.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from intake.interview.dates import parse_date_said
from intake.interview.fields import TranslatedForm, code, text
from intake.interview.steps.common import prune


class KnowledgeForm(TranslatedForm):
    """How it is known: seen, told by the victim, through a relative (which one)..."""

    basis = code(_l("How it is known"), "knowledge_basis")
    through_relation = code(_l("Through which relative or person"), "relation")
    known_on = text(_l("Known since, as said (e.g. “January 2019”, “2019-01”)"), 500)
    note = text(_l("How it is known, in the testifier's words"), 2000)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then: a relative or words need the basis they explain."""
        if not super().validate(extra_validators):
            return False
        said = self.through_relation.data or self.note.data or self.known_on.data
        if said and not self.basis.data:
            self.basis.errors = [*self.basis.errors, gettext("Choose how it is known.")]
            return False
        return True


#: Parts of a knowledge object this form does not ask for; a saved value keeps them.
#: (On these pages the informant is the main one unless the record says otherwise.)
_KEPT = ("informant_id",)


def knowledge_value(
    form: KnowledgeForm, before: Any = None, reference: date | None = None
) -> dict[str, Any] | None:
    """The record's knowledge object, or ``None`` when nothing was said; the parts of
    ``before`` (the saved value) that the form does not ask for are kept. "Known since"
    is read from the words as said, relative to ``reference`` (default: today)."""
    value = prune({key: form[key].data for key in ("basis", "through_relation", "note")})
    said = form.known_on.data
    if value and said:
        when = parse_date_said(said, reference or datetime.now(UTC).date())
        value["known_on"] = {**(when or {"precision": "unknown"})}
        if value["known_on"].get("value") != said:
            value["known_on"]["text_as_said"] = said
    if value and isinstance(before, dict):
        value.update({key: before[key] for key in _KEPT if key in before})
    return value or None


def knowledge_data(value: Any) -> dict[str, Any]:
    """Form data from a record's knowledge object (informant ids are kept apart)."""
    data = dict(value) if isinstance(value, dict) else {}
    known_on = data.get("known_on")
    if isinstance(known_on, dict):
        data["known_on"] = known_on.get("text_as_said") or known_on.get("value")
    return data
