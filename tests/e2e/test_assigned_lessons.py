"""预约听课 arranged by 教导处, and 听课记录 typed through a plain /observe reaching the
公开课's teacher, as the people involved see them.

The clock starts on Monday 2026-11-30 08:00. 陈主任 arranges with 刘洋 a lesson on Wednesday
2026-12-09, 第2节, observed by 王芳 and 周静; 刘洋 registers it at 09:55 in 录播教室.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app import build_runner
from scheduler.clock import ManualClock
from storage.repos import lessons
from tests.conftest import ZONE
from tests.drivers import Driver, labels, plain, shown, tap
from tests.e2e.test_lessons import (
    CHEN,
    LESSON_LINE,
    LIU,
    PROCESS,
    STARTS,
    STRENGTH,
    SUGGESTION,
    SUN,
    WANG,
    WEAKNESS,
    ZHOU,
    Sink,
    answer,
    bot,
    lesson_ids,
    run_until,
    to_chat,
)

__all__ = ["bot"]  # the fixture: 刘洋, 孙丽, 周静, 王芳, 张伟 and 陈主任 bound, 语文组 linked


async def arrange(bot: Driver, observers: str = "王芳、周静") -> list:
    """陈主任 arranges the lesson and hands the form in; what everyone got."""
    replies = await bot.send(CHEN, "/assignlesson")
    assert "预约听课安排 · 第 1/4 项 · 授课教师" in shown(replies)
    replies = await answer(bot, CHEN, LIU, "下周三", "2", observers, replies=replies)
    assert "<b>听课老师</b>：" + observers in replies[-1].text
    return await tap(bot, CHEN, replies, "提交")


async def register(bot: Driver, told: list) -> list:
    """刘洋 presses 登记这节课 and fills in what the arrangement did not say."""
    replies = await tap(bot, LIU, told, "登记这节课")
    assert "公开课登记 · 第 2/10 项 · 类型" in shown(replies)
    replies = await answer(bot, LIU, "研讨课", "9:55", "录播教室", "三年级2班", "语文",
                           "秋天的雨", "需要预约", replies=replies,
                           taps=("研讨课", "语文", "需要预约"))
    summary = shown(replies)
    assert "日期：2026年12月9日" in summary
    assert "节次：2" in summary
    return await tap(bot, LIU, replies, "提交")


async def test_office_arranges_a_lesson_and_the_observers_are_booked(
        bot: Driver, clock: ManualClock) -> None:
    replies = await arrange(bot)
    own = [r for r in replies if r.chat is None]
    assert plain(own[0]) == ("✅ 已安排：刘洋 12月9日（周三） 第2节上课，听课：王芳、周静。"
                             "正在通知刘洋登记这节课。")
    (told,) = to_chat(replies, bot.account(LIU))
    assert plain(told) == ("📅 教导处（陈主任）和您约定了一节公开课：12月9日（周三） 第2节。\n"
                           "听课老师：王芳、周静。\n"
                           "请点下面的按钮登记这节课（课题、时间、地点等），登记后听课老师会自动预约。")
    assert labels([told]) == ["登记这节课"]
    # Nobody is booked before the lesson exists.
    assert lesson_ids(bot) == []

    replies = await register(bot, [told])
    mine = [plain(r) for r in replies if r.chat is None]
    assert mine == ["✅ 已登记：\n" + LESSON_LINE, "已为 2 位听课老师预约：王芳、周静。"]
    for name in (WANG, ZHOU):
        (note,) = to_chat(replies, bot.account(name))
        assert plain(note) == "📅 教导处安排您听课，已为您预约：\n" + LESSON_LINE
    (office,) = to_chat(replies, bot.account(CHEN))
    assert plain(office) == "✅ 刘洋已登记您安排的课，听课老师已预约：\n" + LESSON_LINE
    (lesson_id,) = lesson_ids(bot)
    page = await bot.say(SUN, "/lessons")
    assert "已预约 2 人" in page
    booked = bot.core.db.call(lambda s: lessons.bookings(s, lesson_id=lesson_id))
    assert [name for _, name, _ in booked] == [WANG, ZHOU]

    # Registered once: the button says so; another teacher's press is refused.
    again = await tap(bot, LIU, [told], "登记这节课")
    assert [r.notice for r in again] == ["这节课已经登记过了。"]
    forged = await bot.send(SUN, button=told.buttons[0][0].data)
    assert [r.notice for r in forged] == ["这节课是约定给别的老师的。"]

    # The booked get the lesson's reminders and its 听课记录 afterwards, as any booking.
    sink = Sink(clock, [])
    clock.set(STARTS - timedelta(hours=2))
    await run_until(build_runner(bot.core, sink.send), clock, STARTS + timedelta(hours=1))
    for name in (WANG, ZHOU):
        (soon,) = sink.to(bot, name, "⏰ 您预约的公开课快开始了")
        assert soon[0] == STARTS - timedelta(hours=1)
        (after,) = sink.to(bot, name, "请写一份听课记录")
        assert labels([after[1]]) == ["写听课记录"]
    assert not sink.to(bot, SUN, "公开课")


async def test_unknown_observer_keeps_the_form_open(bot: Driver) -> None:
    replies = await bot.send(CHEN, "/assignlesson")
    replies = await answer(bot, CHEN, LIU, "下周三", "2", "王芳、李雷", replies=replies)
    replies = await tap(bot, CHEN, replies, "提交")
    assert plain(replies[0]) == ("⚠️ 花名册里找不到：李雷。请点「修改」改一下听课老师"
                                 "（用顿号分开）。")
    assert not to_chat(replies, bot.account(LIU))
    assert labels(replies) == ["修改某项", "取消"]
    # 修改某项 → 听课老师 → a name on the roster: arranged.
    replies = await tap(bot, CHEN, replies, "修改某项")
    replies = await tap(bot, CHEN, replies, "听课老师")
    replies = await answer(bot, CHEN, "王芳、周静", replies=replies)
    replies = await tap(bot, CHEN, replies, "提交")
    assert to_chat(replies, bot.account(LIU))
    # Only the teacher herself is named: nobody to observe.
    replies = await arrange(bot, observers="刘洋")
    assert plain(replies[0]).startswith("⚠️ 请至少写一位听课老师")


async def test_only_the_office_arranges(bot: Driver) -> None:
    assert await bot.say(WANG, "/assignlesson") == "抱歉，只有管理员可以使用 /assignlesson。"


# -- a plain /observe about a 公开课 -------------------------------------------------------


async def observe(bot: Driver, name: str, period: str) -> list:
    """``name`` types a 听课记录 of 刘洋's lesson through /observe, not from its button."""
    replies = await bot.send(name, "/observe")
    replies = await answer(bot, name, "今天", period, "三年级2班", "语文", LIU, "秋天的雨",
                           "新授课", PROCESS, "完成", STRENGTH, WEAKNESS, SUGGESTION,
                           replies=replies, taps=("语文", "新授课"))
    return await tap(bot, name, replies, "提交")


