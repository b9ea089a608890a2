"""Migrations upgrade from empty and downgrade back on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import intake.audit.models
import intake.cases.models
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
