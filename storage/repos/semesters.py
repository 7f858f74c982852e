"""Semester lifecycle: a closed semester's records are read-only."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.repos.school import SemesterRow
from storage.tables import AuditEntry, Semester


def get_by_name(session: Session, *, school_id: int, name: str) -> SemesterRow | None:
    """The school's semester called ``name``."""
    found = session.exec(select(Semester).where(Semester.school_id == school_id,
                                                Semester.name == name)).first()
    if found is None or found.id is None:
        return None
    return SemesterRow(found.id, found.name, found.start, found.end, found.theme,
                       found.closed_at is not None)


def get_by_id(session: Session, *, semester_id: int) -> SemesterRow | None:
    """The semester with ``semester_id``."""
    found = session.get(Semester, semester_id)
    if found is None or found.id is None:
        return None
    return SemesterRow(found.id, found.name, found.start, found.end, found.theme,
                       found.closed_at is not None)


def school_of(session: Session, *, semester_id: int) -> int | None:
    """The school a semester belongs to."""
    found = session.get(Semester, semester_id)
    return None if found is None else found.school_id


def set_closed(session: Session, *, semester_id: int, closed: bool, actor: str,
               now: datetime) -> bool:
    """Close (or reopen) a semester; False if it already was."""
    semester = session.get(Semester, semester_id)
    if semester is None or (semester.closed_at is not None) == closed:
        return False
    semester.closed_at = now if closed else None
    session.add(semester)
    session.add(AuditEntry(school_id=semester.school_id, action="semester", at=now,
                           detail=f"{actor}：{'关闭' if closed else '重新开放'} {semester.name}"))
    return True
