"""The same-person review queue and the person page (coordinators, administrators)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from intake.cases import labels, persons
from intake.cases.forms_search import RELATION_LABELS, DecisionForm, LinkForm
from intake.facilities.services import live_registry
from intake.interview.steps.victim import check_record_id
from intake.validators import NoControlCharacters
from intake.web import db_session, login_required, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("persons", __name__, url_prefix="/persons")
#: Who may review and link: coordinators and administrators.
REVIEWERS = ("admin", "coordinator")


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class PersonLinkForm(LinkForm):
    """The person page's link form. An id pasted with a space or a line end around it
    is taken; a malformed one is refused in words, as the interview refuses it. The
    reason is required, as for a pair confirmed in the queue."""

    other = StringField(
        _l("Other record id"),
        filters=[_stripped],
        validators=[DataRequired(), check_record_id],
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )
    # A link added here is a decision as a confirmation in the queue is: it needs a why.
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            NoControlCharacters(multiline=True),
            Length(max=2000),
        ],
    )


@bp.get("/queue")
@login_required(*REVIEWERS)
def queue() -> str:
    """Pairs of records that may be one person, most likely first."""
    return _queue_page(DecisionForm())


def _queue_page(form: DecisionForm, refused: dict[str, str] | None = None) -> str:
    session = db_session()
    facilities = live_registry(session)
    candidates = persons.review_queue(
        session, unlocked_keys(), actor=current_user.account_id, facilities=facilities
    )
    session.commit()
    return render_template(
        "cases/queue.html",
        candidates=candidates,
        form=form,
        refused=refused,
        facility_name=labels.facility_namer(facilities),
    )


@bp.post("/decide")
@login_required(*REVIEWERS)
def decide() -> Any:
    """Confirm, reject or undo a link between two records."""
    form = DecisionForm()
    if not form.validate_on_submit():
        if not form.reason.errors or any(f.errors for f in form if f is not form.reason):
            abort(400)
        # Only the typed reason is wrong (a hidden character).
        return _pair_refused(form, form.reason.errors[0]), 400
    a, b = uuid.UUID(form.a.data), uuid.UUID(form.b.data)
    in_queue = form.next.data != "person"
    try:
        persons.check_reason(form.state.data, form.reason.data, in_queue=in_queue)
    except persons.ReasonMissingError as error:
        return _pair_refused(form, error.translated()), error.status
    session = db_session()
    persons.decide(
        session,
        unlocked_keys(),
        a,
        b,
        relation=form.relation.data,
        state=form.state.data,
        actor=current_user.account_id,
        reason=form.reason.data,
    )
    session.commit()
    if not in_queue:
        return redirect(url_for(".person", record_id=a))
    return redirect(url_for(".queue"))


def _pair_refused(form: DecisionForm, message: str) -> str:
    """The queue again, the pair offered with ``message`` beside its reason, as typed."""
    a, b = uuid.UUID(form.a.data), uuid.UUID(form.b.data)
    refused = {"a": str(a), "b": str(b), "state": form.state.data, "message": message}
    return _queue_page(form, refused)


@bp.get("/<uuid:record_id>")
@login_required(*REVIEWERS)
def person(record_id: uuid.UUID) -> str:
    """The person a record belongs to: their records, links and decisions."""
    return _person_page(record_id, PersonLinkForm())


def _person_page(record_id: uuid.UUID, link_form: LinkForm) -> str:
    session = db_session()
    require_role(session, "casedb")
    view = persons.person_view(session, unlocked_keys(), record_id, actor=current_user.account_id)
    session.commit()
    return render_template(
        "cases/person.html",
        record_id_page=record_id,
        view=view,
        form=DecisionForm(formdata=None),
        link_form=link_form,
        relations=RELATION_LABELS,
    )


@bp.post("/<uuid:record_id>/link")
@login_required(*REVIEWERS)
def link(record_id: uuid.UUID) -> Any:
    """Add a link from the person page to another record; a refusal shows the page
    again with the message beside the id and what was typed kept."""
    form = PersonLinkForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            persons.decide(
                session,
                unlocked_keys(),
                record_id,
                uuid.UUID(form.other.data),
                relation=form.relation.data,
                state=persons.LINKED,
                actor=current_user.account_id,
                reason=form.reason.data,
            )
        except persons.LinkError as error:
            session.rollback()
            form.other.errors = [*form.other.errors, error.translated()]
        else:
            session.commit()
            return redirect(url_for(".person", record_id=record_id))
    return _person_page(record_id, form), 400
