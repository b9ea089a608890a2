"""Step 4: the work in each episode: workplace, wage statements with their figures,
conditions, penalties, buyers, how it is known, and the coding of the work.

Every work episode has an entry; a detention episode (prison labour, a camp
workshop) gets one when the interviewer adds it. An entry may hold several wage
statements (what was promised, what was paid); each shows its monthly figure and
its ratio to the minimum wage as ranges, or why a figure cannot be given.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, HiddenField, SelectField, ValidationError

from intake.formbase import AppForm
from intake.interview import pickers, vocab
from intake.interview.fields import (
    CodeChecklist,
    QuickDateForm,
    date_data,
    date_structure,
    json_number,
    number,
    quick_code,
    text,
)
from intake.interview.hints import coding_hints
from intake.interview.lists import RowForm
from intake.interview.quick_html import checklist_html, field_html, group_html
from intake.interview.steps.common import prune, reference_date
from intake.interview.steps.parts import (
    BasisForm,
    FacilityRefForm,
    KnowledgeForm,
    Needs,
    facility_ref_data,
    facility_ref_value,
    informants_of,
    known_data,
    known_value,
)
from intake.interview.steps.work_coding import (
    WorkCodingForm,
    coding_data,
    coding_value,
    indicator_titles,
    phase_titles,
)
from intake.interview.wages import (
    episode_place,
    figure_lines,
    labour_figures,
    reason_texts,
    shown_tables,
)
from intake.records.derived import date_bounds
from intake.records.validation import load_definitions
from intake.records.wages import WageFigure
from intake.validators import IfGiven

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
#: Empty rows shown under the given ones (wage statements, buyers), so another can be
#: typed without JavaScript; saving the page shows a new empty one.
SPARE_ROWS = 1


class WageForm(Needs, RowForm):
    """One thing said about pay: what was promised or paid, and what became of it."""

    status = quick_code(_l("What became of this pay"), "wage_status")
    as_said = text(_l("As said (the testifier's words)"), 500)
    amount = number(_l("Amount"), 0, 1_000_000_000)
    amount_max = number(_l("Up to (when a range was said)"), 0, 1_000_000_000)
    currency = quick_code(_l("Currency"), "currency")
    count_min = number(_l("For at least (when the period was said vaguely)"), 0.001, 1000)
    count = number(_l("For how many"), 0.001, 1000)
    unit = quick_code(_l("Period"), "wage_period_unit")
    piece_amount = number(_l("Or a piece rate: amount per item"), 0, 1_000_000)
    per_item = text(_l("Per which item"), 200)
    items_per_day = number(_l("Items per day"), 0.001, 100_000)
    items_per_day_max = number(_l("Up to items per day"), 0.001, 100_000)
    approximate = BooleanField(_l("The amount or period is approximate"))
    on = FormField(QuickDateForm, label=_l("When (if not the episode's dates)"))
    known = FormField(BasisForm, label=_l("How this is known"))
    note = text(_l("Note on this pay"), 2000)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """What became of the pay; an amount's period and currency; a period's amount."""
        has_amount, has_count = self.amount.data is not None, self.count.data is not None
        period = gettext("Give the amount with the period it was paid for.")
        return [
            (self.status, True, gettext("Choose what became of this pay.")),
            (self.count, has_amount, period),
            (self.unit, has_amount or has_count, period),
            (self.amount, has_count, period),
            (
                self.currency,
                has_amount or self.piece_amount.data is not None,
                gettext("Choose the currency."),
            ),
        ]

    def validate_amount_max(self, field: Any) -> None:
        """A range of amounts runs upwards from the amount."""
        if field.data is not None and (self.amount.data is None or field.data < self.amount.data):
            raise ValidationError(gettext("The upper end must not be below the amount."))

    def validate_count_min(self, field: Any) -> None:
        """A vague period runs from at least this many up to the count."""
        if field.data is not None and (self.count.data is None or field.data > self.count.data):
            raise ValidationError(gettext("“At least” must not be above “for how many”."))

    def validate_items_per_day_max(self, field: Any) -> None:
        """A range of items runs upwards."""
        low = self.items_per_day.data
        if field.data is not None and (low is None or field.data < low):
            raise ValidationError(gettext("The upper end must not be below the items per day."))


class BuyerForm(Needs, RowForm):
    """A buyer or brand named for the goods."""

    name = text(_l("Buyer or brand, as named"), 300)
    kind = quick_code(_l("Kind"), "buyer_kind")
    as_said = text(_l("As said"), 500)
    known = FormField(BasisForm, label=_l("How this is known"))

    def needed(self) -> list[tuple[Any, bool, str]]:
        """A buyer row needs the name."""
        return [(self.name, True, gettext("Give the buyer's or brand's name."))]


class LabourForm(RowForm):
    """What work one episode involved, as the testifier describes it."""

    episode_id = HiddenField()
    employer = text(_l("Employer"), 200)
    factory = text(_l("Factory"), 200)
    industrial_park = text(_l("Industrial park"), 200)
    facility = FormField(FacilityRefForm, label=_l("Workplace in the registry"))
    products = text(_l("Products (separated by commas)"), 2000)
    sector = quick_code(_l("Sector"), "sector")
    wages = FieldList(FormField(WageForm), label=_l("Pay"), min_entries=1, max_entries=20)
    hours_per_day = number(_l("Hours per day"), 0, 24)
    days_per_week = number(_l("Days per week"), 0, 7)
    housing = quick_code(_l("Housing"), "housing")
    housing_note = text(_l("Housing in the testifier's words"), 500)
    locked_at_night = quick_code(_l("Locked in at night?"), "answer")
    escorted = quick_code(_l("Escorted to and from work?"), "answer")
    surveillance = quick_code(_l("Under surveillance?"), "answer")
    evening_classes = quick_code(_l("Compulsory evening classes?"), "answer")
    could_leave = quick_code(_l("Could the victim leave?"), "answer")
    penalties = CodeChecklist(_l("What happened to those who refused"), "penalty")
    penalty_note = text(_l("Penalty in the testifier's words"), 2000, multiline=True)
    work_penalties = CodeChecklist(_l("Penalties at work"), "work_penalty")
    work_penalty_note = text(_l("Penalties at work in the testifier's words"), 2000)
    buyers = FieldList(FormField(BuyerForm), label=_l("Buyers or brands named"), min_entries=1)
    destination_note = text(_l("Where the goods went"), 2000)
    known = FormField(KnowledgeForm, label=_l("How the work is known"))
    note = text(_l("Other notes on the work"), 2000, multiline=True)
    coding = FormField(WorkCodingForm, label=_l("Coding of this work"))

    def is_blank(self) -> bool:
        """The episode id alone does not make a row filled."""
        return all(
            _blank(field.data) for name, field in self._fields.items() if name != "episode_id"
        )


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value in (None, "", False)


class LabourStepForm(AppForm):
    """One labour entry per work episode, and per detention episode where work was done."""

    entries = FieldList(FormField(LabourForm), max_entries=100)
    add_for = SelectField(
        _l("Work done during another episode (prison labour, a camp workshop)"),
        validators=[IfGiven()],
        choices=[],
        validate_choice=False,
    )


def labour_episodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Episodes labour may belong to (work and detention kinds), in trajectory order."""
    kinds = load_definitions().labour_kinds
    return [e for e in document.get("episodes") or [] if e.get("kind") in kinds]


