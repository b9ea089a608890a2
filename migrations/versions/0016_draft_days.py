"""draft days: how long an unfinished interview is kept after its last save

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(
            sa.Column("draft_days", sa.Integer(), server_default="14", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_workspace_draft_days_range"), "draft_days BETWEEN 1 AND 90"
        )


def downgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.drop_constraint(op.f("ck_workspace_draft_days_range"), type_="check")
        batch.drop_column("draft_days")
