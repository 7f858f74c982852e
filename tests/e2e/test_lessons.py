"""Transcripts of 公开课: /addlesson, the group's 公开课预告, 预约听课, 说课稿, reminders, 评课.

The clock starts on Monday 2026-11-30 08:00; the lesson is 刘洋's 研讨课 on Wednesday
2026-12-09 09:55 (第2节), so booking closes on 12-08 21:55 (12 hours before), the booked are
reminded at 08:55 (60 minutes before) and asked for their 听课记录 at 10:35 (40 minutes long).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from bot.app import build_runner
from bot.config import Config
from handlers.forms import engine
from handlers.types import Reply
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.repos import lessons
from storage.repos.outbox import OutboxItem
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, button_data, labels, plain, shown, tap

LIU, SUN, ZHOU, WANG, ZHANG, CHEN = "刘洋", "孙丽", "周静", "王芳", "张伟", "陈主任"
LESSON_LINE = ("研讨课《秋天的雨》 · 刘洋\n"
               "12月9日（周三）09:55（第2节，录播教室）· 三年级2班 · 语文")
STARTS = datetime(2026, 12, 9, 9, 55, tzinfo=ZONE)
DESIGN = ("本课是三年级上册第三单元的一篇散文，学生已经能借助图片理解词语。"
          "教学目标是有感情地朗读课文，体会秋雨的美；重点是理解比喻句，难点是仿写。"
          "流程：图片导入、初读识字、品读比喻句、小练笔。")
STRENGTH = "朗读指导层层递进，学生读出了秋雨的美。"
WEAKNESS = "小练笔的时间不够，只有三位学生展示。"
SUGGESTION = "可以把生字教学放到第一课时完成。"
PROCESS = ("教师用秋天的图片导入，学生说出秋天的颜色；随后初读课文，小组合作找出比喻句并交流，"
           "最后每人仿写一句话，教师挑选三份作品展示点评。")


# -- helpers --------------------------------------------------------------------------------






async def answer(bot: Driver, name: str, *steps: str, replies: list[Reply] | None = None,
                 taps: tuple[str, ...] = ()) -> list[Reply]:
    """Type each of ``steps``; a step named in ``taps`` is pressed as a button instead."""
    last = replies or []
    for step in steps:
        last = await (tap(bot, name, last, step) if step in taps else bot.send(name, step))
        assert "⚠️" not in shown(last), f"{step!r} was refused:\n{shown(last)}"
    return last


def to_chat(replies: list[Reply], address: str) -> list[Reply]:
    return [r for r in replies if r.chat is not None and r.chat.address == address]


async def fill_lesson(bot: Driver, name: str, *, teacher: str | None = None,
                      replies: list[Reply] | None = None) -> list[Reply]:
    """/addlesson up to the summary; ``teacher`` is typed when the form asks for one."""
    replies = replies or await bot.send(name, "/addlesson")
    if teacher is not None:
        assert "公开课登记 · 第 1/10 项 · 授课教师" in shown(replies)
        replies = await answer(bot, name, teacher, replies=replies)
    assert "第 2/10 项 · 类型" in shown(replies)
    return await answer(bot, name, "研讨课", "下周三", "2", "9:55", "录播教室", "三年级2班",
                        "语文", "秋天的雨", "需要预约", replies=replies,
                        taps=("研讨课", "语文", "需要预约"))


def lesson_ids(bot: Driver) -> list[int]:
    core = bot.core
    found = core.db.call(lambda s: lessons.list_upcoming(
        s, school_id=core.school_id, since=datetime(2026, 1, 1, tzinfo=ZONE)))
    return [lesson.id for lesson in found]


@dataclass
class Sink:
    """What the scheduler sent: (school time, chat address, reply)."""

    clock: ManualClock
    sent: list[tuple[datetime, str, Reply]]

    async def send(self, reply: Reply, item: OutboxItem) -> bool:
        address = reply.chat.address if reply.chat else item.chat
        self.sent.append((self.clock.now().astimezone(ZONE), address, reply))
        return True

    def to(self, bot: Driver, name: str, needle: str) -> list[tuple[datetime, Reply]]:
        return [(t, r) for t, chat, r in self.sent
                if chat == bot.account(name) and needle in plain(r)]


async def run_until(runner: Runner, clock: ManualClock, end: datetime,
                    step: timedelta = timedelta(minutes=5)) -> None:
    while clock.now() < end:
        clock.advance(step)
        await runner.tick()


@pytest.fixture
def bot(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    driver = Driver(make_core(config, sqlite_url, clock))
    driver.bind(LIU, SUN, ZHOU, WANG, ZHANG, CHEN)
    driver.link("语文组")
    yield driver
    driver.core.db.close()


@pytest.fixture
async def lesson(bot: Driver) -> int:
    """刘洋's 研讨课, registered through the form."""
    replies = await fill_lesson(bot, LIU)
    await tap(bot, LIU, replies, "提交")
    (lesson_id,) = lesson_ids(bot)
    return lesson_id


