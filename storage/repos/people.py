"""Teachers, their groups, binding of chat accounts, and the roster import."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from storage.repos import accounts, mentoring, school
from storage.repos._core import rows_connection
from storage.tables import (
    AuditEntry,
    BindAttempt,
    BindRequest,
    Membership,
    StudyGroup,
    Teacher,
    TeacherAccount,
)

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class RosterLine(Protocol):
    """One person of an imported roster (``handlers.roster.RosterEntry`` fits)."""

    @property
    def name(self) -> str: ...  # noqa: D102
    @property
    def groups(self) -> tuple[str, ...]: ...  # noqa: D102
    @property
    def role(self) -> str: ...  # noqa: D102
    @property
    def subject(self) -> str: ...  # noqa: D102
    @property
    def staff_no(self) -> str | None: ...  # noqa: D102


@dataclass(frozen=True)
class PersonRow:
    """A roster entry with its groups, as the handlers see it."""

    id: int
    school_id: int
    name: str
    role: str
    subject: str
    active: bool
    account: str | None
    groups: tuple[str, ...]
    leads: tuple[str, ...]


@dataclass(frozen=True)
class ImportSummary:
    """What a roster import changed."""

    added: int
    updated: int
    deactivated: int
    unchanged: int


@dataclass(frozen=True)
class CodeRow:
    """A teacher's binding code, as printed for 教导处."""

    name: str
    staff_no: str | None
    groups: tuple[str, ...]
    code: str | None
    bound: bool


def _person(session: Session, teacher: Teacher) -> PersonRow:
    assert teacher.id is not None
    rows = session.exec(
        select(StudyGroup.name, Membership.is_leader)
        .join(Membership, col(Membership.group_id) == col(StudyGroup.id))
        .where(Membership.teacher_id == teacher.id)
        .order_by(col(StudyGroup.id))
    ).all()
    return PersonRow(
        id=teacher.id,
        school_id=teacher.school_id,
        name=teacher.name,
        role=teacher.role,
        subject=teacher.subject,
        active=teacher.active,
        account=teacher.account,
        groups=tuple(name for name, _ in rows),
        leads=tuple(name for name, leader in rows if leader),
    )


_BY_ACCOUNT = (
    select(Teacher.id, Teacher.school_id, Teacher.name, Teacher.role, Teacher.subject,
           Teacher.active, Teacher.account, StudyGroup.name, Membership.is_leader)
    .select_from(Teacher)
    .outerjoin(Membership, col(Membership.teacher_id) == col(Teacher.id))
    .outerjoin(StudyGroup, col(StudyGroup.id) == col(Membership.group_id))
    .where(or_(Teacher.account == bindparam("account"),
               col(Teacher.id).in_(select(TeacherAccount.teacher_id)
                                   .where(TeacherAccount.account == bindparam("account")))))
    .order_by(col(StudyGroup.id))
)


def get_by_account(session: Session, *, account: str) -> PersonRow | None:
    """The roster entry bound to ``account``: one prebuilt query, as every update asks it."""
    rows = rows_connection(session).execute(_BY_ACCOUNT, {"account": account}).all()
    if not rows:
        return None
    first = rows[0]
    return PersonRow(
        id=first[0], school_id=first[1], name=first[2], role=first[3], subject=first[4],
        active=first[5], account=first[6],
        groups=tuple(row[7] for row in rows if row[7] is not None),
        leads=tuple(row[7] for row in rows if row[8]),
    )


def get_person(session: Session, *, teacher_id: int) -> PersonRow | None:
    """The roster entry with id ``teacher_id``."""
    teacher = session.get(Teacher, teacher_id)
    return None if teacher is None else _person(session, teacher)


def find_by_name(session: Session, *, school_id: int, name: str) -> list[PersonRow]:
    """Active roster entries of the school named exactly ``name``."""
    teachers = session.exec(
        select(Teacher).where(
            Teacher.school_id == school_id, Teacher.name == name, col(Teacher.active)
        )
    ).all()
    return [_person(session, teacher) for teacher in teachers]


