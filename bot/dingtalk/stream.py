"""The Stream-mode connection: an outbound websocket, so no public IP and no open port.

Written here rather than taken from the official SDK, whose helpers block on ``requests``
and whose 0.24.3 websocket loop swallows cancellation; the protocol is the SDK's (see
``protocol.py``). The gateway hands out an endpoint and a one-time ticket; the websocket
then carries frames, each of which is acknowledged. The connection is opened again, with
a growing pause, when the socket drops, a ping goes unanswered, or the server says
``disconnect``. Wrong credentials end the loop with ``WrongCredentials``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote_plus

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from bot.dingtalk import protocol
from bot.dingtalk.openapi import OpenApi, WrongCredentials
from bot.dingtalk.protocol import Frame, MalformedFrame

logger = logging.getLogger(__name__)

# What a frame handler answers: the callback's response (None: a plain OK).
FrameHandler = Callable[[Frame], Awaitable[Any]]
BACKOFF_START = 1.0
BACKOFF_MAX = 60.0
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
_SEEN = 10_000
OK = 200


class StreamClient:
    """Keeps one Stream connection open and hands every frame to ``handle``."""

    def __init__(self, api: OpenApi, handle: FrameHandler, *,
                 topics: list[tuple[str, str]] | None = None,
                 backoff_start: float = BACKOFF_START, backoff_max: float = BACKOFF_MAX,
                 ping_interval: float | None = PING_INTERVAL,
                 ping_timeout: float = PING_TIMEOUT) -> None:
        """Subscribe to the robot's messages and card callbacks unless ``topics`` says."""
        self.api = api
        self.handle = handle
        self.topics = topics or [(protocol.CALLBACK, protocol.CHATBOT_TOPIC),
                                 (protocol.CALLBACK, protocol.CARD_TOPIC)]
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.connections = 0  # websockets opened so far
        self.connected = asyncio.Event()
        self._stopping = False
        self._socket: ClientConnection | None = None
        self._seen: OrderedDict[str, str] = OrderedDict()  # messageId → the ack sent
        self._running: dict[str, asyncio.Task[str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Connect and serve until ``stop``; raises ``WrongCredentials`` at once."""
        failures = 0
        while not self._stopping:
            try:
                endpoint, ticket = await self.api.open_connection(self.topics)
                uri = f"{endpoint}?ticket={quote_plus(ticket)}"
                async with websockets.connect(
                    uri, ping_interval=self.ping_interval, ping_timeout=self.ping_timeout,
                    max_size=2**22,
                ) as socket:
                    self._socket = socket
                    self.connections += 1
                    self.connected.set()
                    failures = 0
                    await self._serve(socket)
            except WrongCredentials:
                raise
            except (OSError, httpx.HTTPError, websockets.WebSocketException,
                    TimeoutError, KeyError, ValueError) as exc:
                logger.warning("钉钉 Stream connection lost: %s", exc)
            finally:
                self._socket = None
                self.connected.clear()
            if self._stopping:
                break
            delay = min(self.backoff_max, self.backoff_start * 2 ** min(failures, 16))
            failures += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    async def stop(self) -> None:
        """Stop reconnecting and close the socket; frames being handled finish first."""
        self._stopping = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._socket is not None:
            await self._socket.close()

    async def _serve(self, socket: ClientConnection) -> None:
        async for raw in socket:
            try:
                frame = protocol.parse_frame(raw)
            except MalformedFrame as exc:
                logger.warning("malformed Stream frame ignored (%s): %.200r", exc, raw)
                with contextlib.suppress(websockets.ConnectionClosed):
                    await socket.send(protocol.ack(_frame_id(raw), code=400, message=str(exc)))
                continue
            if frame.type == protocol.SYSTEM:
                await socket.send(protocol.ack(frame.message_id, data=frame.data))
                if frame.topic == protocol.DISCONNECT_TOPIC:
                    logger.info("钉钉 asked to reconnect")
                    await socket.close()
                    return
                continue
            task = asyncio.create_task(self._answer(socket, frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, socket: ClientConnection, frame: Frame) -> None:
        """Handle a frame once, however often it comes, and acknowledge every delivery."""
        key = frame.message_id
        sent = self._seen.get(key) if key else None
        if sent is None:
            running = self._running.get(key) if key else None
            if running is None:
                running = asyncio.create_task(self._handled(frame))
                if key:
                    self._running[key] = running
            try:
                sent = await asyncio.shield(running)
            finally:
                if key:
                    self._running.pop(key, None)
            if key and json.loads(sent)["code"] == OK:
                self._seen[key] = sent
                while len(self._seen) > _SEEN:
                    self._seen.popitem(last=False)
        with contextlib.suppress(websockets.ConnectionClosed):
            await socket.send(sent)

    async def _handled(self, frame: Frame) -> str:
        try:
            response = await self.handle(frame)
        except MalformedFrame as exc:
            logger.warning("malformed %s frame ignored: %s", frame.topic, exc)
            return protocol.ack(frame.message_id, code=400, message=str(exc))
        except Exception:
            # Not cached: 钉钉 delivers the frame again and it gets another chance.
            logger.exception("handling a %s frame failed", frame.topic)
            return protocol.ack(frame.message_id, code=500, message="retry")
        return protocol.ack(frame.message_id, response=response or {})


def _frame_id(raw: str | bytes) -> str:
    """The messageId of a frame that could not be read, when it can still be found."""
    with contextlib.suppress(Exception):
        return str(json.loads(raw)["headers"]["messageId"])
    return ""
