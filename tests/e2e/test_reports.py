"""Transcripts of /progress, the weekly digest, nudges and /settings, and closing a semester.

The demo school; the clock starts on Monday 2026-11-30 08:00. Nobody has handed in anything,
so by December everyone is behind on every semester quota.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from bot import maintenance
from bot.app import build_runner
from bot.config import Config, load
from handlers import charts, deliveries, quotas
from handlers.dispatch import Core
from handlers.features import reports
from handlers.settings import ChartsSpec, DigestSpec, NudgesSpec
from handlers.types import Reply
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.repos import meetings, people
from storage.repos import school as school_repo
from storage.repos.outbox import OutboxItem
from storage.tables import Record
from tests.conftest import EXAMPLE_CONFIG, ZONE, from_semester_start, make_core
from tests.drivers import Driver, button_data, labels, plain, prose, shown

LIU, SUN, ZHOU, WANG, CHEN, ZHANG = "刘洋", "孙丽", "周静", "王芳", "陈主任", "张伟"
CHINESE_GROUP = (CHEN, WANG, LIU, SUN, ZHOU)  # 语文组, in roster order
PNG = b"\x89PNG\r\n\x1a\n"
SEMESTER = "2026-2027学年第一学期"
CLOSED = "本学期已结束归档，记录不能再修改。"





async def tap(bot: Driver, name: str, replies: list[Reply], label: str) -> list[Reply]:
    return await bot.send(name, button=button_data(replies, label))


@dataclass
class Sink:
    """What the scheduler sent: (school time, chat address, reply)."""

    clock: ManualClock
    sent: list[tuple[datetime, str, Reply]]

    async def send(self, reply: Reply, item: OutboxItem) -> bool:
        address = reply.chat.address if reply.chat else item.chat
        self.sent.append((self.clock.now().astimezone(ZONE), address, reply))
        return True

    def to(self, address: str, needle: str) -> list[tuple[datetime, Reply]]:
        return [(t, r) for t, chat, r in self.sent if chat == address and needle in plain(r)]


async def run_until(runner: Runner, clock: ManualClock, end: datetime,
                    step: timedelta = timedelta(minutes=30)) -> None:
    while clock.now() < end:
        clock.advance(step)
        await runner.tick()


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=ZONE)


async def tick_days(runner: Runner, clock: ManualClock, *days: str) -> None:
    """Tick around each day's nudge time (16:30) and at a few other moments."""
    for day in days:
        for hour, minute in ((8, 0), (16, 0), (16, 30), (17, 0), (21, 0)):
            clock.set(at(day, hour, minute))
            await runner.tick()


def session_on(bot: Driver, group: str, day: date) -> int:
    """The id of ``group``'s session planned on ``day``."""
    core = bot.core

    def find(session: Session) -> list[meetings.MeetingRow]:
        ids = school_repo.group_ids(session, school_id=core.school_id)
        return meetings.list_meetings(session, group_ids=[ids[group]], start=day, end=day)

    (meeting,) = core.db.call(find)
    return meeting.id


def teacher_quotas(bot: Driver) -> int:
    """How many of the school's quotas apply to a teacher of 语文组."""
    return sum(1 for q in bot.core.settings.quotas
               if quotas.applies(q, role="teacher", groups=("语文组",)))


def paced_quotas(bot: Driver) -> int:
    """How many of them can be behind before term end: those without a ``due``."""
    return sum(1 for q in bot.core.settings.quotas if q.due is None
               and quotas.applies(q, role="teacher", groups=("语文组",)))


@dataclass
class School:
    """A bound demo school with its runner and what it sent."""

    bot: Driver
    runner: Runner
    sink: Sink
    clock: ManualClock

    def restart(self, config: Config, url: str) -> None:
        """A new process on the same database, with ``config``."""
        self.bot.core.db.close()
        self.bot.core = make_core(from_semester_start(config), url, self.clock, roster=False)
        self.runner = build_runner(self.bot.core, self.sink.send)

    def nudges(self, name: str) -> list[tuple[datetime, Reply]]:
        return self.sink.to(self.bot.account(name), "这周的研修小提醒")


async def started(config: Config, url: str, clock: ManualClock) -> Driver:
    """The bot as it runs: its scheduler has made its first pass (the semester's sessions).

    The school has used the bot since the semester began, and everyone bound a fortnight
    ago (nudges spare the first week after binding)."""
    bot = Driver(make_core(from_semester_start(config), url, clock))
    now = clock.now()
    clock.set(now - timedelta(days=14))
    bot.bind(WANG, LIU, SUN, ZHOU, CHEN, ZHANG)
    clock.set(now)
    await build_runner(bot.core, Sink(clock, []).send).tick()
    return bot


async def open_school(config: Config, url: str, clock: ManualClock) -> School:
    bot = await started(config, url, clock)
    sink = Sink(clock, [])
    return School(bot, build_runner(bot.core, sink.send), sink, clock)


@pytest.fixture
async def bot(config: Config, sqlite_url: str, clock: ManualClock) -> AsyncIterator[Driver]:
    driver = await started(config, sqlite_url, clock)
    yield driver
    driver.core.db.close()


