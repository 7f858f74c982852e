"""Engine, unit of work and migrations for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

logger = logging.getLogger(__name__)

T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
# SQLite errors that mean "try again later" rather than a bug.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly", "full")
# A kept connection idle this long is pinged before its next unit of work (PostgreSQL may
# have closed it meanwhile); a busy one is not.
PING_AFTER_IDLE = 30.0
# The SQLite writer wakes the event loop at least this often (seconds) during a long batch.
_BATCH_WAKE = 0.005


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or stayed locked; the caller may retry later."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module (Python < 3.12) begins a transaction only before INSERT/UPDATE/
    # DELETE, so a SAVEPOINT issued first (``Session.begin_nested``) opened the real
    # transaction and its RELEASE committed everything so far, outside the unit of work.
    # Turn the module's own handling off; ``_sqlite_begin`` begins every unit of work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE: take the write lock at the start, waiting up to busy_timeout for it. A
    # deferred BEGIN would read a snapshot first and then fail at once (SQLITE_BUSY_SNAPSHOT)
    # on its first write if another connection committed in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def normalise_url(url: str) -> str:
    """Give PostgreSQL URLs the psycopg 3 driver and make a SQLite file's folder exist."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        # A folder that cannot be made surfaces at first use, as DatabaseUnavailable.
        with contextlib.suppress(OSError):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """Build an engine with the settings this project relies on (WAL, FKs, busy timeout)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class _Writer:
    """SQLite's one worker thread: runs units of work in order, each its own transaction,
    and wakes the event loop once for all the units it found waiting, not once for each
    (a wake-up is a thread switch, which on a busy machine cost more than a transaction)."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[Any, Any, Callable[[], Any]] | None] = (
            queue.SimpleQueue())
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, loop: asyncio.AbstractEventLoop, fn: Callable[[], T]) -> asyncio.Future[T]:
        if self._closed:  # as ThreadPoolExecutor: nothing would ever run it
            raise RuntimeError("cannot schedule a unit of work after the database closed")
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((loop, future, fn))
        return future

    def shutdown(self) -> None:
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _work(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            while True:  # the units already waiting share one wake-up
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done: dict[Any, list[tuple[Any, Any, BaseException | None]]] = {}
            woken = time.perf_counter()
            for item in batch:
                if item is None:
                    stop = True
                    continue
                loop, future, fn = item
                try:
                    outcome: tuple[Any, Any, BaseException | None] = (future, fn(), None)
                except BaseException as exc:  # handed to the awaiting task
                    outcome = (future, None, exc)
                done.setdefault(loop, []).append(outcome)
                if time.perf_counter() - woken > _BATCH_WAKE:  # a long batch: wake meanwhile
                    _wake(done)
                    done, woken = {}, time.perf_counter()
            _wake(done)
        late: dict[Any, list[tuple[Any, Any, BaseException | None]]] = {}
        while True:  # submitted while closing: refused, never left waiting
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                late.setdefault(item[0], []).append(
                    (item[1], None, RuntimeError("the database closed")))
        _wake(late)


def _wake(done: dict[Any, list[tuple[Any, Any, BaseException | None]]]) -> None:
    for loop, outcomes in done.items():
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(_settle, outcomes)


def _settle(outcomes: list[tuple[Any, Any, BaseException | None]]) -> None:
    for future, result, error in outcomes:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


class Database:
    """One engine and the worker threads that run each unit of work as one transaction.

    Each worker thread keeps one connection for its lifetime (the pool's checkout, reset
    and pre-ping cost more than the transaction on the hot path: docs/benchmarks.md); a
    connection that failed is closed and the next unit of work opens a fresh one.
    """

    def __init__(self, url: str) -> None:
        """Open (lazily) the database at ``url``."""
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite serialises writers anyway: one worker avoids lock contention and retries.
        self._writer = _Writer("db-writer") if self.is_sqlite else None
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="db")
        self._local = threading.local()
        self._kept: set[Connection] = set()
        self._kept_lock = threading.Lock()

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Yield a session whose work commits once at the end, or rolls back on error."""
        with self._unavailable_as_error(), Session(self.engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    @contextlib.contextmanager
    def _unavailable_as_error(self) -> Iterator[None]:
        """Turn "database unreachable/locked" into ``DatabaseUnavailable``."""
        try:
            yield
        except OperationalError as exc:
            if self.is_sqlite and not any(word in str(exc.orig).lower()
                                          for word in _SQLITE_UNAVAILABLE):
                raise  # e.g. "no such column": a schema bug, not a busy database
            raise DatabaseUnavailable(str(exc.orig)) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise DatabaseUnavailable(str(exc.orig)) from exc
            raise

    def call(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one transaction in the calling thread (a pooled connection)."""
        with self.unit_of_work() as session:
            return fn(session)

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one transaction in a worker thread, off the event loop."""
        loop = asyncio.get_running_loop()
        unit = functools.partial(self._kept_call, fn)
        if self._writer is not None:
            return await self._writer.submit(loop, unit)
        return await loop.run_in_executor(self._executor, unit)

    def _kept_call(self, fn: Callable[[Session], T]) -> T:
        """``call`` on this worker thread's kept connection."""
        with self._unavailable_as_error():
            connection = self._connection()
            try:
                with Session(connection, expire_on_commit=False) as session:
                    result = fn(session)
                    session.commit()
            except BaseException as exc:
                if isinstance(exc, OperationalError) or connection.invalidated:
                    self._discard(connection)  # reconnect at the next unit of work
                elif connection.in_transaction():
                    connection.rollback()
                raise
            self._local.used = time.monotonic()
            return result

    def _connection(self) -> Connection:
        """This thread's kept connection, opened (or pinged after idling) as needed."""
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is not None and not self.is_sqlite and (
                time.monotonic() - self._local.used > PING_AFTER_IDLE):
            try:
                self.engine.dialect.do_ping(connection.connection.dbapi_connection)
            except Exception:
                self._discard(connection)
                connection = None
        if connection is None or connection.closed or connection.invalidated:
            connection = self.engine.connect()
            self._local.connection = connection
            self._local.used = time.monotonic()
            with self._kept_lock:
                self._kept.add(connection)
        return connection

    def _discard(self, connection: Connection) -> None:
        if getattr(self._local, "connection", None) is connection:
            del self._local.connection
        with self._kept_lock:
            self._kept.discard(connection)
        with contextlib.suppress(Exception):
            connection.invalidate()
            connection.close()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to call at every start)."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    def close(self) -> None:
        """Stop the worker threads and close every kept and pooled connection."""
        if self._writer is not None:
            self._writer.shutdown()
        self._executor.shutdown(wait=True)
        with self._kept_lock:
            kept, self._kept = self._kept, set()
        for connection in kept:
            with contextlib.suppress(Exception):
                connection.close()
        self.engine.dispose()
