"""chat pace: each private chat's sending pace, shared by the processes of one bot

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_pace",
        sa.Column("chat", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat"),
    )


def downgrade() -> None:
    op.drop_table("chat_pace")
