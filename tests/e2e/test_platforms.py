"""The same end-to-end scenarios on Telegram and on 钉钉, through each real adapter.

Each scenario is written once against ``Platform``: people bind, type, press buttons and
see messages. ``TelegramPlatform`` drives the real python-telegram-bot Application on the
offline Bot API; ``DingTalkPlatform`` drives the real 钉钉 adapter over a real websocket
against the fake 钉钉. Where the platforms differ, the platform says so explicitly:
binding (a code on Telegram, the directory on 钉钉), groups (an @ on 钉钉), a press's
answer (a toast on Telegram, the pressed card's notice line on 钉钉), edits (an edited
message on Telegram, an updated card on 钉钉).
"""

from __future__ import annotations

import asyncio
import functools
import html
import itertools
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Protocol

import pytest

from bot.app import build_runner
from bot.config import TelegramSpec
from bot.multi import route_sends
from bot.tg.adapter import TelegramBridge, build_application
from handlers import texts
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.repos import chats, school
from tests.dingtalk_harness import DingTalk, running
from tests.dingtalk_harness import shown as dt_shown
from tests.drivers import prose
from tests.fake_dingtalk import FakeDingTalk, Staff
from tests.fakes import (
    SENDING,
    TOKEN,
    Call,
    RecordingRequest,
    Telegram,
    TgGroup,
    TgUser,
    bot_added,
    callback_query,
    text_message,
    unpaced,
)

# Everyone a scenario may name: 工号 from examples/roster.csv.
ROSTER = {"王芳": "2001", "刘洋": "2002", "孙丽": "2003", "陈主任": "1002"}
GROUP = "语文组"
_TAG = re.compile(r"<[^>]+>")
REASON = "区里数学竞赛监考"
PICTURE, FILE = "[图片]", "[文件 {name}]"  # how the scenarios see an attachment
LONG = "学生在小组讨论中表现积极，提问设计层层递进，板书清楚，课堂气氛活跃，达成了教学目标。"


class Platform(Protocol):
    """What people do and see, on one platform."""

    name: str

    async def bind(self, person: str) -> str: ...
    async def link(self, admin: str) -> None: ...
    async def say(self, person: str, text: str, *, group: bool = False) -> str: ...
    async def press(self, person: str, label: str, *, group: bool = False) -> str: ...
    def runner(self) -> Runner: ...


class TelegramPlatform:
    """Telegram: binding by code, a group of its own, toasts and edits."""

    name = "telegram"

    def __init__(self, tg: Telegram) -> None:
        self.tg = tg
        self.users = {name: TgUser(int(number) * 7, name) for name, number in ROSTER.items()}
        self.group = TgGroup(-1001234567890, "三年级语文组")

    def _chat(self, person: str, group: bool) -> int:
        return self.group.id if group else self.users[person].id

    @staticmethod
    def _shown(calls: list[Call]) -> str:
        seen = [c.text for c in calls if c.method in (*SENDING, "editMessageText") and c.ok]
        seen += [PICTURE for c in calls if c.method == "sendPhoto" and c.ok]
        seen += [FILE.format(name=name) for c in calls if c.method == "sendDocument" and c.ok
                 for name in c.files]
        seen += [str(c.params.get("text") or "") for c in calls
                 if c.method == "answerCallbackQuery"]
        return "\n".join(html.unescape(_TAG.sub("", text)) for text in seen)

    async def bind(self, person: str) -> str:
        return self._shown(await self.tg.bind(self.users[person], person))

    async def link(self, admin: str) -> None:
        await self.bind(admin)
        await self.tg.feed(bot_added(self.users[admin], self.group))
        await self.tg.say(self.users[admin], f"/link {GROUP}", group=self.group)

    async def say(self, person: str, text: str, *, group: bool = False) -> str:
        before = len(self.tg.api.calls)
        await self.tg.feed(text_message(self.users[person], text,
                                        group=self.group if group else None))
        await self._built()
        return self._shown(self.tg.api.calls[before:])

    async def _built(self) -> None:
        """Wait for archives the bridge builds while it goes on with other updates."""
        bridge = self.tg.app.handlers[0][0].callback.__self__
        while bridge.building:
            await asyncio.gather(*list(bridge.building))

    async def press(self, person: str, label: str, *, group: bool = False) -> str:
        chat = self._chat(person, group)
        message = next(c for c in reversed(self.tg.api.calls)
                       if c.chat_id == chat and c.ok and c.result is not None
                       and label in c.labels)
        before = len(self.tg.api.calls)
        data = message.button(label)["callback_data"]
        await self.tg.feed(callback_query(self.users[person], message, data))
        return self._shown(self.tg.api.calls[before:])

    def runner(self) -> Runner:
        return build_runner(self.tg.core,
                            functools.partial(TelegramBridge(self.tg.core).send_due,
                                              self.tg.app.bot))


