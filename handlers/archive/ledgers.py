"""台账.xlsx: the ledgers 教导处 keeps, one printable sheet each (see handlers.archive.sheets).

Figures come from the shared definitions: quota progress from ``quotas.measure`` (through
``progress.measure_people``), attendance over held sessions only (``quotas.attended``).
Nothing that has not happened yet is shown as fact: a session in the future has no 实际日期
and no attendance, a month not begun has an empty cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook

from handlers import quotas, texts
from handlers.archive.sheets import (
    Column,
    Kind,
    Subtotal,
    meta_line,
    new_book,
    to_bytes,
    write_sheet,
)
from handlers.features.progress import COUNTED
from handlers.settings import Period, Settings, Unit
from storage.repos.archive import ArchiveLesson, ArchiveMeeting, ArchiveRecord
from storage.repos.groups import MemberRow
from storage.repos.meetings import CANCELLED, LEAVE_PENDING, LEAVE_REFUSED, OFF, PRESENT
from storage.repos.school import SemesterRow

LEAVE_STATUSES = (COUNTED[1], LEAVE_PENDING, LEAVE_REFUSED)
ATTENDED = (texts.EXPORT_PRESENT, texts.EXPORT_LEAVE)  # marks that count as attended


@dataclass(frozen=True)
class Term:
    """What every ledger of one export shares: the school's settings, the term, today."""

    settings: Settings
    semester: SemesterRow
    today: date
    # The school's first day with the bot: sessions before it are not counted, and nobody
    # is 缺席 at them (``progress.started``).
    started_on: date | None = None

    def local_day(self, meeting: ArchiveMeeting) -> date:
        """The day a session takes place (its planned day when it has no time)."""
        if meeting.starts_at is None:
            return meeting.planned_on
        return meeting.starts_at.astimezone(self.settings.zone).date()

    def held(self, meeting: ArchiveMeeting) -> bool:
        """Whether the session has taken place by today (not off, not cancelled)."""
        return (meeting.status not in (OFF, CANCELLED) and meeting.starts_at is not None
                and self.local_day(meeting) <= self.today)

    def counted(self, meeting: ArchiveMeeting) -> bool:
        """Whether a held session counts: on or after the school's first day with the bot."""
        return self.held(meeting) and (self.started_on is None
                                       or self.local_day(meeting) >= self.started_on)

    def mark(self, meeting: ArchiveMeeting, teacher_id: int) -> str:
        """A teacher's mark at a held session (``mark``); at a session before the school's
        first day with the bot, what was not recorded as attended is 未记录, never 缺席."""
        found = mark(meeting, teacher_id)
        if found in ATTENDED or self.counted(meeting):
            return found
        return texts.EXPORT_NOT_RECORDED

    def meta(self) -> str:
        """The line under each title: school, term, 研修主题, export date."""
        return meta_line(self.settings.school.name, self.semester.name, self.today)

    def title(self, ledger: str) -> str:
        """A ledger's title row."""
        return texts.EXPORT_TITLE.format(school=self.settings.school.name,
                                         semester=self.semester.name, ledger=ledger)


def weekday(day: date) -> str:
    """周一 … 周日."""
    return texts.WEEKDAY_NAMES[day.weekday()]


def mark(meeting: ArchiveMeeting, teacher_id: int) -> str:
    """出席; 请假 (approved, also through a /pause); 未准假 (asked, not approved); 缺席.

    出席 and 请假 count as attended, as for the 出勤 quota (``progress.COUNTED``)."""
    status = meeting.attendance.get(teacher_id)
    if status == PRESENT:
        return texts.EXPORT_PRESENT
    if status in COUNTED:
        return texts.EXPORT_LEAVE
    if status in (LEAVE_PENDING, LEAVE_REFUSED):
        return texts.EXPORT_LEAVE_REFUSED
    return texts.EXPORT_ABSENT


