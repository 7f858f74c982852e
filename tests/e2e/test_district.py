"""One deployment for a 中心校 and its 村小 (issue 17): config, roster, routing, views.

People of examples/district-roster.csv: 周主任 is the 中心校's admin (学区管理员); 李校长
is the admin of 李家村小学, 陈老师 a teacher there, 刘老师 its 语文组's leader; 钱老师
teaches at 王庄村小学 (one 全科组, lighter quotas); 吴老师 leads the 中心校's 语文组.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.app import build_core, import_roster, read_roster
from bot.cli import main
from bot.config import load
from handlers.district import texts as district_texts
from handlers.district.router import District
from handlers.roster import RosterError
from scheduler.clock import ManualClock
from storage.repos import groups, records, school
from storage.tables import Record, Teacher
from tests.conftest import EXAMPLE_CONFIG, START
from tests.district_world import (
    CENTRAL,
    DISTRICT_CONFIG,
    DISTRICT_ROSTER,
    LIJIA,
    WANGZHUANG,
    ZHANGWAN,
    bind,
    link,
    make_district,
)
from tests.drivers import Driver, shown


@pytest.fixture
def district(sqlite_url: str, clock: ManualClock) -> Iterator[District]:
    built = make_district(sqlite_url, clock)
    yield built
    built.db.close()


@pytest.fixture
def driver(district: District) -> Driver:
    return Driver(district)


# -- config -------------------------------------------------------------------------------


def test_the_example_config_still_describes_one_school() -> None:
    config = load(str(EXAMPLE_CONFIG)).config
    assert config.school.name == "花城小学"
    assert config.schools == ()
    assert config.school_settings == ()


def test_each_school_takes_what_it_leaves_out_from_the_defaults() -> None:
    config = load(str(DISTRICT_CONFIG)).config
    by_name = {s.school.name: s for s in config.school_settings}
    assert list(by_name) == [CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN]
    assert config.school.name == CENTRAL  # the top level describes the 中心校
    # 王庄 sets its own quotas; 张湾 takes the 中心校's.
    assert [(q.label, q.target) for q in by_name[WANGZHUANG].quotas][:2] == [
        ("听课", 12), ("教学反思", 8)]
    assert [(q.label, q.target) for q in by_name[ZHANGWAN].quotas] == [
        (q.label, q.target) for q in config.quotas]
    # 李家's own day off comes on top of the district's 寒假.
    days_off = [day.name for day in by_name[LIJIA].calendar.days_off]
    assert "寒假" in days_off
    assert "村小运动会" in days_off
    assert "村小运动会" not in [day.name for day in by_name[ZHANGWAN].calendar.days_off]
    assert by_name[LIJIA].semesters == config.semesters


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = DISTRICT_CONFIG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "district.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "named"), [
    ('name = "张湾村小学"', 'name = "李家村小学"', "schools[3].name"),
    ('{ weekday = 4, start = 15:40:00, end = 16:20:00, place = "办公室" }',
     '{ weekday = 3, start = 16:00:00, end = 16:40:00, place = "办公室" }', "schools[1].groups"),
    ('{ weekday = 2, start = 15:40:00, end = 16:20:00, place = "会议室" }',
     '{ weekday = 2, start = 16:20:00, end = 15:40:00, place = "会议室" }',
     "schools[3].groups[0].slot"),
    ("[[schools]]\nname = \"城关镇中心校\"", "[school]\nname = \"城关镇中心校\"\n\n"
     "[[schools]]\nname = \"城关镇中心校\"", "school"),
    ('label = "读书笔记"', 'label = "读书笔记"\ngroups = ["英语组"]', "quotas[2].groups"),
    ('name = "王庄村小学"', 'name = "王庄村小学"\nmotto = "x"', "schools[2]"),
])
def test_a_bad_district_config_is_refused_naming_the_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str,
        named: str) -> None:
    path = _variant(tmp_path, old, new)
    assert main(["--config", str(path), "check-config"]) == 2
    assert f"配置项 {named}" in capsys.readouterr().err


def test_check_config_lists_every_school(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(DISTRICT_CONFIG), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "4 所学校（中心校：城关镇中心校）" in out
    assert "王庄村小学：1 个教研组，3 项研修指标" in out


# -- roster -------------------------------------------------------------------------------


def _roster(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("姓名,学校,教研组,角色,学科,工号\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def test_a_bad_district_roster_is_reported_by_row_and_nothing_is_imported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv("YANXIU_DATABASE_URL", sqlite_url)
    path = _roster(tmp_path,
                   "周主任,城关镇中心校,语文组,学区管理员,语文,Z001",
                   "钱老师,王庄村小学,语文组,教师,语文,W003",    # 王庄 has no 语文组
                   "吴老师,花城小学,语文组,教师,语文,W004",      # not a school of the config
                   "何老师,,语文组,教师,语文,N002",              # no school
                   "李校长,李家村小学,,学区管理员,语文,L001")    # not of the 中心校
    assert main(["--config", str(DISTRICT_CONFIG), "roster", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "第 3 行：教研组「语文组」不存在（可选：全科组）" in err
    assert "第 4 行：学校「花城小学」不在配置里" in err
    assert "第 5 行：没有填写学校" in err
    assert "第 6 行：学区管理员应属于中心校「城关镇中心校」" in err
    district = build_core(load(str(DISTRICT_CONFIG)).config, database_url=sqlite_url,
                          clock=ManualClock(START))
    try:
        assert district.db.call(lambda s: s.exec(select(Teacher)).all()) == []
    finally:
        district.db.close()


def test_several_schools_need_the_school_column(district: District, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("姓名,教研组,角色,学科\n王芳,语文组,教师,语文\n", encoding="utf-8")
    with pytest.raises(RosterError, match="表头缺少「学校」列"):
        read_roster(district, path)


def test_two_village_schools_each_have_their_own_语文组(district: District) -> None:
    def members(name: str) -> list[str]:
        core = district.school_named(name)
        assert core is not None

        def read(session: Session) -> list[str]:
            ids = school.group_ids(session, school_id=core.school_id)
            return [m.name for m in groups.members(session, group_ids=[ids["语文组"]])]

        return district.db.call(read)

    assert sorted(members(LIJIA)) == ["刘老师", "陈老师"]
    assert sorted(members(ZHANGWAN)) == ["何老师"]
    assert sorted(members(CENTRAL)) == ["吴老师", "周主任"]


async def test_a_teacher_moved_keeps_her_records_where_they_were_made(
        district: District, driver: Driver, tmp_path: Path) -> None:
    await bind(driver, "陈老师")
    lijia = district.school_named(LIJIA)
    assert lijia is not None

    def hand_in(session: Session) -> None:
        person = session.exec(select(Teacher).where(Teacher.name == "陈老师")).one()
        semester = school.current_semester(session, school_id=lijia.school_id,
                                           today=district.clock.now().date())
        assert semester is not None
        assert person.id is not None
        records.add_record(session, teacher_id=person.id, semester_id=semester.id,
                           kind="reflection", title="《秋天》教学反思", answers={}, chars=600,
                           occurred_on=district.clock.now().date(), now=district.clock.now())

    district.db.call(hand_in)
    assert "教学反思（本学期）1/10" in await driver.say("陈老师", "/me")
    moved = DISTRICT_ROSTER.read_text(encoding="utf-8").replace(
        "陈老师,李家村小学,语文组,教师,语文,L003", "陈老师,王庄村小学,全科组,教师,语文,L003")
    path = tmp_path / "moved.csv"
    path.write_text(moved, encoding="utf-8")
    import_roster(district, read_roster(district, path))
    # She goes on with the same account, now in 王庄 (its quotas), with nothing handed in.
    me = await driver.say("陈老师", "/me")
    assert "学校：王庄村小学" in me
    assert "教学反思（本学期）0/8" in me
    # The record stays with her entry at 李家, which is no longer active.
    rows = district.db.call(lambda s: s.exec(
        select(Teacher.school_id, Teacher.active, Teacher.account)
        .join(Record, col(Record.teacher_id) == col(Teacher.id))).all())
    assert rows == [(lijia.school_id, False, None)]


# -- who sees what ------------------------------------------------------------------------


async def test_each_teacher_is_served_by_their_own_school(driver: Driver) -> None:
    await bind(driver, "陈老师", "钱老师")
    chen = await driver.say("陈老师", "/me")
    assert "学校：李家村小学" in chen
    assert "听课（本学期）0/20" in chen
    qian = await driver.say("钱老师", "/me")
    assert "学校：王庄村小学" in qian
    assert "听课（本学期）0/12" in qian


async def test_a_village_admin_sees_only_her_own_school(driver: Driver) -> None:
    await bind(driver, "李校长")
    shown_ = await driver.say("李校长", "/progress")
    assert "全校研修进度" in shown_
    assert "语文组：2 人" in shown_
    assert "数学组：2 人" in shown_
    assert "综合组" not in shown_
    assert "全科组" not in shown_
    # Another school's name is no way in: it is not one of her groups.
    other = await driver.say("李校长", f"/progress {CENTRAL}")
    assert f"没有名为「{CENTRAL}」的教研组" in other
    assert "吴老师" not in other
    assert "全科组" in await driver.say("李校长", "/progress 全科组")  # unknown group, listed
    assert "王庄" not in await driver.say("李校长", "/pending")


async def test_the_district_admin_sees_the_schools_side_by_side(driver: Driver) -> None:
    await bind(driver, "周主任")
    [overview] = await driver.send("周主任", "/progress")
    text = shown([overview])
    assert "学区研修进度" in text
    assert "4 所学校" in text
    for name, people in ((CENTRAL, 4), (LIJIA, 5), (WANGZHUANG, 3), (ZHANGWAN, 3)):
        assert f"{name}：{people} 人" in text
    assert overview.attachment is not None
    assert overview.attachment.is_photo
    # One school in detail, then that school's groups by name.
    detail = await driver.say("周主任", f"/progress {LIJIA}")
    assert district_texts.DISTRICT_NOW_IN.format(school=LIJIA, home=CENTRAL) in detail
    assert "全校研修进度" in detail
    assert "语文组：2 人" in detail
    assert "综合组" not in detail
    group = await driver.say("周主任", "/progress 语文组")
    assert "刘老师" in group
    assert "陈老师" in group
    assert "吴老师" not in group
    # Her own records stay at home, and so does she after asking for them.
    assert "学校：城关镇中心校" in await driver.say("周主任", "/me")
    assert "吴老师" in await driver.say("周主任", "/progress 语文组")
    assert "刘老师" in await driver.say("周主任", f"/progress {LIJIA} 语文组")
    # Naming the 中心校 brings her home.
    home = await driver.say("周主任", f"/progress {CENTRAL} 语文组")
    assert "吴老师" in home
    assert "刘老师" not in home


async def test_the_district_admin_acts_in_a_village_schools_group(
        district: District, driver: Driver) -> None:
    await bind(driver, "周主任", "陈老师")
    chat = link(district, LIJIA, "语文组")
    seen = await driver.say("周主任", "/progress", chat=chat)
    assert "语文组 · 研修进度" in seen
    assert "2 人" in seen
    # A teacher of the 中心校 is a stranger there; the 村小's own teacher is at home.
    assert "陈老师" not in seen
    assert "研修进度" in await driver.say("陈老师", "/progress", chat=chat)


async def test_a_stranger_binds_into_the_school_of_the_code(driver: Driver) -> None:
    await bind(driver, "钱老师")
    assert "学校：王庄村小学" in await driver.say("钱老师", "/me")


async def test_a_request_names_the_school_and_reaches_only_its_admins(
        driver: Driver) -> None:
    await bind(driver, "李校长", "周主任", "王校长")
    asked = await driver.say("小明", "/request 黄老师")
    assert "请写上学校和姓名" in asked
    assert LIJIA in asked
    replies = await driver.send("小明", f"/request {LIJIA} 黄老师")
    to = {reply.chat.address for reply in replies if reply.chat is not None}
    assert driver.account("李校长") in to
    assert driver.account("周主任") not in to
    assert driver.account("王校长") not in to
    [request] = [r for r in replies if r.chat is not None
                 and r.chat.address == driver.account("李校长")]
    data = next(b.data for row in request.buttons for b in row if b.label == "批准")
    assert data is not None
    # Another school's admin pressing it (a forged press) changes nothing.
    refused = shown(await driver.send("王校长", button=data))
    assert "已批准" not in refused
    assert "您还没有绑定花名册" in await driver.say("小明", "/me")
    approved = shown(await driver.send("李校长", button=data))
    assert "已批准" in approved
    me = await driver.say("小明", "/me")
    assert "学校：李家村小学" in me


# -- the archive ----------------------------------------------------------------------


def test_export_writes_an_archive_per_school_and_the_summary(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("YANXIU_DATABASE_URL", sqlite_url)
    out = tmp_path / "out"
    assert main(["--config", str(DISTRICT_CONFIG), "export", "--out", str(out)]) == 0
    names = sorted(path.name for path in out.iterdir())
    assert [n.split("_")[0] for n in names if n.endswith(".zip")] == sorted(
        [CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN])
    [summary] = [out / n for n in names if n.endswith(".xlsx")]
    sheet = load_workbook(summary).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    schools = [row[0] for row in rows if row[0] in (CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN)]
    assert schools == [CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN]
    assert ["合计", 15] in [[row[0], row[2]] for row in rows]
    with zipfile.ZipFile(next(out / n for n in names if n.startswith(WANGZHUANG))) as archive:
        portfolios = [n for n in archive.namelist() if n.startswith("个人研修档案/")]
    assert sorted(p.split("/")[1].split("_")[0] for p in portfolios) == [
        "王校长", "赵老师", "钱老师"]
    # One school's archive alone; an unknown school is an error with exit status 2.
    one = tmp_path / "one"
    assert main(["--config", str(DISTRICT_CONFIG), "export", "--school", LIJIA,
                 "--out", str(one)]) == 0
    assert [p.name.split("_")[0] for p in one.iterdir()] == [LIJIA]
    assert main(["--config", str(DISTRICT_CONFIG), "export", "--school", "花城小学",
                 "--out", str(one)]) == 2
    assert "没有「花城小学」这所学校" in capsys.readouterr().err



# -- on Telegram ------------------------------------------------------------------------


async def test_the_district_on_the_ptb_application(district: District) -> None:
    """A 村小 teacher, its admin and the 学区管理员 through the real PTB Application."""
    from bot.app import issue_codes
    from bot.config import TelegramSpec
    from bot.tg.adapter import build_application
    from tests.fakes import TOKEN, RecordingRequest, Telegram, TgGroup, TgUser, unpaced
    from tests.fakes import shown as tg_shown

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
        [me] = await tg.say(chen, "/me")
        assert "学校：李家村小学" in tg_shown(me.text)
        # The 村小's admin links her group; the teacher's /progress there is that group's.
        group = TgGroup(-1003001, "李家语文组")
        [linked] = await tg.say(li, "/link 语文组", group=group)
        assert "语文组" in tg_shown(linked.text)
        sent = await tg.say(chen, "/progress", group=group)
        assert any("语文组 · 研修进度" in tg_shown(call.text) for call in sent)
        # The 学区管理员: every school side by side, with a chart.
        sent = await tg.say(zhou, "/progress")
        assert [call.method for call in sent] == ["sendPhoto"]
        text = tg_shown(sent[0].text)
        for name in (CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN):
            assert f"{name}：" in text
        # In the 村小's group she acts as one of its admins.
        sent = await tg.say(zhou, "/progress", group=group)
        assert any("语文组 · 研修进度" in tg_shown(call.text) for call in sent)
    assert api.malformed == []


# -- the 学区管理员's digest and month report ----------------------------------------------


async def test_the_district_admin_gets_the_weekly_digest_and_month_report(
        district: District, driver: Driver, clock: ManualClock) -> None:
    from datetime import datetime

    from bot.app import build_runner
    from handlers.types import Reply
    from storage.repos.outbox import OutboxItem
    from tests.conftest import ZONE

    await bind(driver, "周主任", "李校长")
    got: dict[str, list[Reply]] = {}

    async def deliver(reply: Reply, item: OutboxItem) -> bool:
        got.setdefault(item.chat, []).append(reply)
        return True

    runner = build_runner(district, deliver)

    async def at(moment: datetime) -> None:
        clock.set(moment)
        await runner.tick()

    await at(datetime(2026, 12, 7, 7, 50, tzinfo=ZONE))  # Monday: the digests
    zhou, li = driver.account("周主任"), driver.account("李校长")
    [digest] = [r for r in got.get(zhou, []) if "学区每周研修简报" in r.text]
    for name in (CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN):
        assert f"{name}：" in shown([digest])
    assert digest.attachment is not None
    # A 村小's admin gets her own school's things, never the district's.
    assert not any("学区" in r.text for r in got.get(li, []))
    await at(datetime(2026, 12, 31, 17, 0, tzinfo=ZONE))  # the month's last day
    [month] = [r for r in got[zhou] if "学区研修月报" in r.text]
    assert "12 月 学区研修月报" in shown([month])
    assert f"{WANGZHUANG}：3 人" in shown([month])
    assert not any("学区" in r.text for r in got.get(li, []))


async def test_the_district_digest_reads_each_schools_kept_standing(
        district: District, driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers.district.router import DISTRICT_DIGEST
    from handlers.features import reports
    from storage.repos.outbox import OutboxItem

    await bind(driver, "周主任")
    today = district.clock.now().astimezone(district.settings.zone).date()

    async def digest() -> list[str]:
        item = OutboxItem(id=0, key="test:district-digest", kind=DISTRICT_DIGEST,
                          chat=driver.account("周主任"), payload={"day": today.isoformat()},
                          due_at=district.clock.now(), attempts=0)
        [reply] = await district.render(item)
        return [line for line in shown([reply]).splitlines() if line.startswith(LIJIA)]

    async def live() -> list[str]:
        text = await driver.say("周主任", "/progress")
        return [line for line in text.splitlines() if line.startswith(LIJIA)]

    # The digest's figures are the live ones when nothing changed in between …
    [kept] = await digest()
    assert [kept] == await live()
    assert kept.startswith(f"{LIJIA}：5 人，平均完成 ")

    # … and stay the day's (kept with 李家村小学's snapshot) after 陈老师 hands in 听课,
    # while /progress measures live.
    def observe(session: Session) -> None:
        chen = session.exec(select(Teacher).where(Teacher.name == "陈老师")).one()
        semester = school.current_semester(session, school_id=chen.school_id, today=today)
        assert semester is not None
        assert chen.id is not None
        now = district.clock.now()
        session.add_all([Record(teacher_id=chen.id, semester_id=semester.id,
                                kind="observation", chars=200, occurred_on=today,
                                created_at=now, updated_at=now) for _ in range(40)])

    district.db.call(observe)
    assert await digest() == [kept]
    [moved] = await live()
    assert moved != kept
    # A stale snapshot is measured again when the digest asks for it.
    monkeypatch.setattr(reports, "SNAPSHOT_FRESH", timedelta(0))
    assert await digest() == [moved]


async def test_a_room_is_busy_only_with_sessions_of_its_own_school(
        district: District, driver: Driver) -> None:
    from bot.app import build_runner
    from handlers.types import Reply
    from tests.drivers import tap

    await bind(driver, "刘老师")

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(district, nowhere).tick()

    async def move(day: str, place: str) -> str:
        """刘老师 moves 李家村小学 语文组's next session to ``day`` 15:40 in ``place``."""
        sessions = await driver.send("刘老师", "/sessions")
        menu = await tap(driver, "刘老师", sessions, next(
            b.label for reply in sessions for row in reply.buttons for b in row))
        replies = await tap(driver, "刘老师", menu, "改时间地点")
        for text in (day, "15:40", "16:20"):
            replies = await driver.send("刘老师", text)
        replies = await tap(driver, "刘老师", replies, "修改某项")
        replies = await tap(driver, "刘老师", replies, "地点")
        replies = await driver.send("刘老师", place)
        return shown(await tap(driver, "刘老师", replies, "提交"))

    # 张湾村小学's 语文组 meets on Tuesdays 15:40 in its 会议室: not 李家村小学's.
    assert "⚠️" not in await move("12月8日", "会议室")
    # 李家村小学's own 数学组 meets on Thursdays 15:40 in the 办公室.
    clash = await move("12月10日", "办公室")
    assert "数学组12月10日（周四）15:40也在办公室活动" in clash


