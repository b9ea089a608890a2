"""How a fact is known: the basis, the relative it came through, the words said.

The same small group sits on an informant, the victim's status and health, and an
intervention; the record keeps it as a ``knowledge`` object.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from intake.interview.fields import TranslatedForm, code, text
from intake.interview.steps.common import prune


class KnowledgeForm(TranslatedForm):
    """How it is known: seen, told by the victim, through a relative (which one)..."""

    basis = code(_l("How it is known"), "knowledge_basis")
    through_relation = code(_l("Through which relative or person"), "relation")
    note = text(_l("How it is known, in the testifier's words"), 2000)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then: a relative or words need the basis they explain."""
        if not super().validate(extra_validators):
            return False
        if (self.through_relation.data or self.note.data) and not self.basis.data:
            self.basis.errors = [*self.basis.errors, gettext("Choose how it is known.")]
            return False
        return True


#: Parts of a knowledge object no form asks for; a saved value keeps them.
_KEPT = ("informant_id", "known_on")


def knowledge_value(form: KnowledgeForm, before: Any = None) -> dict[str, Any] | None:
    """The record's knowledge object, or ``None`` when nothing was said; the parts of
    ``before`` (the saved value) that the form does not ask for are kept."""
    value = prune({key: form[key].data for key in ("basis", "through_relation", "note")})
    if value and isinstance(before, dict):
        value.update({key: before[key] for key in _KEPT if key in before})
    return value or None


def knowledge_data(value: Any) -> dict[str, Any]:
    """Form data from a record's knowledge object (informant ids are kept apart)."""
    return dict(value) if isinstance(value, dict) else {}
