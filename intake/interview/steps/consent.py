"""Step 6: consent, each decision asked and recorded separately."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField
from wtforms.validators import InputRequired

from intake.interview.fields import PRIVATE_INPUT, CodeChecklist, IfGiven, code

DECISIONS = (
    ("to_record", _l("May we record this testimony?")),
    ("share_with_partner_databases", _l("May it be shared with partner victim databases?")),
    ("publish_victim_name", _l("May the victim's name be published?")),
    ("publish_testifier_name", _l("May the testifier's name be published?")),
)


def _yes_no(label: Any) -> RadioField:
    return RadioField(
        label,
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(message=_l("Ask and record the answer."))],
    )


class ConsentForm(FlaskForm):
    """The testifier's decisions about this testimony."""

    to_record = _yes_no(DECISIONS[0][1])
    share_with_partner_databases = _yes_no(DECISIONS[1][1])
    publish_victim_name = _yes_no(DECISIONS[2][1])
    publish_testifier_name = _yes_no(DECISIONS[3][1])
    identity_level = code(
        _l("How much of the testifier's identity may be kept"), "identity_level", required=True
    )
    photo_use = code(_l("Use of photos"), "photo_use", required=True)
    items_withheld = CodeChecklist(_l("Items to withhold from any sharing"), "withheld_item")
    given_on = DateField(_l("Consent given on"), validators=[IfGiven()], render_kw=PRIVATE_INPUT)


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft (unanswered decisions stay unanswered)."""
    consent = document.get("consent") or {}
    data: dict[str, Any] = {
        name: None if consent.get(name) is None else ("yes" if consent[name] else "no")
        for name, _label in DECISIONS
    }
    data["identity_level"] = consent.get("identity_level")
    data["photo_use"] = consent.get("photo_use")
    data["items_withheld"] = [x.get("item") for x in consent.get("items_withheld") or []]
    given = consent.get("given_on")
    data["given_on"] = date.fromisoformat(given) if given else None
    return data


def store(document: dict[str, Any], form: ConsentForm) -> None:
    """Write the consent section (a withdrawal is recorded later, not here)."""
    consent: dict[str, Any] = {name: form[name].data == "yes" for name, _label in DECISIONS}
    consent["identity_level"] = form.identity_level.data
    consent["photo_use"] = form.photo_use.data
    consent["items_withheld"] = [{"item": item} for item in form.items_withheld.data or []]
    consent["withdrawal"] = (document.get("consent") or {}).get("withdrawal")
    if form.given_on.data:
        consent["given_on"] = form.given_on.data.isoformat()
    document["consent"] = consent
