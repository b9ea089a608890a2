"""Python's cyclic garbage collector paused while bulk work runs.

An import or an export makes millions of short-lived objects (parsed records, rows,
tuples) and no reference cycles worth collecting; with the collector on, its passes
over them (each over every object still held, as the work holds more and more) cost a
sixth of an import's time and about two fifths of a large export's, and free nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
#: Pauses under way (threads of a server may run several), and whether the collector
#: was on when the first began.
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block. It is turned on again when the last of
    the pauses under way ends (if it was on when the first began); cycles made
    meanwhile, by this work or other threads, are collected from then on."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
