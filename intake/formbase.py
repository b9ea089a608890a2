"""The base of every form of the app: WTForms' own messages ("This field is required.")
in the UI language, Uyghur included.

Flask-WTF translates WTForms' messages with the catalogs WTForms ships, which have
Kazakh, Russian and Chinese but no Uyghur: a Uyghur page showed them in English. The
messages the app's forms can raise are therefore also in the app's own catalogs, and
looked up there first.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import Form
from wtforms.meta import DefaultMeta

from intake.errors import N_

#: WTForms' own messages that the app's fields and validators can raise, also in this
#: app's catalogs.
WTFORMS_MESSAGES = frozenset(
    (
        N_("This field is required."),
        N_("Invalid input."),
        N_("Invalid UUID."),
        N_("Invalid URL."),
        N_("Invalid value, must be one of: %(values)s."),
        N_("Field must be equal to %(other_name)s."),
        N_("Field must be between %(min)d and %(max)d characters long."),
        N_("Number must be at least %(min)s."),
        N_("Number must be at most %(max)s."),
        N_("Number must be between %(min)s and %(max)s."),
        N_("Not a valid choice."),
        N_("Invalid Choice: could not coerce."),
        N_("Invalid choice(s): one or more data inputs could not be coerced."),
        N_("Not a valid integer value."),
        N_("Not a valid decimal value."),
        N_("Not a valid float value."),
        N_("Not a valid date value."),
    )
)

#: The plural forms of WTForms' messages that have a singular and a plural, by their
#: singular. The app's catalog has them as plain messages, used only for a language
#: WTForms has no catalog for, and then for every count: in Uyghur a noun after a
#: number takes no plural ending ("1 ھەرپ-بەلگە", "100 ھەرپ-بەلگە").
WTFORMS_PLURALS = {
    "Field must be at least %(min)d character long.": N_(
        "Field must be at least %(min)d characters long."
    ),
    "Field cannot be longer than %(max)d character.": N_(
        "Field cannot be longer than %(max)d characters."
    ),
}


class _Translations:
    """This app's catalog first (it has Uyghur), then WTForms' own."""

    def gettext(self, string: str) -> str:
        ours = str(gettext(string)) if string in WTFORMS_MESSAGES else string
        return ours if ours != string else str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        theirs = str(wtforms_translations.ngettext(singular, plural, n))
        if theirs not in (singular, plural) or singular not in WTFORMS_PLURALS:
            return theirs
        message = WTFORMS_PLURALS[singular]
        ours = str(gettext(message))
        # Untranslated (English): WTForms' own singular or plural, as the count needs.
        return ours if ours != message else theirs


TRANSLATIONS = _Translations()


class TranslatedMeta(DefaultMeta):
    """Built-in WTForms messages in the UI language, for :class:`SubForm` as
    :class:`AppForm` has them."""

    def get_translations(self, form: Any) -> Any:
        return TRANSLATIONS


class AppForm(FlaskForm):
    """A page's form (Flask-WTF, with its CSRF token) whose built-in messages follow
    the UI language, Uyghur included. Every form of the app is one."""

    class Meta(TranslatedMeta):
        pass


class SubForm(Form):
    """A form inside a page's form (a row, a date, a source: no token of its own) whose
    built-in messages follow the UI language."""

    Meta = TranslatedMeta


class ActionForm(AppForm):
    """A button with nothing else to send (start, finalise, withdraw, revoke, save to
    file): only the CSRF token."""