# -- registering --------------------------------------------------------------------------


async def test_teacher_registers_a_lesson_and_the_group_is_told(bot: Driver) -> None:
    replies = await bot.send(LIU, "/addlesson")
    # A plain teacher registers their own lesson: the teacher field is filled in already.
    assert "授课教师" not in shown(replies)
    assert "公开课登记 · 第 2/10 项 · 类型" in shown(replies)
    replies = await fill_lesson(bot, LIU, replies=replies)
    summary = shown(replies)
    for line in ("授课教师：刘洋", "类型：研讨课", "日期：2026年12月9日", "节次：2",
                 "开始时间：09:55", "地点：录播教室", "年级班级：三年级2班", "学科：语文",
                 "课题：秋天的雨", "预约听课：需要预约"):
        assert line in summary
    replies = await tap(bot, LIU, replies, "提交")
    own = [r for r in replies if r.chat is None]
    assert plain(own[0]) == "✅ 已登记：\n" + LESSON_LINE
    group = to_chat(replies, bot.group("语文组").address)
    assert len(group) == 1
    assert plain(group[0]) == ("📣 公开课预告\n" + LESSON_LINE
                               + "\n\n想来听课的老师请点「预约听课」。")
    assert labels(group) == ["预约听课", "详情"]
    # Only 语文组's chat: nobody else heard of it.
    assert {r.chat.address for r in replies if r.chat} == {bot.group("语文组").address}
    (lesson_id,) = lesson_ids(bot)
    stored = bot.core.db.call(lambda s: lessons.get_lesson(s, lesson_id=lesson_id))
    assert stored is not None
    assert stored.starts_at == STARTS
    assert (stored.teacher, stored.kind, stored.period, stored.booking_required) == (
        LIU, "研讨课", "2", True)


async def test_leader_is_asked_for_the_teacher(bot: Driver) -> None:
    replies = await fill_lesson(bot, WANG, teacher=SUN)
    assert "授课教师：孙丽" in shown(replies)
    replies = await tap(bot, WANG, replies, "提交")
    assert "✅ 已登记：" in shown(replies)
    assert "研讨课《秋天的雨》 · 孙丽" in shown(replies)
    assert len(to_chat(replies, bot.group("语文组").address)) == 1


async def test_leader_of_another_group_cannot_register_for_a_teacher(bot: Driver) -> None:
    replies = await fill_lesson(bot, ZHANG, teacher=LIU)
    replies = await tap(bot, ZHANG, replies, "提交")
    assert shown(replies) == "只有刘洋本人、其教研组长或管理员可以登记这节课。"
    assert lesson_ids(bot) == []


async def test_teacher_cannot_register_a_lesson_for_someone_else(bot: Driver) -> None:
    replies = await fill_lesson(bot, LIU)
    # The only way to another teacher: 修改某项 → 授课教师.
    replies = await tap(bot, LIU, replies, "修改某项")
    replies = await tap(bot, LIU, replies, "授课教师")
    replies = await answer(bot, LIU, SUN, replies=replies)
    assert "授课教师：孙丽" in shown(replies)
    replies = await tap(bot, LIU, replies, "提交")
    assert shown(replies) == "只有孙丽本人、其教研组长或管理员可以登记这节课。"
    assert not to_chat(replies, bot.group("语文组").address)
    assert lesson_ids(bot) == []


