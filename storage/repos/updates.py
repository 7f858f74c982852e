"""Processed updates: a platform may deliver the same update twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select, update

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


def was_claimed(session: Session, *, key: str) -> bool:
    """Whether ``key`` was recorded (within the dedup window)."""
    return session.exec(select(ProcessedUpdate.key)
                        .where(col(ProcessedUpdate.key) == key)).first() is not None


def keep_answer(session: Session, *, key: str, answer: list[Any]) -> None:
    """Keep what the person was answered for ``key`` (claimed in this transaction)."""
    session.exec(update(ProcessedUpdate).where(col(ProcessedUpdate.key) == key)
                 .values(answer=answer))


def answer_of(session: Session, *, key: str) -> list[Any]:
    """What the person was answered when ``key`` was first handled ([] if nothing)."""
    row = session.exec(select(ProcessedUpdate.answer)
                       .where(col(ProcessedUpdate.key) == key)).first()
    return list(row or [])


def forget_updates(session: Session, *, before: datetime) -> int:
    """Drop keys older than ``before`` (platforms do not redeliver after a day)."""
    result = session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < before))
    return result.rowcount or 0


DEDUP_WINDOW = timedelta(days=2)
