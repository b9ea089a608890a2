"""Facility registry forms: an entry (names in five languages, kind, place,
coordinates, sources with days) and a merge of two entries.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.fields import DecimalField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp, ValidationError

from intake.facilities.services import Facility, Source
from intake.formbase import AppForm, SubForm
from intake.interview import vocab
from intake.validators import NoControlCharacters, NumberRange, finite_number


def _day(_form: Any, field: Any) -> None:
    """A day, a month or a year on the calendar: YYYY-MM-DD, YYYY-MM or YYYY."""
    text = (field.data or "").strip()
    try:
        if not re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
            raise ValueError
        date.fromisoformat((text + "-01-01")[:10])
    except ValueError:
        raise ValidationError(_l("A day as YYYY-MM-DD (or YYYY-MM, YYYY).")) from None
    field.data = text


_ID_RULE = _l("Lower-case letters, digits and '_'; records refer to it.")
NAME_LABELS = {
    "en": _l("Name in English"),
    "kk": _l("Name in Kazakh"),
    "ru": _l("Name in Russian"),
    "ug": _l("Name in Uyghur"),
    "zh": _l("Name in Chinese"),
}


class SourceForm(SubForm):
    """One published source: citation, address, published and read days."""

    citation = TextAreaField(
        _l("Citation"),
        validators=[Optional(), NoControlCharacters(multiline=True), Length(max=2000)],
        render_kw={"rows": 2},
    )
    url = StringField(_l("Address (URL)"), validators=[Optional(), URL(), Length(max=500)])
    published = StringField(_l("Published"), validators=[Optional(), _day])
    retrieved = StringField(_l("Read on"), validators=[Optional(), _day])

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then: an address or a day belongs to a citation."""
        if not super().validate(extra_validators):
            return False
        given = any((box.data or "").strip() for box in (self.url, self.published, self.retrieved))
        if given and not (self.citation.data or "").strip():
            self.citation.errors = [
                *self.citation.errors,
                _l("Write the citation of this source, or clear its other boxes."),
            ]
            return False
        return True


def typed_sources(rows: FieldList) -> list[Source]:
    """The sources typed in a list of :class:`SourceForm` rows (rows left without a
    citation are not sources)."""
    return [
        Source(
            citation=(row.form.citation.data or "").strip(),
            url=row.form.url.data or None,
            published=row.form.published.data or None,
            retrieved=row.form.retrieved.data or None,
        )
        for row in rows
        if (row.form.citation.data or "").strip()
    ]


def _text(label: Any, limit: int) -> StringField:
    return StringField(
        label,
        validators=[Optional(), Length(max=limit), NoControlCharacters()],
        render_kw={"dir": "auto"},
    )


class FacilityForm(AppForm):
    """A facility of the registry."""

    id = StringField(
        _l("Id"),
        validators=[DataRequired(), Length(max=100), Regexp(r"^[a-z0-9_]+$", message=_ID_RULE)],
        description=_ID_RULE,
    )
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    name_en = _text(NAME_LABELS["en"], 500)
    name_kk = _text(NAME_LABELS["kk"], 500)
    name_ru = _text(NAME_LABELS["ru"], 500)
    name_ug = _text(NAME_LABELS["ug"], 500)
    name_zh = _text(NAME_LABELS["zh"], 500)
    province_id = SelectField(_l("Province (outside Xinjiang)"), validators=[Optional()])
    prefecture_id = SelectField(_l("Prefecture"), validators=[Optional()])
    county_id = SelectField(_l("County"), validators=[Optional()])
    latitude = DecimalField(
        _l("Latitude"), places=None, validators=[Optional(), finite_number, NumberRange(-90, 90)]
    )
    longitude = DecimalField(
        _l("Longitude"), places=None, validators=[Optional(), finite_number, NumberRange(-180, 180)]
    )
    note = TextAreaField(
        _l("Note"), validators=[Optional(), NoControlCharacters(multiline=True), Length(max=2000)]
    )
    sources = FieldList(FormField(SourceForm), min_entries=3, max_entries=20)

    def fill_choices(self, kinds: list[str]) -> None:
        """Choices in the reader's language."""
        self.kind.choices = [(k, vocab.label("facility_kind", k)) for k in kinds]
        self.province_id.choices = vocab.province_choices()
        self.prefecture_id.choices = vocab.prefecture_choices()
        self.county_id.choices = vocab.county_choices()

    def facility(self) -> Facility:
        """The entry as typed."""
        names = {lang: (self[f"name_{lang}"].data or "").strip() for lang in NAME_LABELS}
        return Facility(
            id=self.id.data.strip(),
            kind=self.kind.data,
            names={k: v for k, v in names.items() if v},
            province_id=self.province_id.data or None,
            prefecture_id=self.prefecture_id.data or None,
            county_id=self.county_id.data or None,
            latitude=None if self.latitude.data is None else float(self.latitude.data),
            longitude=None if self.longitude.data is None else float(self.longitude.data),
            sources=typed_sources(self.sources),
            note=(self.note.data or "").strip() or None,
        )


def facility_data(facility: Facility) -> dict[str, Any]:
    """Form data of an existing entry."""
    data: dict[str, Any] = {
        "id": facility.id,
        "kind": facility.kind,
        "province_id": facility.province_id or "",
        "prefecture_id": facility.prefecture_id or "",
        "county_id": facility.county_id or "",
        "latitude": facility.latitude,
        "longitude": facility.longitude,
        "note": facility.note,
        "sources": [source.__dict__ for source in facility.sources],
    }
    for lang in NAME_LABELS:
        data[f"name_{lang}"] = facility.names.get(lang, "")
    return data


class MergeForm(AppForm):
    """Two entries that are one place: the one merged away and the one kept."""

    merged = SelectField(_l("Entry to merge away"), validators=[DataRequired()])
    kept = SelectField(_l("Entry to keep"), validators=[DataRequired()])
