"""SIGKILL during a 钉钉 broadcast: nothing lost, nothing sent twice beyond what a kill allows.

A worker process runs the reminder tick with the real 钉钉 adapter (``DingTalkBridge
.send_due``: token, rate limit, batchSend over real HTTP) against the fake 钉钉, which runs
in this process and keeps what each person received. The worker is killed at random
moments during the weekly nudges to 60 teachers and started again until the outbox is
empty. As on Telegram (tests/e2e/test_faults.py, docs/decisions.md), a message can only
arrive twice when a kill falls between 钉钉 accepting it and the commit that marks it sent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import build_core
from bot.config import load
from bot.dingtalk.adapter import DingTalkService
from scheduler.clock import ManualClock
from scheduler.runner import LEASE
from storage.repos import outbox, people, school
from tests.conftest import EXAMPLE_CONFIG, ZONE
from tests.dingtalk_harness import Line, spec_for
from tests.fake_dingtalk import FakeDingTalk, Staff

NUDGE_TIME = datetime(2026, 12, 2, 16, 31, tzinfo=ZONE)  # Wednesday, the nudge day
# The school began with the bot, and the teachers bound, weeks before: a nudge needs
# someone behind, and nobody is nudged in their first week.
JOINED = NUDGE_TIME - timedelta(days=60)
TEACHERS = 60
KILLS = 12
DEADLINE = 600.0  # a generous bound: the kills are placed by progress, not by time


def staff(index: int) -> Staff:
    return Staff(f"u{5000 + index}", f"老师{index:02d}", "", str(5000 + index))


def prepare(url: str) -> None:
    config = load(str(EXAMPLE_CONFIG)).config
    core = build_core(config, database_url=url, clock=ManualClock(NUDGE_TIME))
    groups = [group.name for group in config.groups]
    lines = [Line(staff(i).name, (groups[i % len(groups)],), "teacher", "语文",
                   staff(i).job_number) for i in range(TEACHERS)]

    def setup(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        people.import_roster(session, school_id=core.school_id, lines=lines, group_ids=ids,
                             now=JOINED)
        for index in range(TEACHERS):
            person = staff(index)
            people.bind_from_directory(session, school_id=core.school_id,
                                       account=f"dt:{person.user_id}",
                                       job_number=person.job_number, mobile="",
                                       name=person.name, now=JOINED)

    core.db.call(setup)
    core.db.close()


def worker(url: str, fake_url: str, secret: str, done: str) -> None:
    """Tick until nothing is due; then write ``done``."""
    config = load(str(EXAMPLE_CONFIG)).config
    clock = ManualClock(NUDGE_TIME)
    core = build_core(config, database_url=url, clock=clock)
    fake = FakeDingTalk()  # only for its settings: the real one runs in the test process
    spec = spec_for(fake).model_copy(update={"openapi_endpoint": fake_url,
                                             "oapi_endpoint": fake_url})
    service = DingTalkService(core, spec, secret)
    service.bridge.throttle_waits = (0.05, 0.1)
    runner = service.runner()

    async def run() -> None:
        while True:
            report = await runner.tick()
            if report.claimed:
                continue
            statuses = core.db.call(lambda s: outbox.count_by_status(s))
            if not statuses.get(outbox.SENDING):
                break
            # A killed worker's claims: taken back once their lease has passed.
            clock.advance(LEASE + timedelta(minutes=1))
        await service.api.close()

    asyncio.run(run())
    left = core.db.call(lambda s: outbox.count_by_status(s))
    core.db.close()
    Path(done).write_text(repr(left))


def test_kills_during_a_dingtalk_broadcast(sqlite_url: str, tmp_path: Path) -> None:
    fake = FakeDingTalk().start()
    try:
        for index in range(TEACHERS):
            fake.directory[staff(index).user_id] = staff(index)
        prepare(sqlite_url)
        context = multiprocessing.get_context("fork")
        rng = random.Random(11)
        done = tmp_path / "done"
        landed = 0
        deadline = time.monotonic() + DEADLINE
        while not done.exists():
            assert time.monotonic() < deadline, "the broadcast did not finish in time"
            process = context.Process(target=worker, args=(sqlite_url, fake.url,
                                                           fake.client_secret, str(done)))
            process.start()
            if landed < KILLS:
                # Kill once some nudges went out since the last start (progress, not time).
                enough = len(fake.sent) + rng.randint(1, 4)
                fake_wait(fake, lambda n=enough, p=process: len(fake.sent) >= n
                          or not p.is_alive())
                if sigkill(process):
                    landed += 1
                    continue
            process.join(120)
            assert process.exitcode == 0
        received = Counter(sent.to for sent in fake.sent if sent.to.startswith("u5"))
        # Every teacher got the nudge; a second copy only where a kill landed in between.
        assert set(received) == {staff(i).user_id for i in range(TEACHERS)}
        twice = sum(count - 1 for count in received.values())
        assert twice <= landed
        assert landed >= KILLS // 2
        print(f"\ndingtalk kills: {landed} landed, {len(fake.sent)} sent, "  # noqa: T201
              f"{twice} twice")
    finally:
        fake.stop()


def sigkill(process: multiprocessing.process.BaseProcess) -> bool:
    """SIGKILL ``process`` if it still runs; whether it did."""
    if not process.is_alive():
        return False
    process.kill()  # SIGKILL
    process.join()
    return True


def fake_wait(fake: FakeDingTalk, predicate) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``predicate``: woken by every message the fake receives, and re-checked
    now and then for a worker that ended (its end wakes nothing)."""
    deadline = time.monotonic() + 60
    with fake._cond:
        while not predicate():
            assert time.monotonic() < deadline, "no progress in the broadcast"
            fake._cond.wait(0.2)
