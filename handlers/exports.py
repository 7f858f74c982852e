"""The term's archive 教导处 hands in: one ZIP with the XLSX ledgers and the DOCX forms.

- 台账.xlsx: 听课台账, 反思与材料台账, 教研活动, one 考勤 sheet per group, 指标汇总;
- 教研活动记录/: one DOCX per session that took place, like the school's paper form;
- 个人研修档案/: one DOCX per teacher: their quotas and every record in full.
Building is blocking work (openpyxl, python-docx): callers run it in a worker thread.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from handlers import quotas, texts
from handlers.features.progress import measure_people
from handlers.settings import Settings, Unit
from storage.repos import archive, groups, meetings, school
from storage.repos.archive import ArchiveMeeting, ArchiveRecord
from storage.repos.groups import MemberRow
from storage.repos.meetings import CANCELLED, LEAVE, OFF, PRESENT
from storage.repos.school import SemesterRow

_UNSAFE = re.compile(r'[\\/:*?"<>|\[\]]')
# XML 1.0 cannot hold these control characters (a pasted Word line break is \x0b).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CELL_LIMIT = 32_000  # Excel keeps at most 32 767 characters in a cell
BODY_FONT, HEADING_FONT = "宋体", "黑体"


@dataclass(frozen=True)
class Scope:
    """What to export: a semester, optionally one group or one teacher."""

    semester: SemesterRow
    group: str | None = None
    teacher: str | None = None


def width(text: object) -> int:
    """Display width: a CJK (wide) character counts 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def clean(value: object) -> object:
    """A cell or paragraph value without characters XML refuses (other values unchanged)."""
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub(" ", value)


def safe_name(text: str, limit: int = 60) -> str:
    """A file or sheet name without characters Windows, Excel or ZIP tools refuse."""
    return _UNSAFE.sub("_", text).strip()[:limit] or "_"


# -- XLSX ---------------------------------------------------------------------------------


def _sheet(book: Workbook, title: str, header: Sequence[str],
           rows: Sequence[Sequence[object]]) -> Worksheet:
    sheet = book.create_sheet(safe_name(title, 31))
    sheet.append(list(header))
    for row in rows:
        cells = [clean(value) for value in row]
        sheet.append([texts.EXPORT_CELL_CUT.format(text=value[:CELL_LIMIT])
                      if isinstance(value, str) and len(value) > CELL_LIMIT else value
                      for value in cells])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        widest = max((width(value) for value in column if value is not None), default=4)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 6), 60)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            if isinstance(cell.value, str) and len(cell.value) > 60:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return sheet


def _answer(record: ArchiveRecord, key: str) -> object:
    value = record.answers.get(key, "")
    return date.fromisoformat(value) if key.endswith("_on") and value else value


def _attendance_mark(status: str | None, paused: bool) -> str:
    """出席, 请假 (approved, or away on a /pause) or 缺席 (everything else)."""
    if status == PRESENT:
        return texts.EXPORT_PRESENT
    if status == LEAVE or paused:
        return texts.EXPORT_LEAVE
    return texts.EXPORT_ABSENT


def _paused(pauses: dict[int, list[tuple[date, date]]], teacher_id: int, day: date) -> bool:
    return any(start <= day <= end for start, end in pauses.get(teacher_id, []))


def _held_day(meeting: ArchiveMeeting, settings: Settings) -> date:
    if meeting.starts_at is None:
        return meeting.planned_on
    return meeting.starts_at.astimezone(settings.zone).date()


