"""The school a 学区管理员 works in from private chat is kept in the database (issue 17):
it outlasts a restart, every process on the database goes on there, and a school taken out
of the config sends her home. Through the router, as she types, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_core
from bot.config import Config, load
from handlers.district import texts as district_texts
from handlers.district.router import District
from scheduler.clock import ManualClock
from tests.district_world import (
    CENTRAL,
    DISTRICT_CONFIG,
    LIJIA,
    WANGZHUANG,
    ZHANGWAN,
    bind,
    make_district,
)
from tests.drivers import Driver

NOW_IN = district_texts.DISTRICT_NOW_IN.format(school=LIJIA, home=CENTRAL)


def _process(config: Config, url: str, clock: ManualClock) -> District:
    """One more bot process on the district's database (or the same one restarted)."""
    built = build_core(config, database_url=url, clock=clock)
    assert isinstance(built, District)
    return built


@pytest.fixture
def first(database_url: str, clock: ManualClock) -> Iterator[District]:
    built = make_district(database_url, clock)
    yield built
    built.db.close()


def _centrals_group(text: str) -> bool:
    """Whether ``text`` shows the 中心校's 语文组 (not 李家's)."""
    return "吴老师" in text and "刘老师" not in text


def _lijias_group(text: str) -> bool:
    """Whether ``text`` shows 李家村小学's 语文组 (not the 中心校's)."""
    return "刘老师" in text and "吴老师" not in text


async def test_the_school_she_works_in_outlasts_a_restart(
        first: District, database_url: str, clock: ManualClock) -> None:
    driver = Driver(first)
    await bind(driver, "周主任")
    assert NOW_IN in await driver.say("周主任", f"/progress {LIJIA}")
    first.db.close()
    config = load(str(DISTRICT_CONFIG)).config
    restarted = _process(config, database_url, clock)
    try:
        driver = Driver(restarted)
        group = await driver.say("周主任", "/progress 语文组")
        assert _lijias_group(group)
        assert NOW_IN not in group  # she named no school this time
        # Her own /me is at home, and so is she afterwards, after one more restart too.
        assert f"学校：{CENTRAL}" in await driver.say("周主任", "/me")
    finally:
        restarted.db.close()
    again = _process(config, database_url, clock)
    try:
        assert _centrals_group(await Driver(again).say("周主任", "/progress 语文组"))
    finally:
        again.db.close()


async def test_two_processes_on_one_database_share_it(
        first: District, database_url: str, clock: ManualClock) -> None:
    one = Driver(first)
    await bind(one, "周主任")
    second = _process(load(str(DISTRICT_CONFIG)).config, database_url, clock)
    try:
        two = Driver(second)
        await one.say("周主任", f"/progress {WANGZHUANG}")
        group = await two.say("周主任", "/progress 全科组")
        assert "全科组 · 研修进度" in group
        assert "钱老师" in group
        await two.say("周主任", f"/progress {LIJIA}")
        assert _lijias_group(await one.say("周主任", "/progress 语文组"))
        # The schools side by side are seen from home: both processes are back there.
        assert "学区研修进度" in await one.say("周主任", "/progress")
        assert _centrals_group(await two.say("周主任", "/progress 语文组"))
        # Naming the 中心校 in one process brings her home in the other too.
        await two.say("周主任", f"/progress {ZHANGWAN}")
        await one.say("周主任", f"/progress {CENTRAL}")
        assert _centrals_group(await two.say("周主任", "/progress 语文组"))
    finally:
        second.db.close()


async def test_a_school_taken_out_of_the_config_sends_her_home(
        first: District, database_url: str, clock: ManualClock, tmp_path: Path) -> None:
    driver = Driver(first)
    await bind(driver, "周主任")
    assert "语文组" in await driver.say("周主任", f"/progress {ZHANGWAN}")
    first.db.close()
    text = DISTRICT_CONFIG.read_text(encoding="utf-8")
    entry = text.index(f'[[schools]]\nname = "{ZHANGWAN}"')
    path = tmp_path / "district.toml"
    path.write_text(text[:entry], encoding="utf-8")
    smaller = _process(load(str(path)).config, database_url, clock)
    try:
        driver = Driver(smaller)
        group = await driver.say("周主任", "/progress 语文组")
        assert district_texts.DISTRICT_VISIT_GONE.format(school=ZHANGWAN, home=CENTRAL) in group
        assert _centrals_group(group)
        again = await driver.say("周主任", "/progress 语文组")
        assert ZHANGWAN not in again  # told once
        assert _centrals_group(again)
    finally:
        smaller.db.close()
