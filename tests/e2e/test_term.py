"""Plans, summaries, 外出学习汇报 and 考核 (issue 16 §6, §7), as the people involved see them:
刘洋 (teacher, 语文组), 王芳 (语文组's 教研组长), 陈主任 (教导处). The clock starts on
Wednesday 2026-12-02."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.app import build_runner
from bot.config import Config, ConfigError, TelegramSpec, load
from bot.tg.adapter import build_application
from handlers.dispatch import Core
from handlers.term_settings import (
    AppraisalItem,
    AppraisalSpec,
    CreditRule,
    CreditsSpec,
    ItemType,
    OutingsSpec,
    PlansSpec,
)
from handlers.types import Reply
from scheduler.clock import ManualClock
from storage.repos import meetings
from storage.repos import school as school_repo
from storage.repos.outbox import OutboxItem
from tests.conftest import EXAMPLE_CONFIG, ZONE, make_core
from tests.dingtalk_harness import CHEN as DT_CHEN
from tests.dingtalk_harness import LIU as DT_LIU
from tests.dingtalk_harness import WANG as DT_WANG
from tests.dingtalk_harness import DingTalk, running
from tests.dingtalk_harness import shown as dt_shown
from tests.drivers import Driver, labels, plain, prose, shown, tap
from tests.e2e.test_exports import Archive
from tests.e2e.test_lessons import answer, to_chat
from tests.e2e.test_review import hand_in_reflection
from tests.e2e.test_telegram import CHEN as TG_CHEN
from tests.e2e.test_telegram import LIU as TG_LIU
from tests.e2e.test_telegram import WANG as TG_WANG
from tests.fake_dingtalk import FakeDingTalk
from tests.fakes import TOKEN, RecordingRequest, Telegram, unpaced
from tests.fakes import shown as tg_shown

LIU, SUN, WANG, ZHANG, CHEN = "刘洋", "孙丽", "王芳", "张伟", "陈主任"
LONG = prose("本学期我要在阅读教学中多让学生开口说话，每周整理一次课堂实录。", 8)
MID = prose("每月至少听同组老师四节课，并写好听课记录和反思。", 4)


@pytest.fixture
def bot(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    driver = Driver(make_core(config, sqlite_url, clock))
    driver.bind(LIU, SUN, WANG, ZHANG, CHEN)
    yield driver
    driver.core.db.close()


async def tick_at(bot: Driver, clock: ManualClock, moment: datetime) -> list[tuple[str, Reply]]:
    """Move the clock, run the scheduler's tick, and return what it sent (chat, reply)."""
    clock.set(moment)
    sent: list[tuple[str, Reply]] = []

    async def deliver(reply: Reply, item: OutboxItem) -> bool:
        sent.append((reply.chat.address if reply.chat else item.chat, reply))
        return True

    await build_runner(bot.core, deliver).tick()
    return sent


async def write_personal_plan(bot: Driver, name: str) -> list[Reply]:
    page = await bot.send(name, "/plans")
    form = await tap(bot, name, page, "写个人专业发展计划")
    assert "个人专业发展计划 · 第 1/4 项 · 题目" in shown(form)
    form = await answer(bot, name, "我的专业发展计划", LONG, "完成", LONG, "完成", LONG, "完成",
                        replies=form)
    return await tap(bot, name, form, "提交")


# -- plans and summaries -----------------------------------------------------------------


