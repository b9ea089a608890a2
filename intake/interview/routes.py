"""Interview pages: the list of drafts, the steps, attachments, review and finalising.

Routes read the form, call one service, commit once and render or redirect. The
draft id is the only value about an interview that ever appears in a URL.
"""

from __future__ import annotations

import io
import secrets
import uuid
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.wrappers import Response

from intake.errors import IntakeError
from intake.formbase import ActionForm
from intake.interview import flow, services
from intake.interview.addenda import AddendumPathError, record_addendum
from intake.interview.forms import AddendumForm, AttachmentForm, DraftDaysForm, PublicationForm
from intake.interview.steps import STEPS, form_step
from intake.interview.steps.links import AnotherVictimForm
from intake.interview.wages import WageNumberError, figure_from_request, parse_figure_request
from intake.records.drafts import count_stale, expire_drafts, kept_from, set_draft_days, wiped_on
from intake.records.services import list_outbox
from intake.web import (
    confirmation,
    confirmed,
    db_session,
    is_own_receipt,
    login_required,
    remember_receipt,
    unlocked_keys,
)
from intake.workspace.services import get_workspace

bp = Blueprint("interview", __name__, url_prefix="/interview")
ROLES = ("admin", "coordinator", "interviewer")


@bp.get("/")
@login_required(*ROLES)
def index() -> tuple[str, int]:
    """The person's drafts, a button to start, and (at a station) the outbox."""
    return _index(DraftDaysForm())


def _index(days_form: DraftDaysForm, status: int = 200) -> tuple[str, int]:
    session = db_session()
    # A station left unlocked past a draft's last day wipes it here, not at the next unlock.
    if expire_drafts(session):
        session.commit()
    workspace = get_workspace(session)
    if not days_form.is_submitted():
        days_form.days.data = workspace.draft_days
    return render_template(
        "interview/index.html",
        drafts=services.own_drafts(session, unlocked_keys(), current_user.account_id),
        outbox=list_outbox(session) if workspace.role == "station" else None,
        form=ActionForm(),
        days_form=days_form,
        draft_days=workspace.draft_days,
        wiped_on=lambda day: wiped_on(day, workspace.draft_days),
        step_titles={step.name: step.title for step in STEPS},
    ), status


@bp.post("/draft-days")
@login_required("admin")
def draft_days() -> tuple[str, int] | Response | str:
    """Change how long unfinished interviews are kept; drafts already older go at once,
    after a confirmation that says how many (anyone's) that is."""
    # The confirmation page sends the days back in its address.
    form = DraftDaysForm(CombinedMultiDict((request.form, request.args)))
    if not form.validate_on_submit():
        return _index(form, 400)
    days, session = form.days.data, db_session()
    doomed = count_stale(session, days)
    if doomed and not confirmed():
        return confirmation(
            subject="",
            question=ngettext(
                "%(num)s unfinished interview, whoever started it, was last saved before "
                "%(day)s. It will be wiped now and cannot be recovered.",
                "%(num)s unfinished interviews, whoever started them, were last saved "
                "before %(day)s. They will be wiped now and cannot be recovered.",
                doomed,
                day=kept_from(days).isoformat(),
            ),
            button=gettext("Wipe them and save"),
            action_url=url_for(".draft_days", days=days),
            back_url=url_for(".index"),
        )
    wiped = set_draft_days(session, days)
    session.commit()
    said = ngettext(
        "Drafts are now wiped once %(num)s full day has passed since their last save.",
        "Drafts are now wiped once %(num)s full days have passed since their last save.",
        days,
    )
    if wiped:
        said += " " + ngettext("%(num)s draft was wiped.", "%(num)s drafts were wiped.", wiped)
    flash(said, "done")
    return redirect(url_for(".index"))


@bp.post("/start")
@login_required(*ROLES)
def start() -> Response:
    """Create a draft and open its first step."""
    if not ActionForm().validate_on_submit():
        abort(400)
    draft_id = services.start_interview(db_session(), unlocked_keys(), current_user.account_id)
    db_session().commit()
    return redirect(url_for(".step", draft_id=draft_id, name="testifier"))


@bp.route("/<uuid:draft_id>/<name>", methods=["GET", "POST"])
@login_required(*ROLES)
def step(draft_id: uuid.UUID, name: str) -> str | Response:
    """One step: shown from the draft; on submit checked, saved, and moved on."""
    step = form_step(name)
    if step is None:
        abort(404)
    document = flow.own_draft(draft_id)
    if request.method == "GET":
        return flow.show_step(step, draft_id, document)
    return flow.submit_step(step, draft_id, document)


@bp.post("/<uuid:draft_id>/<name>/typed")
@login_required(*ROLES)
def typed(draft_id: uuid.UUID, name: str) -> tuple[str, int]:
    """Keep what is being typed on a step (sent by the page as the person types)."""
    step = form_step(name)
    if step is None:
        abort(404)
    if not flow.keep_typing(step, draft_id, flow.own_draft(draft_id)):
        abort(400)
    return "", 204


