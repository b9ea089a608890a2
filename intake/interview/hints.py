"""Coding hints read from the labour details: suggestions, never decisions."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from intake.records.wages import suggests_withholding


def coding_hints(document: dict[str, Any]) -> dict[str, list[str]]:
    """Indicator or phase code → short reasons the labour details suggest it.

    "Withholding of wages" follows what was said about payment (unpaid, withheld,
    deducted, promised and not paid), never a low wage alone: a wage far below the
    minimum is evidence of abusive conditions, not of wages kept back.
    """
    hints: dict[str, list[str]] = {}

    def add(code: str, reason: str) -> None:
        if reason not in hints.setdefault(code, []):
            hints[code].append(reason)

    for labour in document.get("labour") or []:
        if labour.get("could_leave") == "no":
            add("restriction_of_movement", gettext("The victim could not leave the work."))
            add("impossibility_of_leaving", gettext("The victim could not leave the work."))
        if labour.get("escorted") == "yes":
            add("restriction_of_movement", gettext("Escorted to and from work."))
        if labour.get("locked_at_night") == "yes":
            add("restriction_of_movement", gettext("Locked in at night."))
        if labour.get("surveillance") == "yes":
            add("restriction_of_movement", gettext("Under surveillance."))
        if (labour.get("penalty_for_refusing") or {}).get("codes"):
            add("intimidation_and_threats", gettext("A penalty for refusing was reported."))
            add("work_and_life_under_duress", gettext("A penalty for refusing was reported."))
        if (labour.get("penalties_at_work") or {}).get("codes"):
            add("intimidation_and_threats", gettext("Penalties at work were reported."))
        if (labour.get("hours_per_day") or 0) > 10 or (labour.get("days_per_week") or 0) >= 7:
            add("excessive_overtime", gettext("Long hours or no day off."))
        for statement in labour.get("wages") or []:
            if isinstance(statement, dict) and suggests_withholding(statement):
                add(
                    "withholding_of_wages",
                    gettext("A wage was reported as not paid, withheld or cut."),
                )
    return hints
