"""课题研究, as the people involved see it: 刘洋 registers his 课题 with /topic, links a
反思 and a 听课记录 to it, writes a 阶段小结, and before the semester ends is asked for the
结题/阶段总结; 王芳 (语文组's 教研组长) and 陈主任 (教导处) see who has registered one; the
archive has the 课题 ledger and each portfolio a 课题研究 section. The clock stands on
Wednesday 2026-12-02 16:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.app import build_runner
from bot.config import Config
from handlers.settings import ResearchSpec
from scheduler.clock import ManualClock
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, labels, plain, shown, tap
from tests.e2e.test_exports import Archive, day
from tests.e2e.test_lessons import Sink, answer
from tests.e2e.test_mentoring import observe
from tests.e2e.test_platforms import Platform, fill
from tests.e2e.test_platforms import platform as platform
from tests.e2e.test_review import H30, N30, S30

LIU, ZHOU, WANG, SUN, CHEN = "刘洋", "周静", "王芳", "孙丽", "陈主任"
TITLE = "低年级识字教学中游戏化策略的研究"
QUESTION = "低年级学生识字量大、容易遗忘，课堂上怎样用游戏帮助学生记住生字？"
PLAN = ("九月至十月查阅文献并设计识字游戏；十一月在两个班开展对比实验，每周记录听写正确率；"
        "十二月整理课例与数据，撰写阶段小结；下学期推广到全年级。")
DONE = ("本阶段在三年级两个班开展了识字游戏对比实验，设计了“摘苹果”“开火车”等六个游戏，"
        "每周记录听写正确率，并上了一节研讨课。")
FINDINGS = "游戏化的班级听写正确率提高了约一成，但游戏时间不好控制，课堂秩序需要规则。"
PROCESS = ("一学期来，课题组查阅了识字教学的文献，设计并改进了六个识字游戏，在两个班开展对比实验，"
           "每周记录听写正确率，上了两节研讨课并请同组老师评课，整理了课例和学生作品。"
           "实验班的学生识字兴趣明显提高，听写正确率从百分之七十八提高到百分之八十九。")
RESULTS = ("形成了一套低年级识字游戏设计与使用的建议，整理了六个游戏的课例和学生作品集，"
           "写成阶段报告一篇，在组内做了一次专题交流。")


@pytest.fixture
def bot(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    driver = Driver(make_core(config, sqlite_url, clock))
    driver.bind(LIU, ZHOU, WANG, SUN, CHEN)
    yield driver
    driver.core.db.close()


async def register(bot: Driver, name: str = LIU, title: str = TITLE) -> list:
    page = await bot.send(name, "/topic")
    form = await tap(bot, name, page, "课题立项")
    assert "课题立项 · 第 1/5 项 · 课题名称" in shown(form)
    form = await answer(bot, name, title, "个人课题", "/skip", QUESTION, "完成", PLAN, "完成",
                        replies=form, taps=("个人课题",))
    assert "请核对" in shown(form)
    return await tap(bot, name, form, "提交")


async def reflect(bot: Driver) -> list:
    replies = await bot.send(LIU, "/reflect")
    replies = await answer(bot, LIU, "秋天的雨", "三年级2班", "今天", H30, "完成", S30, "完成",
                           "/skip", N30, "完成", replies=replies)
    return await tap(bot, LIU, replies, "提交")


async def test_a_teacher_registers_a_topic_and_links_records(bot: Driver) -> None:
    page = await bot.send(LIU, "/topic")
    assert shown(page).startswith("您还没有登记课题。每人都要有自己的研究课题")
    assert labels(page) == ["课题立项"]
    assert "课题研究\n还没有登记课题，发送 /topic 立项。" in await bot.say(LIU, "/me")
    saved = await register(bot)
    assert f"✅ 已提交课题立项「{TITLE}」" in shown(saved)
    assert "📌 课题已立项。以后写反思、听课记录时可以关联到课题；/topic 查看。" in shown(saved)

    # A new 反思 is offered to the 课题; linking takes one press.
    replies = await reflect(bot)
    offer = [r for r in replies if "和您的课题" in plain(r)]
    assert [plain(r) for r in offer] == [
        f"这份记录和您的课题《{TITLE}》有关吗？有关的话关联上，它会进入课题档案。"]
    linked = await tap(bot, LIU, offer, "关联到课题")
    assert shown(linked) == f"🔗 已关联到课题《{TITLE}》。"
    # A 听课记录 handed in without linking is picked from /topic later.
    await observe(bot, LIU, WANG)
    page = await bot.send(LIU, "/topic")
    assert shown(page).startswith(f"我的课题《{TITLE}》\n类别：个人课题　立项：12月2日（周三）\n"
                                  f"研究问题：{QUESTION}\n关联记录 1 份，阶段小结 0 份")
    assert labels(page) == ["写阶段小结", "结题/阶段总结", "关联已交的记录", "修改立项表"]
    pick = await tap(bot, LIU, page, "关联已交的记录")
    assert shown(pick) == f"选择要关联到课题《{TITLE}》的记录："
    assert labels(pick) == ["听课记录 · 秋天的雨 · 12/1"]
    await tap(bot, LIU, pick, "听课记录 · 秋天的雨 · 12/1")
    page = await bot.send(LIU, "/topic")
    assert "关联记录 2 份，阶段小结 0 份，结题/阶段总结 0 份" in shown(page)
    assert "· 12月1日（周二） 听课记录「秋天的雨」" in shown(page)

    # 阶段小结: the 课题 is filled in already.
    form = await tap(bot, LIU, page, "写阶段小结")
    assert "课题阶段小结 · 第 2/4 项 · 本阶段工作" in shown(form)
    form = await answer(bot, LIU, DONE, "完成", FINDINGS, "完成", "/skip", replies=form)
    saved = await tap(bot, LIU, form, "提交")
    assert f"✅ 已提交课题阶段小结「{TITLE}」" in shown(saved)
    me = await bot.say(LIU, "/me")
    assert f"课题研究\n《{TITLE}》（个人课题，研究中）：关联记录 2 份，阶段小结 1 份" in me
    # The 立项表 is edited from /topic like any record.
    edit = await tap(bot, LIU, await bot.send(LIU, "/topic"), "修改立项表")
    assert "修改课题立项" in shown(edit)


async def test_only_ones_own_records_and_topics(bot: Driver) -> None:
    await register(bot)
    replies = await reflect(bot)
    offer = [r for r in replies if "和您的课题" in plain(r)]
    data = offer[0].buttons[0][0].data
    # 周静 has no 课题 and the record is not hers; a 课题 of 刘洋's is not hers either.
    refused = await bot.send(ZHOU, button=data)
    assert [r.notice for r in refused] == ["这个课题已结题或已删除。"]
    page = await bot.send(LIU, "/topic")
    stage = next(b.data for r in page for row in r.buttons for b in row if b.label == "写阶段小结")
    refused = await bot.send(ZHOU, button=stage)
    assert [r.notice for r in refused] == ["这个课题已结题或已删除。"]
    # One open 课题 at a time.
    again = await bot.send(LIU, button="kt:new:0")
    assert [r.notice for r in again] == ["您已经有一个在研的课题了，结题后才能再立项。"]


async def test_leaders_and_the_school_see_who_has_registered(bot: Driver) -> None:
    await register(bot)
    replies = await bot.send(WANG, "/topic")
    assert shown(replies[-1:]) == ("课题立项情况（语文组）\n"
                                   "语文组：已立项 1/5 人，未立项：陈主任、王芳、孙丽、周静")
    school = shown((await bot.send(CHEN, "/topic"))[-1:])
    assert school.startswith("课题立项情况（全校）\n语文组：已立项 1/5 人")
    assert "数学组：已立项 0/3 人" in school
    # A teacher sees only their own.
    assert len(await bot.send(ZHOU, "/topic")) == 1


async def test_term_end_asks_for_the_report_and_a_conclusion_ends_the_topic(
        bot: Driver, clock: ManualClock) -> None:
    await register(bot)
    await register(bot, SUN, "小学数学错题本使用的研究")
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    clock.set(datetime(2027, 1, 7, 17, 0, tzinfo=ZONE))  # 15 days before 1月22日
    await runner.tick()
    assert sink.to(bot, LIU, "结题") == []
    # 孙丽 hands in her 阶段总结 early: she is not asked.
    page = await bot.send(SUN, "/topic")
    form = await tap(bot, SUN, page, "结题/阶段总结")
    form = await answer(bot, SUN, "阶段总结", PROCESS, "完成", RESULTS, "完成", "/skip",
                        replies=form, taps=("阶段总结",))
    await tap(bot, SUN, form, "提交")
    clock.set(datetime(2027, 1, 8, 16, 40, tzinfo=ZONE))  # 14 days before, after 16:30
    await runner.tick()
    ((_, asked),) = sink.to(bot, LIU, "结题")
    assert plain(asked) == (f"刘洋老师，本学期1月22日（周五）结束。请填写课题《{TITLE}》的"
                            "结题报告或阶段总结（研究过程、成果、问题与设想）。")
    assert sink.to(bot, SUN, "结题") == []
    clock.advance(timedelta(days=1))
    await runner.tick()
    assert len(sink.to(bot, LIU, "结题")) == 1  # once a semester
    form = await tap(bot, LIU, [asked], "填写结题/阶段总结")
    assert "课题结题/阶段总结 · 第 2/5 项 · 类型" in shown(form)
    form = await answer(bot, LIU, "结题报告", PROCESS, "完成", RESULTS, "完成", "/skip",
                        replies=form, taps=("结题报告",))
    saved = await tap(bot, LIU, form, "提交")
    assert f"🎓 课题《{TITLE}》已结题。" in shown(saved)
    page = shown(await bot.send(LIU, "/topic"))
    assert page.startswith("您还没有登记课题。")
    assert page.endswith(f"已结题：《{TITLE}》")
    assert f"《{TITLE}》（个人课题，已结题）" in await bot.say(LIU, "/me")


async def test_the_archive_has_the_topic_ledger_and_the_portfolio_section(bot: Driver) -> None:
    await register(bot)
    replies = await reflect(bot)
    await tap(bot, LIU, [r for r in replies if "和您的课题" in plain(r)], "关联到课题")
    form = await tap(bot, LIU, await bot.send(LIU, "/topic"), "写阶段小结")
    form = await answer(bot, LIU, DONE, "完成", FINDINGS, "完成", "/skip", replies=form)
    await tap(bot, LIU, form, "提交")
    archive = Archive.of(await bot.send(CHEN, "/export"))
    table = archive.table("课题")
    assert table.header == ("序号", "教师", "教研组", "课题名称", "类别", "课题组成员",
                            "立项日期", "关联反思", "关联听课", "其他关联", "阶段小结",
                            "结题/阶段总结", "状态", "结题日期")
    row = next(r for r in table.data if r[1] == LIU)
    assert row[2:7] == ("语文组", f"《{TITLE}》", "个人课题", None, day(2026, 12, 2))
    assert row[7:13] == (1, 0, 0, 1, 0, "研究中")
    assert next(r for r in table.data if r[1] == ZHOU)[3] == "（未立项）"
    assert table.totals[0][3] == 1
    portfolio = archive.docs("个人研修档案")[f"{LIU}_2002.docx"]
    headings = [p.text for p in portfolio.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["目　录", "一、研修指标完成情况", "二、教研活动出勤", "三、公开课",
                        "四、研修记录", "五、课题研究", "六、学期总结", "七、评价"]
    texts = [p.text for p in portfolio.paragraphs]
    assert f"《{TITLE}》（个人课题，研究中）" in texts
    assert f"本阶段工作：{DONE}" in texts
    assert any(t.startswith("关联的记录：12-02 教学反思「秋天的雨」") for t in texts)
    cells = {cell.text for table in portfolio.tables for row in table.rows for cell in row.cells}
    assert PLAN in cells
    # The 课题 records are in their section, not again among 四、研修记录.
    kinds = [p.text for p in portfolio.paragraphs if p.style.name == "Heading 2"]
    assert not [k for k in kinds if "课题立项" in k or "阶段小结" in k]
    other = archive.docs("个人研修档案")[f"{ZHOU}_2004.docx"]
    assert "本学期没有登记课题。" in [p.text for p in other.paragraphs]


async def test_a_school_without_topics_switches_it_off(config: Config, sqlite_url: str,
                                                       clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    off = config.model_copy(update={"research": ResearchSpec(enabled=False)})
    bot = Driver(make_core(off, sqlite_url, clock))
    try:
        bot.bind(LIU, CHEN)
        assert await bot.say(LIU, "/topic") == "本校没有启用课题研究。"
        assert "课题" not in await bot.say(LIU, "/me")
        assert not [r for r in await reflect(bot) if "课题" in plain(r)]
        archive = Archive.of(await bot.send(CHEN, "/export"))
        assert "课题" not in archive.book().sheetnames
        portfolio = archive.docs("个人研修档案")[f"{LIU}_2002.docx"]
        headings = [p.text for p in portfolio.paragraphs if p.style.name == "Heading 1"]
        assert headings[-2:] == ["五、学期总结", "六、评价"]
    finally:
        bot.core.db.close()


# -- on both platforms, through each real adapter ------------------------------------------


async def test_register_and_link_on_both_platforms(platform: Platform) -> None:
    await platform.bind(LIU)
    page = await platform.say(LIU, "/topic")
    assert "您还没有登记课题" in page
    seen = await platform.press(LIU, "课题立项")
    for step in (TITLE, "@个人课题", "/skip", QUESTION):
        seen = (await platform.press(LIU, step[1:]) if step.startswith("@")
                else await platform.say(LIU, step))
    saved = await fill(platform, LIU, seen)
    assert "📌 课题已立项" in saved
    opened = await platform.say(LIU, "/reflect")
    saved = await fill(platform, LIU, opened)
    assert "这份记录和您的课题" in saved
    linked = await platform.press(LIU, "关联到课题")
    assert f"已关联到课题《{TITLE}》" in linked
    page = await platform.say(LIU, "/topic")
    assert "关联记录 1 份" in page
