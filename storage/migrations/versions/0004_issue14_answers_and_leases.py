"""answers kept with dedup keys; outbox claims leased per process

``processed_update.answer`` keeps what the person was told, so a redelivered update gets
the same answer again instead of silence. ``worker_lease`` holds each running process's
heartbeat: outbox rows claimed by a process whose heartbeat stopped go back to the queue
within a minute, instead of after a fixed ten minutes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer", sa.JSON(), nullable=True))
    op.create_table(
        "worker_lease",
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("worker"),
    )


def downgrade() -> None:
    op.drop_table("worker_lease")
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_column("answer")
