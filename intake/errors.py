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

    @app.errorhandler(403)
    def _forbidden(_error: Exception):  # type: ignore[no-untyped-def]
        message = gettext("Your account may not open this page.")
        return render_template("error.html", message=message), 403

    @app.errorhandler(CSRFError)
    def _csrf(_error: Exception):  # type: ignore[no-untyped-def]
        message = gettext(
            "The form had expired or was not sent from this app. Go back, reload the page "
            "and send it again; what was saved before is kept."
        )
        return render_template("error.html", message=message), 400

    @app.errorhandler(400)
    def _bad_request(_error: Exception):  # type: ignore[no-untyped-def]
        message = gettext(
            "The request could not be read. Go back, reload the page and try again; "
            "what was saved before is kept."
        )
        return render_template("error.html", message=message), 400

    @app.errorhandler(405)
    def _wrong_method(_error: Exception):  # type: ignore[no-untyped-def]
        message = gettext(
            "This address is not a page to open: it takes a form sent from its page. "
            "Go back and use the page's button."
        )
        return render_template("error.html", message=message), 405

    @app.errorhandler(404)
    def _not_found(_error: Exception):  # type: ignore[no-untyped-def]
        return render_template("error.html", message=gettext("This page does not exist.")), 404

    @app.errorhandler(413)
    def _too_large(_error: Exception):  # type: ignore[no-untyped-def]
        message = gettext("What you sent is too large. Nothing was saved from this request.")
        return render_template("error.html", message=message), 413

    @app.errorhandler(500)
    def _internal(_error: Exception):  # type: ignore[no-untyped-def]
        message = gettext("Something went wrong on the server. Nothing you had saved was lost.")
        return render_template("error.html", message=message), 500
