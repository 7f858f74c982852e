"""Two bot processes on one database (a district deployment behind a load balancer).

Both processes receive teachers' updates — each update reaches one of them, and some reach
both (a redelivery) — and both tick the scheduler through the same 教研 day. The result
must equal one process doing everything: every record once, every reminder once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import random
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import build_core, build_runner
from handlers.types import Reply, private_chat
from scheduler.clock import ManualClock
from storage.repos.outbox import OutboxItem
from tests.conftest import EXAMPLE_CONFIG
from tests.replay import (
    TEACHERS,
    Reference,
    preload,
    prepare,
    records_of,
    say_step,
    sent_keys,
)

PROCESSES = 2


def _share(steps: list[dict[str, Any]], worker: int) -> list[dict[str, Any]]:
    """What one process receives: its share of each teacher's updates, every tick, and
    (as redeliveries) some of the other process's updates too."""
    rng = random.Random(7)
    mine = []
    for step in steps:
        if step["kind"] == "tick":
            mine.append(step)
            continue
        owner = rng.randrange(PROCESSES)
        redelivered = rng.random() < 0.2
        if owner == worker or redelivered:
            mine.append(step)
    return mine


def _replica(url: str, folder: str, worker: int, barrier: Any) -> None:
    """One process: the steps it receives, in order, in lockstep with the other one."""
    from bot.config import load

    base = Path(folder)
    steps = json.loads((base / "script.json").read_text())
    mine = {step["id"] for step in _share(steps, worker)}
    config = load(str(EXAMPLE_CONFIG)).config
    clock = ManualClock(datetime.fromisoformat(steps[0]["at"]))
    core = build_core(config, database_url=url, clock=clock)
    sent = (base / f"sent-{worker}.log").open("a")

    async def send(reply: Reply, item: OutboxItem) -> bool:
        sent.write(f"{item.key}|{(reply.chat or private_chat(item.chat)).address}\n")
        sent.flush()
        os.fsync(sent.fileno())
        return True

    runner = build_runner(core, send)
    # A tick that fails (e.g. a deadlock between the two) is logged and skipped: count them.
    lost: list[logging.LogRecord] = []
    failed = logging.Handler(logging.WARNING)
    failed.emit = lost.append  # type: ignore[method-assign]
    logging.getLogger("scheduler.runner").addHandler(failed)

    async def play() -> None:
        for step in steps:
            # A person sends the next message only after the previous one was answered:
            # both processes finish a step before either starts the next.
            barrier.wait()
            if step["id"] not in mine:
                continue
            clock.set(datetime.fromisoformat(step["at"]))
            if step["kind"] == "tick":
                await runner.tick()
                continue
            await say_step(core, step)

    asyncio.run(play())
    core.db.close()
    (base / f"lost-{worker}.log").write_text("\n".join(r.getMessage() for r in lost))


def test_two_processes_act_like_one(database_url: str, tmp_path: Path,
                                    replay_reference: Reference) -> None:
    expected_sent = Counter(replay_reference.sent)

    shared = tmp_path / "shared"
    shared.mkdir()
    prepare(database_url, shared)
    preload()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES, timeout=60)
    replicas = [context.Process(target=_replica, args=(database_url, str(shared), n, barrier))
                for n in range(PROCESSES)]
    for process in replicas:
        process.start()
    for process in replicas:
        process.join(240)
        assert process.exitcode == 0, f"a replica failed with exit code {process.exitcode}"

    assert records_of(database_url) == replay_reference.records
    assert len(records_of(database_url)) == len(TEACHERS)
    sent = Counter()
    for n in range(PROCESSES):
        sent.update(sent_keys((shared / f"sent-{n}.log").read_text()))
    # Both ticked every step (no tick lost to the other: they once deadlocked on
    # PostgreSQL dropping each other's leases); each reminder went out exactly once.
    assert [(shared / f"lost-{n}.log").read_text() for n in range(PROCESSES)] == [""] * PROCESSES
    assert sent == expected_sent
    assert all(count == 1 for count in sent.values())
    both = {n: len((shared / f"sent-{n}.log").read_text().split()) for n in range(PROCESSES)}
    assert sum(both.values()) == sum(expected_sent.values())
