"""Step 7: the testimony in the testifier's words, with translations beside it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField

from intake.formbase import AppForm
from intake.interview import fields
from intake.interview.fields import code, text
from intake.interview.lists import RowForm, filled_rows
from intake.interview.steps.common import prune

NARRATIVE_LIMIT = 200_000


class TranslationForm(RowForm):
    """One translation; the original is kept apart and never replaced."""

    key_fields = ("text",)
    text = fields.text(_l("Translation"), NARRATIVE_LIMIT, required=True, multiline=True)
    language = code(_l("Language of the translation"), "language", required=True)
    translator = fields.text(_l("Translator"), 200)


class NarrativeForm(AppForm):
    """The original words and any translations."""

    original_text = text(
        _l("The testimony in the testifier's own words"),
        NARRATIVE_LIMIT,
        required=True,
        multiline=True,
    )
    original_language = code(_l("Language of the original"), "language", required=True)
    translations = FieldList(
        FormField(TranslationForm), label=_l("Translations"), min_entries=0, max_entries=10
    )


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    narrative = document.get("narrative") or {}
    original = narrative.get("original") or {}
    return {
        "original_text": original.get("text"),
        "original_language": original.get("language"),
        "translations": narrative.get("translations") or [],
    }


def store(document: dict[str, Any], form: NarrativeForm) -> None:
    """Write the narrative section."""
    translations = [
        prune({k: row[k].data for k in ("text", "language", "translator")})
        for row in filled_rows(form.translations)
    ]
    document["narrative"] = {
        "original": {"text": form.original_text.data, "language": form.original_language.data},
        "translations": translations,
    }
