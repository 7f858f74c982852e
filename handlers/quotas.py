"""Quota arithmetic, pure: what counts, what is expected by today, and how far behind.

The expected pace is the target times the share of the period's *school days* already
passed, so a week of 国庆 holidays does not make everybody "behind".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from handlers.settings import Period, QuotaSpec, Unit
from storage.repos.records import TotalsRow

OPEN_LESSON = "open_lesson"
# 教研活动出勤: the target is a percentage of the sessions of one's groups; a session counts
# as attended when the teacher was present or on approved leave (a /pause asks for it).
ATTENDANCE = "attendance"
BAR_WIDTH = 10

SchoolDays = Callable[[date, date], int]


class Status(StrEnum):
    """A plain word for where someone stands."""

    DONE = "已完成"
    ON_TRACK = "进度正常"
    NOT_DUE = "未到期"
    SLIGHTLY_BEHIND = "稍落后"
    FAR_BEHIND = "落后较多"


BEHIND = (Status.SLIGHTLY_BEHIND, Status.FAR_BEHIND)


@dataclass(frozen=True)
class PeriodProgress:
    """Progress toward a quota in one period (the semester, or one month of it).

    ``expected`` is the exact pace (for charts); ``owed`` is the one figure people see:
    the whole amount missing by now (0 when on track or not yet due).
    """

    start: date
    end: date
    done: int
    target: int
    expected: float
    short: int
    status: Status
    closed: bool
    owed: int = 0
    due: date | None = None

    @property
    def behind(self) -> bool:
        """落后, the one definition /me, /progress, digests, nudges and exports share."""
        return self.status in BEHIND


@dataclass(frozen=True)
class QuotaProgress:
    """A quota with the current period and, for monthly quotas, the months already past."""

    quota: QuotaSpec
    current: PeriodProgress
    past: tuple[PeriodProgress, ...]

    @property
    def behind(self) -> bool:
        """Whether the current period is behind (see ``PeriodProgress.behind``)."""
        return self.current.behind


def behind(items: Sequence[QuotaProgress]) -> list[QuotaProgress]:
    """The items that are 落后 (slightly or far) now."""
    return [item for item in items if item.behind]


def whole(value: float) -> int:
    """Round half up: 0.5 piece is one piece, 12.2 is 12."""
    return math.floor(value + 0.5)


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


def owing(done: int, target: int, due: float) -> int:
    """The whole amount missing by now: what is due, rounded half up, less what is done."""
    return 0 if done >= target else max(0, whole(due) - done)


def status(done: int, target: int, due: float, unit: Unit) -> Status:
    """The plain word: done, on track, slightly behind, far behind.

    Whole numbers only: behind means at least one whole piece (or 字) missing by now,
    never "behind, 0 due". "Slightly" allows a quarter of the target; a count target of
    more than one also allows one piece.
    """
    if done >= target:
        return Status.DONE
    owed = owing(done, target, due)
    if owed <= 0:
        return Status.ON_TRACK
    slack = 0.25 * target
    if unit is Unit.COUNT and target > 1:
        slack = max(slack, 1.0)
    return Status.SLIGHTLY_BEHIND if owed <= slack else Status.FAR_BEHIND


def due_day(quota: QuotaSpec, end: date) -> date | None:
    """The day a quota with ``due`` is due in the period ending ``end`` (None: paced)."""
    if quota.due is None:
        return None
    return end if quota.due == "end" else min(quota.due, end)


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
    done, _ = attended(inside, today)
    target = math.ceil(len(inside) * share)
    due = sum(1 for day, _ in inside if day < today) * share
    return done, target, due


def attended(sessions: Sequence[tuple[date, bool]], today: date) -> tuple[int, int]:
    """(attended, held): of one's sessions, those held by ``today`` and how many of them
    count as attended. Attendance figures are about these only, never planned ones."""
    held = [counted for day, counted in sessions if day <= today]
    return sum(held), len(held)


@dataclass
class Shared:
    """What a quota's periods ask of everybody alike (their spans; each period's target and
    pace), worked out once when many people are measured with the same semester, day,
    calendar and start: ``measure_people`` measures a whole school at once. Keyed by the
    quota object, so it lives no longer than the quotas it was made for."""

    spans: dict[int, tuple[tuple[date, date], ...]] = field(default_factory=dict)
    asks: dict[tuple[int, date, date], tuple[int, float]] = field(default_factory=dict)


def measure(
    quotas: Sequence[QuotaSpec], *, totals: Sequence[TotalsRow], lessons: Sequence[date],
    semester: tuple[date, date], today: date, school_days: SchoolDays,
    sessions: Sequence[tuple[date, bool]] = (), history: bool = True,
    started_on: date | None = None, shared: Shared | None = None,
) -> list[QuotaProgress]:
    """Progress on each quota for one teacher, from their monthly totals.

    ``sessions`` are the teacher's groups' sessions that take place, each with whether it
    counts as attended (for the 出勤 quota). Without ``history`` only the current period is
    measured (``past`` stays empty): digests and reminders need no more. Pace and
    attendance count from ``started_on`` (the school's first day with the bot): a period
    that ended before it is not measured, and one that holds it is paced from it.
    ``shared`` keeps what is the same for everybody between calls with the same
    ``semester``, ``today``, ``school_days``, ``history`` and ``started_on``.
    """
    shared = shared if shared is not None else Shared()
    by_kind: dict[str, list[TotalsRow]] = {}
    for row in totals:
        by_kind.setdefault(row.kind, []).append(row)
    result = []
    for quota in quotas:
        spans = shared.spans.get(id(quota))
        if spans is None:
            spans = _spans(quota, semester, today, history=history, started_on=started_on)
            shared.spans[id(quota)] = spans
        measured = [_period(quota, by_kind.get(quota.kind, ()), start, end,
                            today=today, school_days=school_days, lessons=lessons,
                            sessions=sessions, started_on=started_on, asks=shared.asks)
                    for start, end in spans]
        current = next((p for p in measured if p.start <= today <= p.end), measured[-1])
        past = tuple(p for p in measured if p.closed and p is not current and p.target)
        result.append(QuotaProgress(quota, current, past))
    return result


def _spans(quota: QuotaSpec, semester: tuple[date, date], today: date, *, history: bool,
           started_on: date | None) -> tuple[tuple[date, date], ...]:
    """The periods of ``quota`` to measure: those begun by ``today`` (the first always),
    none that ended before ``started_on``; without ``history`` the current one only."""
    spans = periods(quota.period, semester[0], semester[1])
    if started_on is not None:
        spans = tuple(span for span in spans if span[1] >= started_on) or spans[-1:]
    if not history:
        return (_current(spans, today),)
    return tuple(span for index, span in enumerate(spans) if index == 0 or span[0] <= today)


def _ask(quota: QuotaSpec, start: date, end: date, *, today: date, school_days: SchoolDays,
         started_on: date | None) -> tuple[int, float]:
    """(target, pace by today) of a quota counted in records or lessons, in one period."""
    paced_from = max(start, started_on) if started_on is not None else start
    due = due_day(quota, end)
    target = quota.target
    if quota.period is Period.MONTH and paced_from > start:
        # A month that began before the school's first day asks only its share.
        total = school_days(start, end)
        target = whole(target * school_days(paced_from, end) / total) if total else 0
    if due is not None:
        return target, float(target) if today > due else 0.0
    return target, expected(target, start=paced_from, end=end, today=today,
                            school_days=school_days)


def _period(quota: QuotaSpec, rows: Sequence[TotalsRow], start: date, end: date, *,
            today: date, school_days: SchoolDays, lessons: Sequence[date],
            sessions: Sequence[tuple[date, bool]], started_on: date | None,
            asks: dict[tuple[int, date, date], tuple[int, float]]) -> PeriodProgress:
    """One period of one quota: done, target, pace, the whole amount owed, the status."""
    due = due_day(quota, end)
    if quota.kind == ATTENDANCE:
        paced_from = max(start, started_on) if started_on is not None else start
        done, target, pace = _attendance(quota, sessions, paced_from, end, today)
        short = 0
    else:
        done, short = _measure(quota, rows, start, end, lessons, today)
        key = (id(quota), start, end)
        found = asks.get(key)
        if found is None:
            found = asks[key] = _ask(quota, start, end, today=today, school_days=school_days,
                                     started_on=started_on)
        target, pace = found
    if not target:
        word = Status.ON_TRACK
    elif done < target and due is not None and today <= due:
        word = Status.NOT_DUE
    else:
        word = status(done, target, pace, quota.unit)
    return PeriodProgress(start, end, done, target, pace, short, word, closed=today > end,
                          owed=owing(done, target, pace) if word in BEHIND else 0, due=due)


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