def roll(term: Term, meeting: ArchiveMeeting,
         people: Sequence[MemberRow]) -> dict[str, list[str]]:
    """Who was 出席, 请假, 未准假 and 缺席 at a held session (mark → names); before the
    school's first day with the bot, the others are 未记录."""
    found: dict[str, list[str]] = {texts.EXPORT_PRESENT: [], texts.EXPORT_LEAVE: [],
                                   texts.EXPORT_LEAVE_REFUSED: [], texts.EXPORT_ABSENT: [],
                                   texts.EXPORT_NOT_RECORDED: []}
    for person in people:
        found[term.mark(meeting, person.id)].append(person.name)
    return found


def session_state(term: Term, meeting: ArchiveMeeting) -> str:
    """已开展, 未开展, 取消 or 顺延 (a slot on a day off)."""
    if meeting.status == CANCELLED:
        return texts.EXPORT_STATE_CANCELLED
    if meeting.status == OFF:
        return texts.EXPORT_STATE_OFF
    return texts.EXPORT_STATE_HELD if term.held(meeting) else texts.EXPORT_STATE_PLANNED


def _answer(record: ArchiveRecord, key: str) -> object:
    value = record.answers.get(key, "")
    if key.endswith("_on") and value:
        return date.fromisoformat(str(value))
    if key == "period" and str(value).isdigit():
        return int(value)
    return value


def _local(term: Term, record: ArchiveRecord) -> object:
    return record.created_at.astimezone(term.settings.zone)


REVIEW_COLUMNS = ((texts.EXPORT_REVIEW, 7, Kind.TEXT), (texts.EXPORT_REVIEWER, 8, Kind.TEXT),
                  (texts.EXPORT_REVIEW_COMMENT, 20, Kind.WRAP))


def review_cells(record: ArchiveRecord) -> tuple[str, str, str]:
    """检查: the mark (未检查 when none yet), who gave it, the comment."""
    if record.deleted:
        return "", "", ""
    mark = texts.REVIEW_MARKS.get(record.review_status or "", texts.REVIEW_UNCHECKED)
    return mark, record.reviewer, record.review_comment


def _observations(book: Workbook, term: Term, found: Sequence[ArchiveRecord],
                  group_of: dict[int, str]) -> None:
    rows = [r for r in found if r.kind == "observation" and not r.deleted]
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("听课教师", 8, Kind.TEXT), ("教研组", 8, Kind.TEXT),
        ("听课日期", 11, Kind.DATE), ("节次", 5, Kind.INT), ("年级班级", 10, Kind.TEXT),
        ("学科", 6, Kind.TEXT), ("授课教师", 8, Kind.TEXT), ("课题", 14, Kind.WRAP),
        ("课型", 7, Kind.TEXT), ("优点", 24, Kind.WRAP), ("不足", 24, Kind.WRAP),
        ("建议", 24, Kind.WRAP), ("提交时间", 16, Kind.TIME), *REVIEW_COLUMNS)]
    write_sheet(book, name=texts.EXPORT_SHEET_OBSERVATIONS,
                title=term.title(texts.EXPORT_SHEET_OBSERVATIONS), meta=term.meta(),
                columns=columns, rows=(
                    (i, r.teacher, group_of.get(r.teacher_id, ""), _answer(r, "observed_on"),
                     _answer(r, "period"), _answer(r, "class_name"), _answer(r, "subject"),
                     _answer(r, "teacher"), _answer(r, "title"), _answer(r, "lesson_type"),
                     _answer(r, "strength"), _answer(r, "weakness"), _answer(r, "suggestion"),
                     _local(term, r), *review_cells(r))
                    for i, r in enumerate(rows, start=1)),
                totals=[(texts.EXPORT_TOTAL, len(rows))])


