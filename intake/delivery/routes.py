"""Delivery pages: the station's outbox (send, save to file, confirm a receipt), the
case database's Stations, Import (with progress) and Records pages, and the endpoint
that receives bundles over HTTP(S).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext
from flask_login import current_user

from intake.delivery import addenda, services
from intake.delivery.bundles import BundleUnreadableError
from intake.delivery.forms import (
    ImportForm,
    ReceiptForm,
    SendForm,
    StationForm,
    TrustForm,
)
from intake.delivery.models import ReceivedBundle, SentBundle, Station
from intake.delivery.progress import progress_page
from intake.errors import IntakeError
from intake.formbase import ActionForm, AppForm
from intake.web import (
    app_state,
    confirmation,
    confirmed,
    db_session,
    login_required,
    number_arg,
    unlocked_keys,
)
from intake.workspace.services import WrongRoleError, require_role, station_fingerprint

bp = Blueprint("delivery", __name__, url_prefix="/delivery")
#: The endpoint stations post bundles to: signed bundles only, no sign-in, no CSRF token.
api = Blueprint("delivery_api", __name__)
SENDERS = ("admin", "coordinator", "interviewer")
RECEIVERS = ("admin", "coordinator")


@api.record_once
def _exempt_from_csrf(state: BlueprintSetupState) -> None:
    state.app.extensions["csrf"].exempt(api)


@bp.get("/")
@login_required(*SENDERS)
def index() -> Response:
    """The outbox at a station, the imports page at a case database."""
    target = ".outbox" if services.is_station(db_session()) else ".import_bundle"
    return redirect(url_for(target))


# --- station ---------------------------------------------------------------------------


def _refused_form(form: AppForm) -> Response:
    """A station form that did not validate (a field left blank, or only spaces): what
    was wrong, said on the Delivery page. A missing or stale CSRF token stays a 400."""
    if "csrf_token" in form.errors:
        abort(400)
    problems = [
        f"{form[name].label.text}: {message}"
        for name, messages in form.errors.items()
        for message in messages
    ]
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for(".outbox"))


@bp.get("/outbox")
@login_required(*SENDERS)
def outbox() -> str:
    """Records waiting for delivery, past bundles, and the ways to deliver."""
    return _outbox_page(SendForm())


def _outbox_page(send_form: SendForm) -> str:
    session = db_session()
    require_role(session, "station")
    casedb_key = services.trusted_casedb_key(session, unlocked_keys())
    return render_template(
        "delivery/outbox.html",
        pending=services.undelivered(session),
        corrections=services.waiting_addenda_count(session),
        bundles=session.query(SentBundle).order_by(SentBundle.sequence.desc()).limit(20).all(),
        fingerprint=station_fingerprint(session),
        casedb_fingerprint=None if casedb_key is None else casedb_key.fingerprint,
        send_form=send_form,
        action_form=ActionForm(),
        receipt_form=ReceiptForm(),
        trust_form=TrustForm(),
    )


@bp.get("/outbox/correct")
@login_required(*SENDERS)
def correct() -> Response:
    """Go to the correction page of a record sealed at this station, found by its id."""
    session = db_session()
    require_role(session, "station")
    try:
        record_id = services.sealed_record_id(session, request.args.get("record_id", "")[:40])
    except services.NotSealedHereError as error:
        flash(error.translated(), "error")
        return redirect(url_for(".outbox"))
    return redirect(url_for("interview.addendum", record_id=record_id))


@bp.post("/outbox/send")
@login_required(*SENDERS)
def send() -> Response | tuple[str, int]:
    """Send every undelivered record over the network and confirm the receipts."""
    form = SendForm()
    if not form.validate_on_submit():
        return _refused_form(form)
    try:
        # send_outbox commits each bundle's number before sending it, then its receipt.
        result = services.send_outbox(db_session(), unlocked_keys(), form.url.data)
    except IntakeError as error:
        db_session().rollback()
        flash(error.translated(), "error")
        # The page again with the address as typed, to correct it or send again later.
        return _outbox_page(form), error.status
    db_session().commit()
    _flash_delivered(len(result.delivered), len(result.corrections), len(result.refused))
    return redirect(url_for(".outbox"))


def _flash_delivered(records: int, corrections: int, refused: int) -> None:
    flash(gettext("%(count)s record(s) delivered.", count=records), "done")
    if corrections:
        flash(gettext("%(count)s correction(s) delivered.", count=corrections), "done")
    if refused:
        flash(
            gettext(
                "%(count)s correction(s) refused by the case database for good (another "
                "correction there has the same id); they were deleted here. Record them "
                "again if they are still needed.",
                count=refused,
            ),
            "error",
        )


@bp.post("/outbox/export")
@login_required(*SENDERS)
def export() -> Response:
    """Save every undelivered record into one bundle file (download)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        bundle = services.build_bundle(db_session(), unlocked_keys())
    except IntakeError as error:
        db_session().rollback()
        flash(error.translated(), "error")
        return redirect(url_for(".outbox"))
    db_session().commit()
    response = Response(bundle.data, mimetype="application/octet-stream")
    # A name that says nothing of the app or how many bundles went before it.
    name = f"{secrets.token_hex(6)}.age"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/outbox/confirm")
