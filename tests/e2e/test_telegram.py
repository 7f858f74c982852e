"""Transcripts through the real python-telegram-bot Application, on an offline Bot API.

Every test builds the Application exactly as production does (``build_application``) and
swaps only the HTTP transport for ``RecordingRequest``; the assertions read what people
would see: the texts and buttons of the messages Telegram accepted, and in which chat.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Update

from bot import texts as bot_texts
from bot.app import build_runner
from bot.config import TelegramSpec
from bot.tg.adapter import TelegramBridge, build_application
from bot.tg.ratelimit import FloodLimiter
from bot.tg.translate import to_incoming
from handlers import texts
from handlers.dispatch import Core
from handlers.render import TELEGRAM_LIMIT
from handlers.types import Attachment, Button, Reply, private_chat
from scheduler.clock import ManualClock
from tests.fakes import (
    BOT_ID,
    SENDING,
    TOKEN,
    RecordingRequest,
    Telegram,
    TgGroup,
    TgUser,
    anonymous_admin_message,
    bot_added,
    callback_query,
    group_upgraded,
    hold_archives,
    next_update_id,
    photo_message,
    shown,
    text_message,
    unpaced,
)

# People of the demo school (examples/roster.csv) and their Telegram accounts.
STRANGER = TgUser(7001, "小明", "xiaoming")
LIU = TgUser(2002, "刘洋", "liuyang")
WANG = TgUser(2001, "王芳")
CHEN = TgUser(1002, "陈主任")
LI = TgUser(1001, "李校长")
GROUP = TgGroup(-1001234567890, "三年级语文组")
GROUP_NAMES = "语文组、数学组、英语组、综合组"


@pytest.fixture
async def tg(core: Core, flood_limiter: FloodLimiter) -> AsyncIterator[Telegram]:
    """The bot's Application, initialised against the fake Bot API (getMe answered)."""
    api = RecordingRequest()
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=flood_limiter)
    async with app:
        yield Telegram(app, api, core)
    # Whatever a test did, Telegram never had reason to refuse what the bot sent.
    assert api.malformed == []


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB 23's RetryAfter.retry_after (a timedelta).

    PTB 22 otherwise warns (PTBDeprecationWarning) while building every RetryAfter, and
    warnings are errors in this suite: a 429 would fail the send it should retry.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def linked_group(tg: Telegram) -> None:
    """陈主任 (admin) binds, adds the bot to GROUP and links it to 语文组."""
    await tg.bind(CHEN, "陈主任")
    await tg.feed(bot_added(CHEN, GROUP))
    await tg.say(CHEN, "/link 语文组", group=GROUP)


# Private chat: greeting, help, binding ---------------------------------------------------


async def test_stranger_is_greeted_and_a_teacher_binds_by_deep_link(tg: Telegram) -> None:
    [greeting] = await tg.say(STRANGER, "/start")
    assert greeting.chat_id == STRANGER.id
    assert greeting.params["parse_mode"] == "HTML"
    assert "请先绑定花名册：发送 /bind 绑定码" in shown(greeting.text)
    assert "/request 您的姓名" in shown(greeting.text)

    [help_] = await tg.say(STRANGER, "/help")
    lines = shown(help_.text).splitlines()
    assert lines[0] == "研修助手 · 我能做的事（未绑定）："
    assert {"/bind — 用绑定码绑定花名册", "/request — 没有绑定码时申请绑定",
            "/help — 我能做什么"} <= set(lines)
    assert not [line for line in lines if line.startswith("/me")]  # not for strangers
    assert lines[-1] == "绑定花名册后可以使用更多功能。"

    # 刘洋 follows t.me/yanxiu_test_bot?start=bind-CODE: Telegram sends "/start bind-CODE".
    [bound] = await tg.bind(LIU, "刘洋")
    assert bound.chat_id == LIU.id
    assert shown(bound.text).startswith("绑定成功！刘洋老师您好")

    [me] = await tg.say(LIU, "/me")
    assert shown(me.text).splitlines()[:3] == ["刘洋（教师）", "学校：花城小学", "教研组：语文组"]

    # Binding also set the persistent menu under the text box; its buttons send their label.
    menu = bound.params["reply_markup"]
    assert menu["is_persistent"] is True
    assert [[button["text"] for button in row] for row in menu["keyboard"]] == [
        list(row) for row in texts.MENU]
    label = next(label for label, command in texts.MENU_COMMANDS.items() if command == "me")
    [tapped] = await tg.say(LIU, label)
    assert tapped.text == me.text


