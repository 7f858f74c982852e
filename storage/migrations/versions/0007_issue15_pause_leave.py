"""pauses become leave requests: a pause has a status (quiet, pending, approved, refused,
cancelled), who decided and when; attendance rows point at the pause that asked for them

A pause recorded before this migration excused the sessions it covered by itself. So that
nothing already counted changes, each becomes an approved pause and its sessions get
approved leave rows (where the teacher had no answer), as the new /pause writes them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default="approved"))
        batch_op.add_column(sa.Column("decided_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.create_foreign_key("fk_pause_decided_by_teacher", "teacher",
                                    ["decided_by"], ["id"])
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attendance_pause_id"), ["pause_id"], unique=False)
        batch_op.create_foreign_key("fk_attendance_pause_id_pause", "pause", ["pause_id"],
                                    ["id"])
    # Earlier pauses excused their sessions: keep that as approved leave.
    op.execute(sa.text(
        "INSERT INTO attendance (meeting_id, teacher_id, status, reason, updated_at, pause_id) "
        "SELECT m.id, p.teacher_id, 'leave', MIN(p.reason), CURRENT_TIMESTAMP, MIN(p.id) "
        "FROM pause p JOIN membership ms ON ms.teacher_id = p.teacher_id "
        "JOIN meeting m ON m.group_id = ms.group_id "
        "WHERE m.status IN ('planned', 'announced') AND m.starts_at IS NOT NULL "
        "AND m.planned_on >= p.start AND m.planned_on <= p.\"end\" "
        "AND NOT EXISTS (SELECT 1 FROM attendance a "
        "WHERE a.meeting_id = m.id AND a.teacher_id = p.teacher_id) "
        "GROUP BY m.id, p.teacher_id"))


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_constraint("fk_attendance_pause_id_pause", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attendance_pause_id"))
        batch_op.drop_column("pause_id")
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pause_decided_by_teacher", type_="foreignkey")
        batch_op.drop_column("created_at")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("status")
