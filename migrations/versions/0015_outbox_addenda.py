"""outbox addenda: corrections sealed at a station, waiting to go with the next bundle

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 05:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_addendum",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_addendum")),
    )


def downgrade() -> None:
    op.drop_table("outbox_addendum")
