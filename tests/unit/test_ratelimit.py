"""FloodLimiter: Telegram's limits are kept before sending, so a broadcast meets no 429.

The callbacks record when they ran; every assertion is a bound the limiter guarantees
(it only ever delays), so a loaded machine makes these tests slower, never red.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.tg.ratelimit import PROACTIVE, FloodLimiter, Pace

pytestmark = pytest.mark.usefixtures("ptb_timedelta")


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """RetryAfter takes a timedelta without PTB 22's deprecation warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


class Clock:
    """Records the loop time of each send, per chat."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, object]] = []
        self.refuse = 0
        self.refused = asyncio.Event()

    async def send(self, chat: object) -> bool:
        if self.refuse:
            self.refuse -= 1
            self.refused.set()
            raise RetryAfter(timedelta(seconds=1))
        self.sent.append((asyncio.get_running_loop().time(), chat))
        return True

    def times(self, chat: object | None = None) -> list[float]:
        return [t for t, c in self.sent if chat is None or c == chat]


async def send_all(limiter: FloodLimiter, clock: Clock, chats: Iterable[object],
                   pace: Pace | None = None) -> None:
    async def one(chat: object) -> None:
        data = {} if chat is None else {"chat_id": chat}
        await limiter.process_request(clock.send, (chat,), {}, "sendMessage", data, pace)

    await asyncio.gather(*(one(chat) for chat in chats))


def busiest_second(times: list[float]) -> int:
    return max(sum(1 for u in times if t <= u < t + 1) for t in times)


async def test_a_broadcast_never_puts_more_than_30_messages_in_one_second() -> None:
    clock = Clock()
    await send_all(FloodLimiter(), clock, range(1, 46), PROACTIVE)
    times = sorted(clock.times())
    assert len(times) == 45
    assert busiest_second(times) <= 30
    # Evenly spaced: no burst at the start, one every 1/29.5 s.
    assert times[-1] - times[0] >= 44 / 29.5 - 0.01


async def test_proactive_messages_to_one_person_are_a_second_apart() -> None:
    clock = Clock()
    await send_all(FloodLimiter(), clock, [7, 7, 7, 8], PROACTIVE)
    mine = clock.times(7)
    assert [b - a >= 0.99 for a, b in itertools.pairwise(mine)] == [True, True]
    assert clock.times(8)[0] - clock.sent[0][0] < 0.5  # another person is not held back


async def test_replies_to_one_person_are_not_held_a_second() -> None:
    clock = Clock()
    await send_all(FloodLimiter(), clock, [7, 7, 7])
    times = clock.times(7)
    assert times[-1] - times[0] < 0.9


async def test_replies_to_one_person_beyond_a_short_burst_are_a_second_apart() -> None:
    clock = Clock()
    await send_all(FloodLimiter(), clock, [7] * 5 + [8])
    times = clock.times(7)
    assert times[2] - times[0] < 0.9  # the burst
    assert times[3] - times[0] >= 0.99  # then one a second
    assert times[4] - times[0] >= 1.99
    assert clock.times(8)[0] - clock.sent[0][0] < 0.5  # another person is not held back


async def test_a_toast_waits_for_no_429_pause_of_the_messages() -> None:
    clock = Clock()
    clock.refuse = 1
    limiter = FloodLimiter()
    refused = asyncio.create_task(send_all(limiter, clock, [1]))
    await clock.refused.wait()  # the message met its 429: every message now waits 1.1 s
    start = asyncio.get_running_loop().time()
    await send_all(limiter, clock, [None])
    assert clock.times(None)[0] - start < 0.5
    await refused
    assert clock.times(1)[0] - start >= 1.0


async def test_a_group_gets_20_messages_a_minute() -> None:
    clock = Clock()
    await send_all(FloodLimiter(), clock, [-100] * 21)
    times = sorted(clock.times())
    assert times[19] - times[0] < 2.0
    assert times[20] - times[0] >= 2.9  # the 21st waits for the bucket: 60 s / 20


async def test_two_processes_sharing_the_bot_together_keep_its_limits() -> None:
    # [telegram] processes = 2: each process keeps half of the overall and group limits.
    clock = Clock()
    first, second = FloodLimiter.shared_by(2), FloodLimiter.shared_by(2)
    await asyncio.gather(send_all(first, clock, range(1, 31), PROACTIVE),
                         send_all(second, clock, range(31, 61), PROACTIVE))
    times = sorted(clock.times())
    assert len(times) == 60
    assert busiest_second(times) <= 30
    clock = Clock()
    await asyncio.gather(send_all(first, clock, [-100] * 11),
                         send_all(second, clock, [-100] * 11))
    times = sorted(clock.times())
    assert len(times) == 22
    assert times[20] - times[0] >= 5.9  # each one's 11th waits 60 s / 10: 20 a minute


async def test_with_a_shared_pace_each_chat_takes_its_turn_there() -> None:
    # [telegram] processes = 2 on a database: each chat's pace is the chat's, whichever
    # process sends (tests/storage/test_pace.py keeps the bucket); the overall is halved.
    asked: list[tuple[str, int, float]] = []
    waits = iter([0.0, 0.0, 0.0, 1.0])

    async def reserve(key: str, burst: int, interval: float) -> float:
        asked.append((key, burst, interval))
        return next(waits)

    clock = Clock()
    limiter = FloodLimiter.shared_by(2, reserve)
    await send_all(limiter, clock, [7])
    await send_all(limiter, clock, [7], PROACTIVE)
    await send_all(limiter, clock, [-100])
    assert asked == [("reply:7", 3, 1.25), ("proactive:7", 1, 1.0), ("group:-100", 20, 3.0)]
    before = asyncio.get_running_loop().time()
    await send_all(limiter, clock, [7])  # the pace says: wait a second
    assert clock.times(7)[-1] - before >= 1.0
    await send_all(limiter, clock, [None])  # not a message: no turn taken
    assert len(asked) == 4


async def test_requests_without_a_chat_are_not_limited() -> None:
    clock = Clock()
    await send_all(FloodLimiter(), clock, [None] * 60)
    times = clock.times()
    assert len(times) == 60
    assert times[-1] - times[0] < 0.5


async def test_a_429_pauses_every_send_and_is_retried() -> None:
    clock = Clock()
    clock.refuse = 1
    start = asyncio.get_running_loop().time()
    await send_all(FloodLimiter(), clock, [1, 2, 3])
    assert sorted(chat for _, chat in clock.sent) == [1, 2, 3]
    # The refused send and those queued behind it waited out retry_after (1 s + 0.1).
    assert min(clock.times()) - start >= 1.1


async def test_sends_queued_behind_a_429_do_not_burst_when_it_ends() -> None:
    """Fixed: slots handed out during the pause were all used the moment it ended."""
    clock = Clock()
    clock.refuse = 1
    await send_all(FloodLimiter(), clock, range(1, 41), PROACTIVE)
    times = sorted(clock.times())
    assert len(times) == 40
    assert busiest_second(times) <= 30
    assert times[-1] - times[0] >= 39 / 29.5 - 0.01


async def test_the_last_429_is_raised_after_the_retries() -> None:
    clock = Clock()
    clock.refuse = 2
    with pytest.raises(RetryAfter):
        await send_all(FloodLimiter(max_retries=1), clock, [1])
    assert clock.sent == []
