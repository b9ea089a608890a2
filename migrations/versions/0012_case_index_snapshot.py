"""case index snapshot: the case index kept encrypted between unlocks

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_index_snapshot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_index_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("case_index_snapshot")
