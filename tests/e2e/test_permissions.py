"""Who may do what, as tables: every command and every button prefix × every kind of sender.

The expected access and chat of each command are written here by hand, from the design
(README, texts, DOMAIN): they are not read back from ``handlers.dispatch``, whose command
and button tables are only used to make sure every command and prefix has a row here.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.app import build_runner, import_roster, read_roster
from handlers import texts
from handlers.context import Where
from handlers.dispatch import BUTTONS, COMMANDS, Core
from handlers.permissions import Access
from handlers.render import polite
from handlers.types import Button, Chat, ChatKind, Reply
from scheduler.clock import ManualClock
from storage.repos import (
    assignments,
    chats,
    drafts,
    lessons,
    meetings,
    mentoring,
    pauses,
    people,
    prep,
    records,
    school,
    similar,
    term,
)
from storage.repos.outbox import OutboxItem
from storage.tables import (
    Attendance,
    AuditEntry,
    BindAttempt,
    BindRequest,
    Booking,
    Meeting,
    Membership,
    Record,
    Teacher,
)
from tests.conftest import DEMO_ROSTER, ZONE
from tests.drivers import Driver, plain

S, T, L, A = Access.STRANGER, Access.TEACHER, Access.LEADER, Access.ADMIN
PRIVATE, GROUP, ANY = Where.PRIVATE, Where.GROUP, Where.ANY

# command -> (the least access that may use it, where it works). Written from the design.
COMMAND_TABLE: dict[str, tuple[Access, Where]] = {
    "start": (S, PRIVATE),
    "help": (S, ANY),
    "bind": (S, PRIVATE),
    "request": (S, PRIVATE),
    "me": (T, PRIVATE),
    "reflect": (T, PRIVATE),
    "observe": (T, PRIVATE),
    "record": (T, PRIVATE),
    "mine": (T, PRIVATE),
    "cancel": (T, PRIVATE),
    "back": (T, PRIVATE),
    "skip": (T, PRIVATE),
    "done": (T, PRIVATE),
    "settings": (T, PRIVATE),
    "pause": (T, PRIVATE),
    "addlesson": (T, PRIVATE),
    "sessions": (T, ANY),
    "lessons": (T, ANY),
    "progress": (T, ANY),
    "announce": (L, PRIVATE),
    "check": (L, PRIVATE),
    "pending": (A, PRIVATE),
    "export": (A, PRIVATE),
    "audit": (A, PRIVATE),
    "teacher": (A, PRIVATE),
    "addteacher": (A, PRIVATE),
    "link": (A, GROUP),
    "unlink": (A, GROUP),
    # issue 16 §2: 预约听课 arranged by 教导处
    "assignlesson": (A, PRIVATE),
    # issue 16 §3 师徒结对, §5 课题
    "mentor": (T, PRIVATE),
    "topic": (T, PRIVATE),
    "prep": (T, PRIVATE),
    # issue 16 §6, §7
    "plans": (T, PRIVATE),
    "outings": (T, PRIVATE),
    "outing": (A, PRIVATE),
    "appraise": (A, PRIVATE),
    "joint": (A, PRIVATE),  # issue 17: 联片教研 (a 中心校's admin; refused in one school)
}
# button prefix -> the least access that may press it.
BUTTON_TABLE: dict[str, Access] = {
    "f": T, "rec": T, "mine": T, "att": T, "bk": T, "set": T,
    "ses": L, "chk": L,
    "lv": A, "br": A, "ro": A,
    "pzc": T, "pz": A,  # /pause: withdraw (the teacher), approve or refuse (教导处)
    "asg": T,  # issue 16 §2: 登记这节课 (the arranged teacher, or an admin)
    "mt": T, "kt": T,  # issue 16 §3, §5: the handlers check pair, owner and 教导处
    "prep": T,
    "pln": T, "out": T, "apr": A,  # issue 16 §6, §7
}
# Arguments that keep a cell cheap and free of side effects (a bare /export takes seconds).
COMMAND_ARGS = {"export": "刘洋"}

WHO = {T: "已绑定的老师", L: "教研组长或管理员", A: "管理员"}
STRANGER_REFUSED = "您还没有绑定花名册"
DEACTIVATED = "您的账号已停用"
REFUSALS = (STRANGER_REFUSED, DEACTIVATED, "抱歉，只有", "需要在私聊中使用",
            "需要在教研组的群里使用")

OTHER_SCHOOL = "白云小学"


@dataclass(frozen=True)
class Role:
    """A kind of sender: who they are on the roster and what the bot must treat them as."""

    key: str
    name: str
    access: Access
    deactivated: bool = False

    @property
    def bound(self) -> bool:
        return self.key not in ("stranger", "other_admin")


ROLES = (
    Role("stranger", "路人", S),
    Role("teacher", "刘洋", T),
    Role("other_leader", "张伟", L),  # leads 数学组
    Role("leader", "王芳", L),  # leads 语文组
    Role("admin", "陈主任", A),  # 管理员, member of 语文组
    Role("deactivated", "孙丽", S, deactivated=True),
    Role("other_admin", "外校管理员", S),  # admin of another school: a stranger here
)
PEER = Role("peer", "周静", T)  # another teacher of 语文组 (not the owner of anything)
BUTTON_ROLES = (*ROLES, PEER)


@dataclass
class World:
    """The demo school with everyone bound, one teacher deactivated, and a second school."""

    core: Core
    driver: Driver
    ids: dict[str, int] = field(default_factory=dict)
    cells: itertools.count[int] = field(default_factory=itertools.count)

    def teacher_id(self, name: str) -> int:
        def find(session: Session) -> int:
            found = session.exec(select(Teacher.id).where(
                Teacher.name == name, Teacher.school_id == self.core.school_id)).first()
            assert found is not None, name
            return found

        return self.core.db.call(find)

    def fresh_group(self, group: str | None = "语文组", *, school_id: int | None = None) -> Chat:
        """A new group chat linked to ``group`` (None: the whole school) of a school."""
        cell = self.driver.group(f"cell{next(self.cells)}")  # the platform's group address
        chat = Chat(address=cell.address, kind=ChatKind.GROUP, title=group or "全校")
        owner = school_id or self.core.school_id

        def apply(session: Session) -> None:
            group_id = school.group_ids(session, school_id=owner).get(group) if group else None
            chats.set_link(session, chat=chat.address, title=chat.title, school_id=owner,
                           group_id=group_id, actor_id=None, now=self.core.clock.now())

        self.core.db.call(apply)
        return chat

    def drop_draft(self, name: str) -> None:
        account = self.driver.account(name)
        self.core.db.call(lambda s: drafts.delete_draft(s, account=account))

    def draft_form(self, name: str) -> str | None:
        account = self.driver.account(name)
        row = self.core.db.call(lambda s: drafts.get_draft(s, account=account))
        return None if row is None else row.form


def _add_other_school(core: Core, driver: Driver) -> dict[str, int]:
    """白云小学 with its own 语文组, a session of it, and its admin bound to a test account."""

    def apply(session: Session) -> dict[str, int]:
        other = school.ensure_school(
            session, name=OTHER_SCHOOL, groups=["语文组"],
            semesters=[("2026-2027学年第一学期", date(2026, 9, 1), date(2027, 1, 22), "")])
        group_id = school.group_ids(session, school_id=other)["语文组"]
        admin = Teacher(school_id=other, name="外校管理员", role="admin",
                        account=driver.account("外校管理员"))
        session.add(admin)
        session.flush()
        assert admin.id is not None
        session.add(Membership(teacher_id=admin.id, group_id=group_id, is_leader=True))
        semester = school.current_semester(session, school_id=other, today=date(2026, 11, 30))
        assert semester is not None
        meeting = Meeting(group_id=group_id, semester_id=semester.id,
                          planned_on=date(2026, 12, 3),
                          starts_at=datetime(2026, 12, 3, 14, 0, tzinfo=ZONE),
                          ends_at=datetime(2026, 12, 3, 15, 30, tzinfo=ZONE),
                          place="白云小学会议室", status=meetings.PLANNED)
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        return {"other_school": other, "OM": meeting.id, "other_admin": admin.id}

    return core.db.call(apply)


async def _no_send(_reply: Reply, _item: OutboxItem) -> bool:
    return True


@pytest.fixture
async def world(core: Core, clock: ManualClock) -> World:
    return await make_world(core, Driver(core))


async def make_world(core: Core, driver: Driver) -> World:
    """The table's school, driven by ``driver`` (the Core's, or one on a platform)."""
    driver.bind("刘洋", "张伟", "王芳", "陈主任", "孙丽", "周静")
    entries = read_roster(core, DEMO_ROSTER)
    import_roster(core, [entry for entry in entries if entry.name != "孙丽"])
    made = World(core, driver)
    made.ids.update(_add_other_school(core, driver))
    await build_runner(core, _no_send).tick()
    return made


# -- commands ---------------------------------------------------------------------------


def test_every_command_has_a_row(config) -> None:  # type: ignore[no-untyped-def]
    form_commands = {form.command for form in config.catalog if form.command}
    assert form_commands == {"reflect", "observe"}
    assert set(COMMAND_TABLE) == set(COMMANDS) | form_commands


def test_every_button_prefix_has_a_row() -> None:
    assert set(BUTTON_TABLE) == set(BUTTONS)


def _allowed_marker(name: str, role: Role, chat: Chat) -> str:
    """What a sender allowed to use ``/name`` sees (a fragment of the plain text)."""
    bound = role.bound
    private = chat.is_private
    markers: dict[str, str | Callable[[], str]] = {
        "start": lambda: ("请先绑定花名册" if not bound else
                          DEACTIVATED if role.deactivated else "您好！"),
        # A deactivated teacher is told so (not offered /bind and /request), in any chat.
        "help": lambda: (DEACTIVATED if role.deactivated else
                         "我能做的事" if private else "在群里可以用"),
        "bind": lambda: "这个账号已经绑定为" if bound else "请这样发送：/bind 绑定码",
        "request": lambda: "这个账号已经绑定为" if bound else "请这样发送：/request 您的姓名",
        "me": f"{role.name}（",
        "reflect": "教学反思 · 第 1/7 项",
        "observe": "听课记录 · 第 1/11 项",
        "record": "要交哪一种材料？",
        "mine": "本学期您还没有提交记录",
        "cancel": "现在没有正在填写的表单",
        "back": "现在没有正在填写的表单",
        "skip": "现在没有正在填写的表单",
        "done": "现在没有正在填写的表单",
        "settings": "提醒设置",
        "pause": "请这样发送：/pause 开始日期 结束日期 原因",
        "addlesson": "公开课登记 · 第",
        "sessions": "近 4 周的教研活动",
        "lessons": "近期没有登记的公开课",
        "progress": lambda: "全校研修进度" if role.access is A and private else "· 研修进度",
        "announce": lambda: ("要发布哪个教研组的通知？" if role.access is A
                             else "发布这次教研的通知"),
        "check": "月记录检查",
        "pending": "没有待审核的绑定申请",
        "export": "📦 花城小学",
        "audit": "条操作记录",
        "teacher": "请这样发送：/teacher 姓名",
        "addteacher": "请这样发送：/addteacher 姓名 教研组",
        "link": "请这样发送：/link 语文组",
        "unlink": "本群已取消关联",
        "assignlesson": "预约听课安排 · 第 1/4 项",
        "mentor": lambda: "全校师徒结对" if role.access is A else "您还没有师徒结对",
        "topic": "您还没有登记课题",
        "prep": "集体备课",
        "plans": "· 计划与总结",
        "outings": "· 外出学习汇报",
        "outing": "请这样发送：/outing 姓名 培训名称 返校日期",
        "appraise": "· 考核（截至",
        "joint": "联片教研由中心校组织",
    }
    marker = markers[name]
    return marker if isinstance(marker, str) else marker()


def _expected_command(name: str, role: Role, chat: Chat) -> tuple[str, str]:
    """(kind, text fragment) the cell must show: a refusal of some kind, or the marker."""
    access, where = COMMAND_TABLE[name]
    if where is PRIVATE and not chat.is_private:
        return "private-only", f"/{name} 需要在私聊中使用"
    if where is GROUP and chat.is_private:
        return "group-only", f"/{name} 需要在教研组的群里使用"
    if role.access < access:
        if role.deactivated:
            return "refused", DEACTIVATED
        if role.access is S:
            return "refused", STRANGER_REFUSED
        return "refused", f"抱歉，只有{WHO[access]}可以使用 /{name}。"
    return "allowed", _allowed_marker(name, role, chat)


def _shown(replies: list[Reply]) -> str:
    return "\n".join(f"{plain(reply)}\n{reply.notice or ''}" for reply in replies)


async def _command_cell(world: World, name: str, role: Role, chat: Chat) -> str | None:
    """Run one cell; a description of what is wrong, or None."""
    world.drop_draft(role.name)
    arg = COMMAND_ARGS.get(name, "")
    text = f"/{name} {arg}".strip()
    replies = await world.driver.send(role.name, text, chat=chat)
    shown = _shown(replies)
    kind, fragment = _expected_command(name, role, chat)
    where = "private" if chat.is_private else "group"
    cell = f"{text!r} by {role.key} ({role.name}) in {where}"
    if fragment not in shown:
        return f"{cell}: expected {kind} {fragment!r}, got {shown!r}"
    if kind == "allowed":
        wrong = [r for r in REFUSALS if r in shown and r not in fragment]
        if wrong:
            return f"{cell}: allowed, but the answer refuses ({wrong}): {shown!r}"
    if kind == "private-only":
        starts = [b.start for r in replies for row in r.buttons for b in row]
        if starts != [f"cmd-{name}"]:
            return f"{cell}: expected one deep-link button cmd-{name}, got {starts}"
    elif any(b.start == f"cmd-{name}" for r in replies for row in r.buttons for b in row):
        return f"{cell}: a deep-link button where none belongs"
    return None


@pytest.mark.parametrize("role", ROLES, ids=[role.key for role in ROLES])
async def test_command_table(world: World, role: Role) -> None:
    private = Chat(address=world.driver.account(role.name), kind=ChatKind.PRIVATE)
    problems = []
    for name in sorted(COMMAND_TABLE):
        for chat in (private, world.fresh_group()):
            problem = await _command_cell(world, name, role, chat)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


async def test_an_unlinked_group_answers_only_link_and_help(world: World) -> None:
    chat = Chat(address="test:group:nowhere", kind=ChatKind.GROUP, title="闲聊群")
    told = await world.driver.send("陈主任", "/me", chat=chat)
    assert [plain(r) for r in told] == [plain(Reply(texts.UNLINKED_GROUP))]
    for role in ROLES:
        for name in sorted(COMMAND_TABLE):
            replies = await world.driver.send(role.name, f"/{name}", chat=chat)
            if name in ("link", "help"):
                assert replies, (name, role.key)
            else:
                assert replies == [], (name, role.key, _shown(replies))
    # Link and help still obey the table: only an admin links, and /link alone explains.
    usage = await world.driver.send("陈主任", "/link", chat=chat)
    assert "请这样发送：/link 语文组" in _shown(usage)
    assert "抱歉，只有管理员可以使用 /link。" in _shown(
        await world.driver.send("王芳", "/link 语文组", chat=chat))
    assert STRANGER_REFUSED in _shown(
        await world.driver.send("外校管理员", "/link 语文组", chat=chat))
    assert world.core.db.call(lambda s: chats.get_link(s, chat=chat.address)) is None


async def test_a_group_linked_to_another_school_is_not_served(world: World) -> None:
    chat = world.fresh_group("语文组", school_id=world.ids["other_school"])
    told = await world.driver.send("陈主任", "/sessions", chat=chat)
    assert [plain(r) for r in told] == [plain(Reply(texts.UNLINKED_GROUP))]
    assert await world.driver.send("刘洋", "/sessions", chat=chat) == []
    assert await world.driver.send("外校管理员", "/progress", chat=chat) == []


# -- buttons ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Buttons with ``data`` pressed by every role; ``ok`` maps each allowed role to a marker.

    Roles whose access is below the prefix's are refused by the dispatcher; every role that
    passes that check must have its expected marker here. ``order`` is the order in which
    the roles press (state-changing buttons put the rightful one last).
    """

    data: str
    ok: dict[str, str]
    order: tuple[str, ...] = ()
    chat: str = "private"