# Group chats: linking --------------------------------------------------------------------


async def test_unlinked_group_is_told_once_and_only_admins_link_it(tg: Telegram) -> None:
    await tg.bind(CHEN, "陈主任")
    await tg.bind(WANG, "王芳")

    added = await tg.feed(bot_added(WANG, GROUP))
    [told] = [call for call in added if call.method == "sendMessage"]
    assert told.chat_id == GROUP.id
    assert "请管理员在群里发送 /link 语文组" in shown(told.text)
    assert await tg.say(WANG, "/me", group=GROUP) == []

    [refused] = await tg.say(WANG, "/link 语文组", group=GROUP)
    assert shown(refused.text) == "抱歉，只有管理员可以使用 /link。"
    [stranger] = await tg.say(STRANGER, "/link 语文组", group=GROUP)
    assert "您还没有绑定花名册" in shown(stranger.text)

    [linked] = await tg.say(CHEN, "/link 语文组", group=GROUP)
    assert linked.chat_id == GROUP.id
    assert shown(linked.text).startswith("好的，本群已关联到 语文组。")

    [unknown] = await tg.say(CHEN, "/link 体育组", group=GROUP)
    assert shown(unknown.text) == f"没有名为「体育组」的教研组。可选：{GROUP_NAMES}，或 全校。"


async def test_an_anonymous_admin_is_told_why_nothing_happens(tg: Telegram) -> None:
    await tg.bind(CHEN, "陈主任")
    [told] = await tg.feed(anonymous_admin_message(GROUP, "/link 语文组"))
    assert (told.chat_id, told.text) == (GROUP.id, bot_texts.ANONYMOUS_ADMIN)
    assert await tg.feed(anonymous_admin_message(GROUP, "/help@other_bot")) == []
    assert await tg.feed(anonymous_admin_message(GROUP, "大家好")) == []
    # Nothing was linked: the first word of a known admin still gets the linking hint.
    [hint] = await tg.feed(bot_added(CHEN, GROUP))
    assert "请管理员在群里发送 /link 语文组" in shown(hint.text)


async def test_commands_for_another_bot_in_the_group_are_not_answered(tg: Telegram) -> None:
    # When the bot is a group admin it sees every message, including other bots' commands.
    await linked_group(tg)
    assert await tg.say(CHEN, "/help@some_other_bot", group=GROUP) == []
    [help_] = await tg.say(CHEN, "/help@yanxiu_test_bot", group=GROUP)
    assert "在群里可以用" in shown(help_.text)


# Private-only commands in groups ---------------------------------------------------------


async def test_private_command_in_a_group_answers_with_a_deep_link(tg: Telegram) -> None:
    await linked_group(tg)
    await tg.bind(LIU, "刘洋")

    [answer] = await tg.say(LIU, "/me", group=GROUP)
    assert answer.chat_id == GROUP.id
    assert shown(answer.text) == "/me 需要在私聊中使用，点下面的按钮打开与我的私聊。"
    assert answer.buttons == [[{"text": "私聊打开",
                                "url": "https://t.me/yanxiu_test_bot?start=cmd-me"}]]

    # The button opens the private chat, where Telegram sends "/start cmd-me".
    [me] = await tg.say(LIU, "/start cmd-me")
    assert me.chat_id == LIU.id
    assert shown(me.text).startswith("刘洋（教师）")


# Buttons: bind requests ------------------------------------------------------------------


