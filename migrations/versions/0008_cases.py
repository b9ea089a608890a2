"""case database: blind indexes of names and ID numbers, record links, same-person candidate pairs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 12:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blind_index',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('bits', sa.SmallInteger(), nullable=False),
    sa.Column('rules', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['testimony.id'], name=op.f('fk_blind_index_record_id_testimony'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'value', 'record_id', name=op.f('pk_blind_index'))
    )
    op.create_index('ix_blind_index_record', 'blind_index', ['record_id'], unique=False)
    op.create_table('blind_index_plan',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('bits', sa.SmallInteger(), nullable=False),
    sa.Column('rules', sa.String(length=16), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('planned_rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_blind_index_plan'))
    )
    op.create_table('person_candidate',
    sa.Column('record_a', sa.Uuid(), nullable=False),
    sa.Column('record_b', sa.Uuid(), nullable=False),
    sa.Column('shared', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['record_a'], ['testimony.id'], name=op.f('fk_person_candidate_record_a_testimony'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_b'], ['testimony.id'], name=op.f('fk_person_candidate_record_b_testimony'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_a', 'record_b', name=op.f('pk_person_candidate'))
    )
    op.create_index(op.f('ix_person_candidate_record_b'), 'person_candidate', ['record_b'], unique=False)
    op.create_index(op.f('ix_person_candidate_shared'), 'person_candidate', ['shared'], unique=False)
    op.create_table('record_link',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_a', sa.Uuid(), nullable=False),
    sa.Column('record_b', sa.Uuid(), nullable=False),
    sa.Column('relation', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.Uuid(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_record_link')),
    sa.UniqueConstraint('id', name=op.f('uq_record_link_id'))
    )
    op.create_index('ix_record_link_pair', 'record_link', ['record_a', 'record_b', 'relation'], unique=False)
    op.create_index(op.f('ix_record_link_record_a'), 'record_link', ['record_a'], unique=False)
    op.create_index(op.f('ix_record_link_record_b'), 'record_link', ['record_b'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_record_link_record_b'), table_name='record_link')
    op.drop_index(op.f('ix_record_link_record_a'), table_name='record_link')
    op.drop_index('ix_record_link_pair', table_name='record_link')
    op.drop_table('record_link')
    op.drop_index(op.f('ix_person_candidate_shared'), table_name='person_candidate')
    op.drop_index(op.f('ix_person_candidate_record_b'), table_name='person_candidate')
    op.drop_table('person_candidate')
    op.drop_table('blind_index_plan')
    op.drop_index('ix_blind_index_record', table_name='blind_index')
    op.drop_table('blind_index')