def _records(book: Workbook, term: Term, found: Sequence[ArchiveRecord],
             group_of: dict[int, str]) -> None:
    settings = term.settings
    min_chars = quotas.min_chars_by_kind(settings.quotas)
    rows = [r for r in found if r.kind not in ("observation", "minutes")]
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("教师", 8, Kind.TEXT), ("教研组", 8, Kind.TEXT),
        ("类型", 10, Kind.TEXT), ("题目", 36, Kind.WRAP), ("日期", 11, Kind.DATE),
        ("字数", 7, Kind.INT), ("计入指标", 9, Kind.TEXT), ("状态", 7, Kind.TEXT),
        ("提交时间", 16, Kind.TIME), *REVIEW_COLUMNS)]
    live = [r for r in rows if not r.deleted]
    write_sheet(book, name=texts.EXPORT_SHEET_RECORDS,
                title=term.title(texts.EXPORT_SHEET_RECORDS), meta=term.meta(),
                columns=columns, rows=(
                    (i, r.teacher, group_of.get(r.teacher_id, ""),
                     settings.catalog.label(r.kind), r.title, r.occurred_on, r.chars,
                     texts.EXPORT_YES if r.chars >= min_chars.get(r.kind, 0)
                     else texts.EXPORT_NO,
                     texts.EXPORT_DELETED if r.deleted else "", _local(term, r),
                     *review_cells(r))
                    for i, r in enumerate(rows, start=1)),
                totals=[(texts.EXPORT_TOTAL, len(live), "", "", "", "",
                         sum(r.chars for r in live))])


def _sessions(book: Workbook, term: Term, sessions: Sequence[ArchiveMeeting],
              members: Sequence[MemberRow]) -> None:
    zone = term.settings.zone
    columns = [Column(t, w, k) for t, w, k in (
        ("次序", 6, Kind.TEXT), ("教研组", 8, Kind.TEXT), ("日期", 11, Kind.DATE),
        ("星期", 5, Kind.TEXT), ("时间", 12, Kind.TEXT), ("状态", 7, Kind.TEXT),
        ("原定日期", 11, Kind.DATE), ("专题", 22, Kind.WRAP), ("主讲", 8, Kind.TEXT),
        ("形式", 10, Kind.WRAP), ("地点", 10, Kind.WRAP), ("应到", 5, Kind.INT),
        ("实到", 5, Kind.INT), ("请假", 5, Kind.INT), ("缺席", 5, Kind.INT),
        ("备注", 16, Kind.WRAP))]
    rows = []
    numbers: dict[str, int] = {}
    total = {"due": 0, "present": 0, "leave": 0, "absent": 0}
    for meeting in sessions:
        state = session_state(term, meeting)
        day = term.local_day(meeting)
        held = term.held(meeting)
        when = ""
        if meeting.starts_at is not None and meeting.status not in (OFF, CANCELLED):
            start = meeting.starts_at.astimezone(zone)
            end = meeting.ends_at.astimezone(zone) if meeting.ends_at else None
            when = f"{start:%H:%M}–{end:%H:%M}" if end else f"{start:%H:%M}"
        figures: tuple[object, ...] = (None, None, None, None)
        note = meeting.note
        if held:
            numbers[meeting.group] = numbers.get(meeting.group, 0) + 1
        if held and not term.counted(meeting):
            # Before the school's first day with the bot: attendance was not recorded.
            note = "；".join(filter(None, (note, texts.EXPORT_BEFORE_START)))
        elif held:
            people = [m for m in members if meeting.group in m.groups]
            names = roll(term, meeting, people)
            counts = (len(people), len(names[texts.EXPORT_PRESENT]),
                      len(names[texts.EXPORT_LEAVE]),
                      len(names[texts.EXPORT_LEAVE_REFUSED]) + len(names[texts.EXPORT_ABSENT]))
            for key, value in zip(total, counts, strict=True):
                total[key] += value
            figures = counts
        moved = meeting.planned_on if meeting.planned_on != day else None
        rows.append((texts.EXPORT_NTH.format(n=numbers[meeting.group]) if held else "",
                     meeting.group, day if meeting.status not in (OFF, CANCELLED) else None,
                     weekday(day), when, state, moved if moved else (
                         meeting.planned_on if meeting.status in (OFF, CANCELLED) else None),
                     meeting.topic, meeting.host, meeting.form, meeting.place, *figures,
                     note))
    write_sheet(book, name=texts.EXPORT_SHEET_SESSIONS,
                title=term.title(texts.EXPORT_SHEET_SESSIONS),
                meta=term.meta() + texts.EXPORT_META_THEME.format(
                    theme=term.semester.theme or texts.NONE),
                columns=columns, rows=rows,
                totals=[(texts.EXPORT_TOTAL, texts.EXPORT_HELD_COUNT.format(
                    n=sum(numbers.values())), "", "", "", "", "", "", "", "", "",
                    *total.values())])


