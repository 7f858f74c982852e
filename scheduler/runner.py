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
from storage.repos import outbox
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)

TICK_ID = "yanxiu-tick"
CLAIM_BATCH = 200
LEASE = timedelta(minutes=10)

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
# When nothing may be sent now (quiet hours): the moment to try again, else None.
Hold = Callable[[datetime], datetime | None]


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    claimed: int
    sent: int
    expired: int


class Runner:
    """Plans and delivers on every tick; ``start`` puts the tick on APScheduler."""

    def __init__(self, *, db: Database, clock: Clock, planners: Sequence[Planner],
                 deliver: Deliver, hold: Hold | None = None,
                 interval: timedelta = timedelta(seconds=30)) -> None:
        """Use ``planners`` to fill the outbox and ``deliver`` to send what is due."""
        self.hold = hold
        self.db = db
        self.clock = clock
        self.planners = list(planners)
        self.deliver = deliver
        self.interval = interval
        self.worker = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._scheduler: AsyncIOScheduler | None = None

    def _plan(self, session: Session) -> int:
        now = self.clock.now()
        for planner in self.planners:
            planner(session, now)
        outbox.recover_stale(session, now=now, lease=LEASE)
        return outbox.expire_due(session, now=now)

    async def tick(self) -> TickReport:
        """Plan, then deliver everything due, a batch at a time."""
        try:
            expired = await self.db.run(self._plan)
            claimed = sent = 0
            while True:
                now = self.clock.now()
                batch = await self.db.run(lambda s, now=now: outbox.claim(
                    s, now=now, worker=self.worker, limit=CLAIM_BATCH))
                if not batch:
                    break
                claimed += len(batch)
                for item in batch:
                    sent += await self._send(item)
        except DatabaseUnavailable:
            logger.warning("database unavailable during a tick; will try again next tick")
            return TickReport(0, 0, 0)
        return TickReport(claimed, sent, expired)

    async def _send(self, item: OutboxItem) -> int:
        wake = self.hold(self.clock.now()) if self.hold is not None else None
        if wake is not None:
            await self.db.run(lambda s: outbox.release(s, item_id=item.id, retry_at=wake,
                                                       error="quiet hours"))
            return 0
        try:
            result = await self.deliver(item)
        except Exception:
            logger.exception("delivering outbox item %s failed", item.key)
            result = Delivery.FAILED
        now = self.clock.now()
        if result is Delivery.RETRY:
            await self.db.run(lambda s: outbox.release(
                s, item_id=item.id, retry_at=now + timedelta(minutes=1), error="retry"))
            return 0
        await self.db.run(lambda s: outbox.finish(s, item_id=item.id, status=result.value,
                                                  now=now))
        return 1 if result is Delivery.SENT else 0

    def start(self) -> None:
        """Tick every ``interval`` on the running event loop (and once right away)."""
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(self.tick, "interval", seconds=self.interval.total_seconds(),
                          id=TICK_ID, replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=int(self.interval.total_seconds() * 10),
                          next_run_time=datetime.now(UTC))
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        """Stop ticking (a tick under way finishes on its own)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
