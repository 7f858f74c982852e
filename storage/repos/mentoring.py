"""师徒结对: pairs of a 师傅 (mentor) and a 徒弟 (mentee), the 听课 between them, and the
师傅's comments on the 徒弟's records.

Small read functions (``pairs``, ``pair_figures``) are what other features count with
(考核 reads the pairs' figures from here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from storage.tables import (
    AuditEntry,
    MentorComment,
    MentorPair,
    OpenLesson,
    Record,
    School,
    Semester,
    Teacher,
)

OBSERVATION = "observation"
COUNTED_MARKS = ("pass", "excellent")


@dataclass(frozen=True)
class PairRow:
    """A pair with both people's names, accounts and schools; ``school_id`` is the school
    the pair belongs to (the 徒弟's); in a district the 师傅 may be of another school."""

    id: int
    school_id: int
    mentor_id: int
    mentor: str
    mentor_account: str | None
    mentee_id: int
    mentee: str
    mentee_account: str | None
    started_on: date
    ended_on: date | None
    mentor_school_id: int
    mentor_school: str
    mentee_school: str

    def active_on(self, day: date) -> bool:
        """Whether the pair holds on ``day``."""
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)

    def partner_of(self, teacher_id: int) -> int:
        """The other one of the pair."""
        return self.mentee_id if teacher_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True)
class Observed:
    """A 听课记录 one of a pair wrote on a lesson of the other."""

    record_id: int
    observer_id: int
    observed_id: int
    occurred_on: date
    title: str
    suggestion: str


@dataclass(frozen=True)
class PairFigures:
    """What a pair did in a span: 听课 each way, the 师傅's comments, the 徒弟's 公开课."""

    pair: PairRow
    mentee_observed: tuple[Observed, ...]  # the 徒弟 observing the 师傅
    mentor_observed: tuple[Observed, ...]  # the 师傅 observing the 徒弟
    comments: int
    mentee_lessons: int


@dataclass(frozen=True)
class CommentRow:
    """A 师傅's comment on a record."""

    id: int
    record_id: int
    mentor_id: int
    mentor: str
    text: str
    at: datetime


_MENTOR, _MENTEE = aliased(Teacher), aliased(Teacher)
_MENTOR_SCHOOL, _MENTEE_SCHOOL = aliased(School), aliased(School)


def _pairs_query():  # type: ignore[no-untyped-def]
    return (select(MentorPair, _MENTOR.name, _MENTOR.account, _MENTEE.name, _MENTEE.account,
                   _MENTOR.school_id, _MENTOR_SCHOOL.name, _MENTEE_SCHOOL.name)
            .join(_MENTOR, col(_MENTOR.id) == col(MentorPair.mentor_id))
            .join(_MENTEE, col(_MENTEE.id) == col(MentorPair.mentee_id))
            .join(_MENTOR_SCHOOL, col(_MENTOR_SCHOOL.id) == col(_MENTOR.school_id))
            .join(_MENTEE_SCHOOL, col(_MENTEE_SCHOOL.id) == col(_MENTEE.school_id))
            .order_by(col(MentorPair.started_on), col(MentorPair.id)))


def _row(pair: MentorPair, mentor: str, mentor_account: str | None, mentee: str,
         mentee_account: str | None, mentor_school_id: int, mentor_school: str,
         mentee_school: str) -> PairRow:
    assert pair.id is not None
    return PairRow(pair.id, pair.school_id, pair.mentor_id, mentor, mentor_account,
                   pair.mentee_id, mentee, mentee_account, pair.started_on, pair.ended_on,
                   mentor_school_id, mentor_school, mentee_school)


