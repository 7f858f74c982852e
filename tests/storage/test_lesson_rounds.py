"""一课多研: later rounds of an open lesson point at the first; rounds() lists them together,
cancelled rounds left out; each round keeps its own 评课."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from storage import Database
from storage.repos import lessons, records, school
from tests.storage.conftest import NOW, Line, import_lines, make_school, roster


def test_rounds_are_listed_together(db: Database) -> None:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("刘洋"), Line("孙丽")])
    ids = {p.name: p.id for p in roster(db, school_id)}

    def unit(session: Session) -> list[int]:
        semester = school.current_semester(session, school_id=school_id, today=date(2026, 12, 2))
        assert semester is not None
        made: list[int] = []
        for week in range(4):
            made.append(lessons.add_lesson(
                session, teacher_id=ids["刘洋"], semester_id=semester.id, kind="研讨课",
                starts_at=NOW + timedelta(days=7 * week), period="2", place="301",
                class_name="三年级2班", subject="语文", title="秋天的雨",
                booking_required=True, created_by=ids["刘洋"], now=NOW,
                follows_id=made[0] if made else None))
        lessons.set_status(session, lesson_id=made[2], status=lessons.CANCELLED)
        records.add_record(session, teacher_id=ids["孙丽"], semester_id=semester.id,
                           kind="observation", title="秋天的雨", answers={}, chars=0,
                           occurred_on=date(2026, 12, 7), now=NOW, link=("lesson", made[1]))
        return made

    first, second, cancelled, fourth = db.call(unit)
    for member in (first, second, fourth):
        found = db.call(lambda s, m=member: lessons.rounds(s, lesson_id=m))
        assert [row.id for row in found] == [first, second, fourth]
    assert cancelled not in [row.id for row in db.call(
        lambda s: lessons.rounds(s, lesson_id=first))]
    assert db.call(lambda s: lessons.reviewers(s, lesson_id=second)) == {ids["孙丽"]}
    assert db.call(lambda s: lessons.reviewers(s, lesson_id=first)) == set()
    assert db.call(lambda s: lessons.rounds(s, lesson_id=10**6)) == []
