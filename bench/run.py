# ruff: noqa: T201 - the bench reports on the terminal
"""Run the benchmarks: ``.venv/bin/python -m bench.run`` (``--quick`` for a short run).

Five parts, measured side by side on this machine:

1. ``updates``   a burst of teachers filling in 教学反思 through the real PTB Application,
                 full bot (SQLite, PostgreSQL) vs a bare PTB echo bot in alternating
                 rounds; the peak (presses and forms) against Telegram's limits, in
                 one school and in a 村小 of the district as one deployment (SQLite in
                 this process; PostgreSQL through one and two webhook processes).
2. ``district``  /progress and digest data at district scale (50 × 60 teachers).
3. ``broadcast`` nudges through the outbox and FloodLimiter vs enforced flood limits.
4. ``footprint`` resident memory and start-up times.
5. ``export``    the whole-school archive of a 60-teacher semester (about 5 000 records),
                 each run in a fresh process: wall time, CPU time, peak RSS.

The code is measured as it is in the work tree. The bench changes nothing but stage timers,
the group chart (left out of the district figures, timed apart) and, for the updates burst
compared with echo, FloodLimiter's overall 29.5/s limiter (swapped for one that never
waits; a separate burst measures the bot as shipped). ``--json FILE`` keeps every figure
(breakdowns, profiles, query plans).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    PG_DEFAULT,
    analyze_postgres,
    load_average,
    load_config,
    median,
    ms,
    postgres_version,
    prepare_postgres,
    rss_mb,
)

PARTS = ("updates", "district", "broadcast", "footprint", "export")
# The burst with the bot's limiter on, as shipped (run label).
LIMITED = "sqlite, FloodLimiter 29.5/s on"


@dataclass
class Row:
    """One line of the final table."""

    part: str
    figure: str
    value: str
    target: str = ""
    verdict: str = ""


@dataclass
class Report:
    """Every figure of a run, for the table and for --json."""

    machine: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, part: str, figure: str, value: str, target: str = "",
            passed: bool | None = None) -> None:
        """Add a line; ``passed`` None for figures without a target."""
        verdict = "" if passed is None else ("PASS" if passed else "FAIL")
        self.rows.append(Row(part, figure, value, target, verdict))
        print(f"  {figure}: {value}" + (f"  [{target}: {verdict}]" if target else ""),
              flush=True)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="comma-separated parts to run (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes everywhere (about a minute)")
    parser.add_argument("--teachers", type=int, help="bound teachers in the burst (250)")
    parser.add_argument("--updates", type=int,
                        help="updates in the burst (default: 12 per teacher, one whole form)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating rounds of echo and full bot (5)")
    parser.add_argument("--pg-teachers", type=int,
                        help="teachers in the PostgreSQL rounds (150: 1800 updates a round)")
    parser.add_argument("--breakdown-updates", type=int,
                        help="updates timed stage by stage, one at a time (600)")
    parser.add_argument("--pressers", type=int, default=300,
                        help="teachers pressing 参加 in the peak (300)")
    parser.add_argument("--writers", type=int, default=50,
                        help="teachers filling 教学反思 in the peak (50)")
    parser.add_argument("--schools", type=int, help="schools in the district (50)")
    parser.add_argument("--per-school", type=int, help="teachers per school (60)")
    parser.add_argument("--district-runs", type=int, help="timed runs of the district (3)")
    parser.add_argument("--broadcast", type=int, help="nudges to send (3000)")
    parser.add_argument("--export-teachers", type=int, help="staff of the exported school (60)")
    parser.add_argument("--export-runs", type=int, help="timed archive exports (3)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT),
                        help="PostgreSQL database for the bench (must be yanxiu_bench)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-profile", action="store_true", help="skip cProfile")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {"teachers": 60 if quick else 250, "breakdown_updates": 240 if quick else 600,
                "pg_teachers": 30 if quick else 150,
                "schools": 10 if quick else 50, "per_school": 60, "district_runs": 3,
                "broadcast": 300 if quick else 3000, "export_teachers": 60,
                "export_runs": 1 if quick else 3}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.updates is None:
        args.updates = args.teachers * 12
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return args


def machine(args: argparse.Namespace) -> dict[str, str]:
    """What the figures were measured on."""
    info = {
        "nproc": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": "skipped",
        "commit": _commit(),
        "load average at start": load_average(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    if not args.no_postgres:
        import psycopg

        try:
            prepare_postgres(args.pg_url)
            info["postgresql"] = postgres_version(args.pg_url)
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL unreachable ({exc.__class__.__name__}): SQLite only "
                  "(--no-postgres to skip without trying)", flush=True)
            args.no_postgres = True
    return info


def _commit() -> str:
    """The commit measured, and whether the work tree had changes."""
    import subprocess

    def git(*args: str) -> str:
        found = subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                               cwd=Path(__file__).resolve().parent.parent)
        return found.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "?"
    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return head + (f" + {len(changed)} changed files" if changed else "")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


# -- part 1 ---------------------------------------------------------------------------------


def part_updates(args: argparse.Namespace, report: Report, work: Path, settings: Any) -> None:
    """Full bot vs echo in alternating rounds; the peak against Telegram's limits."""
    from bench import deployment, peak, populate, processes, updates

    part = "1 updates"
    sqlite_rounds, pg_rounds = updates.Rounds(), updates.Rounds()
    result = updates.UpdatesResult(teachers=args.teachers, updates=args.updates)
    peaks: list[peak.PeakResult] = []

    async def go() -> None:
        print(f"  alternating rounds on SQLite ({args.teachers} teachers × 12 updates)",
              flush=True)
        await updates.alternate("sqlite", f"sqlite:///{work / 'updates.db'}", settings,
                                teachers=args.teachers, rounds=args.rounds, into=sqlite_rounds)
        if not args.no_postgres:
            prepare_postgres(args.pg_url)
            print(f"  alternating rounds on PostgreSQL ({args.pg_teachers} teachers)",
                  flush=True)
            await updates.alternate("postgres", args.pg_url, settings,
                                    teachers=args.pg_teachers, rounds=args.rounds,
                                    into=pg_rounds)
        # Where an update's time goes (one at a time through process_update), and a profile.
        await updates.run_bot(
            "sqlite sequential", f"sqlite:///{work / 'breakdown.db'}", settings,
            teachers=max(1, args.breakdown_updates // 12), updates=args.breakdown_updates,
            result=result, breakdown_updates=args.breakdown_updates,
            profile_updates=0 if args.no_profile else min(args.breakdown_updates, 360))
        for label, sequential in (("as shipped", False),
                                  ("one update at a time (PTB's default)", True)):
            print(f"  peak: {label}", flush=True)
            peaks.append(await peak.run(label, f"sqlite:///{work / f'peak{len(peaks)}.db'}",
                                        settings, pressers=args.pressers,
                                        writers=args.writers, sequential=sequential))
        # Issue 17: the same peak in a 村小 of the district deployment ([[schools]]).
        names = populate.school_names(args.schools)
        label = f"in one deployment of {args.schools} [[schools]] (SQLite, one process)"
        print(f"  peak: {label}", flush=True)
        peaks.append(await peak.run(label, f"sqlite:///{work / 'peak-district.db'}",
                                    deployment.district_config(settings, names),
                                    pressers=args.pressers, writers=args.writers))
        if not args.no_postgres:
            for count in (1, 2):
                label = (f"in one deployment of {args.schools} [[schools]] on PostgreSQL, "
                         f"{count} webhook process{'es' if count > 1 else ''}")
                print(f"  peak: {label}", flush=True)
                prepare_postgres(args.pg_url)
                peaks.append(await processes.run(
                    label, args.pg_url, settings, schools=args.schools, processes=count,
                    pressers=args.pressers, writers=args.writers))

    asyncio.run(go())
    for label, rounds, target in (("sqlite", sqlite_rounds, 0.33),
                                  ("postgres", pg_rounds, 0.20)):
        if not rounds.bot:
            continue
        ratios = rounds.ratios
        teachers = args.teachers if label == "sqlite" else args.pg_teachers
        echo_rates = [run.rate for run in rounds.echo]
        bot_rates = [run.rate for run in rounds.bot]
        p99 = median([run.p(.99) for run in rounds.bot])
        report.add(part, f"full bot / echo on {label}, {len(ratios)} alternating rounds of "
                   f"{teachers} teachers × 12 updates (flood limits off)",
                   f"median {median(ratios):.1%} (range {min(ratios):.1%}–{max(ratios):.1%});"
                   f" echo {median(echo_rates):.0f}/s, bot {median(bot_rates):.0f}/s, "
                   f"bot p99 {ms(p99)}", f"≥ {target:.0%}", median(ratios) >= target)
    for result_peak in peaks:
        shipped = not result_peak.label.startswith("one update at a time")
        name = f"peak, {result_peak.label}: {args.pressers} press 参加 within 10 s, " \
               f"{args.writers} fill 教学反思"
        toast_p99, answer_p99 = (result_peak.p(result_peak.toasts, .99),
                                 result_peak.p(result_peak.answers, .99))
        report.add(part, name + ": press → toast",
                   f"p50 {ms(result_peak.p(result_peak.toasts, .5))}, p99 {ms(toast_p99)}",
                   "p99 < 0.2 s" if shipped else "", toast_p99 < 0.2 if shipped else None)
        report.add(part, "  form answer → next question",
                   f"p50 {ms(result_peak.p(result_peak.answers, .5))}, p99 {ms(answer_p99)}"
                   f" ({result_peak.forms_done} forms, {result_peak.seconds:.1f} s)",
                   "p99 < 1.5 s" if shipped else "", answer_p99 < 1.5 if shipped else None)
        limits = "".join(f", {count} by the {limit} limit"
                         for limit, count in sorted(result_peak.refused_by.items()))
        report.add(part, "  429 answers", f"{result_peak.refused} (of "
                   f"{result_peak.accepted} messages accepted{limits})",
                   "0" if shipped else "", result_peak.refused == 0 if shipped else None)
    report.details["updates_rounds"] = {
        label: {"ratios": rounds.ratios,
                "echo": [{"rate": r.rate, "p50": r.p(.5), "p99": r.p(.99)} for r in rounds.echo],
                "bot": [{"rate": r.rate, "p50": r.p(.5), "p99": r.p(.99), "calls": r.calls,
                         "cpu_per_update": r.cpu_per_update} for r in rounds.bot]}
        for label, rounds in (("sqlite", sqlite_rounds), ("postgres", pg_rounds))}
    report.details["peak"] = [asdict(result_peak) for result_peak in peaks]
    report.details["updates_breakdown_ms"] = {"sqlite": result.breakdown}
    report.details["updates_profile"] = result.profile
    report.details["transaction_floor_ms"] = _transaction_floor(work)


def _transaction_floor(work: Path) -> dict[str, float]:
    """The least an update can cost in the bot's design: one unit of work, off the loop."""
    from sqlalchemy import text

    from storage import Database

    async def measure(db: Database) -> dict[str, float]:
        for _ in range(50):
            await db.run(lambda _s: None)
        figures = {}
        for label, fn in (
                ("unit of work without a statement (thread hop only)", lambda _s: None),
                ("unit of work with one SELECT 1 (thread hop, connection, BEGIN IMMEDIATE, "
                 "COMMIT)", lambda s: s.execute(text("SELECT 1")).all())):
            times = []
            for _ in range(500):
                started = time.perf_counter()
                await db.run(fn)
                times.append(time.perf_counter() - started)
            figures[label] = median(times) * 1000
        return figures

    db = Database(f"sqlite:///{work / 'floor.db'}")
    try:
        return asyncio.run(measure(db))
    finally:
        db.close()


# -- part 2 ---------------------------------------------------------------------------------


def part_deployment(report: Report, backend: str, url: str, settings: Any, schools: int,
                    details: dict[str, Any]) -> None:
    """The same district as one deployment (issue 17): [[schools]] behind the router."""
    from bench import deployment, district, populate

    names = populate.school_names(schools)
    result = deployment.measure(url, settings, names, now=district.NOW)
    figures = deployment.summary(result)
    details[f"{backend}_deployment"] = figures
    part = "2 district"
    report.add(part, f"{backend}: one deployment of {schools} [[schools]]: start-up "
               "(migrate, every school synced)", ms(figures["start"]))
    report.add(part, f"{backend}: a leader's /progress through the router, median of "
               f"{len(result.teacher_progress)}", ms(figures["teacher_progress"]), "< 100 ms",
               figures["teacher_progress"] < 0.1)
    report.add(part, f"{backend}: the 学区管理员's /progress (every school measured live, "
               "side by side, chart)", ms(figures["district_progress"]))
    report.add(part, f"{backend}: the 学区管理员's weekly digest (kept snapshots), median "
               f"(first {ms(figures['district_digest_first'])})",
               ms(figures["district_digest"]), "< 300 ms", figures["district_digest"] < 0.3)
    report.add(part, f"{backend}: a tick's planning (every school's planners, each over its "
               f"own rows), median (first, generating the sessions: "
               f"{ms(figures['planning_first'])})", ms(figures["planning"]))


def part_district(args: argparse.Namespace, report: Report, work: Path,
                  settings: Any) -> str:
    """Group and district progress data on SQLite and PostgreSQL; returns the SQLite URL."""
    from bench import district

    part = "2 district"
    sqlite_url = ""
    backends = [("sqlite", f"sqlite:///{work / 'district.db'}")]
    if not args.no_postgres:
        backends.append(("postgres", args.pg_url))
    details: dict[str, Any] = {}
    for backend, url in backends:
        if backend == "postgres":
            prepare_postgres(url)
        built = district.build(url, settings, schools=args.schools, teachers=args.per_school)
        if backend == "postgres":
            analyze_postgres(url)
        print(f"  {backend}: built {len(built.schools)} schools, {built.teachers} teachers, "
              f"{built.records} records in {built.build_seconds:.1f} s", flush=True)
        result = district.measure(backend, built, settings, district_runs=args.district_runs)
        figures = district.summary(result)
        size = f"{built.teachers} teachers, {built.records:,} records"
        report.add(part, f"{backend}: one 教研组's /progress data ({result.group_size} people; "
                   "group_report, chart excluded), median of 9",
                   f"{ms(figures['group_report'])} (measure_people alone "
                   f"{ms(figures['group_measure'])})", "< 10 ms",
                   figures["group_report"] < 0.01)
        report.add(part, f"{backend}: digest figures for the district ({size}; each school's "
                   f"snapshot computed and kept), median of {len(result.district_digest)}",
                   f"{ms(figures['district_digest'])} (CPU of this process "
                   f"{ms(figures['district_digest_cpu'])}); the kept snapshots read: "
                   f"{ms(figures['district_kept'])}", "< 300 ms",
                   figures["district_digest"] < 0.3)
        entry: dict[str, Any] = {"summary": figures, "stages_s": result.stages,
                                 "plans": result.plans, "build_seconds": built.build_seconds,
                                 "records": built.records, "teachers": built.teachers,
                                 "lessons": built.lessons, "runs": {
                                     "group_report": result.group_report,
                                     "group_measure": result.group_measure,
                                     "district_digest": result.district_digest}}
        details[backend] = entry
        if backend == "sqlite":
            cold, warm = district.chart_times(settings)
            details["chart_seconds"] = {"first (imports matplotlib, font)": cold,
                                        "next": warm}
            report.add(part, "one group chart (matplotlib PNG), left out of the figures above",
                       f"first {ms(cold)}, then {ms(warm)}")
        built.db.close()
        part_deployment(report, backend, url, settings, len(built.schools), details)
        if backend == "sqlite":
            sqlite_url = url
    report.details["district"] = details
    return sqlite_url


# -- part 3 ---------------------------------------------------------------------------------


def part_broadcast(args: argparse.Namespace, report: Report, work: Path, settings: Any) -> None:
    """Nudges through the outbox and FloodLimiter against enforced flood limits."""
    from bench import broadcast

    part = "3 broadcast"
    results = [asyncio.run(broadcast.run("as shipped", f"sqlite:///{work / 'broadcast.db'}",
                                         settings, teachers=args.broadcast))]
    for result in results:
        report.add(part, f"{result.label}: {result.accepted} nudges in "
                   f"{result.first_to_last:.1f} s (planned {result.planned} in "
                   f"{result.plan_seconds:.1f} s)",
                   f"{result.sustained:.1f} msgs/s = {result.share:.0%} of 30/s",
                   "≥ 90%", result.share >= 0.9)
        report.add(part, f"  {result.label}: 429 answers", f"{result.refused}", "0",
                   result.refused == 0)
        report.add(part, f"  {result.label}: per message", ", ".join(
            f"{name.split()[0]} {value:.1f} ms" for name, value in result.stages.items()
            if name.split()[0] in ("render", "send", "whole"))
            + f", CPU {result.cpu_per_message * 1000:.1f} ms")
    report.details["broadcast"] = [asdict(result) for result in results]


# -- part 4 ---------------------------------------------------------------------------------


def part_footprint(report: Report, work: Path, district_url: str) -> None:
    """Memory and start-up, measured in fresh processes."""
    from bench import footprint

    part = "4 footprint"
    figures = footprint.measure(district_url, work)
    report.add(part, "RSS idle after building a Core", f"{figures['rss_core']:.0f} MB")
    report.add(part, "RSS idle, Core + Telegram Application (as `yanxiu run`)",
               f"{figures['rss_idle_bot']:.0f} MB", "< 150 MB",
               float(figures["rss_idle_bot"]) < 150)
    report.add(part, "start-up: charts loaded in the background (matplotlib, font, one "
               "chart)", f"{figures['chart_warm_up_seconds']:.2f} s; RSS then "
               f"{figures['rss_idle_bot_warm']:.0f} MB")
    if "progress_chart_first" in figures:
        first, later = figures["progress_chart_first"], figures["progress_chart_later"]
        report.add(part, "/progress with its chart (district file): the first after "
                   "start-up, then the median of 6 others", f"first {ms(first)}, later "
                   f"{ms(later)} ({first / later:.1f}×)", "≤ 2×, later < 150 ms",
                   first <= 2 * later and later < 0.15)
    if "rss_after_district" in figures:
        report.add(part, "RSS after the district workload (same process; peak VmHWM)",
                   f"{figures['rss_after_district']:.0f} MB (peak "
                   f"{figures['peak_rss']:.0f} MB)", "< 150 MB",
                   float(figures["peak_rss"]) < 150)
    report.add(part, "start-up: python -m bot check-config (median of 3)",
               f"{figures['check_config']:.2f} s (bare python: "
               f"{figures['python_startup']:.2f} s)")
    report.add(part, "start-up: build a Core (migrate + sync) on a fresh SQLite file",
               f"{figures['build_core_seconds']:.2f} s (after {figures['import_seconds']:.2f} s "
               "of imports)")
    report.details["footprint"] = figures
    report.details["bench_process_rss_mb"] = rss_mb()


# -- part 5 ---------------------------------------------------------------------------------


def part_export(args: argparse.Namespace, report: Report, work: Path) -> None:
    """The archive ZIP of a whole school's semester, in fresh processes."""
    from bench import exports

    part = "5 export"
    found = exports.run(work, args.export_teachers, args.export_runs)
    built, runs = found["built"], found["runs"]
    print(f"  built {built['teachers']} staff, {built['records']} records, "
          f"{built['sessions']} sessions, {built['lessons']} 公开课 in "
          f"{built['build_seconds']:.1f} s", flush=True)
    seconds = median([run["seconds"] for run in runs])
    cpu = median([run["cpu_seconds"] for run in runs])
    peak = max(run["peak_rss"] for run in runs)
    last = runs[-1]
    size = (f"{built['teachers']} staff, {built['records']:,} records: "
            f"{last['files']} files, {last['bytes'] / 1e6:.1f} MB")
    report.add(part, f"whole-school archive ({size}), median of {len(runs)}",
               f"{seconds:.2f} s (CPU {cpu:.2f} s)", "≤ 5 s", seconds <= 5)
    report.add(part, "  peak RSS of the exporting process (VmHWM; "
               f"{runs[0]['rss_before']:.0f} MB before the export)",
               f"{peak:.0f} MB", "≤ 200 MB", peak <= 200)
    report.details["export"] = found


# -- table ----------------------------------------------------------------------------------


def table(report: Report) -> str:
    """The compact table printed at the end."""
    widths = [max(len(row.part) for row in report.rows), 0, 0, 0, 0]
    lines = []
    header = ("part", "figure", "measured", "target", "")
    rows = [header, *[(r.part, r.figure, r.value, r.target, r.verdict) for r in report.rows]]
    widths = [min(max(len(str(row[i])) for row in rows), cap)
              for i, cap in enumerate((12, 70, 70, 20, 4))]
    for row in rows:
        cells = [str(cell)[:width].ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append(" | ".join(cells).rstrip())
        if row is header:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts and print the table."""
    args = _args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Rate-limit retries are counted by the bench; PTB's INFO lines would only be noise.
    logging.getLogger("telegram").setLevel(logging.ERROR)
    started = time.perf_counter()
    report = Report()
    report.machine = machine(args)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in report.machine.items()), flush=True)
    settings = load_config()
    work = Path(tempfile.mkdtemp(prefix="yanxiu-bench-"))
    district_url = ""
    try:
        for part in PARTS:
            if part not in args.parts:
                continue
            part_started = time.perf_counter()
            print(f"\n== {part} ==", flush=True)
            if part == "updates":
                part_updates(args, report, work, settings)
            elif part == "district":
                district_url = part_district(args, report, work, settings)
            elif part == "broadcast":
                part_broadcast(args, report, work, settings)
            elif part == "footprint":
                part_footprint(report, work, district_url)
            elif part == "export":
                part_export(args, report, work)
            report.details.setdefault("part_seconds", {})[part] = (
                time.perf_counter() - part_started)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report.machine["load average at end"] = load_average()
    report.machine["total seconds"] = f"{time.perf_counter() - started:.0f}"
    print("\n" + table(report))
    print(f"\nload average at start {report.machine['load average at start']}, at end "
          f"{report.machine['load average at end']}; total "
          f"{report.machine['total seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=1,
                                        default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
