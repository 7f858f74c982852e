"""SIGKILL during a 钉钉 broadcast: nothing lost, and a second copy exactly where 钉钉 had
the message before the outbox knew.

A worker process runs the reminder tick with the real 钉钉 adapter (``DingTalkService``:
token, rate limit, cards and batchSend over real HTTP) against the fake 钉钉, which runs in
this process and keeps what each person received. The worker is told to kill itself
(SIGKILL) at its Nth fault point, N drawn from a seeded generator, and started again until
the outbox is empty. Fault points are counted by progress, never by time, as in
tests/e2e/test_faults.py: before every OpenAPI call (钉钉 does not have the message), right
after it answered (钉钉 has it, the outbox does not know), and at every COMMIT (among them
the one that marks the row sent). The parent waits for the worker to end, nothing else.

Why not zero: 钉钉, like Telegram, has no idempotency key for robot messages and cards
(batchSend answers with a ``processQueryKey`` only after it delivered; a fresh
``outTrackId`` is a fresh card), so after a kill between 钉钉's answer and the commit the
restarted bot cannot know the message arrived; it sends it again rather than lose it
(docs/decisions.md). Telegram's fault test has the same window; it reports 0 because its
kills are drawn among many more fault points (every statement of every step), so few land
there. Here each kill is logged with the number of people 钉钉 had reached and the outbox
had not yet recorded, and the copies are asserted to be exactly that many.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.app import build_core
from bot.config import load
from bot.dingtalk.adapter import DingTalkService
from scheduler.clock import ManualClock
from scheduler.runner import LEASE, Delivery
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
POINTS_AHEAD = 14  # a kill lands within the first N fault points of a worker


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


class Faults:
    """Counts fault points; at the chosen one, logs what 钉钉 has that the outbox does not
    know yet (people reached, rows not yet recorded) and dies by SIGKILL."""

    def __init__(self, kill_at: int | None, log: Path) -> None:
        self.kill_at = kill_at
        self.log = log
        self.passed = 0
        self.unrecorded = 0  # people 钉钉 reached whose outbox row is not yet marked sent

    def __call__(self, where: str) -> None:
        self.passed += 1
        if self.passed != self.kill_at:
            return
        with self.log.open("a") as log:
            log.write(f"{where} {self.unrecorded}\n")
            log.flush()
            os.fsync(log.fileno())
        os.kill(os.getpid(), signal.SIGKILL)


def reached(path: str, body: dict[str, Any], answer: dict[str, Any]) -> int:
    """How many people a successful OpenAPI call delivered to."""
    if path.endswith("/batchSend"):
        missed = {*answer.get("invalidStaffIdList", ()),
                  *answer.get("flowControlledStaffIdList", ())}
        return len([u for u in body["userIds"] if u not in missed])
    return 1 if path.endswith(("/createAndDeliver", "/send")) else 0


def worker(url: str, fake_url: str, secret: str, folder: str, kill_at: int | None) -> None:
    """Tick until nothing is due, dying at fault point ``kill_at``; then write ``done``."""
    config = load(str(EXAMPLE_CONFIG)).config
    clock = ManualClock(NUDGE_TIME)
    core = build_core(config, database_url=url, clock=clock)
    fake = FakeDingTalk()  # only for its settings: the real one runs in the test process
    spec = spec_for(fake).model_copy(update={"openapi_endpoint": fake_url,
                                             "oapi_endpoint": fake_url})
    service = DingTalkService(core, spec, secret)
    service.bridge.throttle_waits = ()
    runner = service.runner()
    fault = Faults(kill_at, Path(folder) / "kills.log")
    event.listen(core.db.engine, "commit", lambda *_: fault("commit"))
    call, record = service.api._openapi, runner._record

    async def openapi(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        fault("before the call")
        answer = await call(method, path, body)
        fault.unrecorded += reached(path, body, answer)
        fault("after the call")
        return answer

    async def recorded(item: Any, result: Delivery, error: str) -> int:
        counted = await record(item, result, error)
        fault.unrecorded -= result is Delivery.SENT
        return counted

    service.api._openapi = openapi  # type: ignore[method-assign]
    runner._record = recorded  # type: ignore[method-assign]

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
    (Path(folder) / "done").write_text(repr(left))


def test_kills_during_a_dingtalk_broadcast(sqlite_url: str, tmp_path: Path) -> None:
    fake = FakeDingTalk().start()
    try:
        for index in range(TEACHERS):
            fake.directory[staff(index).user_id] = staff(index)
        prepare(sqlite_url)
        context = multiprocessing.get_context("fork")
        rng = random.Random(11)
        landed = 0
        while not (tmp_path / "done").exists():
            kill_at = rng.randint(1, POINTS_AHEAD) if landed < KILLS else None
            process = context.Process(target=worker, args=(
                sqlite_url, fake.url, fake.client_secret, str(tmp_path), kill_at))
            process.start()
            process.join()  # the worker ends by itself: killed at its point, or done
            if process.exitcode == -signal.SIGKILL:
                landed += 1
                continue
            assert process.exitcode == 0, process.exitcode
        kills = [line.split() for line in (tmp_path / "kills.log").read_text().splitlines()]
        window = [int(line[-1]) for line in kills]
        received = Counter(sent.to for sent in fake.sent if sent.to.startswith("u5"))
        # Every teacher got the nudge: nothing lost.
        assert set(received) == {staff(i).user_id for i in range(TEACHERS)}
        twice = sum(count - 1 for count in received.values())
        # A second copy exactly for the people 钉钉 had reached when a kill fell before the
        # commit that marks their row sent; none for any other kill.
        assert twice == sum(window)
        assert len(kills) == landed == KILLS
        print(f"\ndingtalk kills: {landed} landed ({sum(1 for n in window if n)} between "  # noqa: T201
              f"钉钉's answer and the commit), {len(fake.sent)} sent, {twice} twice")
    finally:
        fake.stop()
