"""The delivery outbox: planned messages keyed so each is queued once and claimed once.

Planners may run any number of times (restarts, missed ticks, a second process): a key
that is already queued is left alone. Dispatchers claim due rows with one UPDATE … RETURNING
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two dispatchers never take the same row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import Outbox, WorkerLease

PENDING, SENDING, SENT = "pending", "sending", "sent"
EXPIRED, CANCELLED, FAILED, UNREACHABLE = "expired", "cancelled", "failed", "unreachable"
SKIPPED = "skipped"  # nothing left to say when it came due (e.g. the draft was finished)
# A message to someone other than the person who acted, written with the change it reports
# and delivered at once (never held for quiet hours): a notice, a request, a decision.
RELAY = "relay"


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message, ready to render and send."""

    id: int
    key: str
    kind: str
    chat: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


def enqueue(
    session: Session, *, key: str, kind: str, chat: str, payload: Mapping[str, Any],
    due_at: datetime, expires_at: datetime | None = None,
) -> bool:
    """Queue a message under ``key`` unless that key was ever queued; True if added."""
    if session.exec(select(Outbox.id).where(Outbox.key == key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Outbox(key=key, kind=kind, chat=chat, payload=dict(payload),
                               due_at=due_at, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def cancel(session: Session, *, keys: Sequence[str]) -> int:
    """Cancel pending messages (a session moved or cancelled after planning)."""
    if not keys:
        return 0
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.key).in_(keys), col(Outbox.status) == PENDING)
        .values(status=CANCELLED)
    )
    return result.rowcount or 0


def cancel_prefix(session: Session, *, prefix: str) -> int:
    """Cancel every pending message whose key starts with ``prefix``."""
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.key).startswith(prefix), col(Outbox.status) == PENDING)
        .values(status=CANCELLED)
    )
    return result.rowcount or 0


def expire_due(session: Session, *, now: datetime) -> int:
    """Mark pending messages whose useful time has passed as expired (never sent)."""
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.status) == PENDING, col(Outbox.expires_at) <= now)
        .values(status=EXPIRED)
    )
    return result.rowcount or 0


def claim(session: Session, *, now: datetime, worker: str, limit: int,
          kind: str | None = None, chat_prefix: str | None = None) -> list[OutboxItem]:
    """Take up to ``limit`` due messages (of ``kind``, to chats starting ``chat_prefix``,
    or any) for ``worker``, oldest due first."""
    only = ([] if kind is None else [col(Outbox.kind) == kind]) + (
        [] if chat_prefix is None else [col(Outbox.chat).startswith(chat_prefix)])
    due = (
        select(Outbox.id)
        .where(col(Outbox.status) == PENDING, col(Outbox.due_at) <= now, *only)
        .order_by(col(Outbox.due_at), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = session.exec(
        update(Outbox)
        .where(col(Outbox.id).in_(due), col(Outbox.status) == PENDING)
        .values(status=SENDING, claimed_by=worker, claimed_at=now,
                attempts=col(Outbox.attempts) + 1)
        .returning(Outbox.id, Outbox.key, Outbox.kind, Outbox.chat, Outbox.payload,
                   Outbox.due_at, Outbox.attempts)
    ).all()
    items = [OutboxItem(*row) for row in rows]
    return sorted(items, key=lambda item: (item.due_at, item.id))


def finish(session: Session, *, item_id: int, status: str, now: datetime,
           error: str = "") -> None:
    """Record how a claimed message ended: sent, unreachable or failed."""
    session.exec(
        update(Outbox)
        .where(col(Outbox.id) == item_id)
        .values(status=status, sent_at=now if status == SENT else None, error=error[:500])
    )


def release(session: Session, *, item_id: int, retry_at: datetime, error: str) -> None:
    """Give a claimed message back to the queue to try again at ``retry_at``."""
    session.exec(
        update(Outbox)
        .where(col(Outbox.id) == item_id)
        .values(status=PENDING, due_at=retry_at, claimed_by=None, error=error[:500])
    )


def heartbeat(session: Session, *, worker: str, now: datetime) -> None:
    """``worker`` is alive at ``now`` (its claims stay its own). One upsert: another
    process may have just dropped this lease as stale."""
    connection = rows_connection(session)
    insert = INSERTS[connection.dialect.name](WorkerLease).values(worker=worker, seen_at=now)
    connection.execute(insert.on_conflict_do_update(index_elements=[WorkerLease.worker],
                                                    set_={"seen_at": now}))


def recover_stale(session: Session, *, worker: str, now: datetime, lease: timedelta,
                  longest: timedelta) -> int:
    """Return messages claimed by a dispatcher that died before sending them.

    Every process renews its heartbeat (``worker_lease``) while it runs. A row still
    ``sending`` whose claimer's heartbeat is older than ``lease`` (or gone) belongs to a
    process that stopped between claiming and reporting, so it goes back to the queue; a
    claim older than ``longest`` goes back whatever the heartbeat says (a stuck send).
    Leases older than ``longest`` are dropped, never ``worker``'s own and never one that
    another transaction holds (its process is alive, renewing it): two processes ticking
    at once each hold their own lease, and dropping each other's deadlocked on PostgreSQL.
    """
    alive = select(WorkerLease.worker).where(col(WorkerLease.seen_at) > now - lease)
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.status) == SENDING,
               (col(Outbox.claimed_by).not_in(alive))
               | (col(Outbox.claimed_at) <= now - longest))
        .values(status=PENDING, claimed_by=None)
    )
    stale = (select(WorkerLease.worker)
             .where(col(WorkerLease.seen_at) <= now - longest, WorkerLease.worker != worker)
             .with_for_update(skip_locked=True))
    session.exec(delete(WorkerLease).where(col(WorkerLease.worker).in_(stale)))
    return result.rowcount or 0


def count_by_status(session: Session) -> dict[str, int]:
    """How many messages are in each status (for logs and tests)."""
    rows = session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
    return dict(rows)
