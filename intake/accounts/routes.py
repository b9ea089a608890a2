"""Sign in and out, and the administrator's accounts: add, disable, enable, reset, remove."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from intake.accounts import services
from intake.accounts.forms import LANGUAGE_CHOICES, ROLE_CHOICES, AccountForm, LoginForm
from intake.errors import IntakeError
from intake.settings import intake_command
from intake.web import (
    app_state,
    confirmation,
    confirmed,
    db_session,
    login_required,
    safe_next,
    sign_in,
    sign_out,
    unlocked_keys,
)

bp = Blueprint("accounts", __name__)

#: Addresses of this computer: the only ones told how to make a first account.
_LOOPBACK = ("127.0.0.1", "::1")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Sign in (after the workspace is unlocked)."""
    if not app_state().vault.is_unlocked:
        return redirect(url_for("workspace.unlock", next=request.args.get("next")))
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
            return redirect(safe_next(request.args.get("next")))
    # A workspace set up on the command line has no account until one is added there:
    # said to someone at this computer only, with the folder to name.
    command = None
    if request.remote_addr in _LOOPBACK and services.count_accounts(db_session()) == 0:
        command = intake_command(app_state().settings.workspace_dir)
    page = render_template("accounts/login.html", form=form, error=error, command=command)
    return page, 401 if error else 200


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
    return _account_list(form, error)


def _account_list(form: AccountForm, error: str | None, status: int = 200) -> tuple[str, int]:
    rows = services.list_accounts(db_session(), unlocked_keys())
    page = render_template(
        "accounts/list.html",
        form=form,
        rows=rows,
        error=error,
        role_names=dict(ROLE_CHOICES),
        language_names=dict(LANGUAGE_CHOICES),
        language_next=url_for("accounts.accounts"),
    )
    return page, status


def _change(action: Callable[..., object], account_id: uuid.UUID) -> Response | tuple[str, int]:
    """Apply one administrator's change, then back to the list (or the list with why not)."""
    try:
        action(db_session(), unlocked_keys(), account_id)
    except services.AccountNotFoundError:
        raise
    except IntakeError as exc:
        db_session().rollback()
        return _account_list(AccountForm(formdata=None), exc.translated(), exc.status)
    db_session().commit()
    return redirect(url_for("accounts.accounts"))


@bp.post("/accounts/<uuid:account_id>/disable")
@login_required("admin")
def disable(account_id: uuid.UUID) -> Response | tuple[str, int]:
    """Disable an account; its sign-ins end at once. Not one's own: that would sign the
    administrator out at once, with nobody at hand perhaps to enable it again."""
    if account_id == current_user.account_id:
        error = gettext("You cannot disable your own account; another administrator can.")
        return _account_list(AccountForm(formdata=None), error, 409)
    return _change(services.disable_account, account_id)


@bp.post("/accounts/<uuid:account_id>/enable")
@login_required("admin")
def enable(account_id: uuid.UUID) -> Response | tuple[str, int]:
    """Let a disabled account sign in again."""
    return _change(services.enable_account, account_id)


@bp.route("/accounts/<uuid:account_id>/remove", methods=["GET", "POST"])
@login_required("admin")
def remove(account_id: uuid.UUID) -> str | Response | tuple[str, int]:
    """Ask, then delete an account for good."""
    if request.method == "POST":
        return _change(services.remove_account, account_id)
    from intake.interview.services import own_drafts

    row = services.describe_account(db_session(), unlocked_keys(), account_id)
    drafts = len(own_drafts(db_session(), unlocked_keys(), account_id))  # those that open
    return render_template(
        "accounts/remove.html", row=row, drafts=drafts, role_names=dict(ROLE_CHOICES)
    )


@bp.route("/accounts/<uuid:account_id>/reset", methods=["GET", "POST"])
@login_required("admin")
def reset(account_id: uuid.UUID) -> str | tuple[str, int]:
    """Ask to confirm; then give the account a new random password and show it, this once."""
    if not confirmed():
        stamp = services.password_stamp(db_session(), account_id)
        row = services.describe_account(db_session(), unlocked_keys(), account_id)
        page = confirmation(
            subject=gettext("(unreadable)") if row.username is None else row.username,
            question=gettext(
                "Give this account a new password? Its current password and every "
                "sign-in of it stop working at once; the new one is shown to you once."
            ),
            button=gettext("Yes, make a new password"),
            action_url=url_for("accounts.reset", account_id=account_id),
            back_url=url_for("accounts.accounts"),
            carried={"stamp": stamp},
        )
        return page, 200
    # The form's token is checked before this runs (CSRFProtect), as for every post.
    try:
        password = services.reset_password(
            db_session(),
            app_state().settings,
            unlocked_keys(),
            account_id,
            stamp=request.form.get("stamp", ""),
        )
    except (services.AccountTamperedError, services.PasswordChangedError) as exc:
        return _account_list(AccountForm(formdata=None), exc.translated(), exc.status)
    db_session().commit()
    row = services.describe_account(db_session(), unlocked_keys(), account_id)
    return render_template("accounts/reset.html", row=row, password=password)