@login_required(*SENDERS)
def confirm() -> Response:
    """Check a receipt file and mark the records it lists delivered."""
    form = ReceiptForm()
    if not form.validate_on_submit():
        flash(gettext("Choose the receipt file first."), "error")
        return redirect(url_for(".outbox"))
    try:
        data = form.receipt.data.read(services.MAX_RECEIPT_BYTES)
        confirmed = services.confirm_receipt(db_session(), unlocked_keys(), data)
    except services.ReceiptConfirmedError as done:
        flash(done.translated(), "done")
    except IntakeError as error:
        db_session().rollback()
        flash(error.translated(), "error")
    else:
        db_session().commit()
        _flash_delivered(len(confirmed.records), len(confirmed.corrections), len(confirmed.refused))
    return redirect(url_for(".outbox"))


@bp.post("/outbox/trust")
@login_required("admin")
def trust() -> Response | str:
    """Keep the case database's receipt key."""
    form = TrustForm()
    if not form.validate_on_submit():
        return _refused_form(form)
    replaced = services.replaced_casedb_key(db_session(), unlocked_keys(), form.key.data)
    if replaced is not None and not confirmed():
        kept, typed = replaced
        return confirmation(
            subject=typed,
            question=gettext(
                "This station keeps another case database key (%(kept)s). Keep %(typed)s "
                "instead? Receipts signed with the other key will be refused from now on.",
                kept=kept,
                typed=typed,
            ),
            button=gettext("Keep this key"),
            action_url=url_for(".trust"),
            back_url=url_for(".outbox"),
            carried={"key": form.key.data},
        )
    try:
        services.trust_casedb_key(db_session(), unlocked_keys(), form.key.data)
    except IntakeError as error:
        db_session().rollback()
        flash(error.translated(), "error")
    else:
        db_session().commit()
        flash(gettext("The case database key is kept."), "done")
    return redirect(url_for(".outbox"))


