"""Replaying a scripted school day in worker processes that may be killed at any moment.

Used by the fault test (SIGKILL at chosen points) and the two-process test: a worker plays
teachers filling a 教学反思 and the scheduler ticking through a 教研 day, appending each
acknowledged step to ack.log and each delivered reminder to a sent log.

Kill points are chosen by progress, not by time: a worker told to die at fault point J of
its Kth step kills itself with SIGKILL there. Fault points are after every statement, just
before and just after each COMMIT, before and after a message is handed to Telegram, and
between an answer and its acknowledgement (a step's last point). However fast or slow the
machine is, the same script and the same seed kill at the same places.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select

from bot.app import build_core, build_runner
from handlers import similarity
from handlers.dispatch import Core
from handlers.types import Incoming, Reply, private_chat
from scheduler.calendar import SchoolCalendar
from scheduler.clock import ManualClock
from storage.db import normalise_url
from storage.repos import chats, drafts, meetings, people, school
from storage.repos.outbox import RELAY, OutboxItem
from storage.tables import Record, School, Teacher
from tests.conftest import DEMO_ROSTER, EXAMPLE_CONFIG, ZONE

TEACHERS = ("刘洋", "孙丽", "周静", "王芳")
ADMIN = "陈主任"
# 刘洋 asks for leave from Wednesday's session and 陈主任 approves: a request to the admin
# and a decision to the teacher, both messages to someone else (outbox relays).
LEAVE = (("刘洋", "@leave"), ("刘洋", "区里教研员来校听课，需要陪同"), ("刘洋", "@submit"),
         (ADMIN, "@approve"))
GROUP = "test:group:语文组"
ANSWERS = ("《秋天的雨》第{n}课时", "三年级{n}班", "昨天",
           "学生朗读很投入，小组合作读出了秋天的色彩，板书清晰呈现了课文结构。{n}", "完成",
           "拓展环节时间不够，个别学生没有机会发言，下次要压缩导入时间。{n}", "完成",
           "/skip", "如果再教一次，我会先让学生找出描写颜色的句子，再小组朗读比较。{n}", "完成",
           "@submit")
# A kill lands in one of the next KILL_STEPS_AHEAD + 1 steps after a restart: 1.5 steps of
# progress a kill on average, so 120 kills spread over most of the script's 200 steps.
KILL_STEPS_AHEAD = 3


def script() -> list[dict[str, Any]]:
    """Teachers' answers interleaved with scheduler ticks across Tuesday and Wednesday."""
    start = datetime(2026, 12, 1, 16, 0, tzinfo=ZONE)
    steps: list[dict[str, Any]] = []
    moment = start
    for index, name in enumerate(TEACHERS, start=1):
        steps.append({"id": f"u-{name}-open", "kind": "text", "who": name, "text": "/reflect",
                      "at": moment.isoformat()})
        for number, answer in enumerate(ANSWERS):
            steps.append({"id": f"u-{name}-{number}", "kind": "text", "who": name,
                          "text": answer.format(n=index), "at": moment.isoformat()})
    tick = start
    while tick <= datetime(2026, 12, 2, 17, 0, tzinfo=ZONE):
        steps.append({"id": f"t-{tick:%m%d%H%M}", "kind": "tick", "at": tick.isoformat()})
        if tick == start:  # the first tick planned the sessions: now leave can be asked
            steps += [{"id": f"l-{number}", "kind": "text", "who": who, "text": text,
                       "at": tick.isoformat()} for number, (who, text) in enumerate(LEAVE)]
        tick += timedelta(minutes=10)
    return steps


@dataclass(frozen=True)
class Kill:
    """Die at fault point ``point`` (1-based) of the ``step``th step this worker plays (0 =
    the first step not acknowledged); at the step's last point if it has fewer."""

    step: int
    point: int


