"""Workspace forms: first-run set-up, unlock and the panic wipe."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from intake.accounts.forms import LANGUAGE_CHOICES
from intake.formbase import AppForm
from intake.validators import NoControlCharacters

MIN_PASSPHRASE = 12


class UnlockForm(AppForm):
    """The passphrase that unlocks the workspace keys."""

    passphrase = PasswordField(
        _l("Workspace passphrase"), validators=[DataRequired(), Length(max=1024)]
    )


class SetupForm(AppForm):
    """Everything the first run needs."""

    role = RadioField(
        _l("What is this computer?"),
        choices=[
            ("station", _l("An interviewer laptop (station): records and seals testimonies")),
            ("casedb", _l("The case database: opens, searches and codes testimonies")),
        ],
        validators=[DataRequired()],
    )
    organisation_name = StringField(
        _l("Organisation name"),
        validators=[DataRequired(), Length(max=200), NoControlCharacters()],
    )
    admin_username = StringField(
        _l("Your username (first administrator)"),
        validators=[DataRequired(), Length(max=100), NoControlCharacters()],
    )
    admin_password = PasswordField(
        _l("Your password"), validators=[DataRequired(), Length(min=12, max=1024)]
    )
    passphrase = PasswordField(
        _l("Workspace passphrase (protects every key; cannot be recovered)"),
        validators=[DataRequired(), Length(min=MIN_PASSPHRASE, max=1024)],
    )
    passphrase_confirm = PasswordField(
        _l("Workspace passphrase again"),
        validators=[EqualTo("passphrase", message=_l("The passphrases differ."))],
    )
    language = SelectField(_l("Your language"), choices=LANGUAGE_CHOICES)
    recipients = TextAreaField(
        _l("Organisation recipients (station only): one age1… per line"),
        validators=[Length(max=2000)],
    )

    def validate_recipients(self, field: TextAreaField) -> None:
        """A station needs at least one recipient."""
        if self.role.data == "station" and not field.data.strip():
            raise ValidationError(_l("A station needs the case database's recipient (age1…)."))

    def recipient_list(self) -> list[str]:
        """The recipients, one per non-empty line."""
        return [line.strip() for line in (self.recipients.data or "").splitlines() if line.strip()]


class WipeForm(AppForm):
    """The panic wipe's confirmation."""

    confirm = StringField(_l("Type WIPE to destroy every key and record here"))

    def validate_confirm(self, field: StringField) -> None:
        """Only the exact word confirms."""
        if (field.data or "").strip() != "WIPE":
            raise ValidationError(_l("Type WIPE in capital letters to confirm."))


class LanguageForm(AppForm):
    """The language switcher in every page's header."""

    lang = SelectField(choices=LANGUAGE_CHOICES)
    #: The page to return to (checked with :func:`intake.web.safe_next`).
    next = HiddenField()
