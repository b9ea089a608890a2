"""Forms of the interview pages that are not steps: start, attachments, finalise."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from intake.interview.fields import code, text


class ActionForm(FlaskForm):
    """A button with nothing else to send (start, finalise, discard): only the CSRF token."""


class AttachmentForm(FlaskForm):
    """One file to attach, with what it is."""

    file = FileField(_l("File (photo, document or audio)"))
    kind = code(_l("What it is"), "source_kind")
    description = text(_l("Description"), 2000)