def _attendance(book: Workbook, term: Term, group: str, sessions: Sequence[ArchiveMeeting],
                people: Sequence[MemberRow]) -> None:
    held = [m for m in sessions if m.group == group and term.held(m)]
    days = [term.local_day(m) for m in held]
    columns = [Column("序号", 5, Kind.INT), Column(texts.EXPORT_TEACHER, 8),
               *(Column(f"{d.month}/{d.day}" + (texts.EXPORT_JOINT if m.joint else ""), 5.5)
                 for d, m in zip(days, held, strict=True)),
               *(Column(t, 5.5, Kind.INT) for t in texts.EXPORT_ATTENDANCE_COUNTS),
               Column(texts.EXPORT_ATTENDANCE_RATE, 9, Kind.PCT)]
    rows = []
    sums = [0, 0, 0, 0, 0]
    for index, person in enumerate(people, start=1):
        marks = [term.mark(m, person.id) for m in held]
        # Only sessions from the school's first day with the bot are counted.
        kept = [(term.local_day(m), value) for m, value in zip(held, marks, strict=True)
                if term.counted(m)]
        attended, due = quotas.attended([(day, value in ATTENDED) for day, value in kept],
                                        term.today)
        values = [value for _, value in kept]
        counts = [due, *(values.count(word) for word in (
            texts.EXPORT_PRESENT, texts.EXPORT_LEAVE, texts.EXPORT_LEAVE_REFUSED,
            texts.EXPORT_ABSENT))]
        sums = [a + b for a, b in zip(sums, counts, strict=True)]
        rows.append((index, person.name, *marks, *counts, attended / due if due else None))
    present_per_session = [sum(1 for person in people if m.attendance.get(person.id) == PRESENT)
                           for m in held]
    legend = texts.EXPORT_ATTENDANCE_LEGEND
    if term.started_on is not None and any(not term.counted(m) for m in held):
        legend += texts.EXPORT_ATTENDANCE_BEFORE.format(day=term.started_on)
    attended_all = sums[1] + sums[2]
    write_sheet(book, name=texts.EXPORT_SHEET_ATTENDANCE.format(group=group),
                title=term.title(texts.EXPORT_SHEET_ATTENDANCE.format(group=group)),
                meta=term.meta() + legend,
                columns=columns, rows=rows,
                totals=[(texts.EXPORT_TOTAL_PRESENT, "", *present_per_session, *sums,
                         attended_all / sums[0] if sums[0] else None)])


def _quotas(book: Workbook, term: Term, members: Sequence[MemberRow],
            measured: dict[int, list[quotas.QuotaProgress]],
            attendance: dict[int, tuple[int, int]]) -> None:
    months = quotas.periods(Period.MONTH, term.semester.start, term.semester.end)
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("教研组", 8, Kind.TEXT), (texts.EXPORT_TEACHER, 8, Kind.TEXT),
        ("项目", 14, Kind.WRAP), ("每月目标", 6, Kind.INT))]
    columns += [Column(texts.MONTH.format(month=start.month), 6.5, Kind.INT)
                for start, _ in months]
    columns += [Column(t, w, k) for t, w, k in (
        ("学期完成", 8, Kind.INT), ("学期目标", 8, Kind.INT), ("单位", 5, Kind.TEXT),
        ("完成率", 8, Kind.PCT), ("状态（本期）", 9, Kind.TEXT))]
    rows = []
    ordered = sorted(members, key=lambda m: (m.groups[0] if m.groups else "\uffff",))
    for person in ordered:
        for item in measured.get(person.id, []):
            quota = item.quota
            if quota.kind == quotas.ATTENDANCE and person.id not in attendance:
                continue  # in no group: no sessions to attend, no figure at all
            spans = [*item.past, item.current]
            monthly = quota.period is Period.MONTH
            by_month = {p.start: p.done for p in spans if p.start <= term.today}
            done = sum(by_month.values()) if monthly else item.current.done
            target = quota.target * len(months) if monthly else item.current.target
            unit = (texts.UNIT_CHARS.strip() if quota.unit is Unit.CHARS
                    else texts.EXPORT_UNIT_TIMES if quota.kind in (
                        quotas.ATTENDANCE, quotas.OPEN_LESSON) else texts.EXPORT_UNIT_PIECES)
            rows.append((len(rows) + 1, "、".join(person.groups) or texts.NONE, person.name,
                         quota.label, quota.target if monthly else None,
                         *((by_month.get(start) if monthly else None) for start, _ in months),
                         done, target, unit, done / target if target else None,
                         str(item.current.status)))
    write_sheet(book, name=texts.EXPORT_SHEET_QUOTAS,
                title=term.title(texts.EXPORT_SHEET_QUOTAS), meta=term.meta(),
                columns=columns, rows=rows)


