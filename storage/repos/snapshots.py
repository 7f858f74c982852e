"""Digest snapshots: a school's figures as of a day, kept so its digests compute them once."""

from __future__ import annotations

from collections.abc import Sequence
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


def summaries(session: Session, *, school_ids: Sequence[int], day: date,
              computed_after: datetime) -> dict[int, tuple[str, list[int]]]:
    """The summaries (with their versions) of these schools' snapshots as of ``day`` kept
    after ``computed_after``, in one query that leaves the figures unread."""
    rows = session.exec(select(DigestSnapshot.school_id, DigestSnapshot.version,
                               DigestSnapshot.summary).where(
        col(DigestSnapshot.school_id).in_(school_ids), DigestSnapshot.day == day,
        col(DigestSnapshot.computed_at) > computed_after,
        col(DigestSnapshot.summary).is_not(None))).all()
    return {school_id: (version, list(summary)) for school_id, version, summary in rows
            if summary is not None}


def keep_snapshot(session: Session, *, school_id: int, day: date, version: str,
                  computed_at: datetime, figures: dict[str, Any], summary: list[int]) -> None:
    """Keep (or replace) the school's snapshot as of ``day``; two writers at once both win."""
    connection = rows_connection(session)
    kept = {"version": version, "computed_at": computed_at, "figures": figures,
            "summary": summary}
    statement = INSERTS[connection.dialect.name](DigestSnapshot).values(
        school_id=school_id, day=day, **kept)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["school_id", "day"], set_=kept))
