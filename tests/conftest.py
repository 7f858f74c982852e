"""Shared fixtures: the demo school's config, real databases, and a ready Core."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_core, import_roster, read_roster
from bot.config import Config, load
from bot.tg.ratelimit import FloodLimiter
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage import Database
from storage.db import normalise_url
from storage.tables import School
from tests.drivers import Driver
from tests.fakes import unpaced

if TYPE_CHECKING:
    from tests.replay import Reference

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config.example.toml"
DEMO_ROSTER = ROOT / "examples" / "roster.csv"
ZONE = ZoneInfo("Asia/Shanghai")
# A Monday in the demo semester: 语文组 meets on Wednesdays, 数学组 on Tuesdays.
START = datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)
PG_ENV = "TEST_DATABASE_URL"
# python-telegram-bot 22 warns about retry_after's future type unless opted in; warnings
# are errors in this suite, and the new behaviour (a timedelta) is what we want anyway.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests that take a database URL on SQLite, and on PostgreSQL when configured."""
    backends = ["sqlite"] + (["postgres"] if os.environ.get(PG_ENV) else [])
    for name in ("database_url", "empty_database_url"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, backends, indirect=True)


def reset_postgres(url: str) -> None:
    """Drop everything in the PostgreSQL test database (fails loudly if unreachable)."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def truncate_postgres(url: str) -> None:
    """Empty every table but the migration version and restart every sequence.

    DELETE, children before parents, not TRUNCATE: TRUNCATE gives each of the 35 tables a
    new file on disk, about 0.3 s a test; deleting a test's few rows takes a few ms.
    """
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            present = set(connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'")).scalars())
            known = [table.name for table in reversed(School.metadata.sorted_tables)]
            # A table the models do not know (none today) goes first: nothing refers to it.
            for name in [*sorted(present - set(known)), *(n for n in known if n in present)]:
                connection.execute(text(f'DELETE FROM "{name}"'))
            connection.execute(text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"))
    finally:
        engine.dispose()


class _RosteredFiles:
    """Migrated SQLite files with the demo roster imported, one per config and time.

    Each is made the first time by the same build_core and import_roster as make_core
    uses, and copied after that: importing the roster costs more than most tests."""

    def __init__(self, migrated: Path) -> None:
        """Copies of ``migrated`` (an empty migrated file) are recognised as fresh."""
        self.migrated = migrated
        self.blank = migrated.read_bytes()
        self.files: dict[str, Path] = {}

    def copy_to(self, config: Config, url: str, clock: ManualClock) -> bool:
        """Fill ``url`` with the demo roster if it is a fresh copy of the migrated file;
        False (nothing done) for any other database."""
        if not url.startswith("sqlite:///"):
            return False
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file() or path.read_bytes() != self.blank:
            return False
        # Where attachments are kept is the only setting that differs between tests and
        # is not stored in the database.
        key = config.model_dump_json(exclude={"attachments"}) + clock.now().isoformat()
        if key not in self.files:
            made = self.migrated.with_name(f"rostered-{len(self.files)}.db")
            shutil.copyfile(self.migrated, made)
            core = build_core(config, database_url=f"sqlite:///{made}",
                              clock=ManualClock(clock.now()))
            import_roster(core, read_roster(core, DEMO_ROSTER))
            core.db.close()
            self.files[key] = made
        shutil.copyfile(self.files[key], path)
        return True


_rostered: _RosteredFiles | None = None


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file that every test copies instead of migrating again."""
    global _rostered
    path = tmp_path_factory.mktemp("template") / "yanxiu.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.close()
    _rostered = _RosteredFiles(path)
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> str:
    """The PostgreSQL test database, emptied and migrated once per test session."""
    url = os.environ[PG_ENV]
    reset_postgres(url)
    database = Database(url)
    database.migrate()
    database.close()
    return url


@pytest.fixture(scope="session")
def replay_reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """tests/replay.py's school day played once, undisturbed: the same script and seed give
    the same outcome, so the fault and two-process tests share it on both backends."""
    from tests.replay import play_undisturbed  # it imports this module's constants

    return play_undisturbed(tmp_path_factory.mktemp("reference"))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 _sqlite_template: Path) -> str:
    """A migrated database with no data: a SQLite file, or the PostgreSQL test database."""
    if request.param == "postgres":
        url = str(request.getfixturevalue("_postgres_migrated"))
        truncate_postgres(url)
        return url
    path = tmp_path / "yanxiu.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (for migration tests)."""
    if request.param == "postgres":
        url = os.environ[PG_ENV]
        reset_postgres(url)
        yield url
        # Leave it migrated for the tests that share the session-wide migrated database.
        database = Database(url)
        database.migrate()
        database.close()
        return
    yield f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A migrated SQLite file with no data, for tests that need only one backend."""
    path = tmp_path / "yanxiu.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The demo school from config.example.toml (its attachments kept in the test's folder)."""
    loaded = load(str(EXAMPLE_CONFIG)).config
    files = loaded.attachments.model_copy(update={"dir": str(tmp_path / "files")})
    return loaded.model_copy(update={"attachments": files})


@pytest.fixture
def flood_limiter() -> FloodLimiter:
    """Telegram's flood limits for a test's Application (tests/fakes.py: unpaced)."""
    return unpaced()


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at Monday 2026-11-30 08:00 school time."""
    return ManualClock(START)


def from_semester_start(config: Config) -> Config:
    """The demo school as if it had used the bot since the semester began (2026-09-01), so
    pace and attendance count from then, not from the roster's import on 2026-11-30."""
    school = config.school.model_copy(update={"started_on": config.semesters[0].start})
    return config.model_copy(update={"school": school})


def make_core(config: Config, url: str, clock: ManualClock, *, roster: bool = True) -> Core:
    """A migrated Core for the demo school, with the demo roster imported (on a fresh
    SQLite file: copied from a file where it was imported the same way)."""
    if roster and _rostered is not None and _rostered.copy_to(config, url, clock):
        return build_core(config, database_url=url, clock=clock)
    core = build_core(config, database_url=url, clock=clock)
    if roster:
        import_roster(core, read_roster(core, DEMO_ROSTER))
    return core


@pytest.fixture
def core(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Core]:
    """A Core on a fresh SQLite file with the demo roster."""
    built = make_core(config, sqlite_url, clock)
    yield built
    built.db.close()


@pytest.fixture
def driver(core: Core) -> Driver:
    """A driver that talks to ``core`` as the people of the demo school."""
    return Driver(core)
