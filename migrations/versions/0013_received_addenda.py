"""received addenda: stations' signed corrections kept at the case database

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "received_addendum",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("sealed_sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["testimony.id"], name=op.f("fk_received_addendum_record_id_testimony")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name=op.f("fk_received_addendum_station_id_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_addendum")),
    )
    op.create_index(op.f("ix_received_addendum_record_id"), "received_addendum", ["record_id"])
    op.create_index(op.f("ix_received_addendum_station_id"), "received_addendum", ["station_id"])


def downgrade() -> None:
    op.drop_table("received_addendum")
