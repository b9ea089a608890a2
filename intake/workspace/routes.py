"""Workspace pages: first-run set-up, unlock, lock, home and the panic wipe."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from intake.accounts.services import set_language
from intake.errors import IntakeError
from intake.web import (
    app_state,
    db_session,
    login_required,
    safe_next,
    sign_in,
    sign_out,
    unlocked_keys,
)
from intake.workspace import services
from intake.workspace.forms import LanguageForm, SetupForm, UnlockForm, WipeForm
from intake.workspace.passphrases import generate_passphrase
from intake.workspace.setup import setup_workspace, wipe_workspace

bp = Blueprint("workspace", __name__)


@bp.get("/")
def home() -> str | Response:
    """First-run set-up, unlock, sign-in, or the start page, whichever is due."""
    workspace = services.find_workspace(db_session())
    if workspace is None:
        return redirect(url_for("workspace.setup"))
    if not app_state().vault.is_unlocked:
        return redirect(url_for("workspace.unlock"))
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    if workspace.role == "casedb" and current_user.role in ("coordinator", "admin"):
        # Coordinators work from the records; interviewing is the exception here.
        return redirect(url_for("cases.records"))
    return redirect(url_for("interview.index"))


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> str | Response:
    """Choose the role, name the organisation, make the first admin and the keys."""
    if services.find_workspace(db_session()) is not None:
        return redirect(url_for("workspace.home"))
    form = SetupForm(language=str(get_locale() or "en"))
    error = None
    if form.validate_on_submit():
        try:
            keys, admin = setup_workspace(
                db_session(),
                app_state().settings,
                role=form.role.data,
                organisation_name=form.organisation_name.data,
                passphrase=form.passphrase.data,
                admin_username=form.admin_username.data,
                admin_password=form.admin_password.data,
                language=form.language.data,
                recipients=form.recipient_list(),
            )
        except IntakeError as exc:
            db_session().rollback()
            error = exc.translated()
        else:
            db_session().commit()
            app_state().vault.put(keys)
            sign_in(admin, keys)
            return redirect(url_for("workspace.keys"))
    return render_template(
        "workspace/setup.html", form=form, error=error, suggestion=generate_passphrase()
    )


@bp.route("/unlock", methods=["GET", "POST"])
def unlock() -> str | Response:
    """Ask for the passphrase; keep the keys in memory once it is right."""
    db = db_session()
    if services.find_workspace(db) is None:
        return redirect(url_for("workspace.setup"))
    # The page to return to after signing in, if one was given (url_for leaves out None).
    back = safe_next(request.args["next"]) if request.args.get("next") else None
    signin = url_for("accounts.login", next=back)
    if app_state().vault.is_unlocked:
        # Already open: a passphrase guess here would only reset other people's sign-ins.
        return redirect(signin)
    form = UnlockForm()
    error = None
    if form.validate_on_submit():
        try:
            with app_state().vault.attempt_lock:
                keys = services.unlock_workspace(db, app_state().settings, form.passphrase.data)
        except (services.WrongPassphraseError, services.UnlockThrottledError) as exc:
            error = exc.translated()
        else:
            db.commit()
            app_state().vault.put(keys)
            return redirect(signin)
    status = 403 if error else 200
    page = render_template(
        "workspace/unlock.html",
        form=form,
        error=error,
        unsaved=request.args.get("unsaved") == "1",
        next=back,
    )
    return page, status


@bp.post("/lock")
@login_required()
def lock() -> Response:
    """Lock now: drop the keys and (served) end the process that held them.

    Only a signed-in person may lock; CSRFProtect checks the token first.
    """
    sign_out()
    app_state().vault.clear()
    return redirect(url_for("workspace.unlock"))


@bp.post("/language")
def language() -> Response:
    """Change the interface language; remembered for the signed-in person."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            set_language(db_session(), current_user.account_id, form.lang.data)
            db_session().commit()
    return redirect(safe_next(form.next.data))


@bp.get("/keys")
@login_required()
def keys() -> str:
    """The workspace's public keys and recipients (nothing secret)."""
    db = db_session()
    return render_template(
        "workspace/keys.html",
        workspace=services.get_workspace(db),
        recipient=services.organisation_recipient(unlocked_keys()),
        recipients=services.list_recipients(db),
        default_labels=services.DEFAULT_RECIPIENT_LABELS,
        fingerprint=services.station_fingerprint(db),
    )


@bp.route("/wipe", methods=["GET", "POST"])
@login_required("admin")
def wipe() -> str | Response:
    """Panic wipe: destroy key material and database after typed confirmation."""
    form = WipeForm()
    if form.validate_on_submit():
        state = app_state()
        state.vault.clear()
        db_session().close()
        wipe_workspace(state.database, state.settings)
        sign_out()
        session.clear()
        return redirect(url_for("workspace.setup"))
    return render_template("workspace/wipe.html", form=form)
