"""Interview pages leave no form objects for the cyclic garbage collector.

A WTForms form and its fields point at each other, so a page's form outlives the
request unless it is taken apart. A long trajectory page holds thousands of fields;
left to pile up, the collector's full pass over them stops a later request for tens of
milliseconds. These tests look for what a request leaves as the collector would find
it, with the collector off meanwhile so that nothing is freed behind the test's back.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from wtforms import Field, FieldList, Form, FormField, StringField
from wtforms.form import BaseForm

from intake.interview.fields import release_fields, release_form
from tests.intake.interview.journey import post_step, start_draft


class _Row(Form):
    name = StringField()


class _Page(Form):
    rows = FieldList(FormField(_Row), min_entries=2)
    when = FormField(_Row)
    note = StringField()


@contextmanager
def _collector_off() -> Iterator[None]:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unreleased(thing: object) -> bool:
    # A released form is an empty shell; the page template's own cycles may hold it.
    return isinstance(thing, Field) or (isinstance(thing, BaseForm) and bool(vars(thing)))


def _form_garbage(run: Callable[[], object]) -> int:
    """How many WTForms fields and forms still holding fields only the cyclic collector
    would free after ``run``."""
    with _collector_off():
        run()
        flags = gc.get_debug()
        gc.set_debug(flags | gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            found = sum(_unreleased(thing) for thing in gc.garbage)
        finally:
            gc.set_debug(flags)
            gc.garbage.clear()
    return found


def test_a_form_with_rows_and_subforms_makes_cycles_unless_released():
    # Given a form with a list of row forms and a subform, built with the collector off
    with _collector_off():
        kept = _Page()
        kept_row = weakref.ref(kept.rows.entries[0].form)
        # When it is dropped without being released
        del kept
        # Then its row outlives it: only the cyclic collector would free it
        assert kept_row() is not None

        released = _Page()
        row = weakref.ref(released.rows.entries[1].form)
        subform = weakref.ref(released.when.form)
        field = weakref.ref(released.note)
        # When a form is released and dropped
        release_form(released)
        release_form(released)  # a second release does nothing
        del released
        # Then reference counting alone has freed its rows, subforms and fields
        assert row() is None
        assert subform() is None
        assert field() is None
    gc.collect()


def test_showing_and_saving_the_trajectory_leaves_no_form_for_the_collector(
    station_interviewer,
):
    # Given a draft whose trajectory has three episodes
    base = start_draft(station_interviewer)
    url = f"{base}/trajectory"
    rows = {}
    for i in range(3):
        rows[f"episodes-{i}-id"] = f"e{i + 1}"
        rows[f"episodes-{i}-kind"] = "reeducation_camp"
    assert post_step(station_interviewer, url, rows, action="save").status_code == 302

    # When the page is shown, saved, and refused (a row that ends before it starts)
    def shown() -> None:
        assert station_interviewer.get(url).status_code == 200

    def saved() -> None:
        assert post_step(station_interviewer, url, rows, action="save").status_code == 302

    def refused() -> None:
        wrong = {
            **rows,
            "episodes-0-start-precision": "year",
            "episodes-0-start-year": "2019",
            "episodes-0-end-precision": "year",
            "episodes-0-end-year": "2018",
        }
        response = post_step(station_interviewer, url, wrong, action="save")
        assert response.status_code == 200
        assert "ends before it starts" in response.get_data(as_text=True)

    def changed(action: str) -> Callable[[], None]:
        def run() -> None:
            response = post_step(station_interviewer, url, rows, action=action)
            assert response.status_code == 200

        return run

    # Then none of them leaves a form or field that only the cyclic collector frees,
    # nor does adding, removing or moving a row (the list is rebuilt, its old rows
    # dropped)
    for run in (shown, saved, refused):
        assert _form_garbage(run) == 0, run.__name__
    for action in ("add:episodes", "remove:episodes:1", "up:episodes:2", "down:episodes:0"):
        assert _form_garbage(changed(action)) == 0, action


@pytest.mark.parametrize("step", ["testifier", "victim", "labour", "links", "coding"])
def test_the_other_steps_leave_no_form_for_the_collector(station_interviewer, step):
    base = start_draft(station_interviewer)
    url = f"{base}/{step}"
    # Shown, and saved as shown
    assert _form_garbage(lambda: station_interviewer.get(url)) == 0
    assert _form_garbage(lambda: post_step(station_interviewer, url, {}, action="save")) == 0


def test_fields_dropped_from_a_form_are_freed_once_released():
    with _collector_off():
        page = _Page()
        dropped = list(page.rows.entries)
        row = weakref.ref(dropped[0].form)
        page.rows.entries = []
        release_fields(dropped)
        del dropped
        assert row() is None
    gc.collect()
