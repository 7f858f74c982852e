"""Semester lifecycle: a closed semester's records are read-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

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
    """Close (or reopen) a semester; False if it already was.

    One conditional UPDATE, so of two closes at once (two processes) exactly one acts.
    """
    state = (col(Semester.closed_at).is_(None) if closed
             else col(Semester.closed_at).is_not(None))
    result = session.exec(update(Semester).where(col(Semester.id) == semester_id, state)
                          .values(closed_at=now if closed else None))
    semester = session.get(Semester, semester_id)
    if semester is None or (result.rowcount or 0) != 1:
        return False
    session.refresh(semester)
    session.add(AuditEntry(school_id=semester.school_id, action="semester", at=now,
                           detail=f"{actor}：{'关闭' if closed else '重新开放'} {semester.name}"))
    return True