def pairs(session: Session, *, school_id: int | None, on: date | None = None,
          teacher_ids: Sequence[int] | None = None, between: tuple[date, date] | None = None,
          ) -> list[PairRow]:
    """The school's pairs (those of its 徒弟; ``school_id`` None: of any school, for the
    pairs of ``teacher_ids``, a 师傅's in another school too): holding ``on`` a day (both
    still on the roster), or at some time ``between`` two days, and with one of
    ``teacher_ids`` in them, if given; oldest first. A pair ended the day it would have
    begun never held and is left out."""
    query = _pairs_query().where(or_(col(MentorPair.ended_on).is_(None),
                                     col(MentorPair.ended_on) >= col(MentorPair.started_on)))
    if school_id is not None:
        query = query.where(MentorPair.school_id == school_id)
    if on is not None:
        between = (on, on)
        query = query.where(col(_MENTOR.active), col(_MENTEE.active))
    if between is not None:
        query = query.where(col(MentorPair.started_on) <= between[1],
                            or_(col(MentorPair.ended_on).is_(None),
                                col(MentorPair.ended_on) >= between[0]))
    if teacher_ids is not None:
        query = query.where(or_(col(MentorPair.mentor_id).in_(teacher_ids),
                                col(MentorPair.mentee_id).in_(teacher_ids)))
    return [_row(*found) for found in session.exec(query).all()]


def get_pair(session: Session, *, pair_id: int) -> PairRow | None:
    """The pair with this id."""
    found = session.exec(_pairs_query().where(MentorPair.id == pair_id)).first()
    return None if found is None else _row(*found)


def pair(session: Session, *, school_id: int, mentor_id: int, mentee_id: int,
         started_on: date, now: datetime, actor_id: int | None) -> tuple[int, bool]:
    """Pair a 徒弟 with a 师傅 from ``started_on``: (pair id, whether it is new).

    A 徒弟 has one 师傅 at a time: a pair with another 师傅 still holding ends the day
    before. The same pair holding already keeps its id (its start date is corrected).
    """
    holding = session.exec(select(MentorPair).where(
        MentorPair.school_id == school_id, MentorPair.mentee_id == mentee_id,
        col(MentorPair.ended_on).is_(None))).all()
    for found in holding:
        if found.mentor_id == mentor_id:
            assert found.id is not None
            if found.started_on != started_on:
                found.started_on = started_on
                session.add(found)
            return found.id, False
        found.ended_on = started_on - timedelta(days=1)
        session.add(found)
    made = MentorPair(school_id=school_id, mentor_id=mentor_id, mentee_id=mentee_id,
                      started_on=started_on, created_at=now, created_by=actor_id)
    session.add(made)
    session.add(AuditEntry(school_id=school_id, actor_id=actor_id, action="mentor_pair", at=now,
                           detail=f"#{mentor_id} → #{mentee_id} {started_on}"))
    session.flush()
    assert made.id is not None
    return made.id, True


def end_pair(session: Session, *, pair_id: int, ended_on: date, now: datetime,
             actor_id: int | None) -> bool:
    """End a pair that still holds, ``ended_on`` its last day (audited); False if it had
    ended already."""
    found = session.get(MentorPair, pair_id)
    if found is None or found.ended_on is not None:
        return False
    found.ended_on = ended_on
    session.add(found)
    session.add(AuditEntry(school_id=found.school_id, actor_id=actor_id, action="mentor_end",
                           at=now, detail=f"#{found.mentor_id} → #{found.mentee_id} {ended_on}"))
    return True


def _same_term(semester_id: int):  # type: ignore[no-untyped-def]
    """The semesters named as ``semester_id`` is, of every school: a pair's two people may
    be of two schools of a district, each school with its own row of the semester (the
    pair's teachers are what narrows a query down to them)."""
    name = select(Semester.name).where(Semester.id == semester_id).scalar_subquery()
    return select(Semester.id).where(Semester.name == name)


