"""Parts the trajectory and labour steps share: how a fact is known, durations,
facilities and places typed against the page's lists, actors.

Version 1 drafts kept ``how_known`` codes; :func:`known_data` reads those too, so an
old draft opens with its answers in the new fields.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, StringField, ValidationError

from intake.formbase import SubForm
from intake.interview import pickers, vocab
from intake.interview.dates import parse_date_said
from intake.interview.fields import (
    PRIVATE_TEXT,
    json_number,
    number,
    quick_code,
    text,
)
from intake.interview.lists import RowForm
from intake.interview.steps.common import check_country, prune
from intake.records.upgrade import HOW_KNOWN_TO_BASIS
from intake.validators import IfGiven, MaxLength, NoControlCharacters


class Needs:
    """Checks of the kind "this is needed when that is given", run after the fields'
    own checks (a field's own checks stop at once when it is empty)."""

    def needed(self) -> list[tuple[Any, bool, str]]:
        """(field, whether it is needed, message) for each such check."""
        return []

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then what is needed, unless the row is blank."""
        fine = bool(super().validate(extra_validators))  # type: ignore[misc]
        is_blank = getattr(self, "is_blank", None)
        if is_blank is not None and is_blank():
            return fine
        for field, needed, message in self.needed():
            if needed and field.data in (None, "", []) and not field.errors:
                field.errors = [*field.errors, message]
                fine = False
        return fine


#: The attributes of a registry box, one dict per list for every row and request.
_REGISTRY_RENDER: dict[str, dict[str, Any]] = {}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RegistryField(StringField):
    """A box for an entry of a page list (``list_name``): shows the entry's name,
    takes an id or a name, and holds the id once checked."""

    def __init__(self, label: Any, which: str, **kwargs: Any) -> None:
        self.which = which
        render = _REGISTRY_RENDER.setdefault(
            which, {"dir": "auto", **PRIVATE_TEXT, "list": f"{which}-list"}
        )
        super().__init__(
            label,
            validators=[IfGiven(), MaxLength(200), NoControlCharacters()],
            filters=[_strip],
            render_kw=render,
            **kwargs,
        )
        self.entry: pickers.Entry | None = None

    def _value(self) -> str:
        entry = pickers.entry_of(self.which, str(self.data or ""))
        if entry is not None:
            return pickers.shown_name(entry, vocab.ui_language())
        return str(self.data or "")

    def post_validate(self, form: Form, validation_stopped: bool) -> None:
        """Resolve what was typed to the entry's id."""
        if validation_stopped or not self.data:
            return
        try:
            self.entry = pickers.resolve(self.which, self.data)
        except pickers.PickError as error:
            self.errors.append(str(error))
            return
        self.data = self.entry.id


class FacilityRefForm(RowForm):
    """A facility from the registry (typed against the page's list), or in words."""

    registry = RegistryField(_l("Facility from the registry (type to search)"), "facility")
    free_text = text(_l("Or describe the facility"), 500)
    kind = quick_code(_l("Kind of facility"), "facility_kind")

    def validate_free_text(self, field: Any) -> None:
        """Registry entry or words, not both."""
        if field.data and self.registry.data:
            raise ValidationError(
                gettext("Choose a registry facility or describe it in words, not both.")
            )


def facility_ref_data(value: Any) -> dict[str, Any]:
    """Form data from a record's facility."""
    value = value if isinstance(value, dict) else {}
    return {
        "registry": value.get("registry_id"),
        "free_text": value.get("free_text"),
        "kind": value.get("kind"),
    }


def facility_ref_value(form: FacilityRefForm) -> dict[str, Any] | None:
    """The record's facility, or ``None`` when neither an entry nor words were given."""
    data = prune(
        {
            "registry_id": form.registry.data,
            "free_text": form.free_text.data,
            "kind": form.kind.data,
        }
    )
    return data if data.get("registry_id") or data.get("free_text") else None


class AreaPlaceForm(RowForm):
    """A place: a prefecture, county or province typed against the page's list, or a
    country, with township, village or other words."""

    area = RegistryField(_l("Prefecture, county or province (type to search)"), "place")
    country = StringField(
        _l("Or a country outside China (two-letter code, e.g. KZ)"),
        validators=[IfGiven(), MaxLength(2)],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        render_kw={**PRIVATE_TEXT, "size": 3},
    )
    township = text(_l("Township"), 200)
    village = text(_l("Village"), 200)
    free_text = text(_l("Place in other words"), 500)

    def validate_country(self, field: StringField) -> None:
        """A country's two letters (ISO 3166-1)."""
        check_country(self, field)


def area_data(value: Any) -> dict[str, Any]:
    """Form data from a record's place."""
    value = value if isinstance(value, dict) else {}
    area = value.get("county_id") or value.get("prefecture_id") or value.get("province_id")
    return {
        "area": area,
        **{key: value.get(key) for key in ("country", "township", "village", "free_text")},
    }


def area_value(form: AreaPlaceForm) -> dict[str, Any] | None:
    """The record's place (a county brings its prefecture), or ``None``."""
    entry = pickers.entry_of("place", str(form.area.data or ""))
    place: dict[str, Any] = {}
    if entry is not None and entry.kind == "county":
        place = {"prefecture_id": entry.parent, "county_id": entry.id}
    elif entry is not None and entry.kind == "prefecture":
        place = {"prefecture_id": entry.id}
    elif entry is not None:
        place = {"province_id": entry.id}
    place.update({key: form[key].data for key in ("township", "village", "free_text", "country")})
    return prune(place) or None


class DurationForm(Needs, SubForm):
    """How long, said in words when dates are not known ("15 months", "about a year")."""

    amount = number(_l("How long (number)"), 0.001, 1000)
    amount_max = number(_l("Up to (for a range)"), 0.001, 1000)
    unit = quick_code(_l("Unit"), "duration_unit")
    approximate = BooleanField(_l("Approximately"))
    as_said = text(_l("Length as said"), 500)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """A number needs its unit, and a unit its number."""
        message = gettext("Give both the number and the unit, or neither.")
        return [
            (self.unit, self.amount.data is not None, message),
            (self.amount, bool(self.unit.data), message),
        ]

    def validate_amount_max(self, field: Any) -> None:
        """A range runs upwards."""
        if field.data is not None and (self.amount.data is None or field.data < self.amount.data):
            raise ValidationError(gettext("The upper end must not be below the number."))


def duration_data(value: Any) -> dict[str, Any]:
    """Form data from a record's duration."""
    value = value if isinstance(value, dict) else {}
    return {
        "amount": value.get("amount"),
        "amount_max": value.get("amount_max"),
        "unit": value.get("unit"),
        "approximate": bool(value.get("approximate")),
        "as_said": value.get("text_as_said"),
    }


def duration_value(form: DurationForm) -> dict[str, Any] | None:
    """The record's duration, or ``None`` (words alone are kept in the note's place)."""
    if form.amount.data is None:
        return None
    return prune(
        {
            "amount": json_number(form.amount.data),
            "amount_max": json_number(form.amount_max.data),
            "unit": form.unit.data,
            "approximate": True if form.approximate.data else None,
            "text_as_said": form.as_said.data,
        }
    )


class KnowledgeForm(Needs, SubForm):
    """How a fact is known: the basis, through which relative, who said it, when."""

    basis = quick_code(_l("How it is known"), "knowledge_basis")
    through_relation = quick_code(_l("Through which relative"), "relation")
    informant_id = StringField(_l("Which informant said it"), validators=[IfGiven()])
    known_on = text(_l("Known since, as said (e.g. “January 2019”, “2019-01”)"), 500)
    note = text(_l("How it is known, in the words said"), 2000)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """Anything said about how it is known needs the basis."""
        said = self.note.data or self.through_relation.data or self.informant_id.data
        given = bool(said or self.known_on.data)
        return [(self.basis, given, gettext("Choose how it is known."))]

    def validate_through_relation(self, field: Any) -> None:
        """A relative only when the information came through one."""
        if field.data and self.basis.data != "through_relative":
            raise ValidationError(
                gettext("Name a relative only when it is known through a relative.")
            )


class BasisForm(Needs, SubForm):
    """How a fact is known, in short: the basis and the words said."""

    basis = quick_code(_l("How it is known"), "knowledge_basis")
    note = text(_l("How it is known, in the words said"), 2000)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """Words about how it is known need the basis."""
        return [(self.basis, bool(self.note.data), gettext("Choose how it is known."))]


def known_data(item: dict[str, Any], key: str = "known") -> dict[str, Any]:
    """Form data of ``item[key]``, or of a version-1 ``how_known`` code and note."""
    known = item.get(key)
    if not isinstance(known, dict) and (item.get("how_known") or item.get("how_known_note")):
        code = item.get("how_known")
        known = {
            "basis": HOW_KNOWN_TO_BASIS.get(str(code), "unknown") if code else "unknown",
            "note": item.get("how_known_note"),
        }
    known = known if isinstance(known, dict) else {}
    return {
        "basis": known.get("basis"),
        "through_relation": known.get("through_relation"),
        "informant_id": known.get("informant_id"),
        "known_on": _said_date(known.get("known_on")),
        "note": known.get("note"),
    }


def known_value(data: dict[str, Any], reference: Any) -> dict[str, Any] | None:
    """The record's ``known`` object from a validated knowledge form's data."""
    if not data.get("basis"):
        return None
    return prune(
        {
            "basis": data["basis"],
            "through_relation": data.get("through_relation"),
            "informant_id": data.get("informant_id"),
            "known_on": said_date_value(data.get("known_on"), reference),
            "note": data.get("note"),
        }
    )


def _said_date(value: Any) -> str | None:
    """A date-with-precision as the words to show: as said, else its value."""
    if not isinstance(value, dict):
        return None
    return value.get("text_as_said") or value.get("value")


def said_date_value(said: str | None, reference: Any) -> dict[str, Any] | None:
    """The date-with-precision of words such as "January 2019" or "2019-01"; words it
    cannot read are kept with precision "unknown"."""
    if not said:
        return None
    value = parse_date_said(said, reference) or {"precision": "unknown"}
    if value.get("value") != said:
        value["text_as_said"] = said
    return value


def informants_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, label) of the record's informants; a version-1 testifier is ``i1``."""
    informants = document.get("informants")
    if not isinstance(informants, list):
        testifier = document.get("testifier")
        informants = [{"id": "i1", "is_main": True, **testifier}] if testifier else []
    out = []
    for position, person in enumerate(i for i in informants if isinstance(i, dict)):
        names = person.get("names") or [{}]
        shown = names[0].get("text") or vocab.label("relation", person.get("relation", ""))
        main = gettext("main testifier") if person.get("is_main") else str(position + 1)
        out.append((str(person.get("id", "")), f"{shown} ({main})"))
    return out