async def test_bind_request_is_approved_by_an_admin_with_a_button(tg: Telegram) -> None:
    await tg.bind(CHEN, "陈主任")
    await tg.bind(LI, "李校长")
    await tg.bind(WANG, "王芳")

    sent = await tg.say(STRANGER, "/request 刘洋")
    assert sent[0].chat_id == STRANGER.id
    assert {call.chat_id for call in sent[1:]} == {CHEN.id, LI.id}
    assert shown(sent[0].text).startswith("已收到申请")
    to_chen = next(call for call in sent if call.chat_id == CHEN.id)
    to_li = next(call for call in sent if call.chat_id == LI.id)
    assert shown(to_chen.text) == (
        "绑定申请：Telegram 用户 小明 (@xiaoming) 申请绑定为 刘洋（语文组）。")
    assert to_chen.labels == ["批准", "拒绝"]

    # A teacher who copies the button's data is refused and nothing happens.
    forged = await tg.feed(callback_query(WANG, tg.api.sent(WANG.id)[-1],
                                          to_chen.button("批准")["callback_data"]))
    [answer] = [call for call in forged if call.method == "answerCallbackQuery"]
    assert "只有管理员" in answer.params["text"]
    assert not [call for call in forged if call.chat_id == STRANGER.id]

    approved = await tg.press(CHEN, to_chen, "批准")
    [answer] = [call for call in approved if call.method == "answerCallbackQuery"]
    assert answer.params["text"] == "批准"
    [edit] = [call for call in approved if call.method == "editMessageText"]
    assert edit.chat_id == CHEN.id
    assert edit.params["message_id"] == to_chen.result["message_id"]
    assert shown(edit.text) == "绑定申请：刘洋\n\n陈主任已批准。"
    assert edit.buttons == []  # the 批准/拒绝 buttons are gone
    [told] = [call for call in approved if call.chat_id == STRANGER.id]
    assert "已绑定为 刘洋" in shown(told.text)

    # The other admin (or a second tap) finds it already handled.
    again = await tg.press(LI, to_li, "拒绝")
    [answer] = [call for call in again if call.method == "answerCallbackQuery"]
    assert answer.params["text"] == "这条申请已经处理过了。"
    twice = await tg.press(CHEN, to_chen, "批准")
    assert [c.params.get("text") for c in twice if c.method == "answerCallbackQuery"] == [
        "这条申请已经处理过了。"]
    assert not [call for call in again + twice if call.chat_id == STRANGER.id]

    # Every button press was answered, so no client is left with a spinning button.
    presses = 4
    assert len(tg.api.of("answerCallbackQuery")) == presses

    [me] = await tg.say(STRANGER, "/me")
    assert shown(me.text).startswith("刘洋（教师）")


async def test_presses_on_messages_that_cannot_be_edited_still_work(tg: Telegram) -> None:
    await tg.bind(CHEN, "陈主任")
    sent = await tg.say(STRANGER, "/request 刘洋")
    [to_chen] = [call for call in sent if call.chat_id == CHEN.id]
    data = to_chen.button("批准")["callback_data"]

    # 陈主任 deleted the request message; Telegram still delivers the press.
    tg.api.deleted.add((CHEN.id, to_chen.result["message_id"]))
    calls = await tg.feed(callback_query(CHEN, to_chen, data, accessible=False))
    assert [call.method for call in calls] == ["answerCallbackQuery", "sendMessage",
                                               "sendMessage"]
    assert [(call.chat_id, shown(call.text)) for call in calls[1:]] == [
        (CHEN.id, "绑定申请：刘洋\n\n陈主任已批准。"),
        (STRANGER.id, "教导处已批准：您已绑定为 刘洋。发送 /help 看看我能做什么。"),
    ]

    # An edit Telegram refuses becomes a new message too.
    sent = await tg.say(TgUser(7003, "小红"), "/request 孙丽")
    [to_chen] = [call for call in sent if call.chat_id == CHEN.id]
    tg.api.not_editable.add((CHEN.id, to_chen.result["message_id"]))
    calls = await tg.press(CHEN, to_chen, "拒绝")
    assert [(call.method, call.status) for call in calls] == [
        ("answerCallbackQuery", 200), ("editMessageText", 400), ("sendMessage", 200),
        ("sendMessage", 200)]
    assert shown(calls[2].text) == "绑定申请：孙丽\n\n陈主任已拒绝。"


async def test_a_refused_press_shows_a_plain_toast(tg: Telegram) -> None:
    [greeting] = await tg.say(STRANGER, "/start")
    calls = await tg.feed(callback_query(STRANGER, greeting, "br:ok:1"))
    [answer] = [call for call in calls if call.method == "answerCallbackQuery"]
    # answerCallbackQuery has no parse mode: tags would show literally in the toast.
    assert answer.params["text"] == ("您还没有绑定花名册，暂时不能使用这个功能。\n"
                                     "请私聊我发送 /bind 绑定码；没有绑定码请联系教导处。")


