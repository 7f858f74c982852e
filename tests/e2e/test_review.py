"""检查 and feedback, as the people involved see it: 刘洋 (teacher of 语文组) hands in a
教学反思; 王芳 (语文组's 教研组长) and 陈主任 (教导处) check it with /check; 张伟 leads 数学组
and sees none of it. The clock stands on Wednesday 2026-12-02."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from bot.config import Config
from handlers.settings import ReviewSpec
from scheduler.clock import ManualClock
from storage.repos import people, records, school
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, labels, plain, shown, tap
from tests.e2e.test_lessons import answer, to_chat

LIU, ZHOU, WANG, ZHANG, CHEN = "刘洋", "周静", "王芳", "张伟", "陈主任"
H30 = "这节课的朗读指导层层递进，学生在反复朗读中体会到了秋雨的美，课堂气氛活跃。"
S30 = "小练笔的时间安排得不够，只有三位学生展示了作品，其余学生没有得到反馈的机会。"
N30 = "把生字教学放到第一课时完成，第二课时留出十五分钟给小练笔和同伴互评环节。"
COMMENT = "失败处写得太笼统，请结合学生的具体表现再写一写。"


@pytest.fixture
def bot(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    driver = Driver(make_core(config, sqlite_url, clock))
    driver.bind(LIU, ZHOU, WANG, ZHANG, CHEN)
    yield driver
    driver.core.db.close()


async def hand_in_reflection(bot: Driver, name: str = LIU) -> None:
    replies = await bot.send(name, "/reflect")
    replies = await answer(bot, name, "秋天的雨", "三年级2班", "今天", H30, "完成", S30, "完成",
                           "/skip", N30, "完成", replies=replies)
    replies = await tap(bot, name, replies, "提交")
    assert "✅ 已提交教学反思「秋天的雨」" in shown(replies)


async def open_record(bot: Driver, reviewer: str, teacher: str) -> list:
    overview = await bot.send(reviewer, "/check")
    line = next(label for label in labels(overview) if label.startswith(teacher))
    page = await tap(bot, reviewer, overview, line)
    (record_label,) = [label for label in labels(page) if "教学反思" in label]
    return await tap(bot, reviewer, page, record_label)


async def test_leader_checks_and_the_teacher_is_told(bot: Driver) -> None:
    await hand_in_reflection(bot)
    overview = await bot.say(WANG, "/check")
    assert overview == "12月记录检查（语文组）\n刘洋：1 份，未检查 1 份"
    # 张伟 leads 数学组: 刘洋 is not his to check.
    assert await bot.say(ZHANG, "/check") == (
        "12月记录检查（数学组）\n本月还没有需要检查的记录。")
    record = await open_record(bot, WANG, LIU)
    text = shown(record)
    assert text.startswith("刘洋 · 教学反思 · 12月2日（周三）\n\n课题：秋天的雨")
    assert f"闪光点：{H30}" in text
    assert "检查结果：未检查" in text
    assert labels(record) == ["合格", "优秀", "退回修改", "返回列表"]

    form = await tap(bot, WANG, record, "优秀")
    assert "检查意见 · 第 2/2 项 · 评语" in shown(form)
    form = await answer(bot, WANG, "反思具体，有改进措施，推荐参加评比。", replies=form)
    assert "结论：优秀" in shown(form)
    replies = await tap(bot, WANG, form, "提交")
    own = [r for r in replies if r.chat is None]
    assert plain(own[0]) == "✅ 已检查刘洋的教学反思「秋天的雨」：优秀"
    (told,) = to_chat(replies, bot.account(LIU))
    assert plain(told) == ("📋 您的教学反思「秋天的雨」已检查：优秀（王芳）\n"
                           "评语：反思具体，有改进措施，推荐参加评比。")
    assert await bot.say(WANG, "/check") == "12月记录检查（语文组）\n刘洋：1 份，未检查 0 份"
    # 教导处 sees the whole school, with the mark already given.
    overview = await bot.say(CHEN, "/check")
    assert overview.startswith("12月记录检查（全校）\n")
    assert "刘洋：1 份，未检查 0 份" in overview
    record = await open_record(bot, CHEN, LIU)
    assert "检查结果：优秀\n评语：反思具体" in shown(record)


async def test_returned_record_stops_counting_until_handed_in_again(bot: Driver) -> None:
    await hand_in_reflection(bot)
    assert "教学反思（本学期）1/20" in await bot.say(LIU, "/me")
    record = await open_record(bot, CHEN, LIU)
    form = await tap(bot, CHEN, record, "退回修改")
    form = await answer(bot, CHEN, COMMENT, replies=form)
    replies = await tap(bot, CHEN, form, "提交")
    (told,) = to_chat(replies, bot.account(LIU))
    assert plain(told) == (f"↩️ 您的教学反思「秋天的雨」被退回修改（陈主任）：\n{COMMENT}\n\n"
                           "修改后重新提交，才会再计入任务。")
    assert labels([told]) == ["修改"]
    # It no longer counts, and /mine shows why.
    assert "教学反思（本学期）0/20" in await bot.say(LIU, "/me")
    mine = await bot.send(LIU, "/mine")
    view = await tap(bot, LIU, mine, labels(mine)[0])
    assert f"检查结果：退回修改\n评语：{COMMENT}" in shown(view)

    # 修改: the comment comes first, then her answers to change.
    replies = await tap(bot, LIU, [told], "修改")
    assert plain(replies[0]) == f"↩️ 这份记录被退回修改：{COMMENT}\n改好后提交，就会重新计入任务。"
    replies = await tap(bot, LIU, replies, "修改某项")
    replies = await tap(bot, LIU, replies, "失败处")
    replies = await answer(bot, LIU, S30 + "下次要给每个小组留出展示时间。", "完成",
                           replies=replies)
    replies = await tap(bot, LIU, replies, "提交")
    assert "✅ 已修改教学反思「秋天的雨」。" in shown(replies)
    # Handed in again: it counts, and waits for the next 检查.
    assert "教学反思（本学期）1/20" in await bot.say(LIU, "/me")
    assert await bot.say(WANG, "/check") == "12月记录检查（语文组）\n刘洋：1 份，未检查 1 份"


async def test_unreviewed_records_need_not_count(config: Config, sqlite_url: str,
                                                 clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    strict = config.model_copy(update={"review": ReviewSpec(count_unreviewed=False)})
    bot = Driver(make_core(strict, sqlite_url, clock))
    try:
        bot.bind(LIU, WANG)
        await hand_in_reflection(bot)
        assert "教学反思（本学期）0/20" in await bot.say(LIU, "/me")
        record = await open_record(bot, WANG, LIU)
        form = await answer(bot, WANG, "合格。", replies=await tap(bot, WANG, record, "合格"))
        await tap(bot, WANG, form, "提交")
        assert "教学反思（本学期）1/20" in await bot.say(LIU, "/me")
    finally:
        bot.core.db.close()


async def test_nobody_checks_their_own_or_another_groups_records(bot: Driver) -> None:
    await hand_in_reflection(bot, WANG)
    (record_id,) = bot.core.db.call(lambda s: [r.id for r in records.list_records(
        s, teacher_id=_id(bot, WANG), semester_id=_semester(bot), offset=0, limit=5)[0]])
    for name in (WANG, ZHANG):
        replies = await bot.send(name, button=f"chk:r:{record_id}")
        assert [r.notice for r in replies] == ["这份记录已删除，或不在您的检查范围内。"]
        replies = await bot.send(name, button=f"chk:m:{record_id}:excellent")
        assert [r.notice for r in replies] == ["这份记录已删除，或不在您的检查范围内。"]
    assert "王芳" not in await bot.say(WANG, "/check")
    assert "王芳：1 份，未检查 1 份" in await bot.say(CHEN, "/check")
    # A teacher is refused by the dispatcher.
    assert await bot.say(LIU, "/check") == "抱歉，只有教研组长或管理员可以使用 /check。"


def _id(bot: Driver, name: str) -> int:
    person = bot.core.db.call(lambda s: people.get_by_account(s, account=bot.account(name)))
    assert person is not None
    return person.id


def _semester(bot: Driver) -> int:
    core = bot.core
    found = core.db.call(lambda s: school.current_semester(
        s, school_id=core.school_id, today=core.clock.now().astimezone(ZONE).date()))
    assert found is not None
    return found.id
