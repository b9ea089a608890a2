"""The cyclic collector paused during bulk work, and on again after, however the work ends."""

from __future__ import annotations

import gc
import threading

import pytest

from intake.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_on():  # type: ignore[no-untyped-def]
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_off_during_the_work_and_on_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_work_that_fails_still_turns_it_on_again():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_it_stays_off_until_the_last_of_overlapping_pauses_ends():
    # Given two threads' pauses, the first ending while the second still runs
    first_in, first_out, second_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with collector_paused():
            first_out.wait()
            seen.append(gc.isenabled())
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with collector_paused():
        first_in.set()
        while not _paused_twice():
            pass
    first_out.set()
    thread.join()
    # Then the second ran with the collector off, and it is on once both ended
    assert second_done.is_set()
    assert seen == [False]
    assert gc.isenabled()


def _paused_twice() -> bool:
    from intake import collector

    return collector._pauses == 2


def test_the_same_pause_decorates_a_function_for_each_call():
    @collector_paused()
    def work() -> bool:
        return gc.isenabled()

    assert work() is False
    assert work() is False
    assert gc.isenabled()
