"""Account forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from intake.formbase import AppForm
from intake.validators import NoControlCharacters

ROLE_CHOICES = [
    ("interviewer", _l("Interviewer")),
    ("coordinator", _l("Case coordinator")),
    ("admin", _l("Administrator")),
]
LANGUAGE_CHOICES = [
    ("en", "English"),
    ("kk", "Қазақша"),
    ("ru", "Русский"),
    ("ug", "ئۇيغۇرچە"),
    ("zh", "中文"),
]


class LoginForm(AppForm):
    """Sign in."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class AccountForm(AppForm):
    """A new account, made by an administrator."""

    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(max=100), NoControlCharacters()]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=12, max=1024)])
    confirm = PasswordField(
        _l("Password again"), validators=[EqualTo("password", message=_l("The passwords differ."))]
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
