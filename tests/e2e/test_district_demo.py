"""The district's demo and tools (issue 17): ``seed-demo`` fills every school, the 学区管理员
sees them all with figures, each school's archive has its 考勤 from September; ``roster
codes --out`` writes one file with a 学校 column.

Run as 教导处 runs them: ``yanxiu --config examples/district.toml …`` (``bot.cli.main``) on
a database of the test's own, then the bot on that database as 周主任 (the 学区管理员).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import build_core
from bot.cli import main
from bot.config import load
from handlers.district.router import District
from scheduler.clock import ManualClock
from tests.conftest import EXAMPLE_CONFIG, START
from tests.district_world import (
    CENTRAL,
    DISTRICT_CONFIG,
    LIJIA,
    WANGZHUANG,
    ZHANGWAN,
    bind,
)
from tests.drivers import Driver, shown

SCHOOLS = (CENTRAL, LIJIA, WANGZHUANG, ZHANGWAN)


def yanxiu(*args: str) -> int:
    return main(["--config", str(DISTRICT_CONFIG), *args])


@pytest.fixture
def seeded(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """``seed-demo`` on a database of the test's own (the sandbox's clock: 11-30 08:00);
    what it printed."""
    monkeypatch.setenv("YANXIU_DATABASE_URL", sqlite_url)
    assert yanxiu("seed-demo") == 0
    return sqlite_url, capsys.readouterr().out


@pytest.fixture
def district(seeded: tuple[str, str]) -> Iterator[District]:
    built = build_core(load(str(DISTRICT_CONFIG)).config, database_url=seeded[0],
                       clock=ManualClock(START))
    assert isinstance(built, District)
    yield built
    built.db.close()


def test_seed_demo_fills_every_school_and_says_what_each_got(
        seeded: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, out = seeded
    lines = out.splitlines()
    assert lines[0].startswith("已生成演示数据（数据库 sqlite:///")
    for name, line in zip(SCHOOLS, lines[1:], strict=True):
        school, _, made = line.strip().partition("：")
        assert school == name
        records, sessions, lessons = (int(part.split()[0]) for part in made.split("，"))
        assert records > 100, line
        assert sessions > 5, line
        assert lessons > 0, line
    # Run again, it adds nothing and says so (exit status 1).
    assert yanxiu("seed-demo") == 1
    again = capsys.readouterr()
    assert again.out == ""
    assert "每所学校都已有演示数据，未重复生成" in again.err


async def test_the_district_admin_sees_every_demo_school_with_figures(
        district: District) -> None:
    driver = Driver(district)
    await bind(driver, "周主任")
    text = shown(await driver.send("周主任", "/progress"))
    for name, people in ((CENTRAL, 4), (LIJIA, 5), (WANGZHUANG, 3), (ZHANGWAN, 3)):
        [line] = [line for line in text.splitlines() if line.startswith(f"{name}：")]
        assert f"{people} 人" in line
        assert "完成 0%" not in line, line
    detail = await driver.say("周主任", f"/progress {WANGZHUANG}")
    assert "全科组：3 人" in detail


def test_each_school_exports_its_demo_semester_with_attendance_from_september(
        seeded: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert yanxiu("export", "--school", LIJIA, "--out", str(out)) == 0
    [archive] = list(out.iterdir())
    assert archive.name.startswith(f"{LIJIA}_2026-2027学年第一学期_20261130")
    with zipfile.ZipFile(archive) as bundle:
        book = load_workbook(bundle.open("台账.xlsx"))
    sheet = book["考勤-语文组"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    assert header[2] == "9/2"
    assert "12/2" not in header  # after the sandbox's today: not held yet
    marks = [cell for row in rows[3:5] for cell in row[2:len(header) - 6]]
    assert "—" not in marks
    assert marks.count("出席") > len(marks) * 0.8
    # Every school's archive, and the summary ledger.
    every = tmp_path / "every"
    assert yanxiu("export", "--out", str(every)) == 0
    assert sorted(p.name.split("_")[0] for p in every.iterdir() if p.suffix == ".zip") == (
        sorted(SCHOOLS))


def test_codes_of_every_school_in_one_file_with_the_school_column(
        seeded: tuple[str, str], tmp_path: Path) -> None:
    target = tmp_path / "绑定码.xlsx"
    assert yanxiu("roster", "codes", "--out", str(target)) == 0
    sheet = load_workbook(target).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{CENTRAL}学区教师绑定码"
    assert rows[2] == ("学校", "姓名", "教研组", "工号", "绑定码", "状态")
    people = [row for row in rows[3:] if row[0]]
    assert len(people) == 15
    # By school (the 中心校 first, as in the config), then 教研组, then name.
    assert [row[0] for row in people] == sorted(
        (row[0] for row in people), key=SCHOOLS.index)
    for name in SCHOOLS:
        mine = [(row[2] or "", row[1]) for row in people if row[0] == name]
        assert mine == sorted(mine)
    lijia = {row[1]: row for row in people if row[0] == LIJIA}
    assert lijia["陈老师"][2:4] == ("语文组", "L003")
    assert len(str(lijia["陈老师"][4])) == 8


def test_seed_demo_of_one_school_refuses_a_second_set(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("YANXIU_DATABASE_URL", sqlite_url)
    assert main(["--config", str(EXAMPLE_CONFIG), "seed-demo"]) == 0
    assert capsys.readouterr().out.startswith("已生成演示数据：")
    assert main(["--config", str(EXAMPLE_CONFIG), "seed-demo"]) == 1
    again = capsys.readouterr()
    assert again.out == ""
    assert "花城小学已有演示数据（2026-11-30 08:00 生成），未重复生成" in again.err
