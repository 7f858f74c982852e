"""School calendar: which days are school days and when each 教研组 slot is actually held.

Order of truth for "is this a school day":

1. The school's own config: a ``MakeUpDay`` is always a school day; a ``DayOff`` range is
   never one (it wins over the national calendar).
2. Mainland China public holidays and 调休 working days from ``chinese_calendar``
   (a national 调休 working Saturday or Sunday is a school day).
3. For a year ``chinese_calendar`` has no data for yet (2027 on): the public holidays by
   law from ``holidays`` (python-holidays), with its 调休 working days once published;
   until then that year's 调休 is unknown (admins are told) and weekends are days off.

Nothing here reads the clock: every date is a parameter.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Self

import chinese_calendar
import holidays
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

__all__ = [
    "DayOff",
    "HolidayPolicy",
    "MakeUpDay",
    "Occurrence",
    "SchoolCalendar",
    "Slot",
    "postponement_notice",
]

# chinese_calendar's English holiday names -> what users read.
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
WEEKEND_REASON = "周末"
HOLIDAY_FALLBACK_REASON = "节假日"
NATIONAL_MAKE_UP_REASON = "调休"
WEEKDAY_ZH = ("一", "二", "三", "四", "五", "六", "日")  # index: ISO weekday - 1

_ONE_DAY = timedelta(days=1)


def _check_weekday(value: int) -> int:
    if not 1 <= value <= 7:
        raise ValueError(f"星期应为1（周一）到7（周日），而不是{value}")
    return value


class DayOff(BaseModel):
    """A range of the school's own days off (寒假, 运动会, 考试周 …), both ends inclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"「{self.name}」的结束日期{self.end}早于开始日期{self.start}")
        return self

    def contains(self, d: date) -> bool:
        """Return whether ``d`` falls inside this range."""
        return self.start <= d <= self.end


class MakeUpDay(BaseModel):
    """A school day the school declares (e.g. a 调休 Saturday), following a weekday's timetable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    acts_as: int
    name: str = "调休"

    @field_validator("acts_as")
    @classmethod
    def _acts_as_is_weekday(cls, value: int) -> int:
        return _check_weekday(value)


class HolidayPolicy(StrEnum):
    """What happens to a session whose planned day is not a school day."""

    NEXT_SCHOOL_DAY = "next_school_day"
    NEXT_SLOT = "next_slot"
    SKIP = "skip"


class Slot(BaseModel):
    """A 教研组's fixed weekly or every-n-weeks slot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: int
    start: time
    end: time
    every_weeks: int = 1
    first_date: date | None = None
    place: str
    periods: str = ""
    holiday_policy: HolidayPolicy = HolidayPolicy.NEXT_SCHOOL_DAY

    @field_validator("weekday")
    @classmethod
    def _weekday_is_weekday(cls, value: int) -> int:
        return _check_weekday(value)

    @field_validator("every_weeks")
    @classmethod
    def _every_weeks_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"every_weeks 至少为1（每周一次），而不是{value}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"教研结束时间{self.end:%H:%M}应晚于开始时间{self.start:%H:%M}")
        if self.first_date is not None and self.first_date.isoweekday() != self.weekday:
            actual = WEEKDAY_ZH[self.first_date.isoweekday() - 1]
            raise ValueError(
                f"first_date {self.first_date} 是周{actual}，"
                f"与 weekday（周{WEEKDAY_ZH[self.weekday - 1]}）不符"
            )
        return self


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One regular date of a slot and what actually happens to it."""

    planned: date
    held_on: date | None
    reason: str | None
    policy: HolidayPolicy

    @property
    def moved(self) -> bool:
        """Return whether the session is held, but not on its planned date."""
        return self.held_on is not None and self.held_on != self.planned


@lru_cache(maxsize=8192)
def _national(d: date) -> tuple[bool, str | None] | None:
    """Return ``(is_workday, holiday_name)`` from chinese_calendar, else from the law's
    public holidays (python-holidays); None if neither knows the year."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return _by_law(d)
    return (not is_holiday, name)


