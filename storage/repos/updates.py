"""Processed updates: a platform may deliver the same update twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete

from storage.repos._core import INSERTS, rows_connection
from storage.tables import ProcessedUpdate

_CLAIMS = {
    name: insert(ProcessedUpdate).values(key=bindparam("key"), at=bindparam("at"))
    .on_conflict_do_nothing().returning(ProcessedUpdate.key)
    for name, insert in INSERTS.items()
}


def claim_update(session: Session, *, key: str, now: datetime) -> bool:
    """Record ``key`` as processed in this transaction; False if it was processed before.

    One statement on every update (no read, no savepoint): the insert that finds the key
    already there inserts nothing. A concurrent process holding the same key uncommitted
    makes PostgreSQL wait for it, then do nothing.
    """
    connection = rows_connection(session)
    claimed = connection.execute(_CLAIMS[connection.dialect.name], {"key": key, "at": now})
    return claimed.first() is not None


def forget_updates(session: Session, *, before: datetime) -> int:
    """Drop keys older than ``before`` (platforms do not redeliver after a day)."""
    result = session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < before))
    return result.rowcount or 0


DEDUP_WINDOW = timedelta(days=2)
