"""Records handed in through forms, and the sums that quotas are measured with."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, or_
from sqlmodel import Session, col, func, select

from storage.repos._core import rows_connection
from storage.tables import AuditEntry, OpenLesson, Record, Semester


@dataclass(frozen=True)
class RecordRow:
    """A record as people see it."""

    id: int
    teacher_id: int
    semester_id: int
    kind: str
    title: str
    answers: dict[str, Any]
    chars: int
    occurred_on: date
    created_at: datetime
    updated_at: datetime
    deleted: bool
    review_status: str | None = None
    review_comment: str = ""


@dataclass(frozen=True)
class TotalsRow:
    """One teacher's records of one kind in one month."""

    teacher_id: int
    kind: str
    year: int
    month: int
    pieces: int
    counted: int
    chars: int
    counted_chars: int


def _row(record: Record) -> RecordRow:
    assert record.id is not None
    return RecordRow(record.id, record.teacher_id, record.semester_id, record.kind, record.title,
                     dict(record.answers), record.chars, record.occurred_on, record.created_at,
                     record.updated_at, record.deleted_at is not None, record.review_status,
                     record.review_comment or "")


def add_record(
    session: Session, *, teacher_id: int, semester_id: int, kind: str, title: str,
    answers: Mapping[str, Any], chars: int, occurred_on: date, now: datetime,
    link: tuple[str, int] | None = None,
) -> int:
    """Store a new record and return its id."""
    record = Record(teacher_id=teacher_id, semester_id=semester_id, kind=kind, title=title,
                    answers=dict(answers), chars=chars, occurred_on=occurred_on, created_at=now,
                    updated_at=now, link_kind=link[0] if link else None,
                    link_id=link[1] if link else None)
    session.add(record)
    session.flush()
    assert record.id is not None
    return record.id


def get_record(session: Session, *, record_id: int) -> RecordRow | None:
    """The record with ``record_id`` (deleted ones included)."""
    record = session.get(Record, record_id)
    return None if record is None else _row(record)


def update_record(
    session: Session, *, record_id: int, title: str, answers: Mapping[str, Any], chars: int,
    occurred_on: date, now: datetime,
) -> None:
    """Replace a record's answers after an edit."""
    record = session.get(Record, record_id)
    if record is None:
        raise LookupError(record_id)
    record.title, record.answers, record.chars = title, dict(answers), chars
    record.occurred_on, record.updated_at = occurred_on, now
    if record.review_status == "returned":
        # Handed in again after 退回修改: it counts again and waits for the next 检查.
        record.review_status = None
    session.add(record)


def delete_record(
    session: Session, *, record_id: int, school_id: int, actor_id: int, now: datetime
) -> None:
    """Mark a record deleted: it stops counting but stays for 教导处, with an audit entry."""
    record = session.get(Record, record_id)
    if record is None or record.deleted_at is not None:
        return
    record.deleted_at = now
    session.add(record)
    session.add(AuditEntry(school_id=school_id, actor_id=actor_id, action="delete_record",
                           at=now, detail=f"{record.kind} #{record_id} {record.title}"))


def list_records(
    session: Session, *, teacher_id: int, semester_id: int, offset: int, limit: int
) -> tuple[list[RecordRow], int]:
    """A page of a teacher's live records this semester, newest first, and their total."""
    live = (Record.teacher_id == teacher_id, Record.semester_id == semester_id,
            col(Record.deleted_at).is_(None))
    total = session.exec(select(func.count()).select_from(Record).where(*live)).one()
    rows = session.exec(
        select(Record).where(*live)
        .order_by(col(Record.occurred_on).desc(), col(Record.id).desc())
        .offset(offset).limit(limit)
    ).all()
    return [_row(record) for record in rows], total


def semester_closed(session: Session, *, semester_id: int) -> bool:
    """Whether an admin has closed the semester (its records are then read-only)."""
    semester = session.get(Semester, semester_id)
    return semester is not None and semester.closed_at is not None


