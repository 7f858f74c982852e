"""课题研究: a teacher's 课题 is a ``research_topic`` record (its 立项表); 阶段小结 and
结题/阶段总结 are records linked to it (``link_kind = "topic"``), and any other record (a
反思, a 听课记录 …) may be linked to it through ``topic_link``.

A 课题 may run over several semesters: it is the teacher's current one until a 结题报告 is
handed in. ``figures`` is the small read other features count with (考核).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.repos import records
from storage.repos.records import RecordRow
from storage.tables import Record, Teacher, TopicLink

TOPIC, STAGE, REPORT = "research_topic", "research_stage", "research_report"
KINDS = (TOPIC, STAGE, REPORT)
LINK = "topic"
CONCLUDED = "结题报告"  # the 类型 of a report that ends its 课题


@dataclass(frozen=True)
class TopicRow:
    """A 课题 with its 立项 answers and, once 结题, the day it ended."""

    id: int
    teacher_id: int
    teacher: str
    semester_id: int
    title: str
    answers: dict[str, Any]
    registered_on: date
    concluded_on: date | None


@dataclass(frozen=True)
class LinkedRow:
    """A record that belongs to a 课题: a 阶段小结, a report, or a linked 反思 …"""

    id: int
    topic_id: int
    kind: str
    title: str
    occurred_on: date
    semester_id: int
    answers: dict[str, Any]
    chars: int


@dataclass(frozen=True)
class TopicFigures:
    """One teacher's 课题 work in a semester, for counts elsewhere (考核)."""

    teacher_id: int
    topics: int  # 课题 of theirs open in the semester (registered in it or before)
    registered: int  # 立项 in the semester
    linked: int  # 反思, 听课记录 … linked to a 课题, dated in the semester
    stages: int  # 阶段小结
    reports: int  # 结题/阶段总结
    concluded: int  # 结题 in the semester


def _concluded(session: Session, topic_ids: Sequence[int]) -> dict[int, date]:
    """The day each of these 课题 was concluded (the earliest live 结题报告)."""
    if not topic_ids:
        return {}
    ended: dict[int, date] = {}
    for topic_id, answers, day in session.exec(
            select(Record.link_id, Record.answers, Record.occurred_on)
            .where(Record.kind == REPORT, Record.link_kind == LINK,
                   col(Record.link_id).in_(topic_ids), col(Record.deleted_at).is_(None))):
        if topic_id is not None and answers.get("stage") == CONCLUDED:
            ended[topic_id] = min(day, ended.get(topic_id, day))
    return ended


def topics(session: Session, *, teacher_ids: Sequence[int],
           until: date | None = None) -> list[TopicRow]:
    """Every live 课题 of these teachers (registered by ``until``), oldest first."""
    if not teacher_ids:
        return []
    query = (select(Record, Teacher.name)
             .join(Teacher, col(Teacher.id) == col(Record.teacher_id))
             .where(col(Record.teacher_id).in_(teacher_ids), Record.kind == TOPIC,
                    col(Record.deleted_at).is_(None))
             .order_by(col(Record.occurred_on), col(Record.id)))
    if until is not None:
        query = query.where(col(Record.occurred_on) <= until)
    rows = session.exec(query).all()
    ended = _concluded(session, [r.id for r, _ in rows if r.id is not None])
    return [TopicRow(r.id, r.teacher_id, name, r.semester_id, r.title, dict(r.answers),
                     r.occurred_on, ended.get(r.id))
            for r, name in rows if r.id is not None]


def current(session: Session, *, teacher_id: int) -> TopicRow | None:
    """The teacher's 课题 still open (not 结题): the newest one."""
    found = [t for t in topics(session, teacher_ids=[teacher_id]) if t.concluded_on is None]
    return found[-1] if found else None


def get_topic(session: Session, *, topic_id: int) -> TopicRow | None:
    """The 课题 with this id (a live research_topic record)."""
    record = session.get(Record, topic_id)
    if record is None or record.kind != TOPIC or record.deleted_at is not None:
        return None
    return next((t for t in topics(session, teacher_ids=[record.teacher_id])
                 if t.id == topic_id), None)


def link(session: Session, *, record_id: int, topic_id: int, now: datetime) -> bool:
    """Link a record to a 课题 (moving it from another one); False if it was linked so."""
    found = session.get(TopicLink, record_id)
    if found is not None and found.topic_id == topic_id:
        return False
    if found is None:
        found = TopicLink(record_id=record_id, topic_id=topic_id, linked_at=now)
    found.topic_id, found.linked_at = topic_id, now
    session.add(found)
    return True


