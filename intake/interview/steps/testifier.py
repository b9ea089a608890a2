"""Step 1: the interview itself and the informants, one of them the main testifier.

A victim who speaks for themselves is an informant marked "the testifier is the
victim": their names are the victim's, typed once on the victim step.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, StringField, ValidationError

from intake.interview.fields import (
    DateForm,
    InterviewForm,
    code,
    date_data,
    date_structure,
    text,
    tick,
    whole_number,
)
from intake.interview.lists import RowForm, RowList, filled_rows
from intake.interview.steps.common import (
    NameForm,
    check_country,
    name_row,
    prune,
    reference_date,
)
from intake.interview.steps.known import KnowledgeForm, knowledge_data, knowledge_value

_CONTACT = ("phone", "email", "messenger", "address")
#: Informant answers kept as given, under the same name in the form and the record.
_KEPT_AS_GIVEN = (
    "relation",
    "relation_note",
    "is_former_detainee",
    "interview_language",
    "how_contacted",
    "note",
)
MAX_INFORMANTS = 20


class InformantForm(RowForm):
    """One person who gives information: who they are, and how they know."""

    id = HiddenField()
    is_main = tick(_l("Main testifier"))
    is_victim = tick(_l("The testifier is the victim (speaks of what happened to them)"))
    names = RowList(
        FormField(NameForm), label=_l("Informant's names"), min_entries=1, max_entries=50
    )
    relation = code(_l("Relation to the victim"), "relation")
    relation_note = text(_l("Relation in the testifier's words"), 500)
    age_years = whole_number(_l("Age (years)"), 0, 130)
    country = text(_l("Country of residence (two letters, e.g. KZ)"), 2)
    locality = text(_l("Town or village of residence"), 200)
    how_contacted = code(_l("How they were contacted"), "contact_mode")
    how_known = FormField(KnowledgeForm, label=_l("How they know"))
    is_former_detainee = code(_l("Former detainee themselves?"), "answer")
    interview_language = code(_l("Testifier's language"), "language")
    phone = text(_l("Phone"), 50)
    email = text(_l("Email"), 200)
    messenger = text(_l("Messenger account"), 200)
    address = text(_l("Address"), 500)
    contact_note = text(_l("Contact note"), 2000, multiline=True)
    note = text(_l("Note on this informant"), 2000, multiline=True)

    def is_blank(self) -> bool:
        """Nothing typed or ticked (the hidden id and the main tick alone count for nothing)."""
        if self.is_victim.data or any(not row.form.is_blank() for row in self.names.entries):
            return False
        asked = set(self._fields) - {"id", "is_main", "is_victim", "names"}
        return all(_nothing(self._fields[name].data) for name in asked)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the relation: required, and "self" for the victim speaking."""
        if not super().validate(extra_validators):
            return False
        if self.is_blank():
            return True
        relation = self.relation
        if self.is_victim.data and relation.data not in (None, "", "self"):
            message = gettext("A victim who testifies is related to the victim as “self”.")
        elif not self.is_victim.data and not relation.data:
            message = gettext("This field is required.")
        else:
            relation.data = relation.data or "self"
            return True
        relation.errors = [*relation.errors, message]
        return False

    def validate_names(self, field: FieldList) -> None:
        """No identity typed twice: the victim's names belong on the victim step."""
        if self.is_victim.data and filled_rows(field):
            raise ValidationError(
                gettext(
                    "The testifier is the victim: write the names on the victim step "
                    "and leave these rows empty."
                )
            )

    def validate_country(self, field: StringField) -> None:
        """A country's two letters (ISO 3166-1)."""
        check_country(self, field)


def _nothing(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_nothing(v) for v in value.values())
    return value in (None, "", [], False)


