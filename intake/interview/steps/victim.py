"""Step 2: the victim: every name variant, identity, home place and family."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, ValidationError

from intake.interview.fields import (
    DateForm,
    code,
    date_data,
    date_structure,
    text,
    whole_number,
)
from intake.interview.lists import RowForm, filled_rows
from intake.interview.steps.common import (
    NameForm,
    PlaceForm,
    name_row,
    place_value,
    prune,
    reference_date,
)

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_SIMPLE = (
    "gender",
    "ethnicity",
    "resident_id_number",
    "kz_status",
    "kz_status_note",
    "occupation",
    "health_note",
    "note",
)


class FamilyLinkForm(RowForm):
    """A relative who is also affected."""

    key_fields = ("relation", "name", "note")
    relation = code(_l("Relation to the victim"), "relation", required=True)
    name = text(_l("Relative's name"), 200)
    note = text(_l("Note"), 2000)


class VictimForm(FlaskForm):
    """Who the victim is."""

    names = FieldList(FormField(NameForm), label=_l("Name variants"), min_entries=1, max_entries=50)
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
    family_links = FieldList(
        FormField(FamilyLinkForm),
        label=_l("Relatives also affected"),
        min_entries=1,
        max_entries=50,
    )
    health_note = text(_l("Health"), 2000, multiline=True)
    note = text(_l("Other notes on the victim"), 2000, multiline=True)

    def validate_names(self, field: FieldList) -> None:
        """At least one name variant."""
        if not filled_rows(field):
            raise ValidationError(gettext("Give at least one way of writing the victim's name."))

    def validate_citizenships(self, field: Any) -> None:
        """Comma-separated two-letter codes."""
        if any(not _COUNTRY_RE.match(item) for item in split_codes(field.data)):
            raise ValidationError(gettext("Use two-letter country codes separated by commas."))


def split_codes(value: str | None) -> list[str]:
    """ "cn, kz" → ["CN", "KZ"] (duplicates dropped)."""
    seen: list[str] = []
    for part in (value or "").replace(";", ",").split(","):
        item = part.strip().upper()
        if item and item not in seen:
            seen.append(item)
    return seen


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    victim = document.get("victim") or {}
    age = victim.get("approximate_age") or {}
    return {
        **{key: victim.get(key) for key in _SIMPLE},
        "names": victim.get("names") or [],
        "birth_date": date_data(victim.get("birth_date")),
        "age_years": age.get("years"),
        "age_as_of": date_data(age.get("as_of")),
        "citizenships": ", ".join(victim.get("citizenships") or []),
        "home_place": victim.get("home_place") or {},
        "family_links": victim.get("family_links") or [],
    }


def store(document: dict[str, Any], form: VictimForm) -> None:
    """Write the victim section."""
    data, reference = form.data, reference_date(document)
    age = None
    if data["age_years"] is not None:
        as_of = date_structure(data["age_as_of"], reference)
        age = prune({"years": data["age_years"], "as_of": as_of})
    links = [
        prune({k: row[k].data for k in ("relation", "name", "note")})
        for row in filled_rows(form.family_links)
    ]
    victim = {
        **{key: data[key] for key in _SIMPLE},
        "names": [name_row(row) for row in filled_rows(form.names)],
        "birth_date": date_structure(data["birth_date"], reference),
        "approximate_age": age,
        "citizenships": split_codes(data["citizenships"]) or None,
        "home_place": place_value(form.home_place.form),
        "family_links": links or None,
    }
    document["victim"] = prune(victim)