EXPIRED = "这个按钮已经失效了"
PREP_NOT_LEAD = "只有主备人能交教案"
PREP_NOT_MEMBER = "这是其他教研组的集体备课"
PREP_NONE = "这次集体备课已取消，或还没有确定主备人"
NOT_YOUR_SESSION = "只有本组教研组长或管理员可以操作"
NOT_YOUR_GROUP = "这不是您所在教研组的活动"
GONE = "这条记录不存在或已删除"
REVIEW_GONE = "这份记录已删除，或不在您的检查范围内"
ASSIGN_NOT_YOURS = "这节课是约定给别的老师的"

MENTOR_GONE, TOPIC_GONE = "这个结对已解除，或不是您的", "这个课题已结题或已删除"
MEMBERS_OK = {"teacher": "已记下您参加", "peer": "已记下您参加", "leader": "已记下您参加",
              "admin": "已记下您参加", "other_leader": NOT_YOUR_GROUP}


def _everyone(marker: str, **special: str) -> dict[str, str]:
    return {role.key: special.get(role.key, marker) for role in BUTTON_ROLES}


CASES: dict[str, list[Case]] = {
    "ses": [
        Case("ses:menu:{M}", {"other_leader": NOT_YOUR_SESSION, "leader": "语文组教研 ·",
                              "admin": "语文组教研 ·"}),
        Case("ses:menu:{M}", {"other_leader": NOT_YOUR_SESSION, "leader": "语文组教研 ·",
                              "admin": "语文组教研 ·"}, chat="group"),
        Case("ses:menu:{MM}", {"other_leader": "数学组教研 ·", "leader": NOT_YOUR_SESSION,
                               "admin": "数学组教研 ·"}),
        Case("ses:mark:{M}:{LIU}:a:q", {"other_leader": NOT_YOUR_SESSION,
                                      "leader": "语文组教研考勤", "admin": "语文组教研考勤"}),
        Case("ses:roll:{M}", {"other_leader": NOT_YOUR_SESSION, "leader": "刘洋：缺席",
                              "admin": "刘洋：缺席"}),
        Case("ses:cancel:{M2}", {"other_leader": NOT_YOUR_SESSION, "leader": "确定取消",
                                 "admin": "确定取消"}),
        Case("ses:cancelok:{M2}", {"other_leader": NOT_YOUR_SESSION, "leader": "已更新",
                                   "admin": "这次教研已经取消了"}),
        Case("ses:announce-group:{G}", {"other_leader": NOT_YOUR_SESSION,
                                        "leader": "发布这次教研的通知",
                                        "admin": "发布这次教研的通知"}),
        # Another school's session: nobody here manages it, not even this school's admin.
        Case("ses:menu:{OM}", {"other_leader": NOT_YOUR_SESSION, "leader": NOT_YOUR_SESSION,
                               "admin": NOT_YOUR_SESSION}),
    ],
    "att": [
        Case("att:go:{M}", MEMBERS_OK),
        Case("att:go:{M}", MEMBERS_OK, chat="group"),
        Case("att:in:{M}", {**dict.fromkeys(("teacher", "peer", "leader", "admin"),
                                            "现在不在签到时间内"),
                            "other_leader": NOT_YOUR_GROUP}),
        Case("att:go:{MM}", {**dict.fromkeys(("teacher", "peer", "leader", "admin"),
                                             NOT_YOUR_GROUP),
                             "other_leader": "已记下您参加"}),
    ],
    "lv": [
        Case("lv:ok:{M}:{LIU}", {"admin": "陈主任已批准"}),
    ],
    "br": [
        Case("br:ok:{B}", {"admin": "陈主任已批准"}),
    ],
    "mine": [
        Case("mine:view:{R}:0", _everyone(GONE, teacher="心得体会 ·")),
        Case("mine:edit:{R}", _everyone(GONE, teacher="修改心得体会")),
        Case("mine:del:{R}:0", _everyone(GONE, teacher="确定删除「刘洋的心得」吗")),
        Case("mine:delok:{R}", _everyone(GONE, teacher="已删除「刘洋的心得」"),
             order=("stranger", "other_admin", "deactivated", "peer", "leader",
                    "other_leader", "admin", "teacher")),
    ],
    "f": [
        Case("f:wrongtoken:submit", _everyone(EXPIRED)),
        Case("f:wrongtoken:cancel", _everyone(EXPIRED)),
    ],
    "rec": [
        Case("rec:insight", _everyone("心得体会 · 第 1/2 项")),
        Case("rec:no_such_form", _everyone(EXPIRED)),
    ],
    "bk": [
        Case("bk:view:{LES}", _everyone("《秋天的雨》")),
        Case("bk:book:{LES}", _everyone("预约成功", teacher="这是您自己的课")),
        Case("bk:reflect:{LESP}", _everyone(EXPIRED, teacher="教学反思 · 第 4/7 项")),
        Case("bk:note:{LES}", _everyone(EXPIRED, teacher="说课稿 · 第 1/1 项")),
        Case("bk:reviews:{LES}", _everyone(EXPIRED, teacher="《秋天的雨》的评课",
                                           admin="《秋天的雨》的评课")),
    ],
    "chk": [
        Case("chk:t:{LIU}", {"other_leader": REVIEW_GONE, "leader": "刘洋 11月的记录",
                             "admin": "刘洋 11月的记录"}),
        Case("chk:r:{R}", {"other_leader": REVIEW_GONE, "leader": "刘洋 · 心得体会",
                           "admin": "刘洋 · 心得体会"}),
        Case("chk:m:{R}:excellent", {"other_leader": REVIEW_GONE,
                                     "leader": "检查意见 · 第 2/2 项",
                                     "admin": "检查意见 · 第 2/2 项"}),
        Case("chk:all:0", {"other_leader": "11月记录检查（数学组）",
                           "leader": "11月记录检查（语文组）", "admin": "11月记录检查（全校）"}),
        # issue 16 §1: a record and the one it closely matches, side by side.
        Case("chk:sim:{R}:{R2}", {"other_leader": REVIEW_GONE, "leader": "对照查看（相似度 80%）",
                                  "admin": "对照查看（相似度 80%）"}),
        Case("chk:sim:{R}:{R}", {"other_leader": REVIEW_GONE, "leader": REVIEW_GONE,
                                 "admin": REVIEW_GONE}),
    ],
    "asg": [
        Case("asg:reg:{ASG}", _everyone(ASSIGN_NOT_YOURS, teacher="公开课登记 · 第 2/10 项",
                                        admin="公开课登记 · 第 2/10 项")),
        Case("asg:reg:999999", _everyone(EXPIRED)),
    ],
    "ro": [
        Case("ro:code:{GAO}", {"admin": "高远（教师）"}),
        Case("ro:off:{ADMIN}", {"admin": "不能停用自己的账号"}),
        # Another school's admin is not on this school's roster.
        Case("ro:off:{other_admin}", {"admin": EXPIRED}),
        Case("ro:role:{LIU}:leader", {"admin": "刘洋（教研组长）"}),
    ],
    # issue 16 §3: 王芳 is 刘洋's 师傅 ({PAIR}); {RF} is 刘洋's 反思. §5: {TOP} his 课题.
    "mt": [
        Case("mt:refl:{PAIR}", _everyone(MENTOR_GONE, leader="刘洋本学期的教学反思")),
        Case("mt:view:{RF}", _everyone(MENTOR_GONE, leader="刘洋 · 教学反思")),
        Case("mt:note:{RF}", _everyone(MENTOR_GONE, leader="师傅点评 · 第 1/1 项")),
        Case("mt:all:0", _everyone(EXPIRED, admin="全校师徒结对（1 对）")),
        Case("mt:end:{PAIR}", _everyone(EXPIRED, admin="确定解除师傅王芳和徒弟刘洋的结对吗")),
    ],
    "kt": [
        Case("kt:new:0", _everyone("课题立项 · 第 1/5 项", teacher="您已经有一个在研的课题了")),
        Case("kt:stage:{TOP}", _everyone(TOPIC_GONE, teacher="课题阶段小结 · 第 2/4 项")),
        Case("kt:pick:{TOP}", _everyone(TOPIC_GONE, teacher="选择要关联到课题")),
        Case("kt:link:{RF}", _everyone(TOPIC_GONE, teacher="已关联到课题")),
    ],
    "set": [
        Case("set:day:3", _everyone("提醒设置")),
        Case("set:day:9", _everyone(EXPIRED)),
    ],
    # /pause (issue 15): 刘洋's pause asking leave from a 语文组 session.
    "pz": [
        Case("pz:ok:{P}", {"admin": "陈主任已批准"}),
        Case("pz:no:{OP}", {"admin": EXPIRED}),  # another school's pause
    ],
    "pzc": [
        Case("pzc:{P}", _everyone(EXPIRED, teacher="已撤销")),
    ],
    # 集体备课 of the 语文组 session {M}: 刘洋 is 主备人 and handed in the 教案.
    "prep": [
        Case("prep:plan:{M}", _everyone(PREP_NOT_LEAD, teacher="集体备课教案 · 第 2/3 项",
                                        other_leader=PREP_NOT_MEMBER)),
        Case("prep:view:{M}", _everyone("教案 · 刘洋 · 第二单元《找春天》",
                                        other_leader=PREP_NOT_MEMBER)),
        Case("prep:comment:{M}", _everyone("修改意见 · 第 2/2 项",
                                           other_leader=PREP_NOT_MEMBER)),
        Case("prep:revise:{M}", _everyone(PREP_NOT_LEAD, teacher="集体备课结束后再交二次备课",
                                          other_leader=PREP_NOT_MEMBER)),
        Case("prep:viewr:{M}", _everyone("主备人还没交教案", other_leader=PREP_NOT_MEMBER)),
        # 数学组's session: not theirs for 语文组 teachers; it has no 集体备课 anyway.
        Case("prep:view:{MM}", _everyone(PREP_NOT_MEMBER, other_leader=PREP_NONE,
                                         admin=PREP_NONE)),
        Case("prep:view:{OM}", _everyone(PREP_NONE)),  # another school's session
    ],
    # issue 16 §6, §7
    "pln": [
        Case("pln:w:dev_plan", _everyone("个人专业发展计划 · 第 1/4 项")),
        Case("pln:w:group_plan:{G}", _everyone("只有本组教研组长可以写",
                                               leader="教研组工作计划 · 第 1/5 项")),
        Case("pln:w:nope", _everyone(EXPIRED)),
    ],
    "out": [
        Case("out:w:{O}", _everyone(EXPIRED, teacher="外出学习汇报 · 第 2/4 项")),
        Case("out:s:{O}", _everyone(EXPIRED, leader="安排到语文组哪一次教研活动",
                                    admin="安排到语文组哪一次教研活动")),
        Case("out:m:{O}:{MM}", _everyone(EXPIRED)),
        Case("out:w:999999", _everyone("这条外出学习记录已经没有了")),
    ],
    "apr": [
        Case("apr:t:{LIU}", {"admin": "刘洋 · 考核（语文组）"}),
        Case("apr:all:0", {"admin": "· 考核（截至"}),
        Case("apr:t:{other_admin}", {"admin": EXPIRED}),
    ],
}


