"""The Export page (coordinators and administrators, case database): choose an export,
preview what would leave (with progress), then write the sealed file; partners' keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask import request as flask_request
from flask_babel import gettext
from flask_login import current_user
from wtforms import Field

from intake.delivery.progress import progress_page
from intake.errors import IntakeError
from intake.exports import partners, services
from intake.exports.consent import LEFT_OUT_REASONS
from intake.exports.downloads import Downloads
from intake.exports.forms import ExportForm, PartnerForm
from intake.exports.sealing import SecretKeyGivenError, parse_recipients, seal_export
from intake.formbase import ActionForm
from intake.web import confirmation, confirmed, db_session, login_required, unlocked_keys
from intake.workspace.services import require_role

bp = Blueprint("exports", __name__, url_prefix="/exports")

#: Who may export.
EXPORTERS = ("coordinator", "admin")


def _form() -> ExportForm:
    form = ExportForm()
    form.partner.choices = [("", gettext("None"))] + [
        (str(p.id), p.label) for p in partners.list_partners(db_session(), unlocked_keys())
    ]
    return form


def _page(
    form: ExportForm,
    partner_form: PartnerForm | None = None,
    *,
    error: str | None = None,
    partner_error: str | None = None,
) -> str:
    """The Export page, with what was typed and why it was refused (``error`` for the
    export form, ``partner_error`` for the partner form)."""
    return render_template(
        "exports/index.html",
        form=form,
        partner_form=partner_form or PartnerForm(),
        partner_list=partners.list_partners(db_session(), unlocked_keys()),
        error=error,
        partner_error=partner_error,
        language_next=url_for(".index"),
    )


def _chosen(form: ExportForm) -> tuple[str | None, list[str]]:
    """The chosen partner's label and every key to seal to."""
    keys = parse_recipients(form.recipient_keys.data or "")
    if not form.partner.data:
        return None, keys
    partner = partners.get_partner(db_session(), unlocked_keys(), uuid.UUID(form.partner.data))
    return partner.label, list(dict.fromkeys(partner.recipients + keys))


@bp.get("/")
@login_required(*EXPORTERS)
def index() -> str:
    """The Export page."""
    require_role(db_session(), "casedb")
    return _page(_form())


@bp.post("/preview")
@login_required(*EXPORTERS)
def preview() -> str | Response | tuple[str, int]:
    """Preview the chosen export while a progress bar shows the records read."""
    require_role(db_session(), "casedb")
    form = _form()
    if not form.validate_on_submit():
        return _page(form)
    try:
        label, _keys = _chosen(form)
        request = form.export_request(label).checked()
    except IntakeError as error:
        _forget_secret(error, form.recipient_keys)
        return _page(form, error=error.translated()), error.status
    return Response(stream_with_context(_preview_page(form, request)), mimetype="text/html")


def _preview_page(form: ExportForm, request: services.ExportRequest) -> Iterator[str]:
    keys, actor = unlocked_keys(), current_user.account_id

    def outcome(kind: str, value: Any) -> str:
        error = _failure(value) if kind == "error" else None
        return render_template(
            "exports/preview.html", form=form, preview=value if kind == "done" else None,
            error=error, reasons=LEFT_OUT_REASONS,
        )  # fmt: skip

    yield from progress_page(
        render_template("exports/progress_head.html", step="preview"),
        _progress_bar,
        lambda session, progress: services.preview_export(
            session, keys, request, actor=actor, progress=progress
        ),
        outcome,
    )


def _progress_bar(done: int, total: int) -> str:
    return render_template("exports/_progress.html", done=done, total=total)


def _forget_secret(error: IntakeError, field: Field) -> None:
    """Empty the field that held a secret key, so the page does not show it again."""
    if isinstance(error, SecretKeyGivenError):
        field.data, field.raw_data = "", []


def _failure(error: IntakeError | None) -> str:
    """What to show for a job that failed: its own message, or a general one."""
    return error.translated() if error is not None else gettext("Something went wrong.")


