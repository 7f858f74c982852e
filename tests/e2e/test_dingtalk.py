"""Transcripts through the real 钉钉 adapter over a real websocket, against the fake 钉钉.

The adapter runs exactly as in production (``serve``: the token, the Stream gateway, the
websocket, the OpenAPI client); only the endpoints point at ``tests/fake_dingtalk.py``.
Assertions read what people on 钉钉 would see in each chat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts as bot_texts
from bot.app import Postpone, import_roster, read_roster
from bot.dingtalk.adapter import Target, serve
from bot.dingtalk.openapi import WrongCredentials
from handlers import texts
from handlers.dispatch import COMMANDS, Core
from handlers.types import Reply, private_chat
from scheduler.clock import ManualClock
from storage.repos import usage
from storage.repos.outbox import OutboxItem
from tests.conftest import EXAMPLE_CONFIG
from tests.dingtalk_harness import (
    CHEN,
    GROUP,
    LIU,
    STRANGER,
    SUN,
    WANG,
    DingTalk,
    running,
    shown,
    spec_for,
)
from tests.e2e.test_cli import Project
from tests.fake_dingtalk import Card, FakeDingTalk, Staff


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    server = FakeDingTalk().start()
    server.groups.add(GROUP)
    yield server
    server.stop()


@pytest.fixture
async def dt(core: Core, fake: FakeDingTalk) -> AsyncIterator[DingTalk]:
    async with running(core, fake) as harness:
        yield harness
    assert [r for r in fake.refused if r[1] not in ("token", "429", "90020", "flow")] == []


async def linked_group(dt: DingTalk) -> None:
    """陈主任 (admin) is bound and links the 钉钉 group to 语文组."""
    await dt.bind(CHEN)
    [linked] = await dt.say(CHEN, "/link 语文组", group=GROUP)
    assert "语文组" in shown(linked.text)


# Identity -------------------------------------------------------------------------------


async def test_a_stranger_is_told_how_to_ask_and_a_teacher_is_bound_by_the_directory(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    fake.directory[STRANGER.user_id] = STRANGER
    [greeting] = await dt.say(STRANGER, "/start")
    assert greeting.via == "webhook"  # the answer to a message costs no metered call
    assert "/request 您的姓名" in shown(greeting.text)

    bound = await dt.bind(LIU)
    assert shown(bound[0].text) == "已按钉钉通讯录为您绑定花名册：刘洋。"
    assert "刘洋老师您好" in shown(bound[1].text)
    [me] = await dt.say(LIU, "/me")
    assert shown(me.text).splitlines()[:3] == ["刘洋（教师）", "学校：花城小学", "教研组：语文组"]
    # The directory was read once: later messages know the person.
    assert fake.calls["/topapi/v2/user/get"] == 2


async def test_a_unique_name_binds_when_the_job_number_is_missing_and_bind_still_works(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    no_number = Staff("u2003", "孙丽")
    fake.directory[no_number.user_id] = no_number
    bound = await dt.say(no_number, "/me")
    assert shown(bound[0].text) == "已按钉钉通讯录为您绑定花名册：孙丽。"

    # Not in the directory at all (outside the visible range): /bind CODE still works.
    from storage.repos import people

    codes = dt.core.db.call(lambda s: people.issue_codes(s, school_id=dt.core.school_id))
    code = next(row.code for row in codes if row.name == "王芳")
    [refused] = await dt.say(WANG, "/me")
    assert "绑定" in shown(refused.text)
    [ok] = await dt.say(WANG, f"/bind {code}")
    assert shown(ok.text).startswith("绑定成功！王芳老师您好")


# Groups ---------------------------------------------------------------------------------


async def test_group_commands_need_the_at_and_work_without_the_slash(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    await linked_group(dt)
    await dt.bind(LIU)
    with_slash = await dt.say(LIU, "/sessions", group=GROUP)
    without = await dt.say(LIU, "教研活动", group=GROUP)
    assert [shown(s.text) for s in with_slash] == [shown(s.text) for s in without]
    assert with_slash[0].to == GROUP


# The connection -------------------------------------------------------------------------


async def test_a_frame_delivered_twice_acts_once_and_both_are_acknowledged(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    fake.directory[STRANGER.user_id] = STRANGER
    frame = fake.chatbot(STRANGER, text="/help")
    first = await dt.send(frame)
    again = await dt.send(frame)
    assert first == again
    assert first["code"] == 200
    assert first["headers"]["messageId"] == frame["headers"]["messageId"]
    assert len(fake.seen(STRANGER.user_id)) == 1


async def test_malformed_frames_are_acknowledged_logged_and_ignored(
        dt: DingTalk, fake: FakeDingTalk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    broken = fake.frame("/v1.0/im/bot/messages/get", {"senderStaffId": "u1",
                                                      "conversationType": "2"})
    ack = await dt.send(broken)
    assert ack["code"] == 400
    await fake.push_raw("not json at all")
    bad_type = fake.frame("/x", {}, kind="WHATEVER")
    ack = await dt.send(bad_type)
    assert ack["code"] == 400
    assert "malformed" in caplog.text
    # The connection is still the first one and still answers.
    fake.directory[STRANGER.user_id] = STRANGER
    assert await dt.say(STRANGER, "/help")
    assert fake.connections == 1


async def test_pings_are_answered_and_disconnect_or_a_drop_reconnects(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    ping = fake.frame("ping", {"opaque": "abc"}, kind="SYSTEM")
    ack = await dt.send(ping)
    assert ack["code"] == 200
    assert json.loads(ack["data"]) == {"opaque": "abc"}

    await dt.send(fake.frame("disconnect", {"reason": "upgrade"}, kind="SYSTEM"))
    await fake.wait_connected(2)
    await fake.drop()
    await fake.wait_connected(3)
    fake.directory[STRANGER.user_id] = STRANGER
    assert await dt.say(STRANGER, "/help")


async def test_other_organisations_and_robots_are_ignored(
        dt: DingTalk, fake: FakeDingTalk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake.directory[STRANGER.user_id] = STRANGER
    assert await dt.say(STRANGER, "/help", corp_id="dingOtherCorp") == []
    assert await dt.say(STRANGER, "/help", robot=True) == []
    assert "another organisation" in caplog.text
    assert fake.calls["/topapi/v2/user/get"] == 0


async def test_wrong_credentials_stop_at_start_without_retrying(
        core: Core, fake: FakeDingTalk) -> None:
    spec = spec_for(fake)
    with pytest.raises(WrongCredentials):
        await serve(core, spec, "wrong-secret", schedule=False)
    assert fake.calls["/v1.0/oauth2/accessToken"] == 1
    assert fake.connections == 0


async def test_an_expired_token_is_fetched_again(dt: DingTalk, fake: FakeDingTalk) -> None:
    await dt.bind(LIU)
    fake.expire_tokens()
    # /settings answers with buttons: a card, which needs the OpenAPI and so a fresh token.
    [reply] = await dt.say(LIU, "/settings")
    assert reply.kind == "card"
    assert ("/v1.0/card/instances/createAndDeliver", "token") in fake.refused
    assert fake.last_card(LIU.user_id).labels


# The command line -----------------------------------------------------------------------


def _dingtalk_section(fake: FakeDingTalk) -> str:
    return (f'[dingtalk]\nclient_id = "{fake.client_id}"\nrobot_code = "{fake.client_id}"\n'
            f'card_template_id = "{fake.template}"\nopenapi_endpoint = "{fake.url}"\n'
            f'oapi_endpoint = "{fake.url}"\n\n')


def test_run_with_a_wrong_secret_exits_2_at_once_and_never_prints_it(
        tmp_path: Path, fake: FakeDingTalk) -> None:
    project = Project(tmp_path)
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "config.toml")
    config = tmp_path / "config.toml"
    config.write_text(_dingtalk_section(fake) + config.read_text(encoding="utf-8"),
                      encoding="utf-8")
    secret = "wrong-secret-abcdef123456"
    result = project.cli("run", env={"YANXIU_DINGTALK_CLIENT_SECRET": secret})
    assert result.code == 2, result.err
    assert "钉钉拒绝了应用凭证" in result.err
    assert secret not in result.out + result.err
    assert fake.calls["/v1.0/oauth2/accessToken"] == 1  # no retry loop
    # Asking for 钉钉 without its secret names what is missing.
    result = project.cli("run", "--platform", "dingtalk")
    assert result.code == 2
    assert "YANXIU_DINGTALK_CLIENT_SECRET" in result.err


# Buttons, cards and the outbox -----------------------------------------------------------


async def tuesday_reminder(dt: DingTalk, clock: ManualClock) -> Card:
    """Monday 08:00 plans the week; Tuesday 17:00 reminds 语文组 of Wednesday's session."""
    await dt.runner.tick()
    clock.advance(timedelta(days=1, hours=9))
    await dt.runner.tick()
    return dt.fake.last_card(GROUP)


