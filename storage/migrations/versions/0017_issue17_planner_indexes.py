"""planner indexes: a tick's reads stay small with 50 schools in one database

Every school's planners run on every tick (issue 17). Sessions and 公开课 are read by their
start in a window of days (index on ``starts_at``, so the read does not grow with the
years of history), and records linked to something (an outing's 汇报, a lesson's 评课, a
session's minutes, a 集体备课's 教案) by ``(link_kind, link_id)``: without it SQLite read
every record of the district once per school for the outing reminders (about 17 s per
tick for 50 schools and 254 250 records, docs/benchmarks.md).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_meeting_starts_at", "meeting", ["starts_at"])
    op.create_index("ix_openlesson_starts_at", "openlesson", ["starts_at"])
    op.create_index("ix_record_link", "record", ["link_kind", "link_id"])


def downgrade() -> None:
    op.drop_index("ix_record_link", table_name="record")
    op.drop_index("ix_openlesson_starts_at", table_name="openlesson")
    op.drop_index("ix_meeting_starts_at", table_name="meeting")
