"""Fixtures and helpers of the storage tests: a migrated Database on SQLite or PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import Session, col, select

from storage import Database
from storage.repos import people, school
from storage.tables import Membership, StudyGroup, Teacher

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
SCHOOL = "花城小学"
GROUPS = ("语文组", "数学组", "英语组", "综合组")
SEMESTERS = [
    ("2026学年第一学期", date(2026, 9, 1), date(2027, 1, 20), "大单元教学"),
    ("2026学年第二学期", date(2027, 2, 17), date(2027, 7, 5), "作业设计"),
]


@dataclass(frozen=True)
class Line:
    """A roster line as ``people.import_roster`` reads it."""

    name: str
    groups: tuple[str, ...] = ("语文组",)
    role: str = "teacher"
    subject: str = "语文"
    staff_no: str | None = None


@dataclass(frozen=True)
class Person:
    """A teacher row with its memberships, for comparing whole rosters."""

    id: int
    name: str
    staff_no: str | None
    subject: str
    role: str
    active: bool
    account: str | None
    groups: dict[str, bool]  # group name -> is_leader


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated, empty database (SQLite file or the PostgreSQL test database)."""
    database = Database(database_url)
    database.migrate()
    yield database
    database.close()


def make_school(
    db: Database, name: str = SCHOOL, groups: Sequence[str] = GROUPS
) -> tuple[int, dict[str, int]]:
    """Create the school with its groups and semesters; its id and group ids."""

    def unit(session: Session) -> tuple[int, dict[str, int]]:
        school_id = school.ensure_school(session, name=name, groups=groups, semesters=SEMESTERS)
        return school_id, school.group_ids(session, school_id=school_id)

    return db.call(unit)


def import_lines(
    db: Database, school_id: int, lines: Sequence[Line], now: datetime = NOW
) -> people.ImportSummary:
    """Import ``lines`` as the school's roster in one unit of work."""

    def unit(session: Session) -> people.ImportSummary:
        ids = school.group_ids(session, school_id=school_id)
        return people.import_roster(session, school_id=school_id, lines=lines, group_ids=ids,
                                    now=now)

    return db.call(unit)


def roster(db: Database, school_id: int) -> list[Person]:
    """Every teacher of the school (active or not), by id, with their memberships."""

    def unit(session: Session) -> list[Person]:
        teachers = session.exec(
            select(Teacher).where(Teacher.school_id == school_id).order_by(col(Teacher.id))
        ).all()
        result = []
        for t in teachers:
            rows = session.exec(
                select(StudyGroup.name, Membership.is_leader)
                .join(Membership, col(Membership.group_id) == col(StudyGroup.id))
                .where(Membership.teacher_id == t.id)
            ).all()
            assert t.id is not None
            result.append(Person(t.id, t.name, t.staff_no, t.subject, t.role, t.active,
                                 t.account, dict(rows)))
        return result

    return db.call(unit)


def teacher(db: Database, teacher_id: int) -> Teacher:
    """The teacher row ``teacher_id`` as it is committed now."""
    row = db.call(lambda session: session.get(Teacher, teacher_id))
    assert row is not None
    return row


def race(db: Database, *fns: Callable[[Session], Any], hold: float = 0.3) -> list[Any]:
    """Run each ``fn`` in its own unit of work in its own thread, all starting together.

    Each unit keeps its transaction open ``hold`` seconds after ``fn`` so that the others
    run into it; an exception is returned in place of a result.
    """
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def worker(index: int, fn: Callable[[Session], Any]) -> None:
        def unit(session: Session) -> Any:
            barrier.wait(timeout=10)
            out = fn(session)
            time.sleep(hold)
            return out

        try:
            results[index] = db.call(unit)
        except Exception as exc:  # reported to the test as a result
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(fns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
        assert not thread.is_alive()
    return results
