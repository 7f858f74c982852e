"""Quota arithmetic: who a quota applies to, its periods, the pace by school days, progress."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.config import load
from handlers import quotas
from handlers.quotas import PeriodProgress, QuotaProgress, Status
from handlers.settings import Period, QuotaSpec, Unit
from storage.repos.records import TotalsRow
from tests.conftest import EXAMPLE_CONFIG

CONFIG = load(str(EXAMPLE_CONFIG)).config
SCHOOL_DAYS = CONFIG.school_calendar.school_days
SEMESTER = (date(2026, 9, 1), date(2027, 1, 22))
MONTHS = [
    (date(2026, 9, 1), date(2026, 9, 30)),
    (date(2026, 10, 1), date(2026, 10, 31)),
    (date(2026, 11, 1), date(2026, 11, 30)),
    (date(2026, 12, 1), date(2026, 12, 31)),
    (date(2027, 1, 1), date(2027, 1, 22)),
]
# School days of the example calendar, counted by hand: September 22 weekdays minus 中秋
# (Friday 09-25) plus the 调休 Sunday 09-20; October 22 weekdays minus 国庆 1, 2, 5, 6, 7
# plus the 调休 Saturday 10-10; November 21 weekdays minus the 秋季运动会 on 11-05 and
# 11-06; December 23; January 1-22: 16 weekdays minus 元旦 (Friday 01-01, from the law's
# holidays: chinese-calendar has no 2027 data) and the 期末考试 18-20.
DAYS_IN = {9: 22, 10: 18, 11: 19, 12: 23, 1: 12}
SEMESTER_DAYS = 94

OBSERVE = QuotaSpec(kind="observation", label="听课", target=30, roles=("teacher", "leader"))
REFLECT = QuotaSpec(kind="reflection", label="教学反思", target=20)
READING = QuotaSpec(kind="reading_note", label="读书笔记", target=7000, unit=Unit.CHARS)
STORY = QuotaSpec(kind="story", label="教育故事", target=2, period=Period.MONTH)
OPEN = QuotaSpec(kind="open_lesson", label="组内研讨课", target=1)


def row(kind: str, year: int, month: int, pieces: int, counted: int, chars: int = 0,
        counted_chars: int = 0) -> TotalsRow:
    return TotalsRow(teacher_id=1, kind=kind, year=year, month=month, pieces=pieces,
                     counted=counted, chars=chars, counted_chars=counted_chars)


def measure_one(quota: QuotaSpec, totals: list[TotalsRow], today: date,
                lessons: tuple[date, ...] = ()) -> QuotaProgress:
    (progress,) = quotas.measure([quota], totals=totals, lessons=lessons, semester=SEMESTER,
                                 today=today, school_days=SCHOOL_DAYS)
    assert progress.quota == quota
    return progress


# -- the calendar the pace is measured with -----------------------------------------------


def test_the_example_calendar() -> None:
    for (start, end), days in zip(MONTHS, DAYS_IN.values(), strict=True):
        assert SCHOOL_DAYS(start, end) == days, start
    assert SCHOOL_DAYS(*SEMESTER) == SEMESTER_DAYS == sum(DAYS_IN.values())
    assert SCHOOL_DAYS(date(2026, 10, 1), date(2026, 10, 7)) == 0  # 国庆
    assert SCHOOL_DAYS(date(2026, 9, 25), date(2026, 9, 27)) == 0  # 中秋
    assert SCHOOL_DAYS(date(2026, 9, 20), date(2026, 9, 20)) == 1  # its 调休 Sunday
    assert SCHOOL_DAYS(date(2026, 9, 1), date(2026, 10, 8)) == 23


def passed_before(start: date, today: date) -> int:
    """School days from ``start`` up to, not including, ``today``, from the calendar."""
    return SCHOOL_DAYS(start, today - timedelta(days=1)) if today > start else 0


# -- applies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "groups", "role", "member_of", "applies"),
    [
        ((), (), "teacher", [], True),
        ((), (), "admin", ["语文组"], True),
        (("teacher", "leader"), (), "teacher", [], True),
        (("teacher", "leader"), (), "leader", ["数学组"], True),
        (("teacher", "leader"), (), "admin", ["数学组"], False),
        (("admin",), (), "teacher", [], False),
        ((), ("语文组",), "teacher", ["数学组", "语文组"], True),
        ((), ("语文组",), "teacher", ["数学组"], False),
        ((), ("语文组",), "teacher", [], False),
        ((), ("语文组", "英语组"), "leader", ["英语组"], True),
        (("teacher",), ("语文组",), "teacher", ["语文组"], True),
        (("teacher",), ("语文组",), "leader", ["语文组"], False),
        (("teacher",), ("语文组",), "teacher", ["综合组"], False),
    ],
)
def test_applies(roles: tuple[str, ...], groups: tuple[str, ...], role: str,
                 member_of: list[str], applies: bool) -> None:
    quota = QuotaSpec(kind="reflection", label="教学反思", target=20, roles=roles, groups=groups)
    assert quotas.applies(quota, role=role, groups=member_of) is applies


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        ("teacher", ["听课", "教学反思", "读书笔记", "教育故事", "读书心得", "心得体会",
                     "教育教学论文", "课标摘抄", "专题演讲", "组内研讨课", "教研活动出勤"]),
        ("admin", ["听课（管理员）", "教学反思", "读书笔记", "教育故事", "读书心得", "心得体会",
                   "教育教学论文", "课标摘抄", "专题演讲", "组内研讨课", "教研活动出勤"]),
    ],
)
def test_the_example_quotas_by_role(role: str, labels: list[str]) -> None:
    found = [q.label for q in CONFIG.quotas if quotas.applies(q, role=role, groups=["语文组"])]
    assert found == labels


# -- periods ------------------------------------------------------------------------------


def test_a_semester_quota_has_one_period() -> None:
    assert quotas.periods(REFLECT.period, SEMESTER[0], SEMESTER[1]) == (SEMESTER,)


def test_a_monthly_quota_has_the_months_clipped() -> None:
    assert quotas.periods(STORY.period, SEMESTER[0], SEMESTER[1]) == tuple(MONTHS)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2027, 2, 22), date(2027, 7, 2),
         [(date(2027, 2, 22), date(2027, 2, 28)), (date(2027, 3, 1), date(2027, 3, 31)),
          (date(2027, 4, 1), date(2027, 4, 30)), (date(2027, 5, 1), date(2027, 5, 31)),
          (date(2027, 6, 1), date(2027, 6, 30)), (date(2027, 7, 1), date(2027, 7, 2))]),
        (date(2028, 2, 10), date(2028, 3, 5),
         [(date(2028, 2, 10), date(2028, 2, 29)), (date(2028, 3, 1), date(2028, 3, 5))]),
        (date(2027, 1, 31), date(2027, 3, 1),
         [(date(2027, 1, 31), date(2027, 1, 31)), (date(2027, 2, 1), date(2027, 2, 28)),
          (date(2027, 3, 1), date(2027, 3, 1))]),
        (date(2026, 12, 15), date(2027, 1, 10),
         [(date(2026, 12, 15), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 1, 10))]),
        (date(2026, 11, 3), date(2026, 11, 20), [(date(2026, 11, 3), date(2026, 11, 20))]),
    ],
)
def test_monthly_periods_of_other_semesters(start: date, end: date,
                                            months: list[tuple[date, date]]) -> None:
    assert quotas.periods(STORY.period, start, end) == tuple(months)


# -- expected -----------------------------------------------------------------------------


# The amount due is counted at the START of ``today``: the school days strictly before it.
@pytest.mark.parametrize(
    ("today", "passed"),
    [
        (date(2026, 8, 31), 0),  # before the start: nothing due
        (date(2026, 9, 1), 0),  # the first day: nothing has passed yet
        (date(2026, 9, 2), 1),
        (date(2026, 9, 30), 21),
        (date(2026, 10, 1), 22),  # 国庆 week: the pace stands still
        (date(2026, 10, 5), 22),
        (date(2026, 10, 7), 22),
        (date(2026, 10, 8), 22),  # the first school day after 国庆: still nothing new
        (date(2026, 10, 9), 23),
        (date(2026, 10, 10), 24),  # the 调休 Saturday is a school day …
        (date(2026, 10, 11), 25),  # … so by Sunday it has passed
        (date(2026, 10, 12), 25),
        (date(2026, 11, 30), 22 + 18 + 18),
        (date(2026, 12, 1), 22 + 18 + 19),
        (date(2027, 1, 21), SEMESTER_DAYS - 2),  # 01-21 and 01-22 are still to come
        (date(2027, 1, 22), SEMESTER_DAYS - 1),  # the end day itself has not passed
        (date(2027, 1, 23), SEMESTER_DAYS),  # after the end: all of it
        (date(2027, 6, 1), SEMESTER_DAYS),
    ],
)
def test_expected_follows_school_days(today: date, passed: int) -> None:
    if SEMESTER[0] <= today <= SEMESTER[1]:
        assert passed == passed_before(SEMESTER[0], today)  # the hand count agrees
    due = quotas.expected(30, start=SEMESTER[0], end=SEMESTER[1], today=today,
                          school_days=SCHOOL_DAYS)
    assert due == pytest.approx(30 * passed / SEMESTER_DAYS)
    if passed == 0:
        assert due == 0.0


def test_expected_after_national_day_is_the_share_of_school_days() -> None:
    due = quotas.expected(30, start=SEMESTER[0], end=SEMESTER[1], today=date(2026, 10, 8),
                          school_days=SCHOOL_DAYS)
    # All of September's 22 school days have passed; the 国庆 week added none.
    assert due == pytest.approx(30 * 22 / 94)
    assert due == pytest.approx(7.021, abs=1e-3)
    assert due == quotas.expected(30, start=SEMESTER[0], end=SEMESTER[1],
                                  today=date(2026, 10, 1), school_days=SCHOOL_DAYS)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 9, 30), 0.0),
        (date(2026, 10, 1), 0.0),
        (date(2026, 10, 7), 0.0),
        (date(2026, 10, 8), 0.0),  # October's first school day
        (date(2026, 10, 9), 2 / 18),
        (date(2026, 10, 11), 2 * 3 / 18),  # 10-08, 10-09 and the 调休 Saturday 10-10
        (date(2026, 10, 30), 2 * 17 / 18),  # the last school day: itself still to come
        (date(2026, 10, 31), 2.0),  # a Saturday: all 18 school days have passed
        (date(2026, 11, 1), 2.0),
    ],
)
def test_expected_in_october(today: date, due: float) -> None:
    start, end = MONTHS[1]
    assert quotas.expected(2, start=start, end=end, today=today,
                           school_days=SCHOOL_DAYS) == pytest.approx(due)


def test_expected_with_a_plain_day_count() -> None:
    def days(start: date, end: date) -> int:
        return (end - start).days + 1

    start, end = date(2026, 9, 1), date(2026, 9, 30)
    assert quotas.expected(10, start=start, end=end, today=date(2026, 9, 1),
                           school_days=days) == 0.0
    assert quotas.expected(10, start=start, end=end, today=date(2026, 9, 16),
                           school_days=days) == 5.0  # 15 of 30 days passed
    assert quotas.expected(10, start=start, end=end, today=date(2026, 9, 30),
                           school_days=days) == pytest.approx(29 / 3)
    assert quotas.expected(10, start=start, end=end, today=date(2026, 10, 1),
                           school_days=days) == 10.0


def test_expected_in_a_period_without_school_days_is_the_target() -> None:
    assert quotas.expected(4, start=date(2026, 10, 1), end=date(2026, 10, 7),
                           today=date(2026, 10, 3), school_days=SCHOOL_DAYS) == 4.0


# -- status and bar -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "target", "due", "unit", "status"),
    [
        (30, 30, 30.0, Unit.COUNT, Status.DONE),
        (31, 30, 12.0, Unit.COUNT, Status.DONE),
        (1, 1, 0.0, Unit.COUNT, Status.DONE),
        (0, 30, 0.0, Unit.COUNT, Status.ON_TRACK),
        (10, 30, 9.5, Unit.COUNT, Status.ON_TRACK),
        (10, 30, 10.0, Unit.COUNT, Status.ON_TRACK),
        (10, 30, 10.0 + 1e-12, Unit.COUNT, Status.ON_TRACK),  # float noise is not a gap
        (10, 30, 10.1, Unit.COUNT, Status.ON_TRACK),  # whole pieces: 10.1 due is 10
        (10, 30, 10.5, Unit.COUNT, Status.SLIGHTLY_BEHIND),  # 10.5 is 11: one piece owed
        (10, 30, 17.4, Unit.COUNT, Status.SLIGHTLY_BEHIND),  # 7 owed ≤ 25% of 30
        (10, 30, 17.5, Unit.COUNT, Status.FAR_BEHIND),  # 8 owed
        (0, 2, 1.0, Unit.COUNT, Status.SLIGHTLY_BEHIND),  # one piece of slack
        (0, 2, 1.4, Unit.COUNT, Status.SLIGHTLY_BEHIND),
        (0, 2, 1.5, Unit.COUNT, Status.FAR_BEHIND),
        (0, 2, 2.0, Unit.COUNT, Status.FAR_BEHIND),
        (0, 3, 1.0, Unit.COUNT, Status.SLIGHTLY_BEHIND),  # 25% of 3 < 1: one piece
        (0, 3, 1.5, Unit.COUNT, Status.FAR_BEHIND),
        (0, 1, 0.49, Unit.COUNT, Status.ON_TRACK),  # never "behind, 0 due"
        (0, 1, 0.5, Unit.COUNT, Status.FAR_BEHIND),  # a target of one: the whole piece
        (0, 1, 1.0, Unit.COUNT, Status.FAR_BEHIND),
        (0, 1, 0.01, Unit.COUNT, Status.ON_TRACK),
        (0, 4, 1.0, Unit.COUNT, Status.SLIGHTLY_BEHIND),
        (0, 8, 2.0, Unit.COUNT, Status.SLIGHTLY_BEHIND),  # 25% of 8 = 2 > 1
        (0, 8, 2.5, Unit.COUNT, Status.FAR_BEHIND),
        (7000, 7000, 7000.0, Unit.CHARS, Status.DONE),
        (3000, 7000, 3000.0, Unit.CHARS, Status.ON_TRACK),
        (3000, 7000, 4750.0, Unit.CHARS, Status.SLIGHTLY_BEHIND),  # gap 1750 = 25%
        (3000, 7000, 4751.0, Unit.CHARS, Status.FAR_BEHIND),
        (0, 1, 1.0, Unit.CHARS, Status.FAR_BEHIND),  # no one-piece slack for 字数
        (0, 1, 0.25, Unit.CHARS, Status.ON_TRACK),
        (0, 2, 0.6, Unit.CHARS, Status.FAR_BEHIND),
    ],
)
def test_status(done: int, target: int, due: float, unit: Unit, status: Status) -> None:
    assert quotas.status(done, target, due, unit) is status


def test_status_words() -> None:
    assert [str(s) for s in Status] == ["已完成", "进度正常", "未到期", "稍落后", "落后较多"]


@pytest.mark.parametrize(
    ("done", "target", "width", "bar"),
    [
        (0, 10, 10, "░░░░░░░░░░"),
        (5, 10, 10, "▓▓▓▓▓░░░░░"),
        (10, 10, 10, "▓▓▓▓▓▓▓▓▓▓"),
        (15, 10, 10, "▓▓▓▓▓▓▓▓▓▓"),  # over the target: full, never longer
        (1, 3, 10, "▓▓▓░░░░░░░"),
        (2, 3, 10, "▓▓▓▓▓▓▓░░░"),
        (1, 30, 10, "░░░░░░░░░░"),  # 0.33 rounds down
        (2, 30, 10, "▓░░░░░░░░░"),
        (3500, 7000, 10, "▓▓▓▓▓░░░░░"),
        (0, 0, 10, "▓▓▓▓▓▓▓▓▓▓"),  # nothing to do
        (1, 2, 4, "▓▓░░"),
        (0, 1, 0, ""),
    ],
)
def test_bar(done: int, target: int, width: int, bar: str) -> None:
    assert quotas.bar(done, target, width) == bar
    assert len(quotas.bar(done, target, width)) == width


def test_bar_default_width() -> None:
    assert quotas.bar(3, 4) == "▓▓▓▓▓▓▓▓░░"
    assert len(quotas.bar(3, 4)) == quotas.BAR_WIDTH == 10


# -- measure ------------------------------------------------------------------------------


TOTALS = [
    row("reflection", 2026, 8, 2, 2),  # before the semester's first month: not counted
    row("reflection", 2026, 9, 5, 4, chars=2000, counted_chars=1900),
    row("reflection", 2026, 11, 3, 3),
    row("reflection", 2027, 1, 1, 1),
    row("reflection", 2027, 2, 1, 1),  # after the semester's last month
    row("observation", 2026, 10, 9, 9),
    row("reading_note", 2026, 9, 3, 2, chars=3000, counted_chars=2500),
    row("reading_note", 2026, 12, 1, 1, chars=2000, counted_chars=2000),
    row("story", 2026, 9, 2, 2, chars=800, counted_chars=800),
    row("story", 2026, 10, 1, 1, chars=400, counted_chars=400),
    row("story", 2026, 11, 3, 1, chars=900, counted_chars=300),
]


def test_a_count_quota_sums_counted_pieces() -> None:
    progress = measure_one(REFLECT, TOTALS, date(2026, 11, 30))
    assert passed_before(SEMESTER[0], date(2026, 11, 30)) == 58
    due = 20 * 58 / SEMESTER_DAYS  # 12.2, that is 12: 8 done is 4 behind, within 25% of 20
    assert progress.current == PeriodProgress(
        SEMESTER[0], SEMESTER[1], done=8, target=20, expected=pytest.approx(due), short=1,
        status=Status.SLIGHTLY_BEHIND, closed=False, owed=4)
    assert progress.past == ()


def test_a_chars_quota_sums_counted_chars() -> None:
    progress = measure_one(READING, TOTALS, date(2027, 1, 22))
    # The last day: all but the day itself has passed (6926 due; 2426 behind > 1750).
    due = 7000 * passed_before(SEMESTER[0], date(2027, 1, 22)) / SEMESTER_DAYS
    assert due == pytest.approx(7000 * 93 / 94)
    assert progress.current == PeriodProgress(
        SEMESTER[0], SEMESTER[1], done=4500, target=7000, expected=pytest.approx(due),
        short=1, status=Status.FAR_BEHIND, closed=False, owed=2426)


def test_a_quota_without_records() -> None:
    progress = measure_one(OBSERVE, [row("reflection", 2026, 9, 5, 5)], date(2026, 10, 8))
    assert (progress.current.done, progress.current.short) == (0, 0)
    assert progress.current.expected == pytest.approx(30 * 22 / 94)
    assert progress.current.status is Status.SLIGHTLY_BEHIND  # gap 6.95 ≤ 25% of 30


def test_a_finished_quota_after_the_semester() -> None:
    progress = measure_one(READING, TOTALS, date(2027, 1, 23))
    assert progress.current.closed is True
    assert progress.current.start == SEMESTER[0]
    assert progress.past == ()


def _month(start: date, end: date, done: int, short: int, today: date) -> PeriodProgress:
    due = quotas.expected(2, start=start, end=end, today=today, school_days=SCHOOL_DAYS)
    word = quotas.status(done, 2, due, Unit.COUNT)
    return PeriodProgress(start, end, done, 2, due, short, word, closed=today > end,
                          owed=quotas.owing(done, 2, due) if word in quotas.BEHIND else 0)


def test_a_monthly_quota_on_the_last_day_of_november() -> None:
    today = date(2026, 11, 30)
    progress = measure_one(STORY, TOTALS, today)
    # 18 of November's 19 school days have passed: 1.9 due is 2, 1 done is one piece
    # behind, within one piece.
    due = 2 * passed_before(date(2026, 11, 1), today) / DAYS_IN[11]
    assert due == pytest.approx(2 * 18 / 19)
    assert progress.current == PeriodProgress(
        date(2026, 11, 1), date(2026, 11, 30), done=1, target=2, expected=pytest.approx(due),
        short=2, status=Status.SLIGHTLY_BEHIND, closed=False, owed=1)
    assert progress.past == (
        PeriodProgress(date(2026, 9, 1), date(2026, 9, 30), done=2, target=2, expected=2.0,
                       short=0, status=Status.DONE, closed=True),
        PeriodProgress(date(2026, 10, 1), date(2026, 10, 31), done=1, target=2, expected=2.0,
                       short=0, status=Status.SLIGHTLY_BEHIND, closed=True, owed=1),
    )


def test_a_monthly_quota_on_the_first_day_of_december() -> None:
    today = date(2026, 12, 1)
    progress = measure_one(STORY, TOTALS, today)
    # December's first day: nothing of the month is due yet.
    assert progress.current == PeriodProgress(
        date(2026, 12, 1), date(2026, 12, 31), done=0, target=2, expected=0.0, short=0,
        status=Status.ON_TRACK, closed=False)
    assert [(p.start, p.done, p.short, p.closed) for p in progress.past] == [
        (date(2026, 9, 1), 2, 0, True), (date(2026, 10, 1), 1, 0, True),
        (date(2026, 11, 1), 1, 2, True)]
    assert progress.past[2].status is Status.SLIGHTLY_BEHIND


@pytest.mark.parametrize(
    ("today", "current", "past"),
    [
        (date(2026, 8, 20), MONTHS[0], []),  # before the semester: its first month, not closed
        (date(2026, 9, 1), MONTHS[0], []),
        (date(2026, 9, 30), MONTHS[0], []),
        (date(2026, 10, 1), MONTHS[1], MONTHS[:1]),
        (date(2026, 10, 5), MONTHS[1], MONTHS[:1]),
        (date(2026, 11, 30), MONTHS[2], MONTHS[:2]),
        (date(2026, 12, 1), MONTHS[3], MONTHS[:3]),
        (date(2027, 1, 22), MONTHS[4], MONTHS[:4]),
        (date(2027, 1, 23), MONTHS[4], MONTHS[:4]),  # after the end: the last month, closed
        (date(2027, 3, 1), MONTHS[4], MONTHS[:4]),
    ],
)
def test_monthly_current_and_past(today: date, current: tuple[date, date],
                                  past: list[tuple[date, date]]) -> None:
    progress = measure_one(STORY, TOTALS, today)
    assert (progress.current.start, progress.current.end) == current
    assert progress.current.closed is (today > current[1])
    assert [(p.start, p.end) for p in progress.past] == past
    assert all(p.closed and p.expected == 2.0 for p in progress.past)


FIRST_SCHOOL_DAYS = pytest.mark.parametrize(
    ("quota", "today"),
    [(OBSERVE, date(2026, 9, 1)), (REFLECT, date(2026, 9, 1)), (STORY, date(2026, 12, 1)),
     (STORY, date(2026, 10, 8)), (OPEN, date(2026, 9, 1))],
    ids=["observation-0901", "reflection-0901", "story-1201", "story-1008", "open-0901"],
)


@FIRST_SCHOOL_DAYS
def test_nothing_is_behind_on_the_first_school_day(quota: QuotaSpec, today: date) -> None:
    progress = measure_one(quota, [], today)
    assert progress.current.expected == 0.0
    assert progress.current.status is Status.ON_TRACK


@FIRST_SCHOOL_DAYS
def test_a_fraction_of_a_piece_is_not_behind(quota: QuotaSpec, today: date) -> None:
    # The school day after the first, a fraction of a piece is due: whole numbers say 0,
    # so nobody is "behind, 0 due".
    following = today + timedelta(days=1)
    assert SCHOOL_DAYS(today, today) == 1
    progress = measure_one(quota, [], following)
    assert progress.current.expected == pytest.approx(
        quota.target / SCHOOL_DAYS(progress.current.start, progress.current.end))
    assert (progress.current.status, progress.current.owed) == (Status.ON_TRACK, 0)


@pytest.mark.parametrize("quota", [OPEN, QuotaSpec(kind="book_review", label="读书心得",
                                                   target=1, period=Period.MONTH)],
                         ids=["semester", "monthly"])
def test_a_single_missing_piece_is_behind_from_half_its_period(quota: QuotaSpec) -> None:
    seen = set()
    day = SEMESTER[0]
    while day <= SEMESTER[1]:
        current = measure_one(quota, [], day).current
        share = (passed_before(current.start, day)
                 / SCHOOL_DAYS(current.start, current.end))
        assert current.expected == pytest.approx(share)
        # Half a piece due is one whole piece: the whole target, far behind.
        want = Status.ON_TRACK if share < 0.5 else Status.FAR_BEHIND
        assert current.status is want, day
        seen.add(want)
        day += timedelta(days=1)
    assert seen == {Status.ON_TRACK, Status.FAR_BEHIND}
    # The semester's last day, and after the period: far behind.
    assert measure_one(quota, [], SEMESTER[1]).current.status is Status.FAR_BEHIND
    after = measure_one(quota, [], SEMESTER[1] + timedelta(days=1)).current
    assert (after.expected, after.status) == (1.0, Status.FAR_BEHIND)


def test_a_single_piece_turns_behind_after_the_middle_school_day() -> None:
    # 94 school days: by the start of the 47th, 46 have passed (< half); of the 48th, 47.
    days = [SEMESTER[0] + timedelta(days=n) for n in range((SEMESTER[1] - SEMESTER[0]).days)]
    school = [day for day in days if SCHOOL_DAYS(day, day)]
    assert len(school) == SEMESTER_DAYS - 1  # the range stops before the last day
    last_on_track, first_far = school[46], school[47]
    assert measure_one(OPEN, [], last_on_track).current.status is Status.ON_TRACK
    assert measure_one(OPEN, [], first_far).current.status is Status.FAR_BEHIND


def test_a_monthly_quota_before_the_semester() -> None:
    progress = measure_one(STORY, TOTALS, date(2026, 8, 20))
    assert progress.current == PeriodProgress(
        date(2026, 9, 1), date(2026, 9, 30), done=2, target=2, expected=0.0, short=0,
        status=Status.DONE, closed=False)


def test_a_monthly_quota_inside_the_national_day_week() -> None:
    progress = measure_one(STORY, [], date(2026, 10, 5))
    assert progress.current == PeriodProgress(
        date(2026, 10, 1), date(2026, 10, 31), done=0, target=2, expected=0.0, short=0,
        status=Status.ON_TRACK, closed=False)
    (september,) = progress.past
    assert (september.done, september.status) == (0, Status.FAR_BEHIND)


@pytest.mark.parametrize(
    ("today", "done", "status"),
    [
        (date(2026, 10, 14), 0, Status.ON_TRACK),  # a quarter of a piece due: not owed
        (date(2026, 10, 15), 1, Status.DONE),
        (date(2027, 1, 23), 2, Status.DONE),
    ],
)
def test_open_lessons_are_counted_in_the_period(today: date, done: int, status: Status) -> None:
    lessons = (date(2026, 8, 30), date(2026, 10, 15), date(2026, 12, 20), date(2027, 1, 23))
    given = tuple(day for day in lessons if day <= today)
    # Totals rows of kind open_lesson (there is no such form) are ignored: lessons count.
    progress = measure_one(OPEN, [row("open_lesson", 2026, 10, 5, 5)], today, given)
    assert (progress.current.done, progress.current.short) == (done, 0)
    assert progress.current.status is status


def test_open_lessons_count_once_given_in_the_period() -> None:
    lessons = (date(2026, 8, 30), date(2026, 9, 1), date(2026, 12, 20), date(2027, 1, 22),
               date(2027, 1, 23))
    # On 11-30 only the lesson of 09-01 has been given; registered ones count when given.
    assert measure_one(OPEN, [], date(2026, 11, 30), lessons).current.done == 1
    assert measure_one(OPEN, [], date(2026, 12, 20), lessons).current.done == 2
    assert measure_one(OPEN, [], date(2027, 1, 22), lessons).current.done == 3
    monthly = QuotaSpec(kind="open_lesson", label="研讨课", target=1, period=Period.MONTH)
    by_month = measure_one(monthly, [], date(2027, 1, 23), lessons)
    assert [p.done for p in (*by_month.past, by_month.current)] == [1, 0, 0, 1, 1]


@pytest.mark.parametrize(
    ("today", "month"),
    [(date(2026, 11, 30), 11), (date(2026, 12, 1), 12)],
)
def test_month_boundary_for_a_count(today: date, month: int) -> None:
    totals = [row("story", 2026, 11, 1, 1), row("story", 2026, 12, 2, 2)]
    progress = measure_one(STORY, totals, today)
    assert progress.current.start == date(2026, month, 1)
    assert progress.current.done == {11: 1, 12: 2}[month]


def test_measure_keeps_the_order_of_the_quotas() -> None:
    found = quotas.measure([STORY, OPEN, REFLECT], totals=TOTALS, lessons=(), semester=SEMESTER,
                           today=date(2026, 11, 30), school_days=SCHOOL_DAYS)
    assert [p.quota.label for p in found] == ["教育故事", "组内研讨课", "教学反思"]


def test_measure_of_the_example_quotas() -> None:
    found = quotas.measure(CONFIG.quotas, totals=TOTALS, lessons=(date(2026, 10, 15),),
                           semester=SEMESTER, today=date(2026, 11, 30), school_days=SCHOOL_DAYS)
    assert {(p.quota.label, p.current.done, p.current.target) for p in found} == {
        ("听课", 9, 30), ("听课（管理员）", 9, 12), ("教学反思", 8, 20),
        ("读书笔记", 4500, 7000), ("教育故事", 1, 2), ("读书心得", 0, 1), ("心得体会", 0, 1),
        ("教育教学论文", 0, 1), ("课标摘抄", 0, 5000), ("专题演讲", 0, 1),
        ("组内研讨课", 1, 1), ("教研活动出勤", 0, 0),
    }


@pytest.mark.parametrize("history", [False, True])
@pytest.mark.parametrize("today", [date(2026, 9, 1), date(2026, 10, 8), date(2026, 11, 30),
                                   date(2027, 1, 22), date(2027, 2, 10)])
@pytest.mark.parametrize("started_on", [None, date(2026, 10, 20)])
def test_measuring_many_with_shared_work_is_measuring_each_alone(
        today: date, history: bool, started_on: date | None) -> None:
    # measure_people measures a whole school with one Shared: each teacher's figures are
    # those measured alone.
    people = [TOTALS[:index] for index in range(len(TOTALS) + 1)]
    sessions = [(date(2026, 9, 9), True), (date(2026, 10, 14), False),
                (date(2026, 11, 25), True)]
    shared = quotas.Shared()

    def one(totals: list[TotalsRow], share: quotas.Shared | None) -> list[QuotaProgress]:
        return quotas.measure(CONFIG.quotas, totals=totals, lessons=(date(2026, 10, 15),),
                              semester=SEMESTER, today=today, school_days=SCHOOL_DAYS,
                              sessions=sessions, history=history, started_on=started_on,
                              shared=share)

    assert [one(totals, shared) for totals in people] == [one(totals, None)
                                                         for totals in people]
    assert shared.asks  # the periods' targets and pace were worked out once


# -- min_chars_by_kind --------------------------------------------------------------------


def test_min_chars_by_kind_of_the_example() -> None:
    assert quotas.min_chars_by_kind(CONFIG.quotas) == {"insight": 1500, "paper": 1500}


def test_min_chars_by_kind_picks_the_strictest() -> None:
    found = quotas.min_chars_by_kind([
        QuotaSpec(kind="insight", label="心得体会", target=1, min_chars=1500),
        QuotaSpec(kind="insight", label="心得体会（组长）", target=2, min_chars=2000),
        QuotaSpec(kind="insight", label="心得体会（其他）", target=1, min_chars=800),
        QuotaSpec(kind="paper", label="论文", target=1, min_chars=3000),
        QuotaSpec(kind="reflection", label="反思", target=20),
    ])
    assert found == {"insight": 2000, "paper": 3000}
    assert quotas.min_chars_by_kind([]) == {}


def test_one_day_steps_never_make_expected_go_down() -> None:
    day, last = date(2026, 8, 25), -1.0
    while day <= date(2027, 2, 5):
        due = quotas.expected(30, start=SEMESTER[0], end=SEMESTER[1], today=day,
                              school_days=SCHOOL_DAYS)
        assert last <= due <= 30
        last, day = due, day + timedelta(days=1)
    assert last == 30.0


ATTENDANCE = QuotaSpec(kind="attendance", label="教研活动出勤", target=100)
WEDNESDAYS = [(date(2026, 11, d), True) for d in (4, 11, 18)] + [(date(2026, 11, 25), False),
                                                                  (date(2026, 12, 2), False)]


@pytest.mark.parametrize(
    ("today", "done", "target", "status"),
    [
        # Three attended, one missed (11-25), one still to come (12-02): 3 of 5 required.
        (date(2026, 11, 26), 3, 5, quotas.Status.SLIGHTLY_BEHIND),
        (date(2026, 11, 20), 3, 5, quotas.Status.ON_TRACK),
        (date(2026, 12, 3), 3, 5, quotas.Status.FAR_BEHIND),
    ],
)
def test_attendance_is_a_share_of_the_sessions_that_took_place(
        today: date, done: int, target: int, status: quotas.Status) -> None:
    [item] = quotas.measure([ATTENDANCE], totals=[], lessons=[],
                            semester=(date(2026, 9, 1), date(2027, 1, 22)), today=today,
                            school_days=SCHOOL_DAYS, sessions=WEDNESDAYS)
    assert (item.current.done, item.current.target, item.current.status) == (done, target,
                                                                                status)


def test_attendance_with_no_sessions_is_on_track() -> None:
    [item] = quotas.measure([ATTENDANCE], totals=[], lessons=[],
                            semester=(date(2026, 9, 1), date(2027, 1, 22)),
                            today=date(2026, 11, 26), school_days=SCHOOL_DAYS, sessions=[])
    assert item.current.status is quotas.Status.ON_TRACK


# -- due dates and the school's first day with the bot ----------------------------------


INSIGHT = QuotaSpec(kind="insight", label="心得体会", target=1, min_chars=1500, due="end")


@pytest.mark.parametrize("today", [date(2026, 9, 2), date(2026, 12, 2), date(2027, 1, 22)])
def test_an_item_due_at_the_end_is_not_due_before(today: date) -> None:
    current = measure_one(INSIGHT, [], today).current
    assert (current.status, current.expected, current.owed, current.behind) == (
        Status.NOT_DUE, 0.0, 0, False)
    assert current.due == SEMESTER[1]


def test_an_item_due_at_the_end_is_behind_after_it() -> None:
    current = measure_one(INSIGHT, [], date(2027, 1, 23)).current
    assert (current.status, current.owed) == (Status.FAR_BEHIND, 1)
    done = measure_one(INSIGHT, [row("insight", 2026, 12, 1, 1)], date(2026, 12, 2)).current
    assert done.status is Status.DONE


def test_an_item_due_on_a_date() -> None:
    speech = QuotaSpec(kind="speech", label="专题演讲", target=1, due=date(2026, 12, 18))
    assert measure_one(speech, [], date(2026, 12, 18)).current.status is Status.NOT_DUE
    late = measure_one(speech, [], date(2026, 12, 19)).current
    assert (late.status, late.owed) == (Status.FAR_BEHIND, 1)


def test_the_config_example_keeps_term_end_items_not_due() -> None:
    found = quotas.measure(CONFIG.quotas, totals=[], lessons=(), semester=SEMESTER,
                           today=date(2026, 12, 2), school_days=SCHOOL_DAYS,
                           started_on=date(2026, 11, 30))
    words = {p.quota.label: p.current.status for p in found}
    assert words["心得体会"] is words["教育教学论文"] is Status.NOT_DUE
    assert not any(p.behind for p in found if p.quota.unit is Unit.COUNT and p.quota.target < 5)


def test_months_before_the_start_are_not_failures() -> None:
    started = date(2026, 11, 30)
    (story,) = quotas.measure([STORY], totals=[], lessons=(), semester=SEMESTER,
                              today=date(2026, 12, 2), school_days=SCHOOL_DAYS,
                              started_on=started)
    # September and October are not measured; of November (which holds the first day) one
    # school day of 19 was with the bot: 2 × 1/19 is no whole story, so no failure either.
    assert story.past == ()
    (story,) = quotas.measure([STORY], totals=[], lessons=(), semester=SEMESTER,
                              today=date(2026, 12, 2), school_days=SCHOOL_DAYS,
                              started_on=date(2026, 11, 16))
    # From 11-16, 11 of November's 19 school days: 2 × 11/19 = 1.2, that is one story.
    assert [(p.start, p.target, p.status) for p in story.past] == [
        (date(2026, 11, 1), 1, Status.FAR_BEHIND)]
    (story,) = quotas.measure([STORY], totals=[], lessons=(), semester=SEMESTER,
                              today=date(2026, 11, 30), school_days=SCHOOL_DAYS,
                              started_on=started)
    assert story.past == ()
    assert story.current.status is Status.ON_TRACK


def test_the_semester_pace_counts_from_the_first_day() -> None:
    started = date(2026, 11, 30)
    (reflect,) = quotas.measure([REFLECT], totals=[], lessons=(), semester=SEMESTER,
                                today=date(2026, 12, 7), school_days=SCHOOL_DAYS,
                                started_on=started)
    left = SCHOOL_DAYS(started, SEMESTER[1])
    assert reflect.current.expected == pytest.approx(20 * 5 / left)
    assert reflect.current.owed == round(20 * 5 / left)


def test_attendance_counts_from_the_first_day() -> None:
    attendance = QuotaSpec(kind="attendance", label="出勤", target=100)
    sessions = [(date(2026, 9, 2) + timedelta(days=7 * n), False) for n in range(13)] + [
        (date(2026, 12, 2), True), (date(2026, 12, 9), False)]
    (found,) = quotas.measure([attendance], totals=[], lessons=(), semester=SEMESTER,
                              today=date(2026, 12, 10), school_days=SCHOOL_DAYS,
                              sessions=sessions, started_on=date(2026, 11, 30))
    assert (found.current.done, found.current.target, found.current.owed) == (1, 2, 1)
