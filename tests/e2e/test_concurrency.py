"""Updates handled concurrently through the real PTB Application, in order per person/chat.

The Application runs as in production (``app.start()``: updates taken from its queue by
``OrderedUpdates``); the fake Bot API can hold every send to a chat until the test opens it.
Every wait ends on an event (a call recorded, a send held), never on a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Update

from bot.config import TelegramSpec
from bot.tg.adapter import build_application
from handlers.dispatch import Core
from handlers.types import Incoming, Reply
from tests.fakes import (
    SENDING,
    TOKEN,
    RecordingRequest,
    Telegram,
    TgUser,
    callback_query,
    shown,
    text_message,
)

WANG = TgUser(2001, "王芳")
LIU = TgUser(2002, "刘洋")
WAIT = 60  # upper bound only: every wait ends on an event
# A 教学反思 as a teacher types it, up to the summary with its 提交 button.
FORM = ("/reflect", "《秋天的雨》", "三年级2班", "今天",
        "导入环节用秋天的图片引发兴趣，学生发言踊跃。朗读指导层层递进，学生读出了秋雨的美。",
        "完成", "生字书写指导时间不够，部分学生的笔顺仍然有错误，课后需要补上一节练习课。",
        "完成", "完成", "下次先让学生自己找秋天的颜色，再读课文，把写字指导放在第一课时完成。",
        "完成")


class GatedRequest(RecordingRequest):
    """The fake Bot API, able to hold every send to a chat until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[int, asyncio.Event] = {}
        self.held: list[int] = []
        self._tick = asyncio.Event()

    async def _answer(self, name: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        gate = self.gates.get(int(params["chat_id"])) if name in SENDING else None
        if gate is not None and not gate.is_set():
            self.held.append(int(params["chat_id"]))
            self._tick.set()
            await gate.wait()
        return await super()._answer(name, params)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        answer = await super().do_request(*args, **kwargs)
        self._tick.set()
        return answer

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition`` holds, checking it after every call."""
        async def check() -> None:
            while not condition():
                self._tick.clear()
                await self._tick.wait()

        await asyncio.wait_for(check(), WAIT)


@pytest.fixture
async def running(core: Core) -> AsyncIterator[Telegram]:
    """The Application started as in production, on the gated fake Bot API."""
    api = GatedRequest()
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api)
    async with app:
        tg = Telegram(app, api, core)
        await tg.bind(WANG, "王芳")
        await tg.bind(LIU, "刘洋")
        await app.start()
        try:
            yield tg
        finally:
            for gate in api.gates.values():
                gate.set()
            await app.stop()
    assert api.malformed == []


def queue(tg: Telegram, payload: dict[str, Any]) -> None:
    """Hand an update to the Application as its updater does."""
    tg.app.update_queue.put_nowait(Update.de_json(payload, tg.app.bot))


def summary_shown(api: RecordingRequest, user: TgUser) -> bool:
    """The form's summary with its 提交 button is the last message ``user`` got."""
    sent = api.sent(user.id)
    return bool(sent) and "提交" in sent[-1].labels


def texts(api: RecordingRequest, user: TgUser) -> list[str]:
    return [shown(call.text) for call in api.sent(user.id)]


async def test_one_persons_form_steps_keep_their_order_while_others_go_on(
        running: Telegram) -> None:
    api = running.api
    assert isinstance(api, GatedRequest)
    before = {user.id: len(api.sent(user.id)) for user in (WANG, LIU)}
    api.gates[WANG.id] = asyncio.Event()
    for step in FORM:  # all of 王芳's answers at once, none waiting for its question
        queue(running, text_message(WANG, step))
    await api.until(lambda: WANG.id in api.held)
    # 王芳's first question waits for its send; 刘洋 fills the same form meanwhile.
    for step in FORM:
        queue(running, text_message(LIU, step))
    await api.until(lambda: summary_shown(api, LIU))
    assert len(api.sent(WANG.id)) == before[WANG.id]  # nothing of hers overtook the first
    api.gates[WANG.id].set()
    await api.until(lambda: summary_shown(api, WANG))
    wang, liu = texts(api, WANG)[before[WANG.id]:], texts(api, LIU)[before[LIU.id]:]
    # Same questions, in the same order, as for the teacher whose updates were not held.
    assert wang == [text.replace("刘洋", "王芳") for text in liu]
    assert len(wang) > len(FORM) // 2


async def test_a_toast_does_not_wait_behind_the_persons_held_messages(
        running: Telegram) -> None:
    api = running.api
    assert isinstance(api, GatedRequest)
    for step in FORM:
        queue(running, text_message(WANG, step))
    await api.until(lambda: summary_shown(api, WANG))
    summary = api.sent(WANG.id)[-1]
    sent = len(api.sent(WANG.id))
    api.gates[WANG.id] = asyncio.Event()
    queue(running, text_message(WANG, "/help"))
    await api.until(lambda: WANG.id in api.held)
    # Her /help answer is held; her press on 提交 is still answered (the toast) at once,
    # and what it says in the chat comes after the held message.
    queue(running, callback_query(WANG, summary, summary.button("提交")["callback_data"]))
    await api.until(lambda: bool(api.of("answerCallbackQuery")))
    assert len(api.sent(WANG.id)) == sent
    assert not api.of("editMessageText")
    api.gates[WANG.id].set()
    await api.until(lambda: len(api.sent(WANG.id)) > sent and bool(api.of("editMessageText")))
    # What the press says in the chat (the summary turned into 已提交) follows the help.
    help_at = api.calls.index(api.sent(WANG.id)[sent])
    saved_at = api.calls.index(api.of("editMessageText")[-1])
    assert help_at < saved_at
    assert "/reflect" in shown(api.calls[help_at].text)
    assert "已提交" in shown(api.calls[saved_at].text)


async def test_the_next_update_of_a_person_waits_for_the_transaction_before_it(
        running: Telegram, monkeypatch: pytest.MonkeyPatch) -> None:
    """王芳's first update is held inside its handling; her second waits, 刘洋's goes."""
    api = running.api
    assert isinstance(api, GatedRequest)
    core = running.core
    handle = core.handle
    entered: list[tuple[str, str | None]] = []
    hold, held = asyncio.Event(), asyncio.Event()

    async def handle_with_a_hold(incoming: Incoming, **options: bool) -> list[Reply]:
        entered.append((incoming.account, incoming.text))
        if incoming.text == "/reflect" and incoming.account == f"tg:{WANG.id}":
            held.set()
            await hold.wait()
        return await handle(incoming, **options)

    monkeypatch.setattr(core, "handle", handle_with_a_hold)
    queue(running, text_message(WANG, "/reflect"))
    queue(running, text_message(WANG, "《秋天的雨》"))
    await asyncio.wait_for(held.wait(), WAIT)
    queue(running, text_message(LIU, "/help"))
    await api.until(lambda: any("/reflect" in call.text for call in api.sent(LIU.id)))
    assert entered == [(f"tg:{WANG.id}", "/reflect"), (f"tg:{LIU.id}", "/help")]
    hold.set()
    await api.until(lambda: any("第 2/7 项" in call.text for call in api.sent(WANG.id)))
    assert entered[2:] == [(f"tg:{WANG.id}", "《秋天的雨》")]
