"""Step 3: the trajectory, episode by episode (add, remove, move up and down).

Each episode says what happened, where (a facility and a place typed against the
page's lists), when (dates with their precision, or a length said in words), in
which system and pipeline stage, how it is known, how the victim came there from an
earlier episode, who acted, and any sentence. An episode that ends before it starts
is refused here, on the episode, not only at review.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, StringField, ValidationError

from intake.formbase import AppForm
from intake.interview import pickers, vocab
from intake.interview.fields import (
    CodeChecklist,
    QuickDateForm,
    date_data,
    date_structure,
    quick_code,
    text,
)
from intake.interview.lists import RowForm, filled_rows, renumber
from intake.interview.quick_html import checklist_html, field_html, group_html
from intake.interview.steps.common import prune, reference_date
from intake.interview.steps.parts import (
    AreaPlaceForm,
    BasisForm,
    DurationForm,
    FacilityRefForm,
    KnowledgeForm,
    Needs,
    area_data,
    area_value,
    duration_data,
    duration_value,
    facility_ref_data,
    facility_ref_value,
    informants_of,
    known_data,
    known_value,
)
from intake.records.derived import date_bounds
from intake.records.validation import load_definitions
from intake.validators import IfGiven

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class LinkRowForm(Needs, RowForm):
    """A row about one episode, chosen from the page's episodes."""

    episode = StringField(_l("Episode"), validators=[IfGiven()])

    def needed(self) -> list[tuple[Any, bool, str]]:
        """A row with anything in it names its episode."""
        return [(self.episode, True, gettext("Choose the episode this row is about."))]


class TransferForm(LinkRowForm):
    """How the victim came into an episode from an earlier one."""

    source = StringField(_l("Came from episode"), validators=[IfGiven()])
    mode = quick_code(_l("How they were moved"), "transfer_mode")
    group_as_said = text(_l("With whom, as said (e.g. “with hundreds of others”)"), 500)
    known = FormField(BasisForm, label=_l("How the move is known"))
    note = text(_l("Note on the move"), 1000)

    def needed(self) -> list[tuple[Any, bool, str]]:
        """The episode the move goes into, and the one the victim came from."""
        return [
            *super().needed(),
            (self.source, True, gettext("Choose the episode the victim came from.")),
        ]


class CampRelationForm(LinkRowForm):
    """Where a workplace lies in relation to a camp."""

    relation = quick_code(_l("Where it lies in relation to a camp"), "camp_relation", required=True)
    camp = StringField(_l("Which camp (episode)"), validators=[IfGiven()])


class ActorRowForm(LinkRowForm):
    """Who acted in an episode: police, party secretary, guards, a work team..."""

    kind = quick_code(_l("Who"), "actor_kind", required=True)
    name = text(_l("Name or unit, as said"), 300)
    note = text(_l("What they did"), 1000)


class SentenceForm(LinkRowForm):
    """A sentence or charge in an episode, when known."""

    charge = text(_l("Charge"), 500)
    term = FormField(DurationForm, label=_l("Term"))
    sentenced_on = FormField(QuickDateForm, label=_l("Sentenced on"))
    court = text(_l("Court"), 300)
    note = text(_l("Note on the sentence"), 1000)


class EpisodeForm(RowForm):
    """One step of what happened to the victim."""

    key_fields = ("kind",)
    id = HiddenField()
    kind = quick_code(_l("What happened"), "episode_kind", required=True)
    facility = FormField(FacilityRefForm, label=_l("Facility"))
    place = FormField(AreaPlaceForm, label=_l("Place"))
    start = FormField(QuickDateForm, label=_l("From"))
    end = FormField(QuickDateForm, label=_l("Until"))
    duration = FormField(DurationForm, label=_l("How long, when the dates are not known"))
    system = quick_code(_l("System"), "system")
    pipeline_stage = quick_code(_l("Pipeline stage"), "pipeline_stage")
    known = FormField(KnowledgeForm, label=_l("How the testifier knows this step"))
    reasons = CodeChecklist(_l("Stated or probable reasons"), "detention_reason")
    reasons_note = text(_l("Reasons in the testifier's words"), 2000, multiline=True)
    note = text(_l("Note on this step"), 2000, multiline=True)

    def validate_id(self, field: HiddenField) -> None:
        """Ids are made by the app; a changed one is refused, not stored."""
        if field.data and not _ID_RE.match(field.data):
            raise ValidationError(_l("This episode's id was altered; reload the page."))