async def test_plans_are_written_from_plans_and_the_school_sees_who_is_missing(
        bot: Driver) -> None:
    page = await bot.say(LIU, "/plans")
    assert page.startswith("2026-2027学年第一学期 · 计划与总结\n")
    # The school started with the bot on 11-30; the plan was due 14 days after 09-01.
    assert "❗ 个人专业发展计划：未提交，已过截止日期（9月15日（周二））" in page
    assert "· 个人学期总结：未提交，1月15日（周五）前交" in page
    leader = await bot.send(WANG, "/plans")
    assert "写语文组教研组工作计划" in labels(leader)
    assert "语文组：个人专业发展计划 已交 0/" in shown(leader)

    saved = await write_personal_plan(bot, LIU)
    assert "✅ 已提交个人专业发展计划「我的专业发展计划」" in shown(saved)
    assert "✅ 个人专业发展计划：已提交（12月2日（周三））" in await bot.say(LIU, "/plans")

    form = await tap(bot, WANG, leader, "写语文组教研组工作计划")
    form = await answer(bot, WANG, "语文组教研工作计划", LONG, "完成", LONG, "完成", LONG, "完成",
                        MID, "完成", replies=form)
    assert "✅ 已提交教研组工作计划" in shown(await tap(bot, WANG, form, "提交"))
    overview = await bot.say(CHEN, "/plans")
    assert "全校" in overview
    assert "✅ 语文组教研组工作计划：已提交（12月2日（周三））" in overview
    assert "❗ 数学组教研组工作计划：未提交" in overview
    missing = next(line for line in overview.splitlines() if line.startswith("    未交："))
    assert LIU not in missing
    assert SUN in missing
    # A teacher cannot open a group's form by forging its button.
    forged = await bot.send(LIU, button=next(b.data for r in leader for row in r.buttons
                                         for b in row if "教研组工作计划" in b.label))
    assert "只有本组教研组长" in shown(forged)


async def test_a_summary_is_reminded_before_and_on_its_due_day(
        bot: Driver, clock: ManualClock) -> None:
    sent = await tick_at(bot, clock, datetime(2027, 1, 12, 16, 40, tzinfo=ZONE))
    told = [r for chat, r in sent if chat == bot.account(LIU) and "个人学期总结" in plain(r)]
    assert [plain(r) for r in told] == ["📝 刘洋老师，个人学期总结请在1月15日（周五）前提交。"]
    assert labels(told) == ["写个人学期总结"]
    leader = [plain(r) for chat, r in sent if chat == bot.account(WANG)]
    assert "📝 王芳老师，语文组教研组工作总结请在1月15日（周五）前提交。" in leader
    # 刘洋 hands it in from the reminder's button; on the due day only the others are told.
    form = await tap(bot, LIU, told, "写个人学期总结")
    form = await answer(bot, LIU, "我的学期总结", LONG + LONG, "完成", LONG, "完成", MID, "完成",
                        replies=form)
    assert "✅ 已提交个人学期总结" in shown(await tap(bot, LIU, form, "提交"))
    sent = await tick_at(bot, clock, datetime(2027, 1, 15, 16, 40, tzinfo=ZONE))
    assert not [r for chat, r in sent if chat == bot.account(LIU) and "总结" in plain(r)]
    assert any("个人学期总结今天（1月15日（周五））截止" in plain(r)
               for chat, r in sent if chat == bot.account(SUN))


async def test_plans_switch_off(config: Config, sqlite_url: str, clock: ManualClock) -> None:
    off = config.model_copy(update={"plans": PlansSpec(enabled=False),
                                    "outings": OutingsSpec(enabled=False),
                                    "appraisal": AppraisalSpec(enabled=False)})
    driver = Driver(make_core(off, sqlite_url, clock))
    driver.bind(LIU, CHEN)
    for name, command in ((LIU, "/plans"), (LIU, "/outings"), (CHEN, "/appraise"),
                          (CHEN, "/outing 刘洋 培训 12月4日")):
        assert await driver.say(name, command) == "学校没有开启这项功能。"
    assert "这是一次外出学习" not in await driver.say(LIU, "/pause 12月7日 外出学习")
    driver.core.db.close()


# -- 外出学习汇报 ------------------------------------------------------------------------------


