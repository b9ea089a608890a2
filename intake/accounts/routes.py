"""Sign in and out, and the administrator's account list."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from intake.accounts import services
from intake.accounts.forms import AccountForm, LoginForm
from intake.web import (
    app_state,
    db_session,
    login_required,
    sign_in,
    sign_out,
    unlocked_keys,
)

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """A path on this site, or the start page: never a URL that leaves the app.

    Control characters are refused outright because browsers and urllib drop tabs and
    newlines, which turns "/\t/evil.example" into "//evil.example".
    """
    home = url_for("workspace.home")
    if not target or any(ord(c) < 0x20 or c in "\\\x7f" for c in target + unquote(target)):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Sign in (after the workspace is unlocked)."""
    if not app_state().vault.is_unlocked:
        return redirect(url_for("workspace.unlock"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            with app_state().vault.attempt_lock:
                account = services.authenticate(
                    db_session(),
                    app_state().settings,
                    unlocked_keys(),
                    form.username.data,
                    form.password.data,
                    unknown=app_state().unknown_logins,
                )
        except (services.LoginFailedError, services.LoginThrottledError) as exc:
            error = exc.translated()
        else:
            db_session().commit()
            sign_in(account, unlocked_keys())
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> Response:
    """Sign out (the workspace stays unlocked for others)."""
    sign_out()
    return redirect(url_for("accounts.login"))


@bp.route("/accounts", methods=["GET", "POST"])
@login_required("admin")
def accounts() -> str | Response:
    """List accounts and add one."""
    form = AccountForm()
    error = None
    if form.validate_on_submit():
        try:
            services.create_account(
                db_session(),
                app_state().settings,
                unlocked_keys(),
                username=form.username.data,
                password=form.password.data,
                role=form.role.data,
                language=form.language.data,
            )
        except services.AccountError as exc:
            error = exc.translated()
        else:
            db_session().commit()
            return redirect(url_for("accounts.accounts"))
    rows = services.list_accounts(db_session(), unlocked_keys())
    return render_template("accounts/list.html", form=form, rows=rows, error=error)
