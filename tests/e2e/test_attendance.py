"""Attendance from one source, approved and hard to fake (issue 15).

/pause is a leave request for the 教研活动 it covers, decided once by 教导处, never over a
session already held, audited, told to the 教研组长, and withdrawable; 只暂停提醒 silences
reminders only. The minutes' 参加人员 is a checklist that writes 考勤, so the archive's
minutes and its 考勤 sheet agree. The leader opens the minutes from /sessions at any time
and is reminded once the next day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.config import Config
from handlers import texts
from handlers.dispatch import Core
from handlers.types import Incoming, Reply, private_chat
from scheduler.clock import ManualClock
from storage import Database
from storage.repos import meetings
from tests.conftest import ZONE, make_core
from tests.drivers import Driver, button_data, labels, plain, shown
from tests.e2e.test_integrity import _race, member_id, plan
from tests.e2e.test_sessions import meeting_on

TUESDAY = datetime(2026, 9, 29, 16, 0, tzinfo=ZONE)


@pytest.fixture
def term(config: Config, sqlite_url: str) -> Iterator[tuple[Core, Driver, ManualClock]]:
    """The demo school the afternoon before 语文组's Wednesday session (09-30 14:50)."""
    clock = ManualClock(TUESDAY)
    core = make_core(config, sqlite_url, clock)
    driver = Driver(core)
    driver.bind("王芳", "刘洋", "孙丽", "周静", "陈主任", "李校长")
    driver.link("语文组")
    yield core, driver, clock
    core.db.close()


def status_of(core: Core, meeting_id: int, name: str) -> str | None:
    row = core.db.call(lambda s: meetings.get_attendance(
        s, meeting_id=meeting_id, teacher_id=member_id(core, name)))
    return None if row is None else row.status


def to(driver: Driver, replies: list[Reply], name: str) -> list[Reply]:
    return [r for r in replies if r.chat is not None and r.chat.address == driver.account(name)]


# -- /pause is a leave request ---------------------------------------------------------------


async def test_pause_asks_leave_for_coming_sessions_never_over_held_ones(term) -> None:
    core, driver, clock = term
    await plan(core)
    held = meeting_on(core, "语文组", "2026-09-23")
    coming = meeting_on(core, "语文组", "2026-09-30")
    moved = meeting_on(core, "语文组", "2026-10-07")  # 国庆: held on Thursday 10-08
    asked = await driver.send("孙丽", "/pause 9月21日 10月9日 外出培训")
    answer = plain(asked[0])
    assert "不再给您发提醒（外出培训）" in answer
    # Not backdated: the session already held stays as it was, and the answer says so.
    assert "已经开过的教研不补请假，考勤不变：9月23日（周三）语文组" in answer
    assert "报教导处审批" in answer
    assert "9月30日（周三）语文组、10月8日（周四）语文组" in answer
    assert status_of(core, held.id, "孙丽") is None
    assert status_of(core, coming.id, "孙丽") == meetings.LEAVE_PENDING
    assert status_of(core, moved.id, "孙丽") == meetings.LEAVE_PENDING
    # 教导处 are asked once each with 批准 / 不批准; the 教研组长 is told.
    for admin in ("陈主任", "李校长"):
        [ask] = [r for r in to(driver, asked, admin) if r.buttons]
        assert labels([ask]) == ["批准", "不批准"]
        assert "孙丽" in plain(ask)
        assert "外出培训" in plain(ask)
    [told, outing] = to(driver, asked, "王芳")
    assert "本组 孙丽 9月21日（周一）至10月9日（周五）外出（外出培训）" in plain(told)
    # 外出培训 is an outing too (issue 16 §6): the leader hears when its 汇报 is due.
    assert "外出学习「外出培训」" in plain(outing)
    # The roll call shows the request as waiting.
    roll = shown(await driver.send("王芳", button=f"ses:roll:{coming.id}"))
    assert "孙丽：请假待批" in roll
    # 陈主任 approves: every session of the pause at once; the teacher and leader are told.
    decided = await driver.send("陈主任", button=button_data(to(driver, asked, "陈主任"), "批准"))
    assert decided[0].edit
    assert "陈主任已批准" in plain(decided[0])
    assert "教导处已批准您" in plain(to(driver, decided, "孙丽")[0])
    assert "陈主任已批准" in plain(to(driver, decided, "王芳")[0])
    assert status_of(core, coming.id, "孙丽") == meetings.LEAVE
    assert status_of(core, moved.id, "孙丽") == meetings.LEAVE
    # The second admin finds it decided.
    late = await driver.send("李校长", button=button_data(to(driver, asked, "李校长"), "不批准"))
    assert late[0].notice == "已由陈主任处理。"
    assert status_of(core, coming.id, "孙丽") == meetings.LEAVE
    # Audited, in Chinese.
    log = await driver.say("李校长", "/audit")
    assert "暂停提醒 孙丽，9月21日（周一）至10月9日（周五）（外出培训）：请假待批" in log
    assert "审批请假 孙丽，9月21日（周一）至10月9日（周五）（外出培训）：已批准" in log
    # Approved leave counts for the 出勤 quota once the sessions are held.
    clock.set(datetime(2026, 10, 9, 17, 0, tzinfo=ZONE))
    assert "教研活动出勤（本学期）2/" in await driver.say("孙丽", "/me")


