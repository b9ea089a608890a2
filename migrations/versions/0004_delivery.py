"""delivery: stations, bundles, record manifests

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27 09:21:13.918093
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sent_bundle',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('receipt', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_bundle')),
    sa.UniqueConstraint('sequence', name=op.f('uq_sent_bundle_sequence'))
    )
    op.create_table('station',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('verify_key', sa.LargeBinary(), nullable=False),
    sa.Column('attestation', sa.LargeBinary(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station')),
    sa.UniqueConstraint('verify_key', name=op.f('uq_station_verify_key'))
    )
    op.create_table('received_bundle',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('station_id', sa.Uuid(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('receipt', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_received_bundle_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_bundle')),
    sa.UniqueConstraint('station_id', 'sequence', name=op.f('uq_received_bundle_station_id'))
    )
    with op.batch_alter_table('received_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_received_bundle_station_id'), ['station_id'], unique=False)

    with op.batch_alter_table('sealed_record', schema=None) as batch_op:
        batch_op.alter_column('sealed',
               existing_type=sa.LargeBinary(),
               nullable=True)

    with op.batch_alter_table('testimony', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manifest', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('provenance', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sealed_sha256', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('testimony', schema=None) as batch_op:
        batch_op.drop_column('sealed_sha256')
        batch_op.drop_column('provenance')
        batch_op.drop_column('manifest')

    with op.batch_alter_table('sealed_record', schema=None) as batch_op:
        batch_op.alter_column('sealed',
               existing_type=sa.LargeBinary(),
               nullable=False)

    with op.batch_alter_table('received_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_received_bundle_station_id'))

    op.drop_table('received_bundle')
    op.drop_table('station')
    op.drop_table('sent_bundle')
