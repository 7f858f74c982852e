"""公开课 (open lessons) and 预约听课 (bookings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import Booking, OpenLesson, Record, Teacher

PLANNED, CANCELLED = "planned", "cancelled"


@dataclass(frozen=True)
class LessonRow:
    """An open lesson with who gives it and how many have booked."""

    id: int
    teacher_id: int
    teacher: str
    semester_id: int
    kind: str
    starts_at: datetime
    period: str
    place: str
    class_name: str
    subject: str
    title: str
    booking_required: bool
    design_note: str
    status: str
    booked: int
    follows_id: int | None = None


def add_lesson(
    session: Session, *, teacher_id: int, semester_id: int, kind: str, starts_at: datetime,
    period: str, place: str, class_name: str, subject: str, title: str,
    booking_required: bool, created_by: int, now: datetime, follows_id: int | None = None,
) -> int:
    """Store a new open lesson (a later round of ``follows_id``'s, if given); its id."""
    lesson = OpenLesson(teacher_id=teacher_id, semester_id=semester_id, kind=kind,
                        starts_at=starts_at, period=period, place=place,
                        class_name=class_name, subject=subject, title=title,
                        booking_required=booking_required, created_by=created_by,
                        created_at=now, follows_id=follows_id)
    session.add(lesson)
    session.flush()
    assert lesson.id is not None
    return lesson.id


def _rows(session: Session, *conditions: object) -> list[LessonRow]:
    booked = (select(func.count()).where(col(Booking.lesson_id) == col(OpenLesson.id))
              .correlate(OpenLesson).scalar_subquery())
    rows = session.exec(
        select(OpenLesson, Teacher.name, booked)
        .join(Teacher, col(Teacher.id) == col(OpenLesson.teacher_id))
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(col(OpenLesson.starts_at))
    ).all()
    return [LessonRow(row.id, row.teacher_id, name, row.semester_id, row.kind, row.starts_at,
                      row.period, row.place, row.class_name, row.subject, row.title,
                      row.booking_required, row.design_note, row.status, int(count or 0),
                      row.follows_id)
            for row, name, count in rows if row.id is not None]


def get_lesson(session: Session, *, lesson_id: int) -> LessonRow | None:
    """The open lesson with ``lesson_id``."""
    found = _rows(session, col(OpenLesson.id) == lesson_id)
    return found[0] if found else None


def list_upcoming(session: Session, *, school_id: int, since: datetime,
                  limit: int = 20) -> list[LessonRow]:
    """The school's planned lessons starting after ``since``, soonest first."""
    return _rows(session, col(Teacher.school_id) == school_id,
                 col(OpenLesson.status) == PLANNED, col(OpenLesson.starts_at) >= since)[:limit]


def upcoming_in(session: Session, *, school_ids: Sequence[int], since: datetime,
                limit: int = 20) -> list[LessonRow]:
    """``list_upcoming`` over several schools (公开课 open across a district)."""
    return _rows(session, col(Teacher.school_id).in_(school_ids),
                 col(OpenLesson.status) == PLANNED, col(OpenLesson.starts_at) >= since)[:limit]


def of_teachers(session: Session, *, semester_id: int,
                teacher_ids: Sequence[int]) -> list[LessonRow]:
    """Every lesson (cancelled ones too) of these teachers in the semester, in time order."""
    return _rows(session, col(OpenLesson.semester_id) == semester_id,
                 col(OpenLesson.teacher_id).in_(teacher_ids))


def between(session: Session, *, start: datetime, end: datetime,
            school_id: int | None = None) -> list[LessonRow]:
    """Planned lessons starting in [start, end) (for reminders); only those given by the
    teachers of ``school_id`` when it is given (a lesson is its teacher's school's)."""
    in_school = () if school_id is None else (col(Teacher.school_id) == school_id,)
    return _rows(session, col(OpenLesson.status) == PLANNED,
                 col(OpenLesson.starts_at) >= start, col(OpenLesson.starts_at) < end, *in_school)


def rounds(session: Session, *, lesson_id: int) -> list[LessonRow]:
    """Every round (一课多研) of the lesson ``lesson_id`` belongs to, first round first."""
    lesson = session.get(OpenLesson, lesson_id)
    if lesson is None:
        return []
    first = lesson.follows_id or lesson_id
    return _rows(session, (col(OpenLesson.id) == first) | (col(OpenLesson.follows_id) == first),
                 col(OpenLesson.status) == PLANNED)


def set_status(session: Session, *, lesson_id: int, status: str) -> None:
    """Cancel (or re-plan) a lesson."""
    lesson = session.get(OpenLesson, lesson_id)
    if lesson is not None:
        lesson.status = status
        session.add(lesson)


def set_design_note(session: Session, *, lesson_id: int, note: str) -> None:
    """The 说课 note the teacher shares before the lesson."""
    lesson = session.get(OpenLesson, lesson_id)
    if lesson is not None:
        lesson.design_note = note
        session.add(lesson)


def book(session: Session, *, lesson_id: int, teacher_id: int, now: datetime) -> bool:
    """Book ``teacher_id`` on a lesson; False if already booked (also when two presses of
    the same person arrive at once, in two processes)."""
    connection = rows_connection(session)
    booked = connection.execute(
        INSERTS[connection.dialect.name](Booking)
        .values(lesson_id=lesson_id, teacher_id=teacher_id, booked_at=now)
        .on_conflict_do_nothing().returning(Booking.teacher_id))
    return booked.first() is not None


def unbook(session: Session, *, lesson_id: int, teacher_id: int) -> bool:
    """Remove a booking; False if there was none."""
    result = session.exec(delete(Booking).where(col(Booking.lesson_id) == lesson_id,
                                                col(Booking.teacher_id) == teacher_id))
    return bool(result.rowcount)


def bookings(session: Session, *, lesson_id: int) -> list[tuple[int, str, str | None]]:
    """Who booked a lesson: (teacher id, name, account), in booking order."""
    rows = session.exec(
        select(Teacher.id, Teacher.name, Teacher.account)
        .join(Booking, col(Booking.teacher_id) == col(Teacher.id))
        .where(Booking.lesson_id == lesson_id)
        .order_by(col(Booking.booked_at))
    ).all()
    return [(t, n, a) for t, n, a in rows if t is not None]


def reviewers(session: Session, *, lesson_id: int) -> set[int]:
    """Who has written a 听课记录 linked to a lesson."""
    return set(session.exec(
        select(Record.teacher_id)
        .where(Record.link_kind == "lesson", Record.link_id == lesson_id,
               col(Record.deleted_at).is_(None), Record.kind == "observation")
    ).all())


def list_given(session: Session, *, teacher_id: int, before: datetime,
               limit: int = 10) -> list[LessonRow]:
    """The planned lessons ``teacher_id`` has given before ``before``, latest first."""
    found = _rows(session, col(OpenLesson.teacher_id) == teacher_id,
                  col(OpenLesson.status) == PLANNED, col(OpenLesson.starts_at) < before)
    return found[::-1][:limit]


def reviews(session: Session, *, lesson_id: int) -> list[tuple[str, dict[str, object]]]:
    """The 听课记录 linked to a lesson: (observer, answers)."""
    rows = session.exec(
        select(Teacher.name, Record.answers)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .where(Record.link_kind == "lesson", Record.link_id == lesson_id,
               col(Record.deleted_at).is_(None), Record.kind == "observation")
        .order_by(col(Record.created_at))
    ).all()
    return [(name, dict(answers)) for name, answers in rows]