def linked(session: Session, *, topic_ids: Sequence[int]) -> list[LinkedRow]:
    """The live records of these 课题: 阶段小结 and reports, and the records linked to
    them, in date order."""
    if not topic_ids:
        return []
    own = session.exec(select(Record).where(
        Record.link_kind == LINK, col(Record.link_id).in_(topic_ids),
        col(Record.kind).in_((STAGE, REPORT)), col(Record.deleted_at).is_(None))).all()
    tied = session.exec(select(Record, TopicLink.topic_id)
                        .join(TopicLink, col(TopicLink.record_id) == col(Record.id))
                        .where(col(TopicLink.topic_id).in_(topic_ids),
                               col(Record.deleted_at).is_(None))).all()
    rows = [(r, r.link_id) for r in own] + list(tied)
    found = [LinkedRow(r.id, int(topic), r.kind, r.title, r.occurred_on, r.semester_id,
                       dict(r.answers), r.chars)
             for r, topic in rows if r.id is not None and topic is not None]
    return sorted(found, key=lambda row: (row.occurred_on, row.id))


def linked_ids(session: Session, *, record_ids: Sequence[int]) -> set[int]:
    """Which of these records are linked to a 课题 already."""
    if not record_ids:
        return set()
    return set(session.exec(select(TopicLink.record_id).where(
        col(TopicLink.record_id).in_(record_ids))).all())


def linkable(session: Session, *, teacher_id: int, semester_id: int,
             limit: int) -> list[tuple[int, str, str, date]]:
    """(id, kind, title, date) of the teacher's newest live records of the semester that
    are not 课题 records themselves and not linked to a 课题 yet."""
    rows = session.exec(
        select(Record.id, Record.kind, Record.title, Record.occurred_on)
        .where(Record.teacher_id == teacher_id, Record.semester_id == semester_id,
               col(Record.deleted_at).is_(None), col(Record.kind).not_in(KINDS),
               col(Record.id).not_in(select(TopicLink.record_id)))
        .order_by(col(Record.occurred_on).desc(), col(Record.id).desc()).limit(limit)).all()
    return [(rid, kind, title, day) for rid, kind, title, day in rows if rid is not None]


def figures(session: Session, *, teacher_ids: Sequence[int], start: date,
            end: date) -> dict[int, TopicFigures]:
    """Per teacher, their 课题 work between ``start`` and ``end`` (a semester)."""
    found = [t for t in topics(session, teacher_ids=teacher_ids, until=end)
             if t.concluded_on is None or t.concluded_on >= start]
    rows = linked(session, topic_ids=[t.id for t in found])
    owner = {t.id: t.teacher_id for t in found}
    result = {}
    for teacher_id in teacher_ids:
        mine = [t for t in found if t.teacher_id == teacher_id]
        own = [r for r in rows if owner[r.topic_id] == teacher_id
               and start <= r.occurred_on <= end]
        result[teacher_id] = TopicFigures(
            teacher_id, len(mine), sum(1 for t in mine if start <= t.registered_on <= end),
            sum(1 for r in own if r.kind not in KINDS),
            sum(1 for r in own if r.kind == STAGE), sum(1 for r in own if r.kind == REPORT),
            sum(1 for t in mine if t.concluded_on is not None
                and start <= t.concluded_on <= end))
    return result


def reported(session: Session, *, teacher_id: int, topic_id: int, semester_id: int) -> bool:
    """Whether the teacher handed in a 结题/阶段总结 of this 课题 in the semester."""
    return session.exec(select(Record.id).where(
        Record.teacher_id == teacher_id, Record.kind == REPORT, Record.link_kind == LINK,
        Record.link_id == topic_id, Record.semester_id == semester_id,
        col(Record.deleted_at).is_(None))).first() is not None


def saved_now(session: Session, *, teacher_id: int, kind: str, now: datetime,
              record_id: int | None = None) -> RecordRow | None:
    """The record of ``kind`` the teacher saved at ``now`` (this update): the one edited
    (``record_id``) or the newest one added; None if nothing was saved."""
    if record_id is not None:
        found = records.get_record(session, record_id=record_id)
        return found if found is not None and found.updated_at == now else None
    newest = session.exec(select(Record.id).where(
        Record.teacher_id == teacher_id, Record.kind == kind, Record.created_at == now)
        .order_by(col(Record.id).desc())).first()
    return None if newest is None else records.get_record(session, record_id=newest)
