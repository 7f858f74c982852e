"""教导处's command-line tools, run as ``python -m bot`` in a temporary copy of the project.

seed-demo, export, semester open|close, backup and restore. Every subprocess costs about two
seconds, so one seeded project is made for the module and copied (a file copy, no
subprocess) for the tests that change it. The seeded semester runs up to the real today.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO_ROSTER, EXAMPLE_CONFIG, ROOT, ZONE

SEMESTER = "2026-2027学年第一学期"
SEEDED = re.compile(r"^已生成演示数据：(\d+) 条记录，(\d+) 次教研，(\d+) 节公开课"
                    r"（数据库 sqlite:///(?:.*/)?data/(yanxiu|sandbox)\.db）。\n$")


@dataclass(frozen=True)
class Result:
    """What one run printed and returned."""

    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Project:
    """config.toml (the example) and examples/roster.csv in a folder of its own."""

    root: Path

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        clean = {key: value for key, value in os.environ.items()
                 if not key.startswith("YANXIU_")}
        clean.update({"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **(env or {})})
        done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=self.root, env=clean,
                              capture_output=True, text=True, encoding="utf-8", timeout=120,
                              check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    @property
    def database(self) -> Path:
        return self.root / "data" / "yanxiu.db"

    def copy(self, target: Path) -> Project:
        shutil.copytree(self.root, target)
        return Project(target)


def counts(path: Path) -> dict[str, int]:
    """Rows of every table of a SQLite file."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        found = {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                 for table in tables}
    connection.close()
    return found


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(sql).fetchall()
    connection.close()
    return rows


def without_sandbox_note(err: str) -> str:
    """Standard error without the first line a tool prints on a database seed-demo filled:
    such a database is a sandbox's, and tools run on its kept clock (issue 15)."""
    note, _, rest = err.partition("\n")
    assert note.startswith("（沙盒数据库：按沙盒时间 "), err
    return rest


def today_stamps() -> set[str]:
    """Today in school time as in file names (two, should the test run across midnight)."""
    return {datetime.now(ZONE).strftime("%Y%m%d")}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Result]:
    root = tmp_path_factory.mktemp("school")
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    today = datetime.now(ZONE).date()
    if not date(2026, 9, 15) <= today <= date(2027, 1, 22):
        # The CLI runs on the real clock: move the demo semester around today.
        text = text.replace("start = 2026-09-01", f"start = {today - timedelta(days=80)}", 1)
        text = text.replace("end = 2027-01-22", f"end = {today + timedelta(days=60)}", 1)
    # The sandbox's clock (which seed-demo seeds up to) is the real one, as the CLI's.
    text = text.replace('start_at = "2026-11-30 08:00"', 'start_at = ""', 1)
    (root / "config.toml").write_text(text, encoding="utf-8")
    (root / "examples").mkdir()
    shutil.copy(DEMO_ROSTER, root / "examples" / "roster.csv")
    project = Project(root)
    imported = project.cli("roster", "import", "examples/roster.csv")
    assert imported.code == 0, imported.err
    # seed-demo fills the sandbox's database unless told another one.
    return project, project.cli("seed-demo",
                                env={"YANXIU_DATABASE_URL": f"sqlite:///{project.database}"})


@pytest.fixture
def project(seeded: tuple[Project, Result], tmp_path: Path) -> Project:
    """A private copy of the seeded project."""
    return seeded[0].copy(tmp_path / "copy")


def test_seed_demo_prints_counts(seeded: tuple[Project, Result]) -> None:
    project, result = seeded
    assert result.code == 0, result.err
    assert result.err == ""
    found = SEEDED.match(result.out)
    assert found is not None, result.out
    records, sessions, lessons = (int(n) for n in found.groups()[:3])
    assert found[4] == "yanxiu"
    assert records > 300
    assert sessions > 30
    assert lessons > 0
    rows = counts(project.database)
    assert rows["record"] == records
    assert rows["openlesson"] == lessons
    assert query(project.database,
                 "SELECT count(DISTINCT meeting_id) FROM attendance") == [(sessions,)]


def test_seed_demo_fills_the_sandbox_database(tmp_path: Path) -> None:
    # As README says: seed-demo, then the sandbox (make run) has the semester to /export.
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(EXAMPLE_CONFIG, root / "config.toml")
    (root / "examples").mkdir()
    shutil.copy(DEMO_ROSTER, root / "examples" / "roster.csv")
    project = Project(root)
    result = project.cli("seed-demo")
    assert result.code == 0, result.err
    found = SEEDED.match(result.out)
    assert found is not None, result.out
    assert found[4] == "sandbox"
    assert not project.database.exists()  # the school's own database is left alone
    sandbox = root / "data" / "sandbox.db"
    assert counts(sandbox)["record"] == int(found[1])
    # Up to the sandbox's clock (2026-11-30 08:00): nothing after it is made up.
    ((last,),) = query(sandbox, "SELECT max(occurred_on) FROM record")
    assert "2026-11-20" <= str(last) <= "2026-11-30"


