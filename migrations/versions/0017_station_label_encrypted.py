"""station label encrypted: kept only in the station's attestation; days, not times

A station's label (what the administrator calls it, which may name the person whose
laptop it is) was also kept in plaintext. It is already in the attestation, encrypted
under the keyring, so the plaintext column is dropped, and every row written again
without it. Enrolment and revocation keep their day only (midnight UTC), as other
plaintext times do. After the migrations (intake.migrate) the table is vacuumed on
PostgreSQL, so the old row versions holding the label are gone from its files (its
WAL and any backup still hold them); on SQLite, secure_delete overwrites them and the
journal is scrubbed.

The downgrade is refused while stations are on record: the older code needs each
label in plaintext, and a migration cannot decrypt them. The panic wipe, which
downgrades every revision on PostgreSQL once the keys are gone, says it is wiping
(intake.migrate.downgrade_database), and goes through.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 17:00:00.000000
"""

import sqlite3
from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import context, op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_station = sa.table(
    "station",
    sa.column("id", sa.Uuid()),
    sa.column("enrolled_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def _day(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return datetime.combine(moment.date(), time.min, tzinfo=UTC)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        # Dropped in place (SQLite 3.35 and later): the batch way copies the table and
        # drops the old one, which the foreign keys of received bundles refuse.
        if sqlite3.sqlite_version_info < (3, 35):
            raise RuntimeError(
                f"This upgrade needs SQLite 3.35 or newer; this Python has "
                f"{sqlite3.sqlite_version}. Nothing was changed."
            )
        op.execute("ALTER TABLE station DROP COLUMN label")
    else:
        op.drop_column("station", "label")
    # Every row written again: on PostgreSQL a dropped column stays in the old row
    # versions until they are rewritten and vacuumed.
    rows = connection.execute(
        sa.select(_station.c.id, _station.c.enrolled_at, _station.c.revoked_at)
    ).all()
    for row in rows:
        connection.execute(
            _station.update()
            .where(_station.c.id == row.id)
            .values(enrolled_at=_day(row.enrolled_at), revoked_at=_day(row.revoked_at))
        )


def downgrade() -> None:
    connection = op.get_bind()
    stations = connection.execute(sa.select(sa.func.count()).select_from(_station)).scalar()
    if stations and not context.config.attributes.get("wiping"):
        raise RuntimeError(
            "Stations are on record here: since revision 0017 their labels are kept only "
            "encrypted, and older versions need them in plaintext, which a migration "
            "cannot decrypt. Keep this version."
        )
    with op.batch_alter_table("station") as batch:
        batch.add_column(
            sa.Column("label", sa.String(length=100), server_default="", nullable=False)
        )
