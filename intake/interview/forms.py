"""Forms of the interview pages that are not steps: start, attachments, finalise."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FormField, IntegerField
from wtforms.validators import InputRequired

from intake.formbase import AppForm
from intake.interview.fields import DateForm, DayForm, InterviewForm, code, text
from intake.interview.steps.victim import check_url
from intake.validators import NumberRange
from intake.workspace.models import MAX_DRAFT_DAYS, MIN_DRAFT_DAYS


class AttachmentForm(AppForm):
    """One file to attach, with what it is."""

    file = FileField(_l("File (photo, document or audio)"))
    kind = code(_l("What it is"), "source_kind")
    description = text(_l("Description"), 2000)


class DraftDaysForm(AppForm):
    """How many days after its last save an unfinished interview is wiped."""

    days = IntegerField(
        _l(
            "Wipe every unfinished interview, anyone's, once this many full days have "
            "passed since its last save"
        ),
        validators=[InputRequired(), NumberRange(min=MIN_DRAFT_DAYS, max=MAX_DRAFT_DAYS)],
    )


class PublicationForm(InterviewForm):
    """A published source with no file: a news article, a report, a database entry."""

    kind = code(_l("What it is"), "source_kind", required=True)
    title = text(_l("Title"), 500, required=True)
    publisher = text(_l("Publisher"), 300)
    published_on = FormField(DateForm, label=_l("Published on"))
    url = text(_l("Web address"), 2000)
    archived_url = text(_l("Archived copy (web address)"), 2000)
    retrieved_on = FormField(DayForm, label=_l("Retrieved on"))
    description = text(_l("Description"), 2000)

    def validate_url(self, field: Any) -> None:
        """A web address, when given."""
        check_url(self, field)

    def validate_archived_url(self, field: Any) -> None:
        """A web address, when given."""
        check_url(self, field)


class AddendumForm(InterviewForm):
    """A correction to a sealed record, in words, with the fields it corrects."""

    author = text(_l("Interviewer pseudonym"), 100, required=True)
    correction = text(
        _l("The correction: what was wrong and what is right"), 20000, required=True, multiline=True
    )
    corrected_paths = text(
        _l("Corrected fields, one per line (e.g. $.victim.birth_date)"), 5000, multiline=True
    )
