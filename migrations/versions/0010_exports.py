"""exports: partners and their age recipient keys (encrypted)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_partner',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_partner'))
    )


def downgrade() -> None:
    op.drop_table('export_partner')
