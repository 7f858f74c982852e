"""Transcripts of the core: binding, help, /me, group linking, permissions."""

from __future__ import annotations

from datetime import timedelta

from storage.repos import people
from tests.drivers import Driver


async def test_stranger_gets_polite_explanation_and_no_data(driver: Driver) -> None:
    text = await driver.say("路人", "/start")
    assert "绑定" in text
    me = await driver.say("路人", "/me")
    assert "还没有绑定花名册" in me
    assert "花城小学" not in me


async def test_teacher_binds_with_code_once(driver: Driver) -> None:
    codes = driver.core.db.call(
        lambda s: people.issue_codes(s, school_id=driver.core.school_id))
    code = next(row.code for row in codes if row.name == "刘洋")
    assert "绑定成功" in await driver.say("刘洋", f"/bind {code.lower()}")
    assert "刘洋" in await driver.say("刘洋", "/me")
    # The same code a second time, from another account, is spent.
    assert "绑定码不正确" in await driver.say("冒名者", f"/bind {code}")


async def test_wrong_codes_are_limited_per_hour(driver: Driver) -> None:
    for left in (4, 3, 2, 1):
        assert f"还可以再试 {left} 次" in await driver.say("路人", "/bind WRONG123")
    assert "尝试次数太多" in await driver.say("路人", "/bind WRONG123")
    assert "尝试次数太多" in await driver.say("路人", "/bind WRONG123")
    driver.core.clock.advance(timedelta(hours=1, minutes=1))
    assert "还可以再试 4 次" in await driver.say("路人", "/bind WRONG123")


async def test_duplicate_update_changes_nothing_and_gets_the_same_answer(driver: Driver) -> None:
    first = await driver.send("路人", "/bind WRONG123", key="same")
    second = await driver.send("路人", "/bind WRONG123", key="same")
    assert first
    # The platform delivered the update again (e.g. after a crash before its answer went
    # out): the person sees the answer again, and nothing is counted twice.
    assert second == first
    assert "还可以再试 3 次" in await driver.say("路人", "/bind WRONG123")
