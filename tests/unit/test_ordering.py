"""Work in arrival order per key, concurrent across keys (bot/ordering.py).

Each job blocks on an event the test controls; nothing waits for a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest

from bot.ordering import KeyedOrder, Turn

WAIT = 60  # an upper bound that never trips: every wait here ends on an event


class Jobs:
    """Jobs that record when they start and finish only when the test lets them."""

    def __init__(self) -> None:
        self.order = KeyedOrder()
        self.started: list[str] = []
        self.finish: dict[str, asyncio.Event] = {}
        self.running: dict[str, asyncio.Event] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def add(self, name: str, *keys: Hashable) -> Turn:
        turn = self.order.reserve(keys)  # synchronously, as on arrival
        self.finish[name] = asyncio.Event()
        self.running[name] = asyncio.Event()

        async def job() -> None:
            async with turn:
                self.started.append(name)
                self.running[name].set()
                await self.finish[name].wait()

        self.tasks[name] = asyncio.create_task(job())
        return turn

    async def until_running(self, name: str) -> None:
        await asyncio.wait_for(self.running[name].wait(), WAIT)

    async def done(self, name: str) -> None:
        self.finish[name].set()
        await asyncio.wait_for(self.tasks[name], WAIT)


async def test_same_key_waits_and_other_keys_run_meanwhile() -> None:
    jobs = Jobs()
    jobs.add("wang-1", "wang")
    jobs.add("wang-2", "wang")
    jobs.add("liu-1", "liu")
    await jobs.until_running("wang-1")
    await jobs.until_running("liu-1")  # another person is not held by wang-1
    await jobs.done("liu-1")
    assert jobs.started == ["wang-1", "liu-1"]  # wang-2 still waits for wang-1
    await jobs.done("wang-1")
    await jobs.until_running("wang-2")
    await jobs.done("wang-2")
    assert jobs.started == ["wang-1", "liu-1", "wang-2"]
    assert len(jobs.order) == 0  # nothing kept once the work is done


async def test_a_job_with_two_keys_waits_for_both() -> None:
    jobs = Jobs()
    jobs.add("in-group", "wang", "group")
    jobs.add("other-in-group", "liu", "group")
    jobs.add("wang-private", "wang")
    jobs.add("liu-private", "liu")
    await jobs.until_running("in-group")
    for name in ("other-in-group", "wang-private", "liu-private"):
        assert not jobs.running[name].is_set()
    await jobs.done("in-group")
    await jobs.until_running("other-in-group")
    await jobs.until_running("wang-private")
    assert not jobs.running["liu-private"].is_set()  # behind liu's turn in the group
    await jobs.done("other-in-group")
    await jobs.until_running("liu-private")
    await jobs.done("wang-private")
    await jobs.done("liu-private")


async def test_a_cancelled_turn_in_between_lets_no_one_overtake() -> None:
    jobs = Jobs()
    jobs.add("first", "wang")
    jobs.add("second", "wang")
    jobs.add("third", "wang")
    await jobs.until_running("first")
    jobs.tasks["second"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await jobs.tasks["second"]
    assert not jobs.running["third"].is_set()  # still behind "first"
    await jobs.done("first")
    await jobs.until_running("third")
    await jobs.done("third")
    assert jobs.started == ["first", "third"]


async def test_an_early_release_lets_the_next_start_before_the_work_ends() -> None:
    jobs = Jobs()
    first = jobs.add("first", "wang")
    jobs.add("second", "wang")
    await jobs.until_running("first")
    first.release()  # e.g. its replies are queued in their own order
    await jobs.until_running("second")
    await jobs.done("second")
    await jobs.done("first")


def test_no_keys_is_ready_at_once() -> None:
    async def go() -> None:
        turn = KeyedOrder().reserve(())
        assert turn.ready
        async with turn:
            pass

    asyncio.run(go())