def _lessons(book: Workbook, term: Term, lessons: Sequence[ArchiveLesson],
             group_of: dict[int, str]) -> None:
    zone = term.settings.zone
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("日期", 11, Kind.DATE), ("星期", 5, Kind.TEXT),
        ("节次", 5, Kind.TEXT), ("授课教师", 8, Kind.TEXT), ("教研组", 8, Kind.TEXT),
        ("类型", 8, Kind.TEXT), ("学科", 6, Kind.TEXT), ("班级", 10, Kind.TEXT),
        ("课题", 18, Kind.WRAP), ("地点", 10, Kind.WRAP), ("状态", 7, Kind.TEXT),
        ("预约人数", 6, Kind.INT), ("听课教师", 20, Kind.WRAP),
        ("说课稿/教学设计", 30, Kind.WRAP))]
    rows = []
    for index, item in enumerate(lessons, start=1):
        lesson = item.lesson
        day = lesson.starts_at.astimezone(zone).date()
        state = (texts.EXPORT_STATE_CANCELLED if lesson.status == CANCELLED
                 else texts.EXPORT_STATE_HELD if day <= term.today
                 else texts.EXPORT_STATE_PLANNED)
        rows.append((index, day, weekday(day), lesson.period, lesson.teacher,
                     group_of.get(lesson.teacher_id, ""), lesson.kind, lesson.subject,
                     lesson.class_name, lesson.title, lesson.place, state,
                     len(item.observers), "、".join(item.observers), lesson.design_note))
    write_sheet(book, name=texts.EXPORT_SHEET_LESSONS,
                title=term.title(texts.EXPORT_SHEET_LESSONS), meta=term.meta(),
                columns=columns, rows=rows,
                totals=[(texts.EXPORT_TOTAL, len(rows))])


def _leave(book: Workbook, term: Term, sessions: Sequence[ArchiveMeeting],
           members: Sequence[MemberRow]) -> None:
    zone = term.settings.zone
    names = {m.id: m.name for m in members}
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("教研组", 8, Kind.TEXT), ("活动日期", 11, Kind.DATE),
        ("教师", 8, Kind.TEXT), ("请假原因", 30, Kind.WRAP), ("审批结果", 9, Kind.TEXT),
        ("审批人", 8, Kind.TEXT), ("审批时间", 16, Kind.TIME))]
    rows = []
    for meeting in sessions:
        for teacher_id, found in meeting.marks.items():
            if found.status not in LEAVE_STATUSES or teacher_id not in names:
                continue
            decided = found.status != LEAVE_PENDING
            rows.append((len(rows) + 1, meeting.group, term.local_day(meeting),
                         names[teacher_id], found.reason,
                         texts.EXPORT_LEAVE_DECISIONS[found.status],
                         found.decided_by or "",
                         found.updated_at.astimezone(zone) if decided and found.decided_by
                         else None))
    write_sheet(book, name=texts.EXPORT_SHEET_LEAVE,
                title=term.title(texts.EXPORT_SHEET_LEAVE), meta=term.meta(),
                columns=columns, rows=rows, totals=[(texts.EXPORT_TOTAL, len(rows))])


