"""The term's archive: /export after a seeded semester, read back as 教导处 would open it.

One seeded school (``bot.demo.seed_semester`` plus a few records handed in through the forms)
is built once for the module and exported three times (全校, 语文组, 刘洋); the tests open
the ZIPs with openpyxl and python-docx. The clock stands at Monday 2026-11-30 08:00.
A session's form is named after its group and start, ``语文组_2026-09-02_1450.docx``.
"""

from __future__ import annotations

import asyncio
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
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
from storage.tables import Attendance, Meeting, Pause, Teacher
from tests.conftest import DEMO_ROSTER, EXAMPLE_CONFIG, START, ZONE, make_core
from tests.drivers import Driver, button_data, plain, shown

LIU, WANG, SUN, ZHOU, CHEN, ZHANG = "刘洋", "王芳", "孙丽", "周静", "陈主任", "张伟"
SEMESTER = "2026-2027学年第一学期"
SHEETS = ["听课台账", "反思与材料台账", "教研活动", "考勤-语文组", "考勤-数学组", "考勤-英语组",
          "考勤-综合组", "指标汇总"]
OBSERVATION_HEADER = ("序号", "听课教师", "教研组", "听课日期", "节次", "年级班级", "学科",
                      "授课教师", "课题", "课型", "优点", "不足", "建议", "提交时间")
SUBMITTED = datetime(2026, 11, 30, 8, 0)  # naive: what openpyxl reads back  # noqa: DTZ001
SESSION_LABELS = ["主题", "时间", "地点", "主讲", "形式", "参加人员", "请假人员", "内容与讨论要点",
                  "结论与改进措施"]
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

    def rows(self, sheet: str) -> list[tuple[object, ...]]:
        return list(self.book()[sheet].iter_rows(values_only=True))

    def docs(self, folder: str) -> dict[str, docx.document.Document]:
        return {name.removeprefix(folder + "/"): docx.Document(io.BytesIO(content))
                for name, content in self.files.items() if name.startswith(folder + "/")}


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


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    config = load(str(EXAMPLE_CONFIG)).config
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'yanxiu.db'}"
    core = make_core(config, url, ManualClock(START))
    bot = Driver(core)
    bot.bind(LIU, WANG, SUN, ZHOU, CHEN, ZHANG)

    async def act() -> Seeded:
        counts = seed_semester(core)
        # 王芳 corrects the roll of 11-25: 孙丽 and 周静 缺席; 周静 was away (/pause): 请假.
        (meeting,) = [m for m in held_sessions(core, "语文组")
                      if m.planned_on == date(2026, 11, 25)]
        roll = await bot.send(WANG, button=f"ses:roll:{meeting.id}")
        for name in (SUN, ZHOU):
            row = next(row for reply in roll for row in reply.buttons
                       if row[0].label == f"{name} 出席")
            roll = await bot.send(WANG, button=row[1].data)
            assert f"{name}：缺席" in shown(roll)
        assert "不再给您发提醒" in await bot.say(ZHOU, "/pause 11月25日 11月25日 外出培训")
        assert "✅ 已提交听课记录「分数的初步认识」。" in shown(await observe(bot, LIU))
        saved = shown(await long_note(bot, LIU))
        assert "✅ 已提交读书笔记「《给教师的建议》」。" in saved
        assert "正文 20000 字。" in saved
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


