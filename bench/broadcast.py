"""Part 3: private nudges through the outbox, the Runner tick and FloodLimiter.

The bot's real path: ``reports.plan_nudges`` queues one outbox row of kind "nudge" per bound
teacher, ``Runner.tick`` (``bot.app.build_runner``) claims and renders them, and
``TelegramBridge.send_due`` sends each with ``application.bot`` (PTB with the FloodLimiter
of ``build_application``: evenly spaced overall, one proactive message a second per private
chat) to a fake Bot API that enforces Telegram's flood limits: at most 30 messages in any
1-second window, 1 per second per private chat; beyond that it answers 429 with
``retry_after``.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from bench import populate
from bench.common import ZONE, StageTimer
from bench.transport import TOKEN, FloodLimitedBotAPI
from bot.app import build_core, build_runner
from bot.config import TelegramSpec
from bot.tg.adapter import TelegramBridge, build_application
from handlers.features import reports
from scheduler.clock import ManualClock
from storage.repos import outbox, school
from storage.tables import Outbox

# Wednesday (the default nudge day) after 16:30, outside quiet hours.
NUDGE_TIME = datetime(2026, 12, 2, 16, 31, tzinfo=ZONE)
FIRST_USER = 200_000
CEILING = 30.0


@dataclass
class BroadcastResult:
    """What one broadcast did."""

    label: str
    teachers: int
    planned: int = 0
    plan_seconds: float = 0.0
    tick_seconds: float = 0.0
    claimed: int = 0
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    sustained: float = 0.0
    first_to_last: float = 0.0
    busiest_window: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    refused_at: list[float] = field(default_factory=list)
    others_cancelled: int = 0
    cpu_per_message: float = 0.0  # CPU seconds of this process per message in the tick
    # mean milliseconds per message in each stage of the tick
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Sustained rate as a share of Telegram's 30 messages/s."""
        return self.sustained / CEILING


def _busiest(times: list[float], window: float = 1.0) -> int:
    best = start = 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def build(url: str, settings: Any, teachers: int) -> Any:
    """A Core at nudge time with ``teachers`` bound teachers, most behind pace."""
    core = build_core(settings, database_url=url, clock=ManualClock(NUDGE_TIME))

    def fill(session: Session) -> None:
        group_ids = school.group_ids(session, school_id=core.school_id)
        people = populate.add_teachers(session, school_id=core.school_id, group_ids=group_ids,
                                       count=teachers, first_account=FIRST_USER,
                                       staff_prefix="N")
        semester = school.current_semester(session, school_id=core.school_id,
                                           today=NUDGE_TIME.date())
        assert semester is not None
        populate.add_records(session, settings, people=people, semester_id=semester.id,
                             until=NUDGE_TIME.date(), pace=(0.3, 0.9))
        populate.add_sessions(session, settings, school_id=core.school_id, people=people,
                              now=NUDGE_TIME)

    core.db.call(fill)
    return core


async def run(label: str, url: str, settings: Any, *, teachers: int) -> BroadcastResult:
    """Plan and send one week's nudges through the shipped limiter."""
    core = build(url, settings, teachers)
    result = BroadcastResult(label, teachers)
    try:
        started = time.perf_counter()
        core.db.call(lambda s: reports.plan_nudges(s, NUDGE_TIME, settings=settings,
                                                   school_id=core.school_id))
        result.plan_seconds = time.perf_counter() - started
        result.planned = core.db.call(lambda s: s.exec(
            select(func.count()).select_from(Outbox).where(col(Outbox.kind) == "nudge")).one())
        # Other messages the planners queued for the same moment (e.g. the 教研结束 minutes
        # prompt to a leader, who then gets two messages within a second: a per-chat 429)
        # would blur the figure: they are cancelled, and counted.
        result.others_cancelled = core.db.call(lambda s: s.execute(
            update(Outbox).where(col(Outbox.kind) != "nudge", col(Outbox.status) == "pending",
                                 col(Outbox.due_at) <= NUDGE_TIME)
            .values(status="cancelled")).rowcount)
        api = FloodLimitedBotAPI()
        app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api)
        targets = [(core, "render", "render (Core.render)", True),
                   (TelegramBridge, "send_due", "send (limiter wait + PTB + transport)", True),
                   (api, "do_request", "transport", True),
                   (outbox, "finish", "outbox.finish (in the worker)", False),
                   (outbox, "claim", "outbox.claim (per batch)", False)]
        async with app:
            with StageTimer(targets) as timers:
                bridge = TelegramBridge(core)
                runner = build_runner(core, functools.partial(bridge.send_due, app.bot))
                runner.planners = []  # planned above (timed apart); the tick only delivers
                started, started_cpu = time.perf_counter(), time.process_time()
                report = await runner.tick()
                result.tick_seconds = time.perf_counter() - started
                cpu = time.process_time() - started_cpu
        count = max(1, report.claimed)
        result.stages = {label: seconds * 1000 / count for label, seconds in timers.total.items()}
        result.stages["whole tick per message"] = result.tick_seconds * 1000 / count
        result.cpu_per_message = cpu / count
        result.claimed, result.sent = report.claimed, report.sent
        accepted = list(api.accepted)
        result.accepted, result.refused = len(accepted), api.refused
        if len(accepted) > 1:
            result.first_to_last = accepted[-1] - accepted[0]
            result.sustained = (len(accepted) - 1) / result.first_to_last
            result.busiest_window = _busiest(accepted)
            result.refused_at = [t - accepted[0] for t in api.refused_at]
        result.statuses = core.db.call(lambda s: dict(s.exec(
            select(Outbox.status, func.count()).group_by(Outbox.status)).all()))
    finally:
        core.db.close()
    return result
