"""Nothing said that did not happen: each finding of the adversarial probe, as a test.

Messages to other people go through the outbox (written with the change, retried, failures
reported); a redelivered update gets its answer again; buttons act only where they were
sent; every decision is made once, also by two processes at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.app import build_runner
from bot.config import Config
from bot.maintenance import set_semester
from handlers import texts
from handlers.context import Where
from handlers.dispatch import BUTTONS, Core
from handlers.types import Incoming, Reply, private_chat
from scheduler.clock import ManualClock
from scheduler.runner import ATTEMPTS, LEASE
from storage import Database
from storage.repos import drafts, meetings, outbox, people, school
from storage.repos.outbox import OutboxItem
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, button_data, plain, shown
from tests.e2e.test_fuzz import FORGED_BUTTONS
from tests.e2e.test_sessions import meeting_on
from tests.replay import ANSWERS

TUESDAY = datetime(2026, 9, 29, 16, 0, tzinfo=ZONE)


@pytest.fixture
def school_day(config: Config,
               database_url: str) -> Iterator[tuple[Core, Driver, ManualClock]]:
    """The demo school the afternoon before 语文组's Wednesday session."""
    clock = ManualClock(TUESDAY)
    core = make_core(config, database_url, clock)
    driver = Driver(core)
    driver.bind("王芳", "刘洋", "孙丽", "陈主任", "李校长", "张伟")
    driver.link("语文组")
    yield core, driver, clock
    core.db.close()


async def plan(core: Core) -> None:
    await build_runner(core, _drop).tick()


async def _drop(_reply: Reply, _item: OutboxItem) -> bool:
    return True


async def ask_leave(driver: Driver, meeting_id: int, name: str = "孙丽") -> list[Reply]:
    await driver.send(name, button=f"att:leave:{meeting_id}")
    replies = await driver.send(name, "区里数学竞赛监考")
    return await driver.send(name, button=button_data(replies, "提交"))


def member_id(core: Core, name: str) -> int:
    rows = core.db.call(lambda s: people.find_by_name(s, school_id=core.school_id, name=name))
    return rows[0].id


# 1. A forged press cannot deface a group's notice ------------------------------------------


async def test_private_route_pressed_in_a_group_changes_nothing(school_day) -> None:
    core, driver, _clock = school_day
    await plan(core)
    group = driver.group("语文组")
    await driver.send("刘洋", "/reflect")
    for data in ("mine:view:1:0", "f:x:submit", "set:off", "lv:ok:1:1", "br:ok:1", "rec:story"):
        replies = await driver.send("刘洋", chat=group, button=data)
        # Answered on the button only: nothing is posted or edited in the group.
        assert [r.text for r in replies] == [""], data
        assert replies[0].notice, data
    assert not [r for r in driver.seen.get(group.address, []) if r.text]


async def test_data_the_pressed_message_never_offered_is_refused(school_day) -> None:
    core, driver, _clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    offered = (f"att:go:{meeting.id}", f"att:leave:{meeting.id}")
    # The leader may cancel, but not by pressing 参加 with forged data on the notice.
    incoming = Incoming(account=driver.account("王芳"), chat=driver.group("语文组"),
                        button=f"ses:cancelok:{meeting.id}", offered=offered,
                        update_key="forged-1")
    [reply] = await core.handle(incoming)
    assert (reply.text, reply.notice, reply.edit) == ("", texts.BUTTON_EXPIRED, False)


async def test_strangers_pressing_in_the_group_get_toasts_not_messages(school_day) -> None:
    core, driver, _clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    group = driver.group("语文组")
    for _ in range(30):
        replies = await driver.send("路人", chat=group, button=f"att:go:{meeting.id}")
        assert [(r.text, r.notice) for r in replies] == [("", texts.STRANGER_REFUSED)]
    assert not [r for r in driver.seen.get(group.address, []) if r.text]
    # A member of another group is told so on the button, not in the group.
    [reply] = await driver.send("张伟", chat=group, button=f"att:go:{meeting.id}")
    assert (reply.text, reply.notice) == ("", texts.NOT_YOUR_GROUP)


# 2. One decision per request, across processes --------------------------------------------


def _race(cores: list[Core], incomings: list[Incoming]) -> list[list[Reply]]:
    """Each Core handles its update in its own thread and event loop, all at once."""
    barrier = threading.Barrier(len(cores))
    results: list[Any] = [None] * len(cores)

    def run(index: int) -> None:
        async def go() -> list[Reply]:
            barrier.wait(timeout=60)
            return await cores[index].handle(incomings[index])

        results[index] = asyncio.run(go())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()
    return results


