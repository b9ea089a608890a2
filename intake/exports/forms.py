"""Export forms: what to export for whom, and a partner with its age keys."""

from __future__ import annotations

from functools import partial

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from intake.exports import anonymity, victims
from intake.exports.research import Generalisation
from intake.exports.services import ExportRequest
from intake.formbase import AppForm
from intake.validators import NoControlCharacters, NumberRange

#: Each kind of export in words (the Export page's choice, the Audit page's entries).
KIND_LABELS = {
    "victims": _l("Victim-database entries"),
    "esf": _l("HURIDOCS Events Standard Formats (JSON)"),
    "research": _l("Anonymised research data"),
}

#: What the research data's person columns hold, in words (the column's name follows).
_COLUMN_WORDS = {
    "gender": _l("Gender"),
    "age_band": _l("Age band"),
    "ethnicity_group": _l("Ethnicity"),
    "home_prefecture": _l("Home prefecture"),
    "first_detained": _l("First detained"),
    "victim_status": _l("Victim's status"),
    "verification_level": _l("Verification level"),
    "status_known_by": _l("How the status is known"),
}


def _column_choices(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """Columns of the research data as choices: their meaning in the reader's
    language, then the column's name as the data package has it."""
    return [(name, f"{_COLUMN_WORDS[name]} ({name})") for name in names]


class ExportForm(AppForm):
    """One export: kind, recipient, format, sealing, and the research generalisation."""

    kind = SelectField(_l("Export"), choices=list(KIND_LABELS.items()))
    recipient = StringField(
        _l("Recipient"),
        validators=[Optional(), Length(max=200), NoControlCharacters()],
        description=_l("The partner or research team. Consent that names partners must name it."),
    )
    partner = SelectField(_l("Partner (seal to its keys)"), choices=[], validate_choice=False)
    recipient_keys = TextAreaField(
        _l("Further age keys to seal to (age1..., one per line)"),
        validators=[Optional(), Length(max=5000)],
    )
    allow_plain = BooleanField(
        _l(
            "No key: I understand that the file will not be encrypted and anyone "
            "who gets it can read it"
        )
    )
    format = SelectField(
        _l("File format"),
        choices=[
            ("", _l("Default")),
            ("csv", "CSV"),
            ("json", "JSON"),
            ("xlsx", "XLSX"),
            ("zip", "ZIP"),
        ],
        validate_choice=False,
    )
    fields = SelectMultipleField(
        _l("Fields the partner takes (none chosen: all)"),
        choices=[(name, _l(words)) for name, words in victims.FIELDS.items()],
    )
    quasi_identifiers = SelectMultipleField(
        _l("Quasi-identifiers for the k/l check"),
        description=_l("A column not ticked is left out of the file (written as unknown)."),
        choices=partial(_column_choices, anonymity.QUASI_IDENTIFIERS),
        default=list(anonymity.DEFAULT_QUASI_IDENTIFIERS),
    )
    sensitive = SelectField(
        _l("Sensitive attribute"),
        choices=partial(_column_choices, anonymity.SENSITIVE_ATTRIBUTES),
        default=anonymity.DEFAULT_SENSITIVE,
    )
    age_band = IntegerField(
        _l("Age band in years (0: leave age out)"), default=10, validators=[NumberRange(0, 50)]
    )
    period = SelectField(
        _l("Dates"),
        choices=[
            ("year", _l("By year")),
            ("half_year", _l("By half-year")),
            ("none", _l("Left out")),
        ],
        default="year",
    )
    place = SelectField(
        _l("Places"),
        choices=[
            ("prefecture", _l("By prefecture")),
            ("region", _l("Region only")),
            ("none", _l("Left out")),
        ],
        default="prefecture",
    )
    merge_ethnicity = IntegerField(
        _l("Merge ethnicities held by fewer people than"),
        default=5,
        validators=[NumberRange(0, 10000)],
    )
    suppress = BooleanField(_l("Leave out people in groups below k = 5 or l = 2"))

    def export_request(self, partner_label: str | None) -> ExportRequest:
        """The request this form describes (the partner's label names the recipient)."""
        return ExportRequest(
            kind=self.kind.data,
            recipient=partner_label or self.recipient.data or "",
            format=self.format.data or "",
            fields=tuple(self.fields.data or ()),
            quasi_identifiers=tuple(self.quasi_identifiers.data or ()),
            sensitive=self.sensitive.data,
            generalisation=Generalisation(
                age_band_years=self.age_band.data or 0,
                period=self.period.data,
                place=self.place.data,
                merge_ethnicity_below=self.merge_ethnicity.data or 0,
            ),
            suppress=bool(self.suppress.data),
        )


class PartnerForm(AppForm):
    """A partner and the age keys its exports are sealed to."""

    label = StringField(
        _l("Partner"), validators=[DataRequired(), Length(max=200), NoControlCharacters()]
    )
    keys = TextAreaField(
        _l("Age keys (age1..., one per line)"), validators=[DataRequired(), Length(max=5000)]
    )