def _rows(form_class: type, label: Any) -> FieldList:
    return FieldList(FormField(form_class), label=label, min_entries=0, max_entries=100)


class TrajectoryForm(AppForm):
    """The ordered episodes, and what links them: moves between episodes, workplaces
    and camps, who acted, sentences. The links are lists of their own, so the page
    grows with what was said, not with every possible detail of every episode."""

    episodes = FieldList(
        FormField(EpisodeForm), label=_l("Episodes"), min_entries=1, max_entries=100
    )
    transfers = _rows(TransferForm, _l("Moves from one episode to another"))
    camp_relations = _rows(CampRelationForm, _l("Workplaces and camps"))
    actors = _rows(ActorRowForm, _l("Who acted"))
    sentences = _rows(SentenceForm, _l("Sentences and charges"))

    def validate(self, extra_validators: Any = None) -> bool:
        """Each row by itself, then the rows together: dates in order, links to
        episodes that exist (a move from an earlier one, a camp that is a detention)."""
        _forget_removed_episodes(self)
        fine = super().validate(extra_validators)
        episodes = [entry.form for entry in self.episodes.entries if not entry.form.is_blank()]
        order = {row.id.data: n for n, row in enumerate(episodes) if row.id.data}
        kinds = {row.id.data: row.kind.data for row in episodes if row.id.data}
        for row in episodes:
            fine &= _dates_in_order(row)
        for name in ("transfers", "camp_relations", "actors", "sentences"):
            fine &= _links_fine(self[name], order)
        fine &= _one_per_episode(self.transfers) & _one_per_episode(self.camp_relations)
        fine &= _one_per_episode(self.sentences)
        detention = load_definitions().detention_kinds
        for entry in self.transfers.entries:
            row = entry.form
            here, there = order.get(row.episode.data), order.get(row.source.data)
            if row.source.data and (there is None or (here is not None and there >= here)):
                row.source.errors = [*row.source.errors, gettext("Choose an earlier episode.")]
                fine = False
        for entry in self.camp_relations.entries:
            camp = entry.form.camp
            if camp.data and kinds.get(camp.data) not in detention:
                camp.errors = [*camp.errors, gettext("Choose a camp or other detention episode.")]
                fine = False
        return bool(fine)


def _forget_removed_episodes(form: TrajectoryForm) -> None:
    """Link rows about an episode that was removed go with it; a workplace whose
    camp was removed keeps its relation without the camp."""
    ids = {e.form.id.data for e in form.episodes.entries if e.form.id.data}
    for name in ("transfers", "camp_relations", "actors", "sentences"):
        rows = form[name]
        keep = [
            n
            for n, entry in enumerate(rows.entries)
            if entry.form.episode.data in ids or not entry.form.episode.data
            if name != "transfers" or entry.form.source.data in ids or not entry.form.source.data
        ]
        if len(keep) < len(rows.entries):
            renumber(rows, keep)
    for entry in form.camp_relations.entries:
        if entry.form.camp.data and entry.form.camp.data not in ids:
            entry.form.camp.data = None


def _links_fine(rows: FieldList, order: dict[str, int]) -> bool:
    fine = True
    for entry in rows.entries:
        field = entry.form.episode
        if field.data and field.data not in order:
            field.errors = [
                *field.errors,
                gettext("This episode is no longer in the list: choose another or empty the row."),
            ]
            fine = False
    return fine