# -- on 钉钉: one robot, the schools as departments ------------------------------------------


async def test_on_dingtalk_the_directorys_department_names_the_school(
        tmp_path: Path, sqlite_url: str, clock: ManualClock) -> None:
    from tests.dingtalk_harness import running, shown
    from tests.fake_dingtalk import FakeDingTalk, Staff

    text = DISTRICT_CONFIG.read_text(encoding="utf-8")
    text = text.replace('name = "李家村小学"\n', 'name = "李家村小学"\ndepartments = [201]\n')
    text = text.replace('name = "王庄村小学"\n', 'name = "王庄村小学"\ndepartments = [301]\n')
    config_path = tmp_path / "district.toml"
    config_path.write_text(text, encoding="utf-8")
    # Two 张老师 without 工号 or 手机号, one in each 村小: only the department tells them apart.
    roster = tmp_path / "roster.csv"
    roster.write_text(DISTRICT_ROSTER.read_text(encoding="utf-8")
                      + "张老师,李家村小学,数学组,教师,数学,\n"
                      + "张老师,王庄村小学,全科组,教师,数学,\n",
                      encoding="utf-8")
    district = build_core(load(str(config_path)).config, database_url=sqlite_url, clock=clock)
    import_roster(district, read_roster(district, roster))
    fake = FakeDingTalk().start()
    try:
        async with running(district, fake) as dt:
            zhang = Staff("u9301", "张老师", departments=(301,))
            chen = Staff("u9201", "陈老师", job_number="L003", departments=(201,))
            await dt.bind(zhang)
            await dt.bind(chen)
            await dt.say(zhang, "/me")
            await dt.say(chen, "/me")
            assert any("学校：王庄村小学" in shown(t) for t in dt.fake.texts(zhang.user_id))
            assert any("学校：李家村小学" in shown(t) for t in dt.fake.texts(chen.user_id))
    finally:
        fake.stop()
        district.db.close()


