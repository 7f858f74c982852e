"""The permission table (tests/e2e/test_permissions.py) on 钉钉, through the real adapter.

The same roles, commands, button cases and expectations, sent as 钉钉 robot messages and
card presses over the fake 钉钉's websocket (``tests.dingtalk_driver``). Where 钉钉 differs,
it is said here and in the driver, not skipped:

- a group command is an @ of the robot (the fake sends it so); a bare word without the
  slash is the same command there (last test);
- a button's data reaches the core only from a card of the bot: the table's presses are
  signed as if the card had been delivered to the presser's chat (or the group), so the
  core's own checks run; forged, tampered and foreign presses are refused by the adapter
  before the core sees them (the tests below);
- a press is answered on the pressed card (the presser's notice line), not in a toast;
- an edit is the pressed card changed in place.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import texts as bot_texts
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage.tables import Record
from tests.dingtalk_driver import DingTalkDriver, staff_of
from tests.dingtalk_harness import running, shown
from tests.e2e import test_permissions as table
from tests.fake_dingtalk import FakeDingTalk


@pytest.fixture
async def dt_world(core: Core, clock: ManualClock) -> AsyncIterator[table.World]:
    fake = FakeDingTalk().start()
    try:
        async with running(core, fake) as dt:
            yield await table.make_world(core, DingTalkDriver(core, dt=dt))
        # Nothing the adapter sent was refused (over the rate, too long, too many users).
        assert [r for r in fake.refused if r[1] != "token"] == []
    finally:
        fake.stop()


def _driver(world: table.World) -> DingTalkDriver:
    assert isinstance(world.driver, DingTalkDriver)
    return world.driver


# -- the shared table, on 钉钉 ---------------------------------------------------------------


@pytest.mark.parametrize("role", table.ROLES, ids=[role.key for role in table.ROLES])
async def test_command_table_on_dingtalk(dt_world: table.World, role: table.Role) -> None:
    await table.test_command_table(dt_world, role)


@pytest.mark.parametrize("prefix", sorted(table.CASES))
async def test_button_table_on_dingtalk(dt_world: table.World, prefix: str) -> None:
    await table.test_button_table(dt_world, prefix)


async def test_refused_presses_changed_nothing_on_dingtalk(dt_world: table.World) -> None:
    await table.test_refused_presses_changed_nothing(dt_world)


async def test_a_forms_buttons_act_only_on_their_owners_draft_on_dingtalk(
        dt_world: table.World) -> None:
    await table.test_a_forms_buttons_act_only_on_their_owners_draft(dt_world)


async def test_the_other_schools_admin_gets_nothing_on_dingtalk(
        dt_world: table.World) -> None:
    await table.test_the_other_schools_admin_gets_nothing(dt_world)


# -- what only 钉钉 has: forged, tampered and foreign presses ---------------------------------


async def _forged(world: table.World, frame: dict[str, Any], presser: str) -> None:
    """``frame`` is refused by the adapter: the presser's notice says so, nothing is sent."""
    driver = _driver(world)
    fake = driver._dt.fake
    before = len(fake.sent)
    ack = await driver._dt.send(frame)
    assert ack["code"] == 200, ack
    response = json.loads(ack["data"])["response"]
    notice = response["privateData"][staff_of(presser).user_id]["cardParamMap"]["notice"]
    assert shown(notice) == bot_texts.DINGTALK_FORGED
    assert "cardData" not in response  # the card itself is left as it was
    assert fake.sent[before:] == []


async def test_forged_tampered_and_foreign_presses_never_reach_the_core(
        dt_world: table.World) -> None:
    world, driver = dt_world, _driver(dt_world)
    objects = {**world.ids, **await table._objects(world)}
    record = objects["R"]
    # 刘洋's /mine reaches him as a card with buttons on his record, in his private chat.
    await driver.send("刘洋", "/mine")
    fake = driver._dt.fake
    liu, zhou = staff_of("刘洋"), staff_of("周静")
    card = fake.last_card(liu.user_id)
    button = next(b for b in card.buttons if b["data"].startswith("mine:"))
    own = {k: button[k] for k in ("data", "chat", "sig")}
    assert own["chat"] == driver.account("刘洋")

    # A card pressed by someone it was never sent to: 周静 presses 刘洋's private card
    # (its signature is genuine; the chat is not hers).
    await _forged(world, driver.press_frame(zhou, card.track, own["chat"], own), "周静")
    # Tampered data: the delete of 刘洋's record under the signature of another button.
    await _forged(world, driver.press_frame(
        liu, card.track, own["chat"], {**own, "data": f"mine:delok:{record}"}), "刘洋")
    # The chat moved to 周静's, so that she could press it: the signature binds the chat.
    await _forged(world, driver.press_frame(
        zhou, card.track, driver.account("周静"), {**own, "chat": driver.account("周静")}),
        "周静")
    # The button copied onto another card (another outTrackId).
    await _forged(world, driver.press_frame(liu, "yx-another", own["chat"], own), "刘洋")
    # No signature at all, and a made-up one, on data the core would take.
    for sig in ("", "0" * 24):
        await _forged(world, driver.press_frame(
            liu, card.track, own["chat"], {**own, "data": f"mine:delok:{record}", "sig": sig}),
            "刘洋")
    # A group card's button moved to another group, and a group press signed for a
    # private chat pressed from the group.
    group = world.fresh_group("语文组")
    other = world.fresh_group("数学组")
    press = driver.signed_press(zhou, f"att:go:{objects['M']}", chat=group.address)
    params = json.loads(json.loads(press["data"])["content"])["cardPrivateData"]["params"]
    track = json.loads(press["data"])["outTrackId"]
    await _forged(world, driver.press_frame(zhou, track, other.address,
                                            {**params, "chat": other.address}), "周静")
    # Nothing changed: the record is there, nobody opened a form, 周静 did not answer.
    assert world.core.db.call(lambda s: s.get(Record, record).deleted_at) is None
    assert world.draft_form("周静") is None
    # The same buttons, pressed rightly, still work: the refusals were the adapter's.
    replies = await driver.send("周静", button=f"att:go:{objects['M']}", chat=group)
    assert "已记下您参加" in table._shown(replies)


async def test_a_group_card_is_pressed_by_the_group_and_checked_by_the_core(
        dt_world: table.World) -> None:
    """A card in a group may be pressed by anyone in it (钉钉 gives no per-person group
    cards): the core decides. 张伟 leads 数学组; 语文组's session menu is not his."""
    world, driver = dt_world, _driver(dt_world)
    objects = {**world.ids, **await table._objects(world)}
    group = world.fresh_group("语文组")
    shown_to = table._shown(await driver.send("张伟", button=f"ses:menu:{objects['M']}",
                                              chat=group))
    assert table.NOT_YOUR_SESSION in shown_to
    shown_to = table._shown(await driver.send("王芳", button=f"ses:menu:{objects['M']}",
                                              chat=group))
    assert "语文组教研 ·" in shown_to


async def test_bare_words_in_a_group_obey_the_same_table(dt_world: table.World) -> None:
    """@研修助手 进度 is /progress in a group on 钉钉: the same answer, the same refusals."""
    world, driver = dt_world, _driver(dt_world)
    group = world.fresh_group("语文组")
    for role in table.ROLES:
        with_slash = table._shown(await driver.send(role.name, "/progress", chat=group))
        bare = table._shown(await driver.send(role.name, "进度", chat=group))
        assert bare == with_slash, (role.key, bare, with_slash)
