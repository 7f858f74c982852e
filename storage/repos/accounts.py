"""One teacher, several chat platforms: an account per platform, messages where they wrote last.

``teacher.account`` is the account messages go to; the teacher's accounts on other platforms
are ``teacher_account`` rows. Writing from one of those makes it ``teacher.account`` and the
former one joins the others. A platform is an account's prefix (``tg``, ``dt``).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, delete, select

from storage.tables import Teacher, TeacherAccount


def platform(account: str) -> str:
    """The platform an account belongs to: its prefix."""
    return account.partition(":")[0]


def others(session: Session, *, teacher_id: int) -> list[str]:
    """The teacher's accounts on other platforms than the one messages go to now."""
    return list(session.exec(select(TeacherAccount.account)
                             .where(TeacherAccount.teacher_id == teacher_id)
                             .order_by(TeacherAccount.account)).all())


def is_taken(session: Session, *, account: str) -> bool:
    """Whether ``account`` belongs to a teacher, as their current or another account."""
    return (session.exec(select(Teacher.id).where(Teacher.account == account)).first()
            is not None or session.get(TeacherAccount, account) is not None)


def can_add(session: Session, teacher: Teacher, account: str) -> bool:
    """Whether ``account`` may become one of ``teacher``'s: they have none on its platform."""
    if teacher.account is None:
        return True
    if platform(teacher.account) == platform(account):
        return False
    assert teacher.id is not None
    return all(platform(other) != platform(account)
               for other in others(session, teacher_id=teacher.id))


def add(session: Session, *, teacher: Teacher, account: str, now: datetime) -> str | None:
    """Make ``account`` (on a platform the teacher has no account on yet) the one their
    messages go to, keeping the current one among the others; the former account."""
    former = teacher.account
    if former is not None:
        assert teacher.id is not None
        session.add(TeacherAccount(account=former, teacher_id=teacher.id, bound_at=now))
    teacher.account, teacher.bound_at, teacher.bind_code = account, now, None
    session.add(teacher)
    return former


def use(session: Session, *, teacher_id: int, account: str, now: datetime) -> None:
    """The teacher wrote from ``account``, one of their others: messages go there now."""
    teacher = session.get(Teacher, teacher_id)
    row = session.get(TeacherAccount, account)
    if teacher is None or row is None or row.teacher_id != teacher_id:
        return
    session.delete(row)
    session.flush()
    add(session, teacher=teacher, account=account, now=now)


def current(session: Session, *, account: str) -> str | None:
    """Where messages for ``account`` go now, when it is one of a teacher's other accounts;
    None when it is not (a current account, a group, nobody's)."""
    row = session.get(TeacherAccount, account)
    if row is None:
        return None
    teacher = session.get(Teacher, row.teacher_id)
    return teacher.account if teacher is not None else None


def forget(session: Session, *, teacher_id: int) -> None:
    """Drop the teacher's other accounts (an admin unbound them)."""
    session.exec(delete(TeacherAccount).where(TeacherAccount.teacher_id == teacher_id))  # type: ignore[call-overload]
