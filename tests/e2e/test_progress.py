"""Transcripts of /me: quota progress after handing in the other kinds, and pace by date.

The demo semester runs 2026-09-01 … 2027-01-22; the clock starts on Monday 2026-11-30.
Texts are Han characters and Chinese punctuation only, so their 字数 is ``len(text)``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.config import Config
from handlers.features.progress import measure_people
from handlers.forms.spec import FieldPatch
from handlers.settings import Period
from handlers.types import Reply
from scheduler.clock import ManualClock
from storage.repos import groups, school
from storage.tables import Record
from tests.conftest import ZONE, from_semester_start, make_core
from tests.drivers import Driver, button_data, labels, plain, prose, shown

LIU = "刘洋"  # 语文组, 教师: every quota but 听课（管理员） applies
STATUS_WORDS = ("已完成", "进度正常", "未到期", "稍落后", "落后较多")
_PROGRESS = re.compile(
    r"^(?P<label>[^（\s]+)（(?P<when>本学期|本月|\d{1,2}月)）"
    r"(?P<done>\d+)/(?P<target>\d+)(?P<unit> 字)? "
    r"[▓░]{10} (?P<status>[^，（\n]+)"
    r"(?:，还差约 (?P<owed>\d+(?: \d{3})*) (?:字|篇|节|次)|（(?P<due>\d+月\d+日)前完成）)?$",
    re.MULTILINE)
TERM_END = ("心得体会", "教育教学论文", "专题演讲")  # due = "end" in the example config
ALL_QUOTAS = {"听课": 30, "教学反思": 20, "读书笔记": 7000, "教育故事": 2, "读书心得": 1,
              "心得体会": 1, "教育教学论文": 1, "课标摘抄": 5000, "专题演讲": 1, "组内研讨课": 1}
SEMESTER = (date(2026, 9, 1), date(2027, 1, 22))
# 20 字 each (Han characters and Chinese punctuation).
NOTE_SENTENCE = "读到“让学生思考”，我想起了上周那节课。"
STORY_SENTENCE = "那天放学后，小明主动留下来问了我三道题。"


@pytest.fixture
def bot(config: Config, database_url: str, clock: ManualClock) -> Iterator[Driver]:
    # Pace from the semester's first day: these transcripts check its arithmetic.
    driver = Driver(make_core(from_semester_start(config), database_url, clock))
    driver.bind(LIU)
    yield driver
    driver.core.db.close()




async def tap(bot: Driver, replies: list[Reply], label: str) -> list[Reply]:
    return await bot.send(LIU, button=button_data(replies, label))


async def say_all(bot: Driver, *messages: str) -> list[Reply]:
    replies: list[Reply] = []
    for message in messages:
        replies = await bot.send(LIU, message)
        assert "⚠️" not in shown(replies), f"{message!r} was refused:\n{shown(replies)}"
    return replies


class Line:
    """One quota line of /me, as read by the teacher."""

    def __init__(self, match: re.Match[str]) -> None:
        self.when = match["when"]
        self.done = int(match["done"])
        self.target = int(match["target"])
        self.chars = match["unit"] is not None
        self.status = match["status"]
        self.owed = int(match["owed"].replace(" ", "")) if match["owed"] else None
        self.due = match["due"]


def quota_lines(text: str) -> dict[str, Line]:
    """The record quotas' lines. 出勤 follows the sessions held, not the calendar's pace:
    its lines are checked in test_sessions.py and below, not with the others."""
    lines = {m["label"]: Line(m) for m in _PROGRESS.finditer(text)}
    lines.pop(ATTENDANCE, None)
    found = {label: lines[label].target for label in ALL_QUOTAS if label in lines}
    assert found == ALL_QUOTAS, text
    return lines


ATTENDANCE = "教研活动出勤"


def block_after(text: str, label: str) -> str:
    """The quota line for ``label`` with its indented continuation lines."""
    found = re.search(rf"^{label}（.*\n(?:    .*\n?)*", text, re.MULTILINE)
    assert found, text
    return found.group()


async def me_at(bot: Driver, clock: ManualClock, moment: datetime) -> str:
    clock.set(moment)
    return await bot.say(LIU, "/me")


def pace(config: Config, label: str, today: date) -> float | None:
    """What is due by ``today`` for ``label``: the target times the share of its period's
    school days passed before ``today`` (None when nothing is due yet)."""
    quota = next(q for q in config.quotas if q.label == label)
    start, end = SEMESTER
    if quota.period is Period.MONTH:
        month = min(today, end)
        start = max(start, month.replace(day=1))
        end = min(end, (month.replace(day=28) + timedelta(days=4)).replace(day=1)
                  - timedelta(days=1))
    school_days = config.school_calendar.school_days
    passed = school_days(start, min(today, end + timedelta(days=1)) - timedelta(days=1))
    due = quota.target * passed / school_days(start, end)
    return round(due, 1) if due > 0 else None


# -- 8. the other kinds, through /record ----------------------------------------------------


async def test_reading_notes_count_their_characters(bot: Driver) -> None:
    choose = await bot.send(LIU, "/record")
    assert "要交哪一种材料？" in shown(choose)
    offered = labels(choose)
    assert {"读书笔记", "教育故事", "读书心得", "心得体会", "教育教学论文", "课标摘抄",
            "教学随笔", "专题演讲"} <= set(offered)
    assert "教学反思" not in offered
    assert "听课记录" not in offered
    opened = shown(await tap(bot, choose, "读书笔记"))
    assert "读书笔记 · 第 1/3 项 · 书名" in opened
    await say_all(bot, "《给教师的建议》")
    assert "第 3/3 项 · 笔记内容" in await bot.say(LIU, "/skip")
    short = await bot.say(LIU, prose(NOTE_SENTENCE, 3))
    assert "共 60 字，还差 40 字" in short
    refused = await bot.say(LIU, "完成")
    assert "字数不足：现在 60 字，至少需要 100 字" in refused
    summary = await say_all(bot, prose(NOTE_SENTENCE, 3, start=3), "完成")
    assert "正文合计：120 字" in shown(summary)
    assert "章节：（未填）" in shown(summary)
    done = shown(await tap(bot, summary, "提交"))
    assert "✅ 已提交读书笔记「《给教师的建议》」。" in done
    assert "正文 120 字。" in done
    assert "读书笔记（本学期）120/7000 字" in done

    me = quota_lines(await bot.say(LIU, "我的进度"))
    assert (me["读书笔记"].done, me["读书笔记"].target, me["读书笔记"].chars) == (120, 7000, True)
    assert me["读书笔记"].when == "本学期"
    assert me["教学反思"].done == 0


async def test_a_short_insight_is_kept_but_not_counted(bot: Driver) -> None:
    summary = await say_all(bot, "/record 心得体会", "学习课标的体会", prose(NOTE_SENTENCE, 10),
                            "完成")
    done = shown(await tap(bot, summary, "提交"))
    assert "✅ 已提交心得体会「学习课标的体会」。" in done
    assert "正文 200 字。" in done
    me = await bot.say(LIU, "/me")
    line = block_after(me, "心得体会")
    assert line.startswith("心得体会（本学期）0/1 ")
    assert "另有 1 篇不足 1500 字，未计入" in line
    assert "（共 1 份" in await bot.say(LIU, "/mine")

    summary = await say_all(bot, "/record 心得体会", "再谈单元教学", prose(NOTE_SENTENCE, 75),
                            "完成")
    assert "正文合计：1500 字" in shown(summary)
    await tap(bot, summary, "提交")
    me = await bot.say(LIU, "/me")
    line = block_after(me, "心得体会")
    assert quota_lines(me)["心得体会"].status == "已完成"
    assert "还差" not in line
    assert "前完成" not in line
    assert "另有 1 篇不足 1500 字，未计入" in line


async def test_stories_count_per_month(bot: Driver, clock: ManualClock) -> None:
    choose = await bot.send(LIU, "交材料")
    assert "教育故事 · 第 1/2 项 · 题目" in shown(await tap(bot, choose, "教育故事"))
    summary = await say_all(bot, "留下来的小明", prose(STORY_SENTENCE, 8),
                            prose(STORY_SENTENCE, 8, start=8), "完成")
    assert "正文合计：320 字" in shown(summary)
    done = shown(await tap(bot, summary, "提交"))
    assert "教育故事（本月）1/2" in done

    november = await bot.say(LIU, "/me")
    assert quota_lines(november)["教育故事"].when == "本月"
    assert quota_lines(november)["教育故事"].done == 1
    assert "往月：9月 0/2✗  10月 0/2✗" in block_after(november, "教育故事")

    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=ZONE))
    december = await bot.say(LIU, "/me")
    story = quota_lines(december)["教育故事"]
    assert (story.when, story.done, story.target) == ("本月", 0, 2)
    assert "往月：9月 0/2✗  10月 0/2✗  11月 1/2✗" in block_after(december, "教育故事")
    # The story still counts for the semester view of /mine.
    assert "共 1 份" in await bot.say(LIU, "/mine")


async def test_a_speech_done_shows_done_without_pace(bot: Driver) -> None:
    summary = await say_all(bot, "/record 专题演讲", "做一个会倾听的老师", "上周五", "/skip",
                            prose(NOTE_SENTENCE, 3), "完成")
    done = shown(await tap(bot, summary, "提交"))
    assert "专题演讲（本学期）1/1 ▓▓▓▓▓▓▓▓▓▓ 已完成" in done
    line = block_after(await bot.say(LIU, "/me"), "专题演讲")
    assert "已完成" in line
    assert "还差" not in line


# -- 12. pace at the semester's boundaries --------------------------------------------------


async def test_on_the_first_day_everything_is_on_track(bot: Driver, clock: ManualClock) -> None:
    me = await me_at(bot, clock, datetime(2026, 9, 1, 8, 0, tzinfo=ZONE))
    assert "截至 2026-09-01" in me
    lines = quota_lines(me)
    assert {label: line.status for label, line in lines.items()} == {
        label: "未到期" if label in TERM_END else "进度正常" for label in lines}
    # Nothing is due yet, so no pace is shown at all.
    assert {label: line.owed for label, line in lines.items()} == dict.fromkeys(lines)
    assert "还差" not in me
    assert {line.when for line in lines.values()} == {"本学期", "本月"}


async def test_on_the_second_day_a_fraction_is_not_behind(bot: Driver, clock: ManualClock,
                                                          config: Config) -> None:
    me = await me_at(bot, clock, datetime(2026, 9, 2, 8, 0, tzinfo=ZONE))
    lines = quota_lines(me)
    # One of the semester's 94 school days (of September's 22) has passed: 0.3 听课 and
    # 0.1 教育故事 are due, which in whole pieces is nothing. 字数 are owed from day two.
    assert pace(config, "听课", date(2026, 9, 2)) == 0.3
    assert pace(config, "教育故事", date(2026, 9, 2)) == 0.1
    assert {label: (line.status, line.owed) for label, line in lines.items()} == {
        label: ("稍落后", {"读书笔记": 70, "课标摘抄": 50}[label]) if lines[label].chars
        else ("未到期", None) if label in TERM_END else ("进度正常", None)
        for label in lines}
    assert not re.search(r"\d\.\d", me)  # whole numbers only


async def test_on_the_last_day_nothing_done_is_far_behind(bot: Driver, clock: ManualClock,
                                                          config: Config) -> None:
    today = date(2027, 1, 22)
    me = await me_at(bot, clock, datetime(2027, 1, 22, 17, 0, tzinfo=ZONE))
    assert "截至 2027-01-22" in me
    lines = quota_lines(me)
    for label, line in lines.items():
        assert line.done == 0, label
        if label in TERM_END:  # due by the end of today
            assert (line.status, line.due) == ("未到期", "1月22日"), label
            continue
        # Due by the start of the day: all but the last day itself (93 of 94 school days,
        # 11 of January's 12), e.g. 听课 29.7 of 30, that is 30.
        due = pace(config, label, today)
        assert due is not None
        assert line.owed == (round(due, -1) if line.chars else round(due)), label
        assert line.status == "落后较多", label
    assert (lines["听课"].owed, lines["教育故事"].owed, lines["读书心得"].owed) == (30, 2, 1)
    assert lines["教育故事"].when == "本月"
    assert "往月：9月 0/2✗  10月 0/2✗  11月 0/2✗  12月 0/2✗" in block_after(me, "教育故事")


async def test_on_the_last_day_a_missing_single_piece_is_far_behind(
    bot: Driver, clock: ManualClock
) -> None:
    me = await me_at(bot, clock, datetime(2027, 1, 22, 17, 0, tzinfo=ZONE))
    lines = quota_lines(me)
    single = [label for label, line in lines.items() if line.target == 1]
    assert set(single) == {"读书心得", "心得体会", "教育教学论文", "专题演讲", "组内研讨课"}
    assert {label: lines[label].status for label in single} == {
        label: "未到期" if label in TERM_END else "落后较多" for label in single}


async def test_a_missing_single_piece_turns_behind_past_half_the_semester(
    bot: Driver, clock: ManualClock, config: Config
) -> None:
    # 94 school days (元旦 2027 is off): by the start of 11-12, 46 have passed; of 11-13, 47.
    school_days = config.school_calendar.school_days
    assert school_days(*SEMESTER) == 94
    assert school_days(SEMESTER[0], date(2026, 11, 11)) == 46
    assert school_days(SEMESTER[0], date(2026, 11, 12)) == 47
    before = quota_lines(await me_at(bot, clock, datetime(2026, 11, 12, 8, 0, tzinfo=ZONE)))
    after = quota_lines(await me_at(bot, clock, datetime(2026, 11, 13, 8, 0, tzinfo=ZONE)))
    # 46/94 of one piece is less than half: nothing owed; 47/94 is half, one whole piece.
    assert (before["组内研讨课"].owed, before["组内研讨课"].status) == (None, "进度正常")
    assert (after["组内研讨课"].owed, after["组内研讨课"].status) == (1, "落后较多")
    assert after["专题演讲"].status == "未到期"


async def test_after_the_end_the_whole_target_is_owed(bot: Driver, clock: ManualClock) -> None:
    me = await me_at(bot, clock, datetime(2027, 2, 5, 9, 0, tzinfo=ZONE))
    assert "本学期：2026-2027学年第一学期" in me
    lines = quota_lines(me)
    for label, line in lines.items():
        assert line.owed == line.target, label
        assert line.status == "落后较多", label
    assert "还差约 7 000 字" in block_after(me, "读书笔记")


async def test_after_the_end_no_month_is_called_this_month(bot: Driver,
                                                           clock: ManualClock) -> None:
    me = await me_at(bot, clock, datetime(2027, 2, 5, 9, 0, tzinfo=ZONE))
    lines = quota_lines(me)
    assert (lines["教育故事"].when, lines["读书心得"].when) == ("1月", "1月")
    assert "本月" not in me
    story = block_after(me, "教育故事")
    assert story.startswith("教育故事（1月）0/2 ░░░░░░░░░░ 落后较多，还差约 2 篇\n")
    # January is the line itself, so 往月 lists only the months before it.
    assert story.rstrip("\n").endswith("往月：9月 0/2✗  10月 0/2✗  11月 0/2✗  12月 0/2✗")
    assert re.search(r"(?<!\d)1月 0/2✗", story) is None


async def test_on_the_last_day_of_a_month_it_is_still_this_month(bot: Driver,
                                                                 clock: ManualClock) -> None:
    me = await me_at(bot, clock, datetime(2026, 12, 31, 20, 0, tzinfo=ZONE))
    story = block_after(me, "教育故事")
    assert story.startswith("教育故事（本月）0/2 ")
    assert "12月" not in story


async def test_mid_semester_pace_and_status_words(bot: Driver, clock: ManualClock,
                                                  config: Config) -> None:
    # By the start of 11-30, 58 of the semester's 94 school days (62 %) have passed.
    me = quota_lines(await me_at(bot, clock, datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)))
    reflection = me["教学反思"]
    # 12.3 reflections due: 12 owed, never a decimal.
    assert pace(config, "教学反思", date(2026, 11, 30)) == 12.3
    assert (reflection.owed, reflection.status) == (12, "落后较多")
    assert pace(config, "听课", date(2026, 11, 30)) == 18.5
    assert me["听课"].owed == 19
    # November: 18 of its 19 school days have passed.
    assert pace(config, "教育故事", date(2026, 11, 30)) == 1.9
    assert me["教育故事"].owed == 2
    assert me["教育故事"].status == "落后较多"
    assert all(line.status in STATUS_WORDS for line in me.values())


# -- padding: a sentence pasted over and over counts once (issue 15) ------------------------


async def test_padding_counts_once_and_the_leader_sees_what_was_cut(bot: Driver) -> None:
    bot.bind("王芳", "陈主任")
    padded = NOTE_SENTENCE * 400  # 8 000 字 of one sentence
    await say_all(bot, "/record 读书笔记", "《给教师的建议》", "/skip")
    so_far = await bot.say(LIU, padded)
    assert "共 20 字（重复的句子只计一次，7980 字未计入）" in so_far
    refused = await bot.say(LIU, "完成")
    assert "字数不足：重复的句子只计一次，现在计 20 字，至少需要 100 字" in refused
    summary = await say_all(bot, prose(NOTE_SENTENCE, 5), "完成")
    assert "正文合计：120 字（重复的句子只计一次，7980 字未计入）" in shown(summary)
    done = await tap(bot, summary, "提交")
    assert "正文 120 字。（重复的句子只计一次，7980 字未计入）" in shown(done)
    assert "读书笔记（本学期）120/7000 字" in shown(done)
    # The leader of 语文组 and 教导处 see the pieces that were cut; nobody else.
    told = {reply.chat.address: plain(reply) for reply in done if reply.chat is not None}
    assert set(told) == {bot.account("王芳"), bot.account("陈主任")}
    assert told[bot.account("王芳")] == (
        "📝 刘洋的读书笔记「《给教师的建议》」有重复的句子，只计一次（7980 字未计入）：\n"
        f"·「{NOTE_SENTENCE}」又出现 399 次")
    assert quota_lines(await bot.say(LIU, "/me"))["读书笔记"].done == 120


async def test_a_field_longer_than_the_school_allows_is_refused(
        config: Config, sqlite_url: str, clock: ManualClock) -> None:
    # [[form_patches]] sets an upper length per field; the message says how much to cut.
    patch = FieldPatch(form="reading_note", field="notes", max_chars=150)
    changed = from_semester_start(config).model_copy(update={"form_patches": (patch,)})
    changed = type(changed).model_validate(changed.model_dump())
    driver = Driver(make_core(changed, sqlite_url, clock))
    driver.bind(LIU)
    try:
        for text in ("/record 读书笔记", "《给教师的建议》", "/skip"):
            await driver.send(LIU, text)
        answer = await driver.say(LIU, prose(NOTE_SENTENCE, 8))
        assert "字数超出：现在 160 字，最多 150 字，请删减 10 字。" in answer
    finally:
        driver.core.db.close()


def test_current_periods_read_alone_match_every_month_read(bot: Driver) -> None:
    """Digests read the current period only; their figures are the ones /me shows."""
    kinds = sorted({q.kind for q in bot.core.settings.quotas})
    days = [date(2026, 9, 14), date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 30)]
    clock_now = bot.core.clock.now()

    def measure(session: Session) -> tuple[Any, Any]:
        semester = school.current_semester(session, school_id=bot.core.school_id,
                                           today=clock_now.date())
        assert semester is not None
        members = groups.members(session, school_id=bot.core.school_id)
        for index, (kind, day) in enumerate(itertools.product(kinds, days)):
            person = members[index % len(members)]
            for chars in (10, 120, 400):  # some too short to count
                session.add(Record(
                    teacher_id=person.id, semester_id=semester.id, kind=kind, chars=chars,
                    occurred_on=day, created_at=clock_now, updated_at=clock_now,
                    deleted_at=clock_now if chars == 400 and index % 3 == 0 else None))
        today = clock_now.date()
        every = measure_people(session, bot.core.settings, semester, today, members,
                               history=True)
        current = measure_people(session, bot.core.settings, semester, today, members)
        return ({p: [(i.quota.label, i.current) for i in items] for p, items in every.items()},
                {p: [(i.quota.label, i.current) for i in items]
                 for p, items in current.items()})

    every, current = bot.core.db.call(measure)
    assert current == every
    assert any(period.done for items in current.values() for _, period in items)
