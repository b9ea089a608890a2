"""What several steps share: name variants, places, facilities, the reference date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, ValidationError

from intake.interview import fields, vocab
from intake.interview.fields import code, select, text
from intake.interview.lists import RowForm
from intake.records.derived import date_bounds


def prune(value: Any) -> Any:
    """Drop empty values (None, "", empty groups) so the record holds only what was said."""
    if isinstance(value, dict):
        kept = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", {})}
    return value


def reference_date(document: dict[str, Any]) -> date:
    """The interview date (for "two years ago"), else today."""
    low, _high = date_bounds((document.get("interview") or {}).get("date"))
    return low or datetime.now(UTC).date()


def country_problem(code: str) -> str | None:
    """Why ``code`` (in capitals) is not a country's two-letter code, or None."""
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        return gettext("Use the two-letter country code, such as KZ or CN.")
    if not vocab.is_country(code):
        return gettext(
            "%(code)s is not a country code. Kazakhstan is KZ, China CN, Türkiye TR.", code=code
        )
    return None


def check_country(_form: Any, field: Any) -> None:
    """A country's two letters (ISO 3166-1), stored in capitals."""
    if field.data:
        field.data = field.data.strip().upper()
        problem = country_problem(field.data)
        if problem:
            raise ValidationError(problem)


class NameForm(RowForm):
    """One way of writing a name, exactly as given, with its script."""

    key_fields = ("text",)
    text = fields.text(_l("Name as written"), 200, required=True)
    script = code(_l("Script"), "script", required=True)
    kind = code(_l("Kind of name"), "name_kind", required=True)
    language = code(_l("Language"), "language")
    romanisation = code(_l("Romanisation system (Latin script)"), "romanisation")
    is_pseudonym = fields.tick(_l("A pseudonym (never used to match names)"))
    note = fields.text(_l("Note on this name"), 500)


def name_row(form: NameForm) -> dict[str, Any]:
    """A name variant from its row."""
    keys = ("text", "script", "kind", "language", "romanisation", "note")
    row = prune({key: form[key].data for key in keys})
    if form.is_pseudonym.data:
        row["is_pseudonym"] = True
    return row


class PlaceForm(RowForm):
    """A place in Xinjiang: prefecture and county from the list, or free text."""

    prefecture_id = select(_l("Prefecture"), vocab.prefecture_choices)
    county_id = select(_l("County"), vocab.county_choices)
    township = text(_l("Township"), 200)
    village = text(_l("Village"), 200)
    free_text = text(_l("Place in other words"), 500)

    def validate_county_id(self, field: SelectField) -> None:
        """The county must lie in the chosen prefecture."""
        prefecture = self.prefecture_id.data
        if field.data and prefecture and not vocab.county_in_prefecture(field.data, prefecture):
            raise ValidationError(gettext("This county is not in the chosen prefecture."))


def place_value(form: PlaceForm) -> dict[str, Any] | None:
    """The record's place object, or ``None`` when nothing was given."""
    return prune(dict(form.data)) or None


class FacilityForm(RowForm):
    """A facility from the registry, or described in words (one of the two)."""

    registry_id = select(_l("Facility from the registry"), vocab.facility_choices)
    free_text = text(_l("Or describe the facility"), 500)
    kind = code(_l("Kind of facility"), "facility_kind")

    def validate_free_text(self, field: Any) -> None:
        """Registry entry or words, not both."""
        if field.data and self.registry_id.data:
            raise ValidationError(
                gettext("Choose a registry facility or describe it in words, not both.")
            )


def facility_value(form: FacilityForm) -> dict[str, Any] | None:
    """The record's facility object, or ``None`` when nothing was given."""
    data = prune(dict(form.data))
    if not data.get("registry_id") and not data.get("free_text"):
        return None
    return data


def facility_data(value: Any) -> dict[str, Any]:
    """Form data from a record's facility."""
    return dict(value) if isinstance(value, dict) else {}