@lru_cache(maxsize=64)
def _law_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """The law's public holidays of ``year`` (Chinese names) and its published 调休 days."""
    found = holidays.country_holidays("CN", years=year, language="zh_CN")
    workdays = frozenset(d for d in getattr(found, "weekend_workdays", ()) if d.year == year)
    return {d: str(name) for d, name in found.items()}, workdays


def _by_law(d: date) -> tuple[bool, str | None] | None:
    named, workdays = _law_year(d.year)
    if not named:
        return None
    if d in named:
        return (False, named[d].split("（")[0])
    return (d.isoweekday() < 6 or d in workdays, None)


@lru_cache(maxsize=64)
def _year_known(year: int) -> bool:
    """Whether the year's 调休 is known (chinese_calendar, or published in python-holidays)."""
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        return bool(_law_year(year)[1])
    return True


def _days(start: date, end: date) -> Iterator[date]:
    d = start
    while d <= end:
        yield d
        d += _ONE_DAY


class SchoolCalendar:
    """The school's calendar: national holidays plus the school's own days off and make-up days."""

    __slots__ = ("_counts", "_days_off", "_make_up")

    _days_off: tuple[DayOff, ...]
    _make_up: dict[date, MakeUpDay]
    # Per year: how many school days precede each day of the year (index 0 = 1 January),
    # plus the year's total. Filled on first use; the calendar never changes.
    _counts: dict[int, list[int]]

    def __init__(
        self, *, days_off: Sequence[DayOff] = (), make_up_days: Sequence[MakeUpDay] = ()
    ) -> None:
        """Build the calendar; two make-up days on one date are a config error."""
        make_up: dict[date, MakeUpDay] = {}
        for m in make_up_days:
            if m.date in make_up:
                raise ValueError(f"调休日 {m.date} 重复配置")
            make_up[m.date] = m
        object.__setattr__(self, "_days_off", tuple(days_off))
        object.__setattr__(self, "_make_up", make_up)
        object.__setattr__(self, "_counts", {})

    def __setattr__(self, name: str, value: object) -> None:
        """Refuse changes: the calendar is immutable after construction."""
        raise AttributeError(f"SchoolCalendar is immutable; cannot set {name!r}")

    def day_off_reason(self, d: date) -> str | None:
        """Return why ``d`` is not a school day (e.g. "国庆节", "寒假", "周末"), or None."""
        if d in self._make_up:
            return None
        for off in self._days_off:
            if off.contains(d):
                return off.name
        national = _national(d)
        if national is None:
            return WEEKEND_REASON if d.isoweekday() >= 6 else None
        is_workday, name = national
        if is_workday:
            return None
        if name is None:
            return WEEKEND_REASON
        if not name.isascii():  # already Chinese (from the law's holidays)
            return name
        return HOLIDAY_NAMES_ZH.get(name, HOLIDAY_FALLBACK_REASON)

    def is_school_day(self, d: date) -> bool:
        """Return whether ``d`` is a school day."""
        return self.day_off_reason(d) is None

    def acts_as_weekday(self, d: date) -> int | None:
        """Return the ISO weekday whose timetable ``d`` follows, or None if none applies."""
        make_up = self._make_up.get(d)
        if make_up is not None:
            return make_up.acts_as
        if not self.is_school_day(d) or d.isoweekday() >= 6:
            # Days off, and national 调休 weekend days the school has not configured.
            return None
        return d.isoweekday()

    def school_days(self, start: date, end: date) -> int:
        """Return the number of school days in ``[start, end]`` inclusive.

        Quotas ask this for every teacher and period, so each year is walked once.
        """
        total = 0
        for year in range(start.year, end.year + 1):
            counts = self._year_counts(year)
            first = start.timetuple().tm_yday - 1 if year == start.year else 0
            last = end.timetuple().tm_yday if year == end.year else len(counts) - 1
            total += counts[last] - counts[first] if last > first else 0
        return total

    def _year_counts(self, year: int) -> list[int]:
        counts = self._counts.get(year)
        if counts is None:
            counts = [0]
            for d in _days(date(year, 1, 1), date(year, 12, 31)):
                counts.append(counts[-1] + self.is_school_day(d))
            self._counts[year] = counts
        return counts

    def unknown_years(self, start: date, end: date) -> set[int]:
        """Return the years in ``[start, end]`` whose 调休 working days are not known yet
        (their public holidays come from the law)."""
        return {y for y in range(start.year, end.year + 1) if not _year_known(y)}

    def occurrences(self, slot: Slot, *, start: date, end: date) -> list[Occurrence]:
        """Return one Occurrence per regular date of ``slot`` in ``[start, end]``, in order."""
        return [self._resolve(slot, d, start, end) for d in _slot_dates(slot, start, end)]

    def _blocked_reason(self, d: date, weekday: int) -> str | None:
        """Return why ``weekday``'s timetable does not run on ``d``, or None if it does."""
        reason = self.day_off_reason(d)
        if reason is not None:
            return reason
        if self.acts_as_weekday(d) == weekday:
            return None
        make_up = self._make_up.get(d)
        return make_up.name if make_up is not None else NATIONAL_MAKE_UP_REASON

    def _resolve(self, slot: Slot, planned: date, start: date, end: date) -> Occurrence:
        reason = self._blocked_reason(planned, slot.weekday)
        if reason is None:
            return Occurrence(planned, planned, None, slot.holiday_policy)
        monday = planned - timedelta(days=planned.isoweekday() - 1)
        week = list(_days(max(monday, start), min(monday + 6 * _ONE_DAY, end)))
        # A make-up day the school set to follow this weekday's timetable hosts the session,
        # whatever the policy: the timetable itself says so.
        for d in week:
            make_up = self._make_up.get(d)
            if d != planned and make_up is not None and make_up.acts_as == slot.weekday:
                return Occurrence(planned, d, reason, slot.holiday_policy)
        if slot.holiday_policy is HolidayPolicy.NEXT_SCHOOL_DAY:
            for d in week:
                if d > planned and self.is_school_day(d):
                    return Occurrence(planned, d, reason, slot.holiday_policy)
        return Occurrence(planned, None, reason, slot.holiday_policy)