async def test_an_outing_is_assigned_reported_scheduled_and_reminded(
        bot: Driver, clock: ManualClock) -> None:
    await tick_at(bot, clock, clock.now())  # the scheduler has made the semester's sessions
    replies = await bot.send(CHEN, "/outing 刘洋 省骨干教师培训 12月4日")
    assert plain(replies[0]) == (
        "✅ 已安排刘洋参加「省骨干教师培训」，12月4日（周五）返校，"
        "12月18日（周五）前交外出学习汇报。")
    (told,) = to_chat(replies, bot.account(LIU))
    assert "陈主任安排您参加「省骨干教师培训」" in plain(told)
    (leader,) = to_chat(replies, bot.account(WANG))
    assert "刘洋外出学习「省骨干教师培训」" in plain(leader)
    # 孙丽's /pause for 外出学习 is an outing too.
    paused = await bot.say(SUN, "/pause 12月7日 12月8日 外出学习：市语文研讨会")
    assert "不再给您发提醒" in paused
    assert "📚 这是一次外出学习：回来后请在12月22日（周二）前交一份外出学习汇报" in paused
    assert "此前" not in paused

    listed = await bot.send(WANG, "/outings")
    text = shown(listed)
    assert "· 刘洋「省骨干教师培训」12月2日—12月4日，汇报12月18日（周五）前交" in text
    assert "· 孙丽「外出学习：市语文研讨会」12月7日—12月8日" in text
    assert labels(listed) == ["安排汇报：刘洋", "安排汇报：孙丽"]
    picked = await tap(bot, WANG, listed, "安排汇报：刘洋")
    assert "把刘洋的汇报「省骨干教师培训」安排到语文组哪一次教研活动？" in shown(picked)
    done = await tap(bot, WANG, picked, "语文组 12月9日（周三）")
    assert ("✅ 已把刘洋的外出学习汇报安排到12月9日（周三）的教研活动，"
            "主题：外出学习汇报：省骨干教师培训"
            in shown(done))
    assert "您的外出学习汇报安排在12月9日（周三）的语文组教研活动" in shown(
        to_chat(done, bot.account(LIU)))

    def topic(session) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        ids = school_repo.group_ids(session, school_id=bot.core.school_id)
        (meeting,) = meetings.list_meetings(session, group_ids=[ids["语文组"]],
                                            start=date(2026, 12, 9),
                                            end=date(2026, 12, 9))
        return meeting.topic, meeting.host

    assert bot.core.db.call(topic) == ("外出学习汇报：省骨干教师培训", LIU)
    # The leader's notice of that session starts from it.
    announce = await bot.say(WANG, "/announce")
    assert "外出学习汇报：省骨干教师培训" in announce
    await bot.send(WANG, "/cancel")
    # A teacher may not schedule, even by forging the button.
    assert "失效" in shown(await bot.send(LIU, button="out:s:1"))

    # The day after returning, 刘洋 is reminded; he writes the 汇报 from the button.
    sent = await tick_at(bot, clock, datetime(2026, 12, 5, 16, 40, tzinfo=ZONE))
    reminders = [r for chat, r in sent if chat == bot.account(LIU) and "汇报" in plain(r)]
    assert [plain(r) for r in reminders] == [
        "📚 刘洋老师，外出学习「省骨干教师培训」的汇报请在12月18日（周五）前提交。"]
    form = await tap(bot, LIU, reminders, "写汇报：省骨干教师培训")
    assert "外出学习汇报 · 第 2/4 项 · 学习收获" in shown(form)
    form = await answer(bot, LIU, LONG, "完成", MID, "完成", "/skip", replies=form)
    assert "✅ 已提交外出学习汇报「省骨干教师培训」" in shown(await tap(bot, LIU, form, "提交"))
    assert "汇报已交（12月5日（周六））" in await bot.say(LIU, "/outings")
    sent = await tick_at(bot, clock, datetime(2026, 12, 15, 16, 40, tzinfo=ZONE))
    assert not [r for chat, r in sent if chat == bot.account(LIU) and "汇报" in plain(r)]


async def test_outing_usage_and_unknown_teacher(bot: Driver) -> None:
    usage = await bot.say(CHEN, "/outing 刘洋")
    assert usage.startswith("请这样发送：/outing 姓名 培训名称 返校日期")
    assert await bot.say(CHEN, "/outing 李白 省培 12月4日") == "花名册上没有「李白」。"
    assert "没看懂" in await bot.say(CHEN, "/outing 刘洋 省培 明年某天") or \
        "日期" in await bot.say(CHEN, "/outing 刘洋 省培 明年某天")
    assert await bot.say(LIU, "/outings") == (
        "2026-2027学年第一学期 · 外出学习汇报\n本学期还没有外出学习的记录。")


# -- 考核 ---------------------------------------------------------------------------------