def roster_id(session: Session, *, school_id: int, name: str,
              staff_no: str | None) -> int | None:
    """The active teacher of the school a roster line names: by 工号 when it has one, else
    the only one of the name (None when there is no such one)."""
    query = select(Teacher.id).where(Teacher.school_id == school_id, col(Teacher.active))
    found = session.exec(query.where(Teacher.staff_no == staff_no) if staff_no else
                         query.where(Teacher.name == name)).all()
    return found[0] if len(found) == 1 else None


def count_teachers(session: Session, *, school_id: int) -> int:
    """How many people (active or not) the school's roster has."""
    return session.exec(select(func.count()).where(Teacher.school_id == school_id)).one()


def admin_accounts(session: Session, *, school_id: int) -> list[str]:
    """Accounts of the school's bound, active admins."""
    rows = session.exec(
        select(Teacher.account).where(
            Teacher.school_id == school_id,
            Teacher.role == "admin",
            col(Teacher.active),
            col(Teacher.account).is_not(None),
        )
    ).all()
    return [account for account in rows if account is not None]


def import_roster(
    session: Session,
    *,
    school_id: int,
    lines: Sequence[RosterLine],
    group_ids: dict[str, int],
    now: datetime,
) -> ImportSummary:
    """Apply a validated roster: update by 工号 (else name), add new, deactivate missing."""
    teachers = list(session.exec(select(Teacher).where(Teacher.school_id == school_id)))
    by_staff_no = {t.staff_no: t for t in teachers if t.staff_no}
    by_name: dict[str, list[Teacher]] = {}
    for teacher in teachers:
        by_name.setdefault(teacher.name, []).append(teacher)
    # 工号 first, for the whole file: a name must never claim someone whose 工号 is on
    # another line (王芳 2002 before 王芳 2001 would otherwise take 2001's row). By name
    # only where one side has no 工号: two different 工号 are two people.
    matched: list[Teacher | None] = [
        by_staff_no.get(line.staff_no) if line.staff_no else None for line in lines
    ]
    claimed = {id(t) for t in matched if t is not None}
    for index, line in enumerate(lines):
        if matched[index] is None:
            candidates = [t for t in by_name.get(line.name, [])
                          if id(t) not in claimed and not (t.staff_no and line.staff_no)]
            if len(candidates) == 1:
                matched[index] = candidates[0]
                claimed.add(id(candidates[0]))
    seen: set[int] = set()
    line_ids: list[int] = []
    added = updated = unchanged = 0
    for line, teacher in zip(lines, matched, strict=True):
        role = str(line.role)
        wanted = {group_ids[group]: role == "leader" for group in line.groups}
        mobile = getattr(line, "mobile", None)  # an optional column
        if teacher is None:
            teacher = Teacher(school_id=school_id, name=line.name, staff_no=line.staff_no,
                              subject=line.subject, role=role, mobile=mobile)
            session.add(teacher)
            session.flush()
            added += 1
        else:
            current = {
                m.group_id: m.is_leader
                for m in session.exec(
                    select(Membership).where(Membership.teacher_id == teacher.id)
                )
            }
            before = (teacher.name, teacher.staff_no, teacher.subject, teacher.role,
                      teacher.active, current, teacher.mobile)
            after = (line.name, line.staff_no or teacher.staff_no, line.subject, role, True,
                     wanted, mobile or teacher.mobile)
            if before == after:
                unchanged += 1
                assert teacher.id is not None
                seen.add(teacher.id)
                line_ids.append(teacher.id)
                continue
            teacher.name, teacher.subject, teacher.role, teacher.active = (
                line.name, line.subject, role, True)
            teacher.staff_no = line.staff_no or teacher.staff_no
            teacher.mobile = mobile or teacher.mobile
            session.add(teacher)
            updated += 1
        assert teacher.id is not None
        seen.add(teacher.id)
        line_ids.append(teacher.id)
        session.exec(delete(Membership).where(col(Membership.teacher_id) == teacher.id))
        for group_id, is_leader in wanted.items():
            session.add(Membership(teacher_id=teacher.id, group_id=group_id,
                                   is_leader=is_leader))
    deactivated = 0
    for teacher in teachers:
        if teacher.id not in seen and teacher.active:
            teacher.active = False
            session.add(teacher)
            deactivated += 1
    _roster_pairs(session, school_id=school_id, lines=lines, line_ids=line_ids, now=now)
    session.add(AuditEntry(school_id=school_id, action=school.ROSTER_IMPORT, at=now,
                           detail=f"新增 {added}，更新 {updated}，停用 {deactivated}"))
    session.flush()
    return ImportSummary(added, updated, deactivated, unchanged)


