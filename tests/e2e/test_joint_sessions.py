"""Sessions across schools (issue 17): a 联片教研 of the 中心校's 语文组 with 李家's 语文组
and 王庄's 全科组. The notice reaches each school's group; each member answers, signs in
and asks leave in their own school; each school's leaders see their own people on the
roll call, the 学区管理员 sees all; attendance counts in each teacher's own school.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from bot.app import build_runner
from handlers import texts
from handlers.district import texts as district_texts
from handlers.district.router import District
from handlers.types import Chat, Reply
from scheduler.clock import ManualClock
from storage.repos import meetings, school
from storage.repos.meetings import MeetingRow
from tests.conftest import ZONE
from tests.district_world import CENTRAL, LIJIA, WANGZHUANG, bind, link, make_district
from tests.drivers import Driver, button_data, labels, plain, shown

JOINT = f"/joint 语文组 {LIJIA} 语文组 {WANGZHUANG} 全科组"


@pytest.fixture
def district(sqlite_url: str, clock: ManualClock) -> Iterator[District]:
    built = make_district(sqlite_url, clock)
    yield built
    built.db.close()


@pytest.fixture
def driver(district: District) -> Driver:
    return Driver(district)


def next_session(district: District) -> MeetingRow:
    """The 中心校 语文组's next session (Wednesday 2026-12-02, 14:50)."""
    core = district.school_named(CENTRAL)
    assert core is not None

    def find(session):  # type: ignore[no-untyped-def]
        ids = school.group_ids(session, school_id=core.school_id)
        [found] = [m for m in meetings.list_meetings(
            session, group_ids=[ids["语文组"]], start=district.clock.now().date(),
            end=district.clock.now().date().replace(day=2, month=12)) if m.held]
        return found

    return district.db.call(find)


def to(replies: list[Reply], chat: Chat | str) -> list[Reply]:
    address = chat if isinstance(chat, str) else chat.address
    return [r for r in replies if r.chat is not None and r.chat.address == address]


async def announce(driver: Driver) -> list[Reply]:
    """周主任 fills in the 语文组's notice and posts it."""
    await driver.send("周主任", "/announce 语文组")
    for answer in ("整本书阅读联片教研", "吴老师", "观课-议课"):
        replies = await driver.send("周主任", answer)
    replies = await driver.send("周主任", "吴老师上课，各校语文老师观课、议课")
    replies = await driver.send("周主任", button=button_data(replies, "完成"))
    replies = await driver.send("周主任", "/skip")
    return await driver.send("周主任", button=button_data(replies, "提交"))