# -- listing and booking ------------------------------------------------------------------


async def test_lessons_lists_booked_counts_and_booking_buttons_work(bot: Driver,
                                                                     lesson: int) -> None:
    group = bot.group("语文组")
    text = await bot.say(SUN, "/lessons")
    assert text == "近期公开课\n\n" + LESSON_LINE + "\n已预约 0 人"

    book = f"bk:book:{lesson}"
    replies = await bot.send(SUN, button=book, chat=group)
    assert [r.notice for r in replies] == ["预约成功，上课前会提醒您。"]
    replies = await bot.send(SUN, button=book, chat=group)
    assert [r.notice for r in replies] == ["您已经预约过了。"]
    replies = await bot.send(ZHOU, button=book, chat=group)
    assert [r.notice for r in replies] == ["预约成功，上课前会提醒您。"]
    # The teacher who gives it need not book.
    replies = await bot.send(LIU, button=book, chat=group)
    assert [r.notice for r in replies] == ["这是您自己的课，不用预约。"]
    assert "已预约 2 人" in await bot.say(WANG, "/lessons", chat=group)

    # The page: who booked, and 取消预约 for those who did.
    page = await bot.send(ZHOU, button=f"bk:view:{lesson}")
    assert "已预约（2 人）：孙丽、周静" in shown(page)
    assert "已收到评课 0 份" in shown(page)
    replies = await tap(bot, ZHOU, page, "取消预约")
    assert [r.notice for r in replies] == ["已取消预约。"]
    replies = await tap(bot, ZHOU, page, "取消预约")
    assert [r.notice for r in replies] == ["您没有预约这节课。"]
    assert "已预约 1 人" in await bot.say(SUN, "/lessons")
    page = await bot.send(ZHOU, button=f"bk:view:{lesson}")
    assert "预约听课" in labels(page)
    assert "取消预约" not in labels(page)


async def test_booking_closes_twelve_hours_before(bot: Driver, lesson: int,
                                                  clock: ManualClock) -> None:
    clock.set(STARTS - timedelta(hours=12))
    replies = await bot.send(SUN, button=f"bk:book:{lesson}")
    assert [r.notice for r in replies] == ["预约成功，上课前会提醒您。"]
    clock.advance(timedelta(minutes=1))
    replies = await bot.send(ZHOU, button=f"bk:book:{lesson}")
    assert [r.notice for r in replies] == ["预约已截止。"]
    page = await bot.send(WANG, button=f"bk:view:{lesson}")
    assert "已预约（1 人）：孙丽" in shown(page)


# -- 说课稿, reminders, 听课记录, 反思 -------------------------------------------------------


async def test_design_note_reaches_the_booked_privately(bot: Driver, lesson: int) -> None:
    for name in (SUN, ZHOU):
        await bot.send(name, button=f"bk:book:{lesson}")
    page = await bot.send(LIU, button=f"bk:view:{lesson}")
    assert labels(page) == ["预约听课", "写说课稿"]
    # Only the teacher who gives it sees 写说课稿.
    assert "写说课稿" not in labels(await bot.send(SUN, button=f"bk:view:{lesson}"))
    replies = await tap(bot, LIU, page, "写说课稿")
    assert "说课稿 · 第 1/1 项 · 说课" in shown(replies)
    replies = await answer(bot, LIU, DESIGN, "完成")
    replies = await tap(bot, LIU, replies, "提交")
    assert shown([r for r in replies if r.chat is None]) == (
        "✅ 说课稿已保存，正在发给预约的 2 位老师。")
    for name in (SUN, ZHOU):
        (shared,) = to_chat(replies, bot.account(name))
        assert plain(shared) == ("📄 您预约的公开课发来了说课稿：\n" + LESSON_LINE + "\n\n"
                                 + DESIGN)
    assert not to_chat(replies, bot.account(WANG))
    page = await bot.send(WANG, button=f"bk:view:{lesson}")
    assert "说课：" + DESIGN in shown(page)


