"""Bulk data for benchmarks: schools, teachers, memberships, a semester of records.

Rows go in with SQLAlchemy core ``insert(Table)`` in chunks (never through forms), through
the same column types as the bot's own writes, so JSON answers are stored as the bot stores
them. Deterministic: a fixed seed gives the same district every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from bot import texts as bot_texts
from handlers.settings import Settings
from storage.repos import school
from storage.tables import Attendance, Meeting, Membership, OpenLesson, Record, Teacher

SEED = 2026
CHUNK = 5_000
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"


@dataclass(frozen=True)
class Person:
    """A teacher made by ``add_teachers``."""

    id: int
    group: str
    leader: bool


def _prose(rng: random.Random) -> str:
    """A long run of demo phrases to slice answers from."""
    return "".join(rng.choice(bot_texts.DEMO_PHRASES) for _ in range(2_000))


def add_teachers(
    session: Session, *, school_id: int, group_ids: dict[str, int], count: int,
    first_account: int | None, staff_prefix: str,
) -> list[Person]:
    """``count`` active teachers spread evenly over the groups (the first of each leads).

    ``first_account``: bind them to Telegram accounts tg:<first_account + i>; None: unbound.
    """
    names = list(group_ids)
    now = datetime.now(UTC)
    rows = []
    for index in range(count):
        group = names[index % len(names)]
        leader = index < len(names)
        rows.append({
            "school_id": school_id,
            "name": FAMILY[index % len(FAMILY)] + GIVEN[(index // len(FAMILY)) % len(GIVEN)]
            + ("" if index < len(FAMILY) * len(GIVEN) else str(index)),
            "staff_no": f"{staff_prefix}{index:05d}", "subject": group.removesuffix("组"),
            "role": "leader" if leader else "teacher", "active": True, "bind_code": None,
            "account": None if first_account is None else f"tg:{first_account + index}",
            "bound_at": None if first_account is None else now,
            "nudge_weekday": None, "nudges_off": False,
        })
    table = Teacher.__table__
    ids = list(session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    people = [Person(teacher_id, rows[i]["subject"] + "组", i < len(names))
              for i, teacher_id in enumerate(ids)]
    session.execute(insert(Membership.__table__), [
        {"teacher_id": p.id, "group_id": group_ids[p.group], "is_leader": p.leader}
        for p in people])
    return people


def school_names(count: int) -> list[str]:
    """The district's schools: 区第1小学, 区第2小学 …"""
    return [f"区第{n + 1}小学" for n in range(count)]


def add_schools(session: Session, settings: Settings, count: int) -> list[int]:
    """``count`` schools, each with the demo school's 教研组 and semesters."""
    return [school.ensure_school(
        session, name=name, groups=[g.name for g in settings.groups],
        semesters=[(s.name, s.start, s.end, s.theme) for s in settings.semesters])
        for name in school_names(count)]


def school_days(settings: Settings, start: date, end: date) -> list[date]:
    """The school's school days from ``start`` to ``end``."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [day for day in days if settings.school_calendar.is_school_day(day)]


def records_for(
    rng: random.Random, prose: str, *, teacher_id: int, semester_id: int, days: Sequence[date],
    pace: float, zone: Any,
) -> Iterator[dict[str, Any]]:
    """One teacher's records over ``days`` (about 83 for a whole semester at average pace)."""
    weeks = len(days) / 5

    def text(chars: int) -> str:
        start = rng.randrange(0, len(prose) - chars)
        return prose[start:start + chars]

    def row(kind: str, title: str, answers: dict[str, Any], chars: int,
            day: date) -> dict[str, Any]:
        stamp = datetime.combine(day, time(17, 0), zone).astimezone(UTC)
        return {"teacher_id": teacher_id, "semester_id": semester_id, "kind": kind,
                "title": title, "answers": answers, "chars": chars, "occurred_on": day,
                "link_kind": None, "link_id": None, "created_at": stamp, "updated_at": stamp,
                # about 1 in 100 records deleted by its author
                "deleted_at": stamp if rng.random() < 0.01 else None}

    def some(count: float) -> list[date]:
        wanted = min(len(days), int(count) + (rng.random() < count % 1))
        return sorted(rng.sample(list(days), wanted))

    for day in some(weeks * 1.6 * pace):
        parts = [text(rng.randint(60, 110)) for _ in range(3)]
        answers = {"topic": rng.choice(bot_texts.DEMO_LESSONS), "class_name": "三年级2班",
                   "taught_on": day.isoformat(), "highlights": parts[0],
                   "shortcomings": parts[1], "next_time": parts[2]}
        yield row("reflection", answers["topic"], answers, sum(map(len, parts)), day)
    for day in some(weeks * 2.2 * pace):
        parts = [text(rng.randint(100, 200)), text(25), text(25), text(25)]
        answers = {"observed_on": day.isoformat(), "period": rng.randint(1, 7),
                   "class_name": "四年级1班", "subject": "语文", "teacher": "王芳",
                   "teacher_id": None, "title": rng.choice(bot_texts.DEMO_LESSONS),
                   "lesson_type": "新授课", "process": parts[0], "strength": parts[1],
                   "weakness": parts[2], "suggestion": parts[3]}
        yield row("observation", answers["title"], answers, sum(map(len, parts)), day)
    for kind, per_semester, low, high in (("reading_note", 7, 600, 1400),
                                          ("standard_excerpt", 5, 800, 1200),
                                          ("book_review", 4, 300, 500),
                                          ("story", 8, 300, 600),
                                          ("essay", 3, 150, 400),
                                          ("insight", 1, 1200, 2200),
                                          ("paper", 1, 1500, 3000),
                                          ("speech", 0.6, 80, 200)):
        for day in some(per_semester * pace * len(days) / 95):
            body = text(rng.randint(low, high))
            title = rng.choice(bot_texts.DEMO_BOOKS if "book" in kind or "reading" in kind
                               else bot_texts.DEMO_LESSONS)
            yield row(kind, title, {"title": title, "body": body}, len(body), day)


