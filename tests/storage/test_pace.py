"""A chat's sending pace kept in the database: one token bucket per chat for every process."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import Database
from storage.repos import pace
from tests.storage.conftest import NOW


def reserve(db: Database, chat: str = "tg:7", *, after: float = 0.0) -> float:
    at = NOW + timedelta(seconds=after)
    return db.call(lambda s: pace.reserve(s, chat=chat, burst=3, interval=1.25, now=at))


def test_a_burst_then_one_each_interval(db: Database) -> None:
    assert [reserve(db) for _ in range(5)] == [0.0, 0.0, 0.0, 1.25, 2.5]
    # Another chat has its own budget.
    assert reserve(db, "tg:8") == 0.0
    # 2.5 s later two turns have come back: the owed ones are paid, the next waits one.
    assert reserve(db, after=2.5) == pytest.approx(1.25)


def test_turns_come_back_up_to_the_burst_and_never_run_backwards(db: Database) -> None:
    assert [reserve(db) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert reserve(db, after=60) == 0.0  # a minute later: three again, not fifty
    assert [reserve(db, after=60) for _ in range(2)] == [0.0, 0.0]
    assert reserve(db, after=60) == pytest.approx(1.25)
    # A process whose clock is a second behind gets no turns back from it: its turn comes
    # 1.25 s after the last one given (at 60 + 1.25), 3.5 s from its own 59.
    assert reserve(db, after=59) == pytest.approx(3.5)
