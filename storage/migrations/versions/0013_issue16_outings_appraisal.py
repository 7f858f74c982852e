"""outings (外出学习汇报) and 考核 adjustments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("training", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("returns_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["semester_id"], ["semester.id"]),
        sa.ForeignKeyConstraint(["assigned_by"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outing_school_id", "outing", ["school_id"])
    op.create_index("ix_outing_teacher_id", "outing", ["teacher_id"])
    op.create_index("ix_outing_semester_id", "outing", ["semester_id"])
    op.create_table(
        "appraisal_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["semester_id"], ["semester.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["by"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appraisal_adjustment_semester_id", "appraisal_adjustment",
                    ["semester_id"])
    op.create_index("ix_appraisal_adjustment_teacher_id", "appraisal_adjustment",
                    ["teacher_id"])


def downgrade() -> None:
    op.drop_table("appraisal_adjustment")
    op.drop_table("outing")
