"""The Records page: a filtered, paged list from the case index, audited."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from intake.audit.services import list_events
from intake.records.models import TestimonySection

from ..conftest import unlock
from .conftest import prison_in_kashgar, store, worked


def test_lists_stored_records_with_labels_and_filters_by_codes(coordinator, database, settings):
    # Given two records stored after the unlock (the index follows each commit)
    woman, man = store(database, settings, worked(), prison_in_kashgar())
    # When the coordinator opens the Records page, then filters to prisons in Kashgar
    everything = coordinator.get("/records/").get_data(as_text=True)
    prisons = coordinator.get("/records/?kind=prison&prefecture=kashgar").get_data(as_text=True)
    # Then both are listed with labels, and the filter keeps only the man
    assert woman in everything and man in everything
    assert "Held in a re-education camp" in everything
    assert man in prisons and woman not in prisons
    assert "Records matching: 1" in prisons


def test_year_gender_and_consent_filters(coordinator, database, settings):
    # Given the worked example (factory work in 2019, not to be shared) and a man
    # imprisoned in 2017 whose record may be shared with partner databases
    man_document = prison_in_kashgar()
    man_document["consent"]["share_with_partner_databases"] = True
    woman, man = store(database, settings, worked(), man_document)
    in_2019 = coordinator.get("/records/?year_from=2019&year_to=2019").get_data(as_text=True)
    men = coordinator.get("/records/?gender=male").get_data(as_text=True)
    shared = coordinator.get("/records/?share=yes").get_data(as_text=True)
    assert woman in in_2019 and man not in in_2019
    assert man in men and woman not in men
    assert man in shared and woman not in shared


def test_an_unknown_code_is_refused_and_not_applied(coordinator, database, settings):
    store(database, settings, worked())
    page = coordinator.get("/records/?kind=no_such_kind").get_data(as_text=True)
    assert "Not a valid choice" in page
    assert "Records matching: 1" in page


def test_listing_is_audited_without_filter_values(coordinator, database, settings):
    store(database, settings, worked())
    coordinator.get("/records/?kind=prison")
    keys = unlock(database, settings)
    with database.session() as session:
        events = [e for e in list_events(session, keys) if e.action == "record.list"]
    assert events and events[-1].details["filtered"] is True
    assert "prison" not in str(events[-1].details)


def test_pages_hold_a_page_of_records(coordinator, database, settings):
    store(database, settings, *[worked() for _ in range(53)])
    first = coordinator.get("/records/").get_data(as_text=True)
    second = coordinator.get("/records/?page=2").get_data(as_text=True)
    assert first.count('href="/records/') - first.count('href="/records/?') >= 50
    assert 'rel="next"' in first and 'rel="prev"' in second and 'rel="next"' not in second


def test_a_tampered_record_is_listed_as_not_opening(coordinator, database, settings):
    # Given two records, one of whose victim section is then swapped for the other's
    good, bad = store(database, settings, worked(), prison_in_kashgar())
    with database.session() as session:
        other = session.scalar(
            select(TestimonySection.ciphertext).where(
                TestimonySection.testimony_id == uuid.UUID(good),
                TestimonySection.name == "victim",
            )
        )
        session.execute(
            update(TestimonySection)
            .where(
                TestimonySection.testimony_id == uuid.UUID(bad),
                TestimonySection.name == "victim",
            )
            .values(ciphertext=other)
        )
    # When the list is shown / Then the record is there, said not to open, nothing of it shown
    page = coordinator.get("/records/").get_data(as_text=True)
    assert "does not open" in page and bad in page and "Ablikim" not in page
    assert coordinator.get(f"/records/{bad}").status_code == 500


def test_says_how_far_the_index_build_has_come(app, coordinator, database, settings):
    # Given an index still being built in the background
    live = app.extensions["intake"].vault.derived
    live.building, live.done, live.total = True, 2000, 5000
    # Then the page says so
    page = coordinator.get("/records/").get_data(as_text=True)
    assert "Index building: 2000 of 5000 records." in page


def test_without_an_index_the_page_says_so(app, coordinator):
    # Given an unlock whose index could not be built
    app.extensions["intake"].vault._set_derived(None)
    response = coordinator.get("/records/")
    assert response.status_code == 503
    assert "The case index is not available" in response.get_data(as_text=True)


def test_a_range_that_ends_before_it_starts_is_refused_with_the_reason(
    coordinator, database, settings
):
    # Given the worked example (work in 2019) and a man imprisoned in 2017
    woman, man = store(database, settings, worked(), prison_in_kashgar())
    # When the years are given the wrong way round
    page = coordinator.get("/records/?year_from=2020&year_to=2010").get_data(as_text=True)
    received = coordinator.get(
        "/records/?received_from=2026-02-01&received_to=2026-01-01"
    ).get_data(as_text=True)
    # Then the page says so, and applies only the start (nothing began in 2020 or later)
    assert "The last year is before the first." in page
    assert woman not in page and man not in page
    assert "The last day is before the first." in received
