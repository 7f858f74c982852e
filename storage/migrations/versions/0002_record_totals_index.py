"""record totals index: quotas read teacher, kind, date and 字数 from the index alone

Replaces ix_record_teacher_semester_kind (its prefix). Measured on a district of 254 250
records (docs/benchmarks.md): SQLite reads the covering index instead of the wide rows
(the answers JSON pushes the counted columns into overflow pages); PostgreSQL turns an
index scan with a heap filter into an index-only scan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTALS_COLUMNS = ["teacher_id", "semester_id", "kind", "occurred_on", "chars", "deleted_at"]


def upgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_index("ix_record_totals", TOTALS_COLUMNS, unique=False)
        batch_op.drop_index("ix_record_teacher_semester_kind")


def downgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_index("ix_record_teacher_semester_kind",
                              ["teacher_id", "semester_id", "kind"], unique=False)
        batch_op.drop_index("ix_record_totals")