async def test_reminders_and_follow_up_forms(bot: Driver, lesson: int,
                                             clock: ManualClock) -> None:
    for name in (SUN, ZHOU):
        await bot.send(name, button=f"bk:book:{lesson}")
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    clock.set(datetime(2026, 12, 9, 7, 0, tzinfo=ZONE))
    await runner.tick()
    await run_until(runner, clock, datetime(2026, 12, 9, 11, 0, tzinfo=ZONE))

    for name in (SUN, ZHOU):
        soon = sink.to(bot, name, "您预约的公开课快开始了")
        assert [t.strftime("%m-%d %H:%M") for t, _ in soon] == ["12-09 08:55"]
        assert plain(soon[0][1]) == "⏰ 您预约的公开课快开始了：\n" + LESSON_LINE
        after = sink.to(bot, name, "听课记录")
        assert [t.strftime("%H:%M") for t, _ in after] == ["10:35"]
        assert labels([after[0][1]]) == ["写听课记录"]
    # Neither the teacher who gives it nor anyone who did not book is reminded.
    for name in (LIU, WANG, CHEN):
        assert not sink.to(bot, name, "您预约的公开课")
        assert not sink.to(bot, name, "写一份听课记录")
    reflect = sink.to(bot, LIU, "请写一份教学反思")
    assert [t.strftime("%H:%M") for t, _ in reflect] == ["10:35"]
    assert labels([reflect[0][1]]) == ["写教学反思"]

    # Ticking on, or a restarted runner: nothing comes twice.
    before = len(sink.sent)
    await runner.tick()
    await build_runner(bot.core, sink.send).tick()
    assert len(sink.sent) == before

    # 孙丽 writes her 听课记录 from the button: the lesson's fields are filled in and skipped.
    replies = await bot.send(SUN, button=button_data([sink.to(bot, SUN, "听课记录")[0][1]],
                                                     "写听课记录"))
    assert "听课记录 · 第 7/11 项 · 课型" in shown(replies)
    replies = await answer(bot, SUN, "新授课", PROCESS, "完成", STRENGTH, WEAKNESS,
                           SUGGESTION, replies=replies, taps=("新授课",))
    summary = shown(replies)
    for line in ("听课日期：2026年12月9日", "节次：2", "年级班级：三年级2班", "学科：语文",
                 "授课教师：刘洋", "课题：秋天的雨", "课型：新授课"):
        assert line in summary
    replies = await tap(bot, SUN, replies, "提交")
    assert "✅ 已提交听课记录「秋天的雨」。" in shown(replies)

    # The lesson's page shows one 评课, which its teacher can read.
    page = await bot.send(LIU, button=f"bk:view:{lesson}")
    assert "已收到评课 1 份" in shown(page)
    assert "看评课" in labels(page)
    assert "看评课" not in labels(await bot.send(ZHOU, button=f"bk:view:{lesson}"))
    reviews = await tap(bot, LIU, page, "看评课")
    assert shown(reviews) == (f"《秋天的雨》的评课\n\n孙丽\n优点：{STRENGTH}\n"
                              f"不足：{WEAKNESS}\n建议：{SUGGESTION}")
    # A teacher who is not its giver cannot read them by pressing an old button either.
    assert shown(await bot.send(ZHOU, button=f"bk:reviews:{lesson}")) == "这个按钮已经失效了。"

    # 周静 opens the same pre-filled form from the deep link.
    replies = await bot.send(ZHOU, f"/start observe-{lesson}")
    assert "听课记录 · 第 7/11 项 · 课型" in shown(replies)
    replies = await bot.send(ZHOU, "/cancel")
    await tap(bot, ZHOU, replies, "放弃")

    # 刘洋's 反思 request opens the 教学反思 with the lesson's topic, class and date.
    replies = await bot.send(LIU, button=button_data([reflect[0][1]], "写教学反思"))
    assert "教学反思 · 第 4/7 项 · 闪光点" in shown(replies)

    # /me: the 研讨课 counts, now that it has been given.
    assert "组内研讨课（本学期）1/1" in await bot.say(LIU, "/me")


