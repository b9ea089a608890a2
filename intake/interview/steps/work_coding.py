"""Coding of one work episode: the ILO's 11 indicators and the adapted survey table.

The survey table has three phases (unfree recruitment; work and life under duress;
impossibility of leaving), each with two cells (involuntariness, menace of penalty).
A cell has a status, one evidence note, and the sub-indicators the codebook lists
for that cell (``survey_indicator`` groups ``phase:dimension``) as tick boxes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import Form, FormField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from intake.formbase import SubForm
from intake.interview import vocab
from intake.interview.fields import quick_code, text
from intake.interview.steps.common import prune
from intake.interview.steps.parts import Needs
from intake.records.derived import load_codebook

INDICATORS = (
    "abuse_of_vulnerability",
    "deception",
    "restriction_of_movement",
    "isolation",
    "physical_and_sexual_violence",
    "intimidation_and_threats",
    "retention_of_identity_documents",
    "withholding_of_wages",
    "debt_bondage",
    "abusive_working_and_living_conditions",
    "excessive_overtime",
)
PHASES = ("unfree_recruitment", "work_and_life_under_duress", "impossibility_of_leaving")
DIMENSIONS = ("involuntariness", "menace_of_penalty")


def cell_indicators(phase: str, dimension: str) -> list[str]:
    """The survey sub-indicators the codebook lists for one cell, in codebook order."""
    group = f"{phase}:{dimension}"
    codes = load_codebook()["vocabularies"]["survey_indicator"]["codes"]
    return [entry["code"] for entry in codes if group in entry.get("groups", [])]


def _cell_choices(phase: str, dimension: str) -> list[tuple[str, str]]:
    return [(c, vocab.label("survey_indicator", c)) for c in cell_indicators(phase, dimension)]


class IndicatorForm(Needs, SubForm):
    """One ILO indicator: present, absent or unknown, with the evidence."""

    status = quick_code(_l("Status"), "indicator_status")
    evidence = text(_l("Evidence"), 2000, multiline=True)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """Evidence needs a status."""
        message = gettext("Choose present, absent or unknown for this evidence.")
        return [(self.status, bool(self.evidence.data), message)]


class _CellForm(Needs, SubForm):
    status = quick_code(_l("Status"), "indicator_status")
    evidence = text(_l("Evidence for this cell"), 2000, multiline=True)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """Evidence or ticked sub-indicators need a status."""
        given = bool(self.evidence.data or self.indicators.data)  # type: ignore[attr-defined]
        return [(self.status, given, gettext("Choose present, absent or unknown for this cell."))]


def _cell_form(phase: str, dimension: str) -> type[Form]:
    class CellForm(_CellForm):
        indicators = SelectMultipleField(
            _l("Sub-indicators seen"),
            choices=partial(_cell_choices, phase, dimension),
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )

    return CellForm


def _phase_form(phase: str) -> type[Form]:
    class PhaseForm(SubForm):
        involuntariness = FormField(
            _cell_form(phase, "involuntariness"), label=_l("Involuntariness")
        )
        menace_of_penalty = FormField(
            _cell_form(phase, "menace_of_penalty"), label=_l("Menace of penalty")
        )
        note = text(_l("Note on this phase"), 2000)

    return PhaseForm


class WorkCodingForm(SubForm):
    """The coding of one work episode (the interviewer's; a coordinator checks it)."""

    note = text(_l("Note on the coding"), 2000)


for _name in INDICATORS:
    setattr(WorkCodingForm, _name, FormField(IndicatorForm))
for _phase in PHASES:
    setattr(WorkCodingForm, _phase, FormField(_phase_form(_phase)))


def coding_data(coding: Any) -> dict[str, Any]:
    """Form data from a labour entry's ``coding``."""
    coding = coding if isinstance(coding, dict) else {}
    indicators = coding.get("ilo_indicators") or {}
    phases = coding.get("survey_phases") or {}
    data: dict[str, Any] = {"note": coding.get("note")}
    for name in INDICATORS:
        data[name] = dict(indicators.get(name) or {})
    for phase in PHASES:
        given = phases.get(phase) or {}
        data[phase] = {"note": given.get("note")}
        for dimension in DIMENSIONS:
            cell = given.get(dimension) or {}
            data[phase][dimension] = {
                "status": cell.get("status"),
                "evidence": cell.get("evidence"),
                "indicators": list(cell.get("indicators") or []),
            }
    return data


def coding_value(form: WorkCodingForm) -> dict[str, Any] | None:
    """The entry's ``coding``; only what was coded is kept."""
    data = form.data
    indicators = {n: prune(data[n]) for n in INDICATORS if data[n].get("status")}
    phases: dict[str, Any] = {}
    for phase in PHASES:
        cells = {
            d: prune({**data[phase][d], "indicators": data[phase][d]["indicators"] or None})
            for d in DIMENSIONS
            if data[phase][d].get("status")
        }
        kept = prune({**cells, "note": data[phase]["note"]})
        if kept:
            phases[phase] = kept
    return (
        prune(
            {
                "ilo_indicators": indicators or None,
                "survey_phases": phases or None,
                "note": data["note"],
            }
        )
        or None
    )


def indicator_titles() -> list[tuple[str, str]]:
    """(code, label) of the 11 indicators in the UI language."""
    return [(n, vocab.label("ilo_indicator", n)) for n in INDICATORS]


def phase_titles() -> list[tuple[str, str]]:
    """(code, label) of the three phases in the UI language."""
    return [(n, vocab.label("survey_phase", n)) for n in PHASES]
