"""The console sandbox, driven in-process: what a person typing in the terminal reads."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import text

from bot import texts
from bot.app import read_roster
from bot.config import Config
from bot.console.sandbox import GROUP_PREFIX, Sandbox, plain
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage.repos import chats, people
from tests.conftest import DEMO_ROSTER, ZONE, make_core

BANNER_HEAD = "研修助手 · 控制台沙盒（没有设置 YANXIU_BOT_TOKEN，所以在终端里运行）"
HELP_LEADER = "  研修助手 · 我能做的事（教研组长）："
STRANGER = "（沙盒）你现在是「{name}」——不在花名册上的陌生人。可以试试 /start、/bind 绑定码。"
CODE_LINE = re.compile(r"^  (\S+)（(.*)）：([A-Z0-9]{8})$")


@pytest.fixture
def core(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Core]:
    """A migrated Core with no roster yet: the sandbox seeds it."""
    built = make_core(config, sqlite_url, clock, roster=False)
    yield built
    built.db.close()


@pytest.fixture
def box(core: Core, clock: ManualClock) -> Sandbox:
    sandbox = Sandbox(core, clock, out=io.StringIO())
    sandbox.seed(read_roster(core, DEMO_ROSTER))
    return sandbox


def printed(box: Sandbox) -> str:
    out = box.out
    assert isinstance(out, io.StringIO)
    return out.getvalue()


async def talk(box: Sandbox, *lines: str) -> str:
    """Type ``lines`` into a running sandbox session; what it printed meanwhile."""
    mark = len(printed(box))
    for line in lines:
        await box.feed(line)
    return printed(box)[mark:]


def codes(box: Sandbox) -> dict[str, str]:
    """Name → code of the people /codes lists."""
    found = {}
    for line in printed(box).splitlines():
        match = CODE_LINE.match(line)
        if match:
            found[match[1]] = match[3]
    return found


def count(core: Core, table: str) -> int:
    return core.db.call(lambda s: s.exec(text(f"SELECT count(*) FROM {table}")).one()[0])


# -- the session ------------------------------------------------------------------------


async def test_run_prints_the_banner_and_stops_at_quit(box: Sandbox) -> None:
    await box.run(["", "  /help  ", "/quit", "/as 王芳"])
    out = printed(box)
    assert out.startswith(BANNER_HEAD + "\n沙盒时间：2026-11-30 08:00（周一）\n")
    assert "沙盒命令：/as 姓名（切换身份，例如 /as 王芳）" in out
    assert "── 研修助手 → 与访客的私聊\n  研修助手 · 我能做的事（未绑定）：\n" in out
    assert "  /bind — 用绑定码绑定花名册\n" in out
    assert "  绑定花名册后可以使用更多功能。" in out
    # The first screen: the banner and what to try, not last Monday's digests.
    first = out.split(texts.SANDBOX_TRY)[0]
    assert first.startswith(BANNER_HEAD)
    assert "周报 ·" not in out
    assert "（沙盒）开始前已到期的 4 条定时消息（周报等）已发出，这里不再显示。" in first


async def test_exit_also_ends_the_session(box: Sandbox) -> None:
    await box.run(["/exit", "/help"])
    assert "我能做的事" not in printed(box)


def test_plain_drops_tags_and_decodes_entities() -> None:
    assert plain("<b>王芳</b> &lt;b&gt; &amp; <code>/bind</code>") == "王芳 <b> & /bind"


# -- /as --------------------------------------------------------------------------------


async def test_as_binds_on_first_use_through_bind(box: Sandbox) -> None:
    out = await talk(box, "/as 王芳")
    assert out == (
        "（沙盒）你现在是 王芳，在与王芳的私聊。\n"
        "（沙盒）王芳 还没有绑定，替你发送绑定码：\n"
        "── 研修助手 → 与王芳的私聊\n"
        "  绑定成功！王芳老师您好，欢迎使用研修助手。发送 /help 看看我能做什么。\n"
    )
    person = box.core.db.call(lambda s: people.get_by_account(s, account="console:王芳"))
    assert person is not None
    assert person.name == "王芳"

    again = await talk(box, "/as 王芳", "/me")
    assert again.startswith(
        "（沙盒）你现在是 王芳，在与王芳的私聊。\n── 研修助手 → 与王芳的私聊\n")
    assert "还没有绑定" not in again
    assert "  王芳（教研组长）\n  学校：花城小学\n  教研组：语文组\n" in again
    assert "  担任教研组长：语文组\n" in again


async def test_as_in_a_group_binds_in_private(box: Sandbox) -> None:
    out = await talk(box, "/in 语文组", "/as 刘洋")
    assert "（沙盒）你现在是 刘洋，在群「语文组」。\n" in out
    assert ("── 研修助手 → 与刘洋的私聊\n"
            "  绑定成功！刘洋老师您好，欢迎使用研修助手。") in out
    assert "── 研修助手 → 群「语文组」" not in out
    assert box.chat.address == GROUP_PREFIX + "语文组"


async def test_as_a_stranger(box: Sandbox) -> None:
    out = await talk(box, "/as 路人", "/me", "/start", "你好")
    lines = out.splitlines()
    assert lines[0] == STRANGER.format(name="路人")
    assert "── 研修助手 → 与路人的私聊" in lines
    assert "  您还没有绑定花名册，暂时不能使用这个功能。" in lines
    assert ("  您好！我是研修助手，学校校本研修的小助手：提醒教研活动、收集教学反思和听课记录、"
            "统计每位老师的研修进度。") in lines
    assert "  我没有看懂这条消息。发送 /help 查看我能做什么。" in lines
    assert "花城小学" not in out
    assert box.core.db.call(lambda s: people.get_by_account(s, account="console:路人")) is None


async def test_as_without_a_name(box: Sandbox) -> None:
    assert await talk(box, "/as") == "用法：/as 姓名，例如 /as 王芳\n"
    assert box.name == "访客"


# -- /codes -----------------------------------------------------------------------------


async def test_codes_list_then_shrink_after_binding(box: Sandbox) -> None:
    out = await talk(box, "/codes")
    lines = out.splitlines()
    assert lines[0] == "（沙盒）未绑定老师的绑定码："
    assert len(lines) == 16
    assert lines[1] == f"  李校长（—）：{codes(box)['李校长']}"
    listed = codes(box)
    assert len(listed) == 15
    assert f"  王芳（语文组）：{listed['王芳']}" in lines

    await talk(box, "/as 王芳", "/as 刘洋")
    after = (await talk(box, "/codes")).splitlines()
    assert after[0] == "（沙盒）未绑定老师的绑定码："
    assert len(after) == 14
    names = [CODE_LINE.match(line)[1] for line in after[1:]]  # type: ignore[index]
    assert "王芳" not in names
    assert "刘洋" not in names
    # The codes of the others did not change.
    assert f"  孙丽（语文组）：{listed['孙丽']}" in after


async def test_a_listed_code_binds_a_stranger(box: Sandbox) -> None:
    await talk(box, "/codes")
    code = codes(box)["周静"]
    out = await talk(box, "/as 新手机", f"/bind {code.lower()}", "/me")
    assert "  绑定成功！周静老师您好，欢迎使用研修助手。" in out
    assert "  周静（教师）" in out


async def test_codes_when_everyone_is_bound(box: Sandbox) -> None:
    for line in DEMO_ROSTER.read_text(encoding="utf-8").splitlines()[1:]:
        await talk(box, f"/as {line.split(',')[0]}")
    assert await talk(box, "/codes") == "（沙盒）所有老师都已绑定。\n"


# -- /in --------------------------------------------------------------------------------


async def test_in_labels(box: Sandbox) -> None:
    await talk(box, "/as 王芳")
    assert await talk(box, "/in 语文组") == "（沙盒）现在在群「语文组」。\n"
    assert await talk(box, "/in 全校") == "（沙盒）现在在群「全校」。\n"
    assert await talk(box, "/in 私聊") == "（沙盒）现在在与王芳的私聊。\n"
    assert box.chat.is_private
    await talk(box, "/in 数学组")
    assert await talk(box, "/in") == "（沙盒）现在在与王芳的私聊。\n"


async def test_in_a_linked_group_the_bot_answers_there(box: Sandbox) -> None:
    out = await talk(box, "/as 王芳", "/in 语文组", "/help")
    assert "── 研修助手 → 群「语文组」\n  研修助手 · 在群里可以用：\n" in out
    assert "  /help — 我能做什么\n" in out
    assert await talk(box, "大家好") == ""  # plain group chatter gets no answer


# -- /clock -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "shown", "moment"),
    [
        ("+2d", "2026-12-02 08:00（周三）", datetime(2026, 12, 2, 8, 0, tzinfo=ZONE)),
        ("+3h", "2026-11-30 11:00（周一）", datetime(2026, 11, 30, 11, 0, tzinfo=ZONE)),
        ("+30m", "2026-11-30 08:30（周一）", datetime(2026, 11, 30, 8, 30, tzinfo=ZONE)),
        ("2026-12-02 15:00", "2026-12-02 15:00（周三）",
         datetime(2026, 12, 2, 15, 0, tzinfo=ZONE)),
        ("2026-12-06 23:59", "2026-12-06 23:59（周日）",
         datetime(2026, 12, 6, 23, 59, tzinfo=ZONE)),
        ("", "2026-11-30 08:00（周一）", datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)),
    ],
)
async def test_clock_moves(box: Sandbox, clock: ManualClock, arg: str, shown: str,
                           moment: datetime) -> None:
    out = await talk(box, f"/clock {arg}".strip())
    # Scheduled messages due on the way (digests, reminders) come first; the time is last.
    assert out.endswith(f"（沙盒）现在时间：{shown}\n")
    assert clock.now() == moment


@pytest.mark.parametrize(
    "arg", ["tomorrow", "-1d", "+2w", "+d", "2026-13-01 08:00", "2026-12-02", "+99999999d"])
async def test_bad_clock_argument(box: Sandbox, clock: ManualClock, arg: str) -> None:
    out = await talk(box, f"/clock {arg}")
    assert out == "用法：/clock +2d、/clock +3h、/clock +30m 或 /clock 2026-12-02 15:00\n"
    assert clock.now() == datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)


async def test_the_bot_runs_on_the_sandbox_clock(box: Sandbox) -> None:
    await talk(box, "/as 路人", *["/bind WRONG123"] * 5)
    assert "尝试次数太多" in await talk(box, "/bind WRONG123")
    out = await talk(box, "/clock +61m", "/bind WRONG123")
    assert "（沙盒）现在时间：2026-11-30 09:01（周一）\n" in out
    assert "绑定码不正确，请核对后再试（本小时内还可以再试 4 次）。" in out


# -- /tap -------------------------------------------------------------------------------


async def test_tap_on_a_deep_link_opens_the_private_chat(box: Sandbox) -> None:
    out = await talk(box, "/as 王芳", "/in 语文组", "/me")
    assert out.endswith(
        "── 研修助手 → 群「语文组」\n"
        "  /me 需要在私聊中使用，点下面的按钮打开与我的私聊。\n"
        "  [1] 私聊打开   ← /tap 序号\n"
    )
    tapped = await talk(box, "/tap 1")
    assert tapped.startswith("（沙盒）现在在与王芳的私聊。\n── 研修助手 → 与王芳的私聊\n"
                             "  王芳（教研组长）\n")
    assert box.chat.is_private


@pytest.mark.parametrize("arg", ["2", "0", "x", "", "-1"])
async def test_tap_with_a_bad_index(box: Sandbox, arg: str) -> None:
    await talk(box, "/as 王芳", "/in 语文组", "/me")
    out = await talk(box, f"/tap {arg}".strip())
    assert out == texts.SANDBOX_TAP_USAGE.format(count=1, messages=1) + "\n"
    assert box.chat.address == GROUP_PREFIX + "语文组"


async def test_buttons_belong_to_their_chat(box: Sandbox) -> None:
    await talk(box, "/as 王芳", "/in 语文组", "/me", "/in 私聊")
    assert await talk(box, "/tap 1") == texts.SANDBOX_TAP_USAGE.format(count=0, messages=0) + "\n"


async def test_admin_approves_a_request_with_a_tap(box: Sandbox) -> None:
    filed = await talk(box, "/as 路人", "/request 刘洋")
    assert filed.endswith(
        "── 研修助手 → 与路人的私聊\n"
        "  已收到申请。教导处核对后我会通知您；如果一天内没有消息，请直接联系教导处。\n")

    listed = await talk(box, "/as 陈主任", "/pending")
    assert listed.endswith(
        "── 研修助手 → 与陈主任的私聊\n"
        "  有 1 条绑定申请等待审核：\n"
        "── 研修助手 → 与陈主任的私聊\n"
        "  绑定申请：Telegram 用户 路人 申请绑定为 刘洋（语文组）。\n"
        "  [1] 批准  [2] 拒绝   ← /tap 序号\n"
    )

    approved = await talk(box, "/tap 1")
    assert approved == (
        "── 研修助手 → 与陈主任的私聊（修改了上一条）\n"
        "  绑定申请：刘洋\n"
        "  \n"
        "  陈主任已批准。\n"
        "── 研修助手 → 与路人的私聊\n"
        "  教导处已批准：您已绑定为 刘洋。发送 /help 看看我能做什么。\n"
    )
    # The edited message has no buttons any more.
    assert await talk(box, "/tap 1") == texts.SANDBOX_TAP_USAGE.format(count=0, messages=0) + "\n"

    # Acting as 路人 again is acting as the account now bound to 刘洋, not as a stranger.
    assert await talk(box, "/as 路人") == (
        "（沙盒）你现在是 路人（已绑定为花名册上的 刘洋），在与路人的私聊。\n")
    me = await talk(box, "/as 刘洋", "/me")
    assert me.startswith("（沙盒）你现在是 刘洋，在与路人的私聊。\n")
    assert "还没有绑定" not in me
    assert "  刘洋（教师）\n" in me
    assert "刘洋" not in "".join(line for line in (await talk(box, "/codes")).splitlines()
                                if CODE_LINE.match(line))


async def test_bound_admin_is_asked_at_once_and_can_refuse(box: Sandbox) -> None:
    await talk(box, "/as 陈主任")
    out = await talk(box, "/as 路人", "/request 孙丽")
    assert ("── 研修助手 → 与陈主任的私聊\n"
            "  绑定申请：Telegram 用户 路人 申请绑定为 孙丽（语文组）。\n"
            "  [1] 批准  [2] 拒绝   ← /tap 序号\n") in out
    # 路人 cannot press the admin's buttons: they are in another chat.
    assert await talk(box, "/tap 2") == texts.SANDBOX_TAP_USAGE.format(count=0, messages=0) + "\n"
    refused = await talk(box, "/as 陈主任", "/tap 2")
    assert "  陈主任已拒绝。\n" in refused
    assert ("── 研修助手 → 与路人的私聊\n"
            "  教导处没有批准这次绑定申请。如有疑问，请直接联系教导处。\n") in refused
    assert "没有待审核的绑定申请。" in await talk(box, "/pending")


# -- groups -----------------------------------------------------------------------------


async def test_unlinked_group_is_told_once(box: Sandbox) -> None:
    out = await talk(box, "/as 王芳", "/in 教研沙龙", "/me")
    assert out.endswith(
        "（沙盒）现在在群「教研沙龙」。\n"
        "── 研修助手 → 群「教研沙龙」\n"
        "  本群还没有关联教研组。请管理员在群里发送 /link 语文组（或 /link 全校），"
        "之后我才会在这里工作。\n"
    )
    # Told once: later messages there, from anyone, get no answer.
    quiet = await talk(box, "/me", "大家好", "/as 刘洋", "/me")
    assert quiet == (
        "（沙盒）你现在是 刘洋，在群「教研沙龙」。\n"
        "（沙盒）刘洋 还没有绑定，替你发送绑定码：\n"
        "── 研修助手 → 与刘洋的私聊\n"
        "  绑定成功！刘洋老师您好，欢迎使用研修助手。发送 /help 看看我能做什么。\n"
    )
    linked = await talk(box, "/as 陈主任", "/link 语文组", "/me")
    assert ("── 研修助手 → 群「教研沙龙」\n"
            "  好的，本群已关联到 语文组。之后的教研通知和进度会发在这里。\n") in linked
    assert "/me 需要在私聊中使用" in linked


async def test_seed_links_every_group_and_the_school(box: Sandbox) -> None:
    for name, grouped in [("语文组", True), ("数学组", True), ("英语组", True),
                          ("综合组", True), ("全校", False)]:
        link = box.core.db.call(lambda s, n=name: chats.get_link(s, chat=GROUP_PREFIX + n))
        assert link is not None, name
        assert (link.group_id is not None) is grouped


async def test_seeding_twice_duplicates_nothing(box: Sandbox, core: Core,
                                                clock: ManualClock) -> None:
    await talk(box, "/as 王芳", "/codes")
    before = codes(box)
    assert (count(core, "teacher"), count(core, "chat_link")) == (15, 5)

    box.seed(read_roster(core, DEMO_ROSTER))
    again = Sandbox(core, clock, out=io.StringIO())
    again.seed(read_roster(core, DEMO_ROSTER))
    assert (count(core, "teacher"), count(core, "chat_link"), count(core, "membership")) == (
        15, 5, 13)
    out = await talk(again, "/as 王芳", "/codes")
    assert "还没有绑定" not in out
    assert codes(again) == before


async def test_moving_the_clock_delivers_reminders_at_their_moments(box: Sandbox) -> None:
    await talk(box, "/as 王芳")
    await talk(box, "/in 语文组")
    out = await talk(box, "/clock 2026-12-02 15:00")
    # 语文组 meets Wednesday 12-02 14:50: the day-before reminder, the private reminder
    # to the bound member who has not answered, then the 签到 button, each at its time.
    eve = out.index("（沙盒）2026-12-01 17:00（周二） 定时消息")
    soon = out.index("（沙盒）2026-12-02 14:20（周三） 定时消息")
    checkin = out.index("（沙盒）2026-12-02 14:50（周三） 定时消息")
    assert eve < soon < checkin
    assert "明天有教研" in out[eve:soon]
    assert "与王芳的私聊" in out[soon:checkin]
    assert "签到" in out[checkin:]


async def test_tap_reaches_an_older_message(box: Sandbox) -> None:
    # Two messages with buttons in 王芳's private chat: /record's menu, then /settings.
    await talk(box, "/as 王芳", "/record", "/settings")
    # /tap 1 would press 周一 of /settings; /tap 2 1 presses 读书笔记 of the menu before it.
    opened = await talk(box, "/tap 2 1")
    assert "读书笔记 · 第 1/3 项 · 书名" in opened
    usage = await talk(box, "/tap 5 1")
    assert usage.startswith("用法：/tap 序号")
