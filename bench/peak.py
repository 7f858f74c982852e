"""Part 1b: the peak after a district-wide announcement, against Telegram's flood limits.

``pressers`` teachers press 参加 on their 教研组's announcement (in the group chat) within
``press_window`` seconds, while ``writers`` others start /reflect within ``start_window``
seconds and answer each question 0.3–1 s after it comes. The full bot as shipped
(``build_application``: FloodLimiter, OrderedUpdates) is started and fed through its update
queue, on ``TelegramLimitsBotAPI``: 30 messages a second, 20 a minute per group, a short
burst per private chat, 429 beyond. Measured:

- press → its toast (``answerCallbackQuery``);
- form answer → the bot's next message in that chat (the next question, or the edit that
  confirms 提交);
- 429 answers.

``sequential=True`` runs the same with PTB handling one update at a time, as before issue 13.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import SimpleUpdateProcessor

from bench import populate
from bench.common import START, percentile
from bench.transport import BOT_USER, TOKEN, TelegramLimitsBotAPI
from bench.updates import SCRIPT, SUBMIT, _user, press_update, text_update
from bot.app import build_core
from bot.config import TelegramSpec
from bot.tg.adapter import build_application
from handlers.district.router import District
from handlers.features.sessions import ATTEND_BUTTONS
from scheduler.clock import ManualClock
from storage.repos import chats
from storage.tables import Meeting

FIRST = 300_000
_query_ids = itertools.count(50_000_000)
GROUP_CHAT = -1_009_000_000  # + index of the group
SEED = 13


@dataclass
class PeakResult:
    """Latencies (s) and Telegram's answers in one peak run."""

    label: str
    toasts: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    refused: int = 0
    refused_by: dict[str, int] = field(default_factory=dict)  # 429s by the limit met
    accepted: int = 0
    seconds: float = 0.0
    forms_done: int = 0

    def p(self, values: list[float], share: float) -> float:
        """A percentile of ``values`` (NaN if empty)."""
        return percentile(values, share) if values else float("nan")