def _roster_pairs(session: Session, *, school_id: int, lines: Sequence[RosterLine],
                  line_ids: Sequence[int], now: datetime) -> None:
    """师徒结对 from the roster's optional 师傅 column (names checked by the parser)."""
    by_name = {line.name: teacher_id for line, teacher_id in zip(lines, line_ids, strict=True)}
    wanted = [(by_name[mentor], teacher_id, getattr(line, "mentor_since", None))
              for line, teacher_id in zip(lines, line_ids, strict=True)
              if (mentor := getattr(line, "mentor", None)) and mentor in by_name]
    if wanted:
        mentoring.set_roster_pairs(session, school_id=school_id, wanted=wanted,
                                   today=now.date(), now=now)


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(Teacher.id).where(Teacher.bind_code == code)).first() is None:
            return code


def issue_codes(session: Session, *, school_id: int) -> list[CodeRow]:
    """Give every active, unbound teacher a code (keeping existing ones); list them all."""
    teachers = session.exec(
        select(Teacher)
        .where(Teacher.school_id == school_id, col(Teacher.active))
        .order_by(col(Teacher.id))
    ).all()
    rows = []
    for teacher in teachers:
        if teacher.account is None and teacher.bind_code is None:
            teacher.bind_code = _new_code(session)
            session.add(teacher)
        person = _person(session, teacher)
        rows.append(CodeRow(teacher.name, teacher.staff_no, person.groups, teacher.bind_code,
                            teacher.account is not None))
    session.flush()
    return rows