def held_sessions(core: Core, group: str | None = None) -> list[meetings.MeetingRow]:
    """Sessions that took place by today (not off, not cancelled)."""
    def query(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        wanted = [ids[group]] if group else list(ids.values())
        return meetings.list_meetings(session, group_ids=wanted, start=date(2026, 9, 1),
                                      end=date(2026, 11, 30))

    return [m for m in core.db.call(query) if m.held and m.starts_at is not None
            and m.status != meetings.CANCELLED and m.starts_at <= START]


# -- the ZIP ------------------------------------------------------------------------------


def test_admin_gets_one_zip_with_ledger_sessions_and_portfolios(seeded: Seeded) -> None:
    assert seeded.counts["records"] > 300
    assert seeded.counts["sessions"] > 30
    archive = seeded.school
    assert archive.filename == f"花城小学_{SEMESTER}_20261130.zip"
    assert re.fullmatch(rf"📦 花城小学_{SEMESTER}_20261130\.zip（\d+ KB）："
                        r"台账、教研活动记录和个人研修档案。", archive.caption)
    sessions = held_sessions(seeded.core)
    expected = {f"{m.group}_{m.starts_at.astimezone(ZONE):%Y-%m-%d_%H%M}.docx"
                for m in sessions if m.starts_at is not None}
    assert set(archive.docs("教研活动记录")) == expected
    assert len(expected) == seeded.counts["sessions"]
    roster = [line.split(",") for line in DEMO_ROSTER.read_text(encoding="utf-8").splitlines()[1:]]
    assert set(archive.docs("个人研修档案")) == {f"{row[0]}_{row[4]}.docx" for row in roster}
    assert set(archive.files) == {"台账.xlsx"} | {f"教研活动记录/{n}" for n in expected} | {
        f"个人研修档案/{row[0]}_{row[4]}.docx" for row in roster}


def test_teacher_cannot_export(seeded: Seeded) -> None:
    assert seeded.refused == "抱歉，只有管理员可以使用 /export。"


# -- 台账.xlsx ------------------------------------------------------------------------------


def test_ledger_sheets_headers_and_frozen_panes(seeded: Seeded) -> None:
    book = seeded.school.book()
    assert book.sheetnames == SHEETS
    headers = {sheet.title: [c.value for c in sheet[1]] for sheet in book.worksheets}
    assert tuple(headers["听课台账"]) == OBSERVATION_HEADER
    assert headers["反思与材料台账"] == ["序号", "教师", "教研组", "类型", "题目", "日期", "字数",
                                  "计入指标", "状态", "提交时间"]
    assert headers["教研活动"] == ["教研组", "原定日期", "实际日期", "状态", "专题", "主讲",
                               "形式", "地点", "备注"]
    labels = [q.label for q in seeded.core.settings.quotas]
    assert headers["指标汇总"] == ["教师", "教研组", *labels]
    assert headers["指标汇总"][2:5] == ["听课", "听课（管理员）", "教学反思"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title


def _shown_width(value: object) -> int:
    if isinstance(value, datetime):
        return 10 if value.time() == datetime.min.time() else 16
    return width(value)


def test_ledger_dates_are_dates_and_columns_are_wide_enough(seeded: Seeded) -> None:
    book = seeded.school.book()
    for title, columns in (("听课台账", ("D", "N")), ("反思与材料台账", ("F", "J")),
                           ("教研活动", ("B", "C"))):
        sheet = book[title]
        for column in columns:
            cells = [c for c in sheet[column][1:] if c.value is not None]
            assert cells, (title, column)
            assert all(isinstance(c.value, datetime) for c in cells), (title, column)
        assert all(c.number_format == "yyyy-mm-dd" for c in sheet[columns[0]][1:])
    for sheet in book.worksheets:
        for column in sheet.iter_cols():
            letter = column[0].column_letter
            needed = max(_shown_width(c.value) for c in column if c.value is not None)
            assert sheet.column_dimensions[letter].width >= min(needed, 58), (
                sheet.title, letter)
    observations = book["听课台账"]
    for letter in "BDFHIKLMN":  # 听课教师 … 提交时间: Chinese (or long) columns
        assert observations.column_dimensions[letter].width > 8, letter


def test_observation_row_of_a_form_record_is_exact(seeded: Seeded) -> None:
    rows = seeded.school.rows("听课台账")
    mine = [row for row in rows[1:] if row[1] == LIU and row[13] == SUBMITTED]
    assert len(mine) == 1
    assert mine[0][1:] == (LIU, "语文组", day(2026, 11, 25), 3, "四年级1班", "数学", ZHANG,
                           "分数的初步认识", "新授课", STRENGTH, WEAKNESS, SUGGESTION, SUBMITTED)
    # 序号 runs 1 … n.
    assert [row[0] for row in rows[1:]] == list(range(1, len(rows)))
    # The 读书笔记 is listed with its 字数, counted.
    notes = [row for row in seeded.school.rows("反思与材料台账")
             if row[1] == LIU and row[9] == SUBMITTED]
    assert [row[1:9] for row in notes] == [
        (LIU, "语文组", "读书笔记", "《给教师的建议》", day(2026, 11, 30), 20000, "是", None)]


def _attendance(core: Core, group: str) -> dict[tuple[str, str], str]:
    """(teacher, m/d) → what the DB says, as the ledger should mark it."""
    def query(session):  # type: ignore[no-untyped-def]
        rows = session.exec(select(Teacher.name, Meeting.starts_at, Attendance.status)
                            .join(Attendance, col(Attendance.teacher_id) == col(Teacher.id))
                            .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))).all()
        pauses = session.exec(select(Teacher.name, Pause.start, Pause.end)
                              .join(Pause, col(Pause.teacher_id) == col(Teacher.id))).all()
        return rows, pauses

    rows, pauses = core.db.call(query)
    away = {(name, start, end) for name, start, end in pauses}
    marks = {}
    for name, starts_at, status in rows:
        day = starts_at.astimezone(ZONE).date()
        paused = any(n == name and s <= day <= e for n, s, e in away)
        marks[(name, f"{day.month}/{day.day}")] = (
            "出席" if status == "present" else
            "请假" if status == "leave" or paused else "缺席")
    return marks