def _one_per_episode(rows: FieldList) -> bool:
    seen: set[str] = set()
    fine = True
    for entry in rows.entries:
        field = entry.form.episode
        if field.data and field.data in seen:
            field.errors = [*field.errors, gettext("This episode already has such a row.")]
            fine = False
        seen.add(field.data or "")
    return fine


def _dates_in_order(row: EpisodeForm) -> bool:
    if row.start.errors or row.end.errors:
        return True
    reference = datetime.now(UTC).date()
    start = date_structure(row.start.data, reference)
    end = date_structure(row.end.data, reference)
    earliest_start, _ = date_bounds(start)
    _, latest_end = date_bounds(end)
    if earliest_start and latest_end and latest_end < earliest_start:
        row.end.form.precision.errors = [
            *row.end.form.precision.errors,
            gettext("This episode ends before it starts: check both dates."),
        ]
        return False
    return True


def _episode_data(episode: dict[str, Any]) -> dict[str, Any]:
    reasons = episode.get("reasons") or {}
    return {
        "id": episode.get("id"),
        "kind": episode.get("kind"),
        "facility": facility_ref_data(episode.get("facility")),
        "place": area_data(episode.get("place")),
        "start": date_data(episode.get("start")),
        "end": date_data(episode.get("end")),
        "duration": duration_data(episode.get("duration")),
        "system": episode.get("system"),
        "pipeline_stage": episode.get("pipeline_stage"),
        "known": known_data(episode),
        "reasons": reasons.get("codes") or [],
        "reasons_note": reasons.get("note"),
        "note": episode.get("note"),
    }


