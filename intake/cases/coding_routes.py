"""Case-database pages to code and correct a record, read its history, and erase it
when consent is withdrawn (asked by one person, confirmed by a second administrator).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from intake.cases import coding_forms as forms
from intake.cases import erasure, versions
from intake.errors import IntakeError
from intake.interview import vocab
from intake.interview.steps.work_coding import indicator_titles, phase_titles
from intake.records.services import RecordInvalidError
from intake.web import db_session, login_required, unlocked_keys

bp = Blueprint("coding", __name__, url_prefix="/records")
EDITORS = erasure.REQUESTERS


def _me() -> uuid.UUID:
    account: uuid.UUID = current_user.account_id
    return account


def _opened(record_id: uuid.UUID, page: str) -> versions.Opened:
    opened = versions.open_for_edit(
        db_session(), unlocked_keys(), record_id, actor=_me(), page=page
    )
    db_session().commit()  # the audited read
    return opened


@bp.app_template_global()
def coding_field_label(section: str, path: str) -> str:
    """Template access to :func:`~intake.cases.coding_forms.labelled`."""
    return forms.labelled(section, path)


@bp.app_template_global()
def coding_value_label(section: str, path: str, shown: str) -> str:
    """A value of a difference in words: a code (or a list of codes) by its label in
    the reader's language; anything else as it is.
    """
    node = forms.field_node(section, path)
    if node.get("type") == "array":
        vocabulary = forms.field_node(section, f"{path}[0]").get("x-codebook")
        if vocabulary and shown.startswith("["):
            try:
                codes = json.loads(shown)
            except ValueError:
                return shown
            return ", ".join(vocab.label(vocabulary, code) for code in codes)
    vocabulary = node.get("x-codebook")
    return vocab.label(vocabulary, shown) if vocabulary and shown != versions.ABSENT else shown


def _save(
    opened: versions.Opened,
    section: str,
    value: Callable[[], Any],
    form: Any,
    template: str,
    /,
    **context: Any,
) -> Any:
    """Save ``value()`` as a new version of ``section``; on a conflict or a refusal,
    show the form again with what was typed (and, on a conflict, both changes).
    """
    session, keys = db_session(), unlocked_keys()
    try:
        new = value()
        versions.change_section(
            session, keys, opened.record_id, section, new,
            loaded_revision=form.revision.data, reason=form.reason.data,
            actor=_me(), actor_name=current_user.username,
        )  # fmt: skip
    except versions.EditConflictError as error:
        session.rollback()
        now = _opened(opened.record_id, "conflict")
        theirs = versions.history(
            session, keys, opened.record_id, since_revision=form.revision.data
        )
        form.revision.data, form.revision.raw_data = now.revision, [str(now.revision)]
        conflict = {"message": error.translated(), "theirs": theirs,
                    "yours": versions.differences(now.document.get(section), new)}  # fmt: skip
        return render_template(template, form=form, conflict=conflict, **context), 409
    except IntakeError as error:
        session.rollback()
        problems = error.problems if isinstance(error, RecordInvalidError) else []
        return render_template(
            template, form=form, error=error.translated(), problems=problems, **context
        ), error.status
    session.commit()
    flash(gettext("Saved as a new version; the earlier one is kept."), "done")
    return redirect(url_for(".history", record_id=opened.record_id))


@bp.route("/<uuid:record_id>/coding", methods=["GET", "POST"])
@login_required(*EDITORS)
def coding(record_id: uuid.UUID) -> Any:
    """The coding of the record as a whole, and links to each work episode's coding."""
    opened = _opened(record_id, "coding")
    data = {**forms.record_coding_data(opened.document), "revision": opened.revision}
    form = forms.RecordCodingForm(data=data)
    context = {"opened": opened, "indicators": indicator_titles(),
               "episodes": forms.work_episodes(opened.document)}  # fmt: skip
    if not form.validate_on_submit():
        return render_template("cases/coding.html", form=form, **context)
    value = lambda: forms.record_coding_value(opened.document, form)  # noqa: E731
    return _save(opened, "coding", value, form, "cases/coding.html", **context)


@bp.route("/<uuid:record_id>/coding/<episode_id>", methods=["GET", "POST"])
@login_required(*EDITORS)
def episode_coding(record_id: uuid.UUID, episode_id: str) -> Any:
    """One work episode's coding: the 11 ILO indicators and the survey table."""
    opened = _opened(record_id, "coding")
    entry = forms.episode_entry(opened.document, episode_id)
    if entry is None:
        abort(404)
    data = {**forms.episode_coding_data(entry), "revision": opened.revision}
    form = forms.EpisodeCodingForm(data=data)
    context = {"opened": opened, "entry": entry, "indicators": indicator_titles(),
               "phases": phase_titles()}  # fmt: skip
    if not form.validate_on_submit():
        return render_template("cases/coding_episode.html", form=form, **context)
    value = lambda: forms.episode_coding_value(opened.document, episode_id, form)  # noqa: E731
    return _save(opened, "labour", value, form, "cases/coding_episode.html", **context)


