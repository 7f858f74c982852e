"""检查 beyond one record, as the people involved see it: copied 反思 flagged (never judged)
and shown side by side; 教导处's 随机抽查; the monthly check round reaching 教导处 and each
教研组长. The clock stands on Wednesday 2026-12-02 unless a test moves it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from bench.similar_texts import OTHER_LESSONS, SAME_LESSON, copies
from bot.app import build_runner
from bot.config import Config
from handlers.settings import ReviewSpec, SemesterSpec
from handlers.types import Reply
from scheduler.clock import ManualClock
from storage.repos.outbox import OutboxItem
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, labels, plain, shown, tap
from tests.e2e.test_lessons import answer
from tests.e2e.test_review import open_record

LIU, ZHOU, WANG, ZHANG, CHEN, WU = "刘洋", "周静", "王芳", "张伟", "陈主任", "吴敏"
COPIED = copies(SAME_LESSON[0], random.Random(16))["换词又加句"]
OWN = {LIU: ("小练笔的时间安排得不够，只有三位学生展示了作品，其余学生没有得到反馈。",
             "把生字教学放到第一课时完成，第二课时留出十五分钟给小练笔和同伴互评。"),
       ZHOU: ("板书不够清楚，学生记录时有些混乱，下课前的总结也比较仓促，没有讲完。",
              "课前画好板书的框架，课上只填关键词，留三分钟让学生自己小结。"),
       ZHANG: ("竖式计算的练习量不够，个别学生的错误没有当堂纠正过来，课后还要补。",
               "下节课先做一组对比练习，让学生自己找出错在哪里，再讲清楚算理。")}
OWN[WU] = OWN[ZHANG]


@pytest.fixture
def bot(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    driver = Driver(make_core(config, sqlite_url, clock))
    driver.bind(LIU, ZHOU, WANG, ZHANG, CHEN, WU)
    yield driver
    driver.core.db.close()


async def hand_in(bot: Driver, name: str, highlights: str, topic: str = "秋天的雨") -> None:
    """``name`` hands in a 教学反思 whose 闪光点 is ``highlights``."""
    weak, next_time = OWN[name]
    replies = await bot.send(name, "/reflect")
    replies = await answer(bot, name, topic, "三年级2班", "今天", highlights, "完成", weak,
                           "完成", "/skip", next_time, "完成", replies=replies)
    replies = await tap(bot, name, replies, "提交")
    assert f"✅ 已提交教学反思「{topic}」" in shown(replies)


async def test_copied_reflection_is_flagged_and_shown_side_by_side(bot: Driver) -> None:
    await hand_in(bot, ZHOU, SAME_LESSON[0])
    await hand_in(bot, LIU, COPIED)
    # 张伟 wrote on the same lesson in his own words: similar, not copied.
    await hand_in(bot, ZHANG, SAME_LESSON[1])
    overview = await bot.say(CHEN, "/check")
    assert "刘洋：1 份，未检查 1 份（⚠️ 1 份与其他记录高度相似）" in overview
    assert "周静：1 份，未检查 1 份（⚠️ 1 份与其他记录高度相似）" in overview
    assert "张伟：1 份，未检查 1 份\n" in overview + "\n"

    record = await open_record(bot, WANG, LIU)
    text = shown(record)
    assert "⚠️ 与下面的记录高度相似（仅供参考，请您对照后判断）：" in text
    assert "· 周静 · 教学反思「秋天的雨」· 12月2日（周三） · 相似度" in text
    assert labels(record) == ["合格", "优秀", "退回修改", "对照：周静「秋天的雨」", "返回列表"]
    page = await tap(bot, WANG, record, "对照：周静「秋天的雨」")
    side = shown(page)
    assert side.startswith("对照查看（相似度 ")
    assert "相似不等于抄袭，请您判断。" in side
    mine, theirs = side.index("【待检查】刘洋"), side.index("【相似记录】周静")
    assert mine < theirs
    assert COPIED[:20] in side[mine:theirs]
    assert SAME_LESSON[0][:20] in side[theirs:]
    assert labels(page) == ["返回这份记录"]
    # Nothing is judged: the record still counts and is still unchecked.
    assert "教学反思（本学期）1/20" in await bot.say(LIU, "/me")


async def test_merely_similar_reflections_are_not_flagged(bot: Driver) -> None:
    await hand_in(bot, ZHOU, SAME_LESSON[2])
    await hand_in(bot, LIU, SAME_LESSON[3])
    overview = await bot.say(WANG, "/check")
    assert "⚠️" not in overview
    record = await open_record(bot, WANG, LIU)
    assert "高度相似" not in shown(record)
    assert not any(label.startswith("对照") for label in labels(record))


async def test_own_reflection_of_an_earlier_semester_is_flagged(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    spring = SemesterSpec(name="2025-2026学年第二学期", start=date(2026, 2, 23),
                          end=date(2026, 7, 10))
    two_terms = config.model_copy(update={"semesters": (spring, *config.semesters)})
    clock.set(datetime(2026, 6, 10, 16, 0, tzinfo=ZONE))
    bot = Driver(make_core(two_terms, sqlite_url, clock))
    try:
        bot.bind(LIU, WANG)
        await hand_in(bot, LIU, SAME_LESSON[0])
        clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
        await hand_in(bot, LIU, SAME_LESSON[0].replace("，", ","))
        record = await open_record(bot, WANG, LIU)
        assert ("· 刘洋 · 教学反思「秋天的雨」· 6月10日（周三）（2025-2026学年第二学期） · 相似度 "
                in shown(record))
    finally:
        bot.core.db.close()


async def test_two_of_ones_own_this_term_are_not_flagged(bot: Driver) -> None:
    await hand_in(bot, LIU, SAME_LESSON[0])
    await hand_in(bot, LIU, COPIED)
    assert "⚠️" not in await bot.say(WANG, "/check")


async def test_copy_check_can_be_switched_off(config: Config, sqlite_url: str,
                                              clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    off = config.model_copy(update={"review": ReviewSpec(copy_check=False)})
    bot = Driver(make_core(off, sqlite_url, clock))
    try:
        bot.bind(LIU, ZHOU, WANG)
        await hand_in(bot, ZHOU, SAME_LESSON[0])
        await hand_in(bot, LIU, COPIED)
        assert "⚠️" not in await bot.say(WANG, "/check")
    finally:
        bot.core.db.close()


# -- 随机抽查 ---------------------------------------------------------------------------------


async def test_admin_draws_a_seeded_random_sample(bot: Driver) -> None:
    await hand_in(bot, ZHOU, SAME_LESSON[2])
    await hand_in(bot, LIU, SAME_LESSON[3])
    await hand_in(bot, ZHANG, OTHER_LESSONS[1], topic="两位数乘两位数")
    await hand_in(bot, LIU, SAME_LESSON[4], topic="秋天的雨（二）")
    sample = await bot.send(CHEN, "/check 抽查 2")
    assert plain(sample[0]) == ("12月随机抽查：从全校本月 4 份记录中抽出 2 份，"
                                "点一份查看并检查：")
    drawn = labels(sample)
    assert len(drawn) == 2
    assert all(" · 未检查 · 教学反思 · " in label for label in drawn)
    # Seeded by the school, the day and the size: the same sample when asked again today.
    assert labels(await bot.send(CHEN, "/check 随机抽查 2 份")) == drawn
    page = await tap(bot, CHEN, sample, drawn[0])
    assert "检查结果：未检查" in shown(page)
    assert labels(page)[:3] == ["合格", "优秀", "退回修改"]
    # More than there are: all of them.
    assert len(labels(await bot.send(CHEN, "/check 抽查 9"))) == 4


async def test_sample_is_for_the_office_and_needs_a_number(bot: Driver) -> None:
    assert await bot.say(WANG, "/check 抽查 5") == (
        "随机抽查由教导处发起；您可以用 /check 检查本组的记录。")
    usage = "随机抽查请这样发送：/check 抽查 5（1 到 30 份）"
    assert await bot.say(CHEN, "/check 抽查") == usage
    assert await bot.say(CHEN, "/check 抽查 0") == usage
    assert await bot.say(CHEN, "/check 抽查 3") == "本月还没有可以抽查的记录。"


# -- the monthly round ----------------------------------------------------------------------


async def test_monthly_round_reaches_the_office_and_each_leader_once(
        bot: Driver, clock: ManualClock) -> None:
    await hand_in(bot, LIU, SAME_LESSON[0])
    await hand_in(bot, ZHOU, COPIED)
    await hand_in(bot, WU, OTHER_LESSONS[1], topic="两位数乘两位数")
    sent: list[Reply] = []

    async def deliver(reply: Reply, item: OutboxItem) -> bool:
        if item.kind == "check-round":
            sent.append(reply)
        return True

    runner = build_runner(bot.core, deliver)
    clock.set(datetime(2026, 12, 24, 20, 0, tzinfo=ZONE))
    await runner.tick()
    assert sent == []
    clock.set(datetime(2026, 12, 25, 8, 10, tzinfo=ZONE))
    await runner.tick()
    await runner.tick()
    by_chat = {reply.chat.address: plain(reply) for reply in sent if reply.chat}
    assert len(sent) == len(by_chat)
    assert by_chat[bot.account(WANG)] == (
        "📋 12月检查（语文组）：本月 2 份记录，还有 2 份未检查。\n"
        "刘洋：1 份，未检查 1 份（⚠️ 1 份与其他记录高度相似）\n"
        "周静：1 份，未检查 1 份（⚠️ 1 份与其他记录高度相似）")
    assert by_chat[bot.account(ZHANG)] == (
        "📋 12月检查（数学组）：本月 1 份记录，还有 1 份未检查。\n吴敏：1 份，未检查 1 份")
    assert by_chat[bot.account(CHEN)].startswith(
        "📋 12月检查（全校）：本月 3 份记录，还有 3 份未检查。")
    round_reply = next(r for r in sent if r.chat and r.chat.address == bot.account(WANG))
    assert labels([round_reply]) == ["开始检查"]
    overview = await tap(bot, WANG, [round_reply], "开始检查")
    assert "12月记录检查（语文组）" in shown(overview)
    # Once per round: later ticks that day and the next send nothing more.
    clock.set(datetime(2026, 12, 25, 15, 0, tzinfo=ZONE))
    await runner.tick()
    assert len(sent) == len(by_chat)


async def test_no_round_when_switched_off(config: Config, sqlite_url: str,
                                          clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    off = config.model_copy(update={"review": ReviewSpec(round_day=0)})
    bot = Driver(make_core(off, sqlite_url, clock))
    try:
        bot.bind(LIU, WANG, CHEN)
        await hand_in(bot, LIU, SAME_LESSON[0])
        kinds: list[str] = []

        async def deliver(_reply: Reply, item: OutboxItem) -> bool:
            kinds.append(item.kind)
            return True

        clock.set(datetime(2026, 12, 25, 9, 0, tzinfo=ZONE))
        await build_runner(bot.core, deliver).tick()
        assert "check-round" not in kinds
    finally:
        bot.core.db.close()
