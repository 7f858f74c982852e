"""record review and lesson rounds: 检查 marks (合格, 优秀, 退回修改) with a comment, who
and when; 一课多研 rounds of an open lesson point at its first round

The quota totals index gains review_status, so that quotas which leave out returned (or
unreviewed) records still read the covering index alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TOTALS = ["teacher_id", "semester_id", "kind", "occurred_on", "chars", "deleted_at"]


def upgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("review_comment",
                                      sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key("fk_record_reviewed_by_teacher", "teacher",
                                    ["reviewed_by"], ["id"])
        batch_op.drop_index("ix_record_totals")
        batch_op.create_index("ix_record_totals", [*OLD_TOTALS, "review_status"], unique=False)
    with op.batch_alter_table("openlesson", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follows_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_openlesson_follows_id_openlesson", "openlesson",
                                    ["follows_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("openlesson", schema=None) as batch_op:
        batch_op.drop_constraint("fk_openlesson_follows_id_openlesson", type_="foreignkey")
        batch_op.drop_column("follows_id")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index("ix_record_totals")
        batch_op.create_index("ix_record_totals", OLD_TOTALS, unique=False)
        batch_op.drop_constraint("fk_record_reviewed_by_teacher", type_="foreignkey")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_comment")
        batch_op.drop_column("review_status")
