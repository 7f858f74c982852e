"""The school, its groups and semesters from config, and which semester is current."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from storage import Database
from storage.repos import school, snapshots
from storage.repos.school import SemesterRow
from storage.tables import School, Semester, StudyGroup
from tests.storage.conftest import GROUPS, NOW, SEMESTERS, make_school

FIRST, SECOND = SEMESTERS


def current(db: Database, school_id: int, today: date) -> SemesterRow | None:
    return db.call(lambda s: school.current_semester(s, school_id=school_id, today=today))


def semester_ids(db: Database, school_id: int) -> dict[str, int]:
    rows = db.call(lambda s: s.exec(select(Semester.name, Semester.id)
                                    .where(Semester.school_id == school_id)).all())
    return dict(rows)


def counts(db: Database) -> tuple[int, int, int]:
    def unit(session: Session) -> tuple[int, int, int]:
        def number(table: type[School | StudyGroup | Semester]) -> int:
            return session.exec(select(func.count()).select_from(table)).one()

        return number(School), number(StudyGroup), number(Semester)

    return db.call(unit)


def test_current_semester_edge_cases(db: Database) -> None:
    school_id, _ = make_school(db)
    ids = semester_ids(db, school_id)
    first = SemesterRow(ids[FIRST[0]], FIRST[0], FIRST[1], FIRST[2], FIRST[3], False)
    second = SemesterRow(ids[SECOND[0]], SECOND[0], SECOND[1], SECOND[2], SECOND[3], False)
    assert current(db, school_id, date(2026, 11, 30)) == first  # inside
    assert current(db, school_id, date(2026, 9, 1)) == first  # first day
    assert current(db, school_id, date(2027, 1, 20)) == first  # last day
    assert current(db, school_id, date(2027, 1, 21)) == first  # winter break: last started
    assert current(db, school_id, date(2027, 2, 16)) == first
    assert current(db, school_id, date(2027, 2, 17)) == second
    assert current(db, school_id, date(2027, 8, 31)) == second  # after the last one
    assert current(db, school_id, date(2026, 8, 31)) == first  # before the first: the next
    assert current(db, school_id, date(2020, 1, 1)) == first


def test_current_semester_ignores_config_order_and_other_schools(db: Database) -> None:
    def unit(session: Session) -> tuple[int, int]:
        mine = school.ensure_school(session, name="花城小学", groups=GROUPS,
                                    semesters=SEMESTERS[::-1])
        other = school.ensure_school(session, name="石门村小", groups=["语文组"], semesters=[
            ("2026秋", date(2026, 10, 1), date(2027, 1, 31), "")])
        return mine, other

    mine, other = db.call(unit)
    found = current(db, mine, date(2027, 3, 1))
    assert found is not None
    assert found.name == SECOND[0]
    found = current(db, mine, date(2026, 8, 1))
    assert found is not None
    assert found.name == FIRST[0]
    found = current(db, other, date(2026, 9, 15))
    assert found is not None
    assert found.name == "2026秋"


@pytest.mark.parametrize("today", [date(2020, 1, 1), date(2026, 11, 30), date(2027, 1, 21),
                                   date(2027, 2, 17), date(2027, 8, 31)])
def test_current_semesters_of_several_schools_are_each_ones_current(
        db: Database, today: date) -> None:
    mine, _ = make_school(db)
    other = db.call(lambda s: school.ensure_school(s, name="石门村小", groups=["语文组"],
                                                   semesters=[("2026秋", date(2026, 10, 1),
                                                               date(2027, 1, 31), "")]))
    empty = db.call(lambda s: school.ensure_school(s, name="新学校", groups=[], semesters=[]))
    found = db.call(lambda s: school.current_semesters(s, school_ids=[mine, other, empty],
                                                       today=today))
    assert found == {mine: current(db, mine, today), other: current(db, other, today)}


def test_snapshot_summaries_are_read_without_their_figures(db: Database) -> None:
    mine, _ = make_school(db)
    other, _ = make_school(db, name="石门村小", groups=["语文组"])
    day = date(2026, 11, 30)

    def keep(school_id: int, version: str, summary: list[int], at: datetime) -> None:
        db.call(lambda s: snapshots.keep_snapshot(s, school_id=school_id, day=day,
                                                  version=version, computed_at=at,
                                                  figures={"1": []}, summary=summary))

    def read(after: datetime) -> dict[int, tuple[str, list[int]]]:
        return db.call(lambda s: snapshots.summaries(s, school_ids=[mine, other], day=day,
                                                     computed_after=after))

    keep(mine, "v1", [5, 40, 62, 2], NOW)
    keep(other, "v1", [3, 10, 62, 3], NOW - timedelta(hours=2))
    assert read(NOW - timedelta(hours=1)) == {mine: ("v1", [5, 40, 62, 2])}
    keep(mine, "v2", [5, 45, 62, 1], NOW + timedelta(minutes=5))  # replaced, not added
    assert read(NOW - timedelta(hours=3)) == {mine: ("v2", [5, 45, 62, 1]),
                                              other: ("v1", [3, 10, 62, 3])}
    assert db.call(lambda s: snapshots.summaries(s, school_ids=[mine], day=date(2026, 12, 1),
                                                 computed_after=NOW - timedelta(hours=3))) == {}


def test_current_semester_without_semesters_and_closed_flag(db: Database) -> None:
    empty = db.call(lambda s: school.ensure_school(s, name="新学校", groups=[], semesters=[]))
    assert current(db, empty, date(2026, 11, 30)) is None
    school_id, _ = make_school(db)

    def close_first(session: Session) -> None:
        row = session.exec(select(Semester).where(Semester.name == FIRST[0])).one()
        row.closed_at = NOW
        session.add(row)

    db.call(close_first)
    found = current(db, school_id, date(2026, 11, 30))
    assert found is not None
    assert (found.name, found.closed) == (FIRST[0], True)


def test_ensure_school_is_idempotent(db: Database) -> None:
    school_id, groups = make_school(db)
    ids = semester_ids(db, school_id)
    assert counts(db) == (1, len(GROUPS), len(SEMESTERS))
    again, groups_again = make_school(db)
    assert (again, groups_again) == (school_id, groups)
    assert semester_ids(db, school_id) == ids
    assert counts(db) == (1, len(GROUPS), len(SEMESTERS))
    assert db.call(lambda s: school.get_school_id(s, name="花城小学")) == school_id
    assert db.call(lambda s: school.get_school_id(s, name="没有这所学校")) is None
    assert set(groups) == set(GROUPS)


def test_ensure_school_updates_semesters_and_adds_groups(db: Database) -> None:
    school_id, groups = make_school(db)
    ids = semester_ids(db, school_id)
    changed = [(FIRST[0], FIRST[1], date(2027, 1, 25), "新课标下的大单元教学"), SECOND,
               ("2027学年第一学期", date(2027, 9, 1), date(2028, 1, 20), "")]

    def unit(session: Session) -> int:
        return school.ensure_school(session, name="花城小学", groups=[*GROUPS, "体艺组"],
                                    semesters=changed)

    assert db.call(unit) == school_id
    assert db.call(unit) == school_id
    assert counts(db) == (1, len(GROUPS) + 1, 3)
    now_groups = db.call(lambda s: school.group_ids(s, school_id=school_id))
    assert {k: v for k, v in now_groups.items() if k != "体艺组"} == groups
    assert "体艺组" in now_groups
    new_ids = semester_ids(db, school_id)
    assert {k: new_ids[k] for k in ids} == ids
    assert current(db, school_id, date(2027, 1, 22)) == SemesterRow(
        ids[FIRST[0]], FIRST[0], FIRST[1], date(2027, 1, 25), "新课标下的大单元教学", False)
    assert current(db, school_id, date(2027, 12, 1)) == SemesterRow(
        new_ids["2027学年第一学期"], "2027学年第一学期", date(2027, 9, 1), date(2028, 1, 20),
        "", False)
