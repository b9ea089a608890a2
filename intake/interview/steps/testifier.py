"""Step 1: the interview itself and the person who testifies."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, StringField, ValidationError

from intake.interview.fields import DateForm, code, date_data, date_structure, text
from intake.interview.steps.common import NameForm, name_row, prune, reference_date

_CONTACT = ("phone", "email", "messenger", "address", "note")
#: Testifier answers kept as given, under the same name in the form and the record.
_TESTIFIER_KEYS = ("relation", "relation_note", "how_known", "how_known_note", "is_former_detainee")


class TestifierForm(FlaskForm):
    """Interview date, language and place; who testifies and how they know."""

    interview_date = FormField(DateForm, label=_l("Date of the interview"))
    interview_language = code(_l("Language of the interview"), "language", required=True)
    interview_place = text(_l("Place of the interview"), 200)
    interviewer = text(_l("Interviewer pseudonym"), 100, required=True)
    interpreter_language = code(_l("Interpreter's language"), "language")
    interview_note = text(_l("Note on the interview"), 2000, multiline=True)
    names = FieldList(
        FormField(NameForm), label=_l("Testifier's names"), min_entries=1, max_entries=50
    )
    relation = code(_l("Relation to the victim"), "relation", required=True)
    relation_note = text(_l("Relation in the testifier's words"), 500)
    how_known = code(_l("How the testifier knows"), "how_known", required=True)
    how_known_note = text(_l("How they know, in their words"), 2000, multiline=True)
    is_former_detainee = code(_l("Former detainee themselves?"), "answer")
    testifier_language = code(_l("Testifier's language"), "language")
    country = text(_l("Country of residence (two letters, e.g. KZ)"), 2)
    locality = text(_l("Town or village of residence"), 200)
    phone = text(_l("Phone"), 50)
    email = text(_l("Email"), 200)
    messenger = text(_l("Messenger account"), 200)
    address = text(_l("Address"), 500)
    note = text(_l("Contact note"), 2000, multiline=True)

    def validate_country(self, field: StringField) -> None:
        """Two capital letters (ISO 3166)."""
        if field.data and not (field.data.isascii() and field.data.isalpha()):
            raise ValidationError(_l("Use the two-letter country code, such as KZ or CN."))
        if field.data:
            field.data = field.data.upper()


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    interview, testifier = document.get("interview") or {}, document.get("testifier") or {}
    contact, residence = testifier.get("contact") or {}, testifier.get("current_residence") or {}
    return {
        "interview_date": date_data(interview.get("date")),
        "interview_language": interview.get("language"),
        "interview_place": interview.get("place"),
        "interviewer": (interview.get("interviewer") or {}).get("pseudonym"),
        "interpreter_language": interview.get("interpreter_language"),
        "interview_note": interview.get("note"),
        "names": testifier.get("names") or [],
        "testifier_language": testifier.get("interview_language"),
        "country": residence.get("country"),
        "locality": residence.get("locality"),
        **{key: testifier.get(key) for key in _TESTIFIER_KEYS},
        **{key: contact.get(key) for key in _CONTACT},
    }


def store(document: dict[str, Any], form: TestifierForm) -> None:
    """Write the interview and testifier sections."""
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
    names = [name_row(row.form) for row in form.names.entries if not row.form.is_blank()]
    testifier = {
        "names": names or None,
        "contact": prune({key: data[key] for key in _CONTACT}),
        "current_residence": prune({"country": data["country"], "locality": data["locality"]}),
        "interview_language": data["testifier_language"],
        **{key: data[key] for key in _TESTIFIER_KEYS},
    }
    document["testifier"] = prune(testifier)