@pytest.fixture
async def joint(district: District, driver: Driver) -> dict[str, Chat]:
    """Everyone bound, each school's group chat linked, the 联片教研 set up."""
    async def deliver(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(district, deliver).tick()  # the semester's sessions
    await bind(driver, "周主任", "吴老师", "李校长", "刘老师", "陈老师", "黄老师", "杨老师",
               "王校长", "赵老师", "钱老师")
    chats = {CENTRAL: link(district, CENTRAL, "语文组"), LIJIA: link(district, LIJIA, "语文组"),
             WANGZHUANG: link(district, WANGZHUANG, "全科组"),
             "李家数学组": link(district, LIJIA, "数学组")}
    said = await driver.say("周主任", JOINT)
    assert "12月2日" in said
    assert f"联片教研，参加的有：{CENTRAL}语文组、{LIJIA}语文组、{WANGZHUANG}全科组" in said
    assert "/announce 语文组" in said
    return chats


async def test_the_notice_goes_to_each_schools_group(driver: Driver,
                                                     joint: dict[str, Chat]) -> None:
    replies = await announce(driver)
    for name in (CENTRAL, LIJIA, WANGZHUANG):
        [notice] = to(replies, joint[name])
        text = plain(notice)
        assert "整本书阅读联片教研" in text
        assert f"联片教研，参加的有：{CENTRAL}语文组" in text
        assert [b.label for row in notice.buttons for b in row] == ["参加", "请假"]
    assert to(replies, joint["李家数学组"]) == []
    # Adding a group later posts the notice to it at once.
    added = await driver.send("周主任", f"/joint 语文组 {LIJIA} 数学组")
    [late] = to(added, joint["李家数学组"])
    assert "整本书阅读联片教研" in plain(late)
    assert district_texts.JOINT_NO_NEW in await driver.say("周主任", JOINT)


async def test_the_reminders_reach_every_group_taking_part(
        district: District, driver: Driver, joint: dict[str, Chat],
        clock: ManualClock) -> None:
    await announce(driver)
    sent: list[tuple[str, Reply]] = []

    async def deliver(reply: Reply, item: object) -> bool:
        sent.append((getattr(item, "chat", ""), reply))
        return True

    runner = build_runner(district, deliver)
    await runner.tick()
    for at in (time(14, 25), time(14, 50)):
        clock.set(datetime.combine(date(2026, 12, 2), at, ZONE))
        await runner.tick()
    meeting = next_session(district)
    checkin = {chat for chat, reply in sent
               if any(b.data == f"att:in:{meeting.id}" for row in reply.buttons for b in row)}
    assert checkin == {joint[CENTRAL].address, joint[LIJIA].address,
                       joint[WANGZHUANG].address}
    # 钱老师 (王庄) and 陈老师 (李家) had the private reminder before, as 吴老师 did.
    soon = {chat for chat, reply in sent if "联片教研" in reply.text and "参加" in labels([reply])}
    assert {driver.account("钱老师"), driver.account("陈老师"), driver.account("吴老师")} <= soon


async def test_only_the_central_schools_admin_organises(driver: Driver,
                                                        joint: dict[str, Chat]) -> None:
    assert district_texts.JOINT_NOT_CENTRAL in await driver.say(
        "李校长", f"/joint 语文组 {WANGZHUANG} 全科组")
    assert "只有管理员" in await driver.say("吴老师", JOINT)
    assert f"「{LIJIA}」没有名为「全科组」的教研组" in await driver.say(
        "周主任", f"/joint 语文组 {LIJIA} 全科组")
    assert "例如" in await driver.say("周主任", "/joint 语文组")


async def test_members_of_every_school_answer_sign_in_and_ask_leave(
        district: District, driver: Driver, joint: dict[str, Chat],
        clock: ManualClock) -> None:
    meeting = next_session(district)
    replies = await announce(driver)
    [notice] = to(replies, joint[LIJIA])
    going = await driver.send("陈老师", button=button_data([notice], "参加"), chat=joint[LIJIA])
    assert going[0].notice == texts.ATTEND_GO_OK
    # 黄老师 (李家 数学组) takes no part: a forged press changes nothing.
    refused = await driver.send("黄老师", button=f"att:go:{meeting.id}", chat=joint[LIJIA])
    assert refused[0].notice == texts.NOT_YOUR_GROUP
    # 钱老师 asks leave: 王庄's admin decides, its 全科组 leader is told; not the 中心校.
    await driver.send("钱老师", button=f"att:leave:{meeting.id}")
    replies = await driver.send("钱老师", "送学生参加县里的比赛")
    replies = await driver.send("钱老师", button=button_data(replies, "提交"))
    asked = to(replies, driver.account("王校长"))
    assert "送学生参加县里的比赛" in plain(asked[0])
    assert to(replies, driver.account("周主任")) == []
    assert to(replies, driver.account("李校长")) == []
    assert to(replies, driver.account("赵老师"))
    decided = await driver.send("王校长", button=button_data(asked, "批准"))
    assert "已批准" in plain(to(decided, driver.account("钱老师"))[0])
    # At the start, 陈老师 signs in from her own school's group.
    clock.set(datetime(2026, 12, 2, 14, 50, tzinfo=ZONE))
    signed = await driver.send("陈老师", button=f"att:in:{meeting.id}", chat=joint[LIJIA])
    assert "签到成功" in signed[0].notice
    signed = await driver.send("吴老师", button=f"att:in:{meeting.id}", chat=joint[CENTRAL])
    assert "签到成功" in signed[0].notice

    # Each school's leader sees their own people on the roll call.
    listed = await driver.send("刘老师", "/sessions")
    label = district_texts.JOINT_ROLL.format(day="12月2日（周三）")
    roll = shown(await driver.send("刘老师", button=button_data(listed, label)))
    assert f"【{LIJIA}语文组】" in roll
    assert "陈老师：出席" in roll
    assert "刘老师：" in roll
    assert "钱老师" not in roll
    assert "吴老师" not in roll
    roll = shown(await driver.send("赵老师", button=f"ses:roll:{meeting.id}"))
    assert "钱老师：请假" in roll
    assert "陈老师" not in roll
    # The 学区管理员 sees every school's.
    roll = shown(await driver.send("周主任", button=f"ses:roll:{meeting.id}"))
    for line in ("吴老师：出席", "陈老师：出席", "钱老师：请假", f"【{WANGZHUANG}全科组】"):
        assert line in roll
    # 赵老师 cannot mark the 中心校's teacher (a forged press changes nothing).
    teacher_id = district.db.call(lambda s: next(
        r.teacher_id for r in meetings.members(s, group_id=meeting.group_id,
                                               meeting_id=meeting.id)
        if r.name == "吴老师"))
    forged = await driver.send("赵老师", button=f"ses:mark:{meeting.id}:{teacher_id}:a:p")
    assert forged[0].notice
    assert "吴老师：出席" in shown(await driver.send("周主任", button=f"ses:roll:{meeting.id}"))
    # 李家's 数学组 takes no part: its leader sees no roll call.
    assert (await driver.send("杨老师", button=f"ses:roll:{meeting.id}"))[0].notice == (
        texts.NOT_YOUR_SESSION)

    # Attendance counts in each teacher's own school: /me and the exported 考勤.
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=ZONE))
    chen = await driver.say("陈老师", "/me")
    liu = await driver.say("刘老师", "/me")
    attended = {name: text.split("教研活动出勤（本学期）")[1].split("/")[0]
                for name, text in (("陈老师", chen), ("刘老师", liu))}
    assert int(attended["陈老师"]) == int(attended["刘老师"]) + 1
    from tests.e2e.test_exports import Archive

    table = Archive.of(await driver.send("李校长", "/export 语文组")).table("考勤-语文组")
    column = table.header.index("12/2联片")  # 李家's own 语文组 session is 12/2 too
    assert {row[1]: row[column] for row in table.data} == {"刘老师": "缺席", "陈老师": "出席"}
    table = Archive.of(await driver.send("王校长", "/export 全科组")).table("考勤-全科组")
    column = table.header.index("12/2联片")
    marks = {row[1]: row[column] for row in table.data}
    assert marks["钱老师"] == "请假"


