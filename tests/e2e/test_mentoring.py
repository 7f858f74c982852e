"""师徒结对, as the people involved see it: 陈主任 (教导处) pairs 刘洋 (徒弟) with 王芳 (师傅,
语文组's 教研组长), from the roster's 师傅 column or with /mentor. 刘洋 observes 王芳's
lessons and 王芳 刘洋's; 王芳 hears of 刘洋's 反思 and 公开课 and comments; /me, /mentor
and the archive show the pair's figures. The clock stands on Wednesday 2026-12-02 16:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_runner, import_roster, read_roster
from bot.config import Config
from handlers.roster import RosterError, parse_roster_bytes
from handlers.settings import MentoringSpec
from scheduler.clock import ManualClock
from storage.repos import mentoring
from tests.conftest import DEMO_ROSTER, ZONE, make_core
from tests.drivers import Driver, labels, plain, shown, tap
from tests.e2e.test_exports import Archive, day
from tests.e2e.test_lessons import Sink, answer, fill_lesson, to_chat
from tests.e2e.test_platforms import Platform, fill
from tests.e2e.test_platforms import platform as platform
from tests.e2e.test_review import H30, N30, S30, hand_in_reflection

LIU, ZHOU, WANG, ZHANG, CHEN = "刘洋", "周静", "王芳", "张伟", "陈主任"
PROCESS = ("教师用秋天的图片导入，学生说出秋天的颜色；随后初读课文，小组合作找出比喻句并交流，"
           "最后每人仿写一句话，教师挑选三份作品展示点评。")
COMMENT = "闪光点写得具体。失败处可以再想想：小练笔为什么时间不够？下次先预设好时间。"
MENTEE_LINE = "徒弟听师傅的课（本学期）{done}/8 "
MENTOR_LINE = "师傅听徒弟的课（本学期）{done}/4 "


@pytest.fixture
def bot(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    driver = Driver(make_core(config, sqlite_url, clock))
    driver.bind(LIU, ZHOU, WANG, ZHANG, CHEN)
    driver.link("语文组")
    yield driver
    driver.core.db.close()


async def pair_them(bot: Driver) -> list:
    replies = await bot.send(CHEN, f"/mentor {WANG} {LIU} 9月1日")
    own = [r for r in replies if r.chat is None]
    assert plain(own[0]) == "✅ 已结对：师傅王芳，徒弟刘洋，9月1日起。"
    return replies


async def observe(bot: Driver, observer: str, teacher: str, title: str = "秋天的雨") -> None:
    """``observer`` hands in a 听课记录 of a lesson ``teacher`` gave yesterday."""
    replies = await bot.send(observer, "/observe")
    replies = await answer(bot, observer, "昨天", "2", "三年级2班", "语文", teacher, title,
                           "新授课", PROCESS, "完成", "朗读指导层层递进，学生读得有感情。",
                           "小练笔的时间不够，展示的学生太少。", "可以把生字教学放到第一课时。",
                           replies=replies, taps=("语文", "新授课"))
    replies = await tap(bot, observer, replies, "提交")
    assert "✅ 已提交听课记录" in shown(replies)


async def test_admin_pairs_them_both_are_told_and_observations_count(bot: Driver) -> None:
    replies = await pair_them(bot)
    (mentee,) = to_chat(replies, bot.account(LIU))
    assert plain(mentee) == ("🤝 教导处为您安排了师傅：王芳（9月1日起）。每学期听师傅的课 8 节。"
                             "师傅会看到您的反思并点评。发送 /mentor 查看进度。")
    (tutor,) = to_chat(replies, bot.account(WANG))
    assert plain(tutor).startswith(
        "🤝 教导处为您安排了徒弟：刘洋（9月1日起）。每学期听徒弟的课 4 节。")
    # Asked again: nothing new, nobody told twice.
    again = await bot.send(CHEN, f"/mentor {WANG} {LIU} 9月1日")
    assert shown(again) == "王芳和刘洋已经是师徒（9月1日起）。"

    await observe(bot, LIU, WANG)  # counts: 王芳 is his 师傅
    await observe(bot, LIU, ZHANG, "分数的初步认识")  # another teacher's lesson: not counted
    await observe(bot, ZHOU, WANG)  # 周静 is nobody's 徒弟
    await observe(bot, WANG, LIU, "坐井观天")  # the 师傅 observes the 徒弟
    me = await bot.say(LIU, "/me")
    assert "师徒结对\n师傅：王芳（9月1日起）\n" + MENTEE_LINE.format(done=1) in me
    assert MENTOR_LINE.format(done=1) in me
    assert "师傅点评 0 次，徒弟公开课 0 节" in me
    # The school's 听课 quota counts all three of 刘洋's.
    assert "听课（本学期）2/30" in me
    mine = await bot.send(WANG, "/mentor")
    assert shown(mine).startswith(
        "师徒结对\n\n徒弟：刘洋（9月1日起）\n" + MENTEE_LINE.format(done=1))
    assert labels(mine) == ["看刘洋的反思"]
    assert "师徒结对" not in await bot.say(ZHOU, "/me")
    assert await bot.say(ZHOU, "/mentor") == (
        "您还没有师徒结对。结对由教导处安排（花名册的「师傅」一列，或 /mentor 师傅 徒弟）。")
    school = await bot.say(CHEN, "/mentor")
    assert ("全校师徒结对（1 对）\n1. 师傅王芳 → 徒弟刘洋（9月1日起）：徒弟听课 1/8，"
            "师傅听课 1/4，点评 0") in school


async def test_only_an_admin_pairs_and_names_are_checked(bot: Driver) -> None:
    assert await bot.say(WANG, f"/mentor {WANG} {LIU}") == (
        "只有管理员可以安排结对。查看自己的结对请直接发送 /mentor。")
    assert await bot.say(CHEN, "/mentor 王芳") == (
        "结对请这样发送：/mentor 师傅 徒弟 [开始日期]，"
        "例如 /mentor 王芳 刘洋 9月1日（不写日期就从今天起）")
    assert await bot.say(CHEN, f"/mentor 李白 {LIU}") == "花名册里没有「李白」。"
    assert await bot.say(CHEN, f"/mentor {LIU} {LIU}") == "师傅和徒弟不能是同一个人。"
    # A new 师傅 for the same 徒弟 ends the first pair the day before.
    await bot.send(CHEN, f"/mentor {WANG} {LIU} 9月1日")
    await bot.send(CHEN, f"/mentor {ZHOU} {LIU}")
    found = bot.core.db.call(lambda s: mentoring.pairs(s, school_id=bot.core.school_id))
    assert [(p.mentor, p.started_on, p.ended_on) for p in found] == [
        (WANG, date(2026, 9, 1), date(2026, 12, 1)), (ZHOU, date(2026, 12, 2), None)]
    assert "师傅：周静（12月2日起）" in await bot.say(LIU, "/me")


async def test_the_mentor_reads_a_reflection_and_comments(bot: Driver) -> None:
    await pair_them(bot)
    replies = await bot.send(LIU, "/reflect")
    replies = await answer(bot, LIU, "秋天的雨", "三年级2班", "今天", H30, "完成", S30, "完成",
                           "/skip", N30, "完成", replies=replies)
    replies = await tap(bot, LIU, replies, "提交")
    (told,) = to_chat(replies, bot.account(WANG))
    assert plain(told) == "📝 徒弟刘洋交了教学反思「秋天的雨」。"
    view = await tap(bot, WANG, [told], "查看并点评")
    assert shown(view).startswith("刘洋 · 教学反思 · 12月2日（周三）\n\n课题：秋天的雨")
    assert labels(view) == ["写点评", "返回列表"]
    form = await tap(bot, WANG, view, "写点评")
    assert "师傅点评 · 第 1/1 项 · 点评" in shown(form)
    form = await answer(bot, WANG, COMMENT, replies=form)
    replies = await tap(bot, WANG, form, "提交")
    assert plain(replies[0]) == "✅ 点评已发给刘洋。"
    (comment,) = to_chat(replies, bot.account(LIU))
    assert plain(comment) == f"💬 师傅王芳点评了您的教学反思「秋天的雨」：\n{COMMENT}"
    # The record shows the comment to the 师傅 next time; it is no 检查 mark.
    view = await tap(bot, WANG, [told], "查看并点评")
    assert f"点评\n· 王芳（12月2日（周三））：{COMMENT}" in shown(view)
    assert "师傅点评 1 次" in await bot.say(LIU, "/me")
    # The 徒弟 finds it again in /mentor.
    heard = await bot.say(LIU, "/mentor")
    assert f"· 12月2日 师傅点评教学反思「秋天的雨」：{COMMENT}" in heard
    assert await bot.say(WANG, "/check") == "12月记录检查（语文组）\n刘洋：1 份，未检查 1 份"
    # From /mentor too: the 徒弟's 反思 listed.
    mine = await bot.send(WANG, "/mentor")
    listed = await tap(bot, WANG, mine, "看刘洋的反思")
    assert shown(listed) == "刘洋本学期的教学反思（点一篇查看并点评）："
    assert labels(listed) == ["12/2 · 秋天的雨"]


async def test_nobody_else_reads_or_comments(bot: Driver) -> None:
    await pair_them(bot)
    await hand_in_reflection(bot)
    (record_id, pair_id) = bot.core.db.call(lambda s: (
        mentoring.recent_records(s, teacher_id=_id(bot, LIU), semester_id=1,
                                 kind="reflection", limit=1)[0][0],
        mentoring.pairs(s, school_id=bot.core.school_id)[0].id))
    for name in (ZHOU, ZHANG, CHEN, LIU):
        for data in (f"mt:view:{record_id}", f"mt:note:{record_id}", f"mt:refl:{pair_id}"):
            replies = await bot.send(name, button=data)
            assert [r.notice for r in replies] == ["这个结对已解除，或不是您的。"], (name, data)
    # The 教导处 buttons are 教导处's.
    replies = await bot.send(WANG, button=f"mt:endok:{pair_id}")
    assert [r.notice for r in replies] == ["这个按钮已经失效了。"]
    holding = bot.core.db.call(lambda s: mentoring.pairs(s, school_id=bot.core.school_id,
                                                         on=date(2026, 12, 2)))
    assert [p.id for p in holding] == [pair_id]


async def test_admin_ends_a_pair(bot: Driver) -> None:
    await pair_them(bot)
    school = (await bot.send(CHEN, "/mentor"))[-1:]
    ask = await tap(bot, CHEN, school, "解除 王芳—刘洋")
    assert shown(ask) == "确定解除师傅王芳和徒弟刘洋的结对吗？已交的听课记录和点评都会保留。"
    done = await tap(bot, CHEN, ask, "确定解除")
    assert shown(done) == "已解除师傅王芳和徒弟刘洋的结对（12月2日）。"
    assert "师徒结对" not in await bot.say(LIU, "/me")
    again = await tap(bot, CHEN, ask, "确定解除")
    assert [r.notice for r in again] == ["这个结对已解除，或不是您的。"]


async def test_the_mentor_hears_of_the_mentees_open_lesson(bot: Driver,
                                                           clock: ManualClock) -> None:
    await pair_them(bot)
    replies = await fill_lesson(bot, LIU)
    await tap(bot, LIU, replies, "提交")
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    await runner.tick()
    (told,) = [r for _, r in sink.to(bot, WANG, "徒弟")]
    assert plain(told) == ("📣 您的徒弟刘洋登记了公开课：\n研讨课《秋天的雨》 · 刘洋\n"
                           "12月9日（周三）09:55（第2节，录播教室）· 三年级2班 · 语文")
    page = await tap(bot, WANG, [told], "查看并预约听课")
    booked = await tap(bot, WANG, page, "预约听课")
    assert "预约成功" in shown(booked)
    clock.advance(timedelta(minutes=10))
    await runner.tick()
    assert len(sink.to(bot, WANG, "徒弟")) == 1  # told once
    assert sink.to(bot, ZHOU, "徒弟") == []


ROSTER_WITH_MENTORS = """姓名,教研组,角色,学科,工号,师傅,结对日期
陈主任,语文组,管理员,语文,1002,,
王芳,语文组,教研组长,语文,2001,,
刘洋,语文组,教师,语文,2002,王芳,2026-09-01
孙丽,语文组,教师,语文,2003,王芳,
周静,语文组,教师,语文,2004,,
张伟,数学组,教研组长,数学,2101,,
"""


async def test_pairs_come_from_the_roster(bot: Driver, tmp_path: Path) -> None:
    path = tmp_path / "花名册.csv"
    path.write_text(ROSTER_WITH_MENTORS, encoding="utf-8")
    import_roster(bot.core, read_roster(bot.core, path))
    found = bot.core.db.call(lambda s: mentoring.pairs(s, school_id=bot.core.school_id))
    # 孙丽's pair starts on the day of the import (the clock's 12月2日).
    assert [(p.mentor, p.mentee, p.started_on) for p in found] == [
        (WANG, LIU, date(2026, 9, 1)), (WANG, "孙丽", date(2026, 12, 2))]
    # Imported again later: the pairs stay as they were.
    bot.core.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    import_roster(bot.core, read_roster(bot.core, path))
    again = bot.core.db.call(lambda s: mentoring.pairs(s, school_id=bot.core.school_id))
    assert again == found
    assert "师傅：王芳（9月1日起）" in await bot.say(LIU, "/me")


@pytest.mark.parametrize(("cell", "problem"), [
    ("李白,", "第 2 行：师傅「李白」不在花名册里"),
    ("刘洋,", "第 2 行：师傅不能是自己"),
    ("王芳,九月", "第 2 行：结对日期「九月」格式不对（例如 2026-09-01）"),
    (",2026-09-01", "第 2 行：填了结对日期，但没有填师傅"),
])
def test_roster_mentor_cells_are_checked(cell: str, problem: str) -> None:
    data = (f"姓名,教研组,角色,学科,师傅,结对日期\n刘洋,语文组,教师,语文,{cell}\n"
            "王芳,语文组,教研组长,语文,,\n")
    with pytest.raises(RosterError) as caught:
        parse_roster_bytes(data.encode(), filename="a.csv", known_groups=["语文组"])
    assert caught.value.problems == [problem]


async def test_the_archive_has_the_pairs_ledger(bot: Driver) -> None:
    await pair_them(bot)
    await observe(bot, LIU, WANG)
    await observe(bot, LIU, WANG, "坐井观天")
    await observe(bot, WANG, LIU, "小蝌蚪找妈妈")
    archive = Archive.of(await bot.send(CHEN, "/export"))
    table = archive.table("师徒结对记录")
    assert table.header == ("序号", "师傅", "徒弟", "徒弟教研组", "结对日期", "解除日期",
                            "徒弟听师傅", "目标", "师傅听徒弟", "目标", "徒弟公开课", "师傅点评",
                            "进度")
    (row,) = table.data
    assert row[:4] == (1, WANG, LIU, "语文组")
    assert row[4] == day(2026, 9, 1)
    assert row[6:12] == (2, 8, 1, 4, 0, 0)
    assert "徒弟听师傅的课" in str(row[12])
    visits = archive.table("师徒听课记录")
    assert [(r[2], r[3], r[4], r[5]) for r in visits.data] == [
        (LIU, WANG, "徒弟听师傅", "秋天的雨"), (LIU, WANG, "徒弟听师傅", "坐井观天"),
        (WANG, LIU, "师傅听徒弟", "小蝌蚪找妈妈")]
    assert visits.totals[0][:2] == ("合计", 3)


async def test_a_school_without_pairs_switches_it_off(config: Config, sqlite_url: str,
                                                      clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    off = config.model_copy(update={"mentoring": MentoringSpec(enabled=False)})
    bot = Driver(make_core(off, sqlite_url, clock))
    try:
        bot.bind(LIU, WANG, CHEN)
        assert await bot.say(CHEN, f"/mentor {WANG} {LIU}") == "本校没有启用师徒结对。"
        assert await bot.say(LIU, "/mentor") == "本校没有启用师徒结对。"
        assert "师徒结对" not in await bot.say(LIU, "/me")
        archive = Archive.of(await bot.send(CHEN, "/export"))
        assert "师徒结对记录" not in archive.book().sheetnames
    finally:
        bot.core.db.close()


def _id(bot: Driver, name: str) -> int:
    entries = read_roster(bot.core, DEMO_ROSTER)
    assert any(e.name == name for e in entries)
    from storage.repos import people

    (found,) = bot.core.db.call(lambda s: people.find_by_name(
        s, school_id=bot.core.school_id, name=name))
    return found.id


# -- on both platforms, through each real adapter ------------------------------------------


async def test_pair_reflection_and_comment_on_both_platforms(platform: Platform) -> None:
    await platform.bind(CHEN)
    await platform.bind(WANG)
    await platform.bind(LIU)
    paired = await platform.say(CHEN, f"/mentor {WANG} {LIU} 9月1日")
    assert "✅ 已结对：师傅王芳，徒弟刘洋，9月1日起。" in paired
    assert "🤝 教导处为您安排了师傅：王芳（9月1日起）" in paired
    opened = await platform.say(LIU, "/reflect")
    saved = await fill(platform, LIU, opened)
    assert "📝 徒弟刘洋交了教学反思" in saved
    view = await platform.press(WANG, "查看并点评")
    assert "刘洋 · 教学反思" in view
    form = await platform.press(WANG, "写点评")
    assert "师傅点评" in form
    summary = await platform.say(WANG, COMMENT)
    assert "请核对" in summary
    sent = await platform.press(WANG, "提交")
    assert "✅ 点评已发给刘洋。" in sent
    assert "💬 师傅王芳点评了您的教学反思" in sent
    me = await platform.say(LIU, "/me")
    assert "师傅：王芳（9月1日起）" in me
    assert "师傅点评 1 次" in me