def test_export_writes_the_zip(seeded: tuple[Project, Result], tmp_path: Path) -> None:
    project = seeded[0]
    out = tmp_path / "档案"
    before = today_stamps()
    result = project.cli("export", "--out", str(out))
    stamps = before | today_stamps()
    assert result.code == 0, result.err
    written = sorted(out.iterdir())
    assert len(written) == 1
    assert written[0].name in {f"花城小学_{SEMESTER}_{stamp}.zip" for stamp in stamps}
    assert result.out == f"档案已导出：{written[0]}\n"
    with zipfile.ZipFile(written[0]) as bundle:
        names = bundle.namelist()
        book = load_workbook(io.BytesIO(bundle.read("台账.xlsx")), read_only=True)
        try:
            assert book.sheetnames[0] == "听课台账"
            quota_rows = list(book["指标汇总"].iter_rows(min_row=4, values_only=True))
        finally:
            book.close()
    assert any(n.startswith("教研活动记录/语文组/第01次_") for n in names)
    assert len([n for n in names if n.startswith("个人研修档案/")]) == 15
    assert len({row[2] for row in quota_rows}) == 15  # a row per teacher and quota

    # A group that does not exist.
    result = project.cli("export", "--group", "物理组", "--out", str(tmp_path / "不要"))
    assert result.code == 2
    assert without_sandbox_note(result.err) == "没有找到教研组或老师「物理组」。\n"
    assert not (tmp_path / "不要").exists()


def test_export_of_an_unknown_semester_exits_2(seeded: tuple[Project, Result],
                                               tmp_path: Path) -> None:
    result = seeded[0].cli("export", "--semester", "不存在", "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert result.out == ""
    assert without_sandbox_note(result.err) == (
        "没有名为「不存在」的学期（见配置文件的 [[semesters]]）。\n")
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_semester_close_then_close_again(project: Project) -> None:
    closed = project.cli("semester", "close", SEMESTER)
    assert closed.code == 0, closed.err
    assert closed.out == f"学期「{SEMESTER}」已关闭：记录不能再修改，学期总结会发给管理员。\n"
    rows = query(project.database, "SELECT name, closed_at IS NOT NULL FROM semester")
    assert rows == [(SEMESTER, 1)]
    again = project.cli("semester", "close", SEMESTER)
    assert again.code == 0, again.err
    assert again.out == f"学期「{SEMESTER}」本来就是这个状态。\n"
    assert query(project.database, "SELECT count(*) FROM audit_entry WHERE action = 'semester'"
                 ) == [(1,)]


def test_backup_and_restore_round_trip(project: Project, tmp_path: Path) -> None:
    original = counts(project.database)
    backup = project.cli("backup", "--out", "备份/yanxiu-20261130.db")
    assert backup.code == 0, backup.err
    assert backup.out == "已备份到 备份/yanxiu-20261130.db\n"
    copy = project.root / "备份" / "yanxiu-20261130.db"
    assert counts(copy) == original
    assert not list((project.root / "备份").glob("*.part"))

    fresh = tmp_path / "新服务器" / "yanxiu.db"
    fresh.parent.mkdir()
    fresh.touch()  # an empty file, as a new server might have
    restored = project.cli("restore", str(copy), env={"YANXIU_DATABASE_URL": f"sqlite:///{fresh}"})
    assert restored.code == 0, restored.err
    assert restored.out == f"已恢复到 {fresh}\n"
    after = counts(fresh)
    assert after == original
    assert all(after[table] > 0 for table in ("teacher", "record", "meeting", "attendance",
                                              "openlesson", "semester", "alembic_version"))
    # The very same rows, not just as many.
    for table in ("teacher", "record", "attendance"):
        sql = f'SELECT * FROM "{table}" ORDER BY 1, 2'
        assert query(fresh, sql) == query(project.database, sql)

    # A database with people in it is never overwritten.
    refused = project.cli("restore", str(copy))
    assert refused.code == 2
    assert refused.err == (f"{Path('data/yanxiu.db')} 里已经有数据，"
                           "为免覆盖，只能恢复到空数据库。\n")
    assert counts(project.database) == original


def test_backup_of_postgresql_prints_the_pg_dump_recipe(project: Project) -> None:
    url = "postgresql://yanxiu:s3cret-pw@127.0.0.1:5432/yanxiu"
    result = project.cli("backup", "--out", "备份/x.db", env={"YANXIU_DATABASE_URL": url})
    assert result.code == 2
    assert result.out == ""
    assert "pg_dump --format=custom --file=yanxiu.dump" in result.err
    assert "pg_restore --no-owner" in result.err
    assert "s3cret-pw" not in result.err
    assert not (project.root / "备份").exists()


def test_backup_without_a_database(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "config.toml")
    result = Project(tmp_path).cli("backup", "--out", "备份/x.db")
    assert result.code == 2
    assert result.err == f"找不到数据库文件 {Path('data/yanxiu.db')}\n"
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "备份").exists()
