"""Testimony intake and case database: the Flask application factory."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, g, request, session
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from intake.accounts.services import FailureTracker
from intake.db import Database
from intake.errors import register_error_handlers
from intake.settings import Settings
from intake.web import init_login
from intake.workspace.vault import KeyVault

#: UI languages: English, Kazakh, Russian, Uyghur (Arabic script) and Chinese.
LANGUAGES = ("en", "kk", "ru", "ug", "zh")
RTL_LANGUAGES = frozenset({"ug"})
#: Each language named in itself, for the language switcher.
LANGUAGE_NAMES = (
    ("en", "English"),
    ("kk", "Қазақша"),
    ("ru", "Русский"),
    ("ug", "ئۇيغۇرچە"),
    ("zh", "中文"),
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class InMemoryRequest(Request):
    """Keeps uploaded files in memory: Werkzeug's default spills files over 500 KiB
    to a temporary file on disk, which would leave plaintext behind on a station.
    Request size is capped by MAX_CONTENT_LENGTH, so memory use stays bounded.
    """

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


@dataclass(frozen=True)
class AppState:
    """What the app holds for its lifetime: settings, database and the key vault."""

    settings: Settings
    database: Database
    vault: KeyVault
    #: Failed sign-ins for usernames without an account (throttled like real ones).
    unknown_logins: FailureTracker


def create_app(settings: Settings, *, database: Database | None = None) -> Flask:
    """Build the app for ``settings``. The database must already be migrated."""
    app = Flask(__name__)
    app.request_class = InMemoryRequest
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        # Text fields up to 2 MB: a long narrative in Cyrillic or Arabic script.
        MAX_FORM_MEMORY_SIZE=2_000_000,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["intake"] = AppState(
        settings=settings,
        database=database or Database(settings.database_url, key_file=settings.key_file),
        vault=KeyVault(idle_timeout_seconds=settings.idle_timeout_seconds),
        unknown_logins=FailureTracker(),
    )
    from intake.cases.live import install as install_case_index

    install_case_index(app.extensions["intake"])
    CSRFProtect(app)
    Babel(app, locale_selector=select_locale)
    init_login(app)
    register_error_handlers(app)

    from intake.accounts.routes import bp as accounts_bp
    from intake.audit.routes import bp as audit_bp
    from intake.cases.coding_routes import bp as coding_bp
    from intake.cases.persons_routes import bp as persons_bp
    from intake.cases.routes import bp as cases_bp
    from intake.cases.search_routes import bp as search_bp
    from intake.delivery.routes import api as delivery_api
    from intake.delivery.routes import bp as delivery_bp
    from intake.exports.routes import bp as exports_bp
    from intake.exports.stats_routes import bp as stats_bp
    from intake.facilities.routes import bp as facilities_bp
    from intake.interview.routes import bp as interview_bp
    from intake.wagetables.routes import bp as wagetables_bp
    from intake.workspace.routes import bp as workspace_bp

    blueprints = (workspace_bp, accounts_bp, interview_bp, delivery_bp, delivery_api, audit_bp)
    blueprints += (cases_bp, search_bp, persons_bp, coding_bp, facilities_bp)
    blueprints += (exports_bp, stats_bp, wagetables_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    from intake.wagetables.routes import request_tables

    # Wage figures on every page use the workspace's layered wage tables.
    app.extensions["wage_tables"] = request_tables
    app.before_request(_check_host)
    app.before_request(_keep_chosen_language)
    app.before_request(_note_activity)
    app.after_request(_security_headers)
    app.teardown_appcontext(_close_session)
    app.context_processor(_template_globals)
    return app


def select_locale() -> str:
    """The UI language: ?lang= (kept in this browser's session only), else the session's
    language, else the browser's preference, else English.

    A GET never writes to the database; the language switcher POSTs to /language,
    which also remembers the choice for the signed-in person.
    """
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return str(remembered)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _keep_chosen_language() -> None:
    # ?lang= is kept in this browser's session before any view runs, so a page that
    # only redirects (the home page) passes it on to the next page too.
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen


def host_name(netloc: str) -> str:
    """The host of ``netloc`` without its port, lower case ("[::1]:5000" gives "[::1]")."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def _check_host() -> None:
    # DNS rebinding: a foreign page whose name resolves to 127.0.0.1 sends its own Host.
    # Cross-site requests carry their Origin; SameSite cookies and CSRF tokens already
    # stop most, this refuses them before any view runs.
    allowed = current_app.extensions["intake"].settings.allowed_hosts
    host = host_name(request.host)
    if host not in allowed:
        abort(400)
    origin = request.headers.get("Origin")
    if origin is None:
        return
    netloc = urlsplit(origin).netloc.strip().lower()
    name = host_name(netloc)
    # A page on the same host name but another port (another program's web page on
    # this laptop) is another site: browsers count it as the same site for cookies.
    # (Behind a proxy that sends its own Host, the names differ: the list decides.)
    if name not in allowed or (name == host and netloc != request.host.strip().lower()):
        abort(403)


def _note_activity() -> None:
    # Only a signed-in person's requests keep the keys in memory.
    if request.endpoint != "static" and current_user.is_authenticated:
        current_app.extensions["intake"].vault.touch()


def _workspace_role() -> str | None:
    """The workspace's role, for the navigation of signed-in people (None otherwise)."""
    if not current_user.is_authenticated:
        return None
    from intake.web import db_session
    from intake.workspace.services import find_workspace

    workspace = find_workspace(db_session())
    return None if workspace is None else workspace.role


def _template_globals() -> dict[str, object]:
    from flask_babel import get_locale

    locale = str(get_locale() or "en")
    return {
        "ui_lang": locale,
        "ui_dir": "rtl" if locale in RTL_LANGUAGES else "ltr",
        "ui_language_names": LANGUAGE_NAMES,
        "workspace_role": _workspace_role(),
    }


def _security_headers(response):  # type: ignore[no-untyped-def]
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Nothing to other sites; our own forms keep sending their real Origin (with
    # no-referrer browsers send "Origin: null", which _check_host refuses).
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
