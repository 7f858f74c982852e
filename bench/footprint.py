"""Part 4: memory and start-up. Run as a child process so that nothing else is resident.

``python -m bench.footprint --district-url URL --workdir DIR`` builds a Core on a fresh
SQLite file (migrate + sync, timed), reads VmRSS, builds the Telegram Application as
``yanxiu run`` would (RSS again: the idle bot), then runs the district workload of part 2
on the district database and reads VmRSS and VmHWM. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, START, load_config, peak_rss_mb, rss_mb


def child(district_url: str, workdir: Path) -> dict[str, float]:
    """The measurements taken inside this process."""
    figures: dict[str, float] = {"rss_start": rss_mb()}
    started = time.perf_counter()
    from bot.app import build_core
    from scheduler.clock import ManualClock

    settings = load_config()
    figures["import_seconds"] = time.perf_counter() - started
    url = f"sqlite:///{workdir / 'footprint.db'}"
    started = time.perf_counter()
    core = build_core(settings, database_url=url, clock=ManualClock(START))
    figures["build_core_seconds"] = time.perf_counter() - started
    figures["rss_core"] = rss_mb()

    from bench.transport import TOKEN, InstantBotAPI
    from bot.config import TelegramSpec
    from bot.tg.adapter import build_application

    build_application(core, token=TOKEN, spec=TelegramSpec(), request=InstantBotAPI())
    figures["rss_idle_bot"] = rss_mb()
    # As `yanxiu run` does at start: matplotlib and the font in the background.
    from bot.app import warm_up

    started = time.perf_counter()
    warm_up(core).join()
    figures["chart_warm_up_seconds"] = time.perf_counter() - started
    figures["rss_idle_bot_warm"] = rss_mb()
    core.db.close()

    if district_url:
        from sqlalchemy import text

        from bench import district
        from storage import Database

        db = Database(district_url)
        schools = db.call(lambda s: list(s.execute(
            text("SELECT id FROM school WHERE name LIKE '区第%' ORDER BY id")).scalars()))
        with district.charts_off():
            district.group_progress(db, settings, schools[len(schools) // 2])
            started = time.perf_counter()
            district.district_digest(db, settings, schools)
            figures["district_seconds"] = time.perf_counter() - started
        # /progress with its chart: the first after start-up, then others (other schools,
        # other figures: each chart is drawn, none comes from the cache).
        times = []
        for school_id in schools[:7]:
            started = time.perf_counter()
            district.group_progress(db, settings, school_id)
            times.append(time.perf_counter() - started)
        figures["progress_chart_first"] = times[0]
        figures["progress_chart_later"] = statistics.median(times[1:])
        figures["progress_chart_runs"] = times  # type: ignore[assignment]
        figures["rss_after_district"] = rss_mb()
        db.close()
    figures["peak_rss"] = peak_rss_mb()
    return figures


def _seconds(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def import_breakdown() -> list[tuple[str, float]]:
    """Import time (seconds) of ``bot.cli`` by top-level package: self times summed."""
    found = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bot.cli"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stderr
    rows: dict[str, float] = {}
    for line in found.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
        if match:
            root = match.group(2).split(".")[0]
            rows[root] = rows.get(root, 0.0) + int(match.group(1)) / 1e6
    return sorted(rows.items(), key=lambda item: -item[1])[:12]


def measure(district_url: str, workdir: Path, *, runs: int = 3) -> dict[str, object]:
    """Start-up times (subprocesses) and the child's memory figures."""
    python = sys.executable
    figures: dict[str, object] = {}
    figures["python_startup"] = statistics.median(_seconds([python, "-c", "pass"], runs))
    check = _seconds([python, "-m", "bot", "check-config"], runs)
    figures["check_config"] = statistics.median(check)
    figures["check_config_runs"] = check
    done = subprocess.run(
        [python, "-m", "bench.footprint", "--child", "--district-url", district_url,
         "--workdir", str(workdir)], cwd=ROOT, capture_output=True, text=True, check=True)
    figures.update(json.loads(done.stdout.strip().splitlines()[-1]))
    figures["imports"] = import_breakdown()
    return figures


def main() -> None:
    """Entry point of the child process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--district-url", default="")
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(child(args.district_url, args.workdir)))  # noqa: T201


if __name__ == "__main__":
    main()
