"""Step 4: labour details for each work episode, with the derived wage figures."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, HiddenField

from intake.interview.fields import CodeChecklist, code, json_number, number, text
from intake.interview.lists import RowForm
from intake.interview.steps.common import FacilityForm, facility_data, facility_value, prune
from intake.interview.wages import episode_day, episode_prefecture, labour_figures, span_text
from intake.records.derived import WORK_KINDS

_TEXTS = ("employer", "factory", "industrial_park", "housing_note", "destination_note", "note")
_CODES = (
    "sector",
    "housing",
    "locked_at_night",
    "escorted",
    "surveillance",
    "evening_classes",
    "could_leave",
)


class LabourForm(RowForm):
    """What work one episode involved, as the testifier describes it."""

    episode_id = HiddenField()
    employer = text(_l("Employer"), 200)
    factory = text(_l("Factory"), 200)
    industrial_park = text(_l("Industrial park"), 200)
    facility = FormField(FacilityForm, label=_l("Workplace in the registry"))
    products = text(_l("Products (separated by commas)"), 2000)
    sector = code(_l("Sector"), "sector")
    wage_amount = number(_l("Wage amount"), 0, 1_000_000_000)
    wage_currency = code(_l("Currency"), "currency")
    wage_count = number(_l("Paid for how many"), 0.001, 1000)
    wage_unit = code(_l("Period"), "wage_period_unit")
    wage_approximate = BooleanField(_l("The amount or period is approximate"))
    wage_as_said = text(_l("Wage as said"), 500)
    hours_per_day = number(_l("Hours per day"), 0, 24)
    days_per_week = number(_l("Days per week"), 0, 7)
    housing = code(_l("Housing"), "housing")
    housing_note = text(_l("Housing in the testifier's words"), 500)
    locked_at_night = code(_l("Locked in at night?"), "answer")
    escorted = code(_l("Escorted to and from work?"), "answer")
    surveillance = code(_l("Under surveillance?"), "answer")
    evening_classes = code(_l("Compulsory evening classes?"), "answer")
    could_leave = code(_l("Could the victim leave?"), "answer")
    penalties = CodeChecklist(_l("What happened to those who refused"), "penalty")
    penalty_note = text(_l("Penalty in the testifier's words"), 2000, multiline=True)
    destination_note = text(_l("Where the goods went"), 2000)
    note = text(_l("Other notes on the work"), 2000, multiline=True)

    def is_blank(self) -> bool:
        """The episode id alone does not make a row filled."""
        return all(
            self._fields[name].data in (None, "", [], False)
            or (name == "facility" and self.facility.form.is_blank())
            for name in self._fields
            if name != "episode_id"
        )


class LabourStepForm(FlaskForm):
    """One labour entry per work episode."""

    entries = FieldList(FormField(LabourForm), max_entries=100)


def work_episodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Episodes of a work kind, in trajectory order."""
    return [e for e in document.get("episodes") or [] if e.get("kind") in WORK_KINDS]


def load(document: dict[str, Any]) -> dict[str, Any]:
    """One row per work episode, filled from existing labour details."""
    existing = {x.get("episode_id"): x for x in document.get("labour") or []}
    rows = []
    for episode in work_episodes(document):
        labour = existing.get(episode["id"], {})
        wage, period = labour.get("wage") or {}, (labour.get("wage") or {}).get("period") or {}
        penalty = labour.get("penalty_for_refusing") or {}
        rows.append(
            {
                **{
                    key: labour.get(key)
                    for key in (*_TEXTS, *_CODES, "hours_per_day", "days_per_week")
                },
                "episode_id": episode["id"],
                "facility": facility_data(labour.get("facility")),
                "products": ", ".join(labour.get("products") or []),
                "wage_amount": wage.get("amount"),
                "wage_currency": wage.get("currency"),
                "wage_count": period.get("count"),
                "wage_unit": period.get("unit"),
                "wage_approximate": bool(wage.get("approximate")),
                "wage_as_said": wage.get("as_said"),
                "penalties": penalty.get("codes") or [],
                "penalty_note": penalty.get("note"),
            }
        )
    return {"entries": rows}


def _entry(row: LabourForm) -> dict[str, Any]:
    period = prune({"count": json_number(row.wage_count.data), "unit": row.wage_unit.data})
    wage = prune(
        {
            "amount": json_number(row.wage_amount.data),
            "currency": row.wage_currency.data,
            "period": period or None,
            "approximate": True if row.wage_approximate.data else None,
            "as_said": row.wage_as_said.data,
        }
    )
    products = [p.strip() for p in (row.products.data or "").split(",") if p.strip()]
    penalty = prune({"codes": row.penalties.data or None, "note": row.penalty_note.data})
    return prune(
        {
            "episode_id": row.episode_id.data,
            **{key: row[key].data for key in (*_TEXTS, *_CODES)},
            "facility": facility_value(row.facility.form),
            "products": products[:20] or None,
            "wage": wage or None,
            "hours_per_day": json_number(row.hours_per_day.data),
            "days_per_week": json_number(row.days_per_week.data),
            "penalty_for_refusing": penalty or None,
        }
    )


def store(document: dict[str, Any], form: LabourStepForm) -> None:
    """Write labour entries for work episodes (rows for other ids are ignored)."""
    allowed = {e["id"] for e in work_episodes(document)}
    entries = [
        _entry(row.form)
        for row in form.entries.entries
        if row.form.episode_id.data in allowed and not row.form.is_blank()
    ]
    document["labour"] = entries


def context(document: dict[str, Any], form: LabourStepForm) -> dict[str, Any]:
    """Each row's episode and its derived wage figures."""
    episodes = {e["id"]: e for e in work_episodes(document)}
    labour = {x.get("episode_id"): x for x in document.get("labour") or []}
    figures = {}
    for eid, episode in episodes.items():
        wage = (labour.get(eid) or {}).get("wage")
        statements = [{"status": "unknown", **wage}] if isinstance(wage, dict) else []
        shown = labour_figures({**labour.get(eid, {}), "wages": statements}, episode)
        if shown:
            figures[eid] = {
                "monthly_cny": span_text(shown[0].monthly),
                "ratio": span_text(shown[0].ratio),
            }
    places = {}
    for eid, episode in episodes.items():
        day = episode_day(episode)
        places[eid] = (
            episode_prefecture(episode, labour.get(eid)) or "",
            day.isoformat() if day else "",
        )
    return {"episodes": episodes, "figures": figures, "wage_places": places}