async def test_a_press_the_bot_ignores_is_answered_anyway(tg: Telegram) -> None:
    # A button on a message sent via inline mode: no message comes with the press.
    payload = {"update_id": next_update_id(), "callback_query": {
        "id": "q-inline", "from": CHEN.json(), "chat_instance": "ci",
        "inline_message_id": "AAAA", "data": "br:ok:1"}}
    calls = await tg.feed(payload)
    assert [(call.method, call.params["callback_query_id"]) for call in calls] == [
        ("answerCallbackQuery", "q-inline")]


# Private chats the bot may not write to --------------------------------------------------


async def test_unreachable_private_chat_does_not_break_the_others(tg: Telegram) -> None:
    await tg.bind(CHEN, "陈主任")
    await tg.bind(LI, "李校长")
    tg.api.unreachable.add(LI.id)  # 李校长 blocked the bot: Telegram answers 403

    sent = await tg.say(STRANGER, "/request 刘洋")
    assert [call.chat_id for call in sent] == [STRANGER.id, CHEN.id]
    refused = [call for call in tg.api.calls if call.status == 403]
    assert [call.chat_id for call in refused] == [LI.id]


async def test_unreachable_private_chat_gets_the_fallback_in_the_group(tg: Telegram) -> None:
    # 刘洋 never opened a private chat with the bot; the reply falls back to the group.
    tg.api.unreachable.add(LIU.id)
    update = Update.de_json(text_message(LIU, "/anything", group=GROUP), tg.app.bot)
    incoming = to_incoming(update, bot_id=BOT_ID)
    assert incoming is not None
    reply = Reply("您的听课记录已保存。", chat=private_chat(f"tg:{LIU.id}"),
                  fallback=Reply("刘洋老师，请先私聊我一次，之后我才能给您发消息。"))

    delivered = await TelegramBridge(tg.core).deliver(tg.app.bot, reply, incoming)

    assert delivered is True
    assert tg.api.texts(LIU.id) == []
    assert tg.api.texts(GROUP.id) == ["刘洋老师，请先私聊我一次，之后我才能给您发消息。"]

    # Without a fallback the reply is dropped quietly.
    lost = await TelegramBridge(tg.core).deliver(tg.app.bot,
                                                 Reply("x", chat=reply.chat), incoming)
    assert lost is False


async def test_reminder_buttons_in_the_group(tg: Telegram, clock: ManualClock) -> None:
    """The scheduler's reminder reaches the group; answers come back as toasts or fallbacks."""
    await linked_group(tg)
    await tg.bind(LIU, "刘洋")
    await tg.bind(WANG, "王芳")
    bridge = TelegramBridge(tg.core)

    async def send(reply: Reply, _item: object) -> bool:
        return await bridge.deliver(tg.app.bot, reply, None)

    runner = build_runner(tg.core, send)
    await runner.tick()  # Monday 08:00: the week's sessions are planned
    clock.advance(timedelta(days=1, hours=9))  # Tuesday 17:00, the day before 语文组 meets
    await runner.tick()
    reminder = tg.api.sent(GROUP.id)[-1]
    assert reminder.labels == ["参加", "请假"]

    # 参加 is answered with a toast only: no (empty) message appears in the group.
    calls = await tg.press(WANG, reminder, "参加")
    assert [(call.method, call.params.get("text")) for call in calls] == [
        ("answerCallbackQuery", texts.ATTEND_GO_OK)]

    # 请假 needs the private chat, which 刘洋 never opened: the group gets the deep link.
    tg.api.unreachable.add(LIU.id)
    calls = await tg.press(LIU, reminder, "请假")
    assert [(call.method, call.status, call.chat_id) for call in calls] == [
        ("answerCallbackQuery", 200, None), ("sendMessage", 403, LIU.id),
        ("sendMessage", 200, GROUP.id)]
    assert calls[0].params["text"] == texts.LEAVE_SEE_PRIVATE
    fallback = calls[2]
    assert shown(fallback.text) == texts.LEAVE_OPEN_PRIVATE
    url = fallback.button(texts.LEAVE_BUTTON)["url"]
    assert url.startswith("https://t.me/yanxiu_test_bot?start=leave-")


