"""检查 marks: the reviewer's list by group and month, marks with audit, and how marks change
what quotas count (returned never; unreviewed only when the school says so)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from storage import Database
from storage.repos import records, reviews, school
from storage.tables import AuditEntry
from tests.storage.conftest import NOW, Line, import_lines, make_school, roster


def _setup(db: Database) -> tuple[int, int, dict[str, int], dict[str, int]]:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("刘洋"), Line("孙丽"), Line("张伟", ("数学组",)),
                                 Line("王芳", role="leader")])
    ids = {p.name: p.id for p in roster(db, school_id)}

    def unit(session: Session) -> tuple[int, dict[str, int]]:
        semester = school.current_semester(session, school_id=school_id, today=date(2026, 12, 2))
        assert semester is not None
        made = {}
        for key, name, day in (("liu1", "刘洋", date(2026, 12, 1)),
                               ("liu2", "刘洋", date(2026, 12, 2)),
                               ("liu_nov", "刘洋", date(2026, 11, 30)),
                               ("sun", "孙丽", date(2026, 12, 2)),
                               ("zhang", "张伟", date(2026, 12, 2))):
            made[key] = records.add_record(
                session, teacher_id=ids[name], semester_id=semester.id, kind="reflection",
                title=key, answers={"topic": key}, chars=100, occurred_on=day, now=NOW)
        return semester.id, made

    semester_id, made = db.call(unit)
    return school_id, semester_id, ids, made


def test_review_list_marks_and_counting(db: Database) -> None:
    school_id, semester_id, ids, made = _setup(db)

    def listed(groups: list[str] | None) -> list[tuple[str, str, str | None]]:
        found = db.call(lambda s: reviews.for_review(
            s, school_id=school_id, semester_id=semester_id, start=date(2026, 12, 1),
            end=date(2026, 12, 31), groups=groups))
        return [(item.teacher, item.title, item.status) for item in found]

    # By teacher name, then date; November's record is left out; a group limits it.
    everyone = listed(None)
    assert sorted(everyone) == sorted([("刘洋", "liu1", None), ("刘洋", "liu2", None),
                                       ("孙丽", "sun", None), ("张伟", "zhang", None)])
    assert [t for t in everyone if t[0] == "刘洋"] == [("刘洋", "liu1", None),
                                                      ("刘洋", "liu2", None)]
    assert {t[0] for t in listed(["语文组"])} == {"刘洋", "孙丽"}
    assert listed(["数学组"]) == [("张伟", "zhang", None)]

    def counted(count_unreviewed: bool = True) -> int:
        rows = db.call(lambda s: records.monthly_totals(
            s, teacher_ids=[ids["刘洋"]], semester_id=semester_id, min_chars={},
            count_unreviewed=count_unreviewed))
        return sum(row.pieces for row in rows)

    assert (counted(), counted(False)) == (3, 0)
    later = NOW + timedelta(days=2)
    assert db.call(lambda s: reviews.mark(
        s, record_id=made["liu1"], status=reviews.EXCELLENT, comment="好", school_id=school_id,
        reviewer_id=ids["王芳"], now=later))
    assert db.call(lambda s: reviews.mark(
        s, record_id=made["liu2"], status=reviews.RETURNED, comment="再写具体些",
        school_id=school_id, reviewer_id=ids["王芳"], now=later))
    assert listed(["数学组"]) == [("张伟", "zhang", None)]
    assert [t for t in listed(["语文组"]) if t[0] == "刘洋"] == [
        ("刘洋", "liu1", "excellent"), ("刘洋", "liu2", "returned")]
    # Returned never counts; unreviewed only if the school counts them.
    assert (counted(), counted(False)) == (2, 1)
    returned = db.call(lambda s: records.get_record(s, record_id=made["liu2"]))
    assert returned is not None
    assert (returned.review_status, returned.review_comment) == ("returned", "再写具体些")

    # Handed in again: unreviewed, and it counts again.
    db.call(lambda s: records.update_record(
        s, record_id=made["liu2"], title="liu2", answers={"topic": "liu2"}, chars=120,
        occurred_on=date(2026, 12, 2), now=later))
    assert (counted(), counted(False)) == (3, 1)
    # An edit of a record marked 优秀 keeps its mark.
    db.call(lambda s: records.update_record(
        s, record_id=made["liu1"], title="liu1", answers={"topic": "liu1"}, chars=120,
        occurred_on=date(2026, 12, 1), now=later))
    again = db.call(lambda s: records.get_record(s, record_id=made["liu1"]))
    assert again is not None
    assert again.review_status == "excellent"

    audit = db.call(lambda s: [e.detail for e in s.exec(
        select(AuditEntry).where(AuditEntry.action == "review_record")).all()])
    assert sorted(audit) == [f"reflection #{made['liu1']} excellent",
                             f"reflection #{made['liu2']} returned"]


def test_a_deleted_record_cannot_be_marked(db: Database) -> None:
    school_id, _, ids, made = _setup(db)
    db.call(lambda s: records.delete_record(s, record_id=made["sun"], school_id=school_id,
                                            actor_id=ids["孙丽"], now=NOW))
    assert not db.call(lambda s: reviews.mark(
        s, record_id=made["sun"], status=reviews.PASS, comment="", school_id=school_id,
        reviewer_id=ids["王芳"], now=NOW))
