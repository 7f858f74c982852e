"""Digest snapshots: a school's figures as of a day, kept so its digests compute them once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import DigestSnapshot


def get_snapshot(session: Session, *, school_id: int, day: date, version: str,
                 computed_after: datetime) -> dict[str, Any] | None:
    """The figures of the school's snapshot as of ``day``, if one was kept with ``version``
    after ``computed_after`` (a stale one is not even read)."""
    return session.exec(select(DigestSnapshot.figures).where(
        DigestSnapshot.school_id == school_id, DigestSnapshot.day == day,
        DigestSnapshot.version == version,
        col(DigestSnapshot.computed_at) > computed_after)).first()


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