BASIC = TgGroup(-4001, "三年级语文组", kind="group")
UPGRADED = TgGroup(-1009876543210, "三年级语文组")


async def reminders_until_tuesday_evening(tg: Telegram, clock: ManualClock) -> None:
    """Monday 08:00 plans the week; Tuesday 17:00 reminds 语文组 of Wednesday's session."""
    runner = build_runner(tg.core, functools.partial(TelegramBridge(tg.core).send_due, tg.app.bot))
    await runner.tick()
    clock.advance(timedelta(days=1, hours=9))
    await runner.tick()


async def test_a_group_upgraded_to_a_supergroup_keeps_its_link(tg: Telegram,
                                                              clock: ManualClock) -> None:
    await tg.bind(CHEN, "陈主任")
    await tg.feed(bot_added(CHEN, BASIC))
    await tg.say(CHEN, "/link 语文组", group=BASIC)
    before = len(tg.api.sent(BASIC.id))
    for update in group_upgraded(CHEN, BASIC, UPGRADED):
        assert await tg.feed(update) == []

    [answer] = await tg.say(CHEN, "/me", group=UPGRADED)  # linked: no "please /link" notice
    assert "/link" not in shown(answer.text)
    await reminders_until_tuesday_evening(tg, clock)
    assert tg.api.sent(UPGRADED.id)[-1].labels == ["参加", "请假"]
    assert len(tg.api.sent(BASIC.id)) == before  # nothing more went to the old chat


async def test_a_send_to_an_upgraded_group_follows_it(tg: Telegram, clock: ManualClock) -> None:
    """Telegram's "group chat was upgraded" answer moves the link and the send."""
    await tg.bind(CHEN, "陈主任")
    await tg.feed(bot_added(CHEN, BASIC))
    await tg.say(CHEN, "/link 语文组", group=BASIC)
    tg.api.migrated[BASIC.id] = UPGRADED.id

    await reminders_until_tuesday_evening(tg, clock)
    group = [call for call in tg.api.calls
             if call.method in SENDING and call.chat_id in (BASIC.id, UPGRADED.id)]
    refused = next(n for n, call in enumerate(group) if not call.ok)
    assert (group[refused].chat_id, group[refused].status) == (BASIC.id, 400)
    # The same message again, in the supergroup (the digest's chart); later ones go there.
    again = group[refused + 1]
    assert (again.method, again.params) == (group[refused].method,
                                            {**group[refused].params, "chat_id": UPGRADED.id})
    assert {(call.chat_id, call.status) for call in group[refused + 1:]} == {(UPGRADED.id, 200)}
    assert group[-1].labels == ["参加", "请假"]
    [answer] = await tg.say(CHEN, "/me", group=UPGRADED)
    assert "/link" not in shown(answer.text)


# Escaping --------------------------------------------------------------------------------


async def test_user_text_with_html_is_shown_not_interpreted(tg: Telegram) -> None:
    await tg.bind(CHEN, "陈主任")
    sly = TgUser(7002, "<b>王</b>&amp;")

    [filed] = await tg.say(sly, "/request <b>王</b>&amp;")
    assert shown(filed.text).startswith("已收到申请")  # not on the roster: admins not asked

    sent = await tg.say(sly, "/request 刘洋")
    [to_chen] = [call for call in sent if call.chat_id == CHEN.id]
    assert to_chen.params["parse_mode"] == "HTML"
    assert "&lt;b&gt;王&lt;/b&gt;&amp;amp;" in to_chen.text
    assert "Telegram 用户 <b>王</b>&amp; 申请绑定为 刘洋" in shown(to_chen.text)

    await tg.feed(bot_added(CHEN, GROUP))
    [unknown] = await tg.say(CHEN, "/link <i>体育</i>&amp;", group=GROUP)
    assert shown(unknown.text).startswith("没有名为「<i>体育</i>&amp;」的教研组")


# Duplicate updates -----------------------------------------------------------------------


async def test_the_same_update_twice_gets_the_same_answer_and_counts_once(tg: Telegram) -> None:
    payload = text_message(STRANGER, "/bind WRONG123")
    first = await tg.feed(payload)
    second = await tg.feed(payload)
    assert ["还可以再试 4 次" in shown(call.text) for call in first] == [True]
    # The answer is sent again (the first may never have reached the phone); the second
    # delivery changed nothing.
    assert [call.text for call in second] == [call.text for call in first]
    [next_try] = await tg.say(STRANGER, "/bind WRONG123")
    assert "还可以再试 3 次" in shown(next_try.text)


