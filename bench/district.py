"""Part 2: progress at district scale (50 schools × 60 teachers, one semester of records).

Calls the repository and feature functions the bot runs for /progress and the weekly
digest directly with school and group ids (the Core serves one school; the functions take
ids). Every timed unit is one transaction (``Database.call``), as in the bot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import perf_counter

from sqlmodel import Session

from bench import populate
from bench.common import ZONE, StageTimer, median, timed_runs
from handlers import charts
from handlers.features import reports
from handlers.features.progress import measure_people
from handlers.settings import Settings
from storage import Database
from storage.repos import groups, school

SCHOOLS = 50
TEACHERS = 60
# Late in the semester: nearly a whole semester of records exists.
TODAY = date(2027, 1, 15)
NOW = datetime.combine(TODAY, time(18, 0), ZONE)
GROUP = "语文组"
# A district run far over its target is not repeated a third time (it only costs minutes).
DISTRICT_BUDGET = 20.0


@dataclass
class District:
    """A built district database and what is in it."""

    db: Database
    schools: list[int]
    teachers: int
    records: int
    lessons: int
    attendance: int
    build_seconds: float


@dataclass
class DistrictResult:
    """Timings (seconds) of one backend."""

    backend: str
    district: District
    group_measure: list[float] = field(default_factory=list)
    group_report: list[float] = field(default_factory=list)
    district_digest: list[float] = field(default_factory=list)
    district_reports: list[float] = field(default_factory=list)
    # CPU seconds of this process in each run (SQLite: all the work; PostgreSQL: the client)
    group_report_cpu: list[float] = field(default_factory=list)
    district_digest_cpu: list[float] = field(default_factory=list)
    district_kept: list[float] = field(default_factory=list)
    group_size: int = 0
    chart_cold: float = 0.0
    chart_warm: float = 0.0
    plans: dict[str, str] = field(default_factory=dict)
    # mean seconds per district run in each stage (SQL vs Python)
    stages: dict[str, float] = field(default_factory=dict)


def build(url: str, settings: Settings, *, schools: int = SCHOOLS,
          teachers: int = TEACHERS) -> District:
    """Migrate ``url`` and fill it with the district (bulk inserts, one transaction)."""
    started = perf_counter()
    db = Database(url)
    db.migrate()

    def fill(session: Session) -> tuple[list[int], int, int, int, int]:
        ids = populate.add_schools(session, settings, schools)
        records = lessons = people_count = attendance = 0
        for school_id in ids:
            group_ids = school.group_ids(session, school_id=school_id)
            people = populate.add_teachers(session, school_id=school_id, group_ids=group_ids,
                                           count=teachers, first_account=None,
                                           staff_prefix=f"{school_id}-")
            semester_id = populate.semester_id_of(session, settings, school_id)
            records += populate.add_records(session, settings, people=people,
                                            semester_id=semester_id, until=TODAY,
                                            seed=populate.SEED + school_id)
            lessons += populate.add_open_lessons(session, settings, people=people,
                                                 semester_id=semester_id, until=TODAY,
                                                 seed=populate.SEED + school_id)
            attendance += populate.add_sessions(session, settings, school_id=school_id,
                                                people=people, now=NOW,
                                                seed=populate.SEED + school_id)
            people_count += len(people)
        return ids, people_count, records, lessons, attendance

    ids, people_count, records, lessons, attendance = db.call(fill)
    return District(db, ids, people_count, records, lessons, attendance,
                    perf_counter() - started)


@contextlib.contextmanager
def charts_off() -> Iterator[None]:
    """Leave the PNG chart out of group_report (timed apart: it is matplotlib, not data)."""
    original = reports._chart
    reports._chart = lambda *_args, **_kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        reports._chart = original  # type: ignore[assignment]


def group_progress(db: Database, settings: Settings, school_id: int) -> tuple[int, int]:
    """A leader's /progress data for one 教研组: group_report (charts off); (people, chars)."""

    def run(session: Session) -> tuple[int, int]:
        semester = school.current_semester(session, school_id=school_id, today=TODAY)
        assert semester is not None
        group_id = school.group_ids(session, school_id=school_id)[GROUP]
        text, _png = reports.group_report(session, settings, semester, TODAY, GROUP, group_id,
                                          names=True)
        return len(groups.members(session, group_ids=[group_id])), len(text)

    return db.call(run)


def group_measure(db: Database, settings: Settings, school_id: int) -> int:
    """measure_people for the members of one 教研组 (members query included)."""

    def run(session: Session) -> int:
        semester = school.current_semester(session, school_id=school_id, today=TODAY)
        assert semester is not None
        group_id = school.group_ids(session, school_id=school_id)[GROUP]
        members = groups.members(session, group_ids=[group_id])
        return len(measure_people(session, settings, semester, TODAY, members))

    return db.call(run)


def district_digest(db: Database, settings: Settings, schools: list[int], *,
                    kept: bool = False) -> int:
    """Every teacher of the district measured: one transaction per school (its digests).

    The weekly digest's figures: ``reports.school_figures`` computes each school's snapshot
    (current periods only) and keeps it; ``kept`` reads the snapshots kept by a run before
    instead of computing them again.
    """
    measured = 0
    fresh = reports.SNAPSHOT_FRESH
    reports.SNAPSHOT_FRESH = fresh if kept else timedelta(0)
    try:
        for school_id in schools:

            def run(session: Session, school_id: int = school_id) -> int:
                semester = school.current_semester(session, school_id=school_id, today=TODAY)
                assert semester is not None
                return len(reports.school_figures(session, settings, semester, TODAY,
                                                  school_id=school_id))

            measured += db.call(run)
    finally:
        reports.SNAPSHOT_FRESH = fresh
    return measured


