"""集体备课: a session's 主备人 and lesson (its 教案, 修改意见 and 二次备课 are records)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lesson_prep",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["set_by"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("meeting_id"),
    )
    op.create_index(op.f("ix_lesson_prep_lead_id"), "lesson_prep", ["lead_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lesson_prep_lead_id"), table_name="lesson_prep")
    op.drop_table("lesson_prep")