async def test_opposite_leave_decisions_at_once_apply_exactly_one(
        config: Config, database_url: str) -> None:
    clock = ManualClock(TUESDAY)
    core = make_core(config, database_url, clock)
    driver = Driver(core)
    driver.bind("孙丽", "刘洋", "周静", "王芳", "陈主任", "李校长")
    driver.link("语文组")
    await plan(core)
    # A second process: its own engine and connections on the same database.
    other = Core(db=Database(database_url), settings=config, clock=clock)
    other.school_id = core.school_id
    meetings_ = core.db.call(lambda s: meetings.list_meetings(
        s, group_ids=[school.group_ids(s, school_id=core.school_id)["语文组"]],
        start=TUESDAY.date(), end=TUESDAY.date() + timedelta(days=120)))
    trials = 0
    try:
        for meeting in meetings_:
            for name in ("孙丽", "刘洋", "周静"):
                if trials == 40 or not meeting.held:
                    break
                await ask_leave(driver, meeting.id, name)
                teacher = member_id(core, name)
                presses = [Incoming(account=driver.account(admin), chat=private_chat(
                    driver.account(admin)), button=f"lv:{verdict}:{meeting.id}:{teacher}",
                    update_key=f"race-{trials}-{admin}")
                    for admin, verdict in (("陈主任", "ok"), ("李校长", "no"))]
                answers = _race([core, other], presses)
                decided = [a for a in answers if a and a[0].text]
                refused = [a for a in answers if a and not a[0].text]
                assert len(decided) == 1, answers
                assert len(refused) == 1, answers
                assert "已由" in (refused[0][0].notice or "")
                # The teacher is told once, of the decision that was applied.
                told = await driver.relayed()
                to_teacher = [r for r in told if r.chat and r.chat.address ==
                              driver.account(name)]
                assert len(to_teacher) == 1
                row = core.db.call(lambda s, m=meeting.id, t=teacher: meetings.get_attendance(
                    s, meeting_id=m, teacher_id=t))
                applied = (meetings.LEAVE if decided[0][0].notice == texts.LEAVE_APPROVE
                           else meetings.LEAVE_REFUSED)
                assert row is not None
                assert row.status == applied
                assert ("已批准" if applied == meetings.LEAVE else "没有批准") in plain(
                    to_teacher[0])
                trials += 1
    finally:
        other.db.close()
        core.db.close()
    assert trials == 40


# 3. Messages to others: from the outbox, with retries; one failure stops nobody ---------


class FlakySend:
    """Delivers outbox messages, failing the chosen ones a number of times first."""

    def __init__(self, failures: dict[str, int]) -> None:
        self.failures = dict(failures)
        self.sent: list[tuple[str, Reply]] = []

    async def __call__(self, reply: Reply, item: OutboxItem) -> bool:
        address = reply.chat.address if reply.chat else item.chat
        if self.failures.get(address, 0) > 0:
            self.failures[address] -= 1
            raise ConnectionError("network down")
        self.sent.append((address, reply))
        return True

    def to(self, address: str) -> list[str]:
        return [plain(reply) for chat, reply in self.sent if chat == address]


async def test_a_dropped_send_to_one_admin_stops_no_one_and_is_retried(school_day) -> None:
    core, driver, clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    await driver.send("孙丽", button=f"att:leave:{meeting.id}")
    replies = await driver.send("孙丽", "区里数学竞赛监考")
    # The teacher submits; the bot's relays go through a sender that drops the first admin.
    first, second = driver.account("陈主任"), driver.account("李校长")
    flaky = FlakySend({first: 1})
    answer = await core.handle(Incoming(
        account=driver.account("孙丽"), chat=private_chat(driver.account("孙丽")),
        button=button_data(replies, "提交"), update_key="leave-submit"))
    assert "正在通知教导处" in shown(answer)
    runner = build_runner(core, flaky)
    await runner.flush()
    assert len(flaky.to(second)) == 1
    assert flaky.to(first) == []
    # The failed one is retried a little later, and arrives once.
    clock.advance(timedelta(minutes=2))
    await runner.tick()
    assert len(flaky.to(first)) == 1
    assert len(flaky.to(second)) == 1
    assert "区里数学竞赛监考" in flaky.to(first)[0]