async def test_the_appraisal_is_seen_adjusted_with_a_reason_and_audited(bot: Driver) -> None:
    await write_personal_plan(bot, LIU)
    overview = await bot.send(CHEN, "/appraise")
    text = shown(overview)
    assert text.startswith("2026-2027学年第一学期 · 考核（截至 2026-12-02，满分 100）\n")
    liu = next(line for line in text.splitlines() if line.startswith("刘洋（语文组）"))
    assert "学分" in liu
    assert "优秀教研组排名\n1. " in text
    page = await tap(bot, CHEN, overview, next(label for label in labels(overview)
                                               if label.startswith("刘洋 ")))
    shown_page = shown(page)
    assert "刘洋 · 考核（语文组）" in shown_page
    assert "· 计划与总结：10/10 分（应交 1 份，已交 1 份）" in shown_page
    assert "· 检查结果：不计（还没有检查过的记录）" in shown_page
    assert "· 外出学习汇报：不计（还没有到期的）" in shown_page
    base = float(shown_page.split("按细则得分：")[1].split(" 分")[0])
    form = await tap(bot, CHEN, page, "调整分数")
    form = await answer(bot, CHEN, "5", "承担区级公开课，额外加分", replies=form)
    saved = await tap(bot, CHEN, form, "提交")
    expected = min(100.0, round(base + 5, 1))
    assert (f"✅ 已调整刘洋的考核：+5 分（承担区级公开课，额外加分）。现在 {expected:g} 分"
            in shown(saved))
    again = await bot.say(CHEN, "/appraise 刘洋")
    assert "调整 +5 分：承担区级公开课，额外加分（陈主任" in again
    assert "考核调整：刘洋 +5 分，理由：承担区级公开课，额外加分" in await bot.say(CHEN, "/audit")
    # Teachers and leaders do not see it.
    assert "抱歉，只有管理员可以使用 /appraise" in await bot.say(WANG, "/appraise")


async def test_the_export_has_the_term_sheets_documents_and_filled_boxes(bot: Driver) -> None:
    await write_personal_plan(bot, LIU)
    replies = await bot.send(WANG, "/plans")
    form = await tap(bot, WANG, replies, "写语文组教研组工作计划")
    form = await answer(bot, WANG, "语文组教研工作计划", LONG, "完成", LONG, "完成", LONG, "完成",
                        MID, "完成", replies=form)
    await tap(bot, WANG, form, "提交")
    form = await tap(bot, LIU, await bot.send(LIU, "/plans"), "写个人学期总结")
    form = await answer(bot, LIU, "我的学期总结", LONG + LONG, "完成", LONG, "完成", MID, "完成",
                        replies=form)
    await tap(bot, LIU, form, "提交")
    await bot.send(CHEN, "/outing 刘洋 省骨干教师培训 12月4日")
    archive = Archive.of(await bot.send(CHEN, "/export"))
    book = archive.book()
    for sheet in ("考核汇总", "优秀教研组", "计划与总结", "外出学习汇报"):
        assert sheet in book.sheetnames
    rows = archive.rows("考核汇总")
    liu = next(row for row in rows if row[1] == LIU)
    assert liu[2] == "语文组"
    assert liu[-2] in ("优秀", "良好", "合格", "不合格")
    ranking = archive.rows("优秀教研组")
    assert [row[0] for row in ranking] == list(range(1, len(ranking) + 1))
    assert {row[1] for row in ranking} == {"语文组", "数学组", "英语组", "综合组"}
    plans_rows = archive.rows("计划与总结")
    assert any(row[1] == LIU and row[3] == "个人专业发展计划" and row[6] == "已交"
               for row in plans_rows)
    assert any(row[1] == WANG and row[2] == "语文组" and row[3] == "教研组工作计划"
               and row[6] == "已交" for row in plans_rows)
    (outing,) = archive.rows("外出学习汇报")
    assert outing[1] == LIU
    assert outing[2] == "省骨干教师培训"
    docs = archive.docs("教研组计划与总结")
    assert list(docs) == ["语文组_教研组工作计划.docx"]
    body = "\n".join(p.text for p in docs["语文组_教研组工作计划.docx"].paragraphs)
    assert "语文组教研工作计划" in body
    assert "组长：王芳" in body
    (portfolio,) = [doc for name, doc in archive.docs("个人研修档案").items()
                    if name.startswith(LIU)]
    cells = [cell.text for table in portfolio.tables for row in table.rows
             for cell in row.cells]
    assert any(cell.startswith("我的学期总结\n主要收获：") for cell in cells)
    assert any(cell.startswith("考核得分 ") and "等级：" in cell for cell in cells)
    assert any(cell.startswith("检查结果：合格 0 份") for cell in cells)