class DingTalkPlatform:
    """钉钉: binding by the directory, @ in groups, cards updated in place."""

    name = "dingtalk"
    conversation = "cidYuwenGroup=="

    def __init__(self, dt: DingTalk) -> None:
        self.dt = dt
        self.staff = {name: Staff(f"u{number}", name, "", number)
                      for name, number in ROSTER.items()}
        dt.fake.groups.add(self.conversation)

    def _new(self, before: int, pressed: dict[str, str] | None = None,
             old: dict[str, str] | None = None) -> str:
        """What appeared since ``before``; after a press, the pressed card as the presser
        sees it now (its text when it changed, and its notice line)."""
        fake = self.dt.fake
        seen = []
        if pressed is not None and old is not None:
            if pressed.get("markdown") != old.get("markdown"):
                seen.append(pressed.get("markdown", ""))
            seen.append(pressed.get("notice", ""))
        for sent in fake.sent[before:]:
            if sent.kind == "image":
                seen.append(PICTURE)
            elif sent.kind == "file":
                seen.append(FILE.format(name=sent.filename))
            else:
                seen.append(fake.cards[sent.track].text if sent.kind == "card" else sent.text)
        return "\n".join(dt_shown(text) for text in seen)

    async def bind(self, person: str) -> str:
        before = len(self.dt.fake.sent)
        await self.dt.bind(self.staff[person])
        return self._new(before)

    async def link(self, admin: str) -> None:
        await self.bind(admin)
        await self.dt.say(self.staff[admin], f"/link {GROUP}", group=self.conversation)

    async def say(self, person: str, text: str, *, group: bool = False) -> str:
        before = len(self.dt.fake.sent)
        await self.dt.say(self.staff[person], text,
                          group=self.conversation if group else None)
        return self._new(before)

    async def press(self, person: str, label: str, *, group: bool = False) -> str:
        fake = self.dt.fake
        user = self.staff[person].user_id
        to = self.conversation if group else self.staff[person].user_id
        card = next(fake.cards[s.track] for s in reversed(fake.sent)
                    if s.to == to and s.kind == "card" and label in fake.cards[s.track].labels)
        old = card.seen_by(user)
        before = len(fake.sent)
        await self.dt.press(self.staff[person], card, label)
        return self._new(before, card.seen_by(user), old)

    def runner(self) -> Runner:
        return self.dt.runner


@pytest.fixture(params=["telegram", "dingtalk"])
async def platform(request: pytest.FixtureRequest, core: Core) -> AsyncIterator[Platform]:
    if request.param == "telegram":
        api = RecordingRequest()
        app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=unpaced())
        async with app:
            yield TelegramPlatform(Telegram(app, api, core))
        assert api.malformed == []
        return
    fake = FakeDingTalk().start()
    try:
        async with running(core, fake) as dt:
            yield DingTalkPlatform(dt)
        assert [r for r in fake.refused if r[1] != "token"] == []
    finally:
        fake.stop()