def observed_between(session: Session, *, found: Sequence[PairRow], semester_id: int,
                     start: date, end: date, count_unreviewed: bool = True,
                     ) -> dict[int, list[Observed]]:
    """Per pair id, the live 听课记录 (of the semester, dated in [start, end] and while the
    pair held) one of the pair wrote on a lesson of the other: the observed teacher is
    the one named in the form, or the teacher of the 公开课 it is linked to. A record
    returned by 检查 never counts; one not yet checked only if ``count_unreviewed``."""
    ids = sorted({p.mentor_id for p in found} | {p.mentee_id for p in found})
    if not ids:
        return {}
    rows = session.exec(
        select(Record.id, Record.teacher_id, Record.answers, Record.occurred_on,
               Record.title, Record.review_status, OpenLesson.teacher_id)
        .outerjoin(OpenLesson, (col(OpenLesson.id) == col(Record.link_id))
                   & (col(Record.link_kind) == "lesson"))
        .where(col(Record.teacher_id).in_(ids), Record.kind == OBSERVATION,
               col(Record.semester_id).in_(_same_term(semester_id)),
               col(Record.deleted_at).is_(None), col(Record.occurred_on) >= start,
               col(Record.occurred_on) <= end)
        .order_by(col(Record.occurred_on), col(Record.id))).all()
    result: dict[int, list[Observed]] = {p.id: [] for p in found}
    for record_id, observer, answers, day, title, status, lesson_teacher in rows:
        if status == "returned" or (status is None and not count_unreviewed):
            continue
        named = answers.get("teacher_id") if isinstance(answers, dict) else None
        observed = lesson_teacher if lesson_teacher is not None else named
        if not isinstance(observed, int):
            continue
        for p in found:
            if {observer, observed} == {p.mentor_id, p.mentee_id} and p.active_on(day):
                assert record_id is not None
                result[p.id].append(Observed(record_id, observer, observed, day, title,
                                             str(answers.get("suggestion") or "")))
    return result


def pair_figures(session: Session, *, found: Sequence[PairRow], semester_id: int, start: date,
                 end: date, count_unreviewed: bool = True) -> list[PairFigures]:
    """Each pair's figures in [start, end] of the semester (what /me, the archive and 考核
    show): 听课 each way, the 师傅's comments on the 徒弟's records, the 徒弟's 公开课."""
    observed = observed_between(session, found=found, semester_id=semester_id, start=start,
                                end=end, count_unreviewed=count_unreviewed)
    figures = []
    for p in found:
        seen = observed.get(p.id, [])
        comments = session.exec(
            select(func.count()).select_from(MentorComment)
            .join(Record, col(Record.id) == col(MentorComment.record_id))
            .where(MentorComment.mentor_id == p.mentor_id,
                   Record.teacher_id == p.mentee_id,
                   col(Record.semester_id).in_(_same_term(semester_id)),
                   col(Record.deleted_at).is_(None))).one()
        lessons = session.exec(
            select(func.count()).select_from(OpenLesson)
            .where(OpenLesson.teacher_id == p.mentee_id,
                   col(OpenLesson.semester_id).in_(_same_term(semester_id)),
                   OpenLesson.status != "cancelled")).one()
        figures.append(PairFigures(
            p, tuple(o for o in seen if o.observer_id == p.mentee_id),
            tuple(o for o in seen if o.observer_id == p.mentor_id), comments, lessons))
    return figures


def add_comment(session: Session, *, record_id: int, mentor_id: int, text: str,
                now: datetime) -> int:
    """Keep a 师傅's comment on a record."""
    comment = MentorComment(record_id=record_id, mentor_id=mentor_id, text=text[:500], at=now)
    session.add(comment)
    session.flush()
    assert comment.id is not None
    return comment.id


def comments_on(session: Session, *, record_ids: Sequence[int]) -> list[CommentRow]:
    """The comments on these records, oldest first."""
    if not record_ids:
        return []
    rows = session.exec(
        select(MentorComment, Teacher.name)
        .join(Teacher, col(Teacher.id) == col(MentorComment.mentor_id))
        .where(col(MentorComment.record_id).in_(record_ids))
        .order_by(col(MentorComment.at), col(MentorComment.id))).all()
    return [CommentRow(c.id, c.record_id, c.mentor_id, name, c.text, c.at)
            for c, name in rows if c.id is not None]


