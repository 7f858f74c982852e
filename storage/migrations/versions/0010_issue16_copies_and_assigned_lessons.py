"""copy detection and assigned 预约听课: each record's MinHash signature and its band keys,
pairs of records that closely match, and lessons 教导处 arranges with a teacher

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_signature",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index(op.f("ix_record_signature_school_id"), "record_signature", ["school_id"],
                    unique=False)
    op.create_table(
        "record_band",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("record_id", "band"),
    )
    op.create_index("ix_record_band_key", "record_band", ["key", "school_id"], unique=False)
    op.create_table(
        "record_similar",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("found_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["other_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.PrimaryKeyConstraint("record_id", "other_id"),
    )
    op.create_index(op.f("ix_record_similar_other_id"), "record_similar", ["other_id"],
                    unique=False)
    op.create_table(
        "lesson_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("observers", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["assigned_by"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["lesson_id"], ["openlesson.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["semester_id"], ["semester.id"]),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_lesson_assignment_school_id"), "lesson_assignment", ["school_id"],
                    unique=False)
    op.create_index(op.f("ix_lesson_assignment_teacher_id"), "lesson_assignment",
                    ["teacher_id"], unique=False)


def downgrade() -> None:
    op.drop_table("lesson_assignment")
    op.drop_index("ix_record_similar_other_id", table_name="record_similar")
    op.drop_table("record_similar")
    op.drop_index("ix_record_band_key", table_name="record_band")
    op.drop_table("record_band")
    op.drop_index("ix_record_signature_school_id", table_name="record_signature")
    op.drop_table("record_signature")
