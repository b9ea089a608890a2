"""Forms of the search box, the same-person queue and the person page."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import UUID, AnyOf, DataRequired, Length, Optional

from intake.cases.persons import RELATIONS, STATES
from intake.formbase import AppForm
from intake.validators import NoControlCharacters

#: Labels of the relations a coordinator can record.
RELATION_LABELS = {
    "same_person": _l("Same person"),
    "family_member": _l("Family member"),
    "held_together": _l("Held together"),
    "same_testifier": _l("Same testifier"),
    "same_facility": _l("Same facility"),
    "co_worker": _l("Worked together"),
}


class SearchForm(AppForm):
    """The search box: a name in any script, or an ID number (sent by POST only)."""

    q = StringField(_l("Name or ID number"), validators=[DataRequired(), Length(max=200)])


class DecisionForm(AppForm):
    """A decision about two records: confirm, reject or undo a link."""

    a = HiddenField(validators=[DataRequired(), UUID()])
    b = HiddenField(validators=[DataRequired(), UUID()])
    relation = HiddenField(validators=[AnyOf(RELATIONS)])
    state = HiddenField(validators=[AnyOf(STATES)])
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[Optional(), NoControlCharacters(multiline=True), Length(max=2000)],
    )
    next = HiddenField(validators=[Optional(), AnyOf(("queue", "person"))])


class LinkForm(AppForm):
    """A link from the person page to another record."""

    other = StringField(_l("Other record id"), validators=[DataRequired(), UUID()])
    relation = SelectField(
        _l("Relation"), choices=list(RELATION_LABELS.items()), validators=[AnyOf(RELATIONS)]
    )
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[Optional(), NoControlCharacters(multiline=True), Length(max=2000)],
    )