@pytest.fixture
async def school(config: Config, sqlite_url: str, clock: ManualClock) -> AsyncIterator[School]:
    found = await open_school(config, sqlite_url, clock)
    yield found
    found.bot.core.db.close()


# -- /progress ----------------------------------------------------------------------------


async def test_leader_sees_teacher_by_teacher(bot: Driver) -> None:
    replies = await bot.send(WANG, "/progress")
    assert len(replies) == 1
    text = plain(replies[0])
    lines = text.splitlines()
    assert lines[0] == "语文组 · 研修进度（11月30日（周一），5 人）"
    assert "听课：平均完成 0%（应有 62%），已完成 0/4 人，落后 4 人" in lines
    assert "教学反思：平均完成 0%（应有 62%），已完成 0/5 人，落后 5 人" in lines
    # Written at term end: not due, nobody behind.
    assert "心得体会：平均完成 0%（应有 0%），已完成 0/5 人，落后 0 人" in lines
    people = [line.split("：")[0] for line in lines[lines.index("") + 1:]]
    assert people == list(CHINESE_GROUP)
    # Nothing handed in: every paced quota of a teacher is behind; the first four are named.
    assert (f"刘洋：{paced_quotas(bot)} 项落后（听课 0/30、教学反思 0/20、读书笔记 0/7000 字、"
            "教育故事 0/2）") in lines
    # Only 语文组: nobody of 数学组.
    assert ZHANG not in text


async def test_teacher_sees_group_totals_and_only_their_own_lines(bot: Driver) -> None:
    text = plain((await bot.send(LIU, "/progress"))[0])
    assert text.startswith("语文组 · 研修进度（11月30日（周一），5 人）\n听课：平均完成 0%")
    totals, own = text.split("\n\n我的进度\n")
    for name in (WANG, SUN, ZHOU, CHEN):
        assert name not in text
    assert LIU not in totals
    assert own.splitlines()[:2] == ["听课 0/30 落后较多", "教学反思 0/20 落后较多"]
    # Quotas counted in 字 say so, as in the leader's list.
    assert "读书笔记 0/7000 字 落后较多" in own.splitlines()
    assert "课标摘抄 0/5000 字 落后较多" in own.splitlines()
    assert len(own.splitlines()) == teacher_quotas(bot)
    # Another group's progress is not theirs to see.
    assert await bot.say(LIU, "/progress 数学组") == "您只能查看自己所在教研组的进度。"


async def test_admin_sees_every_group_then_one(bot: Driver) -> None:
    replies = await bot.send(CHEN, "/progress")
    assert shown(replies) == (
        "全校研修进度（11月30日（周一））\n"
        "语文组：5 人，有落后项目的 5 人\n"
        "数学组：3 人，有落后项目的 3 人\n"
        "英语组：2 人，有落后项目的 2 人\n"
        "综合组：3 人，有落后项目的 3 人\n"
        "\n发送 /progress 教研组名 查看详情，例如 /progress 数学组")
    replies = await bot.send(CHEN, "/progress 数学组")
    text = plain(replies[0])
    assert text.startswith("数学组 · 研修进度（11月30日（周一），3 人）")
    for name in (ZHANG, "吴敏", "郑强"):
        assert f"\n{name}：{paced_quotas(bot)} 项落后" in text
    assert LIU not in text


GROUPS = {"语文组", "数学组", "英语组", "综合组"}


def offered(text: str, name: str) -> set[str]:
    """The groups that /progress's answer to an unknown ``name`` offers."""
    head = f"没有名为「{name}」的教研组。可选："
    assert text.startswith(head), text
    assert text.endswith("。"), text
    return set(text.removeprefix(head).removesuffix("。").split("、"))


async def test_unknown_group(bot: Driver) -> None:
    assert offered(await bot.say(CHEN, "/progress 物理组"), "物理组") == GROUPS
    # Each group offered works.
    for group in GROUPS:
        assert (await bot.say(CHEN, f"/progress {group}")).startswith(f"{group} · 研修进度")


async def test_unknown_group_message_offers_only_what_works(bot: Driver) -> None:
    # Unlike /link's answer, it does not offer 「全校」, which /progress does not take: the
    # whole school is plain /progress.
    text = await bot.say(CHEN, "/progress 物理组")
    assert "全校" not in text
    assert offered(text, "物理组") == GROUPS
    assert offered(await bot.say(CHEN, "/progress 全校"), "全校") == GROUPS
    assert (await bot.say(CHEN, "/progress")).startswith("全校研修进度")


async def test_progress_chart_is_a_png_with_a_cjk_font(bot: Driver) -> None:
    assert charts.find_font() in charts.CJK_FAMILIES
    for name in (WANG, LIU):
        (reply,) = await bot.send(name, "/progress")
        assert reply.attachment is not None
        assert reply.attachment.is_photo
        assert reply.attachment.filename == "progress.png"
        assert reply.attachment.content.startswith(PNG)
    # The school overview is text only.
    (overview,) = await bot.send(CHEN, "/progress")
    assert overview.attachment is None


