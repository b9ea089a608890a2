"""Records page form: the filters, sent as GET with codes only (never names)."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from intake.cases.index import Filters
from intake.formbase import AppForm
from intake.interview import vocab
from intake.validators import NumberRange

_YEARS = [Optional(), NumberRange(min=1950, max=2100)]

#: Form field -> (Filters attribute, codebook vocabulary or None).
_CODED = {
    "kind": ("episode_kind", "episode_kind"),
    "gender": ("gender", "gender"),
    "ethnicity": ("ethnicity", "ethnicity"),
    "indicator": ("indicator", "ilo_indicator"),
    "system": ("system", "system"),
    "stage": ("stage", "pipeline_stage"),
    "status": ("victim_status", "victim_status"),
}


class FilterForm(AppForm):
    """What the Records list can be narrowed to."""

    class Meta:
        csrf = False  # a GET that changes nothing

    kind = SelectField(_l("Episode kind"), validators=[Optional()])
    facility = SelectField(_l("Facility"), validators=[Optional()])
    prefecture = SelectField(_l("Prefecture"), validators=[Optional()])
    county = SelectField(_l("County"), validators=[Optional()])
    year_from = IntegerField(_l("From year"), validators=_YEARS)
    year_to = IntegerField(_l("Until year"), validators=_YEARS)
    gender = SelectField(_l("Gender"), validators=[Optional()])
    ethnicity = SelectField(_l("Ethnicity"), validators=[Optional()])
    indicator = SelectField(_l("ILO indicator present"), validators=[Optional()])
    system = SelectField(_l("System of forced labour"), validators=[Optional()])
    stage = SelectField(_l("Pipeline stage"), validators=[Optional()])
    status = SelectField(_l("Victim's status"), validators=[Optional()])
    share = SelectField(_l("May be shared with partner databases"), validators=[Optional()])
    research = SelectField(_l("May be used for research"), validators=[Optional()])
    station = SelectField(_l("Station"), validators=[Optional()])
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])

    def validate_year_to(self, field: IntegerField) -> None:
        """An end before the start would match nothing, or (were they swapped
        silently) something else than asked: refused with the reason."""
        start = self.year_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(gettext("The last year is before the first."))

    def validate_received_to(self, field: DateField) -> None:
        """As for the years: the last day may not come before the first."""
        start = self.received_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(gettext("The last day is before the first."))

    def fill_choices(
        self, stations: dict[str, str], facilities: list[tuple[str, str]] | None = None
    ) -> None:
        """Choices in the reader's language (codes as values); ``facilities`` as the
        live registry names them (else the bundled registry)."""
        anything = ("", str(_l("— any —")))
        for name, (_attr, vocabulary) in _CODED.items():
            getattr(self, name).choices = [anything, *vocab.code_choices(vocabulary, blank=False)]
        # The pickers' own empty choice ("not given") is replaced: here it means "any".
        listed = vocab.facility_choices()[1:] if facilities is None else facilities
        self.facility.choices = [anything, *listed]
        self.prefecture.choices = [anything, *vocab.prefecture_choices()[1:]]
        counties = vocab.county_choices()[1:]
        self.county.choices = [SelectChoice(value="", label=anything[1]), *counties]
        either = [anything, ("yes", _l("Yes")), ("no", _l("No"))]
        self.share.choices = either
        self.research.choices = either
        by_label = sorted(stations.items(), key=lambda item: item[1])
        self.station.choices = [anything, *by_label]

    def filters(self) -> Filters:
        """The valid filters given (a field with an error is left out)."""
        values: dict[str, object] = {}
        for name, (attr, _vocabulary) in _CODED.items():
            values[attr] = self._given(name)
        for name in ("facility", "prefecture", "county", "station", "year_from", "year_to"):
            values[name] = self._given(name)
        values["share_with_partners"] = _yes_no(self._given("share"))
        values["research_use"] = _yes_no(self._given("research"))
        values["received_from"] = self._given("received_from")
        values["received_to"] = self._given("received_to")
        return Filters(**values)  # type: ignore[arg-type]

    def _given(self, name: str) -> object:
        field = getattr(self, name)
        if field.errors or field.data in (None, ""):
            return None
        return field.data


def _yes_no(value: object) -> bool | None:
    return {"yes": True, "no": False}.get(str(value)) if value else None