def normalise_code(text: str) -> str:
    """A code as typed by a person: upper case, no spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def bind_with_code(
    session: Session, *, school_id: int, code: str, account: str, now: datetime
) -> PersonRow | None:
    """Bind ``account`` to the active teacher holding ``code``; the code is then spent."""
    teacher = session.exec(
        select(Teacher)
        .where(
            Teacher.school_id == school_id,
            Teacher.bind_code == normalise_code(code),
            col(Teacher.active),
        )
        .with_for_update()  # two accounts racing for one code: the second finds it spent
    ).first()
    if teacher is None or not _bind(session, teacher, account, now):
        return None
    session.add(AuditEntry(school_id=school_id, actor_id=teacher.id, action="bind", at=now,
                           detail=f"{teacher.name} 用绑定码绑定了账号"))
    return _person(session, teacher)


def bind_from_directory(
    session: Session, *, school_id: int, account: str, job_number: str, mobile: str,
    name: str, now: datetime,
) -> PersonRow | None:
    """Bind ``account`` by a directory entry: the same 工号, else the same 手机号, else the
    only entry of that name.

    Only active roster entries without an account on this platform are considered (one
    bound on another platform keeps that account, and messages now come here: see
    ``accounts``); a 工号 that matches wins even when the name differs (people change names,
    工号 stay). None when nothing matches clearly.
    """
    active = select(Teacher).where(Teacher.school_id == school_id, col(Teacher.active))

    def free(found: Teacher | None) -> Teacher | None:
        return found if found is not None and accounts.can_add(session, found, account) else None

    teacher = None
    if job_number:
        teacher = free(session.exec(active.where(Teacher.staff_no == job_number)).first())
    how = "工号"
    if teacher is None and mobile:
        teacher, how = free(session.exec(active.where(Teacher.mobile == mobile)).first()), "手机号"
    if teacher is None and name:
        named = session.exec(active.where(Teacher.name == name)).all()
        if len(named) == 1:
            teacher, how = free(named[0]), "姓名"
    if teacher is None or accounts.is_taken(session, account=account):
        return None
    if teacher.account is not None:  # bound on another platform: this one is added
        accounts.add(session, teacher=teacher, account=account, now=now)
    elif not _bind(session, teacher, account, now):
        return None
    session.add(AuditEntry(school_id=school_id, actor_id=teacher.id, action="bind", at=now,
                           detail=f"{teacher.name} 按钉钉通讯录（{how}）绑定了账号"))
    return _person(session, teacher)


def _bind(session: Session, teacher: Teacher, account: str, now: datetime) -> bool:
    """Bind ``account`` to ``teacher``; False if the account is bound to someone already."""
    if accounts.is_taken(session, account=account):
        return False
    try:
        with session.begin_nested():  # a concurrent bind of the same account
            teacher.account, teacher.bound_at, teacher.bind_code = account, now, None
            session.add(teacher)
    except IntegrityError:
        return False
    return True


def count_wrong_codes(session: Session, *, account: str, since: datetime) -> int:
    """Wrong binding codes tried by ``account`` since ``since``."""
    return session.exec(
        select(func.count()).where(BindAttempt.account == account, BindAttempt.at >= since)
    ).one()


def add_wrong_code(session: Session, *, account: str, now: datetime) -> None:
    """Remember a wrong code; attempts older than a day are dropped on the way."""
    session.exec(delete(BindAttempt).where(col(BindAttempt.at) < now - timedelta(days=1)))
    session.add(BindAttempt(account=account, at=now))


def add_bind_request(
    session: Session, *, account: str, display_name: str, teacher_id: int, now: datetime
) -> int | None:
    """File a request to bind ``account`` to a teacher; None if one is already pending."""
    pending = session.exec(
        select(BindRequest.id).where(
            BindRequest.account == account, BindRequest.status == "pending"
        )
    ).first()
    if pending is not None:
        return None
    request = BindRequest(account=account, display_name=display_name, teacher_id=teacher_id,
                          created_at=now)
    session.add(request)
    session.flush()
    return request.id


@dataclass(frozen=True)
class RequestRow:
    """A pending bind request, as shown to admins."""

    id: int
    display_name: str
    teacher: PersonRow


def list_pending_requests(session: Session, *, school_id: int) -> list[RequestRow]:
    """The school's bind requests still waiting for an admin, oldest first."""
    rows = session.exec(
        select(BindRequest, Teacher)
        .join(Teacher, col(Teacher.id) == col(BindRequest.teacher_id))
        .where(BindRequest.status == "pending", Teacher.school_id == school_id)
        .order_by(col(BindRequest.id))
    ).all()
    return [RequestRow(request.id, request.display_name, _person(session, teacher))
            for request, teacher in rows if request.id is not None]


@dataclass(frozen=True)
class BindDecision:
    """The outcome of an admin's decision on a bind request."""

    account: str
    teacher_name: str
    approved: bool


