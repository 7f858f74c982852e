"""Schools, their 教研组 and semesters, kept in step with the config file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.repos import audit
from storage.tables import School, Semester, StudyGroup

ROSTER_IMPORT = "roster_import"  # the audit entry of a roster's import


@dataclass(frozen=True)
class SemesterRow:
    """A semester as the rest of the bot sees it."""

    id: int
    name: str
    start: date
    end: date
    theme: str
    closed: bool


def ensure_school(
    session: Session,
    *,
    name: str,
    groups: Sequence[str],
    semesters: Sequence[tuple[str, date, date, str]],
) -> int:
    """Create or update the school, its groups and semesters from config; return its id."""
    school = session.exec(select(School).where(School.name == name)).first()
    if school is None:
        school = School(name=name)
        session.add(school)
        session.flush()
    assert school.id is not None
    known = set(session.exec(select(StudyGroup.name).where(StudyGroup.school_id == school.id)))
    for group in groups:
        if group not in known:
            session.add(StudyGroup(school_id=school.id, name=group))
    existing = {
        row.name: row
        for row in session.exec(select(Semester).where(Semester.school_id == school.id))
    }
    for sem_name, start, end, theme in semesters:
        row = existing.get(sem_name)
        if row is None:
            session.add(Semester(school_id=school.id, name=sem_name, start=start, end=end,
                                 theme=theme))
        elif (row.start, row.end, row.theme) != (start, end, theme):
            row.start, row.end, row.theme = start, end, theme
            session.add(row)
    session.flush()
    return school.id


def get_school_id(session: Session, *, name: str) -> int | None:
    """The id of the school named ``name``."""
    return session.exec(select(School.id).where(School.name == name)).first()


def group_ids(session: Session, *, school_id: int) -> dict[str, int]:
    """Every 教研组 of the school, name to id."""
    rows = session.exec(
        select(StudyGroup.name, StudyGroup.id).where(StudyGroup.school_id == school_id)
    )
    return {name: group_id for name, group_id in rows if group_id is not None}


def current_semester(session: Session, *, school_id: int, today: date) -> SemesterRow | None:
    """The semester containing ``today``, else the last one that has started, else the next."""
    rows = list(
        session.exec(
            select(Semester).where(Semester.school_id == school_id).order_by(col(Semester.start))
        )
    )
    return _current(rows, today)


def current_semesters(session: Session, *, school_ids: Sequence[int],
                      today: date) -> dict[int, SemesterRow]:
    """``current_semester`` of each of these schools (those with one), in one query."""
    by_school: dict[int, list[Semester]] = {}
    for row in session.exec(select(Semester).where(col(Semester.school_id).in_(school_ids))
                            .order_by(col(Semester.start))):
        by_school.setdefault(row.school_id, []).append(row)
    found = {school_id: _current(rows, today) for school_id, rows in by_school.items()}
    return {school_id: row for school_id, row in found.items() if row is not None}


def _current(rows: Sequence[Semester], today: date) -> SemesterRow | None:
    chosen = next((s for s in rows if s.start <= today <= s.end), None)
    if chosen is None:
        started = [s for s in rows if s.start <= today]
        chosen = started[-1] if started else (rows[0] if rows else None)
    if chosen is None or chosen.id is None:
        return None
    return SemesterRow(chosen.id, chosen.name, chosen.start, chosen.end, chosen.theme,
                       chosen.closed_at is not None)


def first_roster_import(session: Session, *, school_id: int) -> datetime | None:
    """When the school's roster was first imported (the default start of its pace)."""
    return audit.first(session, school_id=school_id, action=ROSTER_IMPORT)