def _button_refusal(prefix: str, role: Role) -> str | None:
    needed = BUTTON_TABLE[prefix]
    if role.access >= needed:
        return None
    if role.deactivated:
        return DEACTIVATED
    if role.access is S:
        return STRANGER_REFUSED
    return f"抱歉，只有{WHO[needed]}可以这样操作。"


async def _objects(world: World) -> dict[str, int]:
    """A 语文组 session or two, a 数学组 one, a record and a 公开课 of 刘洋, a leave request
    of 刘洋 and a bind request: everything the forged buttons point at."""
    core = world.core
    liu = world.teacher_id("刘洋")
    now = core.clock.now()

    def apply(session: Session) -> dict[str, int]:
        ids = school.group_ids(session, school_id=core.school_id)
        today = now.astimezone(ZONE).date()
        semester = school.current_semester(session, school_id=core.school_id, today=today)
        assert semester is not None
        found = {}
        for key, group in (("M", "语文组"), ("MM", "数学组")):
            coming = [m for m in meetings.list_meetings(
                session, group_ids=[ids[group]], start=today, end=date(2027, 1, 22))
                if m.held]
            found[key] = coming[0].id
            found[f"{key}2"] = coming[1].id
        found["R"] = records.add_record(
            session, teacher_id=liu, semester_id=semester.id, kind="insight",
            title="刘洋的心得", answers={"title": "刘洋的心得", "body": "读书使人明智。"},
            chars=7, occurred_on=today, now=now)
        found["LES"] = lessons.add_lesson(
            session, teacher_id=liu, semester_id=semester.id, kind="研讨课",
            starts_at=datetime(2026, 12, 10, 10, 0, tzinfo=ZONE), period="2", place="301",
            class_name="三年级2班", subject="语文", title="秋天的雨", booking_required=True,
            created_by=liu, now=now)
        found["LESP"] = lessons.add_lesson(
            session, teacher_id=liu, semester_id=semester.id, kind="研讨课",
            starts_at=datetime(2026, 11, 27, 10, 0, tzinfo=ZONE), period="2", place="301",
            class_name="三年级2班", subject="语文", title="坐井观天", booking_required=True,
            created_by=liu, now=now)
        meetings.set_attendance(session, meeting_id=found["M"], teacher_id=liu,
                                status=meetings.LEAVE_PENDING, now=now, reason="家里有事")
        zhou = session.exec(select(Teacher.id).where(Teacher.name == "周静")).one()
        admin = session.exec(select(Teacher.id).where(Teacher.name == "陈主任")).one()
        wang = session.exec(select(Teacher.id).where(Teacher.name == "王芳",
                                                     Teacher.school_id == core.school_id)).one()
        found["G"] = ids["语文组"]
        found["LIU"] = liu
        found.update(_feature_objects(session, core.school_id, semester.id, now, teacher=liu,
                                      peer=zhou, admin=admin, mentor=wang,
                                      record=found["R"], meeting=found["M"]))
        return found

    made = core.db.call(apply)
    made["GAO"] = world.teacher_id("高远")
    made["ADMIN"] = world.teacher_id("陈主任")
    made["P"], made["OP"] = core.db.call(lambda s: _pauses(s, made, now))
    made["O"] = core.db.call(lambda s: term.add_outing(  # issue 16 §6: 刘洋's outing
        s, school_id=core.school_id, teacher_id=liu, semester_id=school.current_semester(
            s, school_id=core.school_id, today=date(2026, 11, 30)).id, training="省培",
        start=date(2026, 11, 30), returns_on=date(2026, 12, 1), due_on=date(2026, 12, 15),
        source=term.ASSIGNED, assigned_by=None, now=now))
    await world.driver.send("申请人", "/request 高远")
    made["B"] = core.db.call(lambda s: s.exec(select(BindRequest.id)).one())
    return made