def test_attendance_marks_match_the_database(seeded: Seeded) -> None:
    rows = seeded.school.rows("考勤-语文组")
    header = rows[0]
    days = [str(d) for d in header[1:-1]]
    held = held_sessions(seeded.core, "语文组")
    assert days == [f"{m.starts_at.astimezone(ZONE).month}/{m.starts_at.astimezone(ZONE).day}"
                    for m in held if m.starts_at is not None]
    assert "10/8" in days  # 10-07 was in 国庆: moved to Thursday
    in_db = _attendance(seeded.core, "语文组")
    assert [row[0] for row in rows[1:]] == group_members(seeded.core, "语文组")
    marks_seen = set()
    for row in rows[1:]:
        name, marks, rate = row[0], row[1:-1], row[-1]
        for day, mark in zip(days, marks, strict=True):
            assert mark == in_db.get((name, day), "缺席"), (name, day)
            marks_seen.add(mark)
        counted = sum(1 for mark in marks if mark != "缺席")
        assert rate == f"{counted}/{len(days)}"
    assert marks_seen == {"出席", "请假", "缺席"}
    # The /pause over a missed session excuses it.
    name, day = seeded.paused
    column = days.index(f"{day.month}/{day.day}") + 1
    assert next(row for row in rows if row[0] == name)[column] == "请假"
    assert next(row for row in rows if row[0] == SUN)[column] == "缺席"


def test_quota_summary_has_one_row_per_teacher(seeded: Seeded) -> None:
    rows = seeded.school.rows("指标汇总")[1:]
    roster = [line.split(",")[0]
              for line in DEMO_ROSTER.read_text(encoding="utf-8").splitlines()[1:]]
    assert [row[0] for row in rows] == roster
    liu = next(row for row in rows if row[0] == LIU)
    assert liu[1] == "语文组"
    assert liu[3] == "—"  # 听课（管理员） is not his
    assert re.fullmatch(r"\d+/7000 字 (已完成|进度正常|稍落后|落后较多)", str(liu[5]))
    done = int(str(liu[5]).split("/")[0])
    assert done >= 20000 or liu[5].endswith("已完成")


# -- the DOCX forms -----------------------------------------------------------------------


def _east_asian_font(document: docx.document.Document, style: str) -> str | None:
    fonts = document.styles[style].element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def test_session_forms_have_the_paper_form_table(seeded: Seeded) -> None:
    forms = seeded.school.docs("教研活动记录")
    assert forms
    for name, document in forms.items():
        table = document.tables[0]
        cells = [[cell.text for cell in row.cells] for row in table.rows]
        assert [row[0] for row in cells] == SESSION_LABELS, name
        values = dict(cells)
        for label in ("主题", "时间", "地点", "主讲"):
            assert values[label], (name, label)
        # The name is the session's start: group_YYYY-MM-DD_HHMM.docx.
        held = re.fullmatch(r".+_(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})\.docx", name)
        assert held is not None, name
        assert values["时间"] == f"{held[1]}年{held[2]}月{held[3]}日 {held[4]}:{held[5]}", name
        assert _east_asian_font(document, "Normal") == "宋体"
        assert document.paragraphs[0].text.startswith("花城小学 ")
    # The seeded minutes are in the form of 语文组's first session (Wednesday 14:50).
    first = forms["语文组_2026-09-02_1450.docx"]
    values = {row.cells[0].text: row.cells[1].text for row in first.tables[0].rows}
    assert values["主讲"] == WANG
    assert values["内容与讨论要点"] != "（未填写活动记录）"


THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def test_heading_font_is_not_overridden_by_the_theme(seeded: Seeded) -> None:
    # A theme font attribute takes precedence over the named font (ECMA-376 17.3.2.26):
    # the styles keep none, so Word shows 黑体 headings and 宋体 text.
    documents = [next(iter(seeded.school.docs("教研活动记录").values())),
                 seeded.school.docs("个人研修档案")[f"{LIU}_2002.docx"]]
    for document in documents:
        for style, font in (("Normal", "宋体"), ("Title", "黑体"), ("Heading 1", "黑体"),
                            ("Heading 2", "黑体")):
            fonts = document.styles[style].element.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) == font, style
            assert fonts.get(qn("w:ascii")) == font, style
            for theme in THEME_FONTS:
                assert fonts.get(qn(theme)) is None, (style, theme)


def test_portfolio_holds_every_record_in_full(seeded: Seeded) -> None:
    portfolios = seeded.school.docs("个人研修档案")
    document = portfolios[f"{LIU}_2002.docx"]
    assert _east_asian_font(document, "Normal") == "宋体"
    assert document.paragraphs[0].text == "刘洋 · 个人研修档案"
    assert f"花城小学 · {SEMESTER} · 教研组：语文组 · 工号：2002" in [
        p.text for p in document.paragraphs]
    cells = [row.cells[1].text for table in document.tables[1:] for row in table.rows]
    assert NOTE in cells  # all 20 000 字, line breaks included
    assert STRENGTH in cells
    assert PROCESS in cells
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert "读书笔记：《给教师的建议》（2026-11-30）" in headings
    assert "听课记录：分数的初步认识（2026-11-25）" in headings
    # Everyone's portfolio has one heading per record of theirs in the ledgers (minutes of
    # sessions are not in the ledgers' record sheets: counted apart).
    listed = seeded.school.rows("反思与材料台账")[1:] + seeded.school.rows("听课台账")[1:]
    for name, portfolio in portfolios.items():
        teacher = name.split("_")[0]
        headings = [p.text for p in portfolio.paragraphs if p.style.name == "Heading 2"]
        records = [h for h in headings if h not in ("研修指标完成情况", "研修记录")]
        minutes = [h for h in records if h.startswith("教研活动记录：")]
        assert len(records) - len(minutes) == sum(1 for r in listed if r[1] == teacher), name


# -- narrower scopes ----------------------------------------------------------------------


def test_export_of_one_group(seeded: Seeded) -> None:
    archive = seeded.group
    assert archive.filename == f"花城小学_{SEMESTER}_语文组_20261130.zip"
    book = archive.book()
    assert book.sheetnames == ["听课台账", "反思与材料台账", "教研活动", "考勤-语文组", "指标汇总"]
    members = group_members(seeded.core, "语文组")
    assert [row[0] for row in archive.rows("指标汇总")[1:]] == members
    assert {row[1] for row in archive.rows("听课台账")[1:]} <= set(members)
    assert {row[0] for row in archive.rows("教研活动")[1:]} == {"语文组"}
    assert all(name.startswith("语文组_") for name in archive.docs("教研活动记录"))
    assert len(archive.docs("教研活动记录")) == len(held_sessions(seeded.core, "语文组"))
    assert {name.split("_")[0] for name in archive.docs("个人研修档案")} == set(members)
    # The same attendance as in the school's archive.
    assert archive.rows("考勤-语文组") == seeded.school.rows("考勤-语文组")


def test_export_of_one_teacher(seeded: Seeded) -> None:
    archive = seeded.teacher
    assert archive.filename == f"花城小学_{SEMESTER}_刘洋_20261130.zip"
    assert list(archive.docs("个人研修档案")) == [f"{LIU}_2002.docx"]
    assert [row[0] for row in archive.rows("指标汇总")[1:]] == [LIU]
    assert {row[1] for row in archive.rows("听课台账")[1:]} == {LIU}
    assert {row[1] for row in archive.rows("反思与材料台账")[1:]} == {LIU}
    assert archive.book().sheetnames == ["听课台账", "反思与材料台账", "教研活动", "考勤-语文组",
                                         "指标汇总"]
    assert [row[0] for row in archive.rows("考勤-语文组")[1:]] == [LIU]