async def test_plain_observation_reaches_the_lessons_teacher(bot: Driver,
                                                             clock: ManualClock) -> None:
    replies = await arrange(bot, observers="王芳")
    await register(bot, to_chat(replies, bot.account(LIU)))
    clock.set(STARTS + timedelta(hours=1))
    replies = await observe(bot, SUN, "2")
    assert "✅ 已提交听课记录「秋天的雨」。" in shown(replies)
    assert "已关联到刘洋的公开课《秋天的雨》，评课会转给刘洋。" in shown(replies)
    (first,) = to_chat(replies, bot.account(LIU))
    assert plain(first) == "💬 您的公开课收到了第一份评课（孙丽）：\n" + LESSON_LINE
    assert "已收到评课 1 份" in await bot.say(LIU, "/lessons")
    # The booked observer's plain /observe completes the set, as her button's would.
    replies = await observe(bot, WANG, "2")
    (last,) = to_chat(replies, bot.account(LIU))
    assert plain(last) == "✅ 预约听课的 1 位老师都写完了评课：\n" + LESSON_LINE


async def test_plain_observation_of_another_period_is_its_own(bot: Driver,
                                                              clock: ManualClock) -> None:
    replies = await arrange(bot)
    await register(bot, to_chat(replies, bot.account(LIU)))
    clock.set(STARTS + timedelta(hours=1))
    replies = await observe(bot, SUN, "5")
    assert "已关联" not in shown(replies)
    assert not to_chat(replies, bot.account(LIU))
    assert "已收到评课 0 份" in await bot.say(LIU, "/lessons")


async def test_plain_observation_before_the_lesson_is_not_linked(bot: Driver,
                                                                 clock: ManualClock) -> None:
    replies = await arrange(bot)
    await register(bot, to_chat(replies, bot.account(LIU)))
    clock.set(datetime(2026, 12, 9, 8, 0, tzinfo=ZONE))
    replies = await observe(bot, SUN, "2")
    assert "已关联" not in shown(replies)
