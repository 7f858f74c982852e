"""The tick: plan what is due into the outbox, then claim and deliver it.

APScheduler only provides the heartbeat (one interval job, coalesced, never overlapping);
the truth is the database. A tick is safe to run after a restart, after missed ticks, and
in several processes at once: planning is idempotent by key and claiming is exclusive.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session

from scheduler.clock import Clock
from storage import Database, DatabaseUnavailable
from storage.repos import outbox, updates
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)

TICK_ID = "yanxiu-tick"
HEARTBEAT_ID = "yanxiu-heartbeat"
CLAIM_BATCH = 200
# A process renews its lease every HEARTBEAT; its claims go back to the queue when the
# lease is older than LEASE (it died), or when a claim is older than LONGEST (a stuck send).
HEARTBEAT = timedelta(seconds=15)
LEASE = timedelta(minutes=1)
LONGEST = timedelta(minutes=10)
# A send that failed (network, a 5xx) is tried again after 1, 2, 4 … minutes, this often.
ATTEMPTS = 6

# A planner writes what is due up to ``now`` into the outbox (idempotently, by key).
Planner = Callable[[Session, datetime], None]


class Delivery(StrEnum):
    """How sending one outbox message went."""

    SENT = outbox.SENT
    SKIPPED = outbox.SKIPPED
    UNREACHABLE = outbox.UNREACHABLE
    FAILED = outbox.FAILED
    RETRY = "retry"


Deliver = Callable[[OutboxItem], Awaitable[Delivery]]
# When an outbox item may not be sent now (its quiet hours): the moment to try it again,
# else None. Awaited before the item is rendered.
Hold = Callable[[OutboxItem, datetime], Awaitable[datetime | None]]
# Called in the transaction that records a message as undeliverable for good (tell people).
GiveUp = Callable[[Session, OutboxItem, str], None]
# Optional, for a platform that sends one message to many people in one call: delivers the
# claimed items through ``one`` (the usual way, one at a time) or in batches, awaiting
# ``record`` for each batched item as soon as its fate is known.
SendOne = Callable[[OutboxItem], Awaitable[int]]
Record = Callable[[OutboxItem, Delivery, str], Awaitable[int]]
DeliverMany = Callable[[Sequence[OutboxItem], SendOne, Record], Awaitable[None]]


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    claimed: int
    sent: int
    expired: int


def _failed(item: OutboxItem) -> Delivery:
    """A send that raised: tried again later, unless it has been tried often enough."""
    return Delivery.RETRY if item.attempts < ATTEMPTS else Delivery.FAILED


class Runner:
    """Plans and delivers on every tick; ``start`` puts the tick on APScheduler."""

    def __init__(self, *, db: Database, clock: Clock, planners: Sequence[Planner],
                 deliver: Deliver, hold: Hold | None = None, give_up: GiveUp | None = None,
                 interval: timedelta = timedelta(seconds=30),
                 deliver_many: DeliverMany | None = None) -> None:
        """Use ``planners`` to fill the outbox and ``deliver`` to send what is due."""
        self.deliver_many = deliver_many
        self.hold = hold
        self.give_up = give_up
        self.db = db
        self.clock = clock
        self.planners = list(planners)
        self.deliver = deliver
        self.interval = interval
        self.worker = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._scheduler: AsyncIOScheduler | None = None

    def _plan(self, session: Session) -> int:
        now = self.clock.now()
        outbox.heartbeat(session, worker=self.worker, now=now)
        for planner in self.planners:
            planner(session, now)
        outbox.recover_stale(session, worker=self.worker, now=now, lease=LEASE,
                             longest=LONGEST)
        updates.forget_updates(session, before=now - updates.DEDUP_WINDOW)
        return outbox.expire_due(session, now=now)

    async def tick(self) -> TickReport:
        """Plan, then deliver everything due, a batch at a time."""
        try:
            expired = await self.db.run(self._plan)
            claimed, sent = await self._deliver_due()
        except DatabaseUnavailable:
            logger.warning("database unavailable during a tick; will try again next tick")
            return TickReport(0, 0, 0)
        return TickReport(claimed, sent, expired)

    async def flush(self, chat_prefix: str | None = None) -> int:
        """Deliver the messages updates just queued for others, without waiting for a tick
        (adapters call this after each update, for the chats of their platform:
        ``chat_prefix``; the tick delivers the rest); returns how many were sent."""
        try:
            await self.db.run(lambda s: outbox.heartbeat(s, worker=self.worker,
                                                         now=self.clock.now()))
            return (await self._deliver_due(kind=outbox.RELAY, chat_prefix=chat_prefix))[1]
        except DatabaseUnavailable:
            logger.warning("database unavailable while delivering; the tick will retry")
            return 0

    async def _deliver_due(self, kind: str | None = None,
                           chat_prefix: str | None = None) -> tuple[int, int]:
        claimed = sent = 0
        while True:
            now = self.clock.now()
            batch = await self.db.run(lambda s, now=now: outbox.claim(
                s, now=now, worker=self.worker, limit=CLAIM_BATCH, kind=kind,
                chat_prefix=chat_prefix))
            if not batch:
                return claimed, sent
            claimed += len(batch)
            if self.deliver_many is not None and kind is None:
                sent += await self._send_many(batch)
                continue
            for item in batch:
                sent += await self._send(item)

    async def _held(self, item: OutboxItem) -> bool:
        """Whether quiet hours hold ``item`` back (then it is released until they end)."""
        if self.hold is None or item.kind == outbox.RELAY:
            return False
        wake = await self.hold(item, self.clock.now())
        if wake is not None:
            await self.db.run(lambda s: outbox.release(s, item_id=item.id, retry_at=wake,
                                                       error="quiet hours"))
        return wake is not None

    async def _send(self, item: OutboxItem) -> int:
        if await self._held(item):
            return 0
        try:
            result = await self.deliver(item)
        except Exception as exc:
            logger.exception("delivering outbox item %s failed", item.key)
            return await self._record(item, _failed(item), f"{type(exc).__name__}: {exc}")
        return await self._record(item, result, "" if result is not Delivery.RETRY else "retry")

    async def _send_many(self, batch: Sequence[OutboxItem]) -> int:
        ready = [item for item in batch if not await self._held(item)]
        done: set[int] = set()
        sent = 0

        async def one(item: OutboxItem) -> int:
            nonlocal sent
            done.add(item.id)
            counted = await self._send(item)
            sent += counted
            return counted

        async def record(item: OutboxItem, result: Delivery, error: str) -> int:
            nonlocal sent
            done.add(item.id)
            counted = await self._record(item, result, error)
            sent += counted
            return counted

        try:
            assert self.deliver_many is not None
            await self.deliver_many(ready, one, record)
        except Exception as exc:
            logger.exception("delivering %d outbox items failed", len(ready))
            for item in ready:  # possibly sent: tried again, as a failed single send is
                if item.id not in done:
                    await self._record(item, _failed(item), f"{type(exc).__name__}: {exc}")
        return sent

    async def _record(self, item: OutboxItem, result: Delivery, error: str) -> int:
        """Commit how sending ``item`` went; 1 when it was sent."""
        now = self.clock.now()
        if result is Delivery.RETRY:
            backoff = timedelta(minutes=2 ** min(item.attempts - 1, 5))
            await self.db.run(lambda s: outbox.release(
                s, item_id=item.id, retry_at=now + backoff, error=error))
            return 0

        def finish(session: Session) -> None:
            outbox.finish(session, item_id=item.id, status=result.value, now=now, error=error)
            if result in (Delivery.FAILED, Delivery.UNREACHABLE) and self.give_up is not None:
                self.give_up(session, item, result.value)

        await self.db.run(finish)
        return 1 if result is Delivery.SENT else 0

    async def heartbeat(self) -> None:
        """Renew this process's lease on its claims."""
        try:
            await self.db.run(lambda s: outbox.heartbeat(s, worker=self.worker,
                                                         now=self.clock.now()))
        except DatabaseUnavailable:
            logger.warning("database unavailable for the heartbeat")

    def start(self) -> None:
        """Tick every ``interval`` on the running event loop (and once right away)."""
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(self.tick, "interval", seconds=self.interval.total_seconds(),
                          id=TICK_ID, replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=int(self.interval.total_seconds() * 10),
                          next_run_time=datetime.now(UTC))
        scheduler.add_job(self.heartbeat, "interval", seconds=HEARTBEAT.total_seconds(),
                          id=HEARTBEAT_ID, replace_existing=True, coalesce=True,
                          max_instances=1)
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        """Stop ticking (a tick under way finishes on its own)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
