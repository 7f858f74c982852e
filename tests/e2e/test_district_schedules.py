"""Each school's own times in one deployment (issue 17): a 村小 whose ``[[schools]]`` entry
sets its own ``[lessons]``, ``[drafts]`` or ``[prep]`` is reminded on its own schedule, the
中心校 on its own, and what crosses schools (a 公开课 booked from another school, a 联片教研)
is planned once, by the school it belongs to.

People of examples/district-roster.csv: 陈老师 and 刘老师 (李家村小学 语文组, 刘老师 its
leader), 钱老师 (王庄村小学), 吴老师 (leader of the 中心校's 语文组), 郑老师 (中心校 数学组),
周主任 (学区管理员).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.app import build_core, build_runner, import_roster, read_roster
from bot.config import load
from handlers import texts
from handlers.district.router import District
from handlers.types import Reply
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.repos import drafts, lessons, meetings, people, school
from storage.repos.outbox import OutboxItem
from tests.conftest import ZONE
from tests.district_world import (
    CENTRAL,
    DISTRICT_CONFIG,
    DISTRICT_ROSTER,
    LIJIA,
    WANGZHUANG,
    bind,
    link,
)
from tests.drivers import Driver, button_data, plain, shown

# 李家's own times: a shorter reminder before a 公开课, forms kept 3 days, and the 教案 of
# a 集体备课 due a day before (reminded 4 hours ahead). The 中心校 keeps the defaults
# (60 minutes, 7 days, 48 hours / 24 hours).
LIJIA_OWN = """
[schools.lessons]
remind_minutes_before = 20
lesson_minutes = 45
cross_school_booking = true

[schools.drafts]
expire_after_days = 3

