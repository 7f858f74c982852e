"""师徒结对 across the schools of a district (issue 17): 陈老师 teaches at 李家村小学, her
师傅 is 吴老师, who leads the 中心校's 语文组. The roster names him 城关镇中心校·吴老师
(or 吴老师 alone, his name being nobody else's); 李校长 may pair them with /mentor too.

The pair's own things cross the schools: 陈老师's 听课 of 吴老师 and his of her count, he
reads and comments her 反思, hears of her 公开课 and may book it, and 李家村小学's archive
names him with his school. Nothing else does: another 中心校 teacher, or 吴老师 on
another 村小 teacher's things, is refused as before. The clock: Wednesday 2026-12-02 16:00.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.app import build_runner, import_roster, read_roster
from handlers.district.router import District
from handlers.roster import RosterError
from handlers.types import Reply
from scheduler.clock import ManualClock
from storage.repos import mentoring
from tests.conftest import ZONE
from tests.district_world import CENTRAL, DISTRICT_ROSTER, LIJIA, bind, make_district
from tests.drivers import Driver, labels, plain, shown, tap
from tests.e2e.test_exports import Archive, day
from tests.e2e.test_lessons import Sink, answer, fill_lesson, to_chat
from tests.e2e.test_mentoring import MENTEE_LINE, MENTOR_LINE, observe
from tests.e2e.test_review import H30, N30, S30

CHEN, WU, ZHENG, LIU, LI, ZHOU = "陈老师", "吴老师", "郑老师", "刘老师", "李校长", "周主任"
HEADER = "姓名,学校,教研组,角色,学科,工号,师傅,结对日期\n"
SECOND_LIU = f"{LIU},{CENTRAL},数学组,教师,数学,Z005,,"  # a 刘老师 at the 中心校 too


def roster(tmp_path: Path, mentor: str, *extra: str) -> Path:
    """examples/district-roster.csv with a 师傅 column: 陈老师's is ``mentor``."""
    lines = DISTRICT_ROSTER.read_text(encoding="utf-8").splitlines()[1:]
    rows = [line + (f",{mentor},2026-09-01" if line.startswith(f"{CHEN},") else ",,")
            for line in lines]
    path = tmp_path / "花名册.csv"
    path.write_text(HEADER + "\n".join([*rows, *extra]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def district(sqlite_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[District]:
    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=ZONE))
    built = make_district(sqlite_url, clock)
    import_roster(built, read_roster(built, roster(tmp_path, f"{CENTRAL}·{WU}")))
    yield built
    built.db.close()


@pytest.fixture
def bot(district: District) -> Driver:
    driver = Driver(district)
    asyncio.run(bind(driver, CHEN, WU, ZHENG, LIU, LI, ZHOU))
    return driver


def pair_ids(district: District) -> list[tuple[str, str, str, date]]:
    found = district.db.call(lambda s: mentoring.pairs(s, school_id=None))
    return [(p.mentor_school, p.mentor, p.mentee, p.started_on) for p in found]


# -- the roster -------------------------------------------------------------------------


def test_the_roster_pairs_a_village_teacher_with_a_central_mentor(
        district: District, tmp_path: Path) -> None:
    assert pair_ids(district) == [(CENTRAL, WU, CHEN, date(2026, 9, 1))]
    # The name alone does as well while it is one person's; imported again, nothing new.
    import_roster(district, read_roster(district, roster(tmp_path, WU)))
    assert pair_ids(district) == [(CENTRAL, WU, CHEN, date(2026, 9, 1))]


@pytest.mark.parametrize(("mentor", "problem"), [
    (LIU, f"第 8 行：师傅「{LIU}」在{LIJIA}、{CENTRAL}都有，请写成「学校·姓名」，"
          f"例如「{LIJIA}·{LIU}」"),
    (f"{LIJIA}·{CHEN}", "第 8 行：师傅不能是自己"),
    ("花城小学·吴老师", "第 8 行：师傅「花城小学·吴老师」不在花名册里"),
    (f"{CENTRAL}·黄老师", f"第 8 行：师傅「{CENTRAL}·黄老师」不在花名册里"),
])
def test_a_mentor_not_found_or_in_two_schools_is_reported_and_nothing_imported(
        district: District, tmp_path: Path, mentor: str, problem: str) -> None:
    path = roster(tmp_path, mentor, SECOND_LIU)
    with pytest.raises(RosterError) as caught:
        read_roster(district, path)
    assert caught.value.problems == [problem]
    assert pair_ids(district) == [(CENTRAL, WU, CHEN, date(2026, 9, 1))]


def test_a_name_of_two_schools_is_written_with_its_school(
        district: District, tmp_path: Path) -> None:
    import_roster(district, read_roster(district, roster(tmp_path, f"{CENTRAL}·{LIU}",
                                                         SECOND_LIU)))
    # Her new 师傅 from the same day: the first pair never held.
    assert pair_ids(district) == [(CENTRAL, LIU, CHEN, date(2026, 9, 1))]


# -- the pair, each at their own school ------------------------------------------------


async def test_both_see_the_pair_and_their_observations_count(bot: Driver) -> None:
    assert f"师傅：{CENTRAL}·{WU}（9月1日起）" in await bot.say(CHEN, "/mentor")
    mine = await bot.send(WU, "/mentor")
    assert shown(mine).startswith(
        f"师徒结对\n\n徒弟：{LIJIA}·{CHEN}（9月1日起）\n" + MENTEE_LINE.format(done=0))
    assert labels(mine) == [f"看{CHEN}的反思"]
    # 陈老师 observes her 师傅 (his name finds him at the 中心校), and he her.
    await observe(bot, CHEN, WU)
    await observe(bot, WU, CHEN, "坐井观天")
    me = await bot.say(CHEN, "/me")
    assert MENTEE_LINE.format(done=1) in me
    assert MENTOR_LINE.format(done=1) in me
    assert MENTEE_LINE.format(done=1) in await bot.say(WU, "/me")
    # 李校长 sees the pair among her school's; the 中心校's own list has none.
    assert (f"1. 师傅{CENTRAL}·{WU} → 徒弟{CHEN}（9月1日起）：徒弟听课 1/8，师傅听课 1/4"
            in await bot.say(LI, "/mentor"))
    assert "全校师徒结对\n还没有结对。" in await bot.say(ZHOU, "/mentor")


async def test_the_mentor_reads_and_comments_her_reflection(bot: Driver) -> None:
    replies = await reflect(bot, CHEN, "秋天的雨")
    (told,) = to_chat(replies, bot.account(WU))
    assert plain(told) == f"📝 徒弟{LIJIA}·{CHEN}交了教学反思「秋天的雨」。"
    view = await tap(bot, WU, [told], "查看并点评")
    assert shown(view).startswith(f"{CHEN} · 教学反思 · 12月2日（周三）\n\n课题：秋天的雨")
    form = await tap(bot, WU, view, "写点评")
    form = await answer(bot, WU, "朗读指导写得具体，下次把时间也记下来。", replies=form)
    replies = await tap(bot, WU, form, "提交")
    assert plain(replies[0]) == f"✅ 点评已发给{CHEN}。"
    (comment,) = to_chat(replies, bot.account(CHEN))
    assert plain(comment).startswith(f"💬 师傅{WU}点评了您的教学反思「秋天的雨」")
    listed = await tap(bot, WU, await bot.send(WU, "/mentor"), f"看{CHEN}的反思")
    assert labels(listed) == ["12/2 · 秋天的雨"]
    # Nobody else of the 中心校 reads it; nor does 吴老师 read another 村小 teacher's.
    record_id = int(str(next(b.data for row in told.buttons for b in row)).split(":")[-1])
    for name in (ZHENG, ZHOU, LIU):
        for data in (f"mt:view:{record_id}", f"mt:note:{record_id}"):
            refused = await bot.send(name, button=data)
            assert [r.notice for r in refused] == ["这个结对已解除，或不是您的。"], (name, data)
    other = await reflect(bot, LIU, "观潮")
    assert to_chat(other, bot.account(WU)) == []
    theirs = bot.core.db.call(lambda s: mentoring.recent_records(
        s, teacher_id=_person(bot, LIU), semester_id=_semester(bot, LIJIA),
        kind="reflection", limit=1))[0][0]
    refused = await bot.send(WU, button=f"mt:view:{theirs}")
    assert [r.notice for r in refused] == ["这个结对已解除，或不是您的。"]


async def test_the_mentor_hears_of_her_open_lesson_and_books_it(
        bot: Driver, clock: ManualClock) -> None:
    replies = await fill_lesson(bot, CHEN)
    await tap(bot, CHEN, replies, "提交")
    sink = Sink(clock, [])
    runner = build_runner(bot.core, sink.send)
    await runner.tick()
    (told,) = [r for _, r in sink.to(bot, WU, "徒弟")]
    assert plain(told).startswith(f"📣 您的徒弟{LIJIA}·{CHEN}登记了公开课：\n"
                                  f"研讨课《秋天的雨》 · {CHEN}\n")
    page = await tap(bot, WU, [told], "查看并预约听课")
    booked = await tap(bot, WU, page, "预约听课")
    assert "预约成功" in shown(booked)
    assert sink.to(bot, ZHENG, "徒弟") == []
    # Another 中心校 teacher pressing the same button is refused, as any other school's.
    refused = await bot.send(ZHENG, button=_data(told, "查看并预约听课"))
    assert "预约听课" not in labels(refused)
    # 吴老师 on a 公开课 of another 李家村小学 teacher: refused too.
    theirs = await fill_lesson(bot, LIU, teacher=LIU)
    theirs = await tap(bot, LIU, theirs, "提交")
    lesson_id = _lesson_of(bot, LIU)
    refused = await bot.send(WU, button=f"bk:view:{lesson_id}")
    assert "预约听课" not in labels(refused)


async def test_the_village_admin_pairs_with_a_central_mentor(bot: Driver,
                                                            district: District) -> None:
    replies = await bot.send(LI, f"/mentor {CENTRAL}·{ZHENG} {LIU} 9月1日")
    own = [r for r in replies if r.chat is None]
    assert plain(own[0]) == f"✅ 已结对：师傅{CENTRAL}·{ZHENG}，徒弟{LIU}，9月1日起。"
    (tutor,) = to_chat(replies, bot.account(ZHENG))
    assert plain(tutor).startswith(f"🤝 教导处为您安排了徒弟：{LIJIA}·{LIU}（9月1日起）。")
    assert (CENTRAL, ZHENG, LIU, date(2026, 9, 1)) in pair_ids(district)
    # The name alone is of her own school: there is no 郑老师 at 李家村小学.
    assert await bot.say(LI, f"/mentor {ZHENG} {LIU}") == f"花名册里没有「{ZHENG}」。"
    # A 徒弟 of another school is not hers to pair.
    assert await bot.say(LI, f"/mentor {LIU} {CENTRAL}·{ZHENG}") == (
        f"花名册里没有「{CENTRAL}·{ZHENG}」。")


async def test_the_villages_archive_names_the_mentor_and_his_school(bot: Driver) -> None:
    await observe(bot, CHEN, WU)
    await observe(bot, WU, CHEN, "坐井观天")
    archive = Archive.of(await bot.send(LI, "/export"))
    (row,) = archive.table("师徒结对记录").data
    assert row[:4] == (1, f"{CENTRAL}·{WU}", CHEN, "语文组")
    assert row[4] == day(2026, 9, 1)
    assert row[6:10] == (1, 8, 1, 4)
    visits = archive.table("师徒听课记录")
    assert [(r[2], r[3], r[4]) for r in visits.data] == [
        (CHEN, f"{CENTRAL}·{WU}", "徒弟听师傅"), (f"{CENTRAL}·{WU}", CHEN, "师傅听徒弟")]
    # The 中心校's archive keeps to its own school's pairs.
    central = Archive.of(await bot.send(ZHOU, "/export"))
    rows = central.book()["师徒结对记录"].iter_rows(min_row=4, values_only=True)
    assert [row[:3] for row in rows] == [("合计", None, None)]


async def reflect(bot: Driver, name: str, title: str) -> list[Reply]:
    """``name`` hands in a 教学反思 of today's lesson ``title``."""
    replies = await answer(bot, name, title, "三年级2班", "今天", H30, "完成", S30, "完成",
                           "/skip", N30, "完成", replies=await bot.send(name, "/reflect"))
    return await tap(bot, name, replies, "提交")


def _data(reply: Reply, label: str) -> str:
    return str(next(b.data for row in reply.buttons for b in row if b.label == label))


def _person(bot: Driver, name: str) -> int:
    from storage.repos import people

    core = bot.core.school_named(LIJIA)  # type: ignore[attr-defined]
    return bot.core.db.call(lambda s: people.find_by_name(
        s, school_id=core.school_id, name=name))[0].id


def _semester(bot: Driver, school_name: str) -> int:
    from storage.repos import school

    core = bot.core.school_named(school_name)  # type: ignore[attr-defined]
    return bot.core.db.call(lambda s: school.current_semester(
        s, school_id=core.school_id, today=date(2026, 12, 2))).id


def _lesson_of(bot: Driver, name: str) -> int:
    from storage.repos import lessons

    teacher = _person(bot, name)
    return bot.core.db.call(lambda s: next(
        lesson.id for lesson in lessons.list_upcoming(
            s, school_id=bot.core.school_named(LIJIA).school_id,  # type: ignore[attr-defined]
            since=bot.core.clock.now()) if lesson.teacher_id == teacher))
