"""Each school's quiet hours hold its own messages (issue 17): a school whose quiet hours
last longer gets its Monday digest when they end, while the other school's goes out on
time. Through the router and the runner's tick, asserting what each person and group gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import build_core, build_runner, import_roster, read_roster
from bot.config import load
from handlers.district.router import District
from handlers.types import Reply
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.repos.outbox import OutboxItem
from tests.conftest import ZONE
from tests.district_world import CENTRAL, DISTRICT_CONFIG, DISTRICT_ROSTER, LIJIA, bind, link
from tests.drivers import Driver, shown

# The 中心校's and 李家's 语文组 leaders, each with a member the other school lacks.
LEADERS = {CENTRAL: ("吴老师", "周主任"), LIJIA: ("刘老师", "陈老师")}
# Each school's admin, and a teacher of it who has not bound yet.
ADMINS = {CENTRAL: ("周主任", "孙老师"), LIJIA: ("李校长", "黄老师")}
MONDAY = datetime(2026, 12, 7, 7, 40, tzinfo=ZONE)  # the digest's time (default [digest])


def _quieter(tmp_path: Path, school: str) -> Path:
    """The example district, ``school``'s entry with quiet hours until 08:30 (the
    defaults, every other school's: 21:30 to 07:00)."""
    text = DISTRICT_CONFIG.read_text(encoding="utf-8")
    entry = f'name = "{school}"\n'
    assert entry in text
    path = tmp_path / "district.toml"
    path.write_text(text.replace(entry, entry + 'reminders = { quiet_hours = '
                                 '{ start = 21:30:00, end = 08:30:00 } }\n', 1),
                    encoding="utf-8")
    return path


@pytest.fixture(params=[LIJIA, CENTRAL])
def quiet(request: pytest.FixtureRequest) -> str:
    """The school whose quiet hours last until 08:30."""
    return str(request.param)


@pytest.fixture
def district(quiet: str, tmp_path: Path, sqlite_url: str,
             clock: ManualClock) -> Iterator[District]:
    built = build_core(load(str(_quieter(tmp_path, quiet))).config, database_url=sqlite_url,
                       clock=clock)
    assert isinstance(built, District)
    import_roster(built, read_roster(built, DISTRICT_ROSTER))
    yield built
    built.db.close()


class Inboxes:
    """What the runner delivered, per chat address, and the runner itself."""

    def __init__(self, district: District, clock: ManualClock) -> None:
        self.got: dict[str, list[Reply]] = {}
        self.clock = clock
        self.runner: Runner = build_runner(district, self._deliver)

    async def _deliver(self, reply: Reply, item: OutboxItem) -> bool:
        self.got.setdefault((reply.chat.address if reply.chat else item.chat), []).append(reply)
        return True

    async def tick_at(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.runner.tick()

    def digests(self, address: str) -> str:
        return shown([r for r in self.got.get(address, []) if "语文组周报" in r.text])


async def test_each_school_s_quiet_hours_hold_its_own_digest(
        quiet: str, district: District, clock: ManualClock) -> None:
    loud = CENTRAL if quiet == LIJIA else LIJIA
    driver = Driver(district)
    await bind(driver, *(leader for leader, _ in LEADERS.values()),
               *(admin for admin, _ in ADMINS.values()))
    groups = {school: link(district, school, "语文组").address for school in LEADERS}
    inbox = Inboxes(district, clock)
    (loud_leader, loud_member), (quiet_leader, quiet_member) = LEADERS[loud], LEADERS[quiet]

    await inbox.tick_at(MONDAY)
    # The leader's copy names her own school's people.
    assert loud_member in inbox.digests(driver.account(loud_leader))
    assert inbox.digests(groups[loud])
    assert inbox.digests(driver.account(quiet_leader)) == ""
    assert inbox.digests(groups[quiet]) == ""

    # Relays right after an update are not held: a request reaches the admin at once.
    clock.set(MONDAY.replace(hour=8))
    admin, unbound = ADMINS[quiet]
    relayed = await driver.send("小明", f"/request {quiet} {unbound}")
    assert any(reply.chat is not None and reply.chat.address == driver.account(admin)
               and unbound in reply.text for reply in relayed)

    await inbox.tick_at(MONDAY.replace(hour=8, minute=29))
    assert inbox.digests(driver.account(quiet_leader)) == ""
    assert inbox.digests(groups[quiet]) == ""

    await inbox.tick_at(MONDAY.replace(hour=8, minute=30))  # the quieter school wakes up
    assert quiet_member in inbox.digests(driver.account(quiet_leader))
    assert inbox.digests(groups[quiet])
    # The other school's went out once, at 07:40.
    assert inbox.digests(driver.account(loud_leader)).count("语文组周报") == 1
    assert inbox.digests(groups[loud]).count("语文组周报") == 1
