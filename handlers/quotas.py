"""Quota arithmetic, pure: what counts, what is expected by today, and how far behind.

The expected pace is the target times the share of the period's *school days* already
passed, so a week of 国庆 holidays does not make everybody "behind".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from handlers.settings import Period, QuotaSpec, Unit
from storage.repos.records import TotalsRow

OPEN_LESSON = "open_lesson"
# 教研活动出勤: the target is a percentage of the sessions of one's groups; a session counts
# as attended when the teacher was present, on approved leave, or away on a /pause.
ATTENDANCE = "attendance"
BAR_WIDTH = 10

SchoolDays = Callable[[date, date], int]


class Status(StrEnum):
    """A plain word for where someone stands."""

    DONE = "已完成"
    ON_TRACK = "进度正常"
    SLIGHTLY_BEHIND = "稍落后"
    FAR_BEHIND = "落后较多"


@dataclass(frozen=True)
class PeriodProgress:
    """Progress toward a quota in one period (the semester, or one month of it)."""

    start: date
    end: date
    done: int
    target: int
    expected: float
    short: int
    status: Status
    closed: bool


@dataclass(frozen=True)
class QuotaProgress:
    """A quota with the current period and, for monthly quotas, the months already past."""

    quota: QuotaSpec
    current: PeriodProgress
    past: tuple[PeriodProgress, ...]


def applies(quota: QuotaSpec, *, role: str, groups: Sequence[str]) -> bool:
    """Whether ``quota`` applies to someone with ``role`` in ``groups``."""
    if quota.roles and role not in quota.roles:
        return False
    return not quota.groups or any(group in quota.groups for group in groups)


@lru_cache(maxsize=256)
def periods(period: Period, start: date, end: date) -> tuple[tuple[date, date], ...]:
    """The periods of a quota within a semester: the semester, or its months (clipped)."""
    if period is Period.SEMESTER:
        return ((start, end),)
    found = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        found.append((first, min(following - timedelta(days=1), end)))
        first = following
    return tuple(found)


def expected(target: int, *, start: date, end: date, today: date,
             school_days: SchoolDays) -> float:
    """The amount due by the start of ``today``: target × school days passed / all of them.

    Today itself is not yet passed, so nobody is behind on a period's first school day.
    """
    if today <= start:
        return 0.0
    if today > end:
        return float(target)
    total = school_days(start, end)
    if total == 0:
        return float(target)
    return target * school_days(start, today - timedelta(days=1)) / total


def status(done: int, target: int, due: float, unit: Unit) -> Status:
    """The plain word: done, on track, slightly behind, far behind.

    "Slightly" allows a quarter of the target; a count target also allows one piece
    (half a piece for a target of one, so a single missing piece turns "far behind" once
    more than half of its period has passed).
    """
    if done >= target:
        return Status.DONE
    gap = due - done
    if gap <= 1e-9:
        return Status.ON_TRACK
    slack = 0.25 * target
    if unit is Unit.COUNT:
        slack = max(slack, 1.0 if target > 1 else 0.5)
    return Status.SLIGHTLY_BEHIND if gap <= slack else Status.FAR_BEHIND


def bar(done: int, target: int, width: int = BAR_WIDTH) -> str:
    """A text progress bar, e.g. ▓▓▓░░░░░░░."""
    filled = width if target <= 0 else min(width, round(width * done / target))
    return "▓" * filled + "░" * (width - filled)


def _measure(quota: QuotaSpec, rows: Sequence[TotalsRow], start: date, end: date,
             lessons: Sequence[date], today: date) -> tuple[int, int]:
    """(done, pieces too short to count) in one period; ``rows`` are of the quota's kind."""
    if quota.kind == OPEN_LESSON:  # counted once given, not when registered
        return sum(1 for day in lessons if start <= day <= min(end, today)), 0
    first, last = (start.year, start.month), (end.year, end.month)
    rows = [row for row in rows if first <= (row.year, row.month) <= last]
    short = sum(row.pieces - row.counted for row in rows)
    if quota.unit is Unit.CHARS:
        return sum(row.counted_chars for row in rows), short
    return sum(row.counted for row in rows), short


def _attendance(quota: QuotaSpec, sessions: Sequence[tuple[date, bool]], start: date,
                end: date, today: date) -> tuple[int, int, float]:
    """(attended, sessions required in the period, required by today) for 出勤."""
    inside = [(day, counted) for day, counted in sessions if start <= day <= end]
    share = quota.target / 100
    done = sum(1 for day, counted in inside if counted and day <= today)
    target = math.ceil(len(inside) * share)
    due = sum(1 for day, _ in inside if day < today) * share
    return done, target, due


def measure(
    quotas: Sequence[QuotaSpec], *, totals: Sequence[TotalsRow], lessons: Sequence[date],
    semester: tuple[date, date], today: date, school_days: SchoolDays,
    sessions: Sequence[tuple[date, bool]] = (), history: bool = True,
) -> list[QuotaProgress]:
    """Progress on each quota for one teacher, from their monthly totals.

    ``sessions`` are the teacher's groups' sessions that take place, each with whether it
    counts as attended (for the 出勤 quota). Without ``history`` only the current period is
    measured (``past`` stays empty): digests and reminders need no more.
    """
    by_kind: dict[str, list[TotalsRow]] = {}
    for row in totals:
        by_kind.setdefault(row.kind, []).append(row)
    result = []
    for quota in quotas:
        spans = periods(quota.period, semester[0], semester[1])
        if not history:
            spans = (_current(spans, today),)
        measured = []
        for start, end in spans:
            if start > today and measured:
                break
            if quota.kind == ATTENDANCE:
                done, target, due = _attendance(quota, sessions, start, end, today)
                short = 0
            else:
                done, short = _measure(quota, by_kind.get(quota.kind, ()), start, end,
                                       lessons, today)
                target = quota.target
                due = expected(target, start=start, end=end, today=today,
                               school_days=school_days)
            measured.append(PeriodProgress(start, end, done, target, due, short,
                                           status(done, target, due, quota.unit)
                                           if target else Status.ON_TRACK,
                                           closed=today > end))
        current = next((p for p in measured if p.start <= today <= p.end), measured[-1])
        past = tuple(p for p in measured if p.closed and p is not current)
        result.append(QuotaProgress(quota, current, past))
    return result


def current_period(period: Period, start: date, end: date, today: date) -> tuple[date, date]:
    """The period of a semester (``start``–``end``) a quota measures on ``today``."""
    return _current(periods(period, start, end), today)


def _current(spans: Sequence[tuple[date, date]], today: date) -> tuple[date, date]:
    """The period holding ``today``; the first before the semester, the last after it."""
    for start, end in spans:
        if start <= today <= end:
            return start, end
    return spans[0] if today < spans[0][0] else spans[-1]


def min_chars_by_kind(quotas: Sequence[QuotaSpec]) -> dict[str, int]:
    """The minimum 字数 a piece of each kind needs to count (the strictest applicable)."""
    found: dict[str, int] = {}
    for quota in quotas:
        if quota.min_chars:
            found[quota.kind] = max(found.get(quota.kind, 0), quota.min_chars)
    return found