def test_teacher_export_has_only_their_groups_sessions(seeded: Seeded) -> None:
    names = set(seeded.teacher.docs("教研活动记录"))
    assert names
    # 刘洋 is in 语文组 only: its sessions, all of them, and no other group's.
    assert {name.split("_")[0] for name in names} == {"语文组"}
    assert names == {name for name in seeded.school.docs("教研活动记录")
                     if name.startswith("语文组_")}
    assert seeded.teacher.rows("教研活动")[1:] == [
        row for row in seeded.school.rows("教研活动")[1:] if row[0] == "语文组"]


def _form_values(archive: Archive) -> dict[str, dict[str, str]]:
    """语文组's 教研活动记录 in ``archive``: file name → label → value."""
    return {name: {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
            for name, document in archive.docs("教研活动记录").items()
            if name.startswith("语文组_")}


MINUTES_LABELS = ("主题", "时间", "地点", "主讲", "参加人员", "内容与讨论要点", "结论与改进措施")


def test_teacher_export_session_forms_keep_the_minutes(seeded: Seeded) -> None:
    # The minutes are 王芳's records, not 刘洋's: they are in his archive's forms all the same.
    teacher, school_wide = _form_values(seeded.teacher), _form_values(seeded.school)
    first = teacher["语文组_2026-09-02_1450.docx"]
    assert first["内容与讨论要点"] != "（未填写活动记录）"
    assert "、" in first["参加人员"]  # the whole group, not 刘洋 alone
    assert set(teacher) == set(school_wide)
    for name, values in teacher.items():
        assert values["内容与讨论要点"] != "（未填写活动记录）", name
        for label in MINUTES_LABELS:
            assert values[label] == school_wide[name][label], (name, label)


def test_teacher_export_session_forms_match_the_schools(seeded: Seeded) -> None:
    teacher, school_wide = _form_values(seeded.teacher), _form_values(seeded.school)
    first = "语文组_2026-09-02_1450.docx"
    assert school_wide[first]["请假人员"] == ZHOU
    assert teacher[first]["请假人员"] == ZHOU
    assert teacher == school_wide


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
                                   "考勤-综合_组___音体美__A_", "指标汇总"]
        for title in book.sheetnames:
            assert not forbidden & set(title), title
            assert len(title) <= 31
        for name in archive.files:
            assert not forbidden & set(name.rpartition("/")[2]), name
        sessions = archive.docs("教研活动记录")
        assert sessions
        assert all(n.startswith("综合_组___音体美__A__2026-") for n in sessions)
        # The group's own name is kept inside the files.
        assert {row[0] for row in archive.rows("教研活动")[1:]} == {odd}
        assert {row[1] for row in archive.rows("指标汇总")[1:]} == {odd}
    finally:
        core.db.close()


# -- text Word and Excel cannot hold -----------------------------------------------------


@pytest.fixture
def small(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Driver]:
    bot = Driver(make_core(config, sqlite_url, clock))
    bot.bind(LIU, CHEN)
    yield bot
    bot.core.db.close()


def _cells(document: docx.document.Document) -> list[str]:
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


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
    cells = _cells(archive.docs("个人研修档案")[f"{LIU}_2002.docx"])
    assert body.replace("\x0b", " ") in cells
    assert strength.replace("\x0c", " ") in cells
    (row,) = archive.rows("听课台账")[1:]
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
    (row,) = archive.rows("听课台账")[1:]
    assert row[10] == strength[:32_000] + "……（太长，全文见个人研修档案）"
    assert (row[11], row[12]) == (WEAKNESS, SUGGESTION)  # short cells are left alone
    assert strength in _cells(archive.docs("个人研修档案")[f"{LIU}_2002.docx"])


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
    forms = {name: {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
             for name, document in archive.docs("教研活动记录").items()
             if name.startswith("语文组_2026-12-09")}
    assert sorted(forms) == ["语文组_2026-12-09_0900.docx", "语文组_2026-12-09_1450.docx"]
    assert forms["语文组_2026-12-09_0900.docx"]["时间"] == "2026年12月09日 09:00"
    assert forms["语文组_2026-12-09_1450.docx"]["时间"] == "2026年12月09日 14:50"
