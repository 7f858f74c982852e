"""Part 2b: the district as one deployment (issue 17): 50 ``[[schools]]``, one process.

On the database part 2 built (50 schools named 区第N小学, 60 teachers each), a config with
one ``[[schools]]`` entry per school is loaded and the deployment is built as ``yanxiu
run`` builds it (``bot.app.build_core``: a Core per school behind the router). Timed, each
through the router as an update or outbox message: start-up, a teacher's /progress in one
school, the 学区管理员's /progress (every school measured live, side by side) and their
weekly digest (each school's kept snapshot); and the planning of a scheduler tick: every
school's planners (each over its own rows) in one transaction, as ``Runner.tick`` runs them.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from sqlmodel import Session, col, select

from bench.common import median
from bot.app import build_core
from bot.config import Config
from handlers.district.router import DISTRICT_DIGEST, District
from handlers.types import Incoming, private_chat
from scheduler.clock import ManualClock
from scheduler.runner import Planner
from storage.repos.outbox import OutboxItem
from storage.tables import Teacher

_keys = itertools.count(1)


@dataclass
class DeploymentResult:
    """Seconds of each workload through the router."""

    schools: int
    start: float = 0.0
    teacher_progress: list[float] = field(default_factory=list)
    district_progress: list[float] = field(default_factory=list)
    district_digest: list[float] = field(default_factory=list)
    # the first pass also generates every school's sessions of the semester
    planning: list[float] = field(default_factory=list)


def district_config(single: Config, names: list[str]) -> Config:
    """The demo school's settings as the defaults, one ``[[schools]]`` entry per name."""
    raw: dict[str, Any] = single.model_dump(
        mode="json", exclude={"school", "groups", "schools", "forms", "form_patches"},
        exclude_none=True)
    raw["schools"] = [{"name": name, "central": index == 0,
                       "groups": [group.model_dump(mode="json", exclude_none=True)
                                  for group in single.groups]}
                      for index, name in enumerate(names)]
    return Config.model_validate(raw)


def _bind(district: District, school_id: int, role: str, account: str) -> None:
    def apply(session: Session) -> None:
        teacher = session.exec(select(Teacher).where(
            Teacher.school_id == school_id, Teacher.role == role,
            col(Teacher.account).is_(None)).order_by(col(Teacher.id))).first()
        assert teacher is not None, (school_id, role)
        teacher.account, teacher.role = account, role
        session.add(teacher)

    district.db.call(apply)


def _make_admin(district: District, account: str) -> None:
    def apply(session: Session) -> None:
        teacher = session.exec(select(Teacher).where(
            Teacher.school_id == district.school_id, Teacher.role == "teacher",
            col(Teacher.account).is_(None)).order_by(col(Teacher.id))).first()
        assert teacher is not None
        teacher.account, teacher.role = account, "admin"
        session.add(teacher)

    district.db.call(apply)


async def _ask(district: District, account: str, text: str) -> float:
    started = perf_counter()
    replies = await district.handle(Incoming(
        account=account, chat=private_chat(account), text=text,
        update_key=f"bench:{next(_keys)}"))
    assert replies, text
    return perf_counter() - started


def _plan(district: District, planners: list[Planner]) -> float:
    """One planning pass of a tick: every school's planners, in one transaction."""
    now = district.clock.now()

    def run(session: Session) -> None:
        for planner in planners:
            planner(session, now)

    started = perf_counter()
    district.db.call(run)
    return perf_counter() - started


async def _digest(district: District, account: str, day: str) -> float:
    item = OutboxItem(id=0, key=f"bench-digest:{next(_keys)}", kind=DISTRICT_DIGEST,
                      chat=account, payload={"day": day}, due_at=district.clock.now(),
                      attempts=0)
    started = perf_counter()
    [reply] = await district.render(item)
    assert "区第1小学" in reply.text
    return perf_counter() - started


def measure(url: str, single: Config, names: list[str], *, runs: int = 3,
            now: Any) -> DeploymentResult:
    """Build the deployment on ``url`` (already filled by part 2) and time it."""
    config = district_config(single, names)
    result = DeploymentResult(len(names))
    started = perf_counter()
    district = build_core(config, database_url=url, clock=ManualClock(now))
    result.start = perf_counter() - started
    assert isinstance(district, District)
    try:
        middle = district.cores[len(district.cores) // 2]
        _bind(district, middle.school_id, "leader", "bench:leader")
        _make_admin(district, "bench:chief")

        async def run() -> None:
            for _ in range(runs):
                result.teacher_progress.append(
                    await _ask(district, "bench:leader", "/progress"))
                result.district_progress.append(
                    await _ask(district, "bench:chief", "/progress"))
                result.district_digest.append(
                    await _digest(district, "bench:chief", now.date().isoformat()))

        asyncio.run(run())
        # Kept across passes as the Runner keeps them (the session planner remembers
        # what it generated and planned).
        planners = district.planners()
        result.planning = [_plan(district, planners) for _ in range(runs + 1)]
    finally:
        district.db.close()
    return result


def summary(result: DeploymentResult) -> dict[str, float]:
    """Medians (seconds)."""
    return {"start": result.start,
            "teacher_progress": median(result.teacher_progress),
            "district_progress": median(result.district_progress),
            "district_digest": median(result.district_digest),
            "district_digest_first": result.district_digest[0],
            "planning_first": result.planning[0],
            "planning": median(result.planning[1:])}
