"""The audit log: who changed what (roles, attendance, deletions, approvals)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from storage.tables import AuditEntry, Meeting, Record, StudyGroup, Teacher


@dataclass(frozen=True)
class AuditRow:
    """One audit entry with the actor's name."""

    at: datetime
    actor: str | None
    action: str
    detail: str


def audit(session: Session, *, school_id: int, actor_id: int | None, action: str, detail: str,
          now: datetime) -> None:
    """Write one audit entry in the caller's transaction."""
    session.add(AuditEntry(school_id=school_id, actor_id=actor_id, action=action, at=now,
                           detail=detail))


def first(session: Session, *, school_id: int, action: str) -> datetime | None:
    """When the school's first audit entry of ``action`` was written, or None."""
    return session.exec(select(func.min(AuditEntry.at)).where(
        AuditEntry.school_id == school_id, AuditEntry.action == action)).one()


def latest(session: Session, *, school_id: int, limit: int) -> list[AuditRow]:
    """The school's newest audit entries, newest first."""
    rows = session.exec(
        select(AuditEntry, Teacher.name)
        .join(Teacher, col(Teacher.id) == col(AuditEntry.actor_id), isouter=True)
        .where(AuditEntry.school_id == school_id)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()
    return [AuditRow(entry.at, name, entry.action, entry.detail) for entry, name in rows]


@dataclass
class Referenced:
    """What older audit entries name by id, for showing them with names and dates."""

    teachers: dict[int, str] = field(default_factory=dict)
    meetings: dict[int, tuple[str, date]] = field(default_factory=dict)  # group, planned_on
    records: dict[int, tuple[str, str]] = field(default_factory=dict)  # owner, title
    groups: dict[int, str] = field(default_factory=dict)


def referenced(session: Session, *, school_id: int, teacher_ids: Collection[int],
               meeting_ids: Collection[int], record_ids: Collection[int],
               group_ids: Collection[int]) -> Referenced:
    """Names and dates of the teachers, sessions, records and groups of this school that
    audit entries refer to by id (ids of another school are left out)."""
    found = Referenced()
    if teacher_ids:
        found.teachers = dict(session.exec(select(Teacher.id, Teacher.name).where(
            col(Teacher.id).in_(teacher_ids), Teacher.school_id == school_id)).all())
    if meeting_ids:
        found.meetings = {meeting: (group, day) for meeting, group, day in session.exec(
            select(Meeting.id, StudyGroup.name, Meeting.planned_on)
            .join(StudyGroup, col(StudyGroup.id) == col(Meeting.group_id))
            .where(col(Meeting.id).in_(meeting_ids), StudyGroup.school_id == school_id))}
    if record_ids:
        found.records = {record: (owner, title) for record, owner, title in session.exec(
            select(Record.id, Teacher.name, Record.title)
            .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
            .where(col(Record.id).in_(record_ids), Teacher.school_id == school_id))}
    if group_ids:
        found.groups = dict(session.exec(select(StudyGroup.id, StudyGroup.name).where(
            col(StudyGroup.id).in_(group_ids), StudyGroup.school_id == school_id)).all())
    return found
