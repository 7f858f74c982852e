"""Offline Bot API transports for python-telegram-bot: instant, and one enforcing flood limits.

Both are real ``telegram.request.BaseRequest`` subclasses: PTB builds every call exactly as
for api.telegram.org and hands it to ``do_request``. They encode the parameters as an HTTP
transport would (``RequestData.json_parameters``) and answer with small Bot API JSON at
once, so what is measured is the bot and PTB, not a network. Leaner than
``tests.fakes.RecordingRequest`` (no call log, no HTML check), so the transport costs the
same tiny amount for the full bot and for the echo baseline.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections import Counter, deque
from typing import TYPE_CHECKING, Any

from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

DEFAULT_NONE = BaseRequest.DEFAULT_NONE
BOT_ID = 999
BOT_USERNAME = "yanxiu_bench_bot"
# Shaped like a real token; never sent anywhere.
TOKEN = "7012345678:AAFake-Bench_Token_0123456789abcdefghi"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "研修助手", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_TRUE = json.dumps({"ok": True, "result": True}).encode()


class InstantBotAPI(BaseRequest):
    """Answers every call at once; remembers each chat's last message with inline buttons."""

    def __init__(self) -> None:
        """No calls yet."""
        self.calls: Counter[str] = Counter()
        # chat id -> the Bot API Message JSON of the last message with an inline keyboard.
        self.last_keyboard: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(100)

    @property
    def read_timeout(self) -> float | None:
        """Nothing is read from a network."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,  # noqa: ARG002 - always POST
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,  # noqa: ARG002
        write_timeout: ODVInput[float] = DEFAULT_NONE,  # noqa: ARG002
        connect_timeout: ODVInput[float] = DEFAULT_NONE,  # noqa: ARG002
        pool_timeout: ODVInput[float] = DEFAULT_NONE,  # noqa: ARG002
    ) -> tuple[int, bytes]:
        """Encode the parameters as HTTP would, then answer the call named by ``url``."""
        name = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data is not None else {}
        self.calls[name] += 1
        return self.answer(name, params)

    def answer(self, name: str, params: dict[str, str]) -> tuple[int, bytes]:
        """The Bot API's answer to one call."""
        if name == "getMe":
            return 200, json.dumps({"ok": True, "result": BOT_USER}).encode()
        if name in SENDING or name == "editMessageText":
            return 200, json.dumps({"ok": True, "result": self._message(name, params)}).encode()
        return 200, _TRUE

    def _message(self, name: str, params: dict[str, str]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = (int(params["message_id"]) if name == "editMessageText"
                      else next(self._ids))
        message: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()), "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                     "first_name": "老师"},
            "text": params.get("text") or params.get("caption") or "",
        }
        markup = params.get("reply_markup")
        if markup and '"inline_keyboard"' in markup:
            message["reply_markup"] = json.loads(markup)
            self.last_keyboard[chat_id] = message
        return message


class FloodLimitedBotAPI(InstantBotAPI):
    """Like ``InstantBotAPI`` but enforces Telegram's flood limits on sends, answering 429.

    At most ``overall`` messages in any ``window`` seconds for the whole bot, and at most one
    message per second to each private chat. A refused send counts in ``refused`` and is
    answered ``429 Too Many Requests`` with ``retry_after`` (whole seconds, as Telegram does).
    """

    def __init__(self, *, overall: int = 30, window: float = 1.0,
                 per_chat_interval: float = 1.0) -> None:
        """Enforce ``overall`` per ``window`` and one per ``per_chat_interval`` per chat."""
        super().__init__()
        self.overall = overall
        self.window = window
        self.per_chat_interval = per_chat_interval
        self.accepted: list[float] = []  # monotonic times of accepted sends
        self.refused = 0
        self.refused_at: list[float] = []
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}

    def answer(self, name: str, params: dict[str, str]) -> tuple[int, bytes]:
        """Refuse a send that breaks a limit; otherwise answer like ``InstantBotAPI``."""
        if name in SENDING:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - self.window:
                self._recent.popleft()
            chat_id = int(params["chat_id"])
            wait = 0.0
            if len(self._recent) >= self.overall:
                wait = self._recent[0] + self.window - now
            last = self._last_in_chat.get(chat_id)
            if chat_id > 0 and last is not None and now - last < self.per_chat_interval:
                wait = max(wait, last + self.per_chat_interval - now)
            if wait > 0:
                self.refused += 1
                self.refused_at.append(now)
                return too_many(wait)
            self._recent.append(now)
            self._last_in_chat[chat_id] = now
            self.accepted.append(now)
        return super().answer(name, params)


class TelegramLimitsBotAPI(InstantBotAPI):
    """Telegram's flood limits on every message (sends and edits), 429 beyond them.

    At most ``overall`` messages in any second for the whole bot; at most
    ``group_per_minute`` in any minute to one group; a private chat takes a short burst of
    ``private_burst`` and then one a second (a bucket refilled once a second). Callback
    answers (toasts) are not messages and are not limited. ``observe`` is called with each
    answered call's name and parameters (after the answer is decided).
    """

    def __init__(self, *, overall: int = 30, group_per_minute: int = 20,
                 private_burst: int = 3, observe: Any = None) -> None:
        """Enforce the limits; report every call to ``observe(name, params, status)``."""
        super().__init__()
        self.overall = overall
        self.group_per_minute = group_per_minute
        self.private_burst = private_burst
        self.observe = observe
        self.refused = 0
        self.refused_by: Counter[str] = Counter()  # which limit: overall, group, private
        self.accepted = 0
        self._recent: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)

    def answer(self, name: str, params: dict[str, str]) -> tuple[int, bytes]:
        """Refuse a message beyond a limit; otherwise answer like ``InstantBotAPI``."""
        status, body = self._limited(name, params) or super().answer(name, params)
        if self.observe is not None:
            self.observe(name, params, status)
        return status, body

    def _limited(self, name: str, params: dict[str, str]) -> tuple[int, bytes] | None:
        if name not in SENDING and name != "editMessageText":
            return None
        now = time.monotonic()
        chat = int(params["chat_id"])
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        waits = {"overall": self._recent[0] + 1.0 - now
                 if len(self._recent) >= self.overall else 0.0}
        if chat < 0:
            sent = self._groups.setdefault(chat, deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                waits["group"] = sent[0] + 60.0 - now
        else:
            tokens, at = self._private.get(chat, (float(self.private_burst), now))
            tokens = min(float(self.private_burst), tokens + (now - at))
            if tokens < 1.0:
                waits["private"] = 1.0 - tokens
        limit, wait = max(waits.items(), key=lambda item: item[1])
        if wait > 0:
            self.refused += 1
            self.refused_by[limit] += 1
            return too_many(wait)
        self._recent.append(now)
        if chat < 0:
            self._groups[chat].append(now)
        else:
            self._private[chat] = (tokens - 1.0, now)
        self.accepted += 1
        return None


def too_many(wait: float) -> tuple[int, bytes]:
    """Telegram's 429 answer asking to retry after ``wait`` seconds (whole, at least one)."""
    retry = max(1, math.ceil(wait))
    body = {"ok": False, "error_code": 429,
            "description": f"Too Many Requests: retry after {retry}",
            "parameters": {"retry_after": retry}}
    return 429, json.dumps(body).encode()
