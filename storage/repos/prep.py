"""集体备课: a session's 主备人 and lesson, and its records (教案, 修改意见, 二次备课)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.tables import LessonPrep, Record, Teacher

LINK = "prep"  # records of a 集体备课 are linked to it as ("prep", meeting id)


@dataclass(frozen=True)
class PrepRow:
    """A session's 集体备课 as the handlers see it."""

    meeting_id: int
    lead_id: int
    lead: str
    lead_account: str | None
    unit: str
    title: str
    updated_at: datetime


@dataclass(frozen=True)
class PrepRecord:
    """A 教案, 修改意见 or 二次备课 with its author."""

    id: int
    meeting_id: int
    teacher_id: int
    teacher: str
    kind: str
    answers: dict[str, Any]
    created_at: datetime


def set_prep(session: Session, *, meeting_id: int, lead_id: int, unit: str, title: str,
             set_by: int | None, now: datetime) -> None:
    """Set (or change) the 主备人 and lesson of a session."""
    row = session.get(LessonPrep, meeting_id)
    if row is None:
        row = LessonPrep(meeting_id=meeting_id, lead_id=lead_id, updated_at=now)
    row.lead_id, row.unit, row.title, row.set_by, row.updated_at = (
        lead_id, unit, title, set_by, now)
    session.add(row)
    session.flush()


def preps_of(session: Session, *, meeting_ids: Sequence[int]) -> dict[int, PrepRow]:
    """The 集体备课 of these sessions (those that have one), by meeting id."""
    rows = session.exec(
        select(LessonPrep, Teacher.name, Teacher.account)
        .join(Teacher, col(Teacher.id) == col(LessonPrep.lead_id))
        .where(col(LessonPrep.meeting_id).in_(meeting_ids))
    ).all()
    return {prep.meeting_id: PrepRow(prep.meeting_id, prep.lead_id, name, account, prep.unit,
                                     prep.title, prep.updated_at)
            for prep, name, account in rows}


def get_prep(session: Session, *, meeting_id: int) -> PrepRow | None:
    """The 集体备课 of one session, if it has one."""
    return preps_of(session, meeting_ids=[meeting_id]).get(meeting_id)


def records_of(session: Session, *, meeting_ids: Sequence[int]) -> list[PrepRecord]:
    """The live records linked to these sessions' 集体备课, oldest first."""
    rows = session.exec(
        select(Record, Teacher.name)
        .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
        .where(Record.link_kind == LINK, col(Record.link_id).in_(meeting_ids),
               col(Record.deleted_at).is_(None))
        .order_by(col(Record.created_at), col(Record.id))
    ).all()
    return [PrepRecord(record.id, record.link_id, record.teacher_id, name, record.kind,
                       dict(record.answers), record.created_at)
            for record, name in rows if record.id is not None and record.link_id is not None]
