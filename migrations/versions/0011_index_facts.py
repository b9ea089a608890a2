"""index facts: an encrypted part per testimony with the codes the case index needs

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 13:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing records get no facts here (a migration holds no keys): the case index
    # reads them the slow way until `intake records index-facts` writes theirs.
    op.add_column("testimony", sa.Column("index_facts", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("testimony") as batch:
        batch.drop_column("index_facts")