class FaultPoints:
    """Counts the fault points of each step a worker plays; kills it at the chosen one."""

    def __init__(self, kill: Kill | None) -> None:
        """Kill at ``kill`` (never when None)."""
        self.kill = kill
        self.step = -1
        self.passed = 0
        self.profile: dict[str, int] = {}

    def begin(self) -> None:
        """A new step starts."""
        self.step += 1
        self.passed = 0

    def __call__(self, *_args: Any, last: bool = False) -> None:
        """One fault point: the process may die here, as a power cut or OOM kill would."""
        self.passed += 1
        if (self.kill is not None and self.step == self.kill.step
                and (self.passed == self.kill.point or last)):
            os.kill(os.getpid(), signal.SIGKILL)

    def install(self, core: Core) -> None:
        """Fault points inside every transaction: after each statement, around COMMIT."""
        engine = core.db.engine
        event.listen(engine, "after_execute", self)
        event.listen(engine, "commit", self)
        call = core.db.call

        def committed(fn: Any) -> Any:
            result = call(fn)
            self()
            return result

        core.db.call = committed  # type: ignore[method-assign]


def worker(url: str, folder: str, kill: Kill | None = None) -> None:
    """Run the script from the first unacknowledged step (in a forked child), killing itself
    at ``kill``. A run that is not killed writes each step's fault points to points.json."""
    from bot.config import load

    base = Path(folder)
    acked = set((base / "ack.log").read_text().split()) if (base / "ack.log").exists() else set()
    steps = json.loads((base / "script.json").read_text())
    config = load(str(EXAMPLE_CONFIG)).config
    clock = ManualClock(datetime.fromisoformat(steps[0]["at"]))
    core = build_core(config, database_url=url, clock=clock)
    fault = FaultPoints(kill)
    fault.install(core)
    sent = (base / "sent.log").open("a")
    ack = (base / "ack.log").open("a")

    def append(log: Any, line: str) -> None:
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())

    async def send(reply: Reply, item: OutboxItem) -> bool:
        fault()  # before Telegram has the message
        append(sent, f"{item.key}|{(reply.chat or private_chat(item.chat)).address}")
        fault()  # Telegram has it; the outbox does not know yet
        return True

    runner = build_runner(core, send)

    async def play() -> None:
        for step in steps:
            if step["id"] in acked:
                continue
            clock.set(datetime.fromisoformat(step["at"]))
            fault.begin()
            if step["kind"] == "tick":
                await runner.tick()
            else:
                await say_step(core, step)
                await runner.flush()  # as the adapters do after each update
            fault(last=True)  # answered, not yet acknowledged: the update will come again
            fault.profile[step["id"]] = fault.passed
            append(ack, step["id"])

    asyncio.run(play())
    if not acked:
        (base / "points.json").write_text(json.dumps(fault.profile))
    append(ack, "done")
    core.db.close()


async def say_step(core: Core, step: dict[str, Any]) -> None:
    """A person's step of the script: a message, or a press: ``@submit`` (提交 of their
    draft), ``@leave`` (请假 on 语文组's Wednesday session), ``@approve`` (批准 刘洋's leave)."""
    account = f"test:{step['who']}"
    text, button = step["text"], None
    if text == "@submit":
        row = core.db.call(lambda s: drafts.get_draft(s, account=account))
        button = f"f:{row.context['token']}:@confirm:submit" if row else "f:x:@confirm:submit"
    elif text in ("@leave", "@approve"):
        meeting, teacher = core.db.call(_wednesday_and_liu)
        button = (f"att:leave:{meeting}" if text == "@leave" else f"lv:ok:{meeting}:{teacher}")
    if button is not None:
        text = None
    await core.handle(Incoming(account=account, chat=private_chat(account), text=text,
                               button=button, display_name=step["who"],
                               update_key=step["id"]))


def _wednesday_and_liu(session: Any) -> tuple[int, int]:
    """语文组's session on Wednesday 2026-12-02, and 刘洋's id."""
    school_id = session.exec(select(School.id)).scalar_one()
    group = school.group_ids(session, school_id=school_id)["语文组"]
    day = datetime(2026, 12, 2, tzinfo=ZONE).date()
    [meeting] = meetings.list_meetings(session, group_ids=[group], start=day, end=day)
    liu = session.exec(select(Teacher.id).where(Teacher.name == "刘洋")).scalar_one()
    return meeting.id, liu


