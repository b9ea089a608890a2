"""A long job run in a thread while a streamed page shows its progress: the import of a
bundle, the preview and the writing of an export.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.progress import Progress
from intake.web import app_state


def run_with_progress(
    job: Callable[[Session, Progress], Any],
) -> Iterator[tuple[str, Any]]:
    """Start ``job`` now in a thread with its own session; the events it sends, in order.

    Each event is ``("p", (done, total))`` while the job runs, then one last event:
    ``("done", result)``, or ``("error", error)`` where ``error`` is the IntakeError the
    job raised, or None for any other failure (its text is never shown).
    """
    state = app_state()
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            with state.database.session() as session:
                result = job(session, lambda done, total: events.put(("p", (done, total))))
        except IntakeError as error:
            events.put(("error", error))
        except Exception:
            events.put(("error", None))
        else:
            events.put(("done", result))

    threading.Thread(target=work, daemon=True).start()

    def read() -> Iterator[tuple[str, Any]]:
        while True:
            event = events.get()
            yield event
            if event[0] != "p":
                return

    return read()


def progress_page(
    head: str,
    bar: Callable[[int, int], str],
    job: Callable[[Session, Progress], Any],
    outcome: Callable[[str, Any], str],
) -> Iterator[str]:
    """A streamed page: ``head`` at once, ``bar(done, total)`` as the job goes, then
    ``outcome(kind, value)`` for its last event (see run_with_progress).
    """
    events = run_with_progress(job)
    yield head
    for kind, value in events:
        if kind == "p":
            yield bar(*value)
        else:
            yield outcome(kind, value)
