"""The unit of work: SQLite settings, worker threads, commit and rollback, unavailability."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from storage import Database, DatabaseUnavailable
from storage.repos import chats, school, updates
from storage.tables import ChatLink, ProcessedUpdate, School, Teacher
from tests.conftest import PG_ENV, truncate_postgres
from tests.storage.conftest import GROUPS, NOW, SEMESTERS, make_school


def count(db: Database, table: type[Any]) -> int:
    return db.call(lambda s: s.exec(select(func.count()).select_from(table)).one())


def test_sqlite_pragmas_on_a_file_database(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        db.migrate()

        def pragmas(session: Session) -> tuple[Any, ...]:
            connection = session.connection()
            return tuple(
                connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            )

        assert db.call(pragmas) == ("wal", 1, 5000, 1)  # synchronous=NORMAL is 1
        path = Path(sqlite_url.removeprefix("sqlite:///"))
        assert path.exists()
        assert path.with_name(path.name + "-wal").exists()
    finally:
        db.close()


def test_sqlite_folder_is_made(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a' / 'b' / 'yanxiu.db'}")
    try:
        db.migrate()
        assert (tmp_path / "a" / "b" / "yanxiu.db").exists()
    finally:
        db.close()


def test_foreign_keys_are_enforced(db: Database) -> None:
    def orphan(session: Session) -> None:
        session.add(Teacher(school_id=999, name="王芳"))
        session.flush()

    with pytest.raises(IntegrityError):
        db.call(orphan)
    assert count(db, Teacher) == 0


async def test_run_executes_in_a_worker_thread_and_commits(db: Database) -> None:
    def unit(session: Session) -> tuple[str, int]:
        school_id = school.ensure_school(session, name="花城小学", groups=GROUPS,
                                         semesters=SEMESTERS)
        return threading.current_thread().name, school_id

    thread_name, school_id = await db.run(unit)
    assert thread_name != threading.current_thread().name
    assert thread_name.startswith("db")
    # Committed: another unit of work (another connection) sees it.
    assert db.call(lambda s: school.get_school_id(s, name="花城小学")) == school_id
    assert len(db.call(lambda s: school.group_ids(s, school_id=school_id))) == len(GROUPS)


async def test_run_rolls_back_the_whole_unit_on_error(db: Database) -> None:
    school_id, groups = make_school(db)

    def unit(session: Session) -> None:
        # As in Core.handle_sync, the dedup key is the first write, inside a savepoint:
        # releasing it must not commit anything on its own.
        assert updates.claim_update(session, key="tg:1", now=NOW)
        school.ensure_school(session, name="另一所小学", groups=["语文组"], semesters=[])
        chats.set_link(session, chat="tg:-100", title="语文组群", school_id=school_id,
                       group_id=groups["语文组"], actor_id=None, now=NOW)
        assert chats.first_time_unlinked(session, chat="tg:-200", now=NOW)
        session.flush()
        raise RuntimeError("crash after the writes")

    with pytest.raises(RuntimeError, match="crash after the writes"):
        await db.run(unit)
    assert count(db, School) == 1
    assert count(db, ProcessedUpdate) == 0
    assert count(db, ChatLink) == 0
    # The same update is handled again on its next delivery.
    assert db.call(lambda s: updates.claim_update(s, key="tg:1", now=NOW)) is True


def test_call_rolls_back_on_error_and_keeps_earlier_units(db: Database) -> None:
    assert db.call(lambda s: updates.claim_update(s, key="tg:1", now=NOW)) is True

    def unit(session: Session) -> None:
        assert updates.claim_update(session, key="tg:2", now=NOW)
        assert not updates.claim_update(session, key="tg:1", now=NOW)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        db.call(unit)
    keys = db.call(lambda s: s.exec(select(ProcessedUpdate.key)).all())
    assert keys == ["tg:1"]


def test_integrity_errors_are_not_unavailability(db: Database) -> None:
    make_school(db)
    with pytest.raises(IntegrityError):
        db.call(lambda s: (s.add(School(name="花城小学")), s.flush()))
    assert count(db, School) == 1


def test_unavailable_sqlite_path(tmp_path: Path) -> None:
    # /proc refuses new folders even to root: the file can never be opened.
    db = Database("sqlite:////proc/yanxiu-no-such-dir/yanxiu.db")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            db.call(lambda s: s.exec(text("SELECT 1")).one())
        assert time.monotonic() - started < 2
    finally:
        db.close()


def test_unavailable_postgres_on_a_closed_port() -> None:
    db = Database("postgresql://postgres@127.0.0.1:1/test?connect_timeout=1")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            db.call(lambda s: s.exec(text("SELECT 1")).one())
        assert time.monotonic() - started < 2
    finally:
        db.close()


def test_sqlite_locked_by_another_writer_is_unavailable(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    # Shorter than the project's 5 s so the test stays fast; set after its own pragmas.
    event.listen(db.engine, "connect",
                 lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=200"))
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        db.migrate()
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="locked"):
            db.call(lambda s: updates.claim_update(s, key="tg:1", now=NOW))
        assert 0.15 < time.monotonic() - started < 2
        other.execute("ROLLBACK")
        assert db.call(lambda s: updates.claim_update(s, key="tg:1", now=NOW)) is True
        assert count(db, ProcessedUpdate) == 1
    finally:
        other.close()
        db.close()


def test_sqlite_writers_wait_for_each_other(sqlite_url: str) -> None:
    """A unit that finds the write lock taken waits (busy_timeout) instead of failing."""
    db = Database(sqlite_url)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None,
                            check_same_thread=False)
    try:
        db.migrate()
        make_school(db)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO processed_update (key, at) VALUES ('tg:1', ?)",
                      ("2026-11-30 00:00:00.000000",))
        timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))
        timer.start()
        try:
            claimed = db.call(lambda s: updates.claim_update(s, key="tg:1", now=NOW))
        finally:
            timer.join()
        assert claimed is False
    finally:
        other.close()
        db.close()


def _backend_id(session: Session) -> int:
    """Identifies the DBAPI connection the unit of work ran on."""
    return id(session.connection().connection.dbapi_connection)


async def test_a_worker_keeps_its_connection_between_units(db: Database) -> None:
    def where(session: Session) -> tuple[str, int]:
        return threading.current_thread().name, _backend_id(session)

    async def connections_by_thread() -> dict[str, set[int]]:
        seen: dict[str, set[int]] = {}
        for name, backend in [await db.run(where) for _ in range(12)]:
            seen.setdefault(name, set()).add(backend)
        return seen

    before = await connections_by_thread()
    assert all(len(backends) == 1 for backends in before.values())
    # A unit that fails in the caller's code rolls back and keeps the connection.
    for _ in range(4):
        with pytest.raises(ValueError, match="boom"):
            await db.run(lambda s: (updates.claim_update(s, key="tg:9", now=NOW),
                                    (_ for _ in ()).throw(ValueError("boom"))))
    after = await connections_by_thread()
    for name, backends in after.items():
        assert backends == before.get(name, backends)
    assert count(db, ProcessedUpdate) == 0


async def test_a_locked_sqlite_worker_reconnects_after_the_error(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    event.listen(db.engine, "connect",
                 lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=200"))
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        db.migrate()
        first = await db.run(_backend_id)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseUnavailable, match="locked"):
            await db.run(lambda s: updates.claim_update(s, key="tg:1", now=NOW))
        other.execute("ROLLBACK")
        assert await db.run(lambda s: updates.claim_update(s, key="tg:1", now=NOW)) is True
        assert await db.run(_backend_id) != first
        assert count(db, ProcessedUpdate) == 1
    finally:
        other.close()
        db.close()


async def test_a_postgres_worker_reconnects_after_its_connection_is_killed(
        request: pytest.FixtureRequest) -> None:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"PostgreSQL only: set {PG_ENV}")
    url = str(request.getfixturevalue("_postgres_migrated"))
    truncate_postgres(url)
    db = Database(url)
    try:
        pid = await db.run(lambda s: s.connection().exec_driver_sql(
            "SELECT pg_backend_pid()").scalar())
        db.call(lambda s: s.connection().exec_driver_sql(
            f"SELECT pg_terminate_backend({int(pid)})"))
        # The unit that finds the connection closed is refused; the next one reconnects.
        with pytest.raises(DatabaseUnavailable):
            await db.run(lambda s: updates.claim_update(s, key="tg:1", now=NOW))
        assert await db.run(lambda s: updates.claim_update(s, key="tg:1", now=NOW)) is True
        assert count(db, ProcessedUpdate) == 1
    finally:
        db.close()


async def test_units_waiting_together_are_still_one_transaction_each(db: Database) -> None:
    """The SQLite writer runs the units it finds waiting in one go: each commits alone."""
    def claim(number: int) -> Any:
        def unit(session: Session) -> bool:
            claimed = updates.claim_update(session, key=f"tg:{number}", now=NOW)
            if number == 7:
                raise ValueError("boom")
            return claimed
        return unit

    results = await asyncio.gather(*(db.run(claim(n)) for n in range(20)),
                                   return_exceptions=True)
    assert [isinstance(r, ValueError) for r in results] == [n == 7 for n in range(20)]
    assert all(r is True for n, r in enumerate(results) if n != 7)
    keys = db.call(lambda s: set(s.exec(select(ProcessedUpdate.key)).all()))
    assert keys == {f"tg:{n}" for n in range(20) if n != 7}


async def test_a_unit_after_close_fails_instead_of_waiting(db: Database) -> None:
    db.close()
    with pytest.raises(RuntimeError):
        await db.run(lambda s: s.execute(text("SELECT 1")).all())