class Drawn:
    """Counts the PNGs matplotlib really draws (a cached chart is not drawn again)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from matplotlib.figure import Figure

        self.count = 0
        savefig = Figure.savefig

        def counting(figure: Figure, *args: Any, **kwargs: Any) -> None:
            self.count += 1
            savefig(figure, *args, **kwargs)

        monkeypatch.setattr(Figure, "savefig", counting)


async def test_a_chart_of_the_same_figures_is_drawn_once(
        bot: Driver, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    charts.warm_up()  # as the running bot does at start-up: loaded, nothing kept
    drawn = Drawn(monkeypatch)
    (first,) = await bot.send(WANG, "/progress")
    (again,) = await bot.send(WANG, "/progress")
    assert first.attachment is not None
    assert again.attachment is not None
    assert again.attachment.content == first.attachment.content
    assert drawn.count == 1
    # A day later the pace has moved: new figures, a new chart.
    clock.advance(timedelta(days=1))
    (changed,) = await bot.send(WANG, "/progress")
    assert changed.attachment is not None
    assert changed.attachment.content != first.attachment.content
    assert drawn.count == 2


async def test_the_leaders_digest_draws_no_chart(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = Driver(core)
    bot.bind(WANG, LIU)
    drawn = Drawn(monkeypatch)
    assert "刘洋" in digest_of(core, reports.DIGEST_LEADER, bot.account(WANG))
    assert drawn.count == 0


async def test_configured_font_that_does_not_exist_is_reported(
        config: Config, sqlite_url: str, clock: ManualClock, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    missing = str(tmp_path / "没有这个字体.ttf")
    changed = config.model_copy(update={"charts": ChartsSpec(font_path=missing)})
    bot = await started(changed, sqlite_url, clock)
    try:
        with caplog.at_level(logging.WARNING, logger="handlers.charts"):
            (reply,) = await bot.send(WANG, "/progress")
    finally:
        bot.core.db.close()
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.charts"] == [
        f"configured chart font {missing} does not exist"]
    # The installed font is used instead.
    assert reply.attachment is not None
    assert reply.attachment.content.startswith(PNG)


# -- the weekly digest --------------------------------------------------------------------


async def test_weekly_digest_goes_to_the_group_once_with_names_to_the_leader(
        school: School) -> None:
    bot, sink, clock = school.bot, school.sink, school.clock
    group = bot.link("语文组").address
    clock.set(at("2026-12-07", 7, 0))
    await run_until(school.runner, clock, at("2026-12-07", 8, 0), step=timedelta(minutes=10))
    posted = sink.to(group, "周报")
    assert [t.strftime("%m-%d %H:%M") for t, _ in posted] == ["12-07 07:40"]
    text = plain(posted[0][1])
    # Three or four short lines and the chart: the week, the group's pace, who to
    # congratulate (nobody handed anything in). Quota by quota is for /progress.
    assert text.splitlines() == [
        "📊 语文组周报 · 12月7日（周一）这一周",
        "本周教研：12月9日（周三）（专题待发布）",
        "全组进度：平均完成 0%（应有 42%），落后 5 人。详情发送 /progress"]
    for name in CHINESE_GROUP:
        assert name not in text
    assert posted[0][1].attachment is not None
    assert posted[0][1].attachment.content.startswith(PNG)
    # The leader's private copy has the names.
    private = sink.to(bot.account(WANG), "周报")
    assert len(private) == 1
    copy = plain(private[0][1])
    assert copy.startswith("（给教研组长的完整名单）\n📊 语文组周报")
    assert "\n听课：平均完成 0%（应有 67%），已完成 0/4 人，落后 4 人" in copy
    for name in CHINESE_GROUP:
        assert f"\n{name}：" in copy
    # Nobody else of 语文组 gets a copy.
    for name in (LIU, SUN, CHEN):
        assert not sink.to(bot.account(name), "周报")
    # Ticking on, a restarted runner: still one.
    await run_until(school.runner, clock, at("2026-12-07", 20, 0), step=timedelta(hours=4))
    await build_runner(bot.core, sink.send).tick()
    assert len(sink.to(group, "周报")) == 1
    assert len(sink.to(bot.account(WANG), "周报")) == 1


async def test_names_in_group_when_the_school_wants_them(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    changed = config.model_copy(update={"digest": DigestSpec(names_in_group=True)})
    school = await open_school(changed, sqlite_url, clock)
    try:
        group = school.bot.link("语文组").address
        clock.set(at("2026-12-07", 7, 30))
        await run_until(school.runner, clock, at("2026-12-07", 8, 0), step=timedelta(minutes=10))
        (posted,) = school.sink.to(group, "周报")
        for name in CHINESE_GROUP:
            assert f"\n{name}：" in plain(posted[1])
        # No separate copy for the leader then.
        assert not school.sink.to(school.bot.account(WANG), "周报")
    finally:
        school.bot.core.db.close()


# -- nudges --------------------------------------------------------------------------------


async def test_wednesday_nudge_lists_what_is_missing_with_buttons(school: School) -> None:
    bot, clock = school.bot, school.clock
    clock.set(at("2026-12-02", 16, 0))
    await run_until(school.runner, clock, at("2026-12-02", 17, 0), step=timedelta(minutes=10))
    nudges = school.nudges(LIU)
    assert [t.strftime("%m-%d %H:%M") for t, _ in nudges] == ["12-02 16:30"]
    reply = nudges[0][1]
    lines = plain(reply).splitlines()
    assert lines[0] == "刘洋老师，这周的研修小提醒："
    assert "· 听课 0/30，还差约 19 节" in lines
    assert "· 读书笔记 0/7000 字，还差约 4 470 字" in lines
    # 心得体会 and 论文 are written at term end: not due, so not in the nudge.
    assert not [line for line in lines if "心得体会" in line or "论文" in line]
    assert lines[-1] == "不想收到提醒？发送 /settings 调整。"
    # One button a form (at most five); 组内研讨课 has no form of its own.
    assert labels([reply]) == ["写听课", "写教学反思", "写读书笔记", "写课标摘抄"]
    assert "· 组内研讨课 0/1，还差约 1 节" in lines
    # Each button opens its form.
    opened = await tap(bot, LIU, [reply], "写听课")
    assert "听课记录 · 第 1/11 项 · 听课日期" in shown(opened)
    await bot.send(LIU, "/cancel")
    await bot.send(LIU, button=button_data(bot.seen[bot.account(LIU)], "放弃"))
    opened = await tap(bot, LIU, [reply], "写读书笔记")
    assert "读书笔记 · 第 1/3 项 · 书名" in shown(opened)
    # Everyone bound and behind got one too; nobody got two.
    for name in (WANG, SUN, ZHOU, CHEN, ZHANG):
        assert len(school.nudges(name)) == 1
    # At most one a week: on through Friday, and a restarted runner.
    await tick_days(school.runner, clock, "2026-12-03", "2026-12-04")
    await build_runner(bot.core, school.sink.send).tick()
    assert len(school.nudges(LIU)) == 1
    # Next Wednesday: the next one.
    clock.set(at("2026-12-09", 16, 20))
    await run_until(school.runner, clock, at("2026-12-09", 16, 40), step=timedelta(minutes=10))
    assert [t.strftime("%m-%d %H:%M") for t, _ in school.nudges(LIU)] == [
        "12-02 16:30", "12-09 16:30"]


async def test_no_nudge_while_paused(school: School) -> None:
    bot, clock = school.bot, school.clock
    assert "不再给您发提醒" in await bot.say(SUN, "/pause 12月1日 12月3日 外出培训")
    await tick_days(school.runner, clock, "2026-12-02", "2026-12-03", "2026-12-04")
    assert school.nudges(SUN) == []
    assert len(school.nudges(LIU)) == 1


async def test_settings_move_the_nudge_to_friday(school: School) -> None:
    bot, clock = school.bot, school.clock
    replies = await bot.send(SUN, "/settings")
    assert shown(replies) == "提醒设置\n每周进度提醒：周三发送"
    assert labels(replies) == ["周一", "周二", "周三", "周四", "周五", "关闭提醒"]
    replies = await tap(bot, SUN, replies, "周五")
    assert shown(replies) == "提醒设置\n每周进度提醒：周五发送"
    assert replies[0].edit
    await tick_days(school.runner, clock, "2026-12-02", "2026-12-03", "2026-12-04")
    assert [t.strftime("%m-%d %H:%M") for t, _ in school.nudges(SUN)] == ["12-04 16:30"]
    assert [t.strftime("%m-%d %H:%M") for t, _ in school.nudges(LIU)] == ["12-02 16:30"]


async def test_settings_turn_nudges_off(school: School) -> None:
    bot, clock = school.bot, school.clock
    replies = await tap(bot, SUN, await bot.send(SUN, "/settings"), "关闭提醒")
    assert shown(replies) == "提醒设置\n每周进度提醒：已关闭"
    assert "打开提醒" in labels(replies)
    await tick_days(school.runner, clock, "2026-12-02", "2026-12-03", "2026-12-04")
    assert school.nudges(SUN) == []
    assert len(school.nudges(LIU)) == 1


async def test_mandatory_nudges_cannot_be_turned_off(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    school = await open_school(config, sqlite_url, clock)
    try:
        bot = school.bot
        # 孙丽 turned them off while the school allowed it …
        await tap(bot, SUN, await bot.send(SUN, "/settings"), "关闭提醒")
        # … then the school made them mandatory.
        mandatory = config.model_copy(update={"nudges": NudgesSpec(mandatory=True)})
        school.restart(mandatory, sqlite_url)
        bot = school.bot
        replies = await bot.send(SUN, "/settings")
        assert shown(replies) == ("提醒设置\n每周进度提醒：周三发送\n"
                                  "（学校要求每周提醒，不能关闭，只能选择哪天收到。）")
        assert labels(replies) == ["周一", "周二", "周三", "周四", "周五"]
        assert "这个按钮已经失效了" in shown(await bot.send(SUN, button="set:off"))
        clock.set(at("2026-12-02", 16, 0))
        await run_until(school.runner, clock, at("2026-12-02", 17, 0))
        assert len(school.nudges(SUN)) == 1
    finally:
        school.bot.core.db.close()


async def test_nudge_on_a_day_off_waits_for_the_next_school_day(
        sqlite_url: str, clock: ManualClock, tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        '{ name = "秋季运动会", start = 2026-11-05, end = 2026-11-06 }',
        '{ name = "冬季运动会", start = 2026-12-02, end = 2026-12-02 }')
    assert "冬季运动会" in text
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    school = await open_school(load(str(path)).config, sqlite_url, clock)
    try:
        await tick_days(school.runner, clock, "2026-12-02", "2026-12-03", "2026-12-04")
        # Wednesday is the 运动会: Thursday instead, once.
        assert [t.strftime("%m-%d %H:%M") for t, _ in school.nudges(LIU)] == ["12-03 16:30"]
    finally:
        school.bot.core.db.close()


# -- closing the semester -----------------------------------------------------------------


async def _insight(bot: Driver, name: str) -> None:
    for message in ("/record 心得体会", "一课多研的收获", "三次试教让我明白了目标要聚焦。",
                    "完成"):
        replies = await bot.send(name, message)
    replies = await tap(bot, name, replies, "提交")
    assert "✅ 已提交心得体会「一课多研的收获」。" in shown(replies)


async def test_closed_semester_summary_and_no_more_edits(school: School) -> None:
    bot, clock, core = school.bot, school.clock, school.bot.core
    await _insight(bot, LIU)
    mine = await bot.send(LIU, "/mine")
    view = await tap(bot, LIU, mine, "心得体会 · 一课多研的收获 · 11/30")
    assert labels(view) == ["修改", "删除", "返回列表"]
    # An edit begun before the semester closes …
    await _insight(bot, SUN)
    sun_view = await tap(bot, SUN, await bot.send(SUN, "/mine"),
                         "心得体会 · 一课多研的收获 · 11/30")
    sun_edit = await tap(bot, SUN, sun_view, "修改")
    assert "提交" in labels(sun_edit)
    # … and a new record begun before it closes.
    zhou = await bot.send(ZHOU, "/record 心得体会")
    for message in ("读书的收获", "读了三本书，收获很多。", "完成"):
        zhou = await bot.send(ZHOU, message)
    assert "提交" in labels(zhou)

    assert maintenance.set_semester(core, name=SEMESTER, closed=True)
    assert not maintenance.set_semester(core, name=SEMESTER, closed=True)
    clock.advance(timedelta(minutes=1))
    await school.runner.tick()
    # The forms still open were closed, and their owners got what they had written.
    [(_, closed)] = school.sink.to(bot.account(ZHOU), "已关闭")
    assert "读了三本书，收获很多。" in plain(closed)
    assert school.sink.to(bot.account(SUN), "已关闭")
    summaries = school.sink.to(bot.account(CHEN), "学期总结")
    assert len(summaries) == 1
    text = plain(summaries[0][1])
    assert text.startswith(f"{SEMESTER} · 学期总结（各组完成全部指标的人数，及未完成的老师）")
    for line in ("语文组：0/5 人完成全部指标", "数学组：0/3 人完成全部指标",
                 "英语组：0/2 人完成全部指标", "综合组：0/3 人完成全部指标"):
        assert f"\n{line}" in text
    assert "\n刘洋：" in text
    # Only admins get it, and only once.
    for name in (WANG, LIU, ZHANG):
        assert not school.sink.to(bot.account(name), "学期总结")
    await school.runner.tick()
    assert len(school.sink.to(bot.account(CHEN), "学期总结")) == 1

    # 修改 on the old view is refused; a fresh view has no 修改 any more.
    refused = await tap(bot, LIU, view, "修改")
    assert [r.notice for r in refused] == ["本学期已结束归档，记录不能再修改。"]
    again = await tap(bot, LIU, await bot.send(LIU, "/mine"), "心得体会 · 一课多研的收获 · 11/30")
    assert labels(again) == ["返回列表"]
    # … cannot be submitted either, nor can the new record begun before.
    assert shown(await tap(bot, SUN, sun_edit, "提交")) == CLOSED
    assert shown(await tap(bot, ZHOU, zhou, "提交")) == CLOSED
    # A record form does not even open any more, however it is asked for: by command, by
    # /record's choice, or by the button of a nudge sent before the semester closed.
    for command in ("/reflect", "/observe", "/record 心得体会", "/record 读书笔记"):
        replies = await bot.send(LIU, command)
        assert shown(replies) == CLOSED, command
        assert labels(replies) == [], command
    assert shown(await tap(bot, LIU, await bot.send(LIU, "/record"), "读书笔记")) == CLOSED
    assert shown(await bot.send(LIU, button="rec:observation")) == CLOSED
    # Nothing new was saved.
    for name in (LIU, SUN):
        listed = await bot.send(name, "/mine")
        assert [b for b in labels(listed) if " · " in b] == ["心得体会 · 一课多研的收获 · 11/30"]
    assert "一课多研" not in shown(await bot.send(ZHOU, "/mine"))
    # Forms that are no records still open: 刘洋 asks leave for Wednesday's session.
    meeting = session_on(bot, "语文组", date(2026, 12, 2))
    replies = await bot.send(LIU, button=f"att:leave:{meeting}")
    assert "教研请假 · 第 1/1 项 · 请假原因" in shown(replies)


async def test_reopened_semester_allows_edits_again(core: Core) -> None:
    assert maintenance.set_semester(core, name=SEMESTER, closed=True)
    assert maintenance.set_semester(core, name=SEMESTER, closed=False)
    bot = Driver(core)
    bot.bind(LIU)
    await _insight(bot, LIU)
    view = await tap(bot, LIU, await bot.send(LIU, "/mine"), "心得体会 · 一课多研的收获 · 11/30")
    assert "修改" in labels(view)
    with pytest.raises(maintenance.MaintenanceError, match="没有名为「不存在」的学期"):
        maintenance.set_semester(core, name="不存在", closed=True)


async def test_no_nudges_once_the_semester_is_closed(school: School) -> None:
    # Their buttons would open record forms, which a closed semester refuses.
    clock = school.clock
    clock.set(at("2026-12-01", 9, 0))
    assert maintenance.set_semester(school.bot.core, name=SEMESTER, closed=True)
    await tick_days(school.runner, clock, "2026-12-02", "2026-12-03", "2026-12-04")
    for name in (LIU, SUN, ZHOU, WANG, CHEN, ZHANG):
        assert school.nudges(name) == [], name


@pytest.mark.parametrize("closed", [False, True])
async def test_nudge_planned_before_the_semester_closes(school: School, closed: bool) -> None:
    """The bot was down at 16:30 on Wednesday; back at 22:00 (quiet hours), it plans the
    nudges for 07:00. If the semester is closed that night, they are not sent."""
    clock = school.clock
    clock.set(at("2026-12-02", 22, 0))
    await school.runner.tick()
    assert school.nudges(LIU) == []
    if closed:
        assert maintenance.set_semester(school.bot.core, name=SEMESTER, closed=True)
    clock.set(at("2026-12-03", 6, 30))
    await run_until(school.runner, clock, at("2026-12-03", 9, 0), step=timedelta(minutes=10))
    sent = [t.strftime("%m-%d %H:%M") for t, _ in school.nudges(LIU)]
    assert sent == ([] if closed else ["12-03 07:00"])


def closing_reminders(school: School, name: str) -> list[str]:
    return [t.strftime("%m-%d %H:%M") for t, _ in
            school.sink.to(school.bot.account(name), "这一期就要结束了")]


@pytest.mark.parametrize("closed", [False, True])
async def test_no_before_close_reminder_once_the_semester_is_closed(school: School,
                                                                     closed: bool) -> None:
    # December closes on Thursday 12-31: three days before, at 16:30, those with quotas still
    # open hear of it, unless the semester was closed already.
    clock = school.clock
    clock.set(at("2026-12-27", 9, 0))
    if closed:
        assert maintenance.set_semester(school.bot.core, name=SEMESTER, closed=True)
    await tick_days(school.runner, clock, "2026-12-28", "2026-12-29")
    for name in (LIU, SUN, ZHOU, WANG, CHEN, ZHANG):
        assert closing_reminders(school, name) == ([] if closed else ["12-28 16:30"]), name
    if not closed:
        ((_, reply),) = school.sink.to(school.bot.account(LIU), "这一期就要结束了")
        assert plain(reply).startswith(
            "刘洋老师，12月31日（周四）这一期就要结束了，下面几项还没完成：")


@pytest.mark.parametrize("closed", [False, True])
async def test_before_close_reminder_planned_before_the_semester_closes(
        school: School, closed: bool) -> None:
    """Back at 22:00 on Monday 12-28 (quiet hours), the bot plans the before-close reminders
    for 07:00. If the semester is closed that night, they are not sent."""
    clock = school.clock
    clock.set(at("2026-12-28", 22, 0))
    await school.runner.tick()
    assert closing_reminders(school, LIU) == []
    if closed:
        assert maintenance.set_semester(school.bot.core, name=SEMESTER, closed=True)
    clock.set(at("2026-12-29", 6, 30))
    await run_until(school.runner, clock, at("2026-12-29", 9, 0), step=timedelta(minutes=10))
    assert closing_reminders(school, LIU) == ([] if closed else ["12-29 07:00"])


async def test_progress_in_the_group_chat(bot: Driver) -> None:
    group = bot.link("语文组")
    replies = await bot.send(LIU, "/progress", chat=group)
    assert len(replies) == 1
    assert replies[0].chat is None  # the answer goes to the group
    assert plain(replies[0]).startswith("语文组 · 研修进度")


def group_totals(reply: Reply) -> str:
    """A /progress answer in the group: the totals (and chart), nobody named."""
    text = plain(reply)
    assert reply.chat is None
    assert text.startswith("语文组 · 研修进度（11月30日（周一），5 人）\n听课：平均完成 0%"), text
    for name in CHINESE_GROUP:
        assert name not in text
    assert "我的进度" not in text
    assert "\n\n" not in text  # the totals only: no second block
    assert reply.attachment is not None
    return text


async def test_progress_in_the_group_chat_keeps_names_private(bot: Driver) -> None:
    # As for the digest ([digest] names_in_group = false), the group sees totals only: not
    # who is behind (the leader's list), nor the asker's own lines.
    group = bot.link("语文组")
    texts = [group_totals(reply) for name in (WANG, LIU, SUN)
             for reply in await bot.send(name, "/progress", chat=group)]
    assert len(texts) == 3
    assert len(set(texts)) == 1
    (admin,) = await bot.send(CHEN, "/progress 语文组", chat=group)
    assert group_totals(admin) == texts[0]
    # In private the leader still has the names, and a teacher their own lines.
    private = plain((await bot.send(WANG, "/progress"))[0])
    assert private.startswith(texts[0] + "\n\n")
    for name in CHINESE_GROUP:
        assert f"\n{name}：{paced_quotas(bot)} 项落后" in private
    own = plain((await bot.send(LIU, "/progress"))[0])
    assert own.startswith(texts[0] + "\n\n我的进度\n听课 0/30 落后较多")


async def test_progress_in_the_group_chat_with_names_when_the_school_wants_them(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    changed = config.model_copy(update={"digest": DigestSpec(names_in_group=True)})
    bot = await started(changed, sqlite_url, clock)
    try:
        group = bot.link("语文组")
        (leader,) = await bot.send(WANG, "/progress", chat=group)
        for name in CHINESE_GROUP:
            assert f"\n{name}：" in plain(leader)
        # A teacher's own lines are still private.
        (teacher,) = await bot.send(LIU, "/progress", chat=group)
        assert "我的进度" not in plain(teacher)
        assert plain(leader).startswith(plain(teacher) + "\n\n")
    finally:
        bot.core.db.close()


def digest_of(core: Core, kind: str, chat: str) -> str:
    """语文组's digest of this week, rendered as the scheduler renders it."""
    def render(session: Session) -> list[Reply]:
        ids = school_repo.group_ids(session, school_id=core.school_id)
        item = OutboxItem(id=0, key=f"test:{kind}", kind=kind, chat=chat,
                          payload={"group": "语文组", "group_id": ids["语文组"],
                                   "monday": "2026-11-30"},
                          due_at=at("2026-11-30", 7, 40), attempts=0)
        return deliveries.render(session, core.settings, item)

    (reply,) = core.db.call(render)
    return plain(reply)


