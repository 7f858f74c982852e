"""检查: records as a reviewer lists them, and the marks (合格, 优秀, 退回修改) they give."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.tables import AuditEntry, Membership, Record, StudyGroup, Teacher

PASS, EXCELLENT, RETURNED = "pass", "excellent", "returned"
MARKS = (PASS, EXCELLENT, RETURNED)


@dataclass(frozen=True)
class ReviewItem:
    """One record on a reviewer's list."""

    record_id: int
    teacher_id: int
    teacher: str
    kind: str
    title: str
    occurred_on: date
    status: str | None
    comment: str


def for_review(session: Session, *, school_id: int, semester_id: int, start: date, end: date,
               groups: Sequence[str] | None = None) -> list[ReviewItem]:
    """Live records dated in [start, end] of the school's teachers (of ``groups`` if given),
    by teacher name, then date."""
    statement = (
        select(Record.id, Teacher.id, Teacher.name, Record.kind, Record.title,
               Record.occurred_on, Record.review_status, Record.review_comment)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .where(Teacher.school_id == school_id, Record.semester_id == semester_id,
               col(Record.deleted_at).is_(None), col(Record.occurred_on) >= start,
               col(Record.occurred_on) <= end)
        .order_by(col(Teacher.name), col(Record.occurred_on), col(Record.id))
    )
    if groups is not None:
        members = (select(Membership.teacher_id)
                   .join(StudyGroup, col(StudyGroup.id) == col(Membership.group_id))
                   .where(StudyGroup.school_id == school_id, col(StudyGroup.name).in_(groups)))
        statement = statement.where(col(Teacher.id).in_(members))
    return [ReviewItem(rid, tid, name, kind, title, day, status, comment or "")
            for rid, tid, name, kind, title, day, status, comment in session.exec(statement)
            if rid is not None and tid is not None]


def mark(session: Session, *, record_id: int, status: str, comment: str, reviewer_id: int,
         school_id: int, now: datetime) -> bool:
    """Give a live record a mark with a comment (audited); False if it is gone."""
    if status not in MARKS:
        raise ValueError(status)
    record = session.get(Record, record_id)
    if record is None or record.deleted_at is not None:
        return False
    record.review_status, record.review_comment = status, comment
    record.reviewed_by, record.reviewed_at = reviewer_id, now
    session.add(record)
    session.add(AuditEntry(school_id=school_id, actor_id=reviewer_id, action="review_record",
                           at=now, detail=f"{record.kind} #{record_id} {status}"))
    return True