@bp.route("/<uuid:draft_id>/attachments", methods=["GET", "POST"])
@login_required(*ROLES)
def attachments(draft_id: uuid.UUID) -> str | Response:
    """Attach photos, documents and audio; remove them; move on."""
    document = flow.own_draft(draft_id)
    form, publication = AttachmentForm(), PublicationForm(prefix="publication")
    if request.method == "POST" and request.form.get("action") == "add_publication":
        if publication.validate_on_submit():
            return flow.submit_publication(publication, draft_id, document)
    elif request.method == "POST" and form.validate_on_submit():
        moved = flow.submit_attachment(form, draft_id, document)
        if moved is not None:
            return moved
    return flow.render_attachments(draft_id, document, form, publication)


@bp.get("/<uuid:draft_id>/review")
@login_required(*ROLES)
def review(draft_id: uuid.UUID) -> str:
    """The whole record, readable, with what still needs fixing."""
    return flow.render_review(draft_id, flow.own_draft(draft_id), ActionForm())


@bp.route("/<uuid:draft_id>/finalise", methods=["GET", "POST"])
@login_required(*ROLES)
def finalise(draft_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """Ask to confirm; then validate, seal or store the record and discard the draft."""
    document, form = flow.own_draft(draft_id), ActionForm()
    if not confirmed():
        return flow.render_confirm(draft_id, "finalise", form)
    if not form.validate_on_submit() or services.problems_of(document):
        return flow.render_review(draft_id, document, form), 422
    try:
        record_id = services.finalise_interview(
            db_session(), unlocked_keys(), draft_id, current_user.account_id
        )
    except IntakeError as error:
        db_session().rollback()
        return flow.render_review(draft_id, document, form, error=error.translated()), 422
    db_session().commit()
    remember_receipt(record_id)
    return redirect(url_for(".receipt", record_id=record_id))


@bp.route("/<uuid:draft_id>/discard", methods=["GET", "POST"])
@login_required(*ROLES)
def discard(draft_id: uuid.UUID) -> str | Response:
    """Ask to confirm; then delete the draft and its attachments."""
    form = ActionForm()
    if not confirmed():
        flow.own_draft(draft_id)
        return flow.render_confirm(draft_id, "discard", form)
    if not form.validate_on_submit():
        abort(400)
    services.discard_interview(db_session(), unlocked_keys(), draft_id, current_user.account_id)
    db_session().commit()
    return redirect(url_for(".index"))


@bp.post("/<uuid:draft_id>/another")
@login_required(*ROLES)
def another_victim(draft_id: uuid.UUID) -> Response:
    """Start a draft about another victim of the same testifier, linked both ways."""
    form = AnotherVictimForm()
    if not form.validate_on_submit():
        abort(400)
    new_id = services.start_another_victim(
        db_session(), unlocked_keys(), draft_id, current_user.account_id, form.relation.data
    )
    db_session().commit()
    return redirect(url_for(".step", draft_id=new_id, name="victim"))


@bp.get("/receipt/<uuid:record_id>")
@login_required(*ROLES)
def receipt(record_id: uuid.UUID) -> str:
    """What was sealed or stored: the record id, the day and (station) the sealed hash.

    For the person who finalised it, until the workspace locks; at a station, for any
    record sealed there (the Delivery page lists the same).
    """
    if not (is_own_receipt(record_id) or flow.sealed_here(record_id)):
        abort(404)
    return render_template("interview/receipt.html", receipt=flow.receipt_of(record_id))


@bp.route("/receipt/<uuid:record_id>/addendum", methods=["GET", "POST"])
@login_required(*ROLES)
def addendum(record_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """Record a correction to a sealed record: sealed at once, kept in the outbox for the
    next bundle, and handed over as a file.

    For any record sealed at this station, delivered or not, so a mistake noticed
    after the workspace locked can still be corrected."""
    if not (is_own_receipt(record_id) or flow.sealed_here(record_id)):
        abort(404)
    receipt, form = flow.receipt_of(record_id), AddendumForm()
    if receipt.sealed_sha256 is None:
        abort(404)
    if not form.validate_on_submit():
        return render_template("interview/addendum.html", receipt=receipt, form=form)
    try:
        sealed = record_addendum(
            db_session(),
            unlocked_keys(),
            record_id,
            form.correction.data,
            (form.corrected_paths.data or "").split("\n"),
            datetime.now(UTC).date(),
            author=form.author.data.strip(),
        )
    except IntakeError as error:
        db_session().rollback()
        # A field the record does not have is told beside the list of fields.
        shown = form.corrected_paths if isinstance(error, AddendumPathError) else form.correction
        shown.errors = [error.translated()]
        return render_template("interview/addendum.html", receipt=receipt, form=form), 422
    db_session().commit()
    # Like a bundle's: a name that says nothing of the app, the record or what it holds.
    name = f"{secrets.token_hex(6)}.age"
    return send_file(io.BytesIO(sealed.sealed), as_attachment=True, download_name=name)


@bp.post("/wage-figure")
@login_required(*ROLES)
def wage_figure() -> Response | tuple[Response, int]:
    """Monthly wage and minimum-wage ratio for the live figure on the labour step."""
    try:
        return jsonify(figure_from_request(parse_figure_request(request.get_data(cache=False))))
    except WageNumberError as error:
        return jsonify(error=error.translated()), error.status
