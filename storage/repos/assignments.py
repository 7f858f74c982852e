"""预约听课 arranged by 教导处: who gives a lesson when, and who observes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from storage.tables import AuditEntry, LessonAssignment


@dataclass(frozen=True)
class AssignmentRow:
    """An arranged lesson (``lesson_id`` once the teacher registered it)."""

    id: int
    school_id: int
    semester_id: int
    teacher_id: int
    day: date
    period: str
    observers: tuple[int, ...]
    assigned_by: int | None
    lesson_id: int | None


def _row(found: LessonAssignment) -> AssignmentRow:
    assert found.id is not None
    return AssignmentRow(found.id, found.school_id, found.semester_id, found.teacher_id,
                         found.day, found.period, tuple(found.observers), found.assigned_by,
                         found.lesson_id)


def assign(session: Session, *, school_id: int, semester_id: int, teacher_id: int, day: date,
           period: str, observers: Sequence[int], assigned_by: int, now: datetime,
           detail: str) -> AssignmentRow:
    """Arrange a lesson (audited)."""
    found = LessonAssignment(school_id=school_id, semester_id=semester_id,
                             teacher_id=teacher_id, day=day, period=period,
                             observers=list(observers), assigned_by=assigned_by,
                             created_at=now)
    session.add(found)
    session.add(AuditEntry(school_id=school_id, actor_id=assigned_by, action="assign_lesson",
                           at=now, detail=detail))
    session.flush()
    return _row(found)


def get(session: Session, *, assignment_id: int) -> AssignmentRow | None:
    """The arranged lesson with this id."""
    found = session.get(LessonAssignment, assignment_id)
    return None if found is None else _row(found)


def fulfil(session: Session, *, assignment_id: int, lesson_id: int) -> bool:
    """Mark the arrangement registered as ``lesson_id``; False if it already was."""
    found = session.get(LessonAssignment, assignment_id, with_for_update=True)
    if found is None or found.lesson_id is not None:
        return False
    found.lesson_id = lesson_id
    session.add(found)
    return True