_sentences = itertools.count()


async def fill(platform: Platform, person: str, first: str, *, most: int = 30) -> str:
    """Answer a form until its summary, then press 提交; what the person saw last."""
    seen = first
    for _ in itertools.repeat(None, most):
        if "请核对" in seen:
            return await platform.press(person, "提交")
        if "写完了点「完成」" in seen and "字数不足" not in seen:
            seen = await platform.press(person, "完成")
            continue
        prompt = seen.strip().splitlines()[-3:] if seen.strip() else [""]
        # Each long answer a different sentence: a repeated one counts once.
        answer = ("今天" if any("哪天" in line for line in prompt)
                  else prose(LONG, 1, start=next(_sentences)))
        seen = await platform.say(person, answer)
    raise AssertionError(f"the form did not reach its summary: {seen}")


# The scenarios --------------------------------------------------------------------------


async def test_binding(platform: Platform) -> None:
    bound = await platform.bind("刘洋")
    if platform.name == "dingtalk":  # no code: the directory's 工号 names the person
        assert "已按钉钉通讯录为您绑定花名册：刘洋" in bound
    else:
        assert "绑定成功！刘洋老师您好" in bound
    me = await platform.say("刘洋", "/me")
    assert me.splitlines()[:3] == ["刘洋（教师）", "学校：花城小学", "教研组：语文组"]


async def test_a_whole_form(platform: Platform) -> None:
    await platform.bind("刘洋")
    opened = await platform.say("刘洋", "/reflect")
    assert "教学反思" in opened
    await fill(platform, "刘洋", opened)
    mine = await platform.say("刘洋", "/mine")
    assert "（共 1 份，第 1/1 页）" in mine


@pytest.mark.parametrize("label", ["读书笔记", "教育故事", "读书心得", "心得体会", "教育教学论文",
                                   "课标摘抄", "教学随笔", "专题演讲"])
async def test_every_record_form(platform: Platform, label: str) -> None:
    await platform.bind("孙丽")
    opened = await platform.say("孙丽", f"/record {label}")
    assert label in opened
    saved = await fill(platform, "孙丽", opened)
    assert f"已提交{label}" in saved
    assert "（共 1 份，第 1/1 页）" in await platform.say("孙丽", "/mine")


async def test_an_observation_with_its_choices(platform: Platform) -> None:
    await platform.bind("孙丽")
    seen = await platform.say("孙丽", "/observe")
    for answer in ("今天", "2", "三年级2班", "@语文", "王芳", "秋天的雨", "@新授课"):
        seen = (await platform.press("孙丽", answer[1:]) if answer.startswith("@")
                else await platform.say("孙丽", answer))
    saved = await fill(platform, "孙丽", seen)
    assert "已提交听课记录" in saved


async def test_announce_attend_leave_and_approval(platform: Platform,
                                                  clock: ManualClock) -> None:
    await platform.link("陈主任")
    for person in ("王芳", "刘洋", "孙丽"):
        await platform.bind(person)
    runner = platform.runner()
    await runner.tick()  # Monday 08:00: the week's sessions are planned
    opened = await platform.say("王芳", "/announce")
    assert "发布这次教研的通知" in opened
    seen = opened
    for answer in ("《秋天的雨》一课多研", "王芳", "说课-上课-评课"):
        seen = await platform.say("王芳", answer)
    seen = await platform.say("王芳", "先说课，再上课，最后评课")
    if "完成" in seen:
        seen = await platform.press("王芳", "完成")
    seen = await platform.say("王芳", "/skip")
    posted = await platform.press("王芳", "提交")
    assert "教研活动通知" in posted
    assert "《秋天的雨》一课多研" in posted

    # 参加 in the group: a toast on Telegram, the card's own notice line on 钉钉.
    went = await platform.press("刘洋", "参加", group=True)
    assert texts.ATTEND_GO_OK in went
    # 请假: the form comes in the private chat; the request goes to the admin.
    asked = await platform.press("孙丽", "请假", group=True)
    assert texts.LEAVE_SEE_PRIVATE in asked
    await platform.press("孙丽", texts.LEAVE_BUTTON)
    await platform.say("孙丽", REASON)
    sent = await platform.press("孙丽", "提交")
    assert REASON in sent  # what the admin was sent
    decided = await platform.press("陈主任", "批准")
    assert "已批准" in decided