async def test_digest_figures_are_kept_for_the_day_and_measured_again_when_stale(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = Driver(core)
    bot.bind(WANG, LIU)

    def observations(digest: str) -> str:
        """The 听课 line of the leader's copy (quota by quota)."""
        return next(line for line in digest.splitlines() if line.startswith("听课："))

    before = digest_of(core, reports.DIGEST_LEADER, bot.account(WANG))
    assert "平均完成 0%" in observations(before)

    # 刘洋 hands in 30 听课 after the snapshot was taken.
    def observe(session: Session) -> None:
        liu = people.get_by_account(session, account=bot.account(LIU))
        assert liu is not None
        semester = school_repo.current_semester(session, school_id=core.school_id,
                                                today=date(2026, 11, 30))
        assert semester is not None
        now = core.clock.now()
        session.add_all([Record(teacher_id=liu.id, semester_id=semester.id, kind="observation",
                                chars=200, occurred_on=date(2026, 11, 30), created_at=now,
                                updated_at=now) for _ in range(30)])

    core.db.call(observe)
    # The day's digests keep the figures measured once …
    assert digest_of(core, reports.DIGEST_LEADER, bot.account(WANG)) == before
    # … while /progress reads live data.
    live = await bot.say(WANG, "/progress")
    assert "平均完成 0%" not in observations(live)
    # A stale snapshot is measured again when asked for.
    monkeypatch.setattr(reports, "SNAPSHOT_FRESH", timedelta(0))
    after = digest_of(core, reports.DIGEST_LEADER, bot.account(WANG))
    assert "平均完成 0%" not in observations(after)


async def test_progress_before_any_session_exists(config: Config, sqlite_url: str,
                                                  clock: ManualClock) -> None:
    # Before the scheduler's first pass no session exists: the 出勤 target is 0, which the
    # group's line says (never "100% done by 0 of 5") and leaves out of the averages; each
    # teacher is 进度正常 on it.
    core = make_core(from_semester_start(config), sqlite_url, clock)
    bot = Driver(core)
    bot.bind(WANG, LIU)
    attendance = "教研活动出勤：还没有举行过教研活动"
    lines = (await bot.say(WANG, "/progress")).splitlines()
    assert lines[0] == "语文组 · 研修进度（11月30日（周一），5 人）"
    assert attendance in lines
    assert "听课：平均完成 0%（应有 62%），已完成 0/4 人，落后 4 人" in lines
    # 出勤 is not among what 刘洋 is behind on.
    assert f"\n刘洋：{paced_quotas(bot) - 1} 项落后（" in "\n".join(lines)
    own = (await bot.say(LIU, "/progress")).split("\n\n我的进度\n")[1].splitlines()
    assert "教研活动出勤 还没有举行过教研活动" in own
    # The group's digest is short (its overall pace); the leader's copy has every line.
    group = digest_of(core, reports.DIGEST, bot.group("语文组").address)
    assert attendance not in group
    assert "全组进度：平均完成" in group
    leader = digest_of(core, reports.DIGEST_LEADER, bot.account(WANG))
    assert attendance in leader
    assert f"\n刘洋：{paced_quotas(bot) - 1} 项落后（" in leader
    core.db.close()


# -- a new school, over its first fortnight (issue 15) ---------------------------------------


async def test_a_new_school_over_its_first_fortnight(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    # The example config has no [school] started_on: the school starts on the day its
    # roster was imported (11-30 08:00); 刘洋 and the others bind that afternoon.
    bot = Driver(make_core(config, sqlite_url, clock))
    clock.set(at("2026-11-30", 16, 30))
    bot.bind(*CHINESE_GROUP)
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    group = bot.link("语文组").address
    first_week = [f"2026-12-{day:02d}" for day in range(1, 7)]
    await tick_days(runner, clock, "2026-11-30", *first_week[:3])

    me = await bot.say(LIU, "/me")
    # Nothing before the first day is a failure; term-end items are not due; no decimals.
    assert "往月" not in me
    assert "✗" not in me
    assert "心得体会（本学期）0/1 ░░░░░░░░░░ 未到期（1月22日前完成）" in me
    assert "教育教学论文（本学期）0/1 ░░░░░░░░░░ 未到期（1月22日前完成）" in me
    assert re.search(r"\d\.\d", me) is None
    # 出勤 counts the sessions from the first day (8 to the end of term, not 21); of them
    # only 12-02's has been held (nobody signed in).
    assert "教研活动出勤（本学期）0/8 ░░░░░░░░░░ 稍落后，还差约 1 次" in me

    await tick_days(runner, clock, *first_week[3:])
    # No nudge in the week after binding (nor a period-end reminder).
    assert [t for t, chat, _ in sink.sent if chat == bot.account(LIU)
            and "研修小提醒" in plain(_)] == []
    await tick_days(runner, clock, *[f"2026-12-{day:02d}" for day in range(7, 15)])
    nudged = [plain(reply) for t, chat, reply in sink.sent
              if chat == bot.account(LIU) and "研修小提醒" in plain(reply)]
    assert len(nudged) == 1  # Wednesday 12-09, a week and more after binding
    assert "心得体会" not in nudged[0]
    assert "论文" not in nudged[0]
    assert "按进度" not in nudged[0]
    assert re.search(r"\d\.\d", nudged[0]) is None
    assert "还差约" in nudged[0]

    # The weekly digest in the group: three or four short lines (and the chart).
    (digest,) = [reply for t, chat, reply in sink.sent if chat == group
                 and "周报 · 12月7日" in plain(reply)]
    assert 3 <= len(plain(digest).splitlines()) <= 4
    assert digest.attachment is not None

    # One definition of 落后: the school line's count is the leader's count of names.
    clock.set(at("2026-12-14", 9, 0))
    school_line = next(line for line in (await bot.say(CHEN, "/progress")).splitlines()
                       if line.startswith("语文组："))
    leader = await bot.say(WANG, "/progress")
    behind = sum(1 for line in leader.splitlines() if "项落后（" in line)
    assert school_line == f"语文组：5 人，有落后项目的 {behind} 人"
    # Quota by quota, "落后 N 人" uses the same word: never "0 人" beside names behind.
    counts = [int(found[1]) for found in re.finditer(r"，落后 (\d+) 人$", leader, re.MULTILINE)]
    assert len(counts) == teacher_quotas(bot) + 1  # and 听课（管理员）
    assert behind > 0
    assert 0 < max(counts) <= behind
    bot.core.db.close()


async def test_the_digest_congratulates_who_handed_something_in(school: School) -> None:
    bot, clock = school.bot, school.clock
    group = bot.link("语文组").address
    # 孙丽 hands in a reflection in the week before the digest.
    clock.set(at("2026-12-03", 10, 0))
    from tests.e2e.test_progress import NOTE_SENTENCE
    summary = await bot.send(SUN, "/record 读书笔记")
    for text in ("《给教师的建议》", "/skip", prose(NOTE_SENTENCE, 6), "完成"):
        summary = await bot.send(SUN, text)
    assert "✅" in shown(await tap(bot, SUN, summary, "提交"))
    clock.set(at("2026-12-07", 7, 30))
    await run_until(school.runner, clock, at("2026-12-07", 8, 0), step=timedelta(minutes=10))
    (posted,) = school.sink.to(group, "周报")
    lines = plain(posted[1]).splitlines()
    assert lines[-1] == "👏 上周交了研修材料：孙丽"
    assert len(lines) == 4