def _pauses(session: Session, made: dict[str, int], now: datetime) -> tuple[int, int]:
    """A pause of 刘洋 asking leave from the second 语文组 session, and one of another
    school's teacher."""
    liu = made["LIU"]
    pause = pauses.add_pause(session, teacher_id=liu, start=now.date(), end=now.date(),
                             reason="外出培训", status=pauses.PENDING, now=now)
    pauses.ask_leave(session, pause_id=pause, teacher_id=liu, meeting_ids=[made["M2"]],
                     reason="外出培训", status=meetings.LEAVE_PENDING, now=now)
    other = session.exec(select(Teacher.id).where(Teacher.school_id != session.get(
        Teacher, liu).school_id)).first()
    assert other is not None
    elsewhere = pauses.add_pause(session, teacher_id=other, start=now.date(), end=now.date(),
                                 reason="", status=pauses.PENDING, now=now)
    return pause, elsewhere

def _feature_objects(session: Session, school_id: int, semester_id: int, now: datetime, *,
                     teacher: int, peer: int, admin: int, mentor: int, record: int,
                     meeting: int) -> dict[str, int]:
    """What the buttons of issue 16 point at, for ``teacher``: a record of ``peer`` that
    their ``record`` closely matches, a lesson 教导处 arranged for them, ``mentor`` as their
    师傅, a 反思 and a 课题 of theirs, and ``meeting`` as a 集体备课 they lead with its 教案."""
    today = now.astimezone(ZONE).date()
    found = {}
    found["R2"] = records.add_record(
        session, teacher_id=peer, semester_id=semester_id, kind="insight", title="同事的心得",
        answers={"title": "同事的心得", "body": "读书使人明智。"}, chars=7, occurred_on=today,
        now=now)
    similar.keep_matches(session, record_id=found["R2"], matches=[(record, 0.8)], now=now)
    found["ASG"] = assignments.assign(
        session, school_id=school_id, semester_id=semester_id, teacher_id=teacher,
        day=date(2026, 12, 10), period="2", observers=[peer], assigned_by=admin,
        now=now, detail="公开课").id
    found["PAIR"], _ = mentoring.pair(session, school_id=school_id, mentor_id=mentor,
                                      mentee_id=teacher, started_on=today, now=now,
                                      actor_id=None)
    found["RF"] = records.add_record(
        session, teacher_id=teacher, semester_id=semester_id, kind="reflection",
        title="秋天的雨", answers={"topic": "秋天的雨"}, chars=0, occurred_on=today, now=now)
    found["TOP"] = records.add_record(
        session, teacher_id=teacher, semester_id=semester_id, kind="research_topic",
        title="识字游戏的研究", answers={"title": "识字游戏的研究", "scope": "个人课题"},
        chars=0, occurred_on=today, now=now)
    meetings.update_meeting(session, meeting_id=meeting, form="集体备课")
    prep.set_prep(session, meeting_id=meeting, lead_id=teacher, unit="第二单元",
                  title="找春天", set_by=None, now=now)
    records.add_record(
        session, teacher_id=teacher, semester_id=semester_id, kind="prep_plan",
        title="找春天", answers={"title": "找春天", "text": "教学目标：会认生字。"},
        chars=9, occurred_on=today, now=now, link=("prep", meeting))
    return found


