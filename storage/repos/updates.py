"""Processed updates: a platform may deliver the same update twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from storage.tables import ProcessedUpdate


def claim_update(session: Session, *, key: str, now: datetime) -> bool:
    """Record ``key`` as processed in this transaction; False if it was processed before."""
    if session.get(ProcessedUpdate, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(key=key, at=now))
    except IntegrityError:
        return False
    return True


def forget_updates(session: Session, *, before: datetime) -> int:
    """Drop keys older than ``before`` (platforms do not redeliver after a day)."""
    result = session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < before))
    return result.rowcount or 0


DEDUP_WINDOW = timedelta(days=2)
