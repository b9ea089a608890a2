"""Step 5: coding: ILO indicators, survey-guideline phases, system and abuse."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, FormField

from intake.interview import vocab
from intake.interview.fields import CodeChecklist, code, text
from intake.interview.hints import coding_hints
from intake.interview.steps.common import prune

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


class IndicatorForm(Form):
    """One ILO indicator: present, absent or unknown, with the evidence."""

    status = code(_l("Status"), "indicator_status", required=True)
    evidence = text(_l("Evidence"), 2000, multiline=True)


class PhaseForm(Form):
    """One survey phase: involuntariness and menace of penalty."""

    involuntariness = code(_l("Involuntariness"), "indicator_status", required=True)
    menace_of_penalty = code(_l("Menace of penalty"), "indicator_status", required=True)
    evidence = text(_l("Evidence"), 2000, multiline=True)


def _with_groups(cls: type) -> type:
    for name in INDICATORS:
        setattr(cls, name, FormField(IndicatorForm))
    for name in PHASES:
        setattr(cls, name, FormField(PhaseForm))
    return cls


@_with_groups
class CodingForm(FlaskForm):
    """The interviewer's coding (a coordinator checks it later)."""

    system = code(_l("System of forced labour"), "system")
    pipeline_stage = code(_l("Pipeline stage"), "pipeline_stage")
    other_abuse = CodeChecklist(_l("Other abuse reported"), "other_abuse")
    other_abuse_note = text(_l("Other abuse in the testifier's words"), 2000, multiline=True)
    verification_level = code(_l("Verification level"), "verification_level", required=True)
    coded_by = text(_l("Coded by (pseudonym)"), 100)
    checked_by = text(_l("Checked by (pseudonym)"), 100)


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft; unknown is the starting point for every status."""
    coding = document.get("coding") or {}
    indicators, phases = coding.get("ilo_indicators") or {}, coding.get("survey_phases") or {}
    abuse = coding.get("other_abuse") or {}
    pseudonym = ((document.get("interview") or {}).get("interviewer") or {}).get("pseudonym")
    return {
        **{n: indicators.get(n) or {"status": "unknown"} for n in INDICATORS},
        **{
            n: phases.get(n) or {"involuntariness": "unknown", "menace_of_penalty": "unknown"}
            for n in PHASES
        },
        "system": coding.get("system"),
        "pipeline_stage": coding.get("pipeline_stage"),
        "other_abuse": abuse.get("codes") or [],
        "other_abuse_note": abuse.get("note"),
        "verification_level": coding.get("verification_level") or "reported",
        "coded_by": coding.get("coded_by") or pseudonym,
        "checked_by": coding.get("checked_by"),
    }


def store(document: dict[str, Any], form: CodingForm) -> None:
    """Write the coding section."""
    data = form.data
    coding = {
        "ilo_indicators": {n: prune(data[n]) for n in INDICATORS},
        "survey_phases": {n: prune(data[n]) for n in PHASES},
        "other_abuse": prune(
            {"codes": data["other_abuse"] or None, "note": data["other_abuse_note"]}
        )
        or None,
        **{
            k: data[k]
            for k in ("system", "pipeline_stage", "verification_level", "coded_by", "checked_by")
        },
    }
    document["coding"] = prune(coding)


def context(document: dict[str, Any], _form: CodingForm) -> dict[str, Any]:
    """Hints from the labour step and the labels of indicators and phases."""
    return {
        "hints": coding_hints(document),
        "indicators": [(n, vocab.label("ilo_indicator", n)) for n in INDICATORS],
        "phases": [(n, vocab.label("survey_phase", n)) for n in PHASES],
    }
