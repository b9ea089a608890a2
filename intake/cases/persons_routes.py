"""The same-person review queue and the person page (coordinators, administrators)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user

from intake.cases import labels, persons
from intake.cases.forms_search import RELATION_LABELS, DecisionForm, LinkForm
from intake.facilities.services import live_registry
from intake.web import db_session, login_required, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("persons", __name__, url_prefix="/persons")
#: Who may review and link: coordinators and administrators.
REVIEWERS = ("admin", "coordinator")


@bp.get("/queue")
@login_required(*REVIEWERS)
def queue() -> str:
    """Pairs of records that may be one person, most likely first."""
    session = db_session()
    facilities = live_registry(session)
    candidates = persons.review_queue(
        session, unlocked_keys(), actor=current_user.account_id, facilities=facilities
    )
    session.commit()
    return render_template(
        "cases/queue.html",
        candidates=candidates,
        form=DecisionForm(),
        facility_name=labels.facility_namer(facilities),
    )


@bp.post("/decide")
@login_required(*REVIEWERS)
def decide() -> Response:
    """Confirm, reject or undo a link between two records."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    session = db_session()
    a, b = uuid.UUID(form.a.data), uuid.UUID(form.b.data)
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
    if form.next.data == "person":
        return redirect(url_for(".person", record_id=a))
    return redirect(url_for(".queue"))


@bp.get("/<uuid:record_id>")
@login_required(*REVIEWERS)
def person(record_id: uuid.UUID) -> str:
    """The person a record belongs to: their records, links and decisions."""
    session = db_session()
    require_role(session, "casedb")
    view = persons.person_view(session, unlocked_keys(), record_id, actor=current_user.account_id)
    session.commit()
    return render_template(
        "cases/person.html",
        record_id_page=record_id,
        view=view,
        form=DecisionForm(),
        link_form=LinkForm(),
        relations=RELATION_LABELS,
    )


@bp.post("/<uuid:record_id>/link")
@login_required(*REVIEWERS)
def link(record_id: uuid.UUID) -> Response:
    """Add a link from the person page to another record."""
    form = LinkForm()
    if not form.validate_on_submit():
        abort(400)
    session = db_session()
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
    session.commit()
    return redirect(url_for(".person", record_id=record_id))