def build_workbook(settings: Settings, members: Sequence[MemberRow],
                   found: Sequence[ArchiveRecord], sessions: Sequence[ArchiveMeeting],
                   measured: dict[int, list[quotas.QuotaProgress]],
                   pauses: dict[int, list[tuple[date, date]]], today: date) -> bytes:
    """The ledgers: one sheet per kind of list 教导处 keeps."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    group_of = {m.id: "、".join(m.groups) for m in members}
    observations = [r for r in found if r.kind == "observation" and not r.deleted]
    _sheet(book, texts.EXPORT_SHEET_OBSERVATIONS, texts.EXPORT_OBSERVATION_HEADER, [
        (i, r.teacher, group_of.get(r.teacher_id, ""), _answer(r, "observed_on"),
         _answer(r, "period"), _answer(r, "class_name"), _answer(r, "subject"),
         _answer(r, "teacher"), _answer(r, "title"), _answer(r, "lesson_type"),
         _answer(r, "strength"), _answer(r, "weakness"), _answer(r, "suggestion"),
         r.created_at.astimezone(settings.zone).replace(tzinfo=None))
        for i, r in enumerate(observations, start=1)])
    min_chars = quotas.min_chars_by_kind(settings.quotas)
    others = [r for r in found if r.kind not in ("observation", "minutes")]
    _sheet(book, texts.EXPORT_SHEET_RECORDS, texts.EXPORT_RECORD_HEADER, [
        (i, r.teacher, group_of.get(r.teacher_id, ""), settings.catalog.label(r.kind), r.title,
         r.occurred_on, r.chars,
         texts.EXPORT_YES if r.chars >= min_chars.get(r.kind, 0) else texts.EXPORT_NO,
         texts.EXPORT_DELETED if r.deleted else "",
         r.created_at.astimezone(settings.zone).replace(tzinfo=None))
        for i, r in enumerate(others, start=1)])
    _sheet(book, texts.EXPORT_SHEET_SESSIONS, texts.EXPORT_SESSION_HEADER, [
        (m.group, m.planned_on, _held_day(m, settings) if m.starts_at else None,
         texts.EXPORT_STATUS.get(m.status, m.status), m.topic, m.host, m.form, m.place,
         m.note)
        for m in sessions])
    for group in settings.groups:
        held = [m for m in sessions if m.group == group.name and m.status not in (OFF, CANCELLED)
                and m.starts_at is not None and _held_day(m, settings) <= today]
        people = [m for m in members if group.name in m.groups]
        if not people:
            continue
        header = [texts.EXPORT_TEACHER, *(f"{d.month}/{d.day}" for d in (
            _held_day(m, settings) for m in held)), texts.EXPORT_ATTENDANCE_RATE]
        rows = []
        for person in people:
            marks = [_attendance_mark(m.attendance.get(person.id),
                                      _paused(pauses, person.id, _held_day(m, settings)))
                     for m in held]
            present = sum(1 for mark in marks if mark != texts.EXPORT_ABSENT)
            rate = f"{present}/{len(held)}" if held else "—"
            rows.append((person.name, *marks, rate))
        _sheet(book, texts.EXPORT_SHEET_ATTENDANCE.format(group=group.name), header, rows)
    labels = [q.label for q in settings.quotas]
    summary_rows = []
    for person in members:
        by_label = {i.quota.label: i for i in measured.get(person.id, [])}
        cells: list[object] = [person.name, group_of.get(person.id, "")]
        for label in labels:
            item = by_label.get(label)
            if item is None:
                cells.append("—")
                continue
            unit = texts.UNIT_CHARS if item.quota.unit is Unit.CHARS else ""
            cells.append(f"{item.current.done}/{item.current.target}{unit} "
                         f"{item.current.status}")
        summary_rows.append(cells)
    _sheet(book, texts.EXPORT_SHEET_QUOTAS, [texts.EXPORT_TEACHER, texts.EXPORT_GROUP, *labels],
           summary_rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- DOCX ---------------------------------------------------------------------------------


def _document() -> DocxDocument:
    document = Document()
    for style_name, font in (("Normal", BODY_FONT), ("Title", HEADING_FONT),
                             ("Heading 1", HEADING_FONT), ("Heading 2", HEADING_FONT)):
        style = document.styles[style_name]
        style.font.name = font  # type: ignore[attr-defined]
        # Word uses the East Asian slot for Chinese text; without it the font is ignored.
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), font)
        # A theme font attribute wins over the named one in Word: remove them.
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
    document.styles["Normal"].font.size = Pt(11)  # type: ignore[attr-defined]
    return document


def _table(document: DocxDocument, rows: Sequence[tuple[str, str]]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = str(clean(label))
        cells[1].text = str(clean(value))
        cells[0].paragraphs[0].runs[0].bold = True


def _save(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def session_form(settings: Settings, meeting: ArchiveMeeting, members: Sequence[MemberRow],
                 minutes: ArchiveRecord | None) -> bytes:
    """One 教研活动记录, like the paper form: 主题, 时间, 地点, 主讲, 参加人员, 内容, 结论."""
    document = _document()
    document.add_heading(texts.EXPORT_SESSION_TITLE.format(school=settings.school.name,
                                                           group=meeting.group), level=1)
    answers: dict[str, Any] = minutes.answers if minutes else {}
    present = [m.name for m in members if meeting.attendance.get(m.id) == PRESENT]
    on_leave = [m.name for m in members if meeting.attendance.get(m.id) == LEAVE]
    when = meeting.starts_at.astimezone(settings.zone) if meeting.starts_at else None
    _table(document, [
        (texts.EXPORT_F_TOPIC, str(answers.get("topic") or meeting.topic or "")),
        (texts.EXPORT_F_TIME, f"{when:%Y年%m月%d日 %H:%M}" if when else ""),
        (texts.EXPORT_F_PLACE, str(answers.get("place") or meeting.place)),
        (texts.EXPORT_F_HOST, str(answers.get("host") or meeting.host or "")),
        (texts.EXPORT_F_FORM, meeting.form),
        (texts.EXPORT_F_ATTENDEES, str(answers.get("attendees") or "、".join(present))),
        (texts.EXPORT_F_LEAVE, "、".join(on_leave) or texts.NONE),
        (texts.EXPORT_F_CONTENT, str(answers.get("discussion") or meeting.content
                                     or texts.EXPORT_NO_MINUTES)),
        (texts.EXPORT_F_CONCLUSIONS, str(answers.get("conclusions") or "")),
    ])
    return _save(document)


def portfolio(settings: Settings, person: MemberRow, semester: SemesterRow,
              items: Sequence[quotas.QuotaProgress], found: Sequence[ArchiveRecord],
              staff_no: str | None) -> bytes:
    """One 个人研修档案: who, the quotas, then every record in full."""
    document = _document()
    document.add_heading(texts.EXPORT_PORTFOLIO_TITLE.format(name=person.name), level=1)
    document.add_paragraph(texts.EXPORT_PORTFOLIO_META.format(
        school=settings.school.name, semester=semester.name,
        groups="、".join(person.groups) or texts.NONE, staff_no=staff_no or "—"))
    document.add_heading(texts.EXPORT_PORTFOLIO_QUOTAS, level=2)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, texts.EXPORT_QUOTA_HEADER, strict=True):
        cell.text = title
    for item in items:
        unit = texts.UNIT_CHARS if item.quota.unit is Unit.CHARS else ""
        cells = table.add_row().cells
        cells[0].text = item.quota.label
        cells[1].text = f"{item.current.done}{unit}"
        cells[2].text = f"{item.current.target}{unit}"
        cells[3].text = str(item.current.status)
    document.add_heading(texts.EXPORT_PORTFOLIO_RECORDS, level=2)
    live = [r for r in found if not r.deleted]
    if not live:
        document.add_paragraph(texts.EXPORT_NO_RECORDS)
    for record in live:
        spec = settings.catalog.get(record.kind)
        document.add_heading(str(clean(f"{settings.catalog.label(record.kind)}："
                                       f"{record.title or '—'}（{record.occurred_on:%Y-%m-%d}）")),
                             level=2)
        fields = spec.fields if spec is not None else ()
        rows = [(f.label, str(record.answers.get(f.key, "") or "")) for f in fields]
        _table(document, rows or [(texts.EXPORT_F_CONTENT, str(record.answers))])
    return _save(document)


# -- the ZIP ------------------------------------------------------------------------------


def build_archive(session: Session, settings: Settings, school_id: int, scope: Scope,
                  today: date) -> tuple[str, bytes]:
    """Everything for ``scope`` in one ZIP: (file name, bytes)."""
    ids = school.group_ids(session, school_id=school_id)
    if scope.group:
        members = groups.members(session, group_ids=[ids[scope.group]])
    else:
        members = groups.members(session, school_id=school_id)
    if scope.teacher:
        members = [m for m in members if m.name == scope.teacher]
    if scope.group:
        wanted_groups = [scope.group]
    elif scope.teacher:
        wanted_groups = sorted({g for m in members for g in m.groups})
    else:
        wanted_groups = list(ids)
    teacher_ids = [m.id for m in members]
    found = archive.records_of(session, semester_id=scope.semester.id, teacher_ids=teacher_ids)
    sessions = archive.meetings_of(session, semester_id=scope.semester.id,
                                   group_ids=[ids[g] for g in wanted_groups if g in ids])
    pauses = meetings.pauses_of(session, teacher_ids=teacher_ids)
    measured = measure_people(session, settings, scope.semester,
                              min(today, scope.semester.end), members)
    numbers = archive.staff_numbers(session, teacher_ids=teacher_ids)
    # A session form lists everyone of its group, whoever the archive is for.
    attendees = groups.members(session, group_ids=[ids[g] for g in wanted_groups if g in ids])
    # The minutes are the leader's records, whoever the archive is for.
    minutes = {r.link_id: r for r in archive.minutes_of(
        session, meeting_ids=[m.id for m in sessions]) if not r.deleted}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(texts.EXPORT_LEDGER_FILE,
                        build_workbook(settings, members, found, sessions, measured, pauses,
                                       today))
        for meeting in sessions:
            if meeting.status in (OFF, CANCELLED) or meeting.starts_at is None:
                continue
            if _held_day(meeting, settings) > today:
                continue
            people = [m for m in attendees if meeting.group in m.groups]
            held = meeting.starts_at.astimezone(settings.zone)
            name = safe_name(f"{meeting.group}_{held:%Y-%m-%d_%H%M}")
            bundle.writestr(f"{texts.EXPORT_SESSION_DIR}/{name}.docx",
                            session_form(settings, meeting, people, minutes.get(meeting.id)))
        for person in members:
            own = [r for r in found if r.teacher_id == person.id]
            name = safe_name(f"{person.name}_{numbers.get(person.id, person.id)}")
            bundle.writestr(f"{texts.EXPORT_PORTFOLIO_DIR}/{name}.docx",
                            portfolio(settings, person, scope.semester,
                                      measured.get(person.id, []), own,
                                      numbers.get(person.id)))
    parts = [settings.school.name, scope.semester.name, scope.group or "", scope.teacher or "",
             f"{today:%Y%m%d}"]
    filename = safe_name("_".join(p for p in parts if p), 120) + ".zip"
    return filename, buffer.getvalue()