# -- 公开课 open to the district's other schools -------------------------------------------


async def _village_lesson(district: District) -> int:
    """陈老师 (李家) gives a 研讨课 on 2026-12-10 10:00; its id."""
    from storage.repos import lessons, people

    core = district.school_named(LIJIA)
    assert core is not None
    now = district.clock.now()

    def add(session):  # type: ignore[no-untyped-def]
        semester = school.current_semester(session, school_id=core.school_id,
                                           today=now.astimezone(ZONE).date())
        [chen] = people.find_by_name(session, school_id=core.school_id, name="陈老师")
        return lessons.add_lesson(
            session, teacher_id=chen.id, semester_id=semester.id, kind="研讨课",
            starts_at=datetime(2026, 12, 10, 10, 0, tzinfo=ZONE), period="2", place="村小教室",
            class_name="三年级", subject="语文", title="秋天的雨", booking_required=True,
            created_by=chen.id, now=now)

    return district.db.call(add)


async def test_village_lessons_stay_in_their_school_unless_the_config_opens_them(
        district: District, driver: Driver) -> None:
    await bind(driver, "陈老师", "钱老师")
    lesson = await _village_lesson(district)
    assert "秋天的雨" not in await driver.say("钱老师", "/lessons")
    refused = await driver.send("钱老师", button=f"bk:book:{lesson}")
    assert refused[0].notice == texts.LESSON_GONE


@pytest.fixture
def open_district(tmp_path, sqlite_url: str,  # type: ignore[no-untyped-def]
                  clock: ManualClock) -> Iterator[District]:
    from bot.app import build_core, import_roster, read_roster
    from bot.config import load
    from tests.district_world import DISTRICT_CONFIG, DISTRICT_ROSTER

    text = DISTRICT_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "district.toml"
    assert "\n[reminders]\n" in text
    path.write_text(text.replace("\n[reminders]\n", "\n[lessons]\ncross_school_booking = true"
                                 "\n\n[reminders]\n", 1), encoding="utf-8")
    built = build_core(load(str(path)).config, database_url=sqlite_url, clock=clock)
    assert isinstance(built, District)
    import_roster(built, read_roster(built, DISTRICT_ROSTER))
    yield built
    built.db.close()


