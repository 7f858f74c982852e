"""What the term's archive is made of: every record, session and attendance of a semester."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.repos import lessons
from storage.repos.lessons import LessonRow
from storage.tables import (
    Attendance,
    Booking,
    Meeting,
    MeetingGuest,
    Record,
    Semester,
    StudyGroup,
    Teacher,
)


@dataclass(frozen=True)
class ArchiveRecord:
    """A record with its author, for the ledgers and portfolios."""

    id: int
    teacher_id: int
    teacher: str
    kind: str
    title: str
    answers: dict[str, Any]
    chars: int
    occurred_on: date
    created_at: datetime
    deleted: bool
    link_kind: str | None
    link_id: int | None
    # 检查: the mark ("pass", "excellent", "returned"; None: not checked), who gave it, why.
    review_status: str | None = None
    reviewer: str = ""
    review_comment: str = ""


@dataclass(frozen=True)
class Mark:
    """One teacher's answer or presence at a session, and who decided on their leave."""

    status: str
    reason: str
    updated_at: datetime
    decided_by: str | None


@dataclass(frozen=True)
class ArchiveMeeting:
    """A session with its group and attendance (teacher id → status, and the full marks)."""

    id: int
    group_id: int
    group: str
    planned_on: date
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    status: str
    topic: str
    host: str
    form: str
    content: str
    note: str
    attendance: dict[int, str]
    marks: dict[int, Mark]
    joint: bool = False  # another school's session the group took part in (联片教研)


def _archived(record: Record, author: str,
              reviewers: dict[int, str] | None = None) -> ArchiveRecord:
    assert record.id is not None
    reviewer = (reviewers or {}).get(record.reviewed_by or 0, "")
    return ArchiveRecord(record.id, record.teacher_id, author, record.kind, record.title,
                         dict(record.answers), record.chars, record.occurred_on,
                         record.created_at, record.deleted_at is not None, record.link_kind,
                         record.link_id, record.review_status, reviewer,
                         record.review_comment or "")


def records_of(session: Session, *, semester_id: int,
               teacher_ids: Sequence[int]) -> list[ArchiveRecord]:
    """Every record (deleted ones too, marked) of these teachers in the semester."""
    rows = session.exec(
        select(Record, Teacher.name)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .where(Record.semester_id == semester_id, col(Record.teacher_id).in_(teacher_ids))
        .order_by(col(Record.occurred_on), col(Record.id))
    ).all()
    reviewer_ids = {record.reviewed_by for record, _ in rows if record.reviewed_by}
    reviewers = {teacher_id: name for teacher_id, name in session.exec(
        select(Teacher.id, Teacher.name).where(col(Teacher.id).in_(reviewer_ids)))
        if teacher_id is not None} if reviewer_ids else {}
    return [_archived(record, name, reviewers) for record, name in rows]


def minutes_of(session: Session, *, meeting_ids: Sequence[int]) -> list[ArchiveRecord]:
    """The 活动记录 records linked to these sessions, whoever wrote them."""
    rows = session.exec(
        select(Record, Teacher.name)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .where(Record.kind == "minutes", Record.link_kind == "meeting",
               col(Record.link_id).in_(meeting_ids))
        .order_by(col(Record.id))
    ).all()
    return [_archived(record, name) for record, name in rows]


def lesson_notes(session: Session, *, lesson_ids: Sequence[int]) -> list[ArchiveRecord]:
    """The 听课记录 written on these 公开课 (linked to them), whoever wrote them."""
    rows = session.exec(
        select(Record, Teacher.name)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .where(Record.kind == "observation", Record.link_kind == "lesson",
               col(Record.link_id).in_(lesson_ids), col(Record.deleted_at).is_(None))
        .order_by(col(Record.id))
    ).all()
    return [_archived(record, name) for record, name in rows]


def meetings_of(session: Session, *, semester_id: int,
                group_ids: Sequence[int]) -> list[ArchiveMeeting]:
    """The semester's sessions of these groups with everyone's attendance."""
    found = [(m, name, m.group_id) for m, name in session.exec(
        select(Meeting, StudyGroup.name)
        .join(StudyGroup, col(StudyGroup.id) == col(Meeting.group_id))
        .where(Meeting.semester_id == semester_id, col(Meeting.group_id).in_(group_ids)))]
    # Other schools' sessions these groups took part in (联片教研) are theirs too, under the
    # guest group: its members' 考勤 is kept in their own school's archive.
    semester = session.get(Semester, semester_id)
    if semester is not None:
        found += [(m, name, group_id) for m, name, group_id in session.exec(
            select(Meeting, StudyGroup.name, MeetingGuest.group_id)
            .join(MeetingGuest, col(MeetingGuest.meeting_id) == col(Meeting.id))
            .join(StudyGroup, col(StudyGroup.id) == col(MeetingGuest.group_id))
            .where(col(MeetingGuest.group_id).in_(group_ids),
                   col(Meeting.planned_on) >= semester.start,
                   col(Meeting.planned_on) <= semester.end))]
    rows = sorted(found, key=lambda row: (row[0].planned_on, row[2]))
    ids = [m.id for m, _, _ in rows if m.id is not None]
    marks: dict[int, dict[int, Mark]] = {}
    deciders = dict(session.exec(
        select(Teacher.id, Teacher.name).where(col(Teacher.id).in_(
            select(Attendance.decided_by).where(col(Attendance.meeting_id).in_(ids))))).all())
    for mark in session.exec(select(Attendance).where(col(Attendance.meeting_id).in_(ids))):
        marks.setdefault(mark.meeting_id, {})[mark.teacher_id] = Mark(
            mark.status, mark.reason, mark.updated_at, deciders.get(mark.decided_by))
    return [ArchiveMeeting(m.id, group_id, name, m.planned_on, m.starts_at, m.ends_at,
                           m.place, m.status, m.topic, m.host, m.form, m.content, m.note,
                           {t: k.status for t, k in marks.get(m.id, {}).items()},
                           marks.get(m.id, {}), group_id != m.group_id)
            for m, name, group_id in rows if m.id is not None]


@dataclass(frozen=True)
class ArchiveLesson:
    """A 公开课 and who booked to observe it."""

    lesson: LessonRow
    observers: tuple[str, ...]


def lessons_of(session: Session, *, semester_id: int,
               teacher_ids: Sequence[int]) -> list[ArchiveLesson]:
    """The semester's 公开课 of these teachers, in time order, with the booked observers."""
    found = lessons.of_teachers(session, semester_id=semester_id, teacher_ids=teacher_ids)
    observers: dict[int, list[str]] = {}
    for lesson_id, name in session.exec(
            select(Booking.lesson_id, Teacher.name)
            .join(Teacher, col(Teacher.id) == col(Booking.teacher_id))
            .where(col(Booking.lesson_id).in_([lesson.id for lesson in found]))
            .order_by(col(Booking.booked_at))).all():
        observers.setdefault(lesson_id, []).append(name)
    return [ArchiveLesson(lesson, tuple(observers.get(lesson.id, ()))) for lesson in found]


def staff_of(session: Session, *, teacher_ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    """工号 (None where the roster has none) and 学科 of these teachers."""
    rows = session.exec(select(Teacher.id, Teacher.staff_no, Teacher.subject).where(
        col(Teacher.id).in_(teacher_ids)))
    return {teacher_id: (staff_no or None, subject or "") for teacher_id, staff_no, subject
            in rows if teacher_id is not None}
