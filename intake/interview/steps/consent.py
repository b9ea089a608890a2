"""Step 6: consent, each decision asked and recorded separately."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FormField, RadioField, ValidationError
from wtforms.validators import InputRequired

from intake.interview.fields import (
    CodeChecklist,
    DayForm,
    InterviewForm,
    code,
    day_data,
    day_value,
    text,
)

DECISIONS = (
    ("to_record", _l("May we record this testimony?")),
    ("share_with_partner_databases", _l("May it be shared with partner victim databases?")),
    ("publish_victim_name", _l("May the victim's name be published?")),
    ("publish_testifier_name", _l("May the testifier's name be published?")),
    ("research_use", _l("May it be used, without names, for research?")),
)
MAX_PARTNERS = 50


def _yes_no(label: Any) -> RadioField:
    return RadioField(
        label,
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(message=_l("Ask and record the answer."))],
    )


class ConsentForm(InterviewForm):
    """The testifier's decisions about this testimony."""

    to_record = _yes_no(DECISIONS[0][1])
    share_with_partner_databases = _yes_no(DECISIONS[1][1])
    publish_victim_name = _yes_no(DECISIONS[2][1])
    publish_testifier_name = _yes_no(DECISIONS[3][1])
    research_use = _yes_no(DECISIONS[4][1])
    identity_level = code(
        _l("How much of the testifier's identity may be kept"), "identity_level", required=True
    )
    photo_use = code(_l("Use of photos"), "photo_use", required=True)
    location_level = code(
        _l("How precisely places may be shown when shared"), "location_level", required=True
    )
    partners = text(_l("Partners it may be shared with, one per line"), 10000, multiline=True)
    items_withheld = CodeChecklist(_l("Items to withhold from any sharing"), "withheld_item")
    given_on = FormField(DayForm, label=_l("Consent given on"))

    def validate_partners(self, field: Any) -> None:
        """Each partner named in at most 200 characters, at most 50 partners."""
        names = partner_names(field.data)
        if len(names) > MAX_PARTNERS:
            raise ValidationError(gettext("Name at most 50 partners."))
        if any(len(name) > 200 for name in names):
            raise ValidationError(gettext("Name each partner in at most 200 characters."))


def partner_names(value: str | None) -> list[str]:
    """One partner per line, blank lines and repeats left out."""
    names: list[str] = []
    for line in (value or "").split("\n"):
        name = line.strip()
        if name and name not in names:
            names.append(name)
    return names


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft (unanswered decisions stay unanswered)."""
    consent = document.get("consent") or {}
    data: dict[str, Any] = {
        name: None if consent.get(name) is None else ("yes" if consent[name] else "no")
        for name, _label in DECISIONS
    }
    data["identity_level"] = consent.get("identity_level")
    data["photo_use"] = consent.get("photo_use")
    data["location_level"] = consent.get("location_level")
    data["partners"] = "\n".join(consent.get("partners") or [])
    data["items_withheld"] = [x.get("item") for x in consent.get("items_withheld") or []]
    data["given_on"] = day_data(consent.get("given_on"))
    return data


def store(document: dict[str, Any], form: ConsentForm) -> None:
    """Write the consent section (a withdrawal is recorded later, not here)."""
    consent: dict[str, Any] = {name: form[name].data == "yes" for name, _label in DECISIONS}
    consent["identity_level"] = form.identity_level.data
    consent["photo_use"] = form.photo_use.data
    consent["items_withheld"] = [{"item": item} for item in form.items_withheld.data or []]
    consent["withdrawal"] = (document.get("consent") or {}).get("withdrawal")
    consent["location_level"] = form.location_level.data
    partners = partner_names(form.partners.data)
    if partners:
        consent["partners"] = partners
    given = day_value(form.given_on.data)
    if given:
        consent["given_on"] = given
    document["consent"] = consent
