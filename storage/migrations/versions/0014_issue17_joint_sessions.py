"""joint sessions across schools (联片教研): other schools' groups taking part

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_guest",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["study_group.id"]),
        sa.ForeignKeyConstraint(["added_by"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("meeting_id", "group_id"),
    )
    op.create_index("ix_meeting_guest_group_id", "meeting_guest", ["group_id"])


def downgrade() -> None:
    op.drop_table("meeting_guest")
