"""One clock for the sandbox and the command line (issue 15), through the real ``yanxiu``.

The sandbox keeps its clock in its database: started again, it goes on from where it was
left, and what was sent is not sent again. ``seed-demo`` and ``export`` run on that
database take their 'today' from the same clock; on a school's own database (no kept
clock) they use the real one.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from tests.e2e.test_cli import Project, project  # noqa: F401  (the fixture)

DIGEST = "周报 · 12月7日"
KEPT = "（沙盒数据库：按沙盒时间 2026-12-07 09:00 计算）"


def ledger(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """台账.xlsx of an archive ZIP: sheet name → rows."""
    with zipfile.ZipFile(path) as bundle:
        book = load_workbook(io.BytesIO(bundle.read("台账.xlsx")), read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    finally:
        book.close()


def exported(out: str) -> Path:
    (line,) = [x for x in out.splitlines() if x.startswith("档案已导出：")]
    return Path(line.removeprefix("档案已导出："))


def test_a_restarted_sandbox_goes_on_from_its_clock(project: Project) -> None:  # noqa: F811
    first = project.cli("sandbox", stdin="/as 王芳\n/clock 2026-12-07 09:00\n")
    assert first.code == 0, first.err
    assert "沙盒时间：2026-11-30 08:00（周一）" in first.out
    assert first.out.count(DIGEST) >= 1  # Monday 07:40, in the group chats
    assert "（沙盒）现在时间：2026-12-07 09:00（周一）" in first.out

    again = project.cli("sandbox", stdin="/as 王芳\n/clock +1h\n")
    assert again.code == 0, again.err
    # The same moment, not the config's start_at; nothing that was sent comes again.
    assert "沙盒时间：2026-12-07 09:00（周一）" in again.out
    assert DIGEST not in again.out
    assert "开始前已到期" not in again.out
    assert "（沙盒）现在时间：2026-12-07 10:00（周一）" in again.out
    with sqlite3.connect(project.sandbox_database) as connection:
        (kept,) = connection.execute("SELECT moment FROM sandbox_clock").fetchone()
    assert str(kept).startswith("2026-12-07 02:00")  # 10:00 in Shanghai, kept in UTC


def test_seed_demo_and_export_use_the_sandbox_clock(project: Project) -> None:  # noqa: F811
    moved = project.cli("sandbox", stdin="/clock 2026-12-07 09:00\n")
    assert moved.code == 0, moved.err

    seeded = project.cli("seed-demo")
    assert seeded.code == 0, seeded.err
    with sqlite3.connect(project.sandbox_database) as connection:
        (marked,) = connection.execute(
            "SELECT count(*) FROM attendance JOIN meeting ON meeting.id = attendance.meeting_id"
            " WHERE meeting.planned_on = '2026-12-02'").fetchone()
        (latest,) = connection.execute("SELECT max(occurred_on) FROM record").fetchone()
    # The demo semester reaches the sandbox's today: 12-02's sessions took place.
    assert marked > 0
    assert "2026-12-01" <= latest <= "2026-12-07"

    result = project.cli("--sandbox", "export", "--out", "out")
    assert result.code == 0, result.err
    assert result.err.strip() == KEPT
    sheets = ledger(project.root / exported(result.out))
    attendance = sheets["考勤-语文组"]
    assert "导出日期：2026年12月07日" in str(attendance[1][0])
    header = attendance[2]
    assert "12/2" in header  # held by the sandbox's today
    assert "12/9" not in header

    # The same, naming the database by its URL: it is the database that says it is a
    # sandbox's, not the option.
    url = f"sqlite:///{project.sandbox_database}"
    same = project.cli("export", "--out", "out2", env={"YANXIU_DATABASE_URL": url})
    assert same.err.strip() == KEPT

    # The school's own database keeps no sandbox clock: the real one, nothing said.
    assert project.cli("roster", "import", "examples/roster.csv").code == 0
    real = project.cli("export", "--out", "out3")
    assert real.code == 0, real.err
    assert real.err == ""
    with sqlite3.connect(project.database) as connection:
        assert connection.execute("SELECT count(*) FROM sandbox_clock").fetchone() == (0,)
