"""The interview's steps, in the order of the conversation.

Each form step knows its form, how to fill it from the draft (``load``), how to
write it back (``store``) and what else its page shows (``context``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from intake.interview.steps import (
    coding,
    consent,
    labour,
    links,
    narrative,
    testifier,
    trajectory,
    victim,
)


def _no_context(_document: dict[str, Any], _form: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Step:
    """One page of the interview."""

    name: str
    title: Any
    form_class: type | None = None
    load: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    store: Callable[[dict[str, Any], Any], None] | None = None
    context: Callable[[dict[str, Any], Any], dict[str, Any]] = _no_context

    @property
    def template(self) -> str:
        """The step's page template."""
        return f"interview/{self.name}.html"


STEPS: tuple[Step, ...] = (
    Step(
        "testifier",
        _l("Interview and informants"),
        testifier.TestifierForm,
        testifier.load,
        testifier.store,
    ),
    Step("victim", _l("Victim"), victim.VictimForm, victim.load, victim.store),
    Step(
        "trajectory",
        _l("Trajectory"),
        trajectory.TrajectoryForm,
        trajectory.load,
        trajectory.store,
        trajectory.context,
    ),
    Step("labour", _l("Labour"), labour.LabourStepForm, labour.load, labour.store, labour.context),
    Step(
        "links",
        _l("Other records and actions taken"),
        links.LinksForm,
        links.load,
        links.store,
        links.context,
    ),
    Step("coding", _l("Coding"), coding.CodingForm, coding.load, coding.store, coding.context),
    Step("consent", _l("Consent"), consent.ConsentForm, consent.load, consent.store),
    Step("narrative", _l("Narrative"), narrative.NarrativeForm, narrative.load, narrative.store),
    Step("attachments", _l("Attachments")),
    Step("review", _l("Review and finalise")),
)
_BY_NAME = {step.name: step for step in STEPS}
#: The steps with a form, whose saving the drafts list counts.
FORM_STEPS = tuple(step.name for step in STEPS if step.form_class is not None)

#: Which step holds each top-level section of the record (for review links).
SECTION_STEPS = {
    "interview": "testifier",
    "informants": "testifier",
    "victim": "victim",
    "episodes": "trajectory",
    "labour": "labour",
    "coding": "coding",
    "consent": "consent",
    "narrative": "narrative",
    "sources": "attachments",
    "links": "links",
    "interventions": "links",
}


def form_step(name: str) -> Step | None:
    """The form step called ``name`` (attachments and review have their own views)."""
    step = _BY_NAME.get(name)
    return step if step is not None and step.form_class is not None else None


def neighbour(name: str, offset: int) -> str:
    """The step ``offset`` places away (clamped to the first and last)."""
    index = [step.name for step in STEPS].index(name) + offset
    return STEPS[max(0, min(index, len(STEPS) - 1))].name