async def test_open_lesson_counts_once_it_is_given(bot: Driver, lesson: int,
                                                   clock: ManualClock) -> None:
    # Registered on Monday 11-30 for Wednesday 12-09: not counted yet, nor on the eve …
    assert lesson_ids(bot) == [lesson]
    assert "组内研讨课（本学期）0/1" in await bot.say(LIU, "/me")
    # The school started with the bot today: one 公开课 by 01-22 is not owed yet.
    assert "组内研讨课 0/1 进度正常" in await bot.say(LIU, "/progress")
    clock.set(datetime(2026, 12, 8, 20, 0, tzinfo=ZONE))
    assert "组内研讨课（本学期）0/1" in await bot.say(LIU, "/me")
    # … but from the day it is given.
    clock.set(STARTS + timedelta(hours=1))
    assert "组内研讨课（本学期）1/1" in await bot.say(LIU, "/me")
    assert "组内研讨课 1/1 已完成" in await bot.say(LIU, "/progress")
    # It is 刘洋's lesson: it counts for nobody else.
    assert "组内研讨课（本学期）0/1" in await bot.say(SUN, "/me")


async def test_unbooked_teacher_gets_no_reminder(bot: Driver, lesson: int,
                                                 clock: ManualClock) -> None:
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    await bot.send(SUN, button=f"bk:book:{lesson}")
    await bot.send(ZHOU, button=f"bk:book:{lesson}")
    # Not planned yet two days before: unbooking then is simply forgotten.
    clock.set(datetime(2026, 12, 6, 8, 0, tzinfo=ZONE))
    await runner.tick()
    assert "取消预约" in labels(await bot.send(ZHOU, button=f"bk:view:{lesson}"))
    replies = await bot.send(ZHOU, button=f"bk:unbook:{lesson}")
    assert [r.notice for r in replies] == ["已取消预约。"]
    clock.set(datetime(2026, 12, 9, 8, 0, tzinfo=ZONE))
    await run_until(runner, clock, datetime(2026, 12, 9, 11, 0, tzinfo=ZONE),
                    step=timedelta(minutes=15))
    assert len(sink.to(bot, SUN, "您预约的公开课快开始了")) == 1
    assert not sink.to(bot, ZHOU, "您预约的公开课")


async def test_unbooking_after_reminders_were_planned(bot: Driver, lesson: int,
                                                      clock: ManualClock) -> None:
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    for name in (SUN, ZHOU):
        await bot.send(name, button=f"bk:book:{lesson}")
    # Tuesday morning: the planner has queued their reminders and 听课记录 requests.
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=ZONE))
    await runner.tick()
    replies = await bot.send(ZHOU, button=f"bk:unbook:{lesson}")
    assert [r.notice for r in replies] == ["已取消预约。"]
    clock.set(datetime(2026, 12, 9, 8, 0, tzinfo=ZONE))
    await run_until(runner, clock, datetime(2026, 12, 9, 11, 0, tzinfo=ZONE),
                    step=timedelta(minutes=15))
    # The booking is checked when they are sent: 周静 gets neither, 孙丽 both.
    assert not sink.to(bot, ZHOU, "您预约的公开课")
    assert not sink.to(bot, ZHOU, "听课记录")
    assert [t.strftime("%H:%M") for t, _ in sink.to(bot, SUN, "您预约的公开课快开始了")] == [
        "09:00"]
    assert [t.strftime("%H:%M") for t, _ in sink.to(bot, SUN, "听课记录")] == ["10:45"]


async def test_lesson_in_the_past_is_not_registered(bot: Driver) -> None:
    replies = await bot.send(LIU, "/addlesson")
    replies = await answer(bot, LIU, "研讨课", replies=replies, taps=("研讨课",))
    replies = await bot.send(LIU, "上周三")
    assert "⚠️ 日期不能早于今天" in shown(replies)
    replies = await answer(bot, LIU, "今天", "1", "8:00", "录播教室", "三年级2班", "语文",
                           "秋天的雨", "不需要预约", replies=replies,
                           taps=("今天", "语文", "不需要预约"))
    replies = await tap(bot, LIU, replies, "提交")
    assert shown(replies) == "上课时间已经过去了，请重新登记。"
    assert lesson_ids(bot) == []


