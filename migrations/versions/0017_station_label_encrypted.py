"""station label encrypted: kept only in the station's attestation; days, not times

A station's label (what the administrator calls it, which may name the person whose
laptop it is) was also kept in plaintext. It is already in the attestation, encrypted
under the keyring, so the plaintext column is dropped. Enrolment and revocation keep
their day only (midnight UTC), as other plaintext times do.

A downgrade brings the column back empty: the older code then trusts no station until
each is enrolled again (the labels cannot be decrypted here, without the keys).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 17:00:00.000000
"""

from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_station = sa.table(
    "station",
    sa.column("id", sa.Uuid()),
    sa.column("enrolled_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def _day(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return datetime.combine(moment.date(), time.min, tzinfo=UTC)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_station.c.id, _station.c.enrolled_at, _station.c.revoked_at)
    ).all()
    for row in rows:
        connection.execute(
            _station.update()
            .where(_station.c.id == row.id)
            .values(enrolled_at=_day(row.enrolled_at), revoked_at=_day(row.revoked_at))
        )
    with op.batch_alter_table("station") as batch:
        batch.drop_column("label")


def downgrade() -> None:
    with op.batch_alter_table("station") as batch:
        batch.add_column(
            sa.Column("label", sa.String(length=100), server_default="", nullable=False)
        )