# Start-up --------------------------------------------------------------------------------


def test_start_up_sets_the_command_menus_and_polls(core: Core) -> None:
    api = RecordingRequest()
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=unpaced())
    api.updates.append(text_message(STRANGER, "/start"))

    def stop_once_answered() -> bool:
        if not (app.running and api.sent(STRANGER.id)):
            return False
        app.stop_running()
        return True

    api.on_idle = stop_once_answered
    # As run_telegram does, in a thread of its own (no signal handlers outside the main one).
    runner = threading.Thread(target=app.run_polling, daemon=True,
                              kwargs={"allowed_updates": Update.ALL_TYPES, "stop_signals": None})
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive()

    menus = {call.params["scope"]["type"]: call.params["commands"]
             for call in api.of("setMyCommands")}
    assert set(menus) == {"all_private_chats", "all_group_chats", "all_chat_administrators"}
    assert {"command": "me", "description": "我的信息和研修进度"} in menus["all_private_chats"]
    assert {"command": "help", "description": "我能做什么"} in menus["all_group_chats"]
    link = {"command": "link", "description": "把本群关联到教研组（管理员）"}
    assert link in menus["all_chat_administrators"]
    assert link not in menus["all_group_chats"]
    assert all(re.search("[\u4e00-\u9fff]", command["description"])
               for commands in menus.values() for command in commands)
    assert all(call.ok for call in api.calls)
    methods = [call.method for call in api.calls]
    assert methods[0] == "getMe"
    assert methods.index("setMyCommands") < methods.index("getUpdates")
    [greeting] = api.sent(STRANGER.id)
    assert "请先绑定花名册" in shown(greeting.text)


# Messages that are not text --------------------------------------------------------------


async def test_a_photo_in_private_is_not_read(tg: Telegram) -> None:
    calls = await tg.feed(photo_message(STRANGER))
    assert [(call.chat_id, shown(call.text)) for call in calls] == [
        (STRANGER.id, "我只能读文字消息，请用文字回复。")]


# Logs, rate limits and long messages -----------------------------------------------------


@pytest.mark.usefixtures("ptb_timedelta")
async def test_the_token_never_reaches_the_log(tg: Telegram, caplog: pytest.LogCaptureFixture,
                                               core: Core) -> None:
    caplog.set_level(logging.INFO)
    await tg.bind(CHEN, "陈主任")
    tg.api.unreachable.add(LI.id)
    await tg.bind(LI, "李校长")  # 403: logged at INFO
    tg.api.rate_limit_once("sendMessage")
    await tg.say(STRANGER, "/start")  # 429, retried: logged as a warning
    core.db.close()
    await tg.say(STRANGER, "/help")  # an error with its traceback

    assert "Telegram asked to wait" in caplog.text
    assert "private chat tg:1001 unreachable" in caplog.text
    assert "unhandled error" in caplog.text
    secret = TOKEN.split(":", 1)[1]
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in repr(record.args)


@pytest.mark.usefixtures("ptb_timedelta")
async def test_rate_limited_send_is_retried(tg: Telegram) -> None:
    tg.api.rate_limit_once("sendMessage")
    calls = await tg.feed(text_message(STRANGER, "/start"))
    assert [(call.method, call.status) for call in calls] == [("sendMessage", 429),
                                                              ("sendMessage", 200)]
    assert calls[0].params == calls[1].params


async def test_a_long_reply_is_split_under_the_limit(tg: Telegram) -> None:
    update = Update.de_json(text_message(LIU, "/me"), tg.app.bot)
    incoming = to_incoming(update, bot_id=BOT_ID)
    lines = [f"{n:04d} 听课记录：三年级《秋天的雨》第二课时，朗读指导细致。" for n in range(400)]
    reply = Reply("\n".join(lines), buttons=((Button("批准", data="br:ok:1"),),))

    await TelegramBridge(tg.core).deliver(tg.app.bot, reply, incoming)

    parts = tg.api.sent(LIU.id)
    assert len(parts) > 1
    assert all(len(part.text) <= TELEGRAM_LIMIT for part in parts)
    assert "\n".join(part.text for part in parts).splitlines() == lines
    assert [bool(part.buttons) for part in parts] == [False] * (len(parts) - 1) + [True]