def recent_records(session: Session, *, teacher_id: int, semester_id: int, kind: str,
                   limit: int) -> list[tuple[int, str, date]]:
    """(id, title, date) of a teacher's newest live records of ``kind`` this semester."""
    rows = session.exec(
        select(Record.id, Record.title, Record.occurred_on)
        .where(Record.teacher_id == teacher_id,
               col(Record.semester_id).in_(_same_term(semester_id)),
               Record.kind == kind, col(Record.deleted_at).is_(None))
        .order_by(col(Record.occurred_on).desc(), col(Record.id).desc()).limit(limit)).all()
    return [(rid, title, day) for rid, title, day in rows if rid is not None]


def partners(session: Session, *, teacher_id: int, on: date) -> list[tuple[int, str, str]]:
    """(id, name, school) of the teacher's 师傅 and 徒弟 on the day, of any school."""
    return [(p.mentor_id, p.mentor, p.mentor_school) if p.mentee_id == teacher_id else
            (p.mentee_id, p.mentee, p.mentee_school)
            for p in pairs(session, school_id=None, on=on, teacher_ids=[teacher_id])]


def is_mentor(session: Session, *, mentor_id: int, mentee_id: int, on: date) -> bool:
    """Whether ``mentor_id`` is ``mentee_id``'s 师傅 on the day (of any school)."""
    return any(p.mentor_id == mentor_id for p in pairs(session, school_id=None, on=on,
                                                       teacher_ids=[mentee_id])
               if p.mentee_id == mentee_id)


def new_lessons_of(session: Session, *, mentee_ids: Sequence[int], since: datetime,
                   after: datetime) -> list[tuple[int, int, datetime, int | None]]:
    """(lesson id, teacher id, start, registered by) of 公开课 of these teachers registered
    since ``since`` that still lie ahead (start after ``after``) and are not cancelled."""
    if not mentee_ids:
        return []
    rows = session.exec(
        select(OpenLesson.id, OpenLesson.teacher_id, OpenLesson.starts_at, OpenLesson.created_by)
        .where(col(OpenLesson.teacher_id).in_(mentee_ids), col(OpenLesson.created_at) >= since,
               col(OpenLesson.starts_at) > after, OpenLesson.status != "cancelled")).all()
    return [(lid, tid, starts, by) for lid, tid, starts, by in rows if lid is not None]


def set_roster_pairs(session: Session, *, school_id: int,
                     wanted: Sequence[tuple[int, int, date | None]], today: date,
                     now: datetime) -> int:
    """Pairs named in the roster's 师傅 column: (mentor id, mentee id, start or None for
    ``today``); how many are new. A pair that holds already keeps its start unless the
    roster gives one; a 徒弟 whose cell names another 师傅 than before gets the new one."""
    added = 0
    for mentor_id, mentee_id, started_on in wanted:
        if started_on is None:
            holding = session.exec(select(MentorPair.id).where(
                MentorPair.school_id == school_id, MentorPair.mentor_id == mentor_id,
                MentorPair.mentee_id == mentee_id, col(MentorPair.ended_on).is_(None))).first()
            if holding is not None:
                continue
        _, new = pair(session, school_id=school_id, mentor_id=mentor_id, mentee_id=mentee_id,
                      started_on=started_on or today, now=now, actor_id=None)
        added += new
    return added


def comments_to(session: Session, *, mentee_id: int, mentor_id: int, semester_id: int,
                limit: int) -> list[tuple[CommentRow, str, str]]:
    """The newest comments of a 师傅 on a 徒弟's live records of the semester, each with
    the record's kind and title."""
    rows = session.exec(
        select(MentorComment, Teacher.name, Record.kind, Record.title)
        .join(Record, col(Record.id) == col(MentorComment.record_id))
        .join(Teacher, col(Teacher.id) == col(MentorComment.mentor_id))
        .where(MentorComment.mentor_id == mentor_id, Record.teacher_id == mentee_id,
               col(Record.semester_id).in_(_same_term(semester_id)),
               col(Record.deleted_at).is_(None))
        .order_by(col(MentorComment.at).desc(), col(MentorComment.id).desc())
        .limit(limit)).all()
    return [(CommentRow(c.id, c.record_id, c.mentor_id, name, c.text, c.at), kind, title)
            for c, name, kind, title in rows if c.id is not None]
