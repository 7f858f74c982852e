# ruff: noqa: T201 - the child prints its figures as JSON
"""Part 5: the whole-school archive of a 60-teacher semester, in a process of its own.

``python -m bench.exports build --db FILE --teachers 60`` makes the school: the demo config
with a roster of ``teachers`` (spread over the four 教研组, the first of each leads, three
admins), its semester seeded by ``bot.demo.seed_semester`` as of 2027-01-15, near the
term's end. ``python -m bench.exports measure --db FILE --out DIR`` then runs
``yanxiu export``'s code (``bot.maintenance.export_archive``) in a fresh process and prints
its wall time, CPU time, the archive's size and files, and the process's peak RSS (VmHWM),
so the figure is the export's own, not the seeding's.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, ZONE, load_config, peak_rss_mb, rss_mb

# Near the end of the demo semester (2026-09-01 … 2027-01-22): a full term of records.
AS_OF = datetime(2027, 1, 15, 18, 0, tzinfo=ZONE)
GROUPS = ("语文组", "数学组", "英语组", "综合组")
SUBJECTS = {"语文组": "语文", "数学组": "数学", "英语组": "英语", "综合组": "科学"}
ADMINS = 3


def _roster(path: Path, teachers: int) -> None:
    from bench.populate import FAMILY, GIVEN

    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "教研组", "角色", "学科", "工号"])
        for index in range(ADMINS):
            writer.writerow([f"管理{index + 1}", "" if index else "语文组", "管理员", "语文",
                             f"9{index:03d}"])
        for index in range(teachers - ADMINS):
            group = GROUPS[index % len(GROUPS)]
            name = FAMILY[index % len(FAMILY)] + GIVEN[(index // len(FAMILY)) % len(GIVEN)]
            role = "教研组长" if index < len(GROUPS) else "教师"
            writer.writerow([f"{name}{index}", group, role, SUBJECTS[group], f"{1000 + index}"])


def build(db: Path, teachers: int) -> dict[str, Any]:
    """Make the school and its semester; returns how many of each thing were made."""
    from bot.app import build_core, import_roster, read_roster
    from bot.demo import seed_semester
    from scheduler.clock import ManualClock

    db.unlink(missing_ok=True)
    roster = db.with_suffix(".csv")
    _roster(roster, teachers)
    core = build_core(load_config(), database_url=f"sqlite:///{db}", clock=ManualClock(AS_OF))
    try:
        started = time.perf_counter()
        import_roster(core, read_roster(core, roster))
        made = seed_semester(core)
        made["build_seconds"] = time.perf_counter() - started
    finally:
        core.db.close()
    made["teachers"] = teachers
    return made


def measure(db: Path, out: Path) -> dict[str, Any]:
    """Export the whole school once, in this (fresh) process."""
    figures: dict[str, Any] = {"rss_start": rss_mb()}
    from bot.app import build_core
    from bot.maintenance import export_archive
    from scheduler.clock import ManualClock

    core = build_core(load_config(), database_url=f"sqlite:///{db}", clock=ManualClock(AS_OF))
    figures["rss_before"] = rss_mb()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        path = export_archive(core, semester=None, group=None, teacher=None, out=out)
        figures["seconds"] = time.perf_counter() - started
        figures["cpu_seconds"] = time.process_time() - cpu
    finally:
        core.db.close()
    figures["peak_rss"] = peak_rss_mb()
    figures["bytes"] = path.stat().st_size
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
    figures["files"] = len(names)
    figures["session_forms"] = sum(1 for n in names if n.startswith("教研活动记录/"))
    figures["portfolios"] = sum(1 for n in names if n.startswith("个人研修档案/"))
    return figures


def run(work: Path, teachers: int, runs: int) -> dict[str, Any]:
    """Build once, then measure ``runs`` times, each in a fresh child process."""
    db = work / "export.db"
    built = json.loads(_child("build", "--db", str(db), "--teachers", str(teachers)))
    measured = [json.loads(_child("measure", "--db", str(db), "--out", str(work / "out")))
                for _ in range(runs)]
    return {"built": built, "runs": measured}


def _child(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "bench.exports", *args], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout


def main() -> None:
    """``build`` or ``measure``, printing one JSON object."""
    parser = argparse.ArgumentParser(prog="python -m bench.exports")
    parser.add_argument("action", choices=("build", "measure"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--teachers", type=int, default=60)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.action == "build":
        print(json.dumps(build(args.db, args.teachers)))
    else:
        print(json.dumps(measure(args.db, args.out or args.db.parent / "out")))


if __name__ == "__main__":
    main()
