"""教研 sessions through a week with a holiday: generation, 顺延, reminders, answers, leave."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_runner
from bot.config import Config
from handlers.dispatch import Core
from handlers.types import Reply
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.repos import meetings, outbox, school
from storage.repos.outbox import OutboxItem
from tests.conftest import make_core
from tests.drivers import Driver, plain

ZONE = ZoneInfo("Asia/Shanghai")


class Outbox:
    """Everything the scheduler sent, per chat, with the moment it went out."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, str, Reply]] = []

    async def send(self, reply: Reply, item: OutboxItem) -> bool:
        address = reply.chat.address if reply.chat else item.chat
        self.sent.append((self.clock.now().astimezone(ZONE), address, reply))
        return True

    def texts(self, address: str) -> list[str]:
        return [plain(reply) for _, chat, reply in self.sent if chat == address]

    def take(self) -> list[tuple[datetime, str, Reply]]:
        taken, self.sent = self.sent, []
        return taken


@pytest.fixture
def week(config: Config, sqlite_url: str) -> tuple[Core, Driver, Runner, Outbox, ManualClock]:
    """The demo school on Tuesday 2026-09-29 afternoon, the week before 国庆."""
    clock = ManualClock(datetime(2026, 9, 29, 16, 0, tzinfo=ZONE))
    core = make_core(config, sqlite_url, clock)
    driver = Driver(core)
    driver.bind("王芳", "刘洋", "孙丽", "陈主任", "张伟")
    driver.link("语文组")
    sink = Outbox(clock)
    return core, driver, build_runner(core, sink.send), sink, clock


async def run_until(runner: Runner, clock: ManualClock, end: datetime,
                    step: timedelta = timedelta(minutes=10)) -> None:
    while clock.now() < end:
        clock.advance(step)
        await runner.tick()


