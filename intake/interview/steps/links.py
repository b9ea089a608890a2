"""Step: links to other records (other victims, the same person) and actions taken
on the victim's behalf (a family's campaign, a government's enquiry)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FormField, SelectField

from intake.interview import vocab
from intake.interview.fields import (
    DateForm,
    InterviewForm,
    code,
    date_data,
    date_structure,
    required_check,
    text,
)
from intake.interview.lists import RowForm, RowList, filled_rows
from intake.interview.steps.common import prune, reference_date
from intake.interview.steps.known import KnowledgeForm, knowledge_data, knowledge_value
from intake.interview.steps.victim import check_record_id

#: Link relations offered for a second victim the same testifier tells of.
ANOTHER_VICTIM_RELATIONS = ("same_testifier", "held_together", "co_worker", "family_member")


class LinkForm(RowForm):
    """A link from this record to another one."""

    key_fields = ("record_id", "note")
    record_id = text(_l("Record id of the other record"), 36, required=True)
    relation = code(_l("How the records are connected"), "link_relation", required=True)
    note = text(_l("Note"), 2000)

    def validate_record_id(self, field: Any) -> None:
        """A record id."""
        check_record_id(self, field)


class InterventionForm(RowForm):
    """Something done on the victim's behalf, and what came of it."""

    key_fields = ("kind", "by", "outcome", "note")
    kind = code(_l("What was done"), "intervention_kind", required=True)
    by = text(_l("By whom"), 300)
    on = FormField(DateForm, label=_l("When"))
    outcome = text(_l("What came of it"), 2000, multiline=True)
    known = FormField(KnowledgeForm, label=_l("How it is known"))
    note = text(_l("Note"), 2000)


class LinksForm(InterviewForm):
    """Links to other records and interventions."""

    links = RowList(
        FormField(LinkForm), label=_l("Links to other records"), min_entries=1, max_entries=100
    )
    interventions = RowList(
        FormField(InterventionForm),
        label=_l("Actions taken on the victim's behalf"),
        min_entries=1,
        max_entries=50,
    )


class AnotherVictimForm(InterviewForm):
    """Start a record about another victim the same testifier tells of."""

    relation = SelectField(
        _l("How the other victim is connected to this one"),
        choices=lambda: [(c, vocab.label("link_relation", c)) for c in ANOTHER_VICTIM_RELATIONS],
        validators=[required_check()],
    )


def load(document: dict[str, Any]) -> dict[str, Any]:
    """Form data from the draft."""
    interventions = [
        {**item, "on": date_data(item.get("on")), "known": knowledge_data(item.get("known"))}
        for item in document.get("interventions") or []
        if isinstance(item, dict)
    ]
    return {"links": document.get("links") or [], "interventions": interventions}


def store(document: dict[str, Any], form: LinksForm) -> None:
    """Write the links and interventions sections."""
    reference = reference_date(document)
    document["links"] = [
        prune({k: row[k].data for k in ("record_id", "relation", "note")})
        for row in filled_rows(form.links)
    ]
    before = [i for i in document.get("interventions") or [] if isinstance(i, dict)]
    interventions = []
    for index, row in enumerate(filled_rows(form.interventions)):
        kept = before[index].get("known") if index < len(before) else None
        item = {
            **{k: row[k].data for k in ("kind", "by", "outcome", "note")},
            "on": date_structure(row.on.data, reference),
            "known": knowledge_value(row.known.form, kept),
        }
        interventions.append(prune(item))
    document["interventions"] = interventions


def context(document: dict[str, Any], _form: LinksForm) -> dict[str, Any]:
    """This record's id (to give to the other record) and the "another victim" form."""
    return {"record_id": document.get("record_id"), "another": AnotherVictimForm()}
