"""The archive of a school that began with the bot mid-term (issue 15).

The example config has no ``[school] started_on``: the school's first day is the roster's
import, 2026-11-30. The demo semester (``bot.demo.seed_semester``) has sessions from
September with people marked absent. Nothing before the first day is a failure anywhere in
the archive: not in 考勤, not in 统计汇总, not in the 个人研修档案, not in 教研活动 and not
in a session's form. From the first day on, a real absence counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlmodel import Session

from bot.config import Config, load
from bot.demo import seed_semester
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage.repos import meetings, school
from tests.conftest import EXAMPLE_CONFIG, START, ZONE, make_core
from tests.drivers import Driver, shown
from tests.e2e.test_exports import Archive, day, fields, held_sessions

LIU, WANG, SUN, CHEN = "刘洋", "王芳", "孙丽", "陈主任"
FIRST_DAY = date(2026, 11, 30)


@dataclass
class Exported:
    core: Core
    archive: Archive
    me: str  # 刘洋's /me
    before: int  # 语文组 sessions held before the first day


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    config: Config = load(str(EXAMPLE_CONFIG)).config
    assert config.school.started_on is None
    url = f"sqlite:///{tmp_path_factory.mktemp('first-day') / 'yanxiu.db'}"
    clock = ManualClock(START)
    core = make_core(config, url, clock)  # the roster's import: the school's first day
    bot = Driver(core)
    bot.bind(LIU, WANG, SUN, CHEN)

    async def act() -> Exported:
        seed_semester(core)  # September to November, with absences
        before = len(held_sessions(core, "语文组"))
        # 语文组 meets on Wednesday 12-02 at 14:50: 王芳 signs in, 刘洋 and 孙丽 do not.
        coming = session_on(core, "语文组", date(2026, 12, 2))
        clock.set(datetime(2026, 12, 2, 14, 55, tzinfo=ZONE))
        assert "签到" in shown(await bot.send(WANG, button=f"att:in:{coming}"))
        clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=ZONE))
        me = await bot.say(LIU, "/me")
        archive = Archive.of(await bot.send(CHEN, "/export"))
        return Exported(core, archive, me, before)

    yield asyncio.run(act())
    core.db.close()


def session_on(core: Core, group: str, day: date) -> int:
    """The id of ``group``'s session planned on ``day``."""

    def query(session: Session) -> list[meetings.MeetingRow]:
        ids = school.group_ids(session, school_id=core.school_id)
        return meetings.list_meetings(session, group_ids=[ids[group]], start=day, end=day)

    (meeting,) = core.db.call(query)
    return meeting.id


def test_attendance_sheet_counts_from_the_first_day(exported: Exported) -> None:
    table = exported.archive.table("考勤-语文组")
    count = exported.before + 1
    days = [str(d) for d in table.header[2:2 + count]]
    assert days[-1] == "12/2"
    assert table.header[2 + count:] == ("应到", "出席", "请假", "未准假", "缺席",
                                        "出勤率（含准假）")
    seen_before = set()
    by_name = {row[1]: row for row in table.data}
    for row in table.data:
        marks = row[2:2 + count]
        seen_before |= set(marks[:-1])
        due, present, leave, refused, absent, rate = row[2 + count:]
        # Only 12-02 is counted.
        assert due == 1, row
        assert present + leave + refused + absent == 1, row
        assert rate == pytest.approx(1.0 if marks[-1] in ("出席", "请假") else 0.0)
    # Before the first day: what was recorded as attended, else "—"; never 缺席.
    assert "缺席" not in seen_before
    assert "未准假" not in seen_before
    assert "—" in seen_before
    assert by_name[WANG][1 + count] == "出席"
    assert by_name[LIU][1 + count] == "缺席"
    assert by_name[LIU][2 + count:2 + count + 5] == (1, 0, 0, 0, 1)
    meta = exported.archive.book()["考勤-语文组"]["A2"].value
    assert "“—”为11月30日启用研修助手前的活动" in str(meta)


def test_counts_sheet_and_me_agree_on_attendance(exported: Exported) -> None:
    table = exported.archive.table("统计汇总")
    row = next(r for r in table.data if r[2] == LIU)
    header = list(table.header)
    assert row[header.index("应到")] == 1
    assert row[header.index("出勤")] == 0
    wang = next(r for r in table.data if r[2] == WANG)
    assert (wang[header.index("应到")], wang[header.index("出勤")]) == (1, 1)
    # /me counts the same sessions: none attended of those from the first day.
    line = next(x for x in exported.me.splitlines() if x.startswith("教研活动出勤"))
    assert line.startswith("教研活动出勤（本学期）0/"), line


def test_sessions_sheet_and_forms_name_nobody_absent_before_the_first_day(
        exported: Exported) -> None:
    table = exported.archive.table("教研活动")
    header = list(table.header)
    before = [r for r in table.data if r[header.index("状态")] == "已开展"
              and r[header.index("日期")] < day(2026, 11, 30)]
    assert before
    for row in before:
        assert row[header.index("缺席")] is None, row
        assert "启用研修助手前，未记录考勤" in str(row[header.index("备注")])
    (after,) = [r for r in table.data if r[header.index("日期")] == day(2026, 12, 2)
                and r[header.index("教研组")] == "语文组"]
    # From the first day on, an absence is one: 5 in the group, 王芳 signed in.
    assert (after[header.index("应到")], after[header.index("实到")],
            after[header.index("缺席")]) == (5, 1, 4)

    forms = exported.archive.docs("教研活动记录")
    september = [doc for name, doc in forms.items()
                 if name.startswith("语文组/") and "_2026-09-" in name]
    assert september
    for document in september:
        assert fields(document)["缺席"] == "无"
    (december,) = [doc for name, doc in forms.items()
                   if name.startswith("语文组/") and "_2026-12-02" in name]
    assert LIU in fields(december)["缺席"]


def test_portfolio_counts_from_the_first_day(exported: Exported) -> None:
    portfolios = exported.archive.docs("个人研修档案")
    (document,) = [doc for name, doc in portfolios.items() if name.startswith(LIU)]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本学期已开展 1 次：出席 0 次，请假 0 次，缺席 1 次；出勤率（含准假）0%。" in text
    assert "“—”为11月30日启用研修助手前的活动" in text
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows
            if len(row.cells) == 5 and row.cells[0].text.isdigit()]
    marks = [row[4] for row in rows]
    assert marks[-1] == "缺席"
    assert "缺席" not in marks[:-1]
