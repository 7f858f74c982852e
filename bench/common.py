"""Shared helpers: the demo config, databases (SQLite files, PostgreSQL yanxiu_bench), stats."""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

# python-telegram-bot 22 warns while building every RetryAfter unless opted in to PTB 23's
# timedelta (the test suite does the same in tests/conftest.py).
os.environ.setdefault("PTB_TIMEDELTA", "1")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config.example.toml"
ZONE = ZoneInfo("Asia/Shanghai")
# A Monday in the demo semester (the test suite's START): "今天" in forms is this day.
START = datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/yanxiu_bench"
PG_DATABASE = "yanxiu_bench"

T = TypeVar("T")


def load_config() -> Any:
    """The demo school of config.example.toml (a bot.config.Config)."""
    from bot.config import load

    return load(str(EXAMPLE_CONFIG)).config


def prepare_postgres(url: str) -> str:
    """Make sure yanxiu_bench exists (created through the ``postgres`` database) and empty it.

    Only ever touches the database named in ``url``, which must be yanxiu_bench: the
    ``test`` database belongs to the test suite.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.database != PG_DATABASE:
        raise SystemExit(f"bench uses only the database {PG_DATABASE}, not {parsed.database!r}")
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (PG_DATABASE,)).fetchone()
        if exists is None:
            connection.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    own = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(own, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return url


def postgres_version(url: str) -> str:
    """``SHOW server_version`` of the bench database."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def analyze_postgres(url: str) -> None:
    """VACUUM ANALYZE after a bulk load (what autovacuum would do soon after one).

    ANALYZE gives the planner statistics; VACUUM sets the visibility map, without which
    PostgreSQL cannot read monthly_totals from the covering index ix_record_totals alone.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0..1) percentile by nearest rank (``values`` need not be sorted)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


def timed_runs(fn: Callable[[], T], runs: int, cpu: list[float] | None = None, *,
               budget: float | None = None) -> tuple[list[float], T]:
    """Call ``fn`` ``runs`` times; the wall times in seconds and the last result.

    ``cpu`` collects this process's CPU time of each run (all threads): unlike wall time it
    hardly changes when other processes compete for the machine's cores. With ``budget``
    (seconds), stop early once two runs are done and together took longer than that.
    """
    times: list[float] = []
    result: T
    for _ in range(runs):
        if budget is not None and len(times) >= 2 and sum(times) > budget:
            break
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.process_time() - started_cpu)
    return times, result


def rss_mb() -> float:
    """Resident memory of this process (VmRSS), in MiB."""
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MiB."""
    return _status_kb("VmHWM") / 1024


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def load_average() -> str:
    """The 1/5/15-minute load averages (the machine is shared: context for every figure)."""
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return f"{seconds * 1000:.1f} ms"


class StageTimer:
    """Wall-clock timers around functions, methods and coroutines, while in a ``with``.

    Each target is (owner, attribute, label, is_async); the owner is a module, a class or an
    instance. Cheap and without the thread and GIL skew of cProfile.
    """

    def __init__(self, targets: Sequence[tuple[Any, str, str, bool]]) -> None:
        """Time ``targets`` once entered."""
        self.targets = list(targets)
        self.total: dict[str, float] = {label: 0.0 for _o, _n, label, _a in self.targets}
        self.calls: dict[str, int] = dict.fromkeys(self.total, 0)
        self._undo: list[Callable[[], None]] = []

    def _wrap(self, owner: Any, name: str, label: str, is_async: bool) -> None:
        inner = getattr(owner, name)
        own = isinstance(owner, type) or name in vars(owner)
        total, calls = self.total, self.calls
        if is_async:
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await inner(*args, **kwargs)
                finally:
                    total[label] += time.perf_counter() - started
                    calls[label] += 1
            setattr(owner, name, timed_async)
        else:
            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return inner(*args, **kwargs)
                finally:
                    total[label] += time.perf_counter() - started
                    calls[label] += 1
            setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, inner) if own else delattr(owner, name))

    def __enter__(self) -> StageTimer:
        """Put the timers in place."""
        for owner, name, label, is_async in self.targets:
            self._wrap(owner, name, label, is_async)
        return self

    def __exit__(self, *_exc: object) -> None:
        """Take them out again (in reverse order)."""
        while self._undo:
            self._undo.pop()()


@contextlib.contextmanager
def count_statements(db: Any) -> Iterator[list[int]]:
    """Count the SQL statements ``db``'s engine executes while inside (``[count]``)."""
    from sqlalchemy import event

    counter = [0]

    def before(*_args: Any) -> None:
        counter[0] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