def _slot_dates(slot: Slot, start: date, end: date) -> Iterator[date]:
    """Yield the slot's regular dates in ``[start, end]``, honouring every_weeks and first_date."""
    # Without first_date the anchor is the first matching weekday on or after ``start``, so
    # callers of every_weeks > 1 slots should pass the semester start (or set first_date).
    first = start + timedelta(days=(slot.weekday - start.isoweekday()) % 7)
    if slot.first_date is not None:
        # Step forward from the anchor to the first occurrence not before ``start``.
        period = 7 * slot.every_weeks
        behind = max(0, (first - slot.first_date).days)
        first = slot.first_date + timedelta(days=-(-behind // period) * period)
    step = timedelta(weeks=slot.every_weeks)
    d = first
    while d <= end:
        yield d
        d += step


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def postponement_notice(
    group_name: str, occ: Occurrence, slot: Slot, *, next_held: date | None = None
) -> str | None:
    """Return the one line a group is told about a moved or cancelled session, or None."""
    if occ.held_on == occ.planned:
        return None
    head = (
        f"本周{WEEKDAY_ZH[occ.planned.isoweekday() - 1]}（{_md(occ.planned)}）"
        f"{group_name}教研因{occ.reason or HOLIDAY_FALLBACK_REASON}"
    )
    if occ.held_on is not None:
        weekday = WEEKDAY_ZH[occ.held_on.isoweekday() - 1]
        return f"{head}顺延至{_md(occ.held_on)}（周{weekday}）{slot.start:%H:%M}，地点不变。"
    if occ.policy is HolidayPolicy.NEXT_SLOT:
        later = f"（{_md(next_held)}）" if next_held is not None else ""
        return f"{head}暂停，专题顺延至下次教研{later}。"
    return f"{head}取消。"
