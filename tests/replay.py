"""Replaying a scripted school day in worker processes that may be killed at any moment.

Used by the fault test (SIGKILL at random points) and the two-process test: a worker plays
teachers filling a 教学反思 and the scheduler ticking through a 教研 day, appending each
acknowledged step to ack.log and each delivered reminder to a sent log.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import signal
import time as clock_time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from bot.app import build_core, build_runner
from handlers.dispatch import Core
from handlers.types import Incoming, Reply, private_chat
from scheduler.clock import ManualClock
from storage.db import normalise_url
from storage.repos import chats, drafts, people, school
from storage.repos.outbox import OutboxItem
from storage.tables import Record
from tests.conftest import DEMO_ROSTER, EXAMPLE_CONFIG, ZONE

TEACHERS = ("刘洋", "孙丽", "周静", "王芳")
GROUP = "test:group:语文组"
ANSWERS = ("《秋天的雨》第{n}课时", "三年级{n}班", "昨天",
           "学生朗读很投入，小组合作读出了秋天的色彩，板书清晰呈现了课文结构。{n}", "完成",
           "拓展环节时间不够，个别学生没有机会发言，下次要压缩导入时间。{n}", "完成",
           "/skip", "如果再教一次，我会先让学生找出描写颜色的句子，再小组朗读比较。{n}", "完成",
           "@submit")
DEADLINE_SECONDS = 150


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
        tick += timedelta(minutes=10)
    return steps


def worker(url: str, folder: str) -> None:
    """Run the script from the first unacknowledged step (in a forked child)."""
    from bot.config import load

    base = Path(folder)
    acked = set((base / "ack.log").read_text().split()) if (base / "ack.log").exists() else set()
    steps = json.loads((base / "script.json").read_text())
    config = load(str(EXAMPLE_CONFIG)).config
    clock = ManualClock(datetime.fromisoformat(steps[0]["at"]))
    core = build_core(config, database_url=url, clock=clock)
    sent = (base / "sent.log").open("a")
    ack = (base / "ack.log").open("a")

    def append(log: Any, line: str) -> None:
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())

    async def send(reply: Reply, item: OutboxItem) -> bool:
        append(sent, f"{item.key}|{(reply.chat or private_chat(item.chat)).address}")
        return True

    runner = build_runner(core, send)

    async def play() -> None:
        for step in steps:
            if step["id"] in acked:
                continue
            clock.set(datetime.fromisoformat(step["at"]))
            if step["kind"] == "tick":
                await runner.tick()
            else:
                await say_step(core, step)
            append(ack, step["id"])

    asyncio.run(play())
    append(ack, "done")
    core.db.close()


async def say_step(core: Core, step: dict[str, Any]) -> None:
    """A person's step of the script: a message, or ``@submit`` pressing 提交 of their draft."""
    account = f"test:{step['who']}"
    text, button = step["text"], None
    if text == "@submit":
        row = core.db.call(lambda s: drafts.get_draft(s, account=account))
        text = None
        button = f"f:{row.context['token']}:@confirm:submit" if row else "f:x:@confirm:submit"
    await core.handle(Incoming(account=account, chat=private_chat(account), text=text,
                               button=button, display_name=step["who"],
                               update_key=step["id"]))


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
        for name in TEACHERS:
            people.bind_with_code(session, school_id=core.school_id, code=str(codes[name]),
                                  account=f"test:{name}", now=core.clock.now())
        ids = school.group_ids(session, school_id=core.school_id)
        chats.set_link(session, chat=GROUP, title="语文组", school_id=core.school_id,
                       group_id=ids["语文组"], actor_id=None, now=core.clock.now())

    core.db.call(setup)
    core.db.close()
    (folder / "script.json").write_text(json.dumps(script()))


def run_script(url: str, folder: Path, *, kills: int, rng: random.Random) -> tuple[int, int]:
    """Run until the script is done, killing the worker up to ``kills`` times."""
    context = multiprocessing.get_context("fork")
    landed = restarts = 0
    deadline = clock_time.monotonic() + DEADLINE_SECONDS
    while True:
        assert clock_time.monotonic() < deadline, "the script did not finish in time"
        process = context.Process(target=worker, args=(url, str(folder)))
        process.start()
        restarts += 1
        if landed < kills:
            process.join(rng.uniform(0.02, 0.2))
            if process.is_alive():
                assert process.pid is not None
                os.kill(process.pid, signal.SIGKILL)
                process.join()
                landed += 1
                continue
        process.join(60)
        assert process.exitcode == 0, f"worker failed with exit code {process.exitcode}"
        log = (folder / "ack.log").read_text().split()
        if log and log[-1] == "done":
            return landed, restarts


def sent_keys(text: str) -> list[str]:
    """Sent outbox keys without the session's row id, which differs between databases
    (PostgreSQL sequences are not rolled back with a killed transaction)."""
    keys = []
    for line in text.split():
        parts = line.split(":")
        keys.append(":".join([parts[0], *parts[2:]]) if len(parts) > 2 else line)
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