def district_reports(db: Database, settings: Settings, schools: list[int]) -> int:
    """The weekly digests as rendered: group_report for every 教研组 of every school."""
    made = 0
    for school_id in schools:
        for name, group_id in db.call(
                lambda s, sid=school_id: school.group_ids(s, school_id=sid)).items():

            def run(session: Session, school_id: int = school_id, name: str = name,
                    group_id: int = group_id) -> int:
                semester = school.current_semester(session, school_id=school_id, today=TODAY)
                assert semester is not None
                text, _png = reports.group_report(session, settings, semester, TODAY, name,
                                                  group_id, names=True)
                return len(text)

            db.call(run)
            made += 1
    return made


def query_plan(db: Database, school_id: int) -> str:
    """The database's plan for monthly_totals over one 教研组 (for the report)."""
    from sqlalchemy import text

    def run(session: Session) -> str:
        semester = school.current_semester(session, school_id=school_id, today=TODAY)
        assert semester is not None
        group_id = school.group_ids(session, school_id=school_id)[GROUP]
        ids = [m.id for m in groups.members(session, group_ids=[group_id])]
        id_list = ",".join(map(str, ids))
        where = (f"teacher_id IN ({id_list}) AND semester_id = {semester.id} "
                 "AND deleted_at IS NULL")
        if db.is_sqlite:
            rows = session.execute(text(
                f"EXPLAIN QUERY PLAN SELECT teacher_id, kind, chars FROM record WHERE {where}"))
            return "; ".join(str(row[-1]) for row in rows)
        rows = session.execute(text(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT teacher_id, kind, chars FROM record "
            f"WHERE {where}"))
        return "; ".join(str(row[0]).strip() for row in rows)

    return db.call(run)


def stage_targets() -> list[tuple[object, str, str, bool]]:
    """Where a district run spends its time: the queries, and quotas.measure in Python."""
    from handlers import quotas
    from storage.repos import meetings, records, snapshots

    return [(records, "period_totals", "SQL period_totals", False),
            (snapshots, "keep_snapshot", "SQL keep_snapshot", False),
            (records, "open_lesson_times", "SQL open_lesson_times", False),
            (groups, "members", "SQL members", False),
            (school, "current_semester", "SQL current_semester", False),
            # the 出勤 quota: sessions and attendance (a /pause is leave rows there)
            (meetings, "group_sessions", "SQL group_sessions", False),
            (quotas, "measure", "Python quotas.measure", False)]


def measure(backend: str, district: District, settings: Settings, *, runs: int = 9,
            district_runs: int = 3, reports_runs: int = 0) -> DistrictResult:
    """Time the group and district workloads on a built district."""
    db = district.db
    result = DistrictResult(backend, district)
    middle = district.schools[len(district.schools) // 2]
    with charts_off():
        result.group_report, (result.group_size, _chars) = timed_runs(
            lambda: group_progress(db, settings, middle), runs, result.group_report_cpu)
        result.group_measure, _ = timed_runs(lambda: group_measure(db, settings, middle), runs)
        with StageTimer(stage_targets()) as timers:
            result.district_digest, measured = timed_runs(
                lambda: district_digest(db, settings, district.schools), district_runs,
                result.district_digest_cpu, budget=DISTRICT_BUDGET)
        done = len(result.district_digest)
        result.stages = {label: seconds / done for label, seconds in timers.total.items()}
        result.stages["rest (loops in measure_people, transactions)"] = (
            sum(result.district_digest) / done - sum(result.stages.values()))
        assert measured == district.teachers, (measured, district.teachers)
        result.district_kept, _ = timed_runs(
            lambda: district_digest(db, settings, district.schools, kept=True), district_runs)
        if reports_runs:
            result.district_reports, _ = timed_runs(
                lambda: district_reports(db, settings, district.schools), reports_runs)
    result.plans["group"] = query_plan(db, middle)
    return result


def chart_times(settings: Settings) -> tuple[float, float]:
    """One group chart drawn cold (matplotlib import, font) and warm, in seconds (other
    figures the second time: the same would come from the cache)."""
    times = []
    for done in (50, 51):
        bars = [charts.Bar(q.label, done, 100, 60) for q in settings.quotas]
        started = perf_counter()
        charts.bar_chart("语文组 研修进度", bars, xlabel="完成 %",
                         font_path=settings.charts.font_path)
        times.append(perf_counter() - started)
    return times[0], times[1]


def summary(result: DistrictResult) -> dict[str, float]:
    """Medians (seconds) and first runs of each workload."""
    return {
        "group_report": median(result.group_report),
        "group_report_first": result.group_report[0],
        "group_measure": median(result.group_measure),
        "district_digest": median(result.district_digest),
        "district_digest_first": result.district_digest[0],
        "district_kept": median(result.district_kept),
        "group_report_cpu": median(result.group_report_cpu),
        "district_digest_cpu": median(result.district_digest_cpu),
        "district_reports": median(result.district_reports) if result.district_reports
        else float("nan"),
    }