@pytest.mark.parametrize("prefix", sorted(CASES))
async def test_button_table(world: World, prefix: str) -> None:
    objects = {**world.ids, **await _objects(world)}
    group = world.fresh_group()
    by_key = {role.key: role for role in BUTTON_ROLES}
    problems = []
    for case in CASES[prefix]:
        data = case.data.format(**objects)
        order = case.order or tuple(by_key)
        assert sorted(order) == sorted(by_key)
        for key in order:
            role = by_key[key]
            world.drop_draft(role.name)
            chat = group if case.chat == "group" else None
            replies = await world.driver.send(role.name, button=data, chat=chat)
            shown = _shown(replies)
            refusal = _button_refusal(prefix, role)
            expected = refusal if refusal is not None else case.ok.get(key)
            assert expected is not None, f"{data}: no expectation for {key}"
            cell = f"{data} pressed by {key} ({role.name}) in {case.chat}"
            if expected not in shown:
                problems.append(f"{cell}: expected {expected!r}, got {shown!r}")
            elif refusal is not None and not all(r.notice for r in replies):
                problems.append(f"{cell}: a refusal without a toast: {shown!r}")
    assert not problems, "\n".join(problems)


async def test_refused_presses_changed_nothing(world: World) -> None:
    """After every role pressed every button: only the rightful people changed anything."""
    objects = {**world.ids, **await _objects(world)}
    for prefix in ("ses", "lv", "br", "mine", "bk", "att"):
        for case in CASES[prefix]:
            data = case.data.format(**objects)
            for role in BUTTON_ROLES:
                if case.order and role.key == "teacher":
                    continue  # the owner's own delete comes last, below
                world.drop_draft(role.name)
                await world.driver.send(role.name, button=data)
    core, ids = world.core, world.ids | objects
    names = {role.name: world.teacher_id(role.name)
             for role in BUTTON_ROLES if role.bound}

    def read(session: Session) -> dict[str, object]:
        record = session.get(Record, ids["R"])
        attendance = session.exec(select(Attendance)).all()
        bookings = session.exec(select(Booking)).all()
        audit = session.exec(select(AuditEntry).where(
            col(AuditEntry.action).in_(("cancel_session", "correct_attendance",
                                        "leave_decision", "bind_request",
                                        "delete_record")))).all()
        request = session.get(BindRequest, ids["B"])
        return {"record_deleted": record is not None and record.deleted_at is not None,
                "attendance": {(a.meeting_id, a.teacher_id, a.decided_by)
                               for a in attendance if a.decided_by is not None},
                "bookers": {b.teacher_id for b in bookings},
                "auditors": {(e.action, e.actor_id) for e in audit},
                "request": (request.status, request.decided_by) if request else None}

    seen = core.db.call(read)
    assert seen["record_deleted"] is False  # nobody but 刘洋 could delete 刘洋's record
    allowed_auditors = {("cancel_session", names["王芳"]),
                        ("correct_attendance", names["王芳"]),
                        ("correct_attendance", names["陈主任"]),
                        ("leave_decision", names["陈主任"]),
                        ("bind_request", names["陈主任"])}
    assert seen["auditors"] <= allowed_auditors
    assert seen["request"] == ("approved", names["陈主任"])
    assert names["孙丽"] not in seen["bookers"]
    assert seen["bookers"] <= {names[n] for n in ("张伟", "王芳", "陈主任", "周静")}
    for _meeting, _teacher, decided_by in seen["attendance"]:  # type: ignore[attr-defined]
        assert decided_by in (names["王芳"], names["陈主任"])
    await world.driver.send("刘洋", button=f"mine:delok:{objects['R']}")
    assert core.db.call(lambda s: s.get(Record, objects["R"]).deleted_at) is not None