# -- through the Telegram Application ------------------------------------------------------


async def test_outing_and_appraisal_through_telegram(core: Core) -> None:
    api = RecordingRequest()
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=unpaced())
    async with app:
        tg = Telegram(app, api, core)
        for user, name in ((TG_CHEN, CHEN), (TG_LIU, LIU), (TG_WANG, WANG)):
            await tg.bind(user, name)
        sent = await tg.say(TG_CHEN, "/outing 刘洋 省骨干教师培训 12月4日")
        assert tg_shown(sent[0].text).startswith("✅ 已安排刘洋参加「省骨干教师培训」")
        told = next(call for call in sent if call.chat_id == TG_LIU.id)
        assert "陈主任安排您参加「省骨干教师培训」" in tg_shown(told.text)
        assert any(call.chat_id == TG_WANG.id for call in sent)
        pressed = await tg.press(TG_LIU, told, "写汇报：省骨干教师培训")
        asked = [c for c in pressed if c.method == "sendMessage" and c.chat_id == TG_LIU.id]
        assert "外出学习汇报 · 第 2/4 项 · 学习收获" in tg_shown(asked[-1].text)

        [overview] = await tg.say(TG_CHEN, "/appraise")
        assert "· 考核（截至 2026-11-30，满分 100）" in tg_shown(overview.text)
        label = next(b for b in overview.labels if b.startswith("刘洋 "))
        pressed = await tg.press(TG_CHEN, overview, label)
        [edit] = [c for c in pressed if c.method == "editMessageText"]
        assert "刘洋 · 考核（语文组）" in tg_shown(edit.text)
        assert edit.labels == ["调整分数", "返回名单"]
        refused = await tg.say(TG_WANG, "/appraise")
        assert "抱歉，只有管理员可以使用 /appraise" in tg_shown(refused[0].text)
    assert api.malformed == []


# -- 考核 figures, exactly -------------------------------------------------------------------


async def mark(bot: Driver, reviewer: str, record_label: str, verdict: str,
               comment: str) -> None:
    """``reviewer`` marks the record labelled ``record_label`` of 刘洋 through /check."""
    overview = await bot.send(reviewer, "/check")
    line = next(label for label in labels(overview) if label.startswith(LIU))
    page = await tap(bot, reviewer, overview, line)
    record = await tap(bot, reviewer, page, record_label)
    form = await tap(bot, reviewer, record, verdict)
    form = await answer(bot, reviewer, comment, replies=form)
    await tap(bot, reviewer, form, "提交")


