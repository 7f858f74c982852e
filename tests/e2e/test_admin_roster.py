"""教导处 changes the roster in chat: roles, groups, deactivation, codes, unbinding."""

from __future__ import annotations

from handlers.types import Reply
from storage.repos import people
from tests.drivers import Driver, plain


def button(reply: Reply, label: str) -> str:
    data = next(b.data for row in reply.buttons for b in row if b.label == label)
    assert data is not None
    return data


async def test_admin_changes_a_teacher_and_every_change_is_audited(driver: Driver) -> None:
    driver.bind("陈主任", "刘洋")
    [card] = await driver.send("陈主任", "/teacher 刘洋")
    assert "刘洋（教师）" in plain(card)
    assert "已绑定账号" in plain(card)
    [card] = await driver.send("陈主任", button=button(card, "教研组长"))
    assert card.edit
    assert "刘洋（教研组长）" in plain(card)
    [card] = await driver.send("陈主任", button=button(card, "数学组"))
    assert "教研组：语文组、数学组" in plain(card)
    me = await driver.say("刘洋", "/me")
    assert "担任教研组长：语文组、数学组" in me
    # A lost phone: unbind, and the card shows the fresh code to hand out.
    [card] = await driver.send("陈主任", button=button(card, "解绑账号"))
    assert "未绑定（绑定码" in plain(card)
    assert "还没有绑定" in await driver.say("刘洋", "/me")
    code = driver.core.db.call(lambda s: next(r.code for r in people.issue_codes(
        s, school_id=driver.core.school_id) if r.name == "刘洋"))
    assert f"绑定码 {code}" in plain(card)
    assert "绑定成功" in await driver.say("刘洋的新手机", f"/bind {code}")
    [card] = await driver.send("陈主任", button=button(card, "停用"))
    assert "已停用（记录保留）" in plain(card)
    assert "账号已停用" in await driver.say("刘洋的新手机", "/me")
    audit = await driver.say("陈主任", "/audit")
    for change in ("角色", "教研组", "解绑账号", "停用"):
        assert change in audit


async def test_add_teacher_and_refusals(driver: Driver) -> None:
    driver.bind("陈主任", "刘洋")
    text = await driver.say("陈主任", "/addteacher 李明 数学组 教师 数学")
    assert "已添加「李明」" in text
    assert "李明（教师）" in text
    assert "已经有「李明」" in await driver.say("陈主任", "/addteacher 李明 数学组")
    assert "没有名为「体育组」的教研组" in await driver.say("陈主任", "/addteacher 王五 体育组")
    assert "只有管理员" in await driver.say("刘洋", "/teacher 刘洋")
    [card] = await driver.send("陈主任", "/teacher 陈主任")
    assert "不能停用自己" in (await driver.send("陈主任", button=button(card, "停用")))[0].notice
    # A teacher forging an admin's roster button gets nothing.
    refused = await driver.send("刘洋", button=button(card, "重发绑定码"))
    assert "只有管理员" in (refused[0].notice or "")