def add_records(
    session: Session, settings: Settings, *, people: Sequence[Person], semester_id: int,
    until: date, pace: tuple[float, float] = (0.55, 1.15), seed: int = SEED,
) -> int:
    """Bulk-insert each teacher's records of the semester up to ``until``; how many."""
    rng = random.Random(seed)
    prose = _prose(rng)
    semester = next(s for s in settings.semesters)
    days = school_days(settings, semester.start, min(until, semester.end))
    table = Record.__table__
    total = 0
    chunk: list[dict[str, Any]] = []
    for person in people:
        chunk.extend(records_for(rng, prose, teacher_id=person.id, semester_id=semester_id,
                                 days=days, pace=rng.uniform(*pace), zone=settings.zone))
        if len(chunk) >= CHUNK:
            session.execute(insert(table), chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        session.execute(insert(table), chunk)
        total += len(chunk)
    return total


def add_open_lessons(session: Session, settings: Settings, *, people: Sequence[Person],
                     semester_id: int, until: date, seed: int = SEED) -> int:
    """An open lesson for about 70% of the teachers; how many."""
    rng = random.Random(seed + 1)
    semester = next(s for s in settings.semesters)
    days = school_days(settings, semester.start, min(until, semester.end))
    rows = []
    for person in people:
        if rng.random() < 0.7:
            starts = datetime.combine(rng.choice(days), time(9, 55), settings.zone)
            rows.append({"teacher_id": person.id, "semester_id": semester_id, "kind": "研讨课",
                         "starts_at": starts, "period": "2", "place": "录播教室",
                         "class_name": "四年级1班", "subject": "语文", "title": "秋天的雨",
                         "booking_required": True, "design_note": "", "status": "planned",
                         "created_by": person.id, "created_at": starts})
    if rows:
        session.execute(insert(OpenLesson.__table__), rows)
    return len(rows)


def add_school_term(session: Session, settings: Settings, *, school_id: int, teachers: int,
                    first_account: int | None, staff_prefix: str,
                    today: datetime) -> tuple[dict[str, int], list[Person]]:
    """A school's teachers with their records and sessions up to ``today`` (the updates and
    peak benches' school); returns its groups' ids and the teachers."""
    group_ids = school.group_ids(session, school_id=school_id)
    people = add_teachers(session, school_id=school_id, group_ids=group_ids, count=teachers,
                          first_account=first_account, staff_prefix=staff_prefix)
    semester = school.current_semester(session, school_id=school_id, today=today.date())
    assert semester is not None
    add_records(session, settings, people=people, semester_id=semester.id,
                until=today.date())
    add_sessions(session, settings, school_id=school_id, people=people, now=today)
    return group_ids, people


def add_sessions(session: Session, settings: Settings, *, school_id: int,
                 people: Sequence[Person], now: datetime, seed: int = SEED) -> int:
    """The semester's 教研活动 (the bot's own SessionPlanner) and attendance of the past ones.

    86% present, 9% on leave, 5% absent, as in bot/demo.py; returns the attendance rows.
    """
    from handlers.reminders import SessionPlanner

    SessionPlanner(settings, school_id)(session, now)
    group_ids = school.group_ids(session, school_id=school_id)
    members: dict[int, list[int]] = {}
    for person in people:
        members.setdefault(group_ids[person.group], []).append(person.id)
    past = session.execute(
        select(Meeting.id, Meeting.group_id, Meeting.starts_at).where(
            Meeting.group_id.in_(list(members)), Meeting.starts_at.is_not(None),
            Meeting.starts_at < now)).all()
    rng = random.Random(seed + 2)
    rows = []
    for meeting_id, group_id, starts_at in past:
        for teacher_id in members.get(group_id, []):
            roll = rng.random()
            status = "present" if roll < 0.86 else "leave" if roll < 0.95 else "absent"
            rows.append({"meeting_id": meeting_id, "teacher_id": teacher_id, "status": status,
                         "reason": "", "updated_at": starts_at, "decided_by": None})
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(Attendance.__table__), rows[start:start + CHUNK])
    return len(rows)


def semester_id_of(session: Session, settings: Settings, school_id: int) -> int:
    """The id of the config's first semester at ``school_id``."""
    first = settings.semesters[0]
    row = school.current_semester(session, school_id=school_id, today=first.start)
    assert row is not None
    return row.id
