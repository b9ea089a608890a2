"""One small interface for long work (imports, exports, index builds): report progress.

A service takes ``progress: Progress`` and calls ``progress(done, total)`` as it goes;
the command line shows it as a progress bar, the web as a progress page.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told how far a long piece of work has come: ``done`` of ``total`` steps."""

    def __call__(self, done: int, total: int) -> None: ...


def no_progress(done: int, total: int) -> None:
    """A :class:`Progress` that shows nothing."""