def work_episodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Episodes of a work kind, in trajectory order."""
    kinds = load_definitions().work_kinds
    return [e for e in document.get("episodes") or [] if e.get("kind") in kinds]


def _shown_episodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Work episodes, and other labour episodes that already have an entry."""
    work = {e["id"] for e in work_episodes(document)}
    entries = {x.get("episode_id") for x in document.get("labour") or []}
    return [e for e in labour_episodes(document) if e["id"] in work or e["id"] in entries]


def _wage_data(statement: dict[str, Any]) -> dict[str, Any]:
    period = statement.get("period") or {}
    piece = statement.get("piece_rate") or {}
    return {
        **{k: statement.get(k) for k in ("status", "as_said", "amount", "amount_max", "note")},
        "currency": statement.get("currency") or piece.get("currency"),
        "count_min": period.get("count_min"),
        "count": period.get("count"),
        "unit": period.get("unit"),
        "piece_amount": piece.get("amount"),
        "per_item": piece.get("per_item"),
        "items_per_day": piece.get("items_per_day"),
        "items_per_day_max": piece.get("items_per_day_max"),
        "approximate": bool(statement.get("approximate")),
        "on": date_data(statement.get("on")),
        "known": {k: (statement.get("known") or {}).get(k) for k in ("basis", "note")},
    }