async def test_observation_link_of_an_unknown_lesson(bot: Driver, lesson: int) -> None:
    assert await bot.say(SUN, f"/start observe-{lesson + 99}") == "这节课已取消或不存在。"
    assert await bot.say(SUN, "/start observe-abc") == "这节课已取消或不存在。"


NOT_YET = "这节课还没有上，上完课后再写吧。"


async def test_no_observation_of_a_lesson_not_given_yet(bot: Driver, lesson: int,
                                                        clock: ManualClock) -> None:
    await bot.send(ZHOU, button=f"bk:book:{lesson}")
    # Monday 11-30, and still a minute before it starts on 12-09: the deep link and the
    # button refuse the 听课记录, and 刘洋's 写教学反思 is refused too.
    for now in (clock.now(), STARTS - timedelta(minutes=1)):
        clock.set(now)
        assert await bot.say(ZHOU, f"/start observe-{lesson}") == NOT_YET
        assert shown(await bot.send(ZHOU, button=f"bk:observe:{lesson}")) == NOT_YET
        assert shown(await bot.send(LIU, button=f"bk:reflect:{lesson}")) == NOT_YET
    # No form was opened, nothing saved or counted.
    for name in (ZHOU, LIU):
        assert await bot.say(name, "/cancel") == "现在没有正在填写的表单。"
    page = await bot.send(LIU, button=f"bk:view:{lesson}")
    assert "已收到评课 0 份" in shown(page)
    assert "听课（本学期）0/30" in await bot.say(ZHOU, "/me")
    # Once it has begun, both open, pre-filled from the lesson.
    clock.set(STARTS)
    assert "听课记录 · 第 7/11 项 · 课型" in await bot.say(ZHOU, f"/start observe-{lesson}")
    replies = await bot.send(LIU, button=f"bk:reflect:{lesson}")
    assert "教学反思 · 第 4/7 项 · 闪光点" in shown(replies)


async def test_lesson_date_is_checked_again_at_submit(bot: Driver, clock: ManualClock) -> None:
    # 刘洋 fills the form on Monday for a lesson that afternoon, but presses 提交 only on
    # Tuesday: the date (typed as 今天) is refused and asked for again.
    replies = await bot.send(LIU, "/addlesson")
    replies = await answer(bot, LIU, "研讨课", "今天", "7", "14:00", "录播教室", "三年级2班",
                           "语文", "秋天的雨", "需要预约", replies=replies,
                           taps=("研讨课", "今天", "语文", "需要预约"))
    assert "日期：2026年11月30日" in shown(replies)
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=ZONE))
    replies = await tap(bot, LIU, replies, "提交")
    text = shown(replies)
    assert text.startswith("⚠️ 日期不能早于今天，请重新输入。\n公开课登记 · 第 3/10 项 · 日期")
    assert lesson_ids(bot) == []
    # The new date brings the summary back (not the next field); now it is registered.
    replies = await answer(bot, LIU, "12月3日", replies=replies)
    assert "日期：2026年12月3日" in shown(replies)
    assert "提交" in labels(replies)
    replies = await tap(bot, LIU, replies, "提交")
    assert "✅ 已登记：" in shown(replies)
    assert len(lesson_ids(bot)) == 1


def test_prefilled_future_date_is_refused_at_submit(bot: Driver) -> None:
    """The form engine itself: a 听课记录 pre-filled from 12-09's lesson (its 听课日期 is
    skipped while filling in) cannot be submitted before that day."""
    spec = bot.core.settings.catalog.get("observation")
    assert spec is not None
    assert not spec.future_dates  # a past-only form
    prefill = {"observed_on": "2026-12-09", "period": 2, "class_name": "三年级2班",
               "subject": "语文", "teacher": LIU, "title": "秋天的雨"}
    answers = {**prefill, "lesson_type": "新授课", "process": PROCESS, "strength": STRENGTH,
               "weakness": WEAKNESS, "suggestion": SUGGESTION}
    draft = engine.Draft(form=spec.kind, token="t", step=engine.CONFIRM, answers=answers,
                         prefilled=tuple(prefill))

    def submit(today: date) -> engine.Outcome:
        return engine.step(spec, draft, engine.Press("submit"), today=today,
                           lookup=lambda _name: [])

    refused = submit(date(2026, 11, 30))
    assert refused.submitted is None
    assert refused.draft is not None
    assert (refused.draft.step, refused.draft.to_confirm) == ("observed_on", True)
    assert shown(refused.replies).startswith(
        "⚠️ 日期不能晚于今天，请重新输入。\n听课记录 · 第 1/11 项 · 听课日期")
    # On the lesson's day (or later) the same draft goes through.
    for today in (date(2026, 12, 9), date(2026, 12, 10)):
        assert submit(today).submitted == draft


