"""Copy detection's storage and arranged lessons on both databases: signatures round-trip
as bytes, 63-bit band keys fit, candidates share a key, pairs read from either side, an
edit replaces a record's pairs, and an arrangement is fulfilled once."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from handlers import similarity
from storage import Database
from storage.repos import assignments, lessons, records, school, similar
from tests.storage.conftest import NOW, Line, import_lines, make_school, roster

TEXT = ("本节课我以秋天的雨是一把钥匙为切入点，引导学生找出课文中的比喻句，体会作者把秋雨"
        "比作钥匙、颜料和小喇叭的妙处。")


def _setup(db: Database) -> tuple[int, int, dict[str, int], list[int]]:
    school_id, _ = make_school(db)
    import_lines(db, school_id, [Line("刘洋"), Line("孙丽"), Line("陈主任", role="admin")])
    ids = {p.name: p.id for p in roster(db, school_id)}

    def unit(session: Session) -> tuple[int, list[int]]:
        semester = school.current_semester(session, school_id=school_id, today=date(2026, 12, 2))
        assert semester is not None
        made = [records.add_record(session, teacher_id=ids[name], semester_id=semester.id,
                                   kind="reflection", title=name, answers={}, chars=100,
                                   occurred_on=date(2026, 12, 2), now=NOW)
                for name in ("刘洋", "孙丽", "孙丽")]
        return semester.id, made

    semester_id, made = db.call(unit)
    return school_id, semester_id, ids, made


def test_signatures_candidates_and_pairs(db: Database) -> None:
    school_id, _semester_id, ids, (liu, sun, other) = _setup(db)
    signed = similarity.sign(TEXT)
    keys = similarity.band_keys(signed)
    top = [2**63 - 1, *keys[1:]]  # the largest key a band can have fits the column

    def index(session: Session) -> list[similar.Candidate]:
        similar.keep_signature(session, record_id=liu, school_id=school_id, signature=signed,
                               keys=top)
        similar.keep_signature(session, record_id=sun, school_id=school_id, signature=signed,
                               keys=keys)
        similar.keep_signature(session, record_id=other, school_id=school_id,
                               signature=similarity.sign("完全不同的一段文字，讲的是数学课。" * 3),
                               keys=[1] * similarity.BANDS)
        return similar.candidates(session, record_id=sun, school_id=school_id, keys=keys)

    (found,) = db.call(index)
    assert (found.record_id, found.teacher_id) == (liu, ids["刘洋"])
    assert found.signature == signed
    assert similarity.estimate(found.signature, signed) == 1.0

    db.call(lambda s: similar.keep_matches(s, record_id=sun, matches=[(liu, 0.9)], now=NOW))
    pairs = db.call(lambda s: similar.matches_of(s, record_ids=[liu, sun, other]))
    assert [(m.record_id, m.teacher, m.similarity) for m in pairs[liu]] == [(sun, "孙丽", 0.9)]
    assert [(m.record_id, m.teacher) for m in pairs[sun]] == [(liu, "刘洋")]
    assert other not in pairs
    assert db.call(lambda s: similar.flagged(s, record_ids=[liu, sun, other])) == {liu, sun}
    assert db.call(lambda s: similar.flagged(s, record_ids=[other])) == set()
    # With room for one candidate, the record sharing the most bands is compared.
    one_band = [*keys[:1], *([0] * (similarity.BANDS - 1))]
    (best,) = db.call(lambda s: similar.candidates(s, record_id=other, school_id=school_id,
                                                   keys=[*keys[:1], *keys[2:]], most=1))
    assert best.record_id == sun  # shares 63 bands; 刘洋's record (top key changed) 62
    assert db.call(lambda s: similar.candidates(s, record_id=other, school_id=school_id,
                                                keys=one_band, most=5)) != []
    # An edit signs the record again: its old pairs go.
    db.call(lambda s: similar.keep_signature(s, record_id=sun, school_id=school_id,
                                             signature=signed, keys=keys))
    assert db.call(lambda s: similar.matches_of(s, record_ids=[liu, sun])) == {}


def test_an_arrangement_is_fulfilled_once(db: Database) -> None:
    school_id, semester_id, ids, _ = _setup(db)
    arranged = db.call(lambda s: assignments.assign(
        s, school_id=school_id, semester_id=semester_id, teacher_id=ids["刘洋"],
        day=date(2026, 12, 9), period="2", observers=[ids["孙丽"]],
        assigned_by=ids["陈主任"], now=NOW, detail="刘洋"))
    assert db.call(lambda s: assignments.get(s, assignment_id=arranged.id)) == arranged
    assert arranged.observers == (ids["孙丽"],)
    teacher = ids["刘洋"]
    assert db.call(lambda s: assignments.fulfil(
        s, assignment_id=arranged.id, lesson_id=_lesson(s, teacher, semester_id)))
    assert not db.call(lambda s: assignments.fulfil(
        s, assignment_id=arranged.id, lesson_id=_lesson(s, teacher, semester_id)))
    found = db.call(lambda s: assignments.get(s, assignment_id=arranged.id))
    assert found is not None
    assert found.lesson_id is not None


def _lesson(session: Session, teacher_id: int, semester_id: int) -> int:
    return lessons.add_lesson(session, teacher_id=teacher_id, semester_id=semester_id,
                              kind="研讨课", starts_at=NOW, period="2", place="", class_name="",
                              subject="", title="秋天的雨", booking_required=True,
                              created_by=teacher_id, now=NOW)