async def test_links_go_to_the_school_of_who_links(district: District, driver: Driver) -> None:
    from handlers.types import Chat, ChatKind
    from storage.repos import chats

    await bind(driver, "李校长", "周主任")
    one = Chat(address="test:group:new1", kind=ChatKind.GROUP, title="新群一")
    two = Chat(address="test:group:new2", kind=ChatKind.GROUP, title="新群二")
    await driver.send("李校长", "/link 语文组", chat=one)
    await driver.send("周主任", f"/link {ZHANGWAN} 数学组", chat=two)
    lijia, zhangwan = district.school_named(LIJIA), district.school_named(ZHANGWAN)
    assert lijia is not None
    assert zhangwan is not None
    links = district.db.call(lambda s: [chats.get_link(s, chat=c.address) for c in (one, two)])
    assert [(link.school_id, link.group) for link in links if link] == [
        (lijia.school_id, "语文组"), (zhangwan.school_id, "数学组")]


# -- in the console sandbox ---------------------------------------------------------------


async def test_the_district_in_the_sandbox(sqlite_url: str, clock: ManualClock) -> None:
    """``yanxiu --config examples/district.toml sandbox``: a 村小 teacher, its admin and
    the 学区管理员, each in their own school's chats."""
    from tests.district_world import district_sandbox

    district, talk = district_sandbox(sqlite_url, clock)

    try:
        seen = await talk("/as 陈老师", "/me")
        assert "绑定成功" in seen
        assert "学校：李家村小学" in seen
        seen = await talk("/in 李家村小学 语文组", "/progress")
        assert "群「李家村小学 语文组」" in seen
        assert "语文组 · 研修进度" in seen
        seen = await talk("/as 李校长", "/in 私聊", "/progress")
        assert "语文组：2 人" in seen
        assert "综合组" not in seen
        seen = await talk("/as 周主任", "/progress")
        assert "学区研修进度" in seen
        assert "王庄村小学：3 人" in seen
        seen = await talk("/in 王庄村小学 全科组", "/progress")
        assert "全科组 · 研修进度" in seen
        assert "钱老师" not in seen  # totals in the group; names go to her privately
        seen = await talk("/as 小红", "/in 私聊", "/request 王庄村小学 钱老师")
        assert "已收到申请" in seen
    finally:
        district.db.close()
