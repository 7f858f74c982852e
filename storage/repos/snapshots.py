"""Digest snapshots: a school's figures as of a day, kept so its digests compute them once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import DigestSnapshot


@dataclass(frozen=True)
class SnapshotRow:
    """What a snapshot holds: when it was computed, with what, and the figures."""

    version: str
    computed_at: datetime
    figures: dict[str, Any]


def get_snapshot(session: Session, *, school_id: int, day: date) -> SnapshotRow | None:
    """The school's snapshot as of ``day``, if one was kept."""
    row = session.exec(select(DigestSnapshot).where(
        DigestSnapshot.school_id == school_id, DigestSnapshot.day == day)).first()
    if row is None:
        return None
    return SnapshotRow(row.version, row.computed_at, row.figures)


def keep_snapshot(session: Session, *, school_id: int, day: date, version: str,
                  computed_at: datetime, figures: dict[str, Any]) -> None:
    """Keep (or replace) the school's snapshot as of ``day``; two writers at once both win."""
    connection = rows_connection(session)
    values = {"school_id": school_id, "day": day, "version": version,
              "computed_at": computed_at, "figures": figures}
    statement = INSERTS[connection.dialect.name](DigestSnapshot).values(**values)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["school_id", "day"],
        set_={"version": version, "computed_at": computed_at, "figures": figures}))
