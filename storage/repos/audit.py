"""The audit log: who changed what (roles, attendance, deletions, approvals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.tables import AuditEntry, Teacher


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