async def test_a_forms_buttons_act_only_on_their_owners_draft(world: World) -> None:
    await world.driver.send("刘洋", "/reflect")
    account = world.driver.account("刘洋")
    before = world.core.db.call(lambda s: drafts.get_draft(s, account=account))
    assert before is not None
    token = before.context["token"]
    for role in BUTTON_ROLES:
        if role.key == "teacher":
            continue
        for action in ("cancel", "submit", "skip", "date:0"):
            replies = await world.driver.send(role.name,
                                              button=f"f:{token}:{before.step}:{action}")
            expected = _button_refusal("f", role) or EXPIRED
            assert expected in _shown(replies), (role.key, action, _shown(replies))
    after = world.core.db.call(lambda s: drafts.get_draft(s, account=account))
    assert after is not None
    assert (after.step, after.answers, after.context) == (before.step, before.answers,
                                                          before.context)
    # The owner's own press is taken: 课题 is required, so it cannot be skipped.
    assert "这一项必须填写，不能跳过" in _shown(
        await world.driver.send("刘洋", button=f"f:{token}:{before.step}:skip"))


async def test_the_other_schools_admin_gets_nothing(world: World) -> None:
    objects = {**world.ids, **await _objects(world)}
    datas = [case.data.format(**objects) for cases in CASES.values() for case in cases]
    for data in datas:
        replies = await world.driver.send("外校管理员", button=data)
        assert STRANGER_REFUSED in _shown(replies), (data, _shown(replies))
    # Commands: see test_command_table[other_admin]; /help shows the stranger's menu.
    shown = _shown(await world.driver.send("外校管理员", "/help"))
    assert "我能做的事（未绑定）" in shown
    assert "/pending" not in shown
    # /start with deep links opens nothing either.
    for payload in (f"leave-{objects['M']}", f"observe-{objects['LES']}", "form-reflection",
                    "cmd-export", "cmd-pending"):
        shown = _shown(await world.driver.send("外校管理员", f"/start {payload}"))
        assert STRANGER_REFUSED in shown, (payload, shown)
    assert world.draft_form("外校管理员") is None


# -- fixed bugs ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["button", "deep-link"])
async def test_a_teacher_cannot_answer_another_schools_session(world: World, how: str) -> None:
    """Fixed: sessions._member_meeting checked membership by group NAME only, so a 语文组
    teacher could answer (and ask leave for) a session of another school's 语文组."""
    other_meeting = world.ids["OM"]
    if how == "button":
        for action in ("go", "leave", "in"):
            replies = await world.driver.send("刘洋", button=f"att:{action}:{other_meeting}")
            assert [(r.text, r.notice) for r in replies] == [
                (texts.NOT_YOUR_GROUP, texts.NOT_YOUR_GROUP)], (action, replies)
    else:
        replies = await world.driver.send("刘洋", f"/start leave-{other_meeting}")
        assert [plain(r) for r in replies] == [texts.SESSION_GONE]
    liu = world.teacher_id("刘洋")
    assert world.core.db.call(lambda s: s.get(Attendance, (other_meeting, liu))) is None
    assert world.draft_form("刘洋") is None
    if how == "button":  # by school, not by name: 刘洋's own 语文组 session still answers
        own = (await _objects(world))["M2"]
        replies = await world.driver.send("刘洋", button=f"att:go:{own}")
        assert [r.notice for r in replies] == [texts.ATTEND_GO_OK]


async def test_progress_in_a_group_chat_is_about_that_group(world: World) -> None:
    """Fixed: /progress without a name ignored the chat's link, so 张伟 (leader of 数学组)
    posted 数学组's teacher-by-teacher list into 语文组's chat."""
    chat = world.fresh_group("语文组")
    # 陈主任 (admin) too: the school overview would tell 语文组 how the others stand.
    admin = _shown(await world.driver.send("陈主任", "/progress", chat=chat))
    assert admin.startswith("语文组 · 研修进度")
    assert "数学组" not in admin
    shown = _shown(await world.driver.send("张伟", "/progress", chat=chat))
    assert "语文组 · 研修进度" in shown
    assert "数学组" not in shown
    assert "吴敏" not in shown  # a 数学组 teacher, named in the leader's list
    # A school-wide chat names no group: it is told how to ask for one.
    school_chat = world.fresh_group(None)
    for who in ("张伟", "刘洋"):
        replies = await world.driver.send(who, "/progress", chat=school_chat)
        assert [r.text for r in replies] == [texts.PROGRESS_SCHOOL_CHAT], (who, replies)
    # Naming a group there still obeys who may see it.
    shown = _shown(await world.driver.send("张伟", "/progress 语文组", chat=school_chat))
    assert texts.PROGRESS_NOT_YOUR_GROUP in shown


async def test_a_leaders_progress_in_the_group_names_nobody(world: World) -> None:
    """The group sees totals; who is behind goes to the leader privately (as the digest)."""
    chat = world.fresh_group("语文组")
    assert not world.core.settings.digest.names_in_group
    shown = _shown(await world.driver.send("王芳", "/progress", chat=chat))
    assert "研修进度" in shown
    assert "刘洋：" not in shown


# The forms a deep link may open: record forms that /record lists or that have a command.
DEEP_LINK_FORMS = {"reflection": "教学反思 · 第 1/7 项", "insight": "心得体会 · 第 1/2 项",
                   "reading_note": "读书笔记 · 第 1/"}
NOT_BY_DEEP_LINK = ("minutes", "announcement", "reschedule", "leave", "new_lesson",
                    "design_note", "nope", "")


async def test_a_teacher_cannot_open_the_leaders_minutes_form_by_deep_link_or_button(
        world: World) -> None:
    """Fixed: /start form-<kind> and a forged rec:<kind> opened any form of the catalog,
    including the unlisted leader-only 教研活动记录 (minutes) that otherwise only
    ses:minutes (LEADER) opens (and that, submitted, became a record of the teacher's)."""
    for who in ("刘洋", "王芳"):
        for kind in NOT_BY_DEEP_LINK:
            replies = await world.driver.send(who, f"/start form-{kind}")
            assert [r.text for r in replies] == [texts.BUTTON_EXPIRED], (who, kind, replies)
            assert world.draft_form(who) is None, (who, kind)
            replies = await world.driver.send(who, button=f"rec:{kind}")
            assert [r.text for r in replies] == [texts.BUTTON_EXPIRED], (who, kind, replies)
            assert world.draft_form(who) is None, (who, kind)
    for kind, question in DEEP_LINK_FORMS.items():
        for how in ("/start form-", "rec:"):
            world.drop_draft("刘洋")
            replies = await (world.driver.send("刘洋", f"{how}{kind}") if how.startswith("/")
                             else world.driver.send("刘洋", button=f"{how}{kind}"))
            shown = _shown(replies)
            assert question in shown, (how, kind, shown)
            assert world.draft_form("刘洋") == kind


