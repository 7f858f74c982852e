"""A district for tests: examples/district.toml (a 中心校 and three 村小) and its roster."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import Session

from bot.app import build_core, import_roster, issue_codes, read_roster
from bot.config import load
from handlers.district.router import District
from handlers.types import Chat, ChatKind
from scheduler.clock import ManualClock
from storage.repos import chats, school
from tests.conftest import ROOT
from tests.drivers import Driver

DISTRICT_CONFIG = ROOT / "examples" / "district.toml"
DISTRICT_ROSTER = ROOT / "examples" / "district-roster.csv"
CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN = "城关镇中心校", "李家村小学", "王庄村小学", "张湾村小学"


def make_district(url: str, clock: ManualClock) -> District:
    """The example district on ``url``, its roster imported."""
    built = build_core(load(str(DISTRICT_CONFIG)).config, database_url=url, clock=clock)
    assert isinstance(built, District)
    import_roster(built, read_roster(built, DISTRICT_ROSTER))
    return built


async def bind(driver: Driver, *names: str) -> None:
    """Each of ``names`` sends ``/bind CODE`` with their code, through the router."""
    codes = {row.name: row.code for row in issue_codes(driver.core)}
    for name in names:
        replies = await driver.send(name, f"/bind {codes[name]}")
        assert "绑定成功" in replies[0].text, replies


def link(district: District, school_name: str, group: str | None) -> Chat:
    """A group chat of ``school_name`` linked to ``group`` (None: the whole school)."""
    core = district.school_named(school_name)
    assert core is not None
    title = f"{school_name}{group or '全校'}"
    chat = Chat(address=f"test:group:{title}", kind=ChatKind.GROUP, title=title)

    def apply(session: Session) -> None:
        ids = school.group_ids(session, school_id=core.school_id)
        chats.set_link(session, chat=chat.address, title=title, school_id=core.school_id,
                       group_id=ids[group] if group else None, actor_id=None,
                       now=district.clock.now())

    district.db.call(apply)
    return chat


def district_sandbox(url: str, clock: ManualClock
                     ) -> tuple[District, Callable[..., Awaitable[str]]]:
    """``yanxiu --config examples/district.toml sandbox`` on ``url``: the district and
    ``talk(*lines)``, which types the lines and returns what the sandbox printed."""
    import io

    from bot.console.district import DistrictSandbox

    district = build_core(load(str(DISTRICT_CONFIG)).config, database_url=url, clock=clock)
    assert isinstance(district, District)
    out = io.StringIO()
    box = DistrictSandbox(district, clock, out=out)
    box.seed(read_roster(district, DISTRICT_ROSTER))

    async def talk(*lines: str) -> str:
        mark = len(out.getvalue())
        for line in lines:
            await box.feed(line)
        return out.getvalue()[mark:]

    return district, talk
