"""Concurrent work that keeps its arrival order per key (a person, a chat); platform-free.

Updates from different people and chats are handled concurrently, while the updates of one
person, and the messages to one chat, keep the order they arrived in: a form step never
overtakes the one before it. Any adapter (Telegram, 钉钉) reserves a ``Turn`` when work
arrives, with the keys it must stay in order with, and waits for it before running::

    turn = order.reserve([("person", 42), ("chat", -100)])   # synchronously, on arrival
    async with turn:                                           # earlier work on a key first
        ...

A turn may be released early (``turn.release()``) when the rest of the work no longer
needs the order (replies already queued in their own order). Work reserved later runs only
when every earlier turn that shares a key with it has been released, even when a turn in
between was cancelled.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable, Iterable
from types import TracebackType


class Turn:
    """One piece of work's place in the queues of its keys."""

    __slots__ = ("_order", "_ready", "_released", "keys")

    def __init__(self, order: KeyedOrder, keys: tuple[Hashable, ...]) -> None:
        """Use ``KeyedOrder.reserve``."""
        self._order = order
        self.keys = keys
        self._ready = asyncio.Event()
        self._released = False

    @property
    def ready(self) -> bool:
        """True when every earlier turn on its keys was released."""
        return self._ready.is_set()

    async def wait(self) -> None:
        """Wait until every earlier turn on its keys was released."""
        await self._ready.wait()

    def release(self) -> None:
        """Let the next turns on its keys go (idempotent; also when it never ran)."""
        if not self._released:
            self._released = True
            self._order._release(self)

    async def __aenter__(self) -> Turn:
        """Wait for the turn; a cancelled wait releases it."""
        try:
            await self.wait()
        except BaseException:
            self.release()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        """Release the turn, however the work ended."""
        self.release()

    def _check(self) -> None:
        if not self._ready.is_set() and all(
                self._order._queues[key][0] is self for key in self.keys):
            self._ready.set()


class KeyedOrder:
    """Per-key queues of turns: a turn runs when it is first in the queue of each key."""

    def __init__(self) -> None:
        """No work yet."""
        self._queues: dict[Hashable, deque[Turn]] = {}

    def reserve(self, keys: Iterable[Hashable]) -> Turn:
        """A turn after everything reserved before on any of ``keys`` (no keys: at once).

        Call it synchronously when the work arrives: the order of the calls is the order
        kept.
        """
        turn = Turn(self, tuple(dict.fromkeys(keys)))
        for key in turn.keys:
            self._queues.setdefault(key, deque()).append(turn)
        turn._check()
        return turn

    def __len__(self) -> int:
        """How many keys have work waiting or running."""
        return len(self._queues)

    def _release(self, turn: Turn) -> None:
        for key in turn.keys:
            queue = self._queues[key]
            first = queue[0] is turn
            queue.remove(turn)
            if not queue:
                del self._queues[key]
            elif first:
                queue[0]._check()
