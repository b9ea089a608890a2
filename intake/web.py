"""What the web layer shares: the request's database session, the keys, sign-in checks."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from intake.accounts.models import Account
from intake.accounts.services import account_is_intact, sign_in_stamp, username_of
from intake.workspace.services import WorkspaceLockedError
from intake.workspace.vault import UnlockedKeys

if TYPE_CHECKING:
    from intake import AppState


#: The largest number a page address takes (?page=, ?before=): a larger one is read as
#: this. It fits the smallest integer column (PostgreSQL's INTEGER, such as an audit
#: entry's number), and a page's offset computed from it fits a 64-bit integer.
LARGEST_NUMBER_ARG = 2**31 - 1


def number_arg(name: str) -> int | None:
    """The query string's whole number ``name``, between 1 and :data:`LARGEST_NUMBER_ARG`;
    None when it is missing or not a whole number."""
    number = request.args.get(name, type=int)
    return None if number is None else min(max(number, 1), LARGEST_NUMBER_ARG)


def app_state() -> AppState:
    """Settings, database and key vault of the running app."""
    state: AppState = current_app.extensions["intake"]
    return state


def db_session() -> Session:
    """The request's database session (closed when the request ends)."""
    if "db_session" not in g:
        g.db_session = app_state().database.sessions()
    db: Session = g.db_session
    return db


def unlocked_keys() -> UnlockedKeys:
    """The workspace keys; :class:`WorkspaceLockedError` while locked."""
    keys = app_state().vault.keys
    if keys is None:
        raise WorkspaceLockedError("The workspace is locked. Unlock it to continue.")
    return keys


@dataclass
class SignedInUser(UserMixin):  # type: ignore[misc]
    """The signed-in person, as the views see them."""

    id: str
    account_id: uuid.UUID
    role: str
    username: str
    language: str


def _load_user(user_id: str) -> SignedInUser | None:
    vault = app_state().vault
    keys = vault.keys
    if keys is None or not vault.is_signed_in(session.get("sign_in")):
        return None
    try:
        account = db_session().get(Account, uuid.UUID(user_id))
    except ValueError:
        return None
    if account is None or not account.is_active or not account_is_intact(keys, account):
        return None
    if vault.stamp_of(session.get("sign_in")) != sign_in_stamp(account):
        return None  # an administrator changed the account since this sign-in
    return user_from_account(account, keys)


def sign_in(account: Account, keys: UnlockedKeys) -> None:
    """Sign ``account`` in for this browser session, with a new form token."""
    _new_form_token()
    session["sign_in"] = app_state().vault.start_sign_in(sign_in_stamp(account))
    session["lang"] = account.language
    login_user(user_from_account(account, keys))


def sign_out() -> None:
    """End this browser's sign-in everywhere the cookie may have been copied."""
    app_state().vault.end_sign_in(session.pop("sign_in", None))
    logout_user()
    _new_form_token()


def _new_form_token() -> None:
    """Drop the session's CSRF token, so the next form gets a new one: a token learnt
    before signing in (from a session cookie planted in this browser) does not carry
    over into the signed-in session, nor one of the signed-in session past its end."""
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    session.pop(name, None)
    g.pop(name, None)


def user_from_account(account: Account, keys: UnlockedKeys) -> SignedInUser:
    """The signed-in view of ``account``."""
    return SignedInUser(
        id=str(account.id),
        account_id=account.id,
        role=account.role,
        username=username_of(keys, account),
        language=account.language,
    )


def init_login(app: Flask) -> None:
    """Bind Flask-Login to ``app`` (no module-level manager)."""
    manager = LoginManager(app)
    manager.login_view = "accounts.login"
    manager.user_loader(_load_user)


def safe_next(target: str | None) -> str:
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


def _way_back() -> str | None:
    """The page to return to after unlocking: this request's path (never its query,
    which may hold what was searched), if it can be opened again with a plain GET."""
    try:
        current_app.url_map.bind("").match(request.path, method="GET")
    except HTTPException:
        return None
    return request.path


def unlock_redirect() -> Response:
    """To the unlock page, and back to this page once unlocked and signed in.

    A form sent while locked is lost (nothing typed is kept while locked): the unlock
    page says so.
    """
    unsaved = "1" if request.method not in ("GET", "HEAD") else None
    return redirect(url_for("workspace.unlock", next=_way_back(), unsaved=unsaved))


def login_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Views for signed-in people of ``roles`` (any role if none is given).

    Locked workspace: to the unlock page. Not signed in: to the sign-in page.
    Wrong role: 403.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not app_state().vault.is_unlocked:
                return unlock_redirect()
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.path))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def remember_receipt(record_id: uuid.UUID | str) -> None:
    """The signed-in person finalised ``record_id``: they (only) may see its receipt."""
    app_state().vault.note_receipt(str(current_user.account_id), str(record_id))


def is_own_receipt(record_id: uuid.UUID | str) -> bool:
    """Whether the signed-in person finalised ``record_id`` since the last unlock."""
    return app_state().vault.has_receipt(str(current_user.account_id), str(record_id))


def confirmed() -> bool:
    """Whether this request answers yes on a confirmation page (:func:`confirmation`):
    a post with confirmed=yes. A click on the action's link, or a post without it, is
    answered with the question."""
    return request.method == "POST" and request.form.get("confirmed") == "yes"


def confirmation(
    *,
    subject: str,
    question: str,
    button: str,
    action_url: str,
    back_url: str,
    subject_code: str | None = None,
    carried: dict[str, str] | None = None,
) -> str:
    """The page that asks before an action that cannot simply be taken back: what it
    acts on, what follows, a button that does it and a way back. ``carried`` are the
    fields of the form that asked for the action, sent again with the yes."""
    return render_template(
        "confirm.html",
        subject=subject,
        subject_code=subject_code,
        question=question,
        button=button,
        action_url=action_url,
        back_url=back_url,
        danger=True,
        carried=carried or {},
    )