async def test_admin_registers_a_lesson_for_a_teacher(bot: Driver) -> None:
    replies = await fill_lesson(bot, CHEN, teacher=ZHOU)
    replies = await tap(bot, CHEN, replies, "提交")
    assert "✅ 已登记：" in shown(replies)
    assert "研讨课《秋天的雨》 · 周静" in shown(replies)


async def test_admin_registers_a_lesson_for_someone_in_no_group(bot: Driver) -> None:
    # 李校长 is in no 教研组: an admin may register a lesson for anyone.
    replies = await fill_lesson(bot, CHEN, teacher="李校长")
    replies = await tap(bot, CHEN, replies, "提交")
    assert "✅ 已登记：" in shown(replies)
    assert "研讨课《秋天的雨》 · 李校长" in shown(replies)
    (lesson_id,) = lesson_ids(bot)
    stored = bot.core.db.call(lambda s: lessons.get_lesson(s, lesson_id=lesson_id))
    assert stored is not None
    assert (stored.teacher, stored.starts_at) == ("李校长", STARTS)
    # A leader still may not: 李校长 is not in 王芳's group.
    replies = await tap(bot, WANG, await fill_lesson(bot, WANG, teacher="李校长"), "提交")
    assert shown(replies) == "只有李校长本人、其教研组长或管理员可以登记这节课。"
    assert lesson_ids(bot) == [lesson_id]


# -- 评课 reach the teacher ----------------------------------------------------------------


async def write_observation(bot: Driver, name: str, lesson: int) -> list[Reply]:
    """``name`` writes the 听课记录 of ``lesson`` from its deep link and hands it in."""
    replies = await bot.send(name, f"/start observe-{lesson}")
    # 三个一 are short fields: one message each, no 完成.
    replies = await answer(bot, name, "新授课", PROCESS, "完成", STRENGTH, WEAKNESS,
                           SUGGESTION, replies=replies, taps=("新授课",))
    return await tap(bot, name, replies, "提交")


async def test_teacher_hears_of_first_and_last_review(bot: Driver, lesson: int,
                                                      clock: ManualClock) -> None:
    for name in (SUN, ZHOU):
        await bot.send(name, button=f"bk:book:{lesson}")
    clock.set(STARTS + timedelta(hours=1))
    replies = await write_observation(bot, SUN, lesson)
    (first,) = to_chat(replies, bot.account(LIU))
    assert plain(first) == "💬 您的公开课收到了第一份评课（孙丽）：\n" + LESSON_LINE
    assert labels([first]) == ["看评课", "写教学反思"]
    reviews = await tap(bot, LIU, [first], "看评课")
    assert shown(reviews) == (f"《秋天的雨》的评课\n\n孙丽\n优点：{STRENGTH}\n"
                              f"不足：{WEAKNESS}\n建议：{SUGGESTION}")
    # 王芳 did not book: her 评课 is read, but the booked are not all done yet.
    replies = await write_observation(bot, WANG, lesson)
    assert not to_chat(replies, bot.account(LIU))
    replies = await write_observation(bot, ZHOU, lesson)
    (last,) = to_chat(replies, bot.account(LIU))
    assert plain(last) == "✅ 预约听课的 2 位老师都写完了评课：\n" + LESSON_LINE
    # Only the teacher heard: nobody else got a message.
    assert {r.chat.address for r in replies if r.chat} == {bot.account(LIU)}

    # /lessons, the lesson now past: her own lessons with their 评课, opened from a button.
    text = await bot.say(LIU, "/lessons")
    assert text == "我上过的公开课\n\n" + LESSON_LINE + "\n已收到评课 3 份"
    assert "我上过的公开课" not in await bot.say(SUN, "/lessons")
    listing = await bot.send(LIU, "/lessons")
    reviews = await tap(bot, LIU, listing, "秋天的雨 · 评课 3 份")
    assert [name for name in (SUN, WANG, ZHOU) if f"\n\n{name}\n优点" in shown(reviews)] == [
        SUN, WANG, ZHOU]

    # Her 反思 request: the 评课 come first, then the form.
    replies = await tap(bot, LIU, [last], "写教学反思")
    assert shown([replies[0]]).startswith("《秋天的雨》的评课\n\n孙丽\n优点：")
    assert "教学反思 · 第 4/7 项 · 闪光点" in shown(replies[1:])