def _links_data(episodes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    links: dict[str, list[dict[str, Any]]] = {
        "transfers": [],
        "camp_relations": [],
        "actors": [],
        "sentences": [],
    }
    for episode in episodes:
        here = episode.get("id")
        transfer = episode.get("transfer_from")
        if isinstance(transfer, dict):
            known = transfer.get("known") or {}
            links["transfers"].append(
                {
                    "episode": here,
                    "source": transfer.get("episode_id"),
                    "mode": transfer.get("mode"),
                    "group_as_said": transfer.get("group_as_said"),
                    "known": {"basis": known.get("basis"), "note": known.get("note")},
                    "note": transfer.get("note"),
                }
            )
        camp = episode.get("camp_relation")
        if isinstance(camp, dict):
            links["camp_relations"].append(
                {"episode": here, "relation": camp.get("relation"), "camp": camp.get("episode_id")}
            )
        for actor in episode.get("actors") or []:
            if isinstance(actor, dict):
                links["actors"].append({"episode": here, **actor})
        sentence = episode.get("sentence")
        if isinstance(sentence, dict):
            links["sentences"].append(
                {
                    "episode": here,
                    "charge": sentence.get("charge"),
                    "term": duration_data(sentence.get("term")),
                    "sentenced_on": date_data(sentence.get("sentenced_on")),
                    "court": sentence.get("court"),
                    "note": sentence.get("note"),
                }
            )
    return links


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft (version-1 ``how_known`` is read as ``known``)."""
    episodes = [e for e in document.get("episodes") or [] if isinstance(e, dict)]
    return {"episodes": [_episode_data(e) for e in episodes], **_links_data(episodes)}


def _fresh_id(used: set[str]) -> str:
    number = 1
    while f"e{number}" in used:
        number += 1
    used.add(f"e{number}")
    return f"e{number}"


def _episode(row: EpisodeForm, reference: Any, informants: set[str]) -> dict[str, Any]:
    known = row.known.data
    if known.get("informant_id") not in informants:
        known = {**known, "informant_id": None}
    return prune(
        {
            "id": row.id.data,
            "kind": row.kind.data,
            "facility": facility_ref_value(row.facility.form),
            "place": area_value(row.place.form),
            "start": date_structure(row.start.data, reference),
            "end": date_structure(row.end.data, reference),
            "duration": duration_value(row.duration.form),
            "system": row.system.data,
            "pipeline_stage": row.pipeline_stage.data,
            "known": known_value(known, reference),
            "reasons": prune({"codes": row.reasons.data or None, "note": row.reasons_note.data})
            or None,
            "note": row.note.data,
        }
    )


def _attach_links(form: TrajectoryForm, by_id: dict[str, dict[str, Any]], reference: Any) -> None:
    """Put the rows of the link lists onto their episodes."""
    for entry in form.transfers.entries:
        row = entry.form
        if row.is_blank() or row.episode.data not in by_id:
            continue
        by_id[row.episode.data]["transfer_from"] = prune(
            {
                "episode_id": row.source.data,
                "mode": row.mode.data,
                "group_as_said": row.group_as_said.data,
                "known": known_value(row.known.data, reference),
                "note": row.note.data,
            }
        )
    for entry in form.camp_relations.entries:
        row = entry.form
        if not row.is_blank() and row.episode.data in by_id:
            by_id[row.episode.data]["camp_relation"] = prune(
                {"relation": row.relation.data, "episode_id": row.camp.data}
            )
    for entry in form.actors.entries:
        row = entry.form
        if not row.is_blank() and row.episode.data in by_id:
            actor = prune({"kind": row.kind.data, "name": row.name.data, "note": row.note.data})
            by_id[row.episode.data].setdefault("actors", []).append(actor)
    for entry in form.sentences.entries:
        row = entry.form
        if row.is_blank() or row.episode.data not in by_id:
            continue
        sentence = prune(
            {
                "charge": row.charge.data,
                "term": duration_value(row.term.form),
                "sentenced_on": date_structure(row.sentenced_on.data, reference),
                "court": row.court.data,
                "note": row.note.data,
            }
        )
        if sentence:
            by_id[row.episode.data]["sentence"] = sentence


def store(document: dict[str, Any], form: TrajectoryForm) -> None:
    """Write the episodes in the shown order with their links; labour of removed
    episodes goes too."""
    reference = reference_date(document)
    informants = {i for i, _label in informants_of(document)}
    rows = filled_rows(form.episodes)
    used = {row.id.data for row in rows if row.id.data}
    seen: set[str] = set()
    episodes = []
    for row in rows:
        episode_id = row.id.data if row.id.data and row.id.data not in seen else _fresh_id(used)
        seen.add(episode_id)
        row.id.data = episode_id
        episodes.append(_episode(row, reference, informants))
    _attach_links(form, {e["id"]: e for e in episodes}, reference)
    document["episodes"] = episodes
    allowed = load_definitions().labour_kinds
    kept = {e["id"] for e in episodes if e.get("kind") in allowed}
    document["labour"] = [x for x in document.get("labour") or [] if x.get("episode_id") in kept]


def _row_choices(form: TrajectoryForm) -> list[tuple[str, str, str]]:
    """(id, "n. what happened", kind) of every row; rows not yet saved get their id now,
    so that a later row can name them before they are saved."""
    rows = [entry.form for entry in form.episodes.entries]
    used = {row.id.data for row in rows if row.id.data}
    out = []
    for number, row in enumerate(rows, start=1):
        if not row.id.data:
            row.id.data = _fresh_id(used)
        kind = row.kind.data or ""
        shown = vocab.label("episode_kind", kind) if kind else "…"
        out.append((row.id.data, f"{number}. {shown}", kind))
    return out


def context(document: dict[str, Any], form: TrajectoryForm) -> dict[str, Any]:
    """The page's lists (once per page), episodes to link to, and informants."""
    return {
        "facility_options": pickers.options("facility"),
        "place_options": pickers.options("place"),
        "row_choices": _row_choices(form),
        "detention_kinds": load_definitions().detention_kinds,
        "informants": informants_of(document),
        "q": field_html,
        "qg": group_html,
        "qc": checklist_html,
    }