def _statements(labour: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry's wage statements; a version-1 ``wage`` is one of status unknown."""
    wages = labour.get("wages")
    if isinstance(wages, list):
        return [w for w in wages if isinstance(w, dict)]
    wage = labour.get("wage")
    return [{"status": "unknown", **wage}] if isinstance(wage, dict) else []


def _entry_data(episode: dict[str, Any], labour: dict[str, Any]) -> dict[str, Any]:
    penalty = labour.get("penalty_for_refusing") or {}
    at_work = labour.get("penalties_at_work") or {}
    buyers = [
        {
            "name": b.get("name"),
            "kind": b.get("kind"),
            "as_said": b.get("as_said"),
            "known": {k: (b.get("known") or {}).get(k) for k in ("basis", "note")},
        }
        for b in labour.get("buyers") or []
        if isinstance(b, dict)
    ]
    return {
        **{key: labour.get(key) for key in (*_TEXTS, *_CODES, "hours_per_day", "days_per_week")},
        "episode_id": episode["id"],
        "facility": facility_ref_data(labour.get("facility")),
        "products": ", ".join(labour.get("products") or []),
        "wages": [_wage_data(w) for w in _statements(labour)] + [{}] * SPARE_ROWS,
        "penalties": penalty.get("codes") or [],
        "penalty_note": penalty.get("note"),
        "work_penalties": at_work.get("codes") or [],
        "work_penalty_note": at_work.get("note"),
        "buyers": buyers + [{}] * SPARE_ROWS,
        "known": known_data(labour),
        "coding": coding_data(labour.get("coding")),
    }


def load(document: dict[str, Any]) -> dict[str, Any]:
    """One row per shown episode, filled from existing labour details."""
    existing = {x.get("episode_id"): x for x in document.get("labour") or []}
    return {
        "entries": [_entry_data(e, existing.get(e["id"], {})) for e in _shown_episodes(document)],
        "add_for": "",
    }


def _wage(row: WageForm, reference: Any) -> dict[str, Any]:
    piece = None
    if row.piece_amount.data is not None:
        piece = prune(
            {
                "amount": json_number(row.piece_amount.data),
                "per_item": row.per_item.data,
                "items_per_day": json_number(row.items_per_day.data),
                "items_per_day_max": json_number(row.items_per_day_max.data),
            }
        )
    period = None
    if row.count.data is not None:
        period = prune(
            {
                "count": json_number(row.count.data),
                "count_min": json_number(row.count_min.data),
                "unit": row.unit.data,
            }
        )
    return prune(
        {
            "status": row.status.data,
            "amount": json_number(row.amount.data),
            "amount_max": json_number(row.amount_max.data),
            "currency": row.currency.data,
            "period": period,
            "piece_rate": piece,
            "approximate": True if row.approximate.data else None,
            "on": date_structure(row.on.data, reference),
            "as_said": row.as_said.data,
            "known": known_value(row.known.data, reference),
            "note": row.note.data,
        }
    )


def _entry(row: LabourForm, reference: Any, informants: set[str]) -> dict[str, Any]:
    products = [p.strip() for p in (row.products.data or "").split(",") if p.strip()]
    penalty = prune({"codes": row.penalties.data or None, "note": row.penalty_note.data})
    at_work = prune({"codes": row.work_penalties.data or None, "note": row.work_penalty_note.data})
    known = row.known.data
    if known.get("informant_id") not in informants:
        known = {**known, "informant_id": None}
    buyers = [
        prune(
            {
                "name": b.form.name.data,
                "kind": b.form.kind.data,
                "as_said": b.form.as_said.data,
                "known": known_value(b.form.known.data, reference),
            }
        )
        for b in row.buyers.entries
        if not b.form.is_blank()
    ]
    return prune(
        {
            "episode_id": row.episode_id.data,
            **{key: row[key].data for key in (*_TEXTS, *_CODES)},
            "facility": facility_ref_value(row.facility.form),
            "products": products[:20] or None,
            "wages": [_wage(w.form, reference) for w in row.wages.entries if not w.form.is_blank()]
            or None,
            "hours_per_day": json_number(row.hours_per_day.data),
            "days_per_week": json_number(row.days_per_week.data),
            "penalty_for_refusing": penalty or None,
            "penalties_at_work": at_work or None,
            "buyers": buyers or None,
            "known": known_value(known, reference),
            "coding": coding_value(row.coding.form),
        }
    )


def store(document: dict[str, Any], form: LabourStepForm) -> None:
    """Write labour entries for labour episodes (rows for other ids are ignored); an
    episode chosen under "work done during another episode" gets an empty entry."""
    reference = reference_date(document)
    informants = {i for i, _label in informants_of(document)}
    allowed = {e["id"] for e in labour_episodes(document)}
    entries = [
        _entry(row.form, reference, informants)
        for row in form.entries.entries
        if row.form.episode_id.data in allowed and not row.form.is_blank()
    ]
    have = {e["episode_id"] for e in entries}
    if form.add_for.data in allowed and form.add_for.data not in have:
        entries.append({"episode_id": form.add_for.data})
    document["labour"] = entries


def _figure_text(figure: WageFigure, statement: dict[str, Any]) -> dict[str, Any]:
    """What the page says about one statement's figure."""
    return {"lines": figure_lines(figure, statement), "reasons": reason_texts(figure)}


def _day_range(episode: dict[str, Any]) -> tuple[str, str]:
    start_low, start_high = date_bounds(episode.get("start"))
    end_low, end_high = date_bounds(episode.get("end"))
    first, last = start_low or start_high, end_high or end_low or start_high
    return (first.isoformat() if first else "", last.isoformat() if last else "")


def context(document: dict[str, Any], form: LabourStepForm) -> dict[str, Any]:
    """Each row's episode, place and dates, saved wage figures and coding hints, and
    the detention episodes that may get an entry."""
    episodes = {e["id"]: e for e in labour_episodes(document)}
    labour = {x.get("episode_id"): x for x in document.get("labour") or []}
    figures, places, hints = {}, {}, {}
    tables = shown_tables()
    for eid, episode in episodes.items():
        entry = labour.get(eid) or {}
        statements = _statements(entry)
        shown = labour_figures({**entry, "wages": statements}, episode, tables)
        figures[eid] = [_figure_text(f, s) for f, s in zip(shown, statements, strict=False)]
        prefecture, county = episode_place(episode, entry)
        places[eid] = (prefecture or "", county or "", *_day_range(episode))
        hints[eid] = coding_hints({"labour": [{**entry, "wages": statements}]})
    shown_ids = {row.form.episode_id.data for row in form.entries.entries}
    numbers = {e.get("id"): n for n, e in enumerate(document.get("episodes") or [], start=1)}
    form.add_for.choices = [("", gettext("— choose an episode —"))] + [
        (eid, f"{numbers.get(eid)}. {vocab.label('episode_kind', e.get('kind', ''))}")
        for eid, e in episodes.items()
        if eid not in shown_ids
    ]
    return {
        "episodes": episodes,
        "figures": figures,
        "wage_places": places,
        "hints": hints,
        "coded": {eid: bool((labour.get(eid) or {}).get("coding")) for eid in episodes},
        "indicators": indicator_titles(),
        "phases": phase_titles(),
        "informants": informants_of(document),
        "facility_options": pickers.options("facility"),
        "q": field_html,
        "qg": group_html,
        "qc": checklist_html,
    }
