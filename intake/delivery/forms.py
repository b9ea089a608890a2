"""Delivery forms: send, save to file, confirm a receipt, trust the case database's
key, enrol a station, import a bundle.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from intake.formbase import AppForm
from intake.validators import NoControlCharacters


class SendForm(AppForm):
    """Where the case database is."""

    url = StringField(
        _l("Case database address"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("For example https://cases.example.org/"),
    )


class ReceiptForm(AppForm):
    """A receipt file carried back from the case database."""

    receipt = FileField(_l("Receipt file"), validators=[FileRequired()])


class TrustForm(AppForm):
    """The case database's receipt key, copied from its Stations page."""

    key = StringField(_l("Case database key"), validators=[DataRequired(), Length(max=200)])


class StationForm(AppForm):
    """A station to enrol: its label and its enrolment file (or the file's text)."""

    label = StringField(
        _l("Label"), validators=[DataRequired(), Length(max=100), NoControlCharacters()]
    )
    enrolment = FileField(_l("Enrolment file from the station"))
    enrolment_text = TextAreaField(
        _l("…or the enrolment file's text"), validators=[Optional(), Length(max=5000)]
    )


class ImportForm(AppForm):
    """A bundle file (or a station's correction file) to import."""

    bundle = FileField(_l("Bundle or correction file"), validators=[FileRequired()])
