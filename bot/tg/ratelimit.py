"""Telegram's flood limits, kept before each request instead of learnt from 429 answers.

python-telegram-bot's ``AIORateLimiter`` uses a bucket of 30 messages a second: after any
pause it lets 30 through at once and one every 33 ms after that, so one second can hold up
to 59 messages, Telegram answers 429, and every request then waits. Measured on a broadcast
of 3 000 nudges (docs/benchmarks.md): 63% of the 30/s ceiling with 99 × 429. Here the
overall limit is a bucket of one refilled 29.5 times a second: evenly spaced, never more
than 30 in any second. Group chats keep Telegram's 20 messages a minute; a private chat gets
at most one proactive message (reminder, nudge) a second, which ``AIORateLimiter`` has no
notion of. Replies to what a person just wrote may come in a short burst (three, then one
a second): a summary in three parts should not take three seconds, but a teacher answering
a form every half second must not earn a 429, which pauses every send.

Requests that are not messages (toasts, ``getMe``) wait for no message limit and no 429
pause of the messages: a press is answered at once whatever the queue of messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

OVERALL_PER_SECOND = 29.5
GROUP_PER_MINUTE = 20
PRIVATE_INTERVAL = 1.0
# Replies to one private chat: a burst of this many, then one every PRIVATE_INTERVAL.
REPLY_BURST = 3
# … refilled a little slower than Telegram does: a reply may reach Telegram later than it
# took its place (waiting for an overall slot), which shortens the gaps Telegram sees.
REPLY_INTERVAL = 1.25
MAX_RETRIES = 3
# Idle per-chat limiters are dropped once this many are kept.
_PRUNE_AT = 1024


@dataclass(frozen=True)
class Pace:
    """Per-request arguments (python-telegram-bot's ``rate_limit_args``)."""

    proactive: bool = False  # sent on the bot's own initiative: one a second per private chat


PROACTIVE = Pace(proactive=True)
# Takes a chat's next turn where every process of the bot sees it (key, burst, seconds per
# message); returns the seconds to wait before sending.
Reserve = Callable[[str, int, float], Awaitable[float]]


class FloodLimiter(BaseRateLimiter[Pace]):
    """Overall, per-group and per-private-chat limits, and retries after a 429."""

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        private_interval: float = PRIVATE_INTERVAL,
        reply_interval: float = REPLY_INTERVAL,
        reply_burst: int = REPLY_BURST,
        max_retries: int = MAX_RETRIES,
        reserve: Reserve | None = None,
    ) -> None:
        """Keep the given limits; ``max_retries`` waits out that many 429 answers per request.
        With ``reserve`` each chat's pace is kept there (with the other processes of the
        bot) instead of in this process."""
        self._overall = AsyncLimiter(1, 1 / overall_per_second)
        # Overall slots in the order they were asked for: AsyncLimiter wakes its waiters in
        # no fixed order, which left some replies waiting seconds behind later ones.
        self._overall_queue = asyncio.Lock()
        self._group_per_minute = group_per_minute
        self._private_interval = private_interval
        self._reply_interval = reply_interval
        self._reply_burst = reply_burst
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._privates: dict[int, AsyncLimiter] = {}
        self._replies: dict[int, AsyncLimiter] = {}
        self._max_retries = max_retries
        self._reserve = reserve
        # Loop time until which every send waits (a 429's retry_after).
        self._resume_at = 0.0

    @classmethod
    def shared_by(cls, processes: int, reserve: Reserve | None = None) -> FloodLimiter:
        """The limits of one of ``processes`` processes sending for the same bot (nginx
        hands each update to any of them). Each keeps an even share of the overall rate.
        With ``reserve`` (the database) each chat's pace is kept together with the other
        processes; without it each process keeps an even share of each chat's too (at least
        one message a minute per group, and a burst of one reply), which slows a quick
        teacher's form. (The overall rate kept in the database too was measured worse: the
        two processes' sends reach Telegram unevenly, and it answered 429.)"""
        if reserve is not None:
            return cls(overall_per_second=OVERALL_PER_SECOND / processes, reserve=reserve)
        return cls(overall_per_second=OVERALL_PER_SECOND / processes,
                   group_per_minute=max(1, GROUP_PER_MINUTE // processes),
                   private_interval=PRIVATE_INTERVAL * processes,
                   reply_interval=REPLY_INTERVAL * processes,
                   reply_burst=max(1, REPLY_BURST // processes))

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Pace | None,
    ) -> Result:
        """Wait for every limit that applies, send, and wait out a 429 up to the retry count."""
        chat = data.get("chat_id")
        pace = rate_limit_args or Pace()
        shared = self._shared(chat, pace)
        narrow = [] if shared is not None else self._narrow(chat, pace)
        loop = asyncio.get_running_loop()
        for attempt in range(self._max_retries + 1):
            for limiter in narrow:
                await limiter.acquire()
            if shared is not None:
                await self._take_turn(loop, shared)
            if chat is not None:  # messages; getMe, answerCallbackQuery … are not counted
                async with self._overall_queue:
                    await self._overall_slot(loop)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                # PTB 22 keeps the timedelta private; the public property may be an int.
                pause = exc._retry_after.total_seconds() + 0.1
                if chat is None:  # not a message: this request alone waits
                    logger.warning("Telegram asked to wait %.1f s (429) for %s", pause,
                                   endpoint)
                    await asyncio.sleep(pause)
                    continue
                logger.warning("Telegram asked to wait %.1f s (429); all sends paused", pause)
                self._resume_at = max(self._resume_at, loop.time() + pause)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _paused_until(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait while a 429 pause lasts (a later, longer pause extends it)."""
        while (left := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110 - may move later
            await asyncio.sleep(left)

    async def _overall_slot(self, loop: asyncio.AbstractEventLoop) -> None:
        """An overall slot taken after any pause: slots handed out during one would all be
        used the moment it ends, the very burst the even spacing prevents."""
        while True:
            await self._paused_until(loop)
            await self._overall.acquire()
            if self._resume_at <= loop.time():
                return

    async def _take_turn(self, loop: asyncio.AbstractEventLoop,
                         turn: tuple[str, int, float]) -> None:
        """Take the chat's turn where the other processes take theirs, and wait until it is
        due (a 429 pause first)."""
        assert self._reserve is not None
        await self._paused_until(loop)
        wait = await self._reserve(*turn)
        if wait > 0:
            await asyncio.sleep(wait)

    def _shared(self, chat: object, pace: Pace) -> tuple[str, int, float] | None:
        """The chat's pace as ``reserve`` keeps it (key, burst, seconds per message), or
        None when paces are kept in this process (or the request is not a message)."""
        if self._reserve is None or chat is None:
            return None
        chat = _normal(chat)
        if isinstance(chat, str) or (isinstance(chat, int) and chat < 0):
            return f"group:{chat}", self._group_per_minute, 60 / self._group_per_minute
        if pace.proactive:
            return f"proactive:{chat}", 1, self._private_interval
        return f"reply:{chat}", self._reply_burst, self._reply_interval

    def _narrow(self, chat: object, pace: Pace) -> list[AsyncLimiter]:
        """The group's or the private chat's limit, taken before an overall slot, so that
        a wait for one chat does not hold one."""
        if chat is None:
            return []
        chat = _normal(chat)
        if isinstance(chat, str) or (isinstance(chat, int) and chat < 0):
            return [self._keyed(self._groups, chat, self._group_per_minute, 60)]
        if pace.proactive:
            return [self._keyed(self._privates, chat, 1, self._private_interval)]
        return [self._keyed(self._replies, chat, self._reply_burst,
                            self._reply_burst * self._reply_interval)]

    @staticmethod
    def _keyed(
        table: dict[Any, AsyncLimiter], key: int | str, rate: float, period: float
    ) -> AsyncLimiter:
        if len(table) > _PRUNE_AT:
            for other, limiter in list(table.items()):
                if other != key and limiter.has_capacity(limiter.max_rate):
                    del table[other]
        limiter = table.get(key)
        if limiter is None:
            limiter = table[key] = AsyncLimiter(rate, period)
        return limiter


def _normal(chat: object) -> object:
    """A chat id as an int where it is one (Telegram's ids may come as strings)."""
    with contextlib.suppress(TypeError, ValueError):
        return int(chat)  # type: ignore[call-overload]
    return chat
