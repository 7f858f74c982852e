"""检查 in the term's archive, as 教导处 opens it: the ledgers' 检查 columns (mark, reviewer,
comment) and 优秀反思与案例汇编.docx with the pieces marked 优秀 (seed 000: "评比…装订成册").
The clock stands on Wednesday 2026-12-02."""

from __future__ import annotations

from datetime import datetime

from bench.similar_texts import OTHER_LESSONS, SAME_LESSON
from bot.config import Config
from handlers.settings import ReviewSpec
from scheduler.clock import ManualClock
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, shown, tap
from tests.e2e.test_exports import Archive
from tests.e2e.test_lessons import answer
from tests.e2e.test_review import open_record
from tests.e2e.test_review_rounds import CHEN, LIU, WANG, WU, ZHOU, bot, hand_in

__all__ = ["bot"]  # the fixture: 刘洋, 周静, 王芳, 张伟, 陈主任 and 吴敏 bound

BOOKLET = "优秀反思与案例汇编.docx"
PRAISE = "反思具体，有改进措施，推荐参加评比。"
RETURN = "失败处写得太笼统，请结合学生的具体表现再写一写。"


async def mark(bot: Driver, reviewer: str, teacher: str, label: str, comment: str) -> None:
    record = await open_record(bot, reviewer, teacher)
    form = await answer(bot, reviewer, comment, replies=await tap(bot, reviewer, record, label))
    assert f"：{label}" in shown(await tap(bot, reviewer, form, "提交"))


async def test_excellent_pieces_make_the_booklet_and_marks_reach_the_ledger(
        bot: Driver) -> None:
    await hand_in(bot, LIU, SAME_LESSON[0])
    await hand_in(bot, ZHOU, SAME_LESSON[2])
    await hand_in(bot, WU, OTHER_LESSONS[1], topic="两位数乘两位数")
    await mark(bot, WANG, LIU, "优秀", PRAISE)
    await mark(bot, CHEN, ZHOU, "退回修改", RETURN)
    await mark(bot, "张伟", WU, "优秀", "算理讲得清楚。")

    archive = Archive.of(await bot.send(CHEN, "/export"))
    ledger = archive.table("反思与材料台账")
    marks = {row[1]: row[-3:] for row in ledger.data}
    assert marks == {LIU: ("优秀", WANG, PRAISE), ZHOU: ("退回修改", CHEN, RETURN),
                     WU: ("优秀", "张伟", "算理讲得清楚。")}

    booklet = archive.document(BOOKLET)
    lines = [p.text for p in booklet.paragraphs if p.text]
    assert booklet.core_properties.title == "优秀反思与案例汇编"
    cover = lines[:5]
    assert cover[:3] == ["花城小学", "优秀反思与案例汇编", "2026-2027学年第一学期"]
    assert cover[3] == "本汇编收录本学期检查评为“优秀”的教学反思、听课记录与研修材料，共 2 篇。"
    contents = lines.index("目录")
    # The school's group order: 语文组 before 数学组.
    assert lines[contents + 1:contents + 3] == [
        "1. 教学反思《秋天的雨》 刘洋（语文组）", "2. 教学反思《两位数乘两位数》 吴敏（数学组）"]
    first = lines.index("1. 教学反思：秋天的雨")
    second = lines.index("2. 教学反思：两位数乘两位数")
    assert first < second
    liu = "\n".join(lines[first:second])
    assert "刘洋（语文组） · 2026-12-02" in liu
    assert f"闪光点：{SAME_LESSON[0]}" in liu
    assert f"评语（王芳）：{PRAISE}" in liu
    assert "周静" not in "\n".join(lines)  # returned, not 优秀
    assert "评语（张伟）：算理讲得清楚。" in "\n".join(lines[second:])


async def test_no_booklet_without_excellent_pieces_or_when_switched_off(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    off = config.model_copy(update={"review": ReviewSpec(booklet=False)})
    bot = Driver(make_core(off, sqlite_url, clock))
    try:
        bot.bind(LIU, WANG, CHEN)
        await hand_in(bot, LIU, SAME_LESSON[0])
        assert BOOKLET not in Archive.of(await bot.send(CHEN, "/export")).files
        await mark(bot, WANG, LIU, "优秀", PRAISE)
        assert BOOKLET not in Archive.of(await bot.send(CHEN, "/export")).files
    finally:
        bot.core.db.close()


async def test_booklet_comes_with_the_first_excellent_piece(bot: Driver) -> None:
    await hand_in(bot, LIU, SAME_LESSON[0])
    archive = Archive.of(await bot.send(CHEN, "/export"))
    assert BOOKLET not in archive.files
    assert archive.table("反思与材料台账").data[0][-3:] == ("未检查", None, None)
    await mark(bot, WANG, LIU, "优秀", PRAISE)
    assert BOOKLET in Archive.of(await bot.send(CHEN, "/export")).files
