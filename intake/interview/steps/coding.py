"""Step 5: the coding of the record as a whole.

The forced-labour indicators are coded on each work episode (labour step); here go
the verification level, other abuse reported, who coded and checked, and an
optional summary for the whole record: system, pipeline stage and the ILO
indicators. A survey table kept at record level (from an older record) is kept as
it is.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FormField

from intake.formbase import AppForm
from intake.interview.fields import CodeChecklist, code, text
from intake.interview.hints import coding_hints
from intake.interview.steps.common import prune
from intake.interview.steps.work_coding import INDICATORS, IndicatorForm, indicator_titles


class CodingForm(AppForm):
    """The interviewer's coding of the record (a coordinator checks it later)."""

    verification_level = code(_l("Verification level"), "verification_level", required=True)
    other_abuse = CodeChecklist(_l("Other abuse reported"), "other_abuse")
    other_abuse_note = text(_l("Other abuse in the testifier's words"), 2000, multiline=True)
    coded_by = text(_l("Coded by (pseudonym)"), 100)
    checked_by = text(_l("Checked by (pseudonym)"), 100)
    system = code(_l("System of forced labour (summary)"), "system")
    pipeline_stage = code(_l("Pipeline stage (summary)"), "pipeline_stage")


for _name in INDICATORS:
    setattr(CodingForm, _name, FormField(IndicatorForm))


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft; the interviewer's pseudonym is the first coder."""
    coding = document.get("coding") or {}
    indicators = coding.get("ilo_indicators") or {}
    abuse = coding.get("other_abuse") or {}
    pseudonym = ((document.get("interview") or {}).get("interviewer") or {}).get("pseudonym")
    return {
        **{n: dict(indicators.get(n) or {}) for n in INDICATORS},
        "system": coding.get("system"),
        "pipeline_stage": coding.get("pipeline_stage"),
        "other_abuse": abuse.get("codes") or [],
        "other_abuse_note": abuse.get("note"),
        "verification_level": coding.get("verification_level") or "reported",
        "coded_by": coding.get("coded_by") or pseudonym,
        "checked_by": coding.get("checked_by"),
    }


def store(document: dict[str, Any], form: CodingForm) -> None:
    """Write the coding section (a record-level survey table is kept as it was)."""
    data = form.data
    indicators = {n: prune(data[n]) for n in INDICATORS if data[n].get("status")}
    coding = {
        "ilo_indicators": indicators or None,
        "survey_phases": (document.get("coding") or {}).get("survey_phases"),
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
    """Hints from all labour entries and the indicators' labels."""
    return {"hints": coding_hints(document), "indicators": indicator_titles()}
