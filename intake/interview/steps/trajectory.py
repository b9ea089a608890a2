"""Step 3: the trajectory, episode by episode (add, remove, move up and down)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, ValidationError

from intake.interview import vocab
from intake.interview.fields import (
    CodeChecklist,
    DateForm,
    code,
    date_data,
    date_structure,
    text,
)
from intake.interview.lists import RowForm, filled_rows
from intake.interview.steps.common import (
    FacilityForm,
    PlaceForm,
    facility_data,
    facility_value,
    place_value,
    prune,
    reference_date,
)
from intake.records.derived import WORK_KINDS

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class EpisodeForm(RowForm):
    """One step of what happened to the victim."""

    key_fields = ("kind",)
    id = HiddenField()
    kind = code(_l("What happened"), "episode_kind", required=True)
    facility = FormField(FacilityForm, label=_l("Facility"))
    place = FormField(PlaceForm, label=_l("Place"))
    start = FormField(DateForm, label=_l("From"))
    end = FormField(DateForm, label=_l("Until"))
    reasons = CodeChecklist(_l("Stated or probable reasons"), "detention_reason")
    reasons_note = text(_l("Reasons in the testifier's words"), 2000, multiline=True)
    how_known = code(_l("How the testifier knows this step"), "how_known")
    how_known_note = text(_l("How they know, in their words"), 2000)
    note = text(_l("Note on this step"), 2000, multiline=True)

    def validate_id(self, field: HiddenField) -> None:
        """Ids are made by the app; a changed one is refused, not stored."""
        if field.data and not _ID_RE.match(field.data):
            raise ValidationError(_l("This episode's id was altered; reload the page."))


class TrajectoryForm(FlaskForm):
    """The ordered episodes."""

    episodes = FieldList(
        FormField(EpisodeForm), label=_l("Episodes"), min_entries=1, max_entries=100
    )


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    rows = []
    for episode in document.get("episodes") or []:
        reasons = episode.get("reasons") or {}
        rows.append(
            {
                **{
                    key: episode.get(key)
                    for key in ("id", "kind", "how_known", "how_known_note", "note")
                },
                "facility": facility_data(episode.get("facility")),
                "place": episode.get("place") or {},
                "start": date_data(episode.get("start")),
                "end": date_data(episode.get("end")),
                "reasons": reasons.get("codes") or [],
                "reasons_note": reasons.get("note"),
            }
        )
    return {"episodes": rows}


def _fresh_id(used: set[str]) -> str:
    number = 1
    while f"e{number}" in used:
        number += 1
    used.add(f"e{number}")
    return f"e{number}"


def store(document: dict[str, Any], form: TrajectoryForm) -> None:
    """Write the episodes in the shown order; labour rows of removed episodes go too."""
    reference, episodes = reference_date(document), []
    rows = filled_rows(form.episodes)
    used = {row.id.data for row in rows if row.id.data}
    seen: set[str] = set()
    for row in rows:
        episode_id = row.id.data if row.id.data and row.id.data not in seen else _fresh_id(used)
        seen.add(episode_id)
        row.id.data = episode_id
        reasons = prune({"codes": row.reasons.data or None, "note": row.reasons_note.data})
        episodes.append(
            prune(
                {
                    "id": episode_id,
                    "kind": row.kind.data,
                    "facility": facility_value(row.facility.form),
                    "place": place_value(row.place.form),
                    "start": date_structure(row.start.data, reference),
                    "end": date_structure(row.end.data, reference),
                    "reasons": reasons or None,
                    "how_known": row.how_known.data,
                    "how_known_note": row.how_known_note.data,
                    "note": row.note.data,
                }
            )
        )
    document["episodes"] = episodes
    kept = {e["id"] for e in episodes if e.get("kind") in WORK_KINDS}
    document["labour"] = [x for x in document.get("labour") or [] if x.get("episode_id") in kept]


def context(_document: dict[str, Any], _form: TrajectoryForm) -> dict[str, Any]:
    """Registry facilities for the search list."""
    return {"facility_names": [vocab.facility_name(f) for f in vocab.facilities()]}