async def test_reminder_card_in_the_group_presses_and_leave_approval(
        dt: DingTalk, fake: FakeDingTalk, clock: ManualClock) -> None:
    await linked_group(dt)
    await dt.bind(WANG)
    await dt.bind(SUN)
    card = await tuesday_reminder(dt, clock)
    assert card.group
    assert card.labels == ["参加", "请假"]
    assert "教研" in shown(card.text)

    # 参加: 钉钉 has no toast, so the card itself says what happened, at once.
    await dt.press(WANG, card, "参加")
    assert shown(card.seen_by(WANG.user_id)["notice"]) == texts.ATTEND_GO_OK
    assert card.seen_by(SUN.user_id)["notice"] == ""  # the others see no one else's answer
    assert fake.seen(GROUP)[-1].track == card.track  # nothing new in the group

    # 请假 opens the leave form in 孙丽's private chat (a robot message she never asked for).
    await dt.press(SUN, card, "请假")
    assert shown(card.seen_by(SUN.user_id)["notice"]) == texts.LEAVE_SEE_PRIVATE
    invite = fake.last_card(SUN.user_id)
    assert fake.seen(SUN.user_id)[-1].track == invite.track
    await dt.press(SUN, invite, invite.labels[0])
    replies = await dt.say(SUN, "区里数学竞赛监考")
    summary = fake.last_card(SUN.user_id)
    assert "区里数学竞赛监考" in shown(summary.text)
    assert replies[-1].track == summary.track
    await dt.press(SUN, summary, "提交")

    # The request reaches the admin as a card; a teacher cannot decide it, the admin can.
    request = fake.last_card(CHEN.user_id)
    assert "区里数学竞赛监考" in shown(request.text)
    with pytest.raises(StopIteration):  # 孙丽 was never sent this card: no such button for her
        fake.press(SUN, fake.last_card(SUN.user_id), "批准")
    await dt.press(CHEN, request, "批准")
    told = dt.texts(SUN.user_id)[-1]
    assert "已批准" in told