async def test_reflection_request_counts_reviews(bot: Driver, lesson: int,
                                                 clock: ManualClock) -> None:
    await bot.send(SUN, button=f"bk:book:{lesson}")
    clock.set(STARTS + timedelta(minutes=20))
    await write_observation(bot, SUN, lesson)
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    await run_until(runner, clock, datetime(2026, 12, 9, 11, 0, tzinfo=ZONE))
    (reflect,) = sink.to(bot, LIU, "请写一份教学反思")
    assert plain(reflect[1]).endswith("已收到评课 1 份，点按钮时会先给您看。")


async def test_single_booked_observer_gives_one_notice(bot: Driver, lesson: int,
                                                       clock: ManualClock) -> None:
    await bot.send(SUN, button=f"bk:book:{lesson}")
    clock.set(STARTS + timedelta(hours=1))
    replies = await write_observation(bot, SUN, lesson)
    (told,) = to_chat(replies, bot.account(LIU))
    assert plain(told) == "✅ 预约听课的 1 位老师都写完了评课：\n" + LESSON_LINE


# -- 一课多研 ---------------------------------------------------------------------------------


async def test_second_round_is_linked_to_the_first(bot: Driver, lesson: int,
                                                  clock: ManualClock) -> None:
    await bot.send(SUN, button=f"bk:book:{lesson}")
    # Before the lesson is given there is no next round to register.
    assert "登记下一次试教（一课多研）" not in labels(
        await bot.send(LIU, button=f"bk:view:{lesson}"))
    clock.set(STARTS + timedelta(hours=1))
    await write_observation(bot, SUN, lesson)
    page = await bot.send(LIU, button=f"bk:view:{lesson}")
    # Only its teacher registers the next round.
    assert "登记下一次试教（一课多研）" not in labels(
        await bot.send(SUN, button=f"bk:view:{lesson}"))
    replies = await tap(bot, LIU, page, "登记下一次试教（一课多研）")
    # Teacher, type, class, subject and title come from the first round.
    assert "公开课登记 · 第 3/10 项 · 日期" in shown(replies)
    replies = await answer(bot, LIU, "下周三", "2", "9:55", "录播教室", "需要预约",
                           replies=replies, taps=("需要预约",))
    replies = await tap(bot, LIU, replies, "提交")
    second_line = ("研讨课《秋天的雨》 · 刘洋\n"
                   "12月16日（周三）09:55（第2节，录播教室）· 三年级2班 · 语文")
    own = [r for r in replies if r.chat is None]
    assert plain(own[0]) == "✅ 已登记：\n" + second_line + "\n一课多研第 2 次"
    (group,) = to_chat(replies, bot.group("语文组").address)
    assert "一课多研第 2 次" in plain(group)
    (second,) = [i for i in lesson_ids(bot) if i != lesson]
    # Each round keeps its own 评课; both pages show the rounds together.
    page = await bot.send(ZHOU, button=f"bk:view:{second}")
    assert ("一课多研：第1次 12月9日（周三），评课 1 份；"
            "第2次 12月16日（周三），评课 0 份（本次）") in shown(page)
    page = await bot.send(ZHOU, button=f"bk:view:{lesson}")
    assert "第1次 12月9日（周三），评课 1 份（本次）；第2次" in shown(page)