async def test_a_deactivated_teachers_help_does_not_offer_binding(world: World) -> None:
    """Fixed: a deactivated teacher's /help called her 教师 and offered /bind and /request
    (which only answer 已经绑定) instead of saying the account is deactivated."""
    for chat in (None, world.fresh_group("语文组")):
        replies = await world.driver.send("孙丽", "/help", chat=chat)
        assert [r.text for r in replies] == [texts.DEACTIVATED], replies
    # An active teacher's /help is the teacher's menu.
    shown = _shown(await world.driver.send("刘洋", "/help"))
    assert "我能做的事（教师）" in shown
    assert "/bind" not in shown


async def test_the_other_schools_admin_is_not_told_a_valid_code_is_wrong(
        world: World) -> None:
    """Fixed: another school's admin (a stranger here) with a valid code was told 绑定码不正确
    and charged a wrong attempt, because the account is bound in the other school."""
    codes = world.core.db.call(
        lambda s: people.issue_codes(s, school_id=world.core.school_id))
    code = next(row.code for row in codes if row.name == "高远")
    assert code is not None
    account = world.driver.account("外校管理员")
    for _ in range(2):
        replies = await world.driver.send("外校管理员", f"/bind {code}")
        assert [r.text for r in replies] == [texts.BIND_OTHER_SCHOOL], replies
    attempts = world.core.db.call(lambda s: s.exec(
        select(BindAttempt).where(BindAttempt.account == account)).all())
    assert attempts == []
    # Nothing was bound: the account stays the other school's admin, the code stays 高远's.
    bound = world.core.db.call(lambda s: people.get_by_account(s, account=account))
    assert bound is not None
    assert (bound.school_id, bound.name) == (world.ids["other_school"], "外校管理员")
    again = world.core.db.call(
        lambda s: people.issue_codes(s, school_id=world.core.school_id))
    assert next(row.code for row in again if row.name == "高远") == code


# Buttons that open a form, pressed in a group chat: who presses, the data, and the question
# the form asks once the person presses 开始填写 in private.
FORM_BUTTONS_IN_GROUP = (
    ("刘洋", "bk:note:{LES}", "design_note", "说课稿 · 第 1/1 项"),
    ("王芳", "ses:edit:{M}", "announcement", "教研活动通知 · 第 1/"),
    ("刘洋", "bk:reflect:{LESP}", "reflection", "教学反思 · 第 4/7 项"),
    ("王芳", "ses:move:{M}", "reschedule", "教研改期 · 第 1/"),
)
# Buttons only ever sent in private chat: pressed in a group (forged), refused on the button.
PRIVATE_ONLY_BUTTONS = (("刘洋", "rec:insight"), ("刘洋", "mine:edit:{R}"))


async def _press_form_button_in_group(world: World, who: str, data: str, kind: str,
                                      question: str) -> None:
    group = world.fresh_group("语文组")
    account = world.driver.account(who)
    world.drop_draft(who)
    replies = await world.driver.send(who, button=data, chat=group)
    in_group = [r for r in replies if r.chat is None or r.chat.address == group.address]
    private = [r for r in replies if r.chat is not None and r.chat.address == account]
    assert len(in_group) + len(private) == len(replies), (data, replies)
    # The group: a toast for the one who pressed, and nothing else (no question, no intro).
    assert [(r.text, r.notice, r.buttons) for r in in_group] == [
        ("", texts.FORM_SEE_PRIVATE, ())], (data, in_group)
    assert world.draft_form(who) is None, data  # nothing opens until asked in private
    # The private chat: 在这里填写 with 开始填写 carrying the same data; if that chat was
    # never opened, the group gets a deep link to open it instead.
    assert len(private) == 1, (data, replies)
    assert private[0].text == texts.FORM_IN_PRIVATE
    assert private[0].buttons == ((Button(texts.FORM_CONTINUE_HERE, data=data),),)
    fallback = private[0].fallback
    assert fallback is not None
    assert fallback.chat is None  # the group the button was pressed in
    assert fallback.text == texts.FORM_OPEN_PRIVATE_FIRST.format(name=polite(who))
    assert [b.start for row in fallback.buttons for b in row] == ["cmd-start"]
    # 开始填写 in private opens the form there.
    opened = await world.driver.send(who, button=data)
    shown = _shown(opened)
    assert question in shown, (data, shown)
    assert all(r.chat is None for r in opened), (data, opened)
    assert world.draft_form(who) == kind, data


async def test_a_form_never_opens_in_a_group_chat(world: World) -> None:
    """Fixed: a button that opens a form, pressed in a group chat, posted the form's
    question (and later its summary) into the group. Now the group gets only a toast and
    the person a private 开始填写 button with the same data."""
    objects = {**world.ids, **await _objects(world)}
    for who, data, kind, question in FORM_BUTTONS_IN_GROUP:
        await _press_form_button_in_group(world, who, data.format(**objects), kind, question)
    for who, data in PRIVATE_ONLY_BUTTONS:
        group = world.fresh_group("语文组")
        world.drop_draft(who)
        replies = await world.driver.send(who, button=data.format(**objects), chat=group)
        assert [(r.text, r.notice, r.chat) for r in replies] == [
            ("", texts.BUTTON_EXPIRED, None)], (data, replies)
        assert world.draft_form(who) is None, data


# -- issue 17: several schools in one deployment ------------------------------------------
# 李家村小学 and 王庄村小学 of examples/district.toml, served by one bot: every button of the
# table above, pointed at 李家's objects, pressed by 王庄's admin, leader and teacher (each
# served by their own school's Core) changes nothing and shows nothing of 李家; deep links
# and exports of 李家's things are refused too. The 学区管理员 does reach them.
# (examples/district.toml leaves `[lessons] cross_school_booking` off: booking 李家's
# 公开课 from 王庄 is among the refusals; tests/e2e/test_joint_sessions.py has it on.)

_VILLAGE_ACTORS = ("王校长", "赵老师", "钱老师")


async def _village_objects(district: object, driver: Driver) -> dict[str, int]:
    """李家's sessions, a record, 公开课 and leave of 陈老师, and a bind request."""
    from tests.district_world import CENTRAL, LIJIA

    core = district.school_named(LIJIA)  # type: ignore[attr-defined]
    central = district.school_named(CENTRAL)  # type: ignore[attr-defined]
    await build_runner(district, _no_send).tick()  # type: ignore[arg-type]
    now = core.clock.now()
    today = now.astimezone(ZONE).date()

    def apply(session: Session) -> dict[str, int]:
        ids = school.group_ids(session, school_id=core.school_id)
        semester = school.current_semester(session, school_id=core.school_id, today=today)
        assert semester is not None
        by_name = {t.name: t.id for t in session.exec(select(Teacher)).all()}
        chen = by_name["陈老师"]
        found: dict[str, int] = {}
        for key, group_ids in (("M", [ids["语文组"]]), ("MM", [ids["数学组"]]),
                               ("OM", list(school.group_ids(
                                   session, school_id=central.school_id).values()))):
            coming = [m for m in meetings.list_meetings(
                session, group_ids=group_ids, start=today, end=date(2027, 1, 22)) if m.held]
            found[key], found[f"{key}2"] = coming[0].id, coming[1].id
        found["R"] = records.add_record(
            session, teacher_id=chen, semester_id=semester.id, kind="insight",
            title="陈老师的心得", answers={"title": "陈老师的心得", "body": "读书使人明智。"},
            chars=7, occurred_on=today, now=now)
        for key, starts in (("LES", datetime(2026, 12, 10, 10, 0, tzinfo=ZONE)),
                            ("LESP", datetime(2026, 11, 27, 10, 0, tzinfo=ZONE))):
            found[key] = lessons.add_lesson(
                session, teacher_id=chen, semester_id=semester.id, kind="研讨课",
                starts_at=starts, period="2", place="村小教室", class_name="三年级",
                subject="语文", title="秋天的雨", booking_required=True, created_by=chen,
                now=now)
        meetings.set_attendance(session, meeting_id=found["M"], teacher_id=chen,
                                status=meetings.LEAVE_PENDING, now=now, reason="家里有事")
        found |= {"G": ids["语文组"], "LIU": chen, "GAO": by_name["黄老师"],
                  "ADMIN": by_name["李校长"], "other_admin": by_name["王校长"]}
        found |= _feature_objects(session, core.school_id, semester.id, now, teacher=chen,
                                  peer=by_name["黄老师"], admin=by_name["李校长"],
                                  mentor=by_name["黄老师"], record=found["R"],
                                  meeting=found["M"])
        return found

    made = district.db.call(apply)  # type: ignore[attr-defined]
    made["P"], made["OP"] = district.db.call(  # type: ignore[attr-defined]
        lambda s: _pauses(s, made, now))
    made["O"] = district.db.call(lambda s: term.add_outing(  # type: ignore[attr-defined]
        s, school_id=core.school_id, teacher_id=made["LIU"],
        semester_id=school.current_semester(
            s, school_id=core.school_id, today=today).id, training="省培",
        start=today, returns_on=today, due_on=today + timedelta(days=14),
        source=term.ASSIGNED, assigned_by=None, now=now))
    await driver.send("申请人", f"/request {LIJIA} 黄老师")
    made["B"] = district.db.call(  # type: ignore[attr-defined]
        lambda s: s.exec(select(BindRequest.id)).one())
    return made


