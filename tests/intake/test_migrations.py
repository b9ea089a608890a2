"""Migrations upgrade from empty and downgrade back on SQLite and PostgreSQL."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import intake.audit.models
import intake.cases.models
import intake.db
import intake.exports.models
import intake.facilities.models
import intake.records.models
import intake.wagetables.models
import intake.workspace.models
from intake.db import Base, Database
from intake.migrate import downgrade_database, upgrade_database

_ = (intake.audit.models, intake.cases.models, intake.records.models, intake.exports.models)
_ = (intake.facilities.models, intake.wagetables.models)
TABLES = {
    "workspace",
    "key_material",
    "recipient",
    "security_event",
    "testimony",
    "testimony_section",
    "draft",
    "sealed_record",
    "audit_head",
    "audit_entry",
    "audit_checkpoint",
    "testimony_version",
    "erasure_request",
    "facility_entry",
    "minimum_wage_entry",
    "exchange_rate_entry",
    "station",
    "received_bundle",
    "received_addendum",
    "sent_bundle",
    "export_partner",
    "blind_index",
    "blind_index_plan",
    "person_candidate",
    "record_link",
}


def test_upgrade_from_empty_then_downgrade_to_empty(database_url):
    # Given an empty database
    db = Database(database_url)
    # When migrated up / Then every table exists and matches the models exactly
    upgrade_database(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    # When migrated down / Then no table of ours is left
    downgrade_database(db.engine)
    assert not TABLES & set(inspect(db.engine).get_table_names())
    # And it upgrades again cleanly
    upgrade_database(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    db.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])  # the clean-up's VACUUM FULL
def test_the_clean_up_after_migrating_leaves_no_setting_on_the_pooled_connection(
    database_url,
):
    # Given a database migrated from empty, so that the clean-up after it ran
    db = Database(database_url)
    upgrade_database(db.engine)
    # Then a connection the app takes from the same pool waits for row locks as it
    # would have (no lock timeout left behind by the clean-up's VACUUM FULL)
    with db.engine.connect() as connection:
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "0"
    db.dispose()


def test_a_journal_scrub_kept_from_its_lock_after_migrating_is_done_after_a_later_commit(
    tmp_path, caplog, monkeypatch
):
    # Given an SQLite database migrated while another process held its file, so that the
    # journal (which holds the pages as the migrations found them) could not be scrubbed
    db = Database(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    tried = []
    scrub = intake.db.scrub_journal

    def locked(engine):
        tried.append(engine)
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(intake.db, "scrub_journal", locked)
    upgrade_database(db.engine)
    # Then the schema is migrated, and the log says the scrub waits
    assert tried and set(inspect(db.engine).get_table_names()) >= TABLES
    assert "could not be overwritten yet" in caplog.text
    # When the lock can be had and anything is committed / Then the scrub is done
    done = []
    monkeypatch.setattr(intake.db, "scrub_journal", lambda engine: done.append(scrub(engine)))
    with db.session() as session:
        session.execute(text("SELECT 1"))
    assert len(done) == 1
    db.dispose()