def meeting_on(core: Core, group: str, day: str) -> meetings.MeetingRow:
    def find(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        return meetings.list_meetings(
            session, group_ids=[ids[group]], start=datetime.fromisoformat(day).date(),
            end=datetime.fromisoformat(day).date())

    found = core.db.call(find)
    assert len(found) == 1
    return found[0]


async def test_semester_sessions_follow_the_calendar(week) -> None:
    core, driver, runner, _sink, _clock = week
    await runner.tick()
    # 语文组 meets on Wednesdays; 2026-10-07 is inside 国庆: moved to Thursday 10-08.
    moved = meeting_on(core, "语文组", "2026-10-07")
    assert moved.held
    assert moved.starts_at == datetime(2026, 10, 8, 14, 50, tzinfo=ZONE)
    assert "顺延至10月8日（周四）14:50" in moved.note
    # 综合组 (every two weeks, policy next_slot): 2026-10-02 is off, its topic waits.
    off = meeting_on(core, "综合组", "2026-10-02")
    assert not off.held
    assert "专题顺延至下次教研（10月16日）" in off.note
    # The school's own 运动会 (11-05..06) is a day off.
    sports = meeting_on(core, "英语组", "2026-11-05")
    assert not sports.held
    assert "秋季运动会" in sports.note
    text = await driver.say("刘洋", "/sessions")
    assert "9月30日（周三）14:50" in text
    assert "10月8日（周四）14:50" in text


async def test_reminders_fire_once_at_the_right_local_times(week) -> None:
    core, driver, runner, sink, clock = week
    group = driver.group("语文组").address
    await run_until(runner, clock, datetime(2026, 9, 30, 17, 0, tzinfo=ZONE))
    sent = sink.take()
    eve = [(t, r) for t, chat, r in sent if chat == group and "明天有教研" in plain(r)]
    assert [t.strftime("%m-%d %H:%M") for t, _ in eve] == ["09-29 17:00"]
    assert "参加" in [b.label for row in eve[0][1].buttons for b in row]
    checkin = [t for t, chat, r in sent if chat == group and "签到" in plain(r)]
    assert [t.strftime("%m-%d %H:%M") for t in checkin] == ["09-30 14:50"]
    # The short private reminder goes to each bound member who has not answered.
    chinese = [(t, chat, plain(r)) for t, chat, r in sent if "语文组" in plain(r)]
    soon = sorted(chat for t, chat, text in chinese if "马上开始" in text)
    assert soon == sorted(driver.account(n) for n in ("刘洋", "孙丽", "王芳", "陈主任"))
    assert {t.strftime("%m-%d %H:%M") for t, _, text in chinese if "马上开始" in text} == {
        "09-30 14:20"}
    # The leader is asked for the minutes after the end.
    minutes = [chat for t, chat, text in chinese if "活动记录" in text]
    assert minutes == [driver.account("王芳")]
    # Ticking again, restarting the runner, or a second runner: nothing is sent twice.
    await runner.tick()
    second = build_runner(core, sink.send)
    await second.tick()
    assert sink.take() == []


async def test_holiday_week_notice_is_told_once_on_monday(week) -> None:
    _core, driver, runner, sink, clock = week
    group = driver.group("语文组").address
    await run_until(runner, clock, datetime(2026, 10, 5, 12, 0, tzinfo=ZONE),
                    step=timedelta(hours=1))
    notices = [(t, plain(r)) for t, chat, r in sink.sent if chat == group and "顺延" in plain(r)]
    assert len(notices) == 1
    when, text = notices[0]
    assert when.strftime("%m-%d") == "10-05"
    assert "本周三（10月7日）语文组教研因国庆节顺延至10月8日（周四）14:50" in text


async def test_answered_members_get_no_private_reminder(week) -> None:
    core, driver, runner, sink, clock = week
    await runner.tick()
    meeting = meeting_on(core, "语文组", "2026-09-30")
    await driver.send("刘洋", button=f"att:go:{meeting.id}", chat=driver.group("语文组"))
    await run_until(runner, clock, datetime(2026, 9, 30, 14, 30, tzinfo=ZONE))
    soon = [chat for _, chat, r in sink.sent if "马上开始" in plain(r)]
    assert driver.account("刘洋") not in soon
    assert driver.account("孙丽") in soon


async def test_leader_announces_and_group_sees_it_once(week) -> None:
    core, driver, runner, _sink, _clock = week
    await runner.tick()
    replies = await driver.send("王芳", "/announce")
    assert "发布这次教研的通知" in plain(replies[0])
    for answer in ("《秋天的雨》一课多研", "王芳", "说课-上课-评课"):
        replies = await driver.send("王芳", answer)
    replies = await driver.send("王芳", "先说课，再上课，最后评课")
    done = next(b.data for r in replies for row in r.buttons for b in row if b.label == "完成")
    replies = await driver.send("王芳", button=done)
    await driver.send("王芳", "/skip")
    submit = driver.seen[driver.account("王芳")][-1]
    data = next(b.data for row in submit.buttons for b in row if b.label == "提交")
    replies = await driver.send("王芳", button=data)
    group = driver.group("语文组").address
    posted = [r for r in replies if r.chat and r.chat.address == group]
    assert len(posted) == 1
    text = plain(posted[0])
    assert "教研活动通知" in text
    assert "《秋天的雨》一课多研" in text
    assert "主讲：王芳" in text
    meeting = meeting_on(core, "语文组", "2026-09-30")
    assert meeting.status == meetings.ANNOUNCED


async def test_only_leaders_announce(week) -> None:
    _core, driver, runner, _sink, _clock = week
    await runner.tick()
    assert "只有教研组长或管理员" in await driver.say("刘洋", "/announce")
    # 张伟 leads 数学组, not 语文组.
    assert "不是「语文组」的教研组长" in await driver.say("张伟", "/announce 语文组")


async def test_leave_goes_to_admins_and_outcome_to_teacher(week) -> None:
    core, driver, runner, _sink, _clock = week
    await runner.tick()
    meeting = meeting_on(core, "语文组", "2026-09-30")
    await driver.send("孙丽", button=f"att:leave:{meeting.id}")
    replies = await driver.send("孙丽", "区里数学竞赛监考")
    submit = next(b.data for r in replies for row in r.buttons for b in row if b.label == "提交")
    replies = await driver.send("孙丽", button=submit)
    to_admin = [r for r in replies if r.chat and r.chat.address == driver.account("陈主任")]
    assert len(to_admin) == 1
    assert "区里数学竞赛监考" in plain(to_admin[0])
    approve = next(b.data for row in to_admin[0].buttons for b in row if b.label == "批准")
    # A teacher cannot approve; the admin can, once.
    assert "只有管理员" in await driver.say("刘洋", "x", button=approve)
    replies = await driver.send("陈主任", button=approve)
    told = [r for r in replies if r.chat and r.chat.address == driver.account("孙丽")]
    assert "已批准" in plain(told[0])
    assert "已由陈主任处理" in await driver.say("陈主任", "x", button=approve)
    status = core.db.call(lambda s: meetings.get_attendance(
        s, meeting_id=meeting.id, teacher_id=next(
            r.teacher_id for r in meetings.members(s, group_id=meeting.group_id,
                                                   meeting_id=meeting.id)
            if r.name == "孙丽")))
    assert status is not None
    assert status.status == meetings.LEAVE


async def test_cancelled_session_sends_no_old_reminders(week) -> None:
    core, driver, runner, sink, clock = week
    await runner.tick()
    meeting = meeting_on(core, "语文组", "2026-09-30")
    await driver.send("王芳", button=f"ses:cancel:{meeting.id}")
    replies = await driver.send("王芳", button=f"ses:cancelok:{meeting.id}")
    group = driver.group("语文组").address
    assert any("教研活动取消" in plain(r) for r in replies if r.chat and r.chat.address == group)
    await run_until(runner, clock, datetime(2026, 9, 30, 17, 0, tzinfo=ZONE))
    assert not [r for _, chat, r in sink.sent if "9月30日" in plain(r) and "明天" in plain(r)]
    counts = core.db.call(outbox.count_by_status)
    assert counts.get("sent", 0) >= 0
    # A teacher pressing a leader's button is refused.
    assert "只有教研组长或管理员" in await driver.say("刘洋", "x", button=f"ses:menu:{meeting.id}")
    # 张伟 leads 数学组: he cannot manage 语文组's session.
    assert "只有本组教研组长" in await driver.say("张伟", "x", button=f"ses:menu:{meeting.id}")


async def test_pause_excuses_and_silences(week) -> None:
    _core, driver, runner, sink, clock = week
    reply = await driver.say("孙丽", "/pause 9月29日 10月2日 外出培训")
    assert "不再给您发提醒" in reply
    await run_until(runner, clock, datetime(2026, 9, 30, 15, 0, tzinfo=ZONE))
    assert driver.account("孙丽") not in [chat for _, chat, r in sink.sent
                                         if "马上开始" in plain(r)]
    assert "结束日期不能早于开始日期" in await driver.say("孙丽", "/pause 10月5日 10月1日")


async def test_checkin_feeds_the_attendance_quota(week) -> None:
    core, driver, runner, _sink, clock = week
    await run_until(runner, clock, datetime(2026, 9, 30, 14, 50, tzinfo=ZONE))
    meeting = meeting_on(core, "语文组", "2026-09-30")
    group = driver.group("语文组")
    assert "签到成功" in (await driver.send("刘洋", button=f"att:in:{meeting.id}",
                                           chat=group))[0].notice
    # A /pause once the session has started excuses nothing (issue 15: never backdated).
    assert "已经开过的教研不补请假" in await driver.say("孙丽", "/pause 9月30日 9月30日 外出培训")
    await run_until(runner, clock, datetime(2026, 10, 1, 9, 0, tzinfo=ZONE))
    # Sessions held so far this semester: every Wednesday from 09-02 to 09-30 (5).
    assert "教研活动出勤（本学期）1/" in await driver.say("刘洋", "/me")
    assert "教研活动出勤（本学期）0/" in await driver.say("孙丽", "/me")
    assert "教研活动出勤（本学期）0/" in await driver.say("王芳", "/me")
    # Outside the window the button says so and changes nothing.
    late = await driver.send("王芳", button=f"att:in:{meeting.id}", chat=group)
    assert late[0].notice == "现在不在签到时间内。"
