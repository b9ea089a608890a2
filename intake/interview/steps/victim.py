"""Step 2: the victim: names or a description, identity, status, health and family."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, ValidationError

from intake.interview.fields import (
    DateForm,
    InterviewForm,
    TranslatedForm,
    code,
    date_data,
    date_structure,
    text,
    whole_number,
)
from intake.interview.lists import RowForm, RowList, filled_rows
from intake.interview.steps.common import (
    FacilityForm,
    NameForm,
    PlaceForm,
    check_country,
    country_problem,
    facility_data,
    facility_value,
    name_row,
    place_value,
    prune,
    reference_date,
)
from intake.interview.steps.known import KnowledgeForm, knowledge_data, knowledge_value
from intake.records.validation import compact_id_number

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_URL_RE = re.compile(r"^https?://\S+$")
_SIMPLE = (
    "gender",
    "ethnicity",
    "resident_id_number",
    "kz_status",
    "kz_status_note",
    "occupation",
    "description",
    "note",
)


def check_url(_form: Any, field: Any) -> None:
    """A web address starting with http:// or https://, without spaces."""
    if field.data and not _URL_RE.match(field.data):
        raise ValidationError(gettext("Give a web address starting with https:// or http://."))


def check_record_id(_form: Any, field: Any) -> None:
    """A record id (the 36 characters shown on a receipt)."""
    if not field.data:
        return
    try:
        field.data = str(uuid.UUID(field.data))
    except ValueError:
        raise ValidationError(
            gettext("A record id has 36 characters, as shown on the record's receipt.")
        ) from None


class FamilyLinkForm(RowForm):
    """A relative who is also affected."""

    key_fields = ("relation", "name", "record_id", "note")
    relation = code(_l("Relation to the victim"), "relation", required=True)
    name = text(_l("Relative's name"), 200)
    record_id = text(_l("Their record id, if recorded"), 36)
    note = text(_l("Note"), 2000)

    def validate_record_id(self, field: Any) -> None:
        """A record id, when given."""
        check_record_id(self, field)


class ExternalIdForm(RowForm):
    """The victim's entry in another database (e.g. the Xinjiang Victims Database)."""

    key_fields = ("number", "url", "note")
    system = code(_l("Database or system"), "external_id_system", required=True)
    number = text(_l("Entry number or id"), 100, required=True)
    url = text(_l("Web address of the entry"), 1000)
    note = text(_l("Note"), 500)

    def validate_url(self, field: Any) -> None:
        """A web address, when given."""
        check_url(self, field)


class StatusForm(TranslatedForm):
    """The victim's situation as last reported, as of a date, and where they likely are."""

    code = code(_l("Situation as last reported"), "victim_status")
    as_of = FormField(DateForm, label=_l("As of"))
    place = FormField(PlaceForm, label=_l("Likely current place in Xinjiang"))
    country = text(_l("Or country (two letters, e.g. KZ)"), 2)
    facility = FormField(FacilityForm, label=_l("Likely current facility"))
    location_words = text(_l("Likely location in other words"), 500)
    known = FormField(KnowledgeForm, label=_l("How the testifier learned of it"))
    note = text(_l("Note on the situation"), 2000, multiline=True)

    def validate_country(self, field: Any) -> None:
        """Two letters."""
        check_country(self, field)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then: what is said about the situation needs the situation."""
        if not super().validate(extra_validators):
            return False
        said = [self.location_words.data, self.country.data, self.note.data]
        said += [facility_value(self.facility.form), place_value(self.place.form)]
        if not self.code.data and any(said):
            self.code.errors = [*self.code.errors, gettext("Choose the situation.")]
            return False
        return True


class HealthForm(TranslatedForm):
    """The victim's health as last known."""

    code = code(_l("Health"), "health_status")
    as_of = FormField(DateForm, label=_l("As of"))
    known = FormField(KnowledgeForm, label=_l("How it is known"))
    note = text(_l("Health in the testifier's words"), 2000, multiline=True)


class VictimForm(InterviewForm):
    """Who the victim is."""

    names = RowList(FormField(NameForm), label=_l("Name variants"), min_entries=1, max_entries=50)
    description = text(_l("Description, when the name is not known"), 1000, multiline=True)
    gender = code(_l("Gender"), "gender")
    ethnicity = code(_l("Ethnicity"), "ethnicity")
    birth_date = FormField(DateForm, label=_l("Birth date"))
    age_years = whole_number(_l("Approximate age (years)"), 0, 130)
    age_as_of = FormField(DateForm, label=_l("Age as of"))
    resident_id_number = text(_l("Chinese resident identity number"), 30)
    citizenships = text(_l("Citizenships (two-letter codes, e.g. CN, KZ)"), 30)
    kz_status = code(_l("Status in Kazakhstan"), "kz_status")
    kz_status_note = text(_l("Status in the testifier's words"), 500)
    occupation = text(_l("Occupation"), 200)
    home_place = FormField(PlaceForm, label=_l("Home place"))
    external_ids = RowList(
        FormField(ExternalIdForm),
        label=_l("Entries in other databases"),
        min_entries=1,
        max_entries=20,
    )
    status = FormField(StatusForm, label=_l("Situation as last reported"))
    health = FormField(HealthForm, label=_l("Health"))
    family_links = RowList(
        FormField(FamilyLinkForm),
        label=_l("Relatives also affected"),
        min_entries=1,
        max_entries=50,
    )
    note = text(_l("Other notes on the victim"), 2000, multiline=True)

    def validate_names(self, field: FieldList) -> None:
        """At least one name variant, or a description of a victim with no known name."""
        if not filled_rows(field) and not self.description.data:
            raise ValidationError(
                gettext(
                    "Give at least one way of writing the victim's name, or describe "
                    "a victim whose name is not known."
                )
            )

    def validate_citizenships(self, field: Any) -> None:
        """Comma-separated two-letter codes."""
        codes = split_codes(field.data)
        if any(not _COUNTRY_RE.match(item) for item in codes):
            raise ValidationError(gettext("Use two-letter country codes separated by commas."))
        for item in codes:
            problem = country_problem(item)
            if problem:
                raise ValidationError(problem)


