"""Case-database pages to code and correct a record, read its history, and erase it
when consent is withdrawn (asked by one person, confirmed by a second administrator).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from intake.cases import coding_forms as forms
from intake.cases import erasure, versions
from intake.errors import N_, IntakeError
from intake.interview import vocab
from intake.interview.steps.work_coding import indicator_titles, phase_titles
from intake.records.services import RecordInvalidError
from intake.web import confirmation, confirmed, db_session, login_required, unlocked_keys

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
def coding_joined(prefix: str, path: str) -> str:
    """A path inside the part of a section a form holds, as a path of the section."""
    return versions.joined(prefix, path) or "(section)"


@bp.app_template_global()
def correction_url(record_id: uuid.UUID, path: str) -> str | None:
    """The Correct a field page for a record field named as a station names it
    ("$.victim.birth_date"), that field chosen; None for a section not corrected there.
    """
    match = re.fullmatch(r"\$\.([a-z_]+)(?:\.?(.*))?", path)
    if match is None or match.group(1) not in forms.SECTION_LABELS:
        return None
    section, field = match.group(1), match.group(2) or None
    return url_for("coding.correct", record_id=record_id, section=section, path=field)


@bp.app_template_global()
def coding_value_label(section: str, path: str, shown: str) -> str:
    """A value of a difference in words: a code (or a list of codes) by its label in
    the reader's language, yes or no in words; anything else as it is.
    """
    node = forms.field_node(section, path)
    if node.get("type") == "boolean" and shown in ("true", "false"):
        return gettext("Yes") if shown == "true" else gettext("No")
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


@dataclass(frozen=True)
class Editing:
    """What a page's form changes, so that a save which meets a colleague's can be
    made again over theirs, carrying only what this person changed."""

    section: str
    #: The section's new value: the form applied to a document.
    value: Callable[[dict[str, Any]], Any]
    #: Where the part the form holds lies in the section of a document ("" the whole
    #: section); None where that document has no such part.
    where: Callable[[dict[str, Any]], str | None]
    #: A fresh form holding a value of that part (MISSING: the part is absent), with
    #: the revision and reason given; None where the form is shown again as typed.
    refill: Callable[[Any, dict[str, Any]], Any] | None = None


#: The most fields a conflict asks to choose for at once.
_MOST_CLASHES = 200


def _clash_choices() -> list[tuple[str, str | None]]:
    """The fields a conflict asked to choose for, each with the choice made ("theirs",
    "yours", or None)."""
    paths = [path for path in request.form.getlist("clash") if len(path) <= 500]
    return [(path, request.form.get(f"keep:{path}")) for path in paths[:_MOST_CLASHES]]


def _with_choices(
    editing: Editing, document: dict[str, Any], value: Any, choices: list[tuple[str, str | None]]
) -> Any:
    """``value`` with each field chosen as "theirs" set back to what ``document``
    holds (the record as it is, read on the server: nothing posted is trusted)."""
    prefix = editing.where(document)
    if prefix is None:
        return value
    section = document.get(editing.section, versions.MISSING)
    for path, keep in choices:
        if keep == "theirs":
            full = versions.joined(prefix, path)
            value = versions.put_at(value, full, versions.value_at(section, full))
    return value


def _save(
    opened: versions.Opened, editing: Editing, form: Any, template: str, /, **context: Any
) -> Any:
    """Save the form as a new version of its section; on a conflict or a refusal,
    show the form again (after a conflict, over the colleague's version).
    """
    session, keys = db_session(), unlocked_keys()
    choices = _clash_choices()
    try:
        if any(keep not in ("theirs", "yours") for _path, keep in choices):
            raise versions.ClashUnchosenError(
                N_(
                    "You and someone else changed the same field to different values: "
                    "choose which value to keep for each one, then save again."
                )
            )
        new = _with_choices(editing, opened.document, editing.value(opened.document), choices)
        versions.change_section(
            session, keys, opened.record_id, editing.section, new,
            loaded_revision=form.revision.data, reason=form.reason.data,
            actor=_me(), actor_name=current_user.username,
        )  # fmt: skip
    except versions.EditConflictError as error:
        session.rollback()
        return _after_conflict(opened, editing, form, error, choices, template, context)
    except IntakeError as error:
        session.rollback()
        problems = error.problems if isinstance(error, RecordInvalidError) else []
        if isinstance(error, versions.ClashUnchosenError):
            context["conflict"] = _unchosen(opened, editing, choices)
        return render_template(
            template, form=form, error=error.translated(), problems=problems, **context
        ), error.status
    session.commit()
    flash(gettext("Saved as a new version; the earlier one is kept."), "done")
    return redirect(url_for(".history", record_id=opened.record_id))


def _unchosen(
    opened: versions.Opened, editing: Editing, choices: list[tuple[str, str | None]]
) -> dict[str, Any]:
    """The fields still to choose for, theirs and yours side by side, asked again."""
    document = opened.document
    prefix = editing.where(document) or ""
    section = document.get(editing.section, versions.MISSING)
    try:
        yours = editing.value(document)
    except IntakeError:
        yours = versions.MISSING
    clashes = [
        versions.Clash(
            path,
            versions.shown(versions.value_at(section, versions.joined(prefix, path))),
            versions.shown(versions.value_at(yours, versions.joined(prefix, path))),
        )
        for path, _keep in choices
    ]
    return {"message": None, "theirs": [], "carried": [], "clashes": clashes,
            "prefix": prefix, "rebased": True}  # fmt: skip


def _after_conflict(
    opened: versions.Opened,
    editing: Editing,
    form: Any,
    error: IntakeError,
    choices: list[tuple[str, str | None]],
    template: str,
    context: dict[str, Any],
) -> Any:
    """The form again after a conflict: the record as the colleague left it with only
    the fields this person changed (since the revision they loaded) set again, and
    the fields both changed differently named, for the person to choose."""
    session, keys, loaded = db_session(), unlocked_keys(), form.revision.data
    now = _opened(opened.record_id, "conflict")
    theirs = versions.history(session, keys, opened.record_id, since_revision=loaded)
    conflict = {"message": error.translated(), "theirs": theirs, "prefix": "", "clashes": []}
    rebased = _rebased(editing, loaded, now.document, choices)
    if rebased is None or editing.refill is None:
        # The form holds nothing but what this person chose: shown again as typed.
        form.revision.data, form.revision.raw_data = now.revision, [str(now.revision)]
        try:
            mine = versions.differences(
                now.document.get(editing.section), editing.value(now.document)
            )
        except IntakeError:
            mine = []  # refused over their version: saving again says why
        conflict |= {"carried": mine, "rebased": False}
    else:
        prefix, result = rebased
        form = editing.refill(result.value, {"revision": now.revision, "reason": form.reason.data})
        conflict |= {"carried": result.carried, "clashes": result.clashes, "prefix": prefix,
                     "rebased": True}  # fmt: skip
    return render_template(template, form=form, conflict=conflict, **context), 409


def _rebased(
    editing: Editing,
    loaded: int,
    now: dict[str, Any],
    choices: list[tuple[str, str | None]],
) -> tuple[str, versions.Rebased] | None:
    """Where the form's part lies now, and this person's change (from the record as
    they loaded it) made again over the record as it is; None where it cannot be."""
    record_id = uuid.UUID(str(now["record_id"]))
    base = versions.document_at(db_session(), unlocked_keys(), record_id, loaded)
    base_at, now_at = editing.where(base), editing.where(now)
    if base_at is None or now_at is None:
        return None
    try:
        yours = _with_choices(editing, base, editing.value(base), choices)
    except IntakeError:
        return None
    missing = versions.MISSING
    return now_at, versions.rebase(
        versions.value_at(base.get(editing.section, missing), base_at),
        versions.value_at(yours, base_at),
        versions.value_at(now.get(editing.section, missing), now_at),
    )


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
    editing = Editing(
        "coding",
        value=lambda document: forms.record_coding_value(document, form),
        where=lambda _document: "",
        refill=lambda part, extra: forms.RecordCodingForm(
            formdata=None, data={**forms.record_coding_again(opened.document, part), **extra}
        ),
    )
    return _save(opened, editing, form, "cases/coding.html", **context)


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
    editing = Editing(
        "labour",
        value=lambda document: forms.episode_coding_value(document, episode_id, form),
        where=lambda document: forms.episode_coding_at(document, episode_id),
        refill=lambda part, extra: forms.EpisodeCodingForm(
            formdata=None, data={**forms.episode_coding_again(part), **extra}
        ),
    )
    return _save(opened, editing, form, "cases/coding_episode.html", **context)


@bp.route("/<uuid:record_id>/correct/<section>", methods=["GET", "POST"])
@login_required(*EDITORS)
def correct(record_id: uuid.UUID, section: str) -> Any:
    """Correct one field of a section (a victim's status, a date, …), or add one the
    record does not hold."""
    if section not in forms.SECTION_LABELS:
        abort(404)
    opened = _opened(record_id, "correct")
    current = opened.document.get(section)
    form = forms.CorrectionForm(data={"revision": opened.revision})
    form.path.choices = forms.field_choices(section, current)
    # The field is chosen first (a plain link or GET form), then given its new value
    # in the input its kind needs: a list of its codes, yes or no, or typed text.
    chosen = (
        form.path.data
        if form.is_submitted()
        else forms.offered(request.args.get("path"), form.path.choices)
    )
    context = {"opened": opened, "section": section, "sections": forms.SECTION_LABELS}
    if chosen is None or chosen not in dict(form.path.choices):
        if form.is_submitted():
            form.validate()  # says why: no field chosen, or not one of this section's
        return render_template("cases/coding_correct.html", form=form, chosen=None, **context)
    form.path.data = chosen
    now = versions.value_at(current, chosen)
    kind = forms.value_kind(section, chosen, now)
    forms.fit_value_field(form, kind, now, forms.field_node(section, chosen))
    context |= {
        "chosen": chosen,
        "field_name": forms.field_words(section, chosen),
        "now": forms.in_words(section, chosen, now),
    }
    if not form.validate_on_submit():
        return render_template("cases/coding_correct.html", form=form, **context)
    typed, node = forms.typed_value(form, kind, now), forms.field_node(section, chosen)

    def refill(part: Any, extra: dict[str, Any]) -> Any:
        again = forms.CorrectionForm(formdata=None, data={"path": chosen, **extra})
        again.path.choices = form.path.choices
        forms.fit_value_field(again, kind, part)
        return again

    editing = Editing(
        section,
        value=lambda document: forms.corrected(document.get(section), chosen, typed, node),
        where=lambda _document: chosen,
        refill=refill,
    )
    return _save(opened, editing, form, "cases/coding_correct.html", **context)


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
    # The form holds only the scope chosen, nothing loaded that could be stale.
    editing = Editing(
        "consent",
        value=lambda document: forms.withdrawn_consent(
            document.get("consent"), form.scope.data, at
        ),
        where=lambda _document: None,
    )
    return _save(opened, editing, form, "cases/coding_withdrawal.html", **context)


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
                           pending=pending, action_form=forms.ConfirmForm(),
                           erased_on=erasure.erased_on(session, record_id))  # fmt: skip


@bp.route("/erasures/<uuid:request_id>/withdraw", methods=["GET", "POST"])
@login_required(*EDITORS)
def withdraw(request_id: uuid.UUID) -> Any:
    """Ask to confirm; then withdraw a pending erasure request."""
    record_id = request.values.get("record_id", type=uuid.UUID)
    back = url_for(".erase", record_id=record_id) if record_id else url_for(".erasures")
    if not confirmed():
        return _asked(
            request_id,
            gettext("Withdraw this request to erase the record? The record stays as it is."),
            gettext("Yes, withdraw the request"),
            url_for(".withdraw", request_id=request_id, record_id=record_id),
            back,
        )
    row = _decide(request_id, erasure.withdraw_erasure, gettext("The request was withdrawn."))
    record_id = row.testimony_id if row is not None else record_id
    if current_user.role == "admin" or record_id is None:
        return redirect(url_for(".erasures" if current_user.role == "admin" else "interview.index"))
    return redirect(url_for(".erase", record_id=record_id))


@bp.route("/erasures/<uuid:request_id>/confirm", methods=["GET", "POST"])
@login_required(*erasure.CONFIRMERS)
def confirm(request_id: uuid.UUID) -> Any:
    """Ask to confirm; then confirm a pending erasure: the record's data key is destroyed."""
    if not confirmed():
        return _asked(
            request_id,
            gettext(
                "Erase this record? Its key is destroyed: nothing of it can be read again, "
                "by anyone. This cannot be undone."
            ),
            gettext("Yes, erase the record"),
            url_for(".confirm", request_id=request_id),
            url_for(".erasures"),
        )
    _decide(request_id, erasure.confirm_erasure, gettext("The record was erased."))
    return redirect(url_for(".erasures"))


def _asked(request_id: uuid.UUID, question: str, button: str, action: str, back: str) -> Any:
    """The question before deciding a request: which record it is, what follows."""
    pending = erasure.pending_for_request(db_session(), request_id)
    if pending is None:
        flash(gettext("There is no pending erasure request with this id."), "error")
        return redirect(back)
    return confirmation(
        subject=gettext("Record"), subject_code=str(pending.testimony_id), question=question,
        button=button, action_url=action, back_url=back,
    )  # fmt: skip


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
