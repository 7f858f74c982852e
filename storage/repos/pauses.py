"""Pauses (/pause): a teacher away for some days. Reminders stop at once; the sessions the
pause covers get leave rows (``attendance.pause_id``) that 教导处 approves or refuses in one
decision, and the teacher can withdraw the pause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.repos.meetings import (
    ANNOUNCED,
    GOING,
    LEAVE,
    LEAVE_PENDING,
    LEAVE_REFUSED,
    PAUSE_SILENCING,
    PLANNED,
)
from storage.tables import Attendance, Meeting, Membership, Pause, StudyGroup, Teacher

QUIET, PENDING, APPROVED, REFUSED, CANCELLED = (
    "quiet", "pending", "approved", "refused", "cancelled")
# Pauses that keep reminders quiet: all but a refused or withdrawn one.
SILENCING = PAUSE_SILENCING


@dataclass(frozen=True)
class PauseRow:
    """A pause as the handlers see it."""

    id: int
    teacher_id: int
    start: date
    end: date
    reason: str
    status: str
    decided_by: str | None


@dataclass(frozen=True)
class CoveredSession:
    """A session of the teacher's groups inside a pause, and the teacher's answer to it."""

    meeting_id: int
    group_id: int
    group: str
    starts_at: datetime
    status: str | None
    decided: bool
    pause_id: int | None


def _row(pause: Pause, decider: str | None) -> PauseRow:
    assert pause.id is not None
    return PauseRow(pause.id, pause.teacher_id, pause.start, pause.end, pause.reason,
                    pause.status, decider)


def add_pause(session: Session, *, teacher_id: int, start: date, end: date, reason: str,
              status: str, now: datetime) -> int:
    """Store a pause and return its id."""
    pause = Pause(teacher_id=teacher_id, start=start, end=end, reason=reason, status=status,
                  created_at=now)
    session.add(pause)
    session.flush()
    assert pause.id is not None
    return pause.id


def get_pause(session: Session, *, pause_id: int) -> PauseRow | None:
    """The pause with ``pause_id``, with the name of whoever decided it (read again from
    the database: after a lost race the decision is another process's)."""
    pause = session.exec(select(Pause).where(Pause.id == pause_id)
                         .execution_options(populate_existing=True)).first()
    if pause is None:
        return None
    decider = session.get(Teacher, pause.decided_by) if pause.decided_by else None
    return _row(pause, None if decider is None else decider.name)


def current_pauses(session: Session, *, teacher_id: int, today: date) -> list[PauseRow]:
    """A teacher's pauses that have not ended and still apply, in date order."""
    rows = session.exec(select(Pause).where(
        Pause.teacher_id == teacher_id, col(Pause.end) >= today,
        col(Pause.status).in_(SILENCING)).order_by(col(Pause.start), col(Pause.id))).all()
    return [_row(pause, None) for pause in rows]


def covered(session: Session, *, teacher_id: int, start: datetime,
            end: datetime) -> list[CoveredSession]:
    """The sessions of the teacher's groups that take place in [start, end), with the
    teacher's answer to each."""
    rows = session.exec(
        select(Meeting.id, Meeting.group_id, StudyGroup.name, Meeting.starts_at,
               Attendance.status, Attendance.decided_by, Attendance.pause_id)
        .join(StudyGroup, col(StudyGroup.id) == col(Meeting.group_id))
        .join(Membership, (col(Membership.group_id) == col(Meeting.group_id))
              & (col(Membership.teacher_id) == teacher_id))
        .join(Attendance, (col(Attendance.meeting_id) == col(Meeting.id))
              & (col(Attendance.teacher_id) == teacher_id), isouter=True)
        .where(col(Meeting.status).in_((PLANNED, ANNOUNCED)),
               col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end)
        .order_by(col(Meeting.starts_at), col(Meeting.id))).all()
    return [CoveredSession(m, g, name, starts, status, decided is not None, pause)
            for m, g, name, starts, status, decided, pause in rows if starts is not None]


# What a pause may turn into a leave request: no answer, 参加, or leave refused before;
# never a mark someone decided (an admin's or leader's), nor leave already asked for.
ASKABLE = (None, GOING, LEAVE_REFUSED)


def ask_leave(session: Session, *, pause_id: int, teacher_id: int, meeting_ids: Sequence[int],
              reason: str, status: str, now: datetime) -> None:
    """Put the pause's leave request (``status``: pending, or approved) on these sessions."""
    for meeting_id in meeting_ids:
        row = session.get(Attendance, (meeting_id, teacher_id))
        if row is None:
            row = Attendance(meeting_id=meeting_id, teacher_id=teacher_id, status=status,
                             updated_at=now)
        row.status, row.reason, row.updated_at, row.pause_id = status, reason, now, pause_id
        row.decided_by = None
        session.add(row)
    session.flush()


def decide_pause(session: Session, *, pause_id: int, approve: bool, decided_by: int,
                 now: datetime) -> bool:
    """Approve or refuse a pending pause, once: True if this call decided it.

    One conditional UPDATE on the pause (of two admins at once, the second finds it no
    longer pending); then its sessions' leave rows that still wait follow the decision."""
    decided = session.exec(
        update(Pause).where(col(Pause.id) == pause_id, col(Pause.status) == PENDING)
        .values(status=APPROVED if approve else REFUSED, decided_by=decided_by,
                decided_at=now))
    if (decided.rowcount or 0) != 1:
        return False
    session.exec(
        update(Attendance).where(col(Attendance.pause_id) == pause_id,
                                 col(Attendance.status) == LEAVE_PENDING)
        .values(status=LEAVE if approve else LEAVE_REFUSED, decided_by=decided_by,
                updated_at=now))
    return True


def cancel_pause(session: Session, *, pause_id: int, teacher_id: int, now: datetime) -> bool:
    """Withdraw a teacher's pause, once: True if this call withdrew it. The leave it asked
    for is withdrawn from sessions that have not started; those already held keep theirs."""
    cancelled = session.exec(
        update(Pause).where(col(Pause.id) == pause_id, col(Pause.teacher_id) == teacher_id,
                            col(Pause.status).in_(SILENCING))
        .values(status=CANCELLED, decided_at=now))
    if (cancelled.rowcount or 0) != 1:
        return False
    coming = select(Meeting.id).where(col(Meeting.starts_at) > now)
    session.exec(
        delete(Attendance).where(col(Attendance.pause_id) == pause_id,
                                 col(Attendance.teacher_id) == teacher_id,
                                 col(Attendance.status).in_((LEAVE_PENDING, LEAVE)),
                                 col(Attendance.meeting_id).in_(coming)))
    return True


@dataclass(frozen=True)
class AskedSession:
    """A session a pause asked leave for, and where that leave stands."""

    meeting_id: int
    group_id: int
    group: str
    starts_at: datetime
    status: str


def sessions_of(session: Session, *, pause_id: int) -> list[AskedSession]:
    """The sessions a pause asked leave for, in time order."""
    rows = session.exec(
        select(Meeting.id, Meeting.group_id, StudyGroup.name, Meeting.starts_at,
               Attendance.status)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .join(StudyGroup, col(StudyGroup.id) == col(Meeting.group_id))
        .where(Attendance.pause_id == pause_id)
        .order_by(col(Meeting.starts_at))).all()
    return [AskedSession(m, g, name, s, st) for m, g, name, s, st in rows if s is not None]
