"""钉钉 (issue 11): a teacher's accounts on other platforms than the one messages go to

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teacher_account",
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("bound_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["teacher_id"], ["teacher.id"]),
        sa.PrimaryKeyConstraint("account"),
    )
    with op.batch_alter_table("teacher_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teacher_account_teacher_id"), ["teacher_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("teacher_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teacher_account_teacher_id"))
    op.drop_table("teacher_account")
