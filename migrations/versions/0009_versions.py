"""section versions, erasure requests, facility registry edits

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 12:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('testimony', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('erased_on', sa.Date(), nullable=True))
    op.create_table('testimony_version',
    sa.Column('testimony_id', sa.Uuid(), nullable=False),
    sa.Column('section', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('change', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['testimony_id'], ['testimony.id'], name=op.f('fk_testimony_version_testimony_id_testimony'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('testimony_id', 'section', 'number', name=op.f('pk_testimony_version'))
    )
    op.create_table('erasure_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('testimony_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.LargeBinary(), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'withdrawn', 'confirmed')", name=op.f('ck_erasure_request_erasure_state_known')),
    sa.ForeignKeyConstraint(['testimony_id'], ['testimony.id'], name=op.f('fk_erasure_request_testimony_id_testimony'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_request'))
    )
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_request_testimony_id'), ['testimony_id'], unique=False)
    op.create_table('facility_entry',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('province_id', sa.String(length=100), nullable=True),
    sa.Column('prefecture_id', sa.String(length=100), nullable=True),
    sa.Column('county_id', sa.String(length=100), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('merged_into', sa.String(length=100), nullable=True),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_entry'))
    )


def downgrade() -> None:
    op.drop_table('facility_entry')
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_request_testimony_id'))
    op.drop_table('erasure_request')
    op.drop_table('testimony_version')
    with op.batch_alter_table('testimony', schema=None) as batch_op:
        batch_op.drop_column('erased_on')
        batch_op.drop_column('revision')