@pytest.fixture
async def district_world(sqlite_url: str, clock: ManualClock
                         ) -> AsyncIterator[tuple[object, Driver, dict[str, int]]]:
    from tests.district_world import bind, make_district

    district = make_district(sqlite_url, clock)
    driver = Driver(district)  # type: ignore[arg-type]
    await bind(driver, "陈老师", "刘老师", "李校长", "周主任", *_VILLAGE_ACTORS)
    objects = await _village_objects(district, driver)
    yield district, driver, objects
    district.db.close()


async def test_another_schools_ids_in_buttons_are_refused(
        district_world: tuple[object, Driver, dict[str, int]]) -> None:
    district, driver, objects = district_world
    for prefix in sorted(CASES):
        for case in CASES[prefix]:
            data = case.data.format(**objects)
            for name in _VILLAGE_ACTORS:
                replies = await driver.send(name, button=data)
                seen = _shown(replies)
                assert "陈老师" not in seen, (name, data, seen)
                assert "秋天的雨" not in seen, (name, data, seen)
                assert "已批准" not in seen, (name, data, seen)

    def read(session: Session) -> dict[str, object]:
        village = {t.id for t in session.exec(select(Teacher)).all()
                   if t.name in _VILLAGE_ACTORS}
        chen = session.get(Teacher, objects["LIU"])
        return {
            "record": session.get(Record, objects["R"]).deleted_at,  # type: ignore[union-attr]
            "request": session.get(BindRequest, objects["B"]).status,  # type: ignore[union-attr]
            "decided": [a for a in session.exec(select(Attendance)).all()
                        if a.decided_by in village or a.teacher_id in village],
            "booked": [b for b in session.exec(select(Booking)).all()
                       if b.teacher_id in village],
            "audit": [e.action for e in session.exec(select(AuditEntry)).all()
                      if e.actor_id in village and e.action != "bind"],
            "chen": (chen.role, chen.active) if chen else None,
            "leave": session.get(Attendance, (objects["M"], objects["LIU"])).status,  # type: ignore[union-attr]
        }

    seen = district.db.call(read)  # type: ignore[attr-defined]
    assert seen == {"record": None, "request": "pending", "decided": [], "booked": [],
                    "audit": [], "chen": ("teacher", True), "leave": meetings.LEAVE_PENDING}


async def test_another_schools_deep_links_and_exports_are_refused(
        district_world: tuple[object, Driver, dict[str, int]]) -> None:
    _district, driver, objects = district_world
    for payload, refused in ((f"leave-{objects['M']}", texts.SESSION_GONE),
                             (f"observe-{objects['LES']}", "这节课已取消或不存在")):
        seen = _shown(await driver.send("钱老师", f"/start {payload}"))
        assert refused in seen, (payload, seen)
    for name in ("陈老师", "语文组"):  # 王庄 has neither; 李家's are not reachable
        shown = _shown(await driver.send("王校长", f"/export {name}"))
        assert f"没有找到教研组或老师「{name}」" in shown
    assert "陈老师" not in _shown(await driver.send("王校长", "/pending"))
    assert "黄老师" not in _shown(await driver.send("王校长", "/pending"))


async def test_the_district_admin_reaches_every_school(
        district_world: tuple[object, Driver, dict[str, int]]) -> None:
    from tests.district_world import LIJIA

    district, driver, objects = district_world
    # Not from the 中心校's side: 李家's request is not the 中心校's.
    assert "已批准" not in _shown(await driver.send("周主任", button=f"br:ok:{objects['B']}"))
    # Having named the school, she handles it as its admin does.
    pending = _shown(await driver.send("周主任", f"/pending {LIJIA}"))
    assert "黄老师" in pending
    assert "已批准" in _shown(await driver.send("周主任", button=f"br:ok:{objects['B']}"))
    assert district.db.call(  # type: ignore[attr-defined]
        lambda s: s.get(BindRequest, objects["B"]).status) == "approved"


# -- issue 17: a 联片教研 (the 中心校's 语文组 with 李家's 语文组) ---------------------------
# Only the 中心校's admin organises one; 王庄, which takes no part, can neither answer it,
# sign in, ask leave, nor see or mark its roll call; 李家's leader sees only 李家's people.


async def test_a_joint_session_across_schools(
        district_world: tuple[object, Driver, dict[str, int]]) -> None:
    from tests.district_world import LIJIA, WANGZHUANG

    district, driver, objects = district_world
    assert "联片教研由中心校组织" in _shown(await driver.send(
        "李校长", f"/joint 语文组 {WANGZHUANG} 全科组"))
    assert "只有管理员" in _shown(await driver.send("赵老师", f"/joint 语文组 {LIJIA} 语文组"))
    said = _shown(await driver.send("周主任", f"/joint 语文组 {LIJIA} 语文组"))
    assert f"{LIJIA}语文组" in said
    [joint] = district.db.call(lambda s: meetings.joined_meetings(  # type: ignore[attr-defined]
        s, group_ids=[objects["G"]], start=date(2026, 11, 30), end=date(2027, 1, 22)))
    meeting = joint.id
    for name in _VILLAGE_ACTORS:
        for data in (f"att:go:{meeting}", f"att:leave:{meeting}", f"att:in:{meeting}",
                     f"ses:roll:{meeting}", f"ses:mark:{meeting}:{objects['LIU']}:a:-"):
            seen = _shown(await driver.send(name, button=data))
            assert "陈老师" not in seen, (name, data, seen)
            assert "已记下" not in seen, (name, data, seen)
    roll = _shown(await driver.send("刘老师", button=f"ses:roll:{meeting}"))
    assert f"【{LIJIA}语文组】" in roll
    assert "陈老师：" in roll
    assert "吴老师" not in roll
    assert district.db.call(  # type: ignore[attr-defined]
        lambda s: s.get(Attendance, (meeting, objects["LIU"]))) is None
    assert "已记下" in _shown(await driver.send("陈老师", button=f"att:go:{meeting}"))