async def test_reminders(platform: Platform, clock: ManualClock) -> None:
    await platform.link("陈主任")
    await platform.bind("刘洋")
    runner = platform.runner()
    await runner.tick()
    clock.advance(timedelta(days=1, hours=9))  # Tuesday 17:00, the day before 语文组 meets
    await runner.tick()
    went = await platform.press("刘洋", "参加", group=True)
    assert texts.ATTEND_GO_OK in went





async def test_an_open_lesson_and_booking(platform: Platform) -> None:
    await platform.link("陈主任")
    for person in ("刘洋", "孙丽"):
        await platform.bind(person)
    await platform.say("刘洋", "/addlesson")
    for value in ("研讨课", "下周三", "2", "9:55", "录播教室", "三年级2班", "语文", "秋天的雨",
                  "需要预约"):
        if value in ("研讨课", "语文", "需要预约"):  # choices are buttons
            await platform.press("刘洋", value)
        else:
            await platform.say("刘洋", value)
    posted = await platform.press("刘洋", "提交")
    assert "公开课预告" in posted
    assert "秋天的雨" in posted
    booked = await platform.press("孙丽", "预约听课", group=True)
    assert "预约" in booked
    listed = await platform.say("孙丽", "/lessons")
    assert "秋天的雨" in listed


async def test_progress_with_its_chart_and_export_as_a_file(platform: Platform) -> None:
    await platform.link("陈主任")
    await platform.bind("王芳")
    progress = await platform.say("王芳", "/progress", group=True)
    assert PICTURE in progress
    exported = await platform.say("陈主任", "/export")
    assert any(line.startswith("[文件 ") and line.endswith(".zip]")
               for line in exported.splitlines()), exported


# Both at once ----------------------------------------------------------------------------


async def test_both_platforms_in_one_process_each_reached_where_they_bound(
        core: Core, clock: ManualClock) -> None:
    """刘洋 and 陈主任 on Telegram, 孙丽 on 钉钉; one tick serves both groups of 语文组."""
    api = RecordingRequest()
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=unpaced())
    fake = FakeDingTalk().start()
    try:
        async with app, running(core, fake) as dt:
            tg, ding = TelegramPlatform(Telegram(app, api, core)), DingTalkPlatform(dt)
            await tg.link("陈主任")
            await tg.bind("刘洋")
            await ding.bind("孙丽")
            # 语文组 also has a 钉钉 group (linked as an admin on 钉钉 would).
            chats_link(core, f"dt:group:{ding.conversation}")
            send = route_sends({
                "tg:": functools.partial(TelegramBridge(core).send_due, app.bot),
                "dt:": dt.service.bridge.send_due})
            runner = build_runner(core, send)
            await runner.tick()
            clock.advance(timedelta(days=1, hours=9))
            await runner.tick()
            assert "参加" in fake.last_card(ding.conversation).labels
            assert any("参加" in c.labels for c in api.sent(tg.group.id))
            went = await tg.press("刘洋", "参加", group=True)
            assert texts.ATTEND_GO_OK in went
            went = await ding.press("孙丽", "参加", group=True)
            assert texts.ATTEND_GO_OK in went
    finally:
        fake.stop()


def chats_link(core: Core, address: str) -> None:
    def apply(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        chats.set_link(session, chat=address, title=GROUP, school_id=core.school_id,
                       group_id=ids[GROUP], actor_id=None, now=core.clock.now())

    core.db.call(apply)
