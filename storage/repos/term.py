"""Issue 16 §6, §7: what the term's plans, summaries, 外出学习汇报 and 考核 need from storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.tables import (
    AppraisalAdjustment,
    AuditEntry,
    Outing,
    Record,
    Teacher,
)

ASSIGNED, PAUSE = "assigned", "pause"
OUTING_LINK = "outing"
GROUP_LINK = "group"


@dataclass(frozen=True)
class HandedIn:
    """A live record of one of the term's documents (a plan, a summary, a report)."""

    record_id: int
    teacher_id: int
    kind: str
    link_kind: str | None
    link_id: int | None
    occurred_on: date
    answers: dict[str, object]


def handed_in(session: Session, *, semester_id: int, kinds: Sequence[str]) -> list[HandedIn]:
    """Live records of ``kinds`` in a semester, oldest first."""
    rows = session.exec(
        select(Record).where(Record.semester_id == semester_id, col(Record.kind).in_(kinds),
                             col(Record.deleted_at).is_(None))
        .order_by(col(Record.created_at), col(Record.id))).all()
    return [HandedIn(r.id or 0, r.teacher_id, r.kind, r.link_kind, r.link_id, r.occurred_on,
                     dict(r.answers)) for r in rows]


@dataclass(frozen=True)
class OutingRow:
    """A teacher's 外出学习 and the report they owe."""

    id: int
    teacher_id: int
    teacher: str
    account: str | None
    semester_id: int
    training: str
    start: date
    returns_on: date
    due_on: date
    source: str
    meeting_id: int | None
    report_id: int | None
    reported_on: date | None


def add_outing(session: Session, *, school_id: int, teacher_id: int, semester_id: int,
               training: str, start: date, returns_on: date, due_on: date, source: str,
               assigned_by: int | None, now: datetime) -> int:
    """Record an outing (audited) and return its id."""
    outing = Outing(school_id=school_id, teacher_id=teacher_id, semester_id=semester_id,
                    training=training, start=start, returns_on=returns_on, due_on=due_on,
                    source=source, assigned_by=assigned_by, created_at=now)
    session.add(outing)
    session.flush()
    assert outing.id is not None
    # Assigned by 教导处, or the teacher's own /pause: the actor is whoever did it.
    teacher = session.get(Teacher, teacher_id)
    session.add(AuditEntry(school_id=school_id, actor_id=assigned_by or teacher_id,
                           action="outing", at=now,
                           detail=f"{teacher.name if teacher else ''}外出学习：{training}"
                           f"（{start}—{returns_on}，汇报截止 {due_on}）"))
    return outing.id


def outings(session: Session, *, school_id: int, semester_id: int | None = None,
            teacher_ids: Sequence[int] | None = None,
            outing_ids: Sequence[int] | None = None) -> list[OutingRow]:
    """Outings with their teacher and report (the first live record linked), by return."""
    query = (select(Outing, Teacher.name, Teacher.account)
             .join(Teacher, col(Teacher.id) == col(Outing.teacher_id))
             .where(Outing.school_id == school_id))
    if semester_id is not None:
        query = query.where(Outing.semester_id == semester_id)
    if teacher_ids is not None:
        query = query.where(col(Outing.teacher_id).in_(teacher_ids))
    if outing_ids is not None:
        query = query.where(col(Outing.id).in_(outing_ids))
    found = session.exec(query.order_by(col(Outing.returns_on), col(Outing.id))).all()
    ids = [outing.id for outing, _, _ in found]
    reports: dict[int, tuple[int, date]] = {}
    for rid, link_id, day in session.exec(
            select(Record.id, Record.link_id, Record.occurred_on)
            .where(Record.link_kind == OUTING_LINK, col(Record.link_id).in_(ids),
                   col(Record.deleted_at).is_(None))
            .order_by(col(Record.id))):
        if link_id is not None and rid is not None:
            reports.setdefault(link_id, (rid, day))
    return [OutingRow(o.id or 0, o.teacher_id, name, account, o.semester_id, o.training,
                      o.start, o.returns_on, o.due_on, o.source, o.meeting_id,
                      *(reports.get(o.id or 0) or (None, None)))
            for o, name, account in found]


def set_outing_meeting(session: Session, *, outing_id: int, meeting_id: int) -> None:
    """The 教研活动 where the teacher reports back."""
    outing = session.get(Outing, outing_id)
    if outing is None:
        raise LookupError(outing_id)
    outing.meeting_id = meeting_id
    session.add(outing)


@dataclass(frozen=True)
class AdjustmentRow:
    """One change to a teacher's 考核 score."""

    teacher_id: int
    points: float
    reason: str
    by: str | None
    at: datetime


def add_adjustment(session: Session, *, school_id: int, semester_id: int, teacher_id: int,
                   teacher: str, points: float, reason: str, by: int, now: datetime) -> None:
    """Change a teacher's 考核 score with a reason (audited, in Chinese)."""
    session.add(AppraisalAdjustment(semester_id=semester_id, teacher_id=teacher_id,
                                    points=points, reason=reason, by=by, at=now))
    session.add(AuditEntry(school_id=school_id, actor_id=by, action="appraisal_adjust", at=now,
                           detail=f"考核调整：{teacher} {points:+g} 分，理由：{reason}"))


def adjustments(session: Session, *, semester_id: int,
                teacher_ids: Sequence[int] | None = None) -> list[AdjustmentRow]:
    """The semester's 考核 adjustments, oldest first."""
    query = (select(AppraisalAdjustment, Teacher.name)
             .join(Teacher, col(Teacher.id) == col(AppraisalAdjustment.by), isouter=True)
             .where(AppraisalAdjustment.semester_id == semester_id))
    if teacher_ids is not None:
        query = query.where(col(AppraisalAdjustment.teacher_id).in_(teacher_ids))
    return [AdjustmentRow(a.teacher_id, a.points, a.reason, name, a.at)
            for a, name in session.exec(query.order_by(col(AppraisalAdjustment.at),
                                                       col(AppraisalAdjustment.id)))]
