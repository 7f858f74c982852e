"""Members of 教研组, with their roles and all their groups (for quotas and reports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.repos._core import rows_connection
from storage.tables import Membership, StudyGroup, Teacher


@dataclass(frozen=True)
class MemberRow:
    """An active teacher with everything reports need about them."""

    id: int
    school_id: int
    name: str
    role: str
    account: str | None
    groups: tuple[str, ...]
    leads: tuple[str, ...]
    nudge_weekday: int | None
    nudges_off: bool
    bound_at: datetime | None = None


def members(session: Session, *, group_ids: Sequence[int] | None = None,
            school_id: int | None = None,
            teacher_ids: Sequence[int] | None = None) -> list[MemberRow]:
    """Active teachers of these groups, this school or with these ids, with all their groups."""
    query = select(Teacher.id, Teacher.school_id, Teacher.name, Teacher.role, Teacher.account,
                   Teacher.nudge_weekday, Teacher.nudges_off, Teacher.bound_at,
                   ).where(col(Teacher.active))
    if school_id is not None:
        query = query.where(Teacher.school_id == school_id)
    if teacher_ids is not None:
        query = query.where(col(Teacher.id).in_(teacher_ids))
    if group_ids is not None:
        inside = select(Membership.teacher_id).where(col(Membership.group_id).in_(group_ids))
        query = query.where(col(Teacher.id).in_(inside))
    # Columns through Core: a district digest lists 3 000 teachers, ORM objects cost 4×.
    connection = rows_connection(session)
    teachers = connection.execute(query.order_by(col(Teacher.id))).all()
    links = connection.execute(
        select(Membership.teacher_id, StudyGroup.name, Membership.is_leader)
        .join(StudyGroup, col(StudyGroup.id) == col(Membership.group_id))
        .where(col(Membership.teacher_id).in_([t.id for t in teachers]))
        .order_by(col(StudyGroup.id))
    ).all()
    groups: dict[int, list[str]] = {}
    leads: dict[int, list[str]] = {}
    for teacher_id, name, leader in links:
        groups.setdefault(teacher_id, []).append(name)
        if leader:
            leads.setdefault(teacher_id, []).append(name)
    return [MemberRow(t.id, t.school_id, t.name, t.role, t.account, tuple(groups.get(t.id, ())),
                      tuple(leads.get(t.id, ())), t.nudge_weekday, t.nudges_off, t.bound_at)
            for t in teachers]


def set_nudges(session: Session, *, teacher_id: int, weekday: int | None, off: bool) -> None:
    """A teacher's choice of nudge day, or nudges off."""
    teacher = session.get(Teacher, teacher_id)
    if teacher is not None:
        teacher.nudge_weekday, teacher.nudges_off = weekday, off
        session.add(teacher)


def school_of_group(session: Session, *, group_id: int) -> int | None:
    """The school a 教研组 belongs to."""
    group = session.get(StudyGroup, group_id)
    return None if group is None else group.school_id