async def test_a_teacher_books_and_observes_another_schools_lesson(
        open_district: District, clock: ManualClock) -> None:
    from tests.e2e.test_lessons import write_observation

    driver = Driver(open_district)
    await bind(driver, "陈老师", "钱老师", "王校长")
    lesson = await _village_lesson(open_district)
    listed = await driver.send("钱老师", "/lessons")
    assert "秋天的雨" in shown(listed)
    assert f"{LIJIA}的公开课" in shown(listed)
    page = await driver.send("钱老师", button=f"bk:view:{lesson}")
    booked = await driver.send("钱老师", button=button_data(page, "预约听课"))
    assert booked[0].notice == texts.LESSON_BOOKED_OK
    assert "钱老师" in shown(await driver.send("陈老师", button=f"bk:view:{lesson}"))
    # Another school's admin reads no 评课 of it, nor anything else of 陈老师's.
    assert (await driver.send("王校长", button=f"bk:reviews:{lesson}"))[0].notice == (
        texts.LESSON_GONE)
    before = await driver.say("钱老师", "/me")
    clock.set(datetime(2026, 12, 10, 11, 0, tzinfo=ZONE))
    replies = await write_observation(driver, "钱老师", lesson)
    assert any("评课" in plain(r) for r in replies
               if r.chat is not None and r.chat.address == driver.account("陈老师"))
    after = await driver.say("钱老师", "/me")
    count = [text.split("听课（本学期）")[1].split("/")[0] for text in (before, after)]
    assert int(count[1]) == int(count[0]) + 1
    assert "学校：王庄村小学" in after


async def test_a_joint_session_in_the_sandbox(sqlite_url: str, clock: ManualClock) -> None:
    """``yanxiu --config examples/district.toml sandbox``: the 学区管理员 sets up a 联片教研
    and a 村小 teacher finds it on /sessions in her own school."""
    from tests.district_world import district_sandbox

    district, talk = district_sandbox(sqlite_url, clock)

    try:
        seen = await talk("/clock +10m", "/as 周主任", JOINT)  # the scheduler plans the term
        assert f"联片教研，参加的有：{CENTRAL}语文组、{LIJIA}语文组、{WANGZHUANG}全科组" in seen
        seen = await talk("/as 钱老师", "/sessions")
        assert "联片教研，参加的有" in seen
        assert "语文组" in seen
    finally:
        district.db.close()


async def test_a_joint_session_on_the_ptb_application(district: District) -> None:
    """Through the real PTB Application: the 学区管理员 sets up and announces a 联片教研;
    the notice reaches the 村小's group chat, where its teacher answers 参加."""
    from bot.app import issue_codes
    from bot.config import TelegramSpec
    from bot.tg.adapter import build_application
    from tests.fakes import TOKEN, RecordingRequest, Telegram, TgGroup, TgUser, unpaced
    from tests.fakes import shown as tg_shown

    async def deliver(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(district, deliver).tick()  # the semester's sessions
    chen, li, zhou = TgUser(3001, "陈老师"), TgUser(3002, "李校长"), TgUser(3003, "周主任")
    api = RecordingRequest()
    app = build_application(district, token=TOKEN, spec=TelegramSpec(),
                            request=api, limiter=unpaced())
    codes = {row.name: row.code for row in issue_codes(district)}
    async with app:
        tg = Telegram(app, api, district)
        for user in (chen, li, zhou):
            [bound] = await tg.say(user, f"/start bind-{codes[user.first_name]}")
            assert "绑定成功" in bound.text
        group = TgGroup(-1003001, "李家语文组")
        await tg.say(li, "/link 语文组", group=group)
        said = await tg.say(zhou, f"/joint 语文组 {LIJIA} 语文组")
        assert f"{LIJIA}语文组" in tg_shown(said[0].text)
        await tg.say(zhou, "/announce 语文组")
        for answer in ("整本书阅读联片教研", "吴老师", "观课-议课"):
            await tg.say(zhou, answer)
        content = await tg.say(zhou, "吴老师上课，各校语文老师观课、议课")
        await tg.press(zhou, next(c for c in content if "完成" in c.labels), "完成")
        check = await tg.say(zhou, "/skip")
        sent = await tg.press(zhou, next(c for c in check if "提交" in c.labels), "提交")
        [notice] = [call for call in sent if call.chat_id == group.id
                    and call.method == "sendMessage"]
        assert "联片教研，参加的有" in tg_shown(notice.text)
        answered = await tg.press(chen, notice, "参加")
        [toast] = [call for call in answered if call.method == "answerCallbackQuery"]
        assert toast.params.get("text") == texts.ATTEND_GO_OK
    assert api.malformed == []