class TestifierForm(InterviewForm):
    """Interview date, language and place; who gives information and how they know."""

    interview_date = FormField(DateForm, label=_l("Date of the interview"))
    interview_language = code(_l("Language of the interview"), "language", required=True)
    interview_place = text(_l("Place of the interview"), 200)
    interviewer = text(_l("Interviewer pseudonym"), 100, required=True)
    interpreter_language = code(_l("Interpreter's language"), "language")
    interview_note = text(_l("Note on the interview"), 2000, multiline=True)
    informants = RowList(
        FormField(InformantForm),
        label=_l("Informants"),
        min_entries=1,
        max_entries=MAX_INFORMANTS,
    )

    def validate_informants(self, field: FieldList) -> None:
        """At least one informant; at most one main testifier and one victim speaking."""
        rows = filled_rows(field)
        if not rows:
            raise ValidationError(gettext("Record at least the main testifier."))
        if sum(1 for row in rows if row.is_main.data) > 1:
            raise ValidationError(gettext("Tick only one main testifier."))
        if sum(1 for row in rows if row.is_victim.data) > 1:
            raise ValidationError(gettext("Only one informant can be the victim."))


def _informant_data(informant: dict[str, Any]) -> dict[str, Any]:
    contact = informant.get("contact") or {}
    residence = informant.get("current_residence") or {}
    return {
        "id": informant.get("id"),
        "is_main": bool(informant.get("is_main")),
        "is_victim": bool(informant.get("is_victim")),
        "names": informant.get("names") or [],
        "age_years": (informant.get("age") or {}).get("years"),
        "country": residence.get("country"),
        "locality": residence.get("locality"),
        "how_known": knowledge_data(informant.get("how_known")),
        "contact_note": contact.get("note"),
        **{key: informant.get(key) for key in _KEPT_AS_GIVEN},
        **{key: contact.get(key) for key in _CONTACT},
    }


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    interview = document.get("interview") or {}
    informants = [i for i in document.get("informants") or [] if isinstance(i, dict)]
    return {
        "interview_date": date_data(interview.get("date")),
        "interview_language": interview.get("language"),
        "interview_place": interview.get("place"),
        "interviewer": (interview.get("interviewer") or {}).get("pseudonym"),
        "interpreter_language": interview.get("interpreter_language"),
        "interview_note": interview.get("note"),
        "informants": [_informant_data(i) for i in informants],
    }


def _new_ids(taken: set[str]) -> Any:
    number = 1
    while True:
        if f"i{number}" not in taken:
            taken.add(f"i{number}")
            yield f"i{number}"
        number += 1


def store(document: dict[str, Any], form: TestifierForm) -> None:
    """Write the interview and informants sections."""
    data = form.data
    interview = {
        "language": data["interview_language"],
        "place": data["interview_place"],
        "interviewer": {"pseudonym": data["interviewer"]},
        "interpreter_language": data["interpreter_language"],
        "note": data["interview_note"],
    }
    document["interview"] = prune(interview)
    when = date_structure(data["interview_date"], reference_date(document))
    if when:
        document["interview"]["date"] = when
    before = {i.get("id"): i for i in document.get("informants") or [] if isinstance(i, dict)}
    rows = filled_rows(form.informants)
    taken = {row.id.data for row in rows if row.id.data in before}
    fresh = _new_ids(set(taken))
    main = next((index for index, row in enumerate(rows) if row.is_main.data), 0)
    informants = []
    for index, row in enumerate(rows):
        ident = row.id.data if row.id.data in taken else next(fresh)
        taken.discard(ident)  # a copied id keeps its place only once
        informants.append(_informant(row, ident, index == main, before.get(ident), document))
    document["informants"] = informants


def _informant(
    row: InformantForm, ident: str, is_main: bool, before: Any, document: dict[str, Any]
) -> dict[str, Any]:
    age = None
    if row.age_years.data is not None:
        age = prune({"years": row.age_years.data, "as_of": (document["interview"].get("date"))})
    names = [] if row.is_victim.data else [name_row(n) for n in filled_rows(row.names)]
    informant = {
        "id": ident,
        "is_main": is_main,
        "is_victim": True if row.is_victim.data else None,
        "names": names or None,
        "age": age,
        "current_residence": prune({"country": row.country.data, "locality": row.locality.data}),
        "contact": prune({**{k: row[k].data for k in _CONTACT}, "note": row.contact_note.data}),
        "how_known": knowledge_value(
            row.how_known.form, (before or {}).get("how_known") if before else None
        ),
        **{key: row[key].data for key in _KEPT_AS_GIVEN},
    }
    return prune(informant)