def decide_bind_request(
    session: Session, *, request_id: int, school_id: int, admin_id: int, approve: bool,
    now: datetime,
) -> BindDecision | None:
    """Approve or refuse a pending request of this school; None if it was already decided."""
    # Locked, so two admins pressing at once decide it once.
    request = session.get(BindRequest, request_id, with_for_update=True)
    if request is None or request.status != "pending":
        return None
    teacher = session.get(Teacher, request.teacher_id, with_for_update=True)
    if teacher is None or teacher.school_id != school_id:
        return None
    taken = teacher.account is not None or not teacher.active
    already = session.exec(select(Teacher.id).where(Teacher.account == request.account)).first()
    approved = (approve and not taken and already is None
                and _bind(session, teacher, request.account, now))
    request.status = "approved" if approved else "refused"
    request.decided_by, request.decided_at = admin_id, now
    session.add(request)
    session.add(AuditEntry(
        school_id=school_id, actor_id=admin_id, action="bind_request", at=now,
        detail=f"{'批准' if approved else '拒绝'}账号绑定为 {teacher.name}",
    ))
    return BindDecision(request.account, teacher.name, approved)


def add_teacher(session: Session, *, school_id: int, name: str, group_ids: dict[str, int],
                groups: tuple[str, ...], role: str, subject: str, actor_id: int,
                now: datetime) -> PersonRow:
    """Add one person to the roster (from chat), with a binding code ready."""
    teacher = Teacher(school_id=school_id, name=name, subject=subject, role=role)
    session.add(teacher)
    session.flush()
    assert teacher.id is not None
    for group in groups:
        session.add(Membership(teacher_id=teacher.id, group_id=group_ids[group],
                               is_leader=role == "leader"))
    teacher.bind_code = _new_code(session)
    session.add(AuditEntry(school_id=school_id, actor_id=actor_id, action="roster_add", at=now,
                           detail=f"{name}（{'、'.join(groups) or '—'}，{role}）"))
    session.flush()
    return _person(session, teacher)


def change_teacher(
    session: Session, *, teacher_id: int, school_id: int, actor_id: int, now: datetime,
    role: str | None = None, group_ids: dict[str, int] | None = None,
    groups: tuple[str, ...] | None = None, active: bool | None = None,
    new_code: bool = False, unbind: bool = False,
) -> PersonRow | None:
    """Change one roster entry of this school; every change is audited."""
    teacher = session.get(Teacher, teacher_id)
    if teacher is None or teacher.school_id != school_id:
        return None
    changes = []
    if role is not None and role != teacher.role:
        changes.append(f"角色 {teacher.role} → {role}")
        teacher.role = role
        session.exec(update(Membership).where(col(Membership.teacher_id) == teacher_id)
                     .values(is_leader=role == "leader"))
    if groups is not None and group_ids is not None:
        session.exec(delete(Membership).where(col(Membership.teacher_id) == teacher_id))
        for group in groups:
            session.add(Membership(teacher_id=teacher_id, group_id=group_ids[group],
                                   is_leader=teacher.role == "leader"))
        changes.append(f"教研组 → {'、'.join(groups) or '—'}")
    if active is not None and active != teacher.active:
        teacher.active = active
        changes.append("启用" if active else "停用（记录保留）")
    if unbind and teacher.account is not None:
        teacher.account, teacher.bound_at = None, None
        accounts.forget(session, teacher_id=teacher_id)
        changes.append("解绑账号")
    if new_code or (unbind and teacher.bind_code is None):
        teacher.bind_code = _new_code(session)
        changes.append("重发绑定码")
    session.add(teacher)
    if changes:
        session.add(AuditEntry(school_id=school_id, actor_id=actor_id, action="roster_change",
                               at=now, detail=f"{teacher.name}：{'；'.join(changes)}"))
    session.flush()
    return _person(session, teacher)


def bind_code_of(session: Session, *, teacher_id: int) -> str | None:
    """The teacher's current binding code (None once bound)."""
    teacher = session.get(Teacher, teacher_id)
    return None if teacher is None else teacher.bind_code


def find_any_by_name(session: Session, *, school_id: int, name: str) -> list[PersonRow]:
    """Roster entries called ``name``, deactivated ones included (for admins)."""
    teachers = session.exec(select(Teacher).where(Teacher.school_id == school_id,
                                                  Teacher.name == name)).all()
    return [_person(session, teacher) for teacher in teachers]