def _counts(book: Workbook, term: Term, members: Sequence[MemberRow],
            found: Sequence[ArchiveRecord], lessons: Sequence[ArchiveLesson],
            attendance: dict[int, tuple[int, int]]) -> None:
    """统计汇总: per teacher the records of each kind, 字数,
    公开课 given and 出勤; a 小计 per 教研组 and the 合计."""
    settings = term.settings
    live = [r for r in found if not r.deleted]
    kinds = [spec for spec in settings.catalog
             if spec.kind != "minutes" and any(r.kind == spec.kind for r in live)]
    by_person: dict[tuple[int, str], int] = {}
    chars: dict[int, int] = {}
    for record in live:
        if record.kind == "minutes":
            continue
        key = (record.teacher_id, record.kind)
        by_person[key] = by_person.get(key, 0) + 1
        chars[record.teacher_id] = chars.get(record.teacher_id, 0) + record.chars
    given: dict[int, int] = {}
    for item in lessons:
        if item.lesson.status != CANCELLED and (
                item.lesson.starts_at.astimezone(settings.zone).date() <= term.today):
            given[item.lesson.teacher_id] = given.get(item.lesson.teacher_id, 0) + 1
    columns = [Column("序号", 5, Kind.INT), Column(texts.EXPORT_GROUP, 8),
               Column(texts.EXPORT_TEACHER, 8),
               *(Column(spec.label, 6.5, Kind.INT) for spec in kinds),
               *(Column(t, 7, Kind.INT) for t in texts.EXPORT_COUNT_COLUMNS),
               Column(texts.EXPORT_ATTENDANCE_RATE, 9, Kind.PCT)]

    def figures(people: Sequence[MemberRow]) -> list[object]:
        ids = {m.id for m in people}
        counted = [attendance[i] for i in ids if i in attendance]  # in no group: no figure
        attended, held = sum(a for a, _ in counted), sum(h for _, h in counted)
        return [*(sum(by_person.get((i, spec.kind), 0) for i in ids) for spec in kinds),
                sum(chars.get(i, 0) for i in ids), sum(given.get(i, 0) for i in ids),
                *((held, attended, attended / held if held else None) if counted
                  else (None, None, None))]

    rows: list[Sequence[object]] = []
    groups = [*(g.name for g in settings.groups), ""]
    number = 0
    for group in groups:
        people = [m for m in members if (m.groups[0] if m.groups else "") == group]
        if not people:
            continue
        for person in people:
            number += 1
            rows.append((number, group or texts.NONE, person.name, *figures([person])))
        rows.append(Subtotal((texts.EXPORT_SUBTOTAL, group or texts.NONE, "",
                              *figures(people))))
    write_sheet(book, name=texts.EXPORT_SHEET_COUNTS,
                title=term.title(texts.EXPORT_SHEET_COUNTS), meta=term.meta(),
                columns=columns, rows=rows,
                totals=[(texts.EXPORT_TOTAL, "", "", *figures(members))])


def build_workbook(term: Term, members: Sequence[MemberRow], attendees: Sequence[MemberRow],
                   found: Sequence[ArchiveRecord],
                   sessions: Sequence[ArchiveMeeting], lessons: Sequence[ArchiveLesson],
                   measured: dict[int, list[quotas.QuotaProgress]],
                   attendance: dict[int, tuple[int, int]],
                   extra: Sequence[Callable[[Workbook, Term], None]] = ()) -> bytes:
    """台账.xlsx: 听课, 反思与材料, 教研活动, 考勤 per group, 请假, 公开课, 统计汇总, 指标汇总,
    then the sheets ``extra`` adds (师徒结对, 课题, 集体备课, the term's 考核 and plans).

    ``members`` are whom the export is for; ``attendees`` everyone of its groups (a
    session's 应到/实到 counts the whole group). ``extra`` adds the sheets of other features
    at the end (师徒结对记录, 课题 …)."""
    book = new_book()
    group_of = {m.id: "、".join(m.groups) for m in members}
    _observations(book, term, found, group_of)
    _records(book, term, found, group_of)
    _sessions(book, term, sessions, attendees)
    for group in term.settings.groups:
        people = [m for m in members if group.name in m.groups]
        if people:
            _attendance(book, term, group.name, sessions, people)
    _leave(book, term, sessions, members)
    _lessons(book, term, lessons, group_of)
    _counts(book, term, members, found, lessons, attendance)
    _quotas(book, term, members, measured, attendance)
    for add in extra:
        add(book, term)
    return to_bytes(book)
