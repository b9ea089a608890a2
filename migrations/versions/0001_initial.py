"""initial schema: workspace, keys, recipients, testimonies, drafts, outbox

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 12:22:12.487111
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('draft',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft'))
    )
    op.create_table('key_material',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_key_material'))
    )
    op.create_table('recipient',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('attestation', sa.LargeBinary(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipient')),
    sa.UniqueConstraint('recipient', name=op.f('uq_recipient_recipient'))
    )
    op.create_table('sealed_record',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sealed_on', sa.Date(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_record'))
    )
    op.create_table('security_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_event'))
    )
    op.create_table('testimony',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('schema_version', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("state IN ('stored', 'erased')", name=op.f('ck_testimony_state_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_testimony'))
    )
    op.create_table('workspace',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failed_unlocks', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('station', 'casedb')", name=op.f('ck_workspace_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace'))
    )
    op.create_table('testimony_section',
    sa.Column('testimony_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['testimony_id'], ['testimony.id'], name=op.f('fk_testimony_section_testimony_id_testimony'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('testimony_id', 'name', name=op.f('pk_testimony_section'))
    )


def downgrade() -> None:
    op.drop_table('testimony_section')
    op.drop_table('workspace')
    op.drop_table('testimony')
    op.drop_table('security_event')
    op.drop_table('sealed_record')
    op.drop_table('recipient')
    op.drop_table('key_material')
    op.drop_table('draft')