async def test_an_undeliverable_group_notice_is_reported(school_day) -> None:
    core, driver, clock = school_day
    await plan(core)
    group = driver.group("语文组").address
    meeting = meeting_on(core, "语文组", "2026-09-30")
    flaky = FlakySend({group: ATTEMPTS + 1})
    await driver.send("王芳", button=f"ses:cancel:{meeting.id}")
    replies = await core.handle(Incoming(
        account=driver.account("王芳"), chat=private_chat(driver.account("王芳")),
        button=f"ses:cancelok:{meeting.id}", update_key="cancel-ok"))
    assert "教研组群" in shown(replies)
    runner = build_runner(core, flaky)
    await runner.flush()
    for _ in range(ATTEMPTS + 1):
        clock.advance(timedelta(minutes=40))
        await runner.tick()
    assert flaky.to(group) == []
    # After the last retry the leader and the admins are told it did not arrive.
    for name in ("王芳", "陈主任", "李校长"):
        [notice] = [t for t in flaky.to(driver.account(name)) if "没能送达" in t]
        assert "语文组" in notice
        assert "取消" in notice


async def test_a_group_notice_arrives_exactly_once_after_a_failed_try(school_day) -> None:
    core, driver, clock = school_day
    await plan(core)
    group = driver.group("语文组").address
    meeting = meeting_on(core, "语文组", "2026-09-30")
    flaky = FlakySend({group: 2})
    runner = build_runner(core, flaky)
    await driver.send("王芳", button=f"ses:cancel:{meeting.id}")
    await core.handle(Incoming(account=driver.account("王芳"),
                               chat=private_chat(driver.account("王芳")),
                               button=f"ses:cancelok:{meeting.id}", update_key="cancel-ok"))
    for _ in range(4):
        await runner.flush()
        clock.advance(timedelta(minutes=5))
        await runner.tick()
    assert len([t for t in flaky.to(group) if "取消" in t]) == 1


# 4. A redelivered update gets its answer again; a spent button says it was done ----------


async def test_submit_pressed_again_says_it_was_handed_in(school_day) -> None:
    _core, driver, _clock = school_day
    replies = await driver.send("刘洋", "/reflect")
    for answer in ANSWERS[:-1]:
        replies = await driver.send("刘洋", answer.format(n=1))
    submit = button_data(replies, "提交")
    first = await driver.send("刘洋", button=submit, key="submit-1")
    assert "已提交教学反思" in shown(first)
    # Telegram redelivers the same update (the answer never reached the phone): the same
    # answer, and nothing sent to anyone else a second time.
    assert await driver.send("刘洋", button=submit, key="submit-1") == [
        r for r in first if r.chat is None]
    # A second press of the old button is a new update: it was handed in already.
    [again] = await driver.send("刘洋", button=submit, key="submit-2")
    assert again.notice == texts.FORM_ALREADY_DONE


# 5. Leave only before the session, never over an admin's mark -----------------------------


async def test_leave_by_deep_link_after_the_session_is_refused(school_day) -> None:
    core, driver, clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    teacher = member_id(core, "孙丽")
    clock.set(datetime(2026, 10, 3, 9, 0, tzinfo=ZONE))
    await driver.send("陈主任", button=f"ses:mark:{meeting.id}:{teacher}:a:-")
    text = await driver.say("孙丽", f"/start leave-{meeting.id}")  # 3 days after it
    assert texts.ATTEND_TOO_LATE in text
    row = core.db.call(lambda s: meetings.get_attendance(
        s, meeting_id=meeting.id, teacher_id=teacher))
    assert row is not None
    assert row.status == meetings.ABSENT
    assert core.db.call(lambda s: drafts.get_draft(s, account=driver.account("孙丽"))) is None


async def test_corrections_made_at_once_do_not_overwrite_each_other(school_day) -> None:
    core, driver, clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    teacher = member_id(core, "孙丽")
    clock.set(datetime(2026, 10, 3, 9, 0, tzinfo=ZONE))
    # Both saw 孙丽 with no answer; the leader marks present, then the admin's absent lands.
    mark = f"ses:mark:{meeting.id}:{teacher}"
    assert "孙丽：出席" in await driver.say("王芳", "", button=f"{mark}:p:-")
    [late] = await driver.send("陈主任", button=f"{mark}:a:-")
    assert late.notice == texts.ALREADY_HANDLED_BY.format(admin="王芳")
    assert "孙丽：出席" in plain(late)


# 7. Claims of a dead process come back within a minute ------------------------------------


