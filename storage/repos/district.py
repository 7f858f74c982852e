"""Several schools in one database: which school an account, a chat or a code belongs to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from storage.repos._core import INSERTS, rows_connection
from storage.repos.people import normalise_code
from storage.tables import AuditEntry, ChatLink, DistrictVisit, School, Teacher


def set_parent(session: Session, *, school_id: int, parent_id: int | None) -> None:
    """Record that ``school_id`` is overseen by the 中心校 ``parent_id``."""
    school = session.get(School, school_id)
    if school is not None and school.parent_id != parent_id:
        school.parent_id = parent_id
        session.add(school)
        session.flush()


def school_of_account(session: Session, *, account: str) -> int | None:
    """The school of the roster entry bound to ``account``."""
    return session.exec(select(Teacher.school_id).where(Teacher.account == account)).first()


def school_of_chat(session: Session, *, chat: str) -> int | None:
    """The school a group chat is linked to."""
    return session.exec(select(ChatLink.school_id).where(ChatLink.chat == chat)).first()


def school_of_code(session: Session, *, code: str) -> int | None:
    """The school of the active teacher holding the binding code ``code``."""
    return session.exec(select(Teacher.school_id).where(
        Teacher.bind_code == normalise_code(code), col(Teacher.active))).first()


def carry_accounts(session: Session, *, school_ids: Sequence[int], now: datetime) -> list[str]:
    """Teachers who moved between schools: their chat account follows them.

    A roster line in a new school with the 工号 of someone in another school is a new
    entry there; the old entry, deactivated by the import, keeps every record it made
    (they stay under the school where they were made), and gives its account to the new
    one, so the teacher goes on without binding again. Returns the names moved.
    """
    rows = list(session.exec(select(Teacher).where(col(Teacher.school_id).in_(school_ids),
                                                   col(Teacher.staff_no).is_not(None))))
    active = {(row.staff_no, row.school_id): row for row in rows if row.active}
    moved = []
    for old in rows:
        if old.active or old.account is None:
            continue
        new = next((row for (staff_no, school_id), row in active.items()
                    if staff_no == old.staff_no and school_id != old.school_id
                    and row.account is None), None)
        if new is None:
            continue
        account, old.account = old.account, None
        session.add(old)
        session.flush()
        new.account, new.bound_at = account, old.bound_at
        session.add(new)
        session.add(AuditEntry(school_id=new.school_id, actor_id=new.id, action="moved",
                               at=now,
                               detail=f"{new.name} 从其他学校调入，账号随人转入"))
        moved.append(new.name)
    session.flush()
    return moved


def district_of(session: Session, *, school_id: int) -> dict[int, str]:
    """Every school of ``school_id``'s district (its 中心校 and the 中心校's 村小): id →
    name, the 中心校 first; just the school itself outside a district."""
    own = session.get(School, school_id)
    if own is None:
        return {}
    root = own.parent_id or school_id
    rows = session.exec(select(School.id, School.name).where(
        (col(School.id) == root) | (col(School.parent_id) == root)).order_by(col(School.id)))
    return {found: name for found, name in rows if found is not None}


# -- the school a 学区管理员 works in from private chat ------------------------------------


@dataclass(frozen=True)
class Visit:
    """The school a 学区管理员 named last (its name as the database has it)."""

    school_id: int
    school: str


def _visit(insert: Callable[..., Any]) -> Any:
    statement = insert(DistrictVisit).values(teacher_id=bindparam("teacher_id"),
                                             school_id=bindparam("school_id"))
    return statement.on_conflict_do_update(index_elements=[DistrictVisit.teacher_id],
                                           set_={"school_id": statement.excluded.school_id})


_VISITS = {name: _visit(insert) for name, insert in INSERTS.items()}


def visit_of(session: Session, *, teacher_id: int) -> Visit | None:
    """The school ``teacher_id`` works in away from home, if any."""
    row = session.exec(select(DistrictVisit.school_id, School.name)
                       .join(School, col(School.id) == col(DistrictVisit.school_id))
                       .where(DistrictVisit.teacher_id == teacher_id)).first()
    return None if row is None else Visit(row[0], row[1])


def visit(session: Session, *, teacher_id: int, school_id: int) -> None:
    """``teacher_id`` works in ``school_id`` from now on (one upsert: two processes may
    write it at once)."""
    connection = rows_connection(session)
    connection.execute(_VISITS[connection.dialect.name],
                       {"teacher_id": teacher_id, "school_id": school_id})


def end_visit(session: Session, *, teacher_id: int) -> None:
    """``teacher_id`` is back at home."""
    session.exec(delete(DistrictVisit).where(  # type: ignore[call-overload]
        col(DistrictVisit.teacher_id) == teacher_id))