async def test_the_score_follows_the_rules_and_the_adjustment(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    rules = AppraisalSpec(items=(
        AppraisalItem(label="反思篇数", type=ItemType.RECORDS, kind="reflection", weight=20,
                      per=5),
        AppraisalItem(label="优秀作品", type=ItemType.EXCELLENT, weight=10, per=10),
        AppraisalItem(label="检查结果", type=ItemType.REVIEW, weight=20),
        AppraisalItem(label="计划与总结", type=ItemType.PLANS, weight=50)))
    credits = CreditsSpec(enabled=True, max=10,
                          rules=(CreditRule(kind="reflection", per=0.5),))
    school = config.model_copy(update={"appraisal": rules, "credits": credits})
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    bot = Driver(make_core(school, sqlite_url, clock))
    bot.bind(LIU, WANG, CHEN)
    await hand_in_reflection(bot, LIU)
    await hand_in_reflection(bot, LIU)
    await write_personal_plan(bot, LIU)
    overview = await bot.send(WANG, "/check")
    page = await tap(bot, WANG, overview, next(label for label in labels(overview)
                                               if label.startswith(LIU)))
    first, _second = [label for label in labels(page) if "教学反思" in label]
    await mark(bot, WANG, first, "优秀", "反思具体，推荐参加评比。")
    # The first is marked now; the one still 未检查 is the second.
    overview = await bot.send(WANG, "/check")
    page = await tap(bot, WANG, overview, next(label for label in labels(overview)
                                               if label.startswith(LIU)))
    (second,) = [label for label in labels(page) if "教学反思" in label and "未检查" in label]
    await mark(bot, WANG, second, "退回修改", "失败处请再具体一些。")
    text = await bot.say(CHEN, "/appraise 刘洋")
    # 2 reflections × 5 = 10/20; one 优秀 × 10 = 10/10; 1 of 2 checked passed: 10/20;
    # the plan due on 9-15 handed in: 50/50 (the summary is not due yet).
    assert "· 反思篇数：10/20 分（2 份，每份 5 分）" in text
    assert "· 优秀作品：10/10 分（优秀 1 份，每份 10 分）" in text
    assert "· 检查结果：10/20 分（检查 2 份，合格或优秀 1 份）" in text
    assert "· 计划与总结：50/50 分（应交 1 份，已交 1 份）" in text
    assert "按细则得分：80 分" in text
    assert "总分 80 分，等级：良好 · 学分 1" in text
    form = await tap(bot, CHEN, await bot.send(CHEN, "/appraise 刘洋"), "调整分数")
    form = await bot.send(CHEN, "-25")
    assert "-25 超出了范围，请输入 -20 到 20 之间的数字。" in shown(form)
    form = await answer(bot, CHEN, "-6", "反思有抄袭", replies=form)
    saved = shown(await tap(bot, CHEN, form, "提交"))
    assert "✅ 已调整刘洋的考核：-6 分（反思有抄袭）。现在 74 分，合格。" in saved
    overview = await bot.say(CHEN, "/appraise")
    assert "刘洋（语文组）74 分 合格 · 学分 1" in overview
    bot.core.db.close()


# -- on 钉钉 --------------------------------------------------------------------------------


@pytest.fixture
async def on_dingtalk(core: Core) -> AsyncIterator[tuple[DingTalk, FakeDingTalk]]:
    """The 钉钉 adapter running against the fake 钉钉 server."""
    server = FakeDingTalk().start()
    try:
        async with running(core, server) as harness:
            yield harness, server
    finally:
        server.stop()


async def test_an_outing_on_dingtalk(on_dingtalk: tuple[DingTalk, FakeDingTalk]) -> None:
    dt, fake = on_dingtalk
    for staff in (DT_CHEN, DT_LIU, DT_WANG):
        await dt.bind(staff)
    await dt.say(DT_CHEN, "/outing 刘洋 省骨干教师培训 12月4日")
    assert "已安排刘洋参加「省骨干教师培训」" in dt.texts(DT_CHEN.user_id)[-1]
    # The assignment reaches 刘洋 as a card with its button; he opens the 汇报 from it.
    card = fake.last_card(DT_LIU.user_id)
    assert "陈主任安排您参加「省骨干教师培训」" in dt_shown(card.text)
    await dt.press(DT_LIU, card, "写汇报：省骨干教师培训")
    assert "外出学习汇报 · 第 2/4 项 · 学习收获" in dt.texts(DT_LIU.user_id)[-1]
    await dt.say(DT_LIU, "/cancel")
    # 王芳 schedules it from /outings.
    await dt.say(DT_WANG, "/outings")
    listed = fake.last_card(DT_WANG.user_id)
    assert "刘洋「省骨干教师培训」" in dt_shown(listed.text)
    assert listed.labels == ["安排汇报：刘洋"]


@pytest.mark.parametrize(("change", "message"), [
    (('kind = "reading_note", weight = 10', 'kind = "reading_notes", weight = 10'),
     "appraisal.items[2].kind：没有 reading_notes 这种记录"),
    (('{ kind = "outing_report", per = 1 }', '{ kind = "nope", per = 1 }'),
     "credits.rules[2].kind：没有 nope 这种记录"),
    (('roles = ["teacher", "leader"]   #', 'roles = ["boss"]   #'), "未知的角色 ['boss']"),
    (('{ name = "合格", min = 60 }', '{ name = "合格", min = 95 }'),
     "grades 需按 min 从高到低排列"),
    (("report_days = 14", "report_days = 0"), "outings.report_days"),
])
def test_a_wrong_term_setting_names_the_key(tmp_path: Path, change: tuple[str, str],
                                            message: str) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "config.toml"
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load(str(path))
    assert message in str(error.value)