async def test_reminders_claimed_by_a_killed_process_go_out_within_a_minute(school_day) -> None:
    core, _driver, clock = school_day
    await plan(core)
    dead = build_runner(core, _drop)
    # A process claimed everything due and died before sending (no more heartbeats).
    clock.set(datetime(2026, 9, 29, 17, 0, tzinfo=ZONE))
    await core.db.run(lambda s: outbox.heartbeat(s, worker=dead.worker, now=clock.now()))
    await core.db.run(lambda s: dead.planners and [p(s, clock.now()) for p in dead.planners])
    claimed = await core.db.run(lambda s: outbox.claim(s, now=clock.now(), worker=dead.worker,
                                                       limit=500))
    assert claimed
    sent: list[str] = []

    async def collect(reply: Reply, item: OutboxItem) -> bool:
        sent.append(item.key)
        return True

    alive = build_runner(core, collect)
    await alive.tick()
    assert sent == []  # the other process may still be alive: its claims are left alone
    clock.advance(LEASE + timedelta(seconds=1))
    await alive.tick()
    assert {item.key for item in claimed} <= set(sent)
    # Two live processes never take each other's claims.
    again = await core.db.run(lambda s: outbox.count_by_status(s))
    assert again.get(outbox.SENDING, 0) == 0


# 8. Retry without shifting answers; invisible characters; drafts close with the term ------


async def test_a_message_sent_before_the_busy_answer_is_not_stored_in_the_wrong_field(
        school_day) -> None:
    core, driver, clock = school_day
    await driver.send("刘洋", "/reflect")
    await driver.send("刘洋", "《秋天的雨》")
    account = driver.account("刘洋")
    broken = core.db.run

    async def unavailable(_fn: Any) -> Any:
        from storage import DatabaseUnavailable
        raise DatabaseUnavailable("locked")

    sent_at = clock.now()
    core.db.run = unavailable  # type: ignore[method-assign]
    first = await core.handle(Incoming(account=account, chat=private_chat(account),
                                       text="三年级2班", sent_at=sent_at, update_key="b1"))
    core.db.run = broken  # type: ignore[method-assign]
    assert [r.text for r in first] == [texts.DB_BUSY]
    # The next message was typed before the busy answer arrived: it is not stored either.
    second = await core.handle(Incoming(account=account, chat=private_chat(account),
                                        text="昨天", sent_at=sent_at, update_key="b2"))
    assert [r.text for r in second] == [texts.DB_BUSY_LATER]
    row = core.db.call(lambda s: drafts.get_draft(s, account=account))
    assert row is not None
    assert row.step == "class_name"
    # Resent in order after the answer: each lands in its own field.
    clock.advance(timedelta(seconds=5))
    await core.handle(Incoming(account=account, chat=private_chat(account), text="三年级2班",
                               sent_at=clock.now(), update_key="b3"))
    row = core.db.call(lambda s: drafts.get_draft(s, account=account))
    assert row is not None
    assert row.answers["class_name"] == "三年级2班"


async def test_invisible_characters_are_stripped_from_titles(school_day) -> None:
    core, driver, _clock = school_day
    await driver.send("刘洋", "/reflect")
    await driver.send("刘洋", "《秋天\u202e的雨\u200b》")
    row = core.db.call(lambda s: drafts.get_draft(s, account=driver.account("刘洋")))
    assert row is not None
    assert row.answers["topic"] == "《秋天的雨》"


async def test_closing_the_semester_closes_open_drafts_and_keeps_their_text(school_day) -> None:
    core, driver, _clock = school_day
    await driver.send("刘洋", "/reflect")
    await driver.send("刘洋", "《秋天的雨》")
    semester = core.settings.semesters[0].name
    assert set_semester(core, name=semester, closed=True)
    assert not set_semester(core, name=semester, closed=True)  # once
    told = await driver.relayed()
    [note] = [plain(r) for r in told if r.chat and r.chat.address == driver.account("刘洋")]
    assert "已关闭" in note
    assert "《秋天的雨》" in note
    assert core.db.call(lambda s: drafts.get_draft(s, account=driver.account("刘洋"))) is None
    assert "三年级" not in await driver.say("刘洋", "三年级2班")


# The dispatcher binds every route to its kind of chat -------------------------------------


