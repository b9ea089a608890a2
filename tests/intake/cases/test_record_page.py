"""The record page: every section labelled in the reader's language, wages with their
ratios, provenance, the timeline; audited; erased records say so."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from intake.audit.services import list_events
from intake.records.models import Testimony

from ..conftest import unlock
from .conftest import store, worked


def test_every_section_is_labelled_with_the_timeline(coordinator, database, settings):
    (record_id,) = store(database, settings, worked())
    page = coordinator.get(f"/records/{record_id}").get_data(as_text=True)
    for label in ("Victim", "Episodes", "Labour", "Coding", "Consent", "Narrative", "Sources"):
        assert f"<h2>{label}</h2>" in page
    assert "Synaq Ayel" in page and "Сынақ Әйел" in page  # names in every script
    assert "Held in a re-education camp" in page  # codes in words
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"' in page
    assert "Provenance" in page and "entered here" in page


def test_wage_statements_show_monthly_figures_and_ratios(coordinator, database, settings):
    (record_id,) = store(database, settings, worked())
    page = coordinator.get(f"/records/{record_id}").get_data(as_text=True)
    assert "Wages and the local minimum wage" in page
    assert "CNY a month" in page


def test_page_in_russian_uses_codebook_labels(coordinator, database, settings):
    (record_id,) = store(database, settings, worked())
    page = coordinator.get(f"/records/{record_id}?lang=ru").get_data(as_text=True)
    assert "содержание в лагере «перевоспитания»" in page


def test_reading_is_audited_with_the_record_id(coordinator, database, settings):
    (record_id,) = store(database, settings, worked())
    coordinator.get(f"/records/{record_id}")
    keys = unlock(database, settings)
    with database.session() as session:
        reads = [e for e in list_events(session, keys) if e.action == "record.read"]
    assert [e.record_id for e in reads] == [record_id]


def test_an_erased_record_reads_as_erased(coordinator, database, settings):
    # Given a record whose data key was destroyed
    (record_id,) = store(database, settings, worked())
    with database.session() as session:
        session.execute(update(Testimony).values(state="erased", wrapped_key=None, manifest=None))
    # When it is opened, then only that it was erased is shown
    page = coordinator.get(f"/records/{record_id}").get_data(as_text=True)
    assert "Erased" in page and "Synaq" not in page


def test_unknown_record_is_not_found(coordinator):
    response = coordinator.get("/records/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404


def test_a_tampered_record_is_refused_and_the_attempt_stays_in_the_audit(
    coordinator, database, settings
):
    # Given a record whose sections an attacker swapped for another record's manifest
    first, second = store(database, settings, worked(), worked())
    with database.session() as session:
        manifest = session.scalar(
            select(Testimony.manifest).where(Testimony.id == uuid.UUID(second))
        )
        session.execute(
            update(Testimony).where(Testimony.id == uuid.UUID(first)).values(manifest=manifest)
        )
    # When a coordinator opens it
    response = coordinator.get(f"/records/{first}")
    # Then nothing of it is shown
    page = response.get_data(as_text=True)
    assert response.status_code >= 400 and "Synaq" not in page
    # And the audit keeps the reading and the refusal, although the request failed
    keys = unlock(database, settings)
    with database.session() as session:
        events = [(e.action, e.record_id) for e in list_events(session, keys)]
    assert ("record.read", first) in events
    assert ("record.refused", first) in events
