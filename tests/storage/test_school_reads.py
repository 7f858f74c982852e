"""What one school's planners read in a shared database (issue 17): idle drafts by their
owner's school, 公开课 by their teacher's school, sessions by their group's school (a
联片教研 only in the organiser's, not in its guests' schools)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from storage import Database
from storage.repos import drafts, lessons, meetings, school
from tests.storage.conftest import NOW, Line, import_lines, make_school, roster


def _two_schools(db: Database) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """A 中心校 and a 村小, one teacher each: (school ids, teacher ids, 语文组 ids)."""
    central, central_groups = make_school(db, "城关镇中心校", ("语文组",))
    village, village_groups = make_school(db, "李家村小学", ("语文组",))
    import_lines(db, central, [Line("吴老师")])
    import_lines(db, village, [Line("陈老师")])
    teachers = {p.name: p.id for s in (central, village) for p in roster(db, s)}
    return ({"central": central, "village": village}, teachers,
            {"central": central_groups["语文组"], "village": village_groups["语文组"]})


def test_idle_drafts_are_read_by_their_owners_school(db: Database) -> None:
    schools, teachers, _ = _two_schools(db)

    def write(session: Session) -> None:
        for account, name, at in (("a:wu", "吴老师", NOW), ("a:chen", "陈老师", NOW),
                                  ("a:chen-new", "陈老师", NOW + timedelta(days=5))):
            drafts.save_draft(session, account=account, teacher_id=teachers[name],
                              form="reflection", step="topic", answers={}, context={},
                              now=at)

    db.call(write)

    def idle(school_id: int) -> list[str]:
        return sorted(row.account for row in db.call(lambda s: drafts.list_idle_drafts(
            s, school_id=school_id, idle_since=NOW + timedelta(days=1))))

    assert idle(schools["central"]) == ["a:wu"]
    assert idle(schools["village"]) == ["a:chen"]  # the newer one is not idle yet


def test_lessons_between_are_read_by_their_teachers_school(db: Database) -> None:
    schools, teachers, _ = _two_schools(db)

    def add(session: Session) -> list[int]:
        made = []
        for name, school_id, days in (("吴老师", schools["central"], 1),
                                      ("陈老师", schools["village"], 1),
                                      ("陈老师", schools["village"], 9)):
            semester = school.current_semester(session, school_id=school_id,
                                               today=date(2026, 12, 1))
            assert semester is not None
            made.append(lessons.add_lesson(
                session, teacher_id=teachers[name], semester_id=semester.id, kind="研讨课",
                starts_at=NOW + timedelta(days=days), period="2", place="301",
                class_name="三年级", subject="语文", title="秋天的雨", booking_required=True,
                created_by=teachers[name], now=NOW))
        return made

    central, village, later = db.call(add)
    # 吴老师 books 陈老师's lesson: it stays the 村小's.
    db.call(lambda s: lessons.book(s, lesson_id=village, teacher_id=teachers["吴老师"],
                                   now=NOW))

    def between(school_id: int | None) -> list[int]:
        return [row.id for row in db.call(lambda s: lessons.between(
            s, start=NOW, end=NOW + timedelta(days=2), school_id=school_id))]

    assert between(schools["central"]) == [central]
    assert between(schools["village"]) == [village]
    assert sorted(between(None)) == sorted([central, village])
    assert later not in between(None)


def test_sessions_held_between_are_read_by_their_groups_school(db: Database) -> None:
    schools, teachers, groups = _two_schools(db)
    day = date(2026, 12, 2)

    def add(session: Session) -> dict[str, int]:
        made = {}
        for key, hour in (("central", 14), ("village", 15)):
            semester = school.current_semester(session, school_id=schools[key], today=day)
            assert semester is not None
            starts = NOW + timedelta(days=2, hours=hour)
            meetings.ensure_meeting(session, group_id=groups[key], semester_id=semester.id,
                                    planned_on=day, starts_at=starts,
                                    ends_at=starts + timedelta(minutes=40), place="会议室",
                                    note="")
            [made[key]] = [m.id for m in meetings.list_meetings(
                session, group_ids=[groups[key]], start=day, end=day)]
        # The 中心校's session is a 联片教研 with the 村小's 语文组.
        meetings.add_guests(session, meeting_id=made["central"],
                            group_ids=[groups["village"]], added_by=teachers["吴老师"],
                            now=NOW)
        return made

    made = db.call(add)

    def held(school_id: int | None) -> list[int]:
        return [row.id for row in db.call(lambda s: meetings.held_between(
            s, start=NOW, end=NOW + timedelta(days=3), school_id=school_id))]

    assert held(schools["central"]) == [made["central"]]
    assert held(schools["village"]) == [made["village"]]
    assert held(None) == [made["central"], made["village"]]