def split_codes(value: str | None) -> list[str]:
    """ "cn, kz" → ["CN", "KZ"] (duplicates dropped)."""
    seen: list[str] = []
    for part in (value or "").replace(";", ",").split(","):
        item = part.strip().upper()
        if item and item not in seen:
            seen.append(item)
    return seen


def _status_data(status: dict[str, Any]) -> dict[str, Any]:
    location = status.get("likely_location") or {}
    place = dict(location.get("place") or {})
    country = place.pop("country", None)
    return {
        "code": status.get("code"),
        "as_of": date_data(status.get("as_of")),
        "place": place,
        "country": country,
        "facility": facility_data(location.get("facility")),
        "location_words": location.get("free_text"),
        "known": knowledge_data(status.get("known")),
        "note": status.get("note"),
    }


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    victim = document.get("victim") or {}
    age = victim.get("approximate_age") or {}
    health = victim.get("health") or {}
    return {
        **{key: victim.get(key) for key in _SIMPLE},
        "names": victim.get("names") or [],
        "birth_date": date_data(victim.get("birth_date")),
        "age_years": age.get("years"),
        "age_as_of": date_data(age.get("as_of")),
        "citizenships": ", ".join(victim.get("citizenships") or []),
        "home_place": victim.get("home_place") or {},
        "external_ids": [
            {**entry, "number": entry.get("id")} for entry in victim.get("external_ids") or []
        ],
        "status": _status_data(victim.get("status") or {}),
        "health": {
            "code": health.get("code"),
            "as_of": date_data(health.get("as_of")),
            "known": knowledge_data(health.get("known")),
            "note": health.get("note"),
        },
        "family_links": victim.get("family_links") or [],
    }


def _status(form: StatusForm, before: dict[str, Any], reference: Any) -> dict[str, Any] | None:
    if not form.code.data:
        return None
    place = prune({**(place_value(form.place.form) or {}), "country": form.country.data})
    location = prune(
        {
            "place": place or None,
            "facility": facility_value(form.facility.form),
            "free_text": form.location_words.data,
        }
    )
    status = {
        "code": form.code.data,
        "as_of": date_structure(form.as_of.data, reference),
        "likely_location": location or None,
        "known": knowledge_value(form.known.form, before.get("known")),
        "note": form.note.data,
    }
    return prune(status)


def _health(form: HealthForm, before: dict[str, Any], reference: Any) -> dict[str, Any] | None:
    health = {
        "code": form.code.data,
        "as_of": date_structure(form.as_of.data, reference),
        "known": knowledge_value(form.known.form, before.get("known")),
        "note": form.note.data,
    }
    return prune(health) or None


def store(document: dict[str, Any], form: VictimForm) -> None:
    """Write the victim section."""
    data, reference = form.data, reference_date(document)
    before = document.get("victim") or {}
    age = None
    if data["age_years"] is not None:
        as_of = date_structure(data["age_as_of"], reference)
        age = prune({"years": data["age_years"], "as_of": as_of})
    links = [
        prune({k: row[k].data for k in ("relation", "name", "record_id", "note")})
        for row in filled_rows(form.family_links)
    ]
    external = [
        prune(
            {
                "system": row.system.data,
                "id": row.number.data,
                "url": row.url.data,
                "note": row.note.data,
            }
        )
        for row in filled_rows(form.external_ids)
    ]
    victim = {
        **{key: data[key] for key in _SIMPLE},
        # Kept as one run of characters: "654002 19790315 0026" as typed is the number.
        "resident_id_number": compact_id_number(data["resident_id_number"] or "") or None,
        "names": [name_row(row) for row in filled_rows(form.names)] or None,
        "birth_date": date_structure(data["birth_date"], reference),
        "approximate_age": age,
        "citizenships": split_codes(data["citizenships"]) or None,
        "home_place": place_value(form.home_place.form),
        "external_ids": external or None,
        "status": _status(form.status.form, before.get("status") or {}, reference),
        "health": _health(form.health.form, before.get("health") or {}, reference),
        "family_links": links or None,
    }
    document["victim"] = prune(victim)