def monthly_totals(
    session: Session, *, teacher_ids: Sequence[int], semester_id: int,
    min_chars: Mapping[str, int], kinds: Collection[str] | None = None,
    count_unreviewed: bool = True,
) -> list[TotalsRow]:
    """Per teacher, kind (of ``kinds``, or all) and month: pieces, pieces long enough to
    count, and 字数.

    ``min_chars`` gives the minimum 字数 a piece of a kind needs to count. A record returned
    for 修改 (退回修改) never counts; one not yet checked counts if ``count_unreviewed``. Read
    from the
    covering index ix_record_totals; run as a Core statement (a district's digest reads
    some 80 000 of these rows, and ORM row loading would double its time).
    """
    month = _month_key(session)
    statement = (
        select(Record.teacher_id, Record.kind, month, *_sums(min_chars))
        .where(col(Record.teacher_id).in_(teacher_ids), Record.semester_id == semester_id,
               col(Record.deleted_at).is_(None))
        .group_by(Record.teacher_id, Record.kind, month)
    )
    if kinds is not None:
        statement = statement.where(col(Record.kind).in_(list(kinds)))
    statement = statement.where(_counted(count_unreviewed))
    return [TotalsRow(t, k, int(ym[:4]), int(ym[5:7]), n, c or 0, s or 0, cs or 0)
            for t, k, ym, n, c, s, cs in rows_connection(session).execute(statement).all()]


def period_totals(
    session: Session, *, teacher_ids: Sequence[int], semester_id: int,
    min_chars: Mapping[str, int], spans: Mapping[str, tuple[date, date]],
    count_unreviewed: bool = True,
) -> list[TotalsRow]:
    """Per teacher and kind (of ``spans``), the totals of the kind's one period only.

    ``spans`` maps a kind to the first and last day of its current period. Each row is
    labelled with the period's first month, so that it falls inside that period wherever
    months are compared. One row per teacher and kind instead of one per month: what a
    digest needs (``monthly_totals`` for /me's past months).
    """
    if not spans:
        return []
    statement = (
        select(Record.teacher_id, Record.kind, *_sums(min_chars))
        .where(col(Record.teacher_id).in_(teacher_ids), Record.semester_id == semester_id,
               col(Record.deleted_at).is_(None),
               or_(*[and_(Record.kind == kind, col(Record.occurred_on).between(first, last))
                     for kind, (first, last) in spans.items()]),
               _counted(count_unreviewed))
        .group_by(Record.teacher_id, Record.kind)
    )
    return [TotalsRow(t, k, spans[k][0].year, spans[k][0].month, n, c or 0, s or 0, cs or 0)
            for t, k, n, c, s, cs in rows_connection(session).execute(statement).all()]


def _counted(count_unreviewed: bool) -> Any:
    """Which records count: never one returned for 修改 (退回修改); one not yet checked only
    if ``count_unreviewed``."""
    reviewed = col(Record.review_status).in_(("pass", "excellent"))
    return reviewed if not count_unreviewed else or_(col(Record.review_status).is_(None),
                                                      reviewed)


def _sums(min_chars: Mapping[str, int]) -> tuple[Any, ...]:
    """Pieces, pieces long enough to count, 字数, and 字数 of those long enough."""
    threshold = case(
        *[(Record.kind == kind, minimum) for kind, minimum in min_chars.items()], else_=0
    ) if min_chars else 0
    long_enough = col(Record.chars) >= threshold
    return (func.count(), func.sum(case((long_enough, 1), else_=0)), func.sum(Record.chars),
            func.sum(case((long_enough, Record.chars), else_=0)))


def _month_key(session: Session) -> Any:
    """``'YYYY-MM'`` of a record's date: SQLite keeps dates as ISO text, so a prefix does
    (strftime per row costs half the query); PostgreSQL formats its date type."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(Record.occurred_on, 1, 7)
    return func.to_char(Record.occurred_on, "YYYY-MM")


def open_lesson_times(
    session: Session, *, teacher_ids: Sequence[int], semester_id: int
) -> dict[int, list[datetime]]:
    """When each teacher gives or gave an open lesson this semester (not cancelled)."""
    rows = session.exec(
        select(OpenLesson.teacher_id, OpenLesson.starts_at)
        .where(col(OpenLesson.teacher_id).in_(teacher_ids),
               OpenLesson.semester_id == semester_id, OpenLesson.status != "cancelled")
    ).all()
    given: dict[int, list[datetime]] = {}
    for teacher_id, starts_at in rows:
        given.setdefault(teacher_id, []).append(starts_at)
    return given


def handed_in_between(session: Session, *, teacher_ids: Sequence[int], start: datetime,
                      end: datetime) -> set[int]:
    """Who of ``teacher_ids`` handed in a record (still kept) in [start, end)."""
    return set(session.exec(
        select(Record.teacher_id).where(
            col(Record.teacher_id).in_(teacher_ids), col(Record.deleted_at).is_(None),
            col(Record.created_at) >= start, col(Record.created_at) < end).distinct()).all())