async def test_a_document_with_a_long_text_keeps_the_whole_text(tg: Telegram) -> None:
    update = Update.de_json(text_message(LIU, "/me"), tg.app.bot)
    incoming = to_incoming(update, bot_id=BOT_ID)
    text = "<b>本学期听课记录</b>\n" + "\n".join(f"第{n}节：《秋天的雨》" for n in range(120))
    reply = Reply(text, attachment=Attachment("听课记录.docx", b"PK\x03\x04 docx"))

    await TelegramBridge(tg.core).deliver(tg.app.bot, reply, incoming)

    # The text (too long for a caption, which would be cut mid-tag) comes first, whole.
    *messages, document = tg.api.sent(LIU.id)
    assert [call.method for call in messages] == ["sendMessage"]
    assert messages[0].text == text
    assert (document.method, document.files) == ("sendDocument", ("听课记录.docx",))
    assert "caption" not in document.params

    short = Reply("<b>本学期听课记录</b>（共 120 节）", attachment=reply.attachment)
    await TelegramBridge(tg.core).deliver(tg.app.bot, short, incoming)
    assert tg.api.sent(LIU.id)[-1].params["caption"] == short.text


async def test_an_archive_is_built_while_other_updates_are_answered(
        tg: Telegram, monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB handles updates one at a time: the archive is built in a task of its own, so the
    # next update is answered while it is held at its start (by progress, not by time).
    started, release = hold_archives(monkeypatch)
    await tg.bind(CHEN, "陈主任")
    await tg.bind(LIU, "刘洋")
    assert await tg.say(CHEN, "/export") == []  # nothing yet: the archive is being built
    assert await asyncio.to_thread(started.wait, 60)
    [me] = await tg.say(LIU, "/me")
    assert shown(me.text).startswith("刘洋（教师）")
    release.set()
    deadline = asyncio.get_running_loop().time() + 60
    while not [c for c in tg.api.sent(CHEN.id) if c.method == "sendDocument"]:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)  # waiting for the document to be sent, not assuming it is
    (document,) = [c for c in tg.api.sent(CHEN.id) if c.method == "sendDocument"]
    assert document.files[0].startswith("花城小学_")
    assert "台账、教研活动记录和个人研修档案" in document.params["caption"]


# Errors ----------------------------------------------------------------------------------


async def test_an_error_in_a_handler_is_logged_and_the_user_told(
    tg: Telegram, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    await tg.bind(CHEN, "陈主任")
    [to_chen] = [call for call in await tg.say(STRANGER, "/request 刘洋")
                 if call.chat_id == CHEN.id]
    core.db.close()  # the database goes away under the running bot

    calls = await tg.feed(text_message(STRANGER, "/help"))
    assert [(call.chat_id, call.text) for call in calls] == [
        (STRANGER.id, texts.INTERNAL_ERROR)]
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == "unhandled error while handling an update"
    assert record.exc_info is not None
    assert "Traceback" in caplog.text

    # A button pressed meanwhile is answered too, not left spinning.
    pressed = await tg.press(CHEN, to_chen, "批准")
    assert [call.method for call in pressed] == ["answerCallbackQuery", "sendMessage"]
    assert pressed[1].text == texts.INTERNAL_ERROR


async def test_a_press_that_fails_after_its_answer_is_answered_once(
        tg: Telegram, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    await tg.bind(CHEN, "陈主任")
    sent = await tg.say(TgUser(7003, "小红"), "/request 孙丽")
    [to_chen] = [call for call in sent if call.chat_id == CHEN.id]

    async def broken(*_args: object, **_kwargs: object) -> bool:
        raise RuntimeError("the network went away mid-update")

    monkeypatch.setattr(TelegramBridge, "deliver", broken)
    with caplog.at_level(logging.ERROR):
        calls = await tg.press(CHEN, to_chen, "批准")
    # The toast went out before the failure; the error handler does not answer it again
    # (Telegram would refuse a second answer), it only says something went wrong.
    assert [call.method for call in calls] == ["answerCallbackQuery", "sendMessage"]
    assert shown(calls[1].text) == texts.INTERNAL_ERROR