def prepare(url: str, folder: Path) -> None:
    """Roster, bindings and the group link, as the school would have them."""
    from bot.app import import_roster, read_roster
    from bot.config import load

    config = load(str(EXAMPLE_CONFIG)).config
    core = build_core(config, database_url=url,
                      clock=ManualClock(datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)))
    import_roster(core, read_roster(core, DEMO_ROSTER))

    def setup(session: Any) -> None:
        codes = {row.name: row.code for row in people.issue_codes(
            session, school_id=core.school_id)}
        for name in (*TEACHERS, ADMIN):
            people.bind_with_code(session, school_id=core.school_id, code=str(codes[name]),
                                  account=f"test:{name}", now=core.clock.now())
        ids = school.group_ids(session, school_id=core.school_id)
        chats.set_link(session, chat=GROUP, title="语文组", school_id=core.school_id,
                       group_id=ids["语文组"], actor_id=None, now=core.clock.now())

    core.db.call(setup)
    core.db.close()
    (folder / "script.json").write_text(json.dumps(script()))


def run_script(url: str, folder: Path, *, kills: int, rng: random.Random,
               profile: dict[str, int] | None = None) -> tuple[int, int]:
    """Run until the script is done, the first ``kills`` workers each told to die at a fault
    point drawn from ``rng`` within the steps' fault points of an undisturbed run
    (``profile``, that run's points.json); returns the kills that landed and the workers
    started."""
    preload()
    context = multiprocessing.get_context("fork")
    steps = [step["id"] for step in json.loads((folder / "script.json").read_text())]
    landed = restarts = 0
    while True:
        kill = None
        if restarts < kills:
            assert profile is not None, "kills are drawn from an undisturbed run's points"
            log = (folder / "ack.log").read_text().split() if restarts else []
            first = len(set(log))
            step = min(first + rng.randint(0, KILL_STEPS_AHEAD), len(steps) - 1)
            kill = Kill(step=step - first, point=rng.randint(1, profile[steps[step]]))
        process = context.Process(target=worker, args=(url, str(folder), kill))
        process.start()
        restarts += 1
        process.join()
        if process.exitcode == -signal.SIGKILL and kill is not None:
            landed += 1
            continue
        assert process.exitcode == 0, f"worker failed with exit code {process.exitcode}"
        log = (folder / "ack.log").read_text().split()
        if log and log[-1] == "done":
            return landed, restarts


@dataclass(frozen=True)
class Reference:
    """What the script leaves when played once, undisturbed, on SQLite: the records, the
    sent logs' keys (in order) and each step's fault points (kills are drawn among them)."""

    records: list[tuple[int, str, str]]
    sent: list[str]
    profile: dict[str, int]


def play_undisturbed(folder: Path) -> Reference:
    """The reference the fault and two-process tests compare their runs with."""
    url = f"sqlite:///{folder / 'ref.db'}"
    prepare(url, folder)
    run_script(url, folder, kills=0, rng=random.Random(0))
    return Reference(records_of(url), sent_keys((folder / "sent.log").read_text()),
                     json.loads((folder / "points.json").read_text()))


def preload() -> None:
    """Load in this process, before it forks workers, what each worker would otherwise load
    again after every restart (0.5 s of a ~0.1 s restart): datasketch, as the running bot's
    warm-up does, and the law's holidays of the demo semesters' years."""
    from bot.config import load

    similarity.warm_up()
    calendar = SchoolCalendar()
    for semester in load(str(EXAMPLE_CONFIG)).config.semesters:
        calendar.school_days(semester.start, semester.end)


def sent_keys(text: str) -> list[str]:
    """Sent outbox keys without the session's row id, which differs between databases
    (PostgreSQL sequences are not rolled back with a killed transaction). Relays are keyed
    by the update that caused them, and stay whole."""
    keys = []
    for line in text.split():
        parts = line.split(":")
        whole = len(parts) <= 2 or parts[0] == RELAY
        keys.append(line if whole else ":".join([parts[0], *parts[2:]]))
    return keys


def records_of(url: str) -> list[tuple[int, str, str]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Record.teacher_id, Record.kind, Record.answers))
            return sorted((t, k, json.dumps(a, ensure_ascii=False, sort_keys=True))
                          for t, k, a in rows)
    finally:
        engine.dispose()