def build(url: str, settings: Any, teachers: int) -> tuple[Any, dict[int, tuple[int, int]]]:
    """A Core with ``teachers`` bound teachers; each group's chat linked, its next session.

    With a district config (``[[schools]]``) the Core is the router of every school, and
    the teachers are a 村小's (the middle school of the list), so each update is routed.
    Returns the core and, per group chat id, (group id, id of the group's next session).
    """
    core = build_core(settings, database_url=url, clock=ManualClock(START))
    school = core.cores[len(core.cores) // 2] if isinstance(core, District) else core

    def fill(session: Session) -> dict[int, tuple[int, int]]:
        group_ids, _people = populate.add_school_term(
            session, school.settings, school_id=school.school_id, teachers=teachers,
            first_account=FIRST, staff_prefix="P", today=START)
        linked = {}
        for index, (name, group_id) in enumerate(group_ids.items()):
            chat = GROUP_CHAT - index
            chats.set_link(session, chat=f"tg:{chat}", title=name, school_id=school.school_id,
                           group_id=group_id, actor_id=None, now=START)
            meeting = session.exec(select(Meeting).where(
                Meeting.group_id == group_id, col(Meeting.starts_at) > START)
                .order_by(col(Meeting.starts_at))).first()
            assert meeting is not None
            assert meeting.id is not None
            linked[chat] = (group_id, meeting.id)
        return linked

    return core, core.db.call(fill)


def _announcement(chat: int, meeting_id: int) -> dict[str, Any]:
    """The bot's announcement in the group chat, with its 参加 button, as Telegram shows it."""
    return {"message_id": 1, "date": int(time.time()), "from": BOT_USER,
            "chat": {"id": chat, "type": "supergroup", "title": "教研组"},
            "text": "📢 教研活动通知",
            "reply_markup": {"inline_keyboard": [[
                {"text": "参加", "callback_data": f"{ATTEND_BUTTONS}:go:{meeting_id}"}]]}}


def _group_press(uid: int, chat: int, meeting_id: int, query_id: str) -> dict[str, Any]:
    message = _announcement(chat, meeting_id)
    return {"update_id": int(query_id),
            "callback_query": {"id": query_id, "from": _user(uid), "chat_instance": f"g{chat}",
                               "message": message,
                               "data": message["reply_markup"]["inline_keyboard"][0][0][
                                   "callback_data"]}}


class Crowd:
    """The peak's people: ``pressers`` press 参加 within ``press_window`` seconds, ``writers``
    fill 教学反思; ``observe`` sees each Bot API call answered, ``play`` sends the updates."""

    def __init__(self, result: PeakResult, linked: dict[int, tuple[int, int]], *,
                 pressers: int, writers: int, press_window: float,
                 start_window: float) -> None:
        """Nobody has pressed or written yet."""
        self.result, self.linked = result, linked
        self.pressers, self.writers = pressers, writers
        self.press_window, self.start_window = press_window, start_window
        self.rng = random.Random(SEED)
        self.toast_sent: dict[str, float] = {}
        self.all_toasts = asyncio.Event()
        self.waiting: dict[int, Callable[[], None]] = {}  # writer -> called at their next message

    def observe(self, name: str, params: dict[str, str], status: int) -> None:
        """A Bot API call was answered with ``status``."""
        if status != 200:
            return
        if name == "answerCallbackQuery":
            sent = self.toast_sent.pop(params.get("callback_query_id", ""), None)
            if sent is not None:
                self.result.toasts.append(time.perf_counter() - sent)
                if len(self.result.toasts) == self.pressers:
                    self.all_toasts.set()
        elif name in ("sendMessage", "editMessageText"):
            wake = self.waiting.pop(int(params["chat_id"]), None)
            if wake is not None:
                wake()

    async def play(self, put: Callable[[dict[str, Any]], Awaitable[None]],
                   last_keyboard: dict[int, dict[str, Any]]) -> None:
        """Everybody's updates through ``put``, until the last toast has come."""
        loop = asyncio.get_running_loop()
        group_chats = list(self.linked)

        async def press(index: int) -> None:
            uid = FIRST + index
            chat = group_chats[index % len(group_chats)]
            await asyncio.sleep(self.rng.uniform(0, self.press_window))
            # Unique in the process, as Telegram's are: the adapter remembers the queries it
            # answered (process-wide), so a second run reusing ids would get no toasts.
            query_id = str(next(_query_ids))
            self.toast_sent[query_id] = time.perf_counter()
            await put(_group_press(uid, chat, self.linked[chat][1], query_id))

        async def write(uid: int) -> None:
            think = random.Random(uid)
            await asyncio.sleep(think.uniform(0, self.start_window))
            for step in SCRIPT:
                came = loop.create_future()
                self.waiting[uid] = lambda came=came: came.done() or came.set_result(
                    time.perf_counter())
                if step is None:
                    message = last_keyboard.get(uid)
                    payload = (press_update(uid, message, SUBMIT) if message is not None
                               else text_update(uid, "完成"))
                else:
                    payload = text_update(uid, step)
                sent = time.perf_counter()
                await put(payload)
                self.result.answers.append(await asyncio.wait_for(came, 600) - sent)
                await asyncio.sleep(think.uniform(0.3, 1.0))
            self.result.forms_done += 1

        started = time.perf_counter()
        await asyncio.gather(*[press(i) for i in range(self.pressers)],
                             *[write(FIRST + self.pressers + i) for i in range(self.writers)])
        await asyncio.wait_for(self.all_toasts.wait(), 600)  # the last presses' toasts
        self.result.seconds = time.perf_counter() - started


async def run(label: str, url: str, settings: Any, *, pressers: int = 300, writers: int = 50,
              press_window: float = 10.0, start_window: float = 2.0,
              sequential: bool = False) -> PeakResult:
    """One peak on a fresh database at ``url``, in this process."""
    # Teachers in group order: populate spreads them over the groups round-robin.
    core, linked = build(url, settings, pressers + writers)
    result = PeakResult(label)
    crowd = Crowd(result, linked, pressers=pressers, writers=writers,
                  press_window=press_window, start_window=start_window)
    api = TelegramLimitsBotAPI(observe=crowd.observe)
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api)
    if sequential:
        app._update_processor = SimpleUpdateProcessor(1)

    async def put(payload: dict[str, Any]) -> None:
        app.update_queue.put_nowait(Update.de_json(payload, app.bot))

    try:
        async with app:
            await app.start()
            try:
                await crowd.play(put, api.last_keyboard)
            finally:
                await app.stop()
    finally:
        core.db.close()
    result.refused, result.accepted = api.refused, api.accepted
    result.refused_by = dict(api.refused_by)
    return result