async def test_a_pause_is_withdrawn_by_the_teacher(term) -> None:
    core, driver, clock = term
    await plan(core)
    coming = meeting_on(core, "语文组", "2026-09-30")
    later = meeting_on(core, "语文组", "2026-10-14")
    asked = await driver.send("刘洋", "/pause 9月30日 10月14日 家里有事")
    await driver.send("陈主任", button=button_data(to(driver, asked, "陈主任"), "批准"))
    # /pause alone lists the pauses that have not ended, with a button for each.
    listed = await driver.send("刘洋", "/pause")
    assert "9月30日（周三）至10月14日（周三）（家里有事）：已批准请假" in plain(listed[0])
    clock.set(datetime(2026, 10, 9, 9, 0, tzinfo=ZONE))  # 09-30 and 10-08 are held by now
    withdraw = button_data(listed, "撤销 9月30日（周三）至10月14日（周三）")
    undone = await driver.send("刘洋", button=withdraw)
    assert "已撤销" in plain(undone[0])
    assert "10月14日（周三）语文组" in plain(undone[0])
    assert "您现在没有暂停" in plain(undone[0])
    # Sessions already held keep the approved leave; the coming one is no longer excused.
    assert status_of(core, coming.id, "刘洋") == meetings.LEAVE
    assert status_of(core, later.id, "刘洋") is None
    assert "刘洋撤销了" in plain(to(driver, undone, "王芳")[0])
    assert "刘洋撤销了" in plain(to(driver, undone, "陈主任")[0])
    # Withdrawn once: the old button says so.
    again = await driver.send("刘洋", button=withdraw)
    assert again[0].notice == texts.PAUSE_CANCEL_GONE
    assert "撤销暂停 刘洋" in await driver.say("陈主任", "/audit")


async def test_a_pause_that_only_silences_reminders_needs_no_approval(term) -> None:
    core, driver, _clock = term
    await plan(core)
    coming = meeting_on(core, "语文组", "2026-09-30")
    asked = await driver.send("周静", "/pause 9月30日 外出培训 只暂停提醒")
    assert plain(asked[0]) == (
        "好的，9月30日（周三）不再给您发提醒（外出培训）。\n"
        "只暂停提醒：考勤不变，期间的教研活动请照常参加。")
    # Nobody is asked to approve (the leader only hears of the 外出学习汇报 it owes).
    assert [r for r in asked if r.chat is not None and r.buttons] == []
    assert status_of(core, coming.id, "周静") is None
    # A single day with only a reason still works, as before.
    single = plain((await driver.send("周静", "/pause 12月3日 外出培训"))[0])
    assert single.startswith("好的，12月3日（周四）不再给您发提醒（外出培训）。")


