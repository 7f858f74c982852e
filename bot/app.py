"""The composition root: config in, a ready Core (database, school, clock) out."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot.config import Config
from handlers import charts
from handlers.dispatch import Core
from handlers.roster import RosterEntry, parse_roster
from handlers.types import Reply
from scheduler.clock import Clock
from scheduler.runner import Delivery, Runner
from storage import Database
from storage.repos import clock as kept_clock
from storage.repos import people, school
from storage.repos.outbox import OutboxItem


def build_core(config: Config, *, database_url: str, clock: Clock) -> Core:
    """Open the database, migrate it, and sync the school from config."""
    core = Core(db=Database(database_url), settings=config, clock=clock)
    core.prepare()
    return core


def warm_up(core: Core) -> threading.Thread:
    """Load in the background what the first chart would otherwise wait for (any platform)."""
    return charts.start_warm_up(core.settings.charts.font_path)


# Sends one rendered reply; False when its private chat cannot be reached.
SendReply = Callable[[Reply, OutboxItem], Awaitable[bool]]


class Postpone(Exception):
    """Raised by a ``SendReply`` when the platform asked to slow down: the outbox item is
    released and tried again later (nothing of it was delivered, or the adapter remembers
    which parts were)."""


def build_runner(core: Core, send: SendReply) -> Runner:
    """The tick that plans reminders into the outbox and sends them through ``send``."""

    async def deliver(item: OutboxItem) -> Delivery:
        replies = await core.render(item)
        if not replies:
            return Delivery.SKIPPED
        try:
            reached = [await send(reply, item) for reply in replies]
        except Postpone:
            return Delivery.RETRY
        return Delivery.SENT if all(reached) else Delivery.UNREACHABLE

    return Runner(db=core.db, clock=core.clock, planners=core.planners(), deliver=deliver,
                  hold=core.quiet_until, give_up=core.give_up)


def read_roster(core: Core, path: Path) -> list[RosterEntry]:
    """Parse and validate a roster file against the school's groups (raises RosterError)."""
    return parse_roster(path, known_groups=[group.name for group in core.settings.groups])


def import_roster(core: Core, entries: list[RosterEntry]) -> people.ImportSummary:
    """Apply a validated roster in one transaction."""

    def apply(session: Session) -> people.ImportSummary:
        ids = school.group_ids(session, school_id=core.school_id)
        return people.import_roster(session, school_id=core.school_id, lines=entries,
                                    group_ids=ids, now=core.clock.now())

    return core.db.call(apply)


def issue_codes(core: Core) -> list[people.CodeRow]:
    """Give every unbound teacher a binding code and list all of them."""
    return core.db.call(lambda session: people.issue_codes(session, school_id=core.school_id))


def sandbox_time(core: Core) -> datetime | None:
    """The sandbox's 'now' kept in the core's database; None: it is not a sandbox's."""
    return core.db.call(lambda session: kept_clock.kept_time(session,
                                                             school_id=core.school_id))


def keep_sandbox_time(core: Core, moment: datetime) -> None:
    """Keep ``moment`` as the sandbox's 'now' in the core's database."""
    core.db.call(lambda session: kept_clock.keep_time(session, school_id=core.school_id,
                                                      moment=moment))