async def test_a_forged_or_foreign_press_is_refused(
        dt: DingTalk, fake: FakeDingTalk, clock: ManualClock) -> None:
    await dt.bind(LIU)
    await dt.bind(WANG)
    await dt.say(LIU, "/settings")
    card = fake.last_card(LIU.user_id)
    before = dict(card.params)

    def tampered(params: dict[str, str]) -> None:
        params["data"] = params["data"] + "x"

    await dt.press(LIU, card, card.labels[0], tamper=tampered)
    assert shown(card.seen_by(LIU.user_id)["notice"]) == bot_texts.DINGTALK_FORGED
    # 王芳 presses a button of a card sent to 刘洋's private chat: refused the same way.
    await dt.press(WANG, card, card.labels[0])
    assert shown(card.seen_by(WANG.user_id)["notice"]) == bot_texts.DINGTALK_FORGED
    assert card.params == before


async def test_a_throttled_reminder_is_retried_from_the_outbox_and_sent_once(
        dt: DingTalk, fake: FakeDingTalk, clock: ManualClock) -> None:
    await linked_group(dt)
    await dt.bind(LIU)
    dt.service.bridge.throttle_waits = (0.0, 0.0)  # waits in the process: none needed here
    fake.throttle("/v1.0/card/instances/createAndDeliver", times=2, how="429")
    fake.throttle("/v1.0/card/instances/createAndDeliver", times=1, how="90020")
    await dt.runner.tick()
    clock.advance(timedelta(days=1, hours=9))
    await dt.runner.tick()
    # Three refusals in a row: the reminder went back to the outbox, nothing was sent.
    assert [why for _, why in fake.refused] == ["429", "429", "90020"]
    assert [s for s in fake.seen(GROUP) if s.kind == "card"] == []
    # 90020 is 钉钉 saying the month's calls are used up: private nudges stop from here.
    assert dt.service.bridge.budget.spent
    clock.advance(timedelta(minutes=2))
    await dt.runner.tick()
    card = fake.last_card(GROUP)
    assert card.labels == ["参加", "请假"]
    cards = [s for s in fake.seen(GROUP) if s.kind == "card"]
    assert len(cards) == 1