async def test_opposite_pause_decisions_at_once_apply_exactly_one(
        config: Config, database_url: str) -> None:
    clock = ManualClock(TUESDAY)
    core = make_core(config, database_url, clock)
    driver = Driver(core)
    driver.bind("孙丽", "刘洋", "周静", "王芳", "陈主任", "李校长")
    await plan(core)
    other = Core(db=Database(database_url), settings=config, clock=clock)
    other.school_id = core.school_id
    coming = meeting_on(core, "语文组", "2026-09-30")
    held = core.db.call(lambda s: meetings.held_between(s, start=TUESDAY,
                                                        end=TUESDAY + timedelta(days=60)))
    days = [m.starts_at.astimezone(ZONE).date() for m in held
            if m.group == "语文组" and m.starts_at is not None]
    try:
        for trial in range(12):
            name = ("孙丽", "刘洋", "周静")[trial % 3]
            day = days[trial // 3]
            asked = await driver.send(name, f"/pause {day.month}月{day.day}日 外出培训")
            data = {admin: button_data(to(driver, asked, admin), verdict)
                    for admin, verdict in (("陈主任", "批准"), ("李校长", "不批准"))}
            presses = [Incoming(account=driver.account(admin),
                                chat=private_chat(driver.account(admin)), button=data[admin],
                                update_key=f"pause-race-{trial}-{admin}")
                       for admin in ("陈主任", "李校长")]
            answers = _race([core, other], presses)
            decided = [a for a in answers if a and a[0].text]
            refused = [a for a in answers if a and not a[0].text]
            assert len(decided) == 1, answers
            assert len(refused) == 1, answers
            assert "已由" in (refused[0][0].notice or "")
            told = to(driver, await driver.relayed(), name)
            assert len(told) == 1
            approved = decided[0][0].notice == texts.LEAVE_APPROVE
            assert ("已批准" if approved else "没有批准") in plain(told[0])
            if trial < 3:
                assert status_of(core, coming.id, name) == (
                    meetings.LEAVE if approved else meetings.LEAVE_REFUSED)
    finally:
        other.db.close()
        core.db.close()


# -- the minutes' 参加人员 is a checklist that writes 考勤 ----------------------------------

DISCUSSION = ("大家围绕整本书阅读的课堂组织展开讨论，认为导读课要给足学生自主阅读的时间，"
              "交流课要让学生带着问题来，教师少讲多听，并把阅读单作为过程性评价的依据。")
CONCLUSIONS = "下次教研前每人设计一份阅读单，在组内交流后修改使用。"


async def write_minutes(driver: Driver, meeting_id: int, *, untick: tuple[str, ...] = (),
                        tick: tuple[str, ...] = ()) -> tuple[list[Reply], list[Reply]]:
    """王芳 opens the minutes of a session, changes the checklist and hands it in; returns
    the checklist as first shown and the answer to 提交."""
    opened = await driver.send("王芳", button=f"ses:minutes:{meeting_id}")
    if "主题" in shown(opened) and "参加人员" not in shown(opened):
        opened = await driver.send("王芳", "整本书阅读教学研讨")
    replies = opened
    for name in untick:
        replies = await driver.send("王芳", button=button_data(replies, f"✅ {name}"))
    for name in tick:
        replies = await driver.send("王芳", button=button_data(replies, f"⬜ {name}"))
    replies = await driver.send("王芳", button=button_data(replies, "确认名单"))
    for step in ("王芳", DISCUSSION, "完成", CONCLUSIONS, "完成", "/skip"):  # no photos
        replies = await driver.send("王芳", step)
        assert "⚠️" not in shown(replies), shown(replies)
    return opened, await driver.send("王芳", button=button_data(replies, "提交"))


async def test_minutes_checklist_writes_attendance_and_the_archive_agrees(term) -> None:
    from tests.e2e.test_exports import Archive, fields

    core, driver, clock = term
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    # 周静 is away with approved leave; 刘洋 and 孙丽 sign in.
    asked = await driver.send("周静", "/pause 9月30日 外出培训")
    await driver.send("陈主任", button=button_data(to(driver, asked, "陈主任"), "批准"))
    clock.set(datetime(2026, 9, 30, 14, 52, tzinfo=ZONE))
    for name in ("刘洋", "孙丽"):
        await driver.send(name, button=f"att:in:{meeting.id}", chat=driver.group("语文组"))
    clock.set(datetime(2026, 9, 30, 16, 40, tzinfo=ZONE))
    # The leader confirms who was there: 孙丽 left at once, the leader herself was there.
    opened, saved = await write_minutes(driver, meeting.id, untick=("孙丽",), tick=("王芳",))
    checklist = shown(opened)
    assert "已按签到预填" in checklist
    assert "请假：周静" in checklist
    assert set(labels(opened)) >= {"✅ 刘洋", "✅ 孙丽", "⬜ 王芳", "⬜ 陈主任", "确认名单"}
    assert not [label for label in labels(opened) if "周静" in label]  # leave: not tickable
    assert "已提交教研活动记录" in shown(saved)
    assert {name: status_of(core, meeting.id, name)
            for name in ("王芳", "刘洋", "孙丽", "周静", "陈主任")} == {
        "王芳": "present", "刘洋": "present", "孙丽": "absent", "周静": "leave",
        "陈主任": "absent"}
    log = await driver.say("陈主任", "/audit")
    assert "更正考勤 孙丽，语文组9月30日（周三）的教研：出席 → 缺席" in log
    assert "更正考勤 王芳，语文组9月30日（周三）的教研：未记录 → 出席" in log
    mine = await driver.send("王芳", "/mine")
    viewed = shown(await driver.send("王芳", button=button_data(mine, labels(mine)[0])))
    assert "参加人员：出席 2 人：王芳、刘洋；请假：周静；缺席：陈主任、孙丽" in viewed
    # The archive: the session's 教研活动记录 and the 考勤 sheet say the same.
    clock.set(datetime(2026, 10, 9, 9, 0, tzinfo=ZONE))
    archive = Archive.of(await driver.send("陈主任", "/export 语文组"))
    (name,) = [n for n in archive.files if n.startswith("教研活动记录/语文组/")
               and "2026-09-30" in n]
    form = fields(archive.docs("教研活动记录/语文组")[name.removeprefix("教研活动记录/语文组/")])
    table = archive.table("考勤-语文组")
    column = table.header.index("9/30")
    marks = {row[1]: row[column] for row in table.data}
    assert marks == {"王芳": "出席", "刘洋": "出席", "孙丽": "缺席", "周静": "请假",
                     "陈主任": "缺席"}
    assert sorted(form["缺席"].split("、")) == sorted(
        n for n, m in marks.items() if m == "缺席")
    assert form["请假"].startswith("周静")
    assert form["应到/实到"] == "应到 5 人，实到 2 人"


async def test_nobody_signed_in_no_prefilled_label(term) -> None:
    core, driver, clock = term
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    clock.set(datetime(2026, 9, 30, 16, 40, tzinfo=ZONE))
    opened = await driver.send("王芳", button=f"ses:minutes:{meeting.id}")
    opened = await driver.send("王芳", "整本书阅读教学研讨")
    text = shown(opened)
    assert "参加人员" in text
    assert "已按签到预填" not in text
    assert "出席 0 人" in text
    # Typed text is not taken for names: the checklist is asked again.
    again = shown(await driver.send("王芳", "王芳、刘洋"))
    assert "请点名字勾选到场的老师" in again


# -- the minutes from /sessions at any time; one reminder the next day ---------------------


async def test_sessions_lists_held_sessions_with_their_minutes(term) -> None:
    core, driver, clock = term
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    clock.set(datetime(2026, 10, 2, 10, 0, tzinfo=ZONE))
    listed = await driver.send("王芳", "/sessions")
    text = shown(listed)
    assert "已开过的教研" in text
    assert "9月30日（周三） 语文组：未填写" in text
    # A teacher's /sessions has no such list.
    assert "已开过的教研" not in await driver.say("刘洋", "/sessions")
    # Opened from /sessions days later, left half way, and finished from /sessions again.
    write = button_data(listed, "填写活动记录 9月30日（周三） 语文组")
    opened = await driver.send("王芳", button=write)
    assert "主题" in shown(opened)
    await driver.send("王芳", "整本书阅读教学研讨")
    await driver.say("王芳", "/me")
    again = await driver.send("王芳", button=write)
    assert "参加人员" in shown(again)
    assert "确认名单" in labels(again)
    replies = await driver.send("王芳", button=button_data(again, "确认名单"))
    for step in ("王芳", DISCUSSION, "完成", CONCLUSIONS, "完成", "/skip"):  # no photos
        replies = await driver.send("王芳", step)
    assert "已提交教研活动记录" in shown(await driver.send("王芳",
                                                        button=button_data(replies, "提交")))
    listed = await driver.send("王芳", "/sessions")
    assert "9月30日（周三） 语文组：已填写" in shown(listed)
    # A past session offers 考勤 and the minutes, never 取消本次.
    menu = await driver.send("王芳", button=button_data(listed, "管理 9月30日（周三） 语文组教研"))
    assert labels(menu) == [texts.SESSION_ROLL, texts.MINUTES_BUTTON]
    assert status_of(core, meeting.id, "刘洋") == meetings.ABSENT  # nobody was ticked


async def test_missing_minutes_are_asked_for_once_the_next_day(term) -> None:
    from bot.app import build_runner

    core, driver, clock = term
    late = "昨天的教研还没有活动记录"
    sent: list[tuple[datetime, str, str]] = []
    buttons: list[str] = []

    async def sink(reply: Reply, item: object) -> bool:
        address = reply.chat.address if reply.chat else getattr(item, "chat", "")
        sent.append((clock.now().astimezone(ZONE), address, plain(reply)))
        if late in plain(reply):
            buttons.extend(labels([reply]))
        return True

    runner = build_runner(core, sink)

    async def run_until(end: datetime) -> None:
        while clock.now() < end:
            clock.advance(timedelta(minutes=10))
            await runner.tick()

    await run_until(datetime(2026, 10, 2, 12, 0, tzinfo=ZONE))
    reminded = [(t, text) for t, chat, text in sent
                if chat == driver.account("王芳") and late in text]
    assert [t.strftime("%m-%d %H:%M") for t, _ in reminded] == ["10-01 16:20"]
    assert buttons == [texts.MINUTES_BUTTON]
    # The next session's minutes are written the same afternoon: no reminder the next day.
    second = meeting_on(core, "语文组", "2026-10-07")  # held on 10-08 (国庆)
    clock.set(datetime(2026, 10, 7, 12, 0, tzinfo=ZONE))
    await runner.tick()
    clock.set(datetime(2026, 10, 8, 16, 30, tzinfo=ZONE))
    await runner.tick()
    await write_minutes(driver, second.id)
    sent.clear()
    await run_until(datetime(2026, 10, 9, 18, 0, tzinfo=ZONE))
    assert [text for _, chat, text in sent if late in text] == []


async def test_the_minutes_of_a_session_not_started_are_refused(term) -> None:
    core, driver, _clock = term
    await plan(core)
    meeting = meeting_on(core, "语文组", "2026-09-30")
    [reply] = await driver.send("王芳", button=f"ses:minutes:{meeting.id}")
    assert reply.notice == texts.MINUTES_NOT_YET
    assert status_of(core, meeting.id, "刘洋") is None
