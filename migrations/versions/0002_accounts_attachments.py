"""accounts, unlock throttling and attachments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:36:38.118064
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('login_index', sa.String(length=64), nullable=False),
    sa.Column('username', sa.LargeBinary(), nullable=False),
    sa.Column('password_hash', sa.LargeBinary(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('integrity', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'coordinator', 'interviewer')", name=op.f('ck_account_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('login_index', name=op.f('uq_account_login_index'))
    )
    op.create_table('draft_attachment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('draft_id', sa.Uuid(), nullable=False),
    sa.Column('meta', sa.LargeBinary(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_draft_attachment_draft_id_draft'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_attachment'))
    )
    with op.batch_alter_table('draft_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_attachment_draft_id'), ['draft_id'], unique=False)

    op.create_table('testimony_attachment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('testimony_id', sa.Uuid(), nullable=False),
    sa.Column('meta', sa.LargeBinary(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['testimony_id'], ['testimony.id'], name=op.f('fk_testimony_attachment_testimony_id_testimony'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_testimony_attachment'))
    )
    with op.batch_alter_table('testimony_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_testimony_attachment_testimony_id'), ['testimony_id'], unique=False)

    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unlock_blocked_until', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('unlock_blocked_until')

    with op.batch_alter_table('testimony_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_testimony_attachment_testimony_id'))

    op.drop_table('testimony_attachment')
    with op.batch_alter_table('draft_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_attachment_draft_id'))

    op.drop_table('draft_attachment')
    op.drop_table('account')
