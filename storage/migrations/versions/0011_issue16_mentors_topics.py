"""师徒结对 and 课题研究: mentor pairs, mentors' comments on records, records linked to a 课题

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["mentor_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["mentee_id"], ["teacher.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentor_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_pair_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_pair_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_pair_mentee_id"), ["mentee_id"], unique=False)
    op.create_table(
        "mentor_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["mentor_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentor_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_comment_record_id"), ["record_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_comment_mentor_id"), ["mentor_id"],
                              unique=False)
    op.create_table(
        "topic_link",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"]),
        sa.ForeignKeyConstraint(["topic_id"], ["record.id"]),
        sa.PrimaryKeyConstraint("record_id"),
    )
    with op.batch_alter_table("topic_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_link_topic_id"), ["topic_id"], unique=False)


def downgrade() -> None:
    op.drop_table("topic_link")
    op.drop_table("mentor_comment")
    op.drop_table("mentor_pair")