@bp.route("/<uuid:record_id>/correct/<section>", methods=["GET", "POST"])
@login_required(*EDITORS)
def correct(record_id: uuid.UUID, section: str) -> Any:
    """Correct one field of a section (a victim's status, a date, …)."""
    if section not in forms.SECTION_LABELS:
        abort(404)
    opened = _opened(record_id, "correct")
    current = opened.document.get(section)
    form = forms.CorrectionForm(data={"revision": opened.revision})
    form.path.choices = forms.field_choices(section, current)
    # The field is chosen first (a plain link or GET form), then given its new value
    # in the input its kind needs: a list of its codes, yes or no, or typed text.
    chosen = form.path.data if form.is_submitted() else request.args.get("path")
    fields = dict(versions.leaves(current, ""))
    context = {"opened": opened, "section": section, "sections": forms.SECTION_LABELS}
    if chosen is None or chosen not in dict(form.path.choices):
        if form.is_submitted():
            form.validate()  # says why: no field chosen, or not one of this section's
        return render_template("cases/coding_correct.html", form=form, chosen=None, **context)
    form.path.data = chosen
    now = fields[chosen]
    kind = forms.value_kind(section, chosen, now)
    forms.fit_value_field(form, kind, now)
    context |= {
        "chosen": chosen,
        "field_name": forms.field_words(section, chosen),
        "now": forms.in_words(section, chosen, now),
    }
    if not form.validate_on_submit():
        return render_template("cases/coding_correct.html", form=form, **context)
    typed, node = forms.typed_value(form, kind, now), forms.field_node(section, chosen)
    value = lambda: forms.corrected(current, chosen, typed, node)  # noqa: E731
    return _save(opened, section, value, form, "cases/coding_correct.html", **context)


@bp.route("/<uuid:record_id>/withdrawal", methods=["GET", "POST"])
@login_required(*EDITORS)
def withdrawal(record_id: uuid.UUID) -> Any:
    """Record that the testifier withdrew consent for a use (publication, partner
    sharing, research) or for the whole testimony; exports then leave it out."""
    opened = _opened(record_id, "withdrawal")
    consent = opened.document.get("consent")
    form = forms.WithdrawalForm(data={"revision": opened.revision})
    now = (consent or {}).get("withdrawal") if isinstance(consent, dict) else None
    context = {
        "opened": opened,
        "now": None
        if not isinstance(now, dict)
        else {
            "day": str(now.get("withdrawn_at") or "")[:10],
            "scope": vocab.label("withdrawal_scope", now.get("scope")),
        },
    }
    if not form.validate_on_submit():
        return render_template("cases/coding_withdrawal.html", form=form, **context)
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
    value = lambda: forms.withdrawn_consent(consent, form.scope.data, at)  # noqa: E731
    return _save(opened, "consent", value, form, "cases/coding_withdrawal.html", **context)


@bp.get("/<uuid:record_id>/history")
@login_required(*EDITORS)
def history(record_id: uuid.UUID) -> str:
    """Every change to the record, newest first, each as a difference."""
    changes = versions.history(db_session(), unlocked_keys(), record_id, actor=_me())
    db_session().commit()
    return render_template("cases/history.html", record_id=record_id, changes=changes)


@bp.route("/<uuid:record_id>/erase", methods=["GET", "POST"])
@login_required(*EDITORS)
def erase(record_id: uuid.UUID) -> Any:
    """Ask for the record to be erased (consent withdrawn), or withdraw the request."""
    session, form = db_session(), forms.ErasureRequestForm()
    if form.validate_on_submit():
        try:
            erasure.request_erasure(
                session, unlocked_keys(), record_id, reason=form.reason.data,
                actor=_me(), actor_role=current_user.role,
            )  # fmt: skip
        except IntakeError as error:
            session.rollback()
            flash(error.translated(), "error")
        else:
            session.commit()
            flash(gettext("Erasure requested; a second administrator must confirm it."), "done")
        return redirect(url_for(".erase", record_id=record_id))
    pending = erasure.pending_for(session, record_id)
    return render_template("cases/erase.html", record_id=record_id, form=form,
                           pending=pending, action_form=forms.ConfirmForm())  # fmt: skip


@bp.post("/erasures/<uuid:request_id>/withdraw")
@login_required(*EDITORS)
def withdraw(request_id: uuid.UUID) -> Response:
    """Withdraw a pending erasure request (back to the record's erase page)."""
    row = _decide(request_id, erasure.withdraw_erasure, gettext("The request was withdrawn."))
    record_id = (
        row.testimony_id if row is not None else request.form.get("record_id", type=uuid.UUID)
    )
    if current_user.role == "admin" or record_id is None:
        return redirect(url_for(".erasures" if current_user.role == "admin" else "interview.index"))
    return redirect(url_for(".erase", record_id=record_id))


@bp.post("/erasures/<uuid:request_id>/confirm")
@login_required(*erasure.CONFIRMERS)
def confirm(request_id: uuid.UUID) -> Response:
    """Confirm a pending erasure: the record's data key is destroyed."""
    _decide(request_id, erasure.confirm_erasure, gettext("The record was erased."))
    return redirect(url_for(".erasures"))


def _decide(request_id: uuid.UUID, decide: Callable[..., Any], done: str) -> Any:
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    session = db_session()
    try:
        result = decide(
            session, unlocked_keys(), request_id, actor=_me(), actor_role=current_user.role
        )
    except IntakeError as error:
        session.rollback()
        flash(error.translated(), "error")
        return None
    session.commit()
    flash(done, "done")
    return result


@bp.get("/erasures")
@login_required(*erasure.CONFIRMERS)
def erasures() -> str:
    """Pending erasure requests, for a second administrator to confirm."""
    pending = erasure.pending_erasures(db_session(), unlocked_keys())
    return render_template("cases/erase_requests.html", pending=pending,
                           action_form=forms.ConfirmForm(), me=_me())  # fmt: skip
