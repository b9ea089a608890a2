"""wage tables: minimum-wage tables and exchange rates edited at the case database

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 03:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "minimum_wage_entry",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("applies_from", sa.Date(), nullable=False),
        sa.Column("applies_to", sa.Date(), nullable=True),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("prefecture_tiers", sa.JSON(), nullable=False),
        sa.Column("county_tiers", sa.JSON(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minimum_wage_entry")),
    )
    op.create_table(
        "exchange_rate_entry",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("currency", "year", name=op.f("pk_exchange_rate_entry")),
    )


def downgrade() -> None:
    op.drop_table("exchange_rate_entry")
    op.drop_table("minimum_wage_entry")
