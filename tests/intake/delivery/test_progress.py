"""A long job in a thread behind a streamed page: its progress, its result, its failure."""

from __future__ import annotations

from typing import Any

from intake.delivery.progress import progress_page, run_with_progress
from intake.errors import N_, IntakeError


class _RefusedError(IntakeError):
    """A failure the page may show."""


def _events(app: Any, job: Any) -> list[tuple[str, Any]]:
    with app.app_context():
        return list(run_with_progress(job))


def test_progress_then_the_result_of_the_job(app):
    # Given a job that reads three records in its own session
    def job(session, progress):  # type: ignore[no-untyped-def]
        assert session.is_active
        for done in range(1, 4):
            progress(done, 3)
        return "read"

    # When it runs / Then each step is told in order, then its result, and nothing more
    assert _events(app, job) == [("p", (1, 3)), ("p", (2, 3)), ("p", (3, 3)), ("done", "read")]


def test_a_failure_is_told_without_its_text_unless_it_is_an_intake_error(app):
    # Given a job that refuses with its own message, and one that breaks
    refused = _RefusedError(N_("Refused."))

    def refusing(session, progress):  # type: ignore[no-untyped-def]
        raise refused

    def breaking(session, progress):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail of a record")

    # Then the first error is passed on, the second only as "something failed"
    assert _events(app, refusing) == [("error", refused)]
    assert _events(app, breaking) == [("error", None)]


def test_the_page_is_head_bars_then_outcome(app):
    # Given a job with one step
    def job(session, progress):  # type: ignore[no-untyped-def]
        progress(1, 1)
        return 7

    # When its page is streamed
    with app.app_context():
        parts = list(
            progress_page(
                "<head>",
                lambda done, total: f"[{done}/{total}]",
                job,
                lambda kind, value: f"{kind}:{value}",
            )
        )
    # Then the head comes first and the outcome last
    assert parts == ["<head>", "[1/1]", "done:7"]
