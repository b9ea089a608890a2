"""The application's error family and the one place that maps errors to responses.

Every failure a person can cause or meet is an :class:`IntakeError` subclass, defined
beside the code that raises it, with a message that says what went wrong and what to
do. Messages never contain record plaintext.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def N_(message: str) -> str:  # noqa: N802 (the gettext marker convention)
    """Mark ``message`` for translation where it is raised; translated where it is shown."""
    return message


class IntakeError(Exception):
    """Base of every error the app reports to a person.

    ``template`` is English with ``%(name)s`` placeholders filled from ``params``; the
    web layer shows it translated into the reader's language.
    """

    #: HTTP status for the web layer.
    status = 400

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)

    def translated(self) -> str:
        """The message in the current UI language (inside a request)."""
        from flask_babel import gettext

        return gettext(self.template, **self.params)


def register_error_handlers(app: Flask) -> None:
    """Render IntakeErrors as pages and hide every other exception's text."""
    from flask import render_template
    from flask_babel import gettext
    from flask_wtf.csrf import CSRFError

    from intake.workspace.services import WorkspaceLockedError

    @app.errorhandler(WorkspaceLockedError)
    def _locked(_error: Exception):  # type: ignore[no-untyped-def]
        from intake.web import unlock_redirect

        return unlock_redirect()

    @app.errorhandler(IntakeError)
    def _intake_error(error: IntakeError):  # type: ignore[no-untyped-def]
        return render_template("error.html", message=error.translated()), error.status

    # What each refusal says (translated when shown), by HTTP status or error class;
    # a stale or foreign form (CSRFError) is a 400 with its own words.
    messages: dict[int | type[Exception], str] = {
        CSRFError: N_(
            "The form had expired or was not sent from this app. Go back, reload the page "
            "and send it again; what was saved before is kept."
        ),
        400: N_(
            "The request could not be read. Go back, reload the page and try again; "
            "what was saved before is kept."
        ),
        403: N_("Your account may not open this page."),
        404: N_("This page does not exist."),
        405: N_(
            "This address is not a page to open: it takes a form sent from its page. "
            "Go back and use the page's button."
        ),
        413: N_("What you sent is too large. Nothing was saved from this request."),
        500: N_("Something went wrong on the server. Nothing you had saved was lost."),
    }

    def _page(message: str, status: int):  # type: ignore[no-untyped-def]
        def handler(_error: Exception):  # type: ignore[no-untyped-def]
            return render_template("error.html", message=gettext(message)), status

        return handler

    for key, message in messages.items():
        app.register_error_handler(key, _page(message, key if isinstance(key, int) else 400))
