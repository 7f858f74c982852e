"""师徒结对 and 课题 storage on SQLite and PostgreSQL: pairs and their 听课 counted from the
observed teacher in the form or the 公开课 a record is linked to; 课题 with linked records,
结题 and the figures other features count with."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from storage import Database
from storage.repos import lessons, mentoring, research, school
from storage.repos import records as record_repo
from tests.storage.conftest import NOW, Line, import_lines, make_school, roster


def _setup(db: Database) -> tuple[int, int, dict[str, int]]:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("刘洋"), Line("王芳", role="leader"), Line("周静")])
    ids = {p.name: p.id for p in roster(db, school_id)}
    semester = db.call(lambda s: school.current_semester(s, school_id=school_id,
                                                         today=date(2026, 12, 2)))
    assert semester is not None
    return school_id, semester.id, ids


def _observation(session: Session, semester_id: int, observer: int, observed: int | None,
                 day: date, *, lesson: int | None = None, status: str | None = None) -> int:
    answers = {"teacher": "x", "teacher_id": observed, "title": f"课{day.day}",
               "suggestion": "多让学生说。"}
    found = record_repo.add_record(
        session, teacher_id=observer, semester_id=semester_id, kind="observation",
        title=f"课{day.day}", answers=answers, chars=50, occurred_on=day, now=NOW,
        link=("lesson", lesson) if lesson else None)
    if status is not None:
        from storage.repos import reviews

        reviews.mark(session, record_id=found, status=status, comment="", reviewer_id=observer,
                     school_id=1, now=NOW)
    return found


def test_pairs_and_what_counts_between_them(db: Database) -> None:
    school_id, semester_id, ids = _setup(db)
    liu, wang, zhou = ids["刘洋"], ids["王芳"], ids["周静"]

    def unit(session: Session) -> list[mentoring.PairFigures]:
        pair_id, new = mentoring.pair(session, school_id=school_id, mentor_id=wang,
                                      mentee_id=liu, started_on=date(2026, 10, 1), now=NOW,
                                      actor_id=None)
        assert new
        assert mentoring.pair(session, school_id=school_id, mentor_id=wang, mentee_id=liu,
                              started_on=date(2026, 10, 1), now=NOW, actor_id=None) == (
            pair_id, False)
        lesson = lessons.add_lesson(
            session, teacher_id=wang, semester_id=semester_id, kind="研讨课",
            starts_at=datetime(2026, 11, 3, 9, 0, tzinfo=NOW.tzinfo), period="1", place="301",
            class_name="三年级2班", subject="语文", title="秋天的雨", booking_required=True,
            created_by=wang, now=NOW)
        _observation(session, semester_id, liu, wang, date(2026, 10, 8))  # counts
        _observation(session, semester_id, liu, None, date(2026, 11, 3), lesson=lesson)  # counts
        _observation(session, semester_id, liu, wang, date(2026, 9, 20))  # before the pair
        _observation(session, semester_id, liu, zhou, date(2026, 10, 9))  # someone else
        _observation(session, semester_id, liu, wang, date(2026, 10, 10), status="returned")
        _observation(session, semester_id, wang, liu, date(2026, 11, 5))  # the other way
        _observation(session, semester_id, zhou, wang, date(2026, 11, 6))  # not in the pair
        reflection = record_repo.add_record(
            session, teacher_id=liu, semester_id=semester_id, kind="reflection", title="反思",
            answers={}, chars=10, occurred_on=date(2026, 11, 6), now=NOW)
        mentoring.add_comment(session, record_id=reflection, mentor_id=wang, text="好。",
                              now=NOW)
        found = mentoring.pairs(session, school_id=school_id, on=date(2026, 12, 2))
        return mentoring.pair_figures(session, found=found, semester_id=semester_id,
                                      start=date(2026, 9, 1), end=date(2027, 1, 20))

    (figures,) = db.call(unit)
    assert [o.occurred_on for o in figures.mentee_observed] == [date(2026, 10, 8),
                                                                date(2026, 11, 3)]
    assert [o.occurred_on for o in figures.mentor_observed] == [date(2026, 11, 5)]
    assert figures.comments == 1
    assert figures.mentee_lessons == 0
    # Unreviewed pieces need not count.
    strict = db.call(lambda s: mentoring.pair_figures(
        s, found=mentoring.pairs(s, school_id=school_id), semester_id=semester_id,
        start=date(2026, 9, 1), end=date(2027, 1, 20), count_unreviewed=False))
    assert strict[0].mentee_observed == ()

    # A new 师傅 ends the pair the day before; ended pairs are not held today.
    def change(session: Session) -> list[mentoring.PairRow]:
        mentoring.pair(session, school_id=school_id, mentor_id=zhou, mentee_id=liu,
                       started_on=date(2026, 12, 2), now=NOW, actor_id=None)
        return mentoring.pairs(session, school_id=school_id)

    pairs = db.call(change)
    assert [(p.mentor_id, p.ended_on) for p in pairs] == [(wang, date(2026, 12, 1)),
                                                          (zhou, None)]
    today = db.call(lambda s: mentoring.pairs(s, school_id=school_id, on=date(2026, 12, 2)))
    assert [p.mentor_id for p in today] == [zhou]


def test_roster_pairs_keep_their_start(db: Database) -> None:
    school_id, _, ids = _setup(db)

    def apply(start: date | None, today: date) -> list[tuple[int, date]]:
        def unit(session: Session) -> list[tuple[int, date]]:
            mentoring.set_roster_pairs(session, school_id=school_id,
                                       wanted=[(ids["王芳"], ids["刘洋"], start)], today=today,
                                       now=NOW)
            return [(p.mentor_id, p.started_on)
                    for p in mentoring.pairs(session, school_id=school_id)]

        return db.call(unit)

    assert apply(None, date(2026, 11, 30)) == [(ids["王芳"], date(2026, 11, 30))]
    assert apply(None, date(2026, 12, 9)) == [(ids["王芳"], date(2026, 11, 30))]
    assert apply(date(2026, 9, 1), date(2026, 12, 9)) == [(ids["王芳"], date(2026, 9, 1))]


def test_topics_links_conclusion_and_figures(db: Database) -> None:
    _, semester_id, ids = _setup(db)
    liu = ids["刘洋"]
    later = NOW + timedelta(minutes=5)

    def unit(session: Session) -> dict[str, object]:
        topic = record_repo.add_record(
            session, teacher_id=liu, semester_id=semester_id, kind=research.TOPIC,
            title="识字游戏", answers={"title": "识字游戏", "scope": "个人课题"}, chars=80,
            occurred_on=date(2026, 10, 1), now=NOW)
        reflection = record_repo.add_record(
            session, teacher_id=liu, semester_id=semester_id, kind="reflection", title="反思",
            answers={}, chars=10, occurred_on=date(2026, 10, 9), now=NOW)
        other = record_repo.add_record(
            session, teacher_id=liu, semester_id=semester_id, kind="story", title="故事",
            answers={}, chars=10, occurred_on=date(2026, 10, 10), now=NOW)
        assert research.link(session, record_id=reflection, topic_id=topic, now=NOW)
        assert not research.link(session, record_id=reflection, topic_id=topic, now=NOW)
        record_repo.add_record(
            session, teacher_id=liu, semester_id=semester_id, kind=research.STAGE,
            title="识字游戏", answers={"topic": "识字游戏"}, chars=80,
            occurred_on=date(2026, 11, 1), now=NOW, link=(research.LINK, topic))
        linkable = research.linkable(session, teacher_id=liu, semester_id=semester_id,
                                     limit=5)
        open_before = research.current(session, teacher_id=liu)
        record_repo.add_record(
            session, teacher_id=liu, semester_id=semester_id, kind=research.REPORT,
            title="识字游戏", answers={"topic": "识字游戏", "stage": research.CONCLUDED},
            chars=200, occurred_on=date(2026, 12, 20), now=later, link=(research.LINK, topic))
        saved = research.saved_now(session, teacher_id=liu, kind=research.REPORT, now=later)
        return {
            "topic": topic, "other": other, "linkable": linkable, "open": open_before,
            "after": research.current(session, teacher_id=liu), "saved": saved,
            "linked": research.linked(session, topic_ids=[topic]),
            "figures": research.figures(session, teacher_ids=[liu, ids["周静"]],
                                        start=date(2026, 9, 1), end=date(2027, 1, 20)),
            "reported": research.reported(session, teacher_id=liu, topic_id=topic,
                                          semester_id=semester_id),
        }

    seen = db.call(unit)
    assert [row[0] for row in seen["linkable"]] == [seen["other"]]  # type: ignore[index]
    assert seen["open"] is not None
    assert seen["open"].id == seen["topic"]  # type: ignore[attr-defined]
    assert seen["after"] is None
    assert seen["saved"] is not None
    assert seen["saved"].kind == research.REPORT  # type: ignore[attr-defined]
    assert [r.kind for r in seen["linked"]] == [  # type: ignore[attr-defined]
        "reflection", research.STAGE, research.REPORT]
    figures = seen["figures"]
    assert figures[ids["刘洋"]] == research.TopicFigures(  # type: ignore[index]
        ids["刘洋"], topics=1, registered=1, linked=1, stages=1, reports=1, concluded=1)
    assert figures[ids["周静"]].topics == 0  # type: ignore[index]
    assert seen["reported"] is True
