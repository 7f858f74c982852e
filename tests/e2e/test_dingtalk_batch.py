"""Identical private messages due together go out in batchSend calls of up to 20 people.

The outbox's rows stay one per person: each is marked sent, unreachable (钉钉's
``invalidStaffIdList``) or tried again later (``flowControlledStaffIdList``) on its own, and
only the flow-controlled are sent again. The messages here are real: the reminder before a
公开课 (``lesson-soon``) to everyone who booked it, the same text for all.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, select

from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage.repos import lessons, people, school
from storage.repos.outbox import SENDING, SENT, UNREACHABLE
from storage.tables import Outbox
from tests.conftest import ZONE
from tests.dingtalk_harness import Line, running
from tests.fake_dingtalk import FakeDingTalk, Staff

BATCH = "/v1.0/robot/oToMessages/batchSend"
LESSON_AT = datetime(2026, 12, 10, 10, 0, tzinfo=ZONE)
OBSERVERS = 45  # three calls: 20, 20 and 5
LEFT = 3  # observers who left the organisation since they booked: not in the directory


def staff(index: int) -> Staff:
    return Staff(f"u6{index:03}", f"听课老师{index:02d}", "", str(6000 + index))


def _school_with_a_booked_lesson(core: Core) -> None:
    """A teacher's 公开课 and OBSERVERS colleagues who booked it, all bound on 钉钉."""
    groups = [group.name for group in core.settings.groups]
    lines = [Line(staff(i).name, (groups[i % len(groups)],), "teacher", "语文",
                  staff(i).job_number) for i in range(OBSERVERS + 1)]
    now = core.clock.now()

    def setup(session: Session) -> None:
        ids = school.group_ids(session, school_id=core.school_id)
        people.import_roster(session, school_id=core.school_id, lines=lines, group_ids=ids,
                             now=now)
        bound = [people.bind_from_directory(
            session, school_id=core.school_id, account=f"dt:{staff(i).user_id}",
            job_number=staff(i).job_number, mobile="", name=staff(i).name, now=now)
            for i in range(OBSERVERS + 1)]
        semester = school.current_semester(session, school_id=core.school_id,
                                           today=now.astimezone(ZONE).date())
        assert semester is not None
        giver = bound[0]
        assert giver is not None
        lesson = lessons.add_lesson(
            session, teacher_id=giver.id, semester_id=semester.id, kind="研讨课",
            starts_at=LESSON_AT, period="2", place="301", class_name="三年级2班",
            subject="语文", title="秋天的雨", booking_required=True, created_by=giver.id,
            now=now)
        for person in bound[1:]:
            assert person is not None
            lessons.book(session, lesson_id=lesson, teacher_id=person.id, now=now)

    core.db.call(setup)


def _statuses(core: Core) -> dict[str, str]:
    rows = core.db.call(lambda s: s.exec(select(Outbox.chat, Outbox.status).where(
        Outbox.kind == "lesson-soon")).all())
    return dict(rows)


async def test_one_reminder_for_45_people_is_three_calls_and_each_row_is_its_own(
        core: Core, clock: ManualClock) -> None:
    _school_with_a_booked_lesson(core)
    fake = FakeDingTalk().start()
    try:
        observers = [staff(i) for i in range(1, OBSERVERS + 1)]
        gone = {person.user_id for person in observers[-LEFT:]}
        for person in observers:
            if person.user_id not in gone:
                fake.directory[person.user_id] = person
        # In the first call, 钉钉 holds back two people (flow control): only they are
        # tried again, from the outbox (no waiting in the process here).
        held = (observers[3].user_id, observers[7].user_id)
        fake.throttle(BATCH, times=1, how="flow", staff=held)
        clock.set(LESSON_AT - timedelta(minutes=core.settings.lessons.remind_minutes_before))
        async with running(core, fake) as dt:
            dt.service.bridge.throttle_waits = ()
            await dt.runner.tick()
            assert fake.calls[BATCH] == 3  # 45 people: 20 + 20 + 5
            statuses = _statuses(core)
            assert len(statuses) == OBSERVERS  # one row per person, as ever
            assert {c for c, s in statuses.items() if s == UNREACHABLE} == {
                f"dt:{user}" for user in gone}
            waiting = {c for c, s in statuses.items() if s not in (SENT, UNREACHABLE)}
            assert waiting == {f"dt:{user}" for user in held}
            assert SENDING not in statuses.values()
            # The next try, once the row's backoff passed: the two alone, in one call.
            clock.advance(timedelta(minutes=2))
            await dt.runner.tick()
            assert fake.calls[BATCH] == 4
        statuses = _statuses(core)
        assert Counter(statuses.values()) == {SENT: OBSERVERS - LEFT, UNREACHABLE: LEFT}
        received = Counter(sent.to for sent in fake.sent if sent.via == "oto")
        # Everyone reachable got the reminder exactly once; the same text for all.
        assert received == dict.fromkeys(
            (p.user_id for p in observers if p.user_id not in gone), 1)
        assert len({sent.text for sent in fake.sent if sent.via == "oto"}) == 1
        assert "您预约的公开课快开始了" in fake.sent[0].text
        assert [r for r in fake.refused if r[1] not in ("token", "flow")] == []
    finally:
        fake.stop()
