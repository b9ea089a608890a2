"""Wage table forms: a minimum-wage table (days in force, four tiers, the areas a
source puts in each tier, sources) and a yearly exchange rate (with sources)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.fields import DecimalField, IntegerField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from intake.facilities.forms import SourceForm, typed_sources
from intake.formbase import AppForm, SubForm
from intake.interview import vocab
from intake.validators import NoControlCharacters, NumberRange, finite_number
from intake.wagetables.services import TIERS, MinimumTable, Rate


def _day(_form: Any, field: Any) -> None:
    """A day on the calendar, written YYYY-MM-DD."""
    text = (field.data or "").strip()
    try:
        if len(text) != 10:
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_l("A day as YYYY-MM-DD.")) from None
    field.data = text


def _above_zero(_form: Any, field: Any) -> None:
    """A rate of nothing converts nothing: refuse 0."""
    if field.data is not None and field.data <= 0:
        raise ValidationError(_l("The rate must be more than 0."))


_TABLE_ID = _l("Lower-case letters, digits and '_', as in xinjiang_2021.")
_CURRENCY = _l("Three-letter code, as in USD, KZT or EUR.")

#: Empty area rows shown below those already filled in.
_SPARE_AREAS = 4


class AreaForm(SubForm):
    """One prefecture or county a source puts in a tier."""

    place = SelectField(_l("Prefecture or county"), validators=[Optional()])
    tier = SelectField(_l("Tier"), validators=[Optional()])


def _amount(tier: str) -> IntegerField:
    return IntegerField(
        _l("Tier %(tier)s, yuan a month", tier=tier),
        validators=[Optional(), NumberRange(min=1, max=1_000_000)],
        render_kw={"inputmode": "numeric"},
    )


class MinimumTableForm(AppForm):
    """A minimum-wage table."""

    id = StringField(
        _l("Id"),
        validators=[DataRequired(), Length(max=100), Regexp(r"^[a-z0-9_]+$", message=_TABLE_ID)],
        description=_TABLE_ID,
    )
    applies_from = StringField(_l("In force from"), validators=[DataRequired(), _day])
    applies_to = StringField(
        _l("Last day known in force"),
        validators=[Optional(), _day],
        description=_l(
            "The last day a source shows the table still in force; empty if it still is."
        ),
    )
    tier_1 = _amount("1")
    tier_2 = _amount("2")
    tier_3 = _amount("3")
    tier_4 = _amount("4")
    areas = FieldList(FormField(AreaForm), min_entries=_SPARE_AREAS, max_entries=200)
    basis = TextAreaField(
        _l("What the tiers and areas rest on"),
        validators=[Optional(), NoControlCharacters(multiline=True), Length(max=2000)],
        render_kw={"rows": 3},
    )
    sources = FieldList(FormField(SourceForm), min_entries=3, max_entries=20)

    def fill_choices(self) -> None:
        """Places and tiers in the reader's language."""
        places = vocab.prefecture_choices() + [
            (choice.value, choice.label) for choice in vocab.county_choices()[1:]
        ]
        for row in self.areas:
            row.form.place.choices = places
            row.form.tier.choices = [("", "—")] + [(tier, tier) for tier in TIERS]

    def table(self) -> MinimumTable:
        """The table as typed (checked by the service)."""
        tiers: dict[str, Decimal] = {
            tier: Decimal(self[f"tier_{tier}"].data)
            for tier in TIERS
            if self[f"tier_{tier}"].data is not None
        }
        prefectures, counties = {}, {}
        for row in self.areas:
            place, tier = row.form.place.data or "", row.form.tier.data or ""
            if place and tier:
                (counties if "." in place else prefectures)[place] = tier
        return MinimumTable(
            id=(self.id.data or "").strip(),
            applies_from=date.fromisoformat(self.applies_from.data),
            applies_to=date.fromisoformat(self.applies_to.data) if self.applies_to.data else None,
            tiers=tiers,
            prefecture_tiers=prefectures,
            county_tiers=counties,
            basis=(self.basis.data or "").strip() or None,
            sources=typed_sources(self.sources),
        )


def minimum_data(table: MinimumTable) -> dict[str, Any]:
    """Form data of an existing table."""
    areas = [
        {"place": place, "tier": tier}
        for place, tier in {**table.prefecture_tiers, **table.county_tiers}.items()
    ]
    data: dict[str, Any] = {
        "id": table.id,
        "applies_from": table.applies_from.isoformat(),
        "applies_to": table.applies_to.isoformat() if table.applies_to else "",
        "areas": areas + [{}] * _SPARE_AREAS,
        "basis": table.basis,
        "sources": [source.__dict__ for source in table.sources],
    }
    for tier in TIERS:
        amount = table.tiers.get(tier)
        data[f"tier_{tier}"] = None if amount is None else int(amount)
    return data


class RateForm(AppForm):
    """A yearly exchange rate."""

    currency = StringField(
        _l("Currency"),
        validators=[DataRequired(), Regexp(r"^[A-Za-z]{3}$", message=_CURRENCY)],
        description=_CURRENCY,
        render_kw={"dir": "ltr"},
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=1990, max=2100)])
    rate = DecimalField(
        _l("Yuan for one unit (the year's average)"),
        places=None,
        validators=[InputRequired(), finite_number, NumberRange(min=0, max=100_000), _above_zero],
    )
    note = TextAreaField(
        _l("Note"), validators=[Optional(), NoControlCharacters(multiline=True), Length(max=2000)]
    )
    sources = FieldList(FormField(SourceForm), min_entries=2, max_entries=20)

    def rate_entry(self) -> Rate:
        """The rate as typed (checked by the service)."""
        return Rate(
            currency=(self.currency.data or "").strip().upper(),
            year=int(self.year.data),
            rate=self.rate.data,
            sources=typed_sources(self.sources),
            note=(self.note.data or "").strip() or None,
        )


def rate_data(rate: Rate) -> dict[str, Any]:
    """Form data of an existing rate."""
    return {
        "currency": rate.currency,
        "year": rate.year,
        "rate": rate.rate,
        "note": rate.note,
        "sources": [source.__dict__ for source in rate.sources],
    }