[schools.prep]
plan_due_hours_before = 24
remind_hours_before_due = 4
"""
# 王庄's own reminder before a 公开课 (its teachers booking 李家's are reminded at 李家's).
WANGZHUANG_OWN = """
[schools.lessons]
remind_minutes_before = 90
cross_school_booking = true
"""
OPEN_TO_ALL = "\n[lessons]\ncross_school_booking = true\n"


def district_with(tmp_path: Path, url: str, clock: ManualClock, *, top: str = "",
                  own: Mapping[str, str]) -> District:
    """examples/district.toml with ``top`` added to the defaults and ``own[name]`` to the
    ``[[schools]]`` entry of school ``name``; its roster imported."""
    text = DISTRICT_CONFIG.read_text(encoding="utf-8")
    for name, extra in own.items():
        start = text.index(f'[[schools]]\nname = "{name}"')
        end = text.find("\n[[schools]]\nname", start)
        end = len(text) if end < 0 else end
        text = text[:end] + "\n" + extra + text[end:]
    if top:
        text = text.replace("\n[reminders]\n", top + "\n[reminders]\n", 1)
    path = tmp_path / "district.toml"
    path.write_text(text, encoding="utf-8")
    built = build_core(load(str(path)).config, database_url=url, clock=clock)
    assert isinstance(built, District)
    import_roster(built, read_roster(built, DISTRICT_ROSTER))
    return built


@pytest.fixture
def district(tmp_path: Path, sqlite_url: str, clock: ManualClock) -> Iterator[District]:
    built = district_with(tmp_path, sqlite_url, clock, top=OPEN_TO_ALL,
                          own={LIJIA: LIJIA_OWN, WANGZHUANG: WANGZHUANG_OWN})
    yield built
    built.db.close()


@pytest.fixture
def driver(district: District) -> Driver:
    return Driver(district)


@dataclass
class Sink:
    """What the scheduler sent: (school time, chat address, reply)."""

    clock: ManualClock
    sent: list[tuple[datetime, str, Reply]] = field(default_factory=list)
    items: list[OutboxItem] = field(default_factory=list)

    async def send(self, reply: Reply, item: OutboxItem) -> bool:
        address = reply.chat.address if reply.chat else item.chat
        self.sent.append((self.clock.now().astimezone(ZONE), address, reply))
        self.items.append(item)
        return True

    def at(self, chat: str, needle: str) -> list[str]:
        """When ``chat`` got a message saying ``needle``: "MM-DD HH:MM" each."""
        return [f"{t:%m-%d %H:%M}" for t, address, r in self.sent
                if address == chat and needle in plain(r)]


async def run_until(runner: Runner, clock: ManualClock, end: datetime,
                    step: timedelta) -> None:
    while clock.now() < end:
        clock.advance(step)
        await runner.tick()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026 (November 30 for day 0), school time."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=ZONE) + timedelta(days=day)


def add_lesson(district: District, school_name: str, teacher: str, starts: datetime) -> int:
    """``teacher`` of ``school_name`` gives a 研讨课 at ``starts``; its id."""
    core = district.school_named(school_name)
    assert core is not None
    now = district.clock.now()

    def add(session: Session) -> int:
        semester = school.current_semester(session, school_id=core.school_id,
                                           today=now.astimezone(ZONE).date())
        assert semester is not None
        [giver] = people.find_by_name(session, school_id=core.school_id, name=teacher)
        return lessons.add_lesson(
            session, teacher_id=giver.id, semester_id=semester.id, kind="研讨课",
            starts_at=starts, period="2", place="教室", class_name="三年级", subject="语文",
            title=f"{teacher}的课", booking_required=True, created_by=giver.id, now=now)

    return district.db.call(add)


# -- 公开课 -------------------------------------------------------------------------------


async def test_each_school_reminds_of_its_lessons_at_its_own_time(
        district: District, driver: Driver, clock: ManualClock) -> None:
    await bind(driver, "陈老师", "刘老师", "吴老师", "郑老师", "钱老师")
    village = add_lesson(district, LIJIA, "陈老师", at(9, 10))
    central = add_lesson(district, CENTRAL, "吴老师", at(9, 14))
    for name, lesson in (("刘老师", village), ("钱老师", village), ("郑老师", central)):
        booked = await driver.send(name, button=f"bk:book:{lesson}")
        assert booked[0].notice == texts.LESSON_BOOKED_OK, name
    sink = Sink(clock)
    runner = build_runner(district, sink.send)
    clock.set(at(9, 7))
    await run_until(runner, clock, at(9, 16), timedelta(minutes=5))

    soon = "您预约的公开课快开始了"
    # 李家's lesson: 20 minutes before, to its own 刘老师 and to 钱老师 of 王庄 alike (the
    # lesson's school plans it, once), and over 45 minutes later.
    for name in ("刘老师", "钱老师"):
        assert sink.at(driver.account(name), soon) == ["12-09 09:40"], name
        assert sink.at(driver.account(name), "写一份听课记录") == ["12-09 10:45"], name
    assert sink.at(driver.account("陈老师"), "请写一份教学反思") == ["12-09 10:45"]
    # The 中心校's lesson: the defaults, 60 minutes before and over 40 minutes later.
    assert sink.at(driver.account("郑老师"), soon) == ["12-09 13:00"]
    assert sink.at(driver.account("郑老师"), "写一份听课记录") == ["12-09 14:40"]
    assert sink.at(driver.account("吴老师"), "请写一份教学反思") == ["12-09 14:40"]
    # Ticking on, or a restarted runner: nothing comes twice.
    before = len(sink.sent)
    await runner.tick()
    await build_runner(district, sink.send).tick()
    assert len(sink.sent) == before


# -- drafts --------------------------------------------------------------------------------


async def test_each_school_keeps_a_forgotten_form_as_long_as_it_says(
        district: District, driver: Driver, clock: ManualClock) -> None:
    await bind(driver, "陈老师", "吴老师")
    for name in ("陈老师", "吴老师"):
        assert "教学反思" in await driver.say(name, "/reflect")
    sink = Sink(clock)
    runner = build_runner(district, sink.send)

    def has_draft(name: str) -> bool:
        return district.db.call(lambda s: drafts.get_draft(
            s, account=driver.account(name))) is not None

    kept: dict[str, list[str]] = {"陈老师": [], "吴老师": []}
    for day in range(1, 9):  # at noon every day of the week after
        clock.set(at(day, 12))
        await runner.tick()
        for name, days in kept.items():
            if has_draft(name):
                days.append(f"{clock.now():%m-%d}")
    warned = "自动清除"
    # 李家 keeps a form 3 days: warned the day before, gone once they are over.
    assert sink.at(driver.account("陈老师"), warned) == ["12-02 12:00"]
    assert kept["陈老师"] == ["12-01", "12-02"]
    # The 中心校 keeps it 7 days.
    assert sink.at(driver.account("吴老师"), warned) == ["12-06 12:00"]
    assert kept["吴老师"] == ["12-01", "12-02", "12-03", "12-04", "12-05", "12-06"]
    assert "接着写" not in await driver.say("陈老师", "/reflect")


# -- 集体备课 -------------------------------------------------------------------------------


async def announce_prep(driver: Driver, leader: str, lead: str,
                        group: str = "") -> list[Reply]:
    """``leader`` announces the next session of ``group`` (their own if blank) as 集体备课
    with ``lead`` as 主备人 of 第二单元《找春天》."""
    replies = await driver.send(leader, f"/announce {group}".strip())
    for answer in ("《找春天》集体备课", leader, "集体备课"):
        replies = await driver.send(leader, answer)
    replies = await driver.send(leader, "/skip")  # 内容
    replies = await driver.send(leader, "/skip")  # 需准备
    replies = await driver.send(leader, button=button_data(replies, "提交"))
    assert "主备人" in shown(replies), shown(replies)
    for answer in (lead, "第二单元", "找春天"):
        replies = await driver.send(leader, answer)
    return await driver.send(leader, button=button_data(replies, "提交"))


async def test_a_village_schools_prep_is_due_on_its_own_hours(
        district: District, driver: Driver, clock: ManualClock) -> None:
    await bind(driver, "刘老师", "陈老师")
    await build_runner(district, Sink(clock).send).tick()  # the semester's sessions
    set_up = shown(await announce_prep(driver, "刘老师", "陈老师"))
    # 李家's 语文组 meets on Wednesday 12-02 at 15:40: the 教案 is due 24 hours before.
    assert "主备人：陈老师" in set_up
    assert "12月1日" in set_up
    assert "15:40" in set_up
    sink = Sink(clock)
    runner = build_runner(district, sink.send)
    await run_until(runner, clock, at(2, 17), timedelta(minutes=20))
    lead = driver.account("陈老师")
    # Reminded 4 hours before it is due (the 中心校's hours would have said Monday).
    assert sink.at(lead, "教案还没交") == ["12-01 11:40"]
    # When the session is over, asked once for the 二次备课.
    assert sink.at(lead, "交二次备课") == ["12-02 16:20"]


# -- across schools: planned once -----------------------------------------------------------


async def test_a_joint_prep_session_is_planned_once_by_its_organiser(
        district: District, driver: Driver, clock: ManualClock) -> None:
    """A 联片教研 of the 中心校's 语文组 with 李家's: the 中心校's hours, each message once,
    though 李家 takes part and has hours of its own."""
    await build_runner(district, Sink(clock).send).tick()
    await bind(driver, "周主任", "吴老师", "刘老师", "陈老师")
    groups = {CENTRAL: link(district, CENTRAL, "语文组"), LIJIA: link(district, LIJIA, "语文组")}
    assert "联片教研" in await driver.say("周主任", f"/joint 语文组 {LIJIA} 语文组")
    set_up = shown(await announce_prep(driver, "周主任", "吴老师", "语文组"))
    assert "主备人：吴老师" in set_up
    sink = Sink(clock)
    runner = build_runner(district, sink.send)
    await run_until(runner, clock, at(2, 17), timedelta(minutes=20))
    await build_runner(district, sink.send).tick()  # a restarted runner adds nothing
    lead = driver.account("吴老师")
    # The 中心校's 语文组 meets Wednesday 14:50: the 教案 due 48 hours before (Monday
    # 14:50), reminded an hour after it was set up; 李家's hours would have said Tuesday.
    assert sink.at(lead, "教案还没交") == ["11-30 09:00"]
    assert sink.at(lead, "交二次备课") == ["12-02 16:20"]
    # Every message of the session reaches each chat once: both schools' groups (the
    # notice, the eve, the 签到) and each member, 李家's too.
    meeting = joint_session(district)
    got = [(item.kind, item.chat) for item in sink.items
           if item.payload.get("meeting") == meeting]
    assert len(got) == len(set(got)), sorted(got)
    for chat in groups.values():
        assert ("checkin", chat.address) in got
    for name in ("刘老师", "陈老师", "吴老师"):
        assert ("soon", driver.account(name)) in got, name


def joint_session(district: District) -> int:
    """The id of the 中心校 语文组's session of Wednesday 12-02 (the 联片教研)."""
    core = district.school_named(CENTRAL)
    assert core is not None

    def find(session: Session) -> int:
        ids = school.group_ids(session, school_id=core.school_id)
        [found] = meetings.list_meetings(session, group_ids=[ids["语文组"]],
                                         start=at(2, 0).date(), end=at(2, 0).date())
        return found.id

    return district.db.call(find)