@bp.post("/write")
@login_required(*EXPORTERS)
def write() -> str | Response | tuple[str, int]:
    """Write the previewed export while a progress bar shows the records read."""
    require_role(db_session(), "casedb")
    form = _form()
    if not form.validate_on_submit():
        return _page(form)
    allow_plain = bool(form.allow_plain.data)
    try:
        label, keys = _chosen(form)
        request = form.export_request(label).checked()
        seal_export(b"", keys, allow_plain=allow_plain)  # refuses a plain file not confirmed
    except IntakeError as error:
        # Back to the Export page with everything chosen kept and the reason on top.
        _forget_secret(error, form.recipient_keys)
        return _page(form, error=error.translated()), error.status
    return Response(
        stream_with_context(_write_page(request, keys, allow_plain)), mimetype="text/html"
    )


def _write_page(
    request: services.ExportRequest, keys: list[str], allow_plain: bool
) -> Iterator[str]:
    unlocked, actor = unlocked_keys(), current_user.account_id

    def outcome(kind: str, value: Any) -> str:
        if kind == "done":
            token = _downloads().put(str(actor), value.filename, value.data, value.sha256)
            return render_template(
                "exports/written.html", exported=value, token=token, action_form=ActionForm()
            )
        return render_template("exports/written.html", error=_failure(value))

    yield from progress_page(
        render_template("exports/progress_head.html", step="write"),
        _progress_bar,
        lambda session, progress: services.write_export(
            session,
            unlocked,
            request,
            actor=actor,
            recipients=keys,
            allow_plain=allow_plain,
            progress=progress,
        ),
        outcome,
    )


def _downloads() -> Downloads:
    store: Downloads = current_app.extensions.setdefault("intake.exports.downloads", Downloads())
    return store


@bp.post("/download")
@login_required(*EXPORTERS)
def download() -> Response:
    """The written export, once, to the person who wrote it."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    waiting = _downloads().take(str(current_user.account_id), flask_request.form.get("token", ""))
    if waiting is None:
        # Taken already, waited too long, or another person's: said alike.
        message = gettext(
            "This export file is no longer here: it can be downloaded once, within 10 "
            "minutes of being written, and nothing of it is kept after that. Write the "
            "export again from the Export page."
        )
        return Response(render_template("error.html", message=message), status=410)
    response = Response(waiting.data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{waiting.filename}"'
    response.headers["X-Export-SHA256"] = waiting.sha256
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/partners")
@login_required(*EXPORTERS)
def add_partner() -> str | Response | tuple[str, int]:
    """Add a partner with its age keys."""
    require_role(db_session(), "casedb")
    partner_form = PartnerForm()
    if not partner_form.validate_on_submit():
        return _page(_form(), partner_form)
    try:
        partners.add_partner(
            db_session(), unlocked_keys(), partner_form.label.data, partner_form.keys.data
        )
    except IntakeError as error:
        db_session().rollback()
        _forget_secret(error, partner_form.keys)
        return _page(_form(), partner_form, partner_error=error.translated()), error.status
    db_session().commit()
    return redirect(url_for(".index"))


@bp.route("/partners/<uuid:partner_id>/remove", methods=["GET", "POST"])
@login_required(*EXPORTERS)
def remove_partner(partner_id: uuid.UUID) -> str | Response:
    """Ask to confirm; then remove a partner and its keys."""
    require_role(db_session(), "casedb")
    partner = partners.get_partner(db_session(), unlocked_keys(), partner_id)
    if not confirmed():
        return confirmation(
            subject=partner.label,
            question=gettext(
                "Remove this partner and its age keys? Files can no longer be sealed to "
                "it until it is added again with its keys; files already written stay "
                "as they are."
            ),
            button=gettext("Yes, remove the partner"),
            action_url=url_for(".remove_partner", partner_id=partner_id),
            back_url=url_for(".index"),
        )
    if ActionForm().validate_on_submit():
        partners.remove_partner(db_session(), unlocked_keys(), partner_id)
        db_session().commit()
    return redirect(url_for(".index"))