# Charts, files, voice, other messages ---------------------------------------------------


async def test_progress_chart_and_export_arrive_as_uploaded_media(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    await linked_group(dt)
    await dt.bind(WANG)
    replies = await dt.say(WANG, "/progress", group=GROUP)
    image = [s for s in replies if s.kind == "image"]
    assert len(image) == 1
    assert image[0].via == "group"
    _name, content = fake.media[image[0].media]
    assert content.startswith(b"\x89PNG")

    replies = await dt.say(CHEN, "/export")
    [archive] = [s for s in replies if s.kind == "file"]
    assert archive.filename.endswith(".zip")
    assert fake.media[archive.media][1].startswith(b"PK")


async def test_voice_is_read_as_text_and_shown_back_and_pictures_are_explained(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    await dt.bind(LIU)
    await dt.say(LIU, "/reflect")
    draft_prompt = dt.texts(LIU.user_id)[-1]
    voice = await dt.say(LIU, "", msgtype="audio",
                         content={"duration": 4000, "downloadCode": "dc1",
                                  "recognition": "今天的课学生很投入"})
    assert shown(voice[0].text) == bot_texts.DINGTALK_VOICE.format(text="今天的课学生很投入")
    assert dt.texts(LIU.user_id)[-1] != draft_prompt  # the form moved on with that text

    picture = await dt.say(LIU, "", msgtype="picture", content={"downloadCode": "dc2"})
    assert shown(picture[0].text)
    assert "/cancel" in shown(picture[0].text) or "文字" in shown(picture[0].text)


# The monthly budget ----------------------------------------------------------------------


async def test_the_budget_warns_admins_once_and_then_private_reminders_stop_first(
        core: Core, fake: FakeDingTalk, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    fake.groups.add(GROUP)
    async with running(core, fake, monthly_budget=40, budget_warn_percent=50) as dt:
        await linked_group(dt)
        await dt.bind(LIU)
        await tuesday_reminder(dt, clock)  # 2026-12-01: a new month, a new count
        for _ in range(22):  # cards cost a metered call each
            await dt.say(LIU, "/settings")
        warnings = [t for t in dt.texts(CHEN.user_id) if "钉钉接口调用本月已用" in t]
        assert len(warnings) == 1
        assert "预算 40 次的 50%" in warnings[0]
        while not dt.service.bridge.budget.spent:
            await dt.say(LIU, "/settings")
        assert len([t for t in dt.texts(CHEN.user_id) if "钉钉接口调用本月已用" in t]) == 1
        # Spent: on Wednesday the private reminder before the session is not sent to 刘洋,
        # the group's posts still are, and answers to people who write still go.
        before, group_before = len(fake.seen(LIU.user_id)), len(fake.seen(GROUP))
        caplog.set_level(logging.WARNING)
        for _ in range(6 * 24):
            clock.advance(timedelta(minutes=10))
            await dt.runner.tick()
        assert len(fake.seen(LIU.user_id)) == before
        assert "budget spent" in caplog.text
        assert len(fake.seen(GROUP)) > group_before
        [answer] = await dt.say(LIU, "/me")
        assert answer.via == "webhook"
    rows = core.db.call(lambda s: usage.add_calls(s, platform="dingtalk", month="2026-12",
                                                  calls=0))
    assert rows.calls >= 40


# Limits ---------------------------------------------------------------------------------


async def test_a_long_reply_is_split_under_15000_bytes_not_characters(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    await dt.bind(LIU)
    bridge = dt.service.bridge
    line = "研修" * 40  # 240 bytes of UTF-8 in 80 characters
    text = "\n".join(f"{n} {line}" for n in range(150))  # ≈ 37 000 bytes, 12 600 characters
    assert len(text) < 15_000 < len(text.encode())
    assert await bridge.deliver(Reply(text), Target(private_chat(f"dt:{LIU.user_id}")))
    parts = fake.seen(LIU.user_id)[-3:]
    assert all(len(p.text.encode()) <= 15_000 for p in parts)
    assert "\n".join(shown(p.text) for p in parts) == text
    assert fake.refused == []


async def test_a_broadcast_stays_under_the_rate_and_flow_control_is_retried(
        dt: DingTalk, fake: FakeDingTalk, clock: ManualClock) -> None:
    bridge = dt.service.bridge
    people = [Staff(f"u9{n:03}", f"老师{n}") for n in range(45)]
    for person in people:
        fake.directory[person.user_id] = person
    sends = [bridge.deliver(Reply(f"第 {n} 条"), Target(private_chat(f"dt:{p.user_id}")))
             for n, p in enumerate(people)]
    assert all(await asyncio.gather(*sends))
    assert fake.refused == []  # 45 calls at once, none over 20 a second
    assert {s.to for s in fake.sent} == {p.user_id for p in people}

    # flowControlledStaffIdList: nothing was delivered; the outbox tries again later.
    bridge.throttle_waits = ()
    fake.throttle("/v1.0/robot/oToMessages/batchSend", times=1, how="flow")
    item = OutboxItem(id=1, key="nudge:x", kind="nudge", chat=f"dt:{people[0].user_id}",
                      payload={}, due_at=clock.now(), attempts=0)
    with pytest.raises(Postpone):
        await bridge.send_due(Reply("本周进度提醒"), item)
    assert await bridge.send_due(Reply("本周进度提醒"), item)
    assert [s.text for s in fake.seen(people[0].user_id)].count("本周进度提醒") == 1


async def test_an_unanswered_ping_reconnects(core: Core, fake: FakeDingTalk) -> None:
    fake.answer_pings = False  # the server stops answering the client's pings
    async with running(core, fake) as dt:
        dt.service.stream.ping_interval = 0.05
        dt.service.stream.ping_timeout = 0.5
        await fake.drop()  # the next connection uses the short ping settings
        await fake.wait_connected(3)  # reconnected, and once more after the lost pong
        fake.answer_pings = True
        await fake.wait_connected(4)
        fake.directory[STRANGER.user_id] = STRANGER
        assert await dt.say(STRANGER, "/help")


def test_the_shipped_card_template_is_importable_and_names_what_the_adapter_sends() -> None:
    """yanxiu-card.json is in the card platform's export format (editorData holding the
    component tree and the variables), built by bot/dingtalk/cards/template.py, and binds
    exactly what the adapter fills and what a press sends back."""
    from bot.dingtalk.adapter import DingTalkBridge
    from bot.dingtalk.cards import template
    from handlers.types import Button

    shipped = template.FILE.read_text(encoding="utf-8")
    assert shipped == template.text()  # regenerate: python -m bot.dingtalk.cards.template
    exported = json.loads(shipped)
    assert set(exported) == {"editorData", "type", "mode"}
    assert (exported["type"], exported["mode"]) == ("standard", "card")
    editor = json.loads(exported["editorData"])
    declared = {v["name"]: v for v in editor["variableList"]}
    bridge = DingTalkBridge.__new__(DingTalkBridge)
    bridge.secret = "s"
    buttons = ((Button("参加", data="a:1"), Button("打开", url="https://example.org")),)
    params = bridge.card_params(Reply("x", buttons=buttons), "t", "c")
    assert set(params) == set(declared)
    assert declared["notice"]["private"]  # the presser's own line (privateData)
    fields = {f["name"] for f in declared["buttons"]["schema"]}
    assert all(set(button) <= fields for button in json.loads(params["buttons"]))

    def nodes(node: dict) -> list[dict]:
        return [node, *(n for child in node.get("children", []) for n in nodes(child))]

    tree = [n for root in editor["schema"]["componentsTree"] for n in nodes(root)]
    bound = {n["props"]["content"]["variable"] for n in tree if n["componentName"] == "Markdown"}
    assert bound == {"markdown", "notice"}
    [loop] = [n for n in tree if n["componentName"] == "Loop"]
    assert loop["props"]["listData"]["variable"] == "buttons"
    press = next(n for n in tree if n["componentName"] == "SingleButton"
                 and n["props"]["actionType"] == "request")
    sent_back = {p["name"]: p["variable"] for p in press["props"]["params"]}
    assert sent_back == {name: f"buttons[0].{name}" for name in ("data", "chat", "sig")}
    used = {n["componentName"] for n in tree}
    assert used <= {c["componentName"] for c in editor["schema"]["componentsMap"]}


async def test_the_roster_mobile_number_binds_when_the_job_number_differs(
        dt: DingTalk, fake: FakeDingTalk, tmp_path: Path) -> None:
    lines = (Path(__file__).parents[2] / "examples" / "roster.csv").read_text(
        encoding="utf-8").splitlines()
    lines[0] += ",手机号"
    lines = [line + (",138-0000-2003" if line.startswith("孙丽,") else ",") if n else line
             for n, line in enumerate(lines)]
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_roster(dt.core, read_roster(dt.core, roster))
    # The directory spells the name differently and has another 工号; the 手机号 matches.
    sun = Staff("u5003", "孙丽丽", "+86 13800002003", "D-77")
    fake.directory[sun.user_id] = sun
    bound = await dt.say(sun, "/me")
    assert shown(bound[0].text) == "已按钉钉通讯录为您绑定花名册：孙丽。"


async def test_when_the_months_quota_is_spent_an_answer_still_arrives_without_buttons(
        dt: DingTalk, fake: FakeDingTalk) -> None:
    await dt.bind(LIU)
    fake.throttle("/v1.0/card/instances/createAndDeliver", times=1, how="90020")
    [reply] = await dt.say(LIU, "/settings")
    assert reply.via == "webhook"
    assert shown(reply.text).endswith(bot_texts.DINGTALK_NO_BUTTONS)
    assert dt.service.bridge.budget.spent


# Fuzz -------------------------------------------------------------------------------------

@pytest.fixture
async def fuzz_world(dt: DingTalk) -> DingTalk:
    """One school for all examples (created once per test: state piling up is the point)."""
    await linked_group(dt)
    await dt.bind(LIU)
    await dt.bind(WANG)
    dt.fake.directory[STRANGER.user_id] = STRANGER
    return dt


_WORDS = st.sampled_from([
    "/help", "/start", "/me", "/mine", "/bind ABCD2345", "/link 语文组", "/unlink", "/reflect",
    "/observe", "/cancel", "/back", "/skip", "/done", "/settings", "/sessions", "/lessons",
    "/progress", "/announce", "/pending", "/audit", "/request 王芳", "进度", "活动", "公开课",
    "**粗体** # 标题 <b>x</b> &amp; [链接](http://x) `代码` > 引用\n- 列表", "今天", "2"])
_TEXT = st.one_of(_WORDS, st.text(max_size=300),
                  st.builds(lambda c: f"/{c}", st.sampled_from(sorted(COMMANDS))))
_STEP = st.tuples(st.sampled_from([LIU, WANG, CHEN, STRANGER]), _TEXT, st.booleans(),
                  st.sampled_from(["text", "text", "text", "audio", "picture", "file",
                                   "richText", "video"]),
                  st.integers(min_value=0, max_value=3))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, min_size=1, max_size=6))
async def test_fuzz_every_frame_is_acknowledged_and_every_message_fits(
        fuzz_world: DingTalk, steps: list[tuple[Staff, str, bool, str, int]]) -> None:
    """Anything anyone sends or presses: acknowledged with 200, nothing 钉钉 would refuse."""
    dt = fuzz_world
    fake = dt.fake
    for who, text, in_group, msgtype, press in steps:
        cards = [c for c in fake.cards.values() if c.labels]
        if press and cards:
            card = cards[(press * 7 + len(text)) % len(cards)]
            label = card.labels[press % len(card.labels)]
            button = next(b for b in card.buttons if b["label"] == label)
            if "url" in button:
                continue
            ack = await fake.push_press(fake.press(who, card, label))
        else:
            content = {"recognition": text} if msgtype == "audio" else {"downloadCode": "x"}
            frame = fake.chatbot(who, text=text or " ", group=GROUP if in_group else None,
                                 msgtype=msgtype, content=content)
            ack = await fake.push(frame)
        assert ack["code"] == 200, ack
    assert [r for r in fake.refused if r[1] != "token"] == []
    assert all(len(s.text.encode()) <= 15_000 for s in fake.sent)