@bp.get("/enrolment")
@login_required(*SENDERS)
def enrolment() -> Response:
    """This station's enrolment file (its public signing key)."""
    response = Response(services.enrolment_text(db_session()), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="station.enrolment"'
    return response


# --- case database -------------------------------------------------------------------------


@bp.route("/stations", methods=["GET", "POST"])
@login_required("admin")
def stations() -> str | Response:
    """Enrolled stations, the form to enrol one, and the key stations must trust."""
    session = db_session()
    form = StationForm()
    error = None
    if form.validate_on_submit():
        upload = form.enrolment.data
        text = upload.read(10_000).decode("utf-8", "replace") if upload else ""
        try:
            services.enrol_station(
                session,
                unlocked_keys(),
                text or form.enrolment_text.data or "",
                label=form.label.data,
            )
        except IntakeError as exc:
            session.rollback()
            error = exc.translated()
        else:
            session.commit()
            return redirect(url_for(".stations"))
    keys = unlocked_keys()
    rows = [
        (station, services.fingerprint_of(station), services.station_label(keys, station))
        for station in services.list_stations(session)
    ]
    # Made on first use: kept at once, so the key shown is the one receipts are signed with.
    casedb_key = services.receiving_key_text(session, keys)
    session.commit()
    return render_template(
        "delivery/stations.html",
        rows=rows,
        form=form,
        error=error,
        casedb_key=casedb_key,
        casedb_fingerprint=services.key_fingerprint(casedb_key),
    )


@bp.route("/stations/<uuid:station_id>/revoke", methods=["GET", "POST"])
@login_required("admin")
def revoke(station_id: uuid.UUID) -> str | Response:
    """Ask to confirm; then refuse every later bundle of a station, for good."""
    station = db_session().get(Station, station_id) or abort(404)
    if station.revoked_at is not None:
        return redirect(url_for(".stations"))
    if not confirmed():
        return confirmation(
            subject=services.station_label(unlocked_keys(), station),
            subject_code=services.fingerprint_of(station),
            question=gettext(
                "Revoke this station? Every bundle it sends from now on is refused, with "
                "the records still waiting in its outbox; what it delivered stays. This "
                "cannot be undone: its key cannot be enrolled again."
            ),
            button=gettext("Yes, revoke the station"),
            action_url=url_for(".revoke", station_id=station.id),
            back_url=url_for(".stations"),
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    services.revoke_station(db_session(), unlocked_keys(), station)
    db_session().commit()
    return redirect(url_for(".stations"))


@bp.route("/import", methods=["GET", "POST"])
@login_required(*RECEIVERS)
def import_bundle() -> str | Response:
    """Upload a bundle file; the import runs while the page shows its progress."""
    require_role(db_session(), "casedb")
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("delivery/import.html", form=form)
    data = form.bundle.data.read()
    page = _import_page(data, current_user.account_id)
    return Response(stream_with_context(page), mimetype="text/html")


def _import_page(data: bytes, actor: uuid.UUID) -> Iterator[str]:
    """The progress page: the head at once, a progress bar as records are checked, then
    the outcome. The import runs in a thread with its own session and one commit.
    """
    keys = unlocked_keys()

    def outcome(kind: str, value: Any) -> str:
        if kind == "done":
            return render_template("delivery/import_done.html", result=value)
        message = (
            value.translated()
            if value is not None
            else gettext("Something went wrong on the server. Nothing was imported.")
        )
        problems = getattr(value, "problems", [])
        return render_template("delivery/import_done.html", error=message, problems=problems)

    yield from progress_page(
        render_template("delivery/import_head.html"),
        lambda done, total: render_template("delivery/_progress.html", done=done, total=total),
        lambda session, progress: addenda.import_file(
            session, keys, data, progress=progress, actor=actor
        ),
        outcome,
    )


@bp.get("/receipts/<uuid:bundle_id>")
@login_required(*RECEIVERS)
def receipt(bundle_id: uuid.UUID) -> Response:
    """The signed receipt of an imported bundle, to carry back to the station."""
    received = db_session().get(ReceivedBundle, bundle_id) or abort(404)
    response = Response(received.receipt, mimetype=_receipt_type(received.receipt))
    response.headers["Content-Disposition"] = f'attachment; filename="{bundle_id}.receipt"'
    return response


@bp.get("/records")
@login_required(*RECEIVERS)
def records() -> str:
    """Stored records, newest first, a page at a time: ids, days, station and state."""
    page = number_arg("page") or 1
    rows, has_next = services.records_page(db_session(), unlocked_keys(), page=page)
    return render_template("delivery/records.html", rows=rows, page=page, has_next=has_next)


# --- the endpoint ------------------------------------------------------------------------------

_UNTRUSTED = (
    BundleUnreadableError,
    services.UnknownStationError,
    services.StationRevokedError,
    services.BadSignatureError,
)


@api.post(services.ENDPOINT)
def receive() -> tuple[Response, int] | Response:
    """Import a bundle posted by a station; answer with the signed receipt (JSON)."""
    state = app_state()
    keys = state.vault.keys
    if keys is None:
        return jsonify(error=services.LOCKED_ANSWER), 503
    data = request.get_data(cache=False)
    try:
        with state.database.session() as session:
            result = services.import_bundle(session, keys, data)
    except _UNTRUSTED:
        return jsonify(error=services.NOT_ACCEPTED_ANSWER), 403
    except IntakeError as error:
        return jsonify(error=_network_answer(error)), error.status
    return Response(result.receipt, mimetype=_receipt_type(result.receipt))


def _network_answer(error: IntakeError) -> str:
    """What the endpoint tells the sender of a refused bundle: a message that names
    nothing from the bundle or from this database. A message with no values in it (the
    case database is busy, say) is the same for anyone, and is given as it is."""
    if isinstance(error, services.ReplayedBundleError):
        return services.REPLAYED_ANSWER
    if isinstance(error, WrongRoleError):
        return services.NOT_A_CASE_DATABASE_ANSWER
    return services.REFUSED_ANSWER if error.params else error.message


def _receipt_type(receipt: bytes) -> str:
    """A receipt sealed for its station is opaque bytes; an older station's is JSON."""
    try:
        json.loads(receipt)
    except ValueError:
        return "application/octet-stream"
    return "application/json"