async def test_every_route_pressed_in_every_chat_changes_a_group_only_where_allowed(
        school_day) -> None:
    core, driver, _clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    group = driver.group("语文组")
    forged = [data.replace(":1", f":{meeting.id}", 1) for data in FORGED_BUTTONS]
    for name in ("刘洋", "王芳", "陈主任", "路人"):
        for data in forged:
            for chat in (group, None):
                replies = await driver.send(name, chat=chat, button=data)
                route = BUTTONS.get(data.partition(":")[0])
                allowed = route is not None and route.where is not Where.PRIVATE
                in_group = [r for r in replies if r.text and (
                    (r.chat is None and chat is group) or
                    (r.chat is not None and r.chat.address == group.address))]
                if chat is group and not allowed:
                    assert in_group == [], (name, data, replies)
                if not allowed or chat is None:
                    assert not [r for r in in_group if r.edit], (name, data, replies)


# Issue 15's attendance items that sit with these decisions -----------------------------


async def test_the_leader_hears_of_leave_in_the_group_and_its_decision(school_day) -> None:
    core, driver, _clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    asked = await ask_leave(driver, meeting.id)
    [to_leader] = [r for r in asked if r.chat and r.chat.address == driver.account("王芳")]
    assert "孙丽" in plain(to_leader)
    assert "区里数学竞赛监考" in plain(to_leader)
    decided = await driver.send("陈主任", button=f"lv:ok:{meeting.id}:{member_id(core, '孙丽')}")
    [told] = [r for r in decided if r.chat and r.chat.address == driver.account("王芳")]
    assert "陈主任" in plain(told)
    assert "批准" in plain(told)


async def test_a_held_session_offers_roll_call_and_minutes_not_cancel(school_day) -> None:
    core, driver, clock = school_day
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    before = await driver.send("王芳", button=f"ses:menu:{meeting.id}")
    assert "取消本次" in [b.label for r in before for row in r.buttons for b in row]
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=ZONE))
    after = await driver.send("王芳", button=f"ses:menu:{meeting.id}")
    assert [b.label for r in after for row in r.buttons for b in row] == [
        texts.SESSION_ROLL, texts.MINUTES_BUTTON]


async def test_a_late_teacher_signs_in_until_the_end_and_is_marked_late(
        config: Config, sqlite_url: str) -> None:
    reminders = config.reminders.model_copy(update={"late_after_minutes": 10})
    clock = ManualClock(TUESDAY)
    core = make_core(config.model_copy(update={"reminders": reminders}), sqlite_url, clock)
    driver = Driver(core)
    driver.bind("王芳", "刘洋", "孙丽")
    try:
        await plan(core)
        meeting = meeting_on(core, "语文组", "2026-09-30")
        assert meeting.starts_at is not None
        assert meeting.ends_at is not None
        clock.set(meeting.starts_at + timedelta(minutes=5))
        [on_time] = await driver.send("刘洋", button=f"att:in:{meeting.id}")
        assert on_time.notice == texts.CHECKIN_OK.format(name="刘洋")
        clock.set(meeting.ends_at - timedelta(minutes=5))  # long after the 签到 window
        [late] = await driver.send("孙丽", button=f"att:in:{meeting.id}")
        at = clock.now().astimezone(ZONE).strftime("%H:%M")
        assert late.notice == texts.CHECKIN_LATE.format(name="孙丽", at=at)
        clock.set(meeting.ends_at + timedelta(minutes=1))
        [closed] = await driver.send("王芳", button=f"att:in:{meeting.id}")
        assert closed.notice == texts.CHECKIN_CLOSED
        roll = await driver.say("王芳", "", button=f"ses:roll:{meeting.id}")
        assert "刘洋：出席\n" in roll
        assert f"孙丽：出席（迟到 {at}）" in roll
        assert "王芳：未回复" in roll
    finally:
        core.db.close()


async def test_errors_in_a_group_go_to_the_person(school_day) -> None:
    core, driver, _clock = school_day
    await plan(core)
    group = driver.group("语文组")
    # A stranger's command: the reason goes to their private chat, not to the group.
    [refused] = await driver.send("路人", "/progress", chat=group)
    assert refused.chat == private_chat(driver.account("路人"))
    assert refused.fallback is not None
    assert refused.fallback.text == texts.SEE_PRIVATE_REFUSAL
    # A leader's /sessions in the group: the list for all, the 管理 buttons in private.
    listed = await driver.send("王芳", "/sessions", chat=group)
    in_group = [r for r in listed if r.chat is None]
    private = [r for r in listed if r.chat == private_chat(driver.account("王芳"))]
    assert [r.buttons for r in in_group] == [()]
    assert private[0].text == texts.SESSIONS_MANAGE_HERE
    assert private[0].buttons
