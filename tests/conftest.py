"""Shared fixtures: the demo school's config, real databases, and a ready Core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_core, import_roster, read_roster
from bot.config import Config, load
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage.db import normalise_url
from tests.drivers import Driver

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
    """Run tests that take ``database_url`` on SQLite, and on PostgreSQL when configured."""
    if "database_url" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgres"] if os.environ.get(PG_ENV) else [])
        metafunc.parametrize("database_url", backends, indirect=True)


def reset_postgres(url: str) -> None:
    """Drop everything in the PostgreSQL test database (fails loudly if unreachable)."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or the emptied PostgreSQL test database."""
    if request.param == "postgres":
        url = os.environ[PG_ENV]
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'yanxiu.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file for tests that need only one backend."""
    return f"sqlite:///{tmp_path / 'yanxiu.db'}"


@pytest.fixture
def config() -> Config:
    """The demo school from config.example.toml."""
    return load(str(EXAMPLE_CONFIG)).config


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at Monday 2026-11-30 08:00 school time."""
    return ManualClock(START)


def make_core(config: Config, url: str, clock: ManualClock, *, roster: bool = True) -> Core:
    """A migrated Core for the demo school, with the demo roster imported."""
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
