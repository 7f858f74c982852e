"""教研 sessions (meetings), their attendance and leave, and teachers' pauses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import (
    Attendance,
    Meeting,
    MeetingGuest,
    Membership,
    Pause,
    Record,
    School,
    Semester,
    StudyGroup,
    Teacher,
)

PLANNED, ANNOUNCED, OFF, CANCELLED = "planned", "announced", "off", "cancelled"
GOING, LEAVE_PENDING, LEAVE, LEAVE_REFUSED, PRESENT, ABSENT = (
    "going", "leave_pending", "leave", "leave_refused", "present", "absent")
# A pause's states that keep reminders quiet (storage/repos/pauses.py has them all).
PAUSE_SILENCING = ("quiet", "pending", "approved")


@dataclass(frozen=True)
class MeetingRow:
    """A session as the handlers see it."""

    id: int
    group_id: int
    group: str
    semester_id: int
    planned_on: date
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    status: str
    topic: str
    host: str
    form: str
    content: str
    materials: str
    note: str
    announced: bool

    @property
    def held(self) -> bool:
        """Whether the session takes place (not off for a holiday, not cancelled)."""
        return self.status in (PLANNED, ANNOUNCED) and self.starts_at is not None


@dataclass(frozen=True)
class AttendanceRow:
    """A member of the group and their answer or presence."""

    teacher_id: int
    name: str
    account: str | None
    status: str | None
    reason: str


def _row(meeting: Meeting, group: str) -> MeetingRow:
    assert meeting.id is not None
    return MeetingRow(meeting.id, meeting.group_id, group, meeting.semester_id,
                      meeting.planned_on, meeting.starts_at, meeting.ends_at, meeting.place,
                      meeting.status, meeting.topic, meeting.host, meeting.form,
                      meeting.content, meeting.materials, meeting.note,
                      meeting.announced_at is not None)


def ensure_meeting(
    session: Session, *, group_id: int, semester_id: int, planned_on: date,
    starts_at: datetime | None, ends_at: datetime | None, place: str, note: str,
) -> bool:
    """Create the session of a slot date unless it exists (leaders' changes are kept)."""
    existing = session.exec(select(Meeting.id).where(
        Meeting.group_id == group_id, Meeting.planned_on == planned_on)).first()
    if existing is not None:
        return False
    try:
        # Another process may be generating the same semester right now.
        with session.begin_nested():
            session.add(Meeting(group_id=group_id, semester_id=semester_id,
                                planned_on=planned_on, starts_at=starts_at, ends_at=ends_at,
                                place=place, note=note,
                                status=PLANNED if starts_at is not None else OFF))
    except IntegrityError:
        return False
    return True


def _select() -> Select[tuple[Meeting, str]]:
    return select(Meeting, StudyGroup.name).join(
        StudyGroup, col(StudyGroup.id) == col(Meeting.group_id))


def get_meeting(session: Session, *, meeting_id: int) -> MeetingRow | None:
    """The session with ``meeting_id``."""
    found = session.exec(_select().where(Meeting.id == meeting_id)).first()
    return None if found is None else _row(*found)


def list_meetings(
    session: Session, *, group_ids: Sequence[int], start: date, end: date,
) -> list[MeetingRow]:
    """Sessions of these groups planned in [start, end], in date order (off days included)."""
    rows = session.exec(
        _select().where(col(Meeting.group_id).in_(group_ids), col(Meeting.planned_on) >= start,
                        col(Meeting.planned_on) <= end)
        .order_by(col(Meeting.planned_on), col(Meeting.group_id))
    ).all()
    return [_row(*found) for found in rows]


def held_between(session: Session, *, start: datetime, end: datetime,
                 school_id: int | None = None) -> list[MeetingRow]:
    """Sessions that take place and start in [start, end) (for reminders); only those of
    the groups of ``school_id`` when it is given (a 联片教研 is its organiser's: its guest
    groups do not bring it into their schools)."""
    in_school = () if school_id is None else (col(StudyGroup.school_id) == school_id,)
    rows = session.exec(
        _select().where(col(Meeting.status).in_((PLANNED, ANNOUNCED)),
                        col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end, *in_school)
        .order_by(col(Meeting.starts_at))
    ).all()
    return [_row(*found) for found in rows]


def update_meeting(session: Session, *, meeting_id: int, **changes: object) -> None:
    """Change fields of a session (topic, host, place, times, status …)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise LookupError(meeting_id)
    for name, value in changes.items():
        if not hasattr(meeting, name):
            raise AttributeError(name)
        setattr(meeting, name, value)
    session.add(meeting)
    session.flush()


def members(session: Session, *, group_id: int, meeting_id: int) -> list[AttendanceRow]:
    """Active members of a group with their attendance at one session."""
    rows = session.exec(
        select(Teacher.id, Teacher.name, Teacher.account, Attendance.status, Attendance.reason)
        .join(Membership, col(Membership.teacher_id) == col(Teacher.id))
        .join(Attendance, (col(Attendance.teacher_id) == col(Teacher.id))
              & (col(Attendance.meeting_id) == meeting_id), isouter=True)
        .where(Membership.group_id == group_id, col(Teacher.active))
        .order_by(col(Teacher.id))
    ).all()
    return [AttendanceRow(t, n, a, s, r or "") for t, n, a, s, r in rows if t is not None]


def set_attendance(
    session: Session, *, meeting_id: int, teacher_id: int, status: str, now: datetime,
    reason: str | None = None, decided_by: int | None = None,
) -> str | None:
    """Set a teacher's attendance; returns the previous status."""
    row = session.get(Attendance, (meeting_id, teacher_id))
    previous = None if row is None else row.status
    if row is None:
        row = Attendance(meeting_id=meeting_id, teacher_id=teacher_id, status=status,
                         updated_at=now)
    row.status, row.updated_at = status, now
    if reason is not None:
        row.reason = reason
    if decided_by is not None:
        row.decided_by = decided_by
    session.add(row)
    return previous


def decide_leave(session: Session, *, meeting_id: int, teacher_id: int, status: str,
                 decided_by: int, now: datetime) -> bool:
    """Decide a pending leave request, once: True if this call decided it.

    One conditional UPDATE: of two admins deciding at once (two processes), the second
    waits for the first's row lock and then finds the request no longer pending.
    """
    result = session.exec(
        update(Attendance)
        .where(col(Attendance.meeting_id) == meeting_id,
               col(Attendance.teacher_id) == teacher_id,
               col(Attendance.status) == LEAVE_PENDING)
        .values(status=status, decided_by=decided_by, updated_at=now)
    )
    return (result.rowcount or 0) == 1


def correct_attendance(session: Session, *, meeting_id: int, teacher_id: int, status: str,
                       expected: str | None, decided_by: int, now: datetime) -> bool:
    """Set attendance as an admin or leader saw it: only if it is still ``expected`` (None:
    no answer yet). False when someone else changed it first (two presses at once)."""
    if expected is None:
        connection = rows_connection(session)
        inserted = connection.execute(
            INSERTS[connection.dialect.name](Attendance)
            .values(meeting_id=meeting_id, teacher_id=teacher_id, status=status, reason="",
                    updated_at=now, decided_by=decided_by)
            .on_conflict_do_nothing().returning(Attendance.teacher_id))
        return inserted.first() is not None
    result = session.exec(
        update(Attendance)
        .where(col(Attendance.meeting_id) == meeting_id,
               col(Attendance.teacher_id) == teacher_id, col(Attendance.status) == expected)
        .values(status=status, decided_by=decided_by, updated_at=now)
    )
    return (result.rowcount or 0) == 1


def decided_by(session: Session, *, meeting_id: int, teacher_id: int) -> str | None:
    """The name of whoever decided this attendance last (an admin), if anyone."""
    row = session.get(Attendance, (meeting_id, teacher_id))
    if row is None or row.decided_by is None:
        return None
    admin = session.get(Teacher, row.decided_by)
    return None if admin is None else admin.name


def get_attendance(session: Session, *, meeting_id: int, teacher_id: int) -> AttendanceRow | None:
    """One teacher's attendance at one session, if they answered."""
    row = session.get(Attendance, (meeting_id, teacher_id))
    teacher = session.get(Teacher, teacher_id)
    if row is None or teacher is None:
        return None
    return AttendanceRow(teacher_id, teacher.name, teacher.account, row.status, row.reason)


def paused_on(session: Session, *, teacher_ids: Sequence[int], day: date) -> set[int]:
    """Which of these teachers are away on ``day`` (a pause refused or withdrawn does not
    count: reminders go on)."""
    rows = session.exec(select(Pause.teacher_id).where(
        col(Pause.teacher_id).in_(teacher_ids), col(Pause.start) <= day, col(Pause.end) >= day,
        col(Pause.status).in_(PAUSE_SILENCING)))
    return set(rows)


def leader_accounts(session: Session, *, group_id: int) -> list[str]:
    """Bound accounts of a group's active 教研组长."""
    rows = session.exec(
        select(Teacher.account)
        .join(Membership, col(Membership.teacher_id) == col(Teacher.id))
        .where(Membership.group_id == group_id, col(Membership.is_leader), col(Teacher.active),
               col(Teacher.account).is_not(None))
    ).all()
    return [account for account in rows if account is not None]


@dataclass(frozen=True)
class GroupSessions:
    """The sessions of some teachers' groups that take place in a semester, and who counts
    as having attended which (present or on approved leave: ``counted`` statuses)."""

    starts: dict[int, datetime]
    of_teacher: dict[int, list[int]]
    counted: frozenset[tuple[int, int]]


def group_sessions(session: Session, *, teacher_ids: Sequence[int], semester_id: int,
                   counted: Sequence[str]) -> GroupSessions:
    """Sessions per teacher for the 出勤 quota: three narrow queries, no row per member and
    session (a district digest would read some 60 000 of those)."""
    connection = rows_connection(session)
    links = connection.execute(
        select(Membership.teacher_id, Membership.group_id)
        .where(col(Membership.teacher_id).in_(teacher_ids))).all()
    group_ids = sorted({group_id for _, group_id in links})
    held = connection.execute(
        select(Meeting.id, Meeting.group_id, Meeting.starts_at)
        .where(col(Meeting.group_id).in_(group_ids), Meeting.semester_id == semester_id,
               col(Meeting.status).in_((PLANNED, ANNOUNCED)),
               col(Meeting.starts_at).is_not(None))).all()
    by_group: dict[int, list[int]] = {}
    starts: dict[int, datetime] = {}
    for meeting_id, group_id, starts_at in held:
        by_group.setdefault(group_id, []).append(meeting_id)
        starts[meeting_id] = starts_at
    of_teacher: dict[int, list[int]] = {}
    for teacher_id, group_id in links:
        of_teacher.setdefault(teacher_id, []).extend(by_group.get(group_id, ()))
    attended = connection.execute(
        select(Attendance.meeting_id, Attendance.teacher_id)
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .where(col(Meeting.group_id).in_(group_ids), Meeting.semester_id == semester_id,
               col(Attendance.teacher_id).in_(teacher_ids),
               col(Attendance.status).in_(counted))).all()
    # Another school's sessions these groups take part in (联片教研), within the semester's
    # dates (the session belongs to the organising school's semester).
    semester = session.get(Semester, semester_id)
    joined = [] if semester is None else connection.execute(
        select(MeetingGuest.group_id, Meeting.id, Meeting.starts_at)
        .join(Meeting, col(Meeting.id) == col(MeetingGuest.meeting_id))
        .where(col(MeetingGuest.group_id).in_(group_ids),
               col(Meeting.status).in_((PLANNED, ANNOUNCED)),
               col(Meeting.starts_at).is_not(None), col(Meeting.planned_on) >= semester.start,
               col(Meeting.planned_on) <= semester.end)).all()
    if joined:
        guests: dict[int, list[int]] = {}
        for group_id, meeting_id, starts_at in joined:
            guests.setdefault(group_id, []).append(meeting_id)
            starts[meeting_id] = starts_at
        for teacher_id, group_id in links:
            of_teacher.setdefault(teacher_id, []).extend(guests.get(group_id, ()))
        attended = [*attended, *connection.execute(
            select(Attendance.meeting_id, Attendance.teacher_id)
            .where(col(Attendance.meeting_id).in_({m for _, m, _ in joined}),
                   col(Attendance.teacher_id).in_(teacher_ids),
                   col(Attendance.status).in_(counted))).all()]
    return GroupSessions(starts, of_teacher, frozenset((m, t) for m, t in attended))


def minutes_records(session: Session, *, meeting_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """The 活动记录 handed in for these sessions: meeting id → (record id, writer's id)."""
    if not meeting_ids:
        return {}
    rows = session.exec(
        select(Record.link_id, Record.id, Record.teacher_id)
        .where(Record.kind == "minutes", Record.link_kind == "meeting",
               col(Record.link_id).in_(meeting_ids), col(Record.deleted_at).is_(None))
        .order_by(col(Record.id))).all()
    return {link: (record, teacher) for link, record, teacher in rows
            if link is not None and record is not None}


# -- sessions across schools (联片教研, 学区培训): other schools' groups taking part -------


@dataclass(frozen=True)
class GuestGroup:
    """A 教研组 of another school that takes part in a session."""

    group_id: int
    group: str
    school_id: int
    school: str


def district_schools(session: Session, *, parent_id: int) -> dict[str, int]:
    """The 村小 a 中心校 oversees: name → id."""
    rows = session.exec(select(School.name, School.id).where(School.parent_id == parent_id)
                        .order_by(col(School.id))).all()
    return {name: school_id for name, school_id in rows if school_id is not None}


def add_guests(session: Session, *, meeting_id: int, group_ids: Sequence[int],
               added_by: int | None, now: datetime) -> list[int]:
    """Let these groups take part in a session; returns those not yet taking part."""
    known = set(session.exec(select(MeetingGuest.group_id).where(
        MeetingGuest.meeting_id == meeting_id)).all())
    added = [group_id for group_id in dict.fromkeys(group_ids) if group_id not in known]
    for group_id in added:
        session.add(MeetingGuest(meeting_id=meeting_id, group_id=group_id, added_by=added_by,
                                 added_at=now))
    session.flush()
    return added


def guests(session: Session, *, meeting_id: int) -> list[GuestGroup]:
    """The other schools' groups taking part in a session, school by school."""
    rows = session.exec(
        select(StudyGroup.id, StudyGroup.name, School.id, School.name)
        .join(MeetingGuest, col(MeetingGuest.group_id) == col(StudyGroup.id))
        .join(School, col(School.id) == col(StudyGroup.school_id))
        .where(MeetingGuest.meeting_id == meeting_id)
        .order_by(col(School.id), col(StudyGroup.id))).all()
    return [GuestGroup(g, n, s, sn) for g, n, s, sn in rows if g is not None and s is not None]


def joined_meetings(session: Session, *, group_ids: Sequence[int], start: date,
                    end: date) -> list[MeetingRow]:
    """Other schools' sessions these groups take part in, planned in [start, end]."""
    rows = session.exec(
        _select().join(MeetingGuest, col(MeetingGuest.meeting_id) == col(Meeting.id))
        .where(col(MeetingGuest.group_id).in_(group_ids), col(Meeting.planned_on) >= start,
               col(Meeting.planned_on) <= end)
        .order_by(col(Meeting.planned_on), col(Meeting.id))).all()
    return list(dict.fromkeys(_row(*found) for found in rows))


def school_of_group(session: Session, *, group_id: int) -> str:
    """The name of the school a group belongs to."""
    name = session.exec(select(School.name).join(
        StudyGroup, col(StudyGroup.school_id) == col(School.id))
        .where(StudyGroup.id == group_id)).first()
    return name or ""
