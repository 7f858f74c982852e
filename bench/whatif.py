"""Candidate code changes, applied inside the bench process only, to measure what they buy.

Nothing here changes the project: each context manager swaps one function for the
suggested version while it is active (the index one adds an index to the bench's own
database). docs/benchmarks.md reports the figures with and without them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import Session

from storage import Database

# The suggested covering index: monthly_totals then never reads the wide record rows
# (the JSON answers sit before chars/occurred_on/deleted_at in every row).
COVERING_INDEX = ("CREATE INDEX IF NOT EXISTS ix_record_totals ON record "
                  "(teacher_id, semester_id, kind, occurred_on, chars, deleted_at)")


@contextlib.contextmanager
def cached_school_days() -> Iterator[None]:
    """SchoolCalendar.school_days memoised per calendar and (start, end).

    Suggested change (scheduler/calendar.py): the calendar is immutable, so the count of
    school days between two dates never changes; measure() asks for the same few periods
    for every teacher and every quota.
    """
    from scheduler.calendar import SchoolCalendar

    original = SchoolCalendar.school_days
    cache: dict[tuple[int, date, date], int] = {}

    def school_days(self: SchoolCalendar, start: date, end: date) -> int:
        key = (id(self), start, end)
        found = cache.get(key)
        if found is None:
            found = cache[key] = original(self, start, end)
        return found

    SchoolCalendar.school_days = school_days  # type: ignore[method-assign]
    try:
        yield
    finally:
        SchoolCalendar.school_days = original  # type: ignore[method-assign]


@contextlib.contextmanager
def single_statement_claim() -> Iterator[None]:
    """claim_update as one INSERT … ON CONFLICT DO NOTHING instead of get + SAVEPOINT + flush.

    Suggested change (storage/repos/updates.py): one statement, no ORM unit of work; the
    key and the update's effects still commit together.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from storage.repos import updates
    from storage.tables import ProcessedUpdate

    original = updates.claim_update
    table = ProcessedUpdate.__table__

    def claim_update(session: Session, *, key: str, now: datetime) -> bool:
        dialect = session.get_bind().dialect.name
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        statement = insert(table).values(key=key, at=now).on_conflict_do_nothing(
            index_elements=["key"])
        return session.execute(statement).rowcount == 1

    updates.claim_update = claim_update  # type: ignore[assignment]
    try:
        yield
    finally:
        updates.claim_update = original  # type: ignore[assignment]


@contextlib.contextmanager
def pipelined_delivery(in_flight: int = 4) -> Iterator[None]:
    """Runner.tick with up to ``in_flight`` messages under way at once.

    Suggested change (scheduler/runner.py): while one message waits for the rate limiter,
    the next ones are claimed and rendered (the limiter still spaces the sends). A real
    version should keep messages to one chat in order (nudges are one per chat).
    """
    from scheduler import runner
    from storage import DatabaseUnavailable
    from storage.repos import outbox

    original = runner.Runner.tick

    async def tick(self: runner.Runner) -> runner.TickReport:
        gate = asyncio.Semaphore(in_flight)

        async def one(item: outbox.OutboxItem) -> int:
            async with gate:
                return await self._send(item)

        try:
            expired = await self.db.run(self._plan)
            claimed = sent = 0
            while True:
                now = self.clock.now()
                batch = await self.db.run(lambda s, now=now: outbox.claim(
                    s, now=now, worker=self.worker, limit=runner.CLAIM_BATCH))
                if not batch:
                    break
                claimed += len(batch)
                sent += sum(await asyncio.gather(*(one(item) for item in batch)))
        except DatabaseUnavailable:
            return runner.TickReport(0, 0, 0)
        return runner.TickReport(claimed, sent, expired)

    runner.Runner.tick = tick  # type: ignore[method-assign]
    try:
        yield
    finally:
        runner.Runner.tick = original  # type: ignore[method-assign]


def add_covering_index(db: Database) -> None:
    """Create the suggested index in the bench database (and refresh planner statistics)."""

    def run(session: Session) -> None:
        session.execute(text(COVERING_INDEX))
        if not db.is_sqlite:
            session.execute(text("ANALYZE record"))

    db.call(run)
    if not db.is_sqlite:
        # An index-only scan needs the visibility map: VACUUM (autovacuum does it in time).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM record"))


def all_code_changes() -> contextlib.ExitStack:
    """Every Python-side candidate at once (the index is separate: it is a migration)."""
    stack = contextlib.ExitStack()
    for change in (cached_school_days, single_statement_claim):
        stack.enter_context(change())
    return stack


NAMES = {
    "cached_school_days": "memoise SchoolCalendar.school_days",
    "single_statement_claim": "claim_update as INSERT … ON CONFLICT DO NOTHING",
    "covering_index": "covering index ix_record_totals",
    "pipelined_delivery": "Runner.tick with 4 messages under way",
}
