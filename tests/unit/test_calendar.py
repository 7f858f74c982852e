from dataclasses import FrozenInstanceError
from datetime import date, time, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from scheduler.calendar import (
    DayOff,
    HolidayPolicy,
    MakeUpDay,
    Occurrence,
    SchoolCalendar,
    Slot,
    postponement_notice,
)

D = date.fromisoformat

NEXT_DAY = HolidayPolicy.NEXT_SCHOOL_DAY
NEXT_SLOT = HolidayPolicy.NEXT_SLOT
SKIP = HolidayPolicy.SKIP

SPORTS_DAY = DayOff(name="运动会", start=D("2026-11-05"), end=D("2026-11-06"))
WINTER_2027 = DayOff(name="寒假", start=D("2027-01-23"), end=D("2027-02-20"))
WINTER_2026 = DayOff(name="寒假", start=D("2026-01-24"), end=D("2026-02-28"))


def plain() -> SchoolCalendar:
    return SchoolCalendar()


def school() -> SchoolCalendar:
    return SchoolCalendar(days_off=[SPORTS_DAY, WINTER_2027, WINTER_2026])


def slot(weekday: int = 3, policy: HolidayPolicy = NEXT_DAY, **kw: object) -> Slot:
    return Slot.model_validate(
        {
            "weekday": weekday,
            "start": time(14, 50),
            "end": time(16, 20),
            "place": "三楼会议室",
            "holiday_policy": policy,
            **kw,
        }
    )


# --- the national calendar as the library reports it (guards our expectations) ---------


@pytest.mark.parametrize(
    ("day", "workday", "name"),
    [
        ("2026-09-20", True, "National Day"),  # 调休 Sunday
        ("2026-09-25", False, "Mid-autumn Festival"),
        ("2026-09-30", True, None),
        ("2026-10-01", False, "National Day"),
        ("2026-10-07", False, "National Day"),
        ("2026-10-08", True, None),
        ("2026-10-09", True, None),
        ("2026-10-10", True, "National Day"),  # 调休 Saturday
        ("2026-05-05", False, "Labour Day"),
        ("2026-05-09", True, "Labour Day"),  # 调休 Saturday
        ("2026-01-01", False, "New Year's Day"),
        ("2026-01-04", True, "New Year's Day"),  # 调休 Sunday
    ],
)
def test_library_data_matches_assumptions(day: str, workday: bool, name: str | None) -> None:
    assert chinese_calendar.is_workday(D(day)) is workday
    assert chinese_calendar.get_holiday_detail(D(day))[1] == name


# --- day_off_reason / is_school_day / acts_as_weekday ----------------------------------


@pytest.mark.parametrize(
    ("day", "reason", "acts_as"),
    [
        # 国庆 + 中秋 2026 (中秋 is 09-25..27 in the library, not inside 国庆)
        ("2026-09-18", None, 5),
        ("2026-09-19", "周末", None),
        ("2026-09-20", None, None),  # national 调休 Sunday: school day, no timetable
        ("2026-09-25", "中秋节", None),
        ("2026-09-27", "中秋节", None),
        ("2026-09-30", None, 3),
        ("2026-10-01", "国庆节", None),
        ("2026-10-04", "国庆节", None),
        ("2026-10-07", "国庆节", None),
        ("2026-10-08", None, 4),
        ("2026-10-09", None, 5),
        ("2026-10-10", None, None),  # national 调休 Saturday
        ("2026-10-11", "周末", None),
        # 劳动节 2026
        ("2026-05-01", "劳动节", None),
        ("2026-05-05", "劳动节", None),
        ("2026-05-06", None, 3),
        ("2026-05-09", None, None),
        ("2026-05-10", "周末", None),
        # 元旦, 春节, 清明, 端午 2026
        ("2026-01-01", "元旦", None),
        ("2026-01-02", "元旦", None),
        ("2026-01-04", None, None),
        ("2026-02-16", "春节", None),
        ("2026-04-06", "清明节", None),
        ("2026-06-19", "端午节", None),
        # a year the library does not know: Monday-Friday
        ("2027-03-03", None, 3),
        ("2027-03-06", "周末", None),
        ("2027-03-07", "周末", None),
        ("2003-03-05", None, 3),
    ],
)
def test_national_calendar(day: str, reason: str | None, acts_as: int | None) -> None:
    cal = plain()
    assert cal.day_off_reason(D(day)) == reason
    assert cal.is_school_day(D(day)) is (reason is None)
    assert cal.acts_as_weekday(D(day)) == acts_as


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-11-04", None),
        ("2026-11-05", "运动会"),  # a Thursday
        ("2026-11-06", "运动会"),
        ("2026-11-09", None),
        ("2027-01-22", None),
        ("2027-01-25", "寒假"),  # unknown year, Monday
        ("2027-02-20", "寒假"),
        ("2027-02-22", None),
        ("2026-02-14", "寒假"),  # a national 调休 Saturday, but inside the school's 寒假
        ("2026-02-17", "寒假"),  # 春节 inside 寒假: the school's name wins
    ],
)
def test_school_day_off_overrides(day: str, reason: str | None) -> None:
    cal = school()
    assert cal.day_off_reason(D(day)) == reason
    assert cal.is_school_day(D(day)) is (reason is None)


@pytest.mark.parametrize(
    ("make_up", "day", "acts_as"),
    [
        (MakeUpDay(date=D("2026-10-10"), acts_as=3), "2026-10-10", 3),  # 调休 Saturday
        (MakeUpDay(date=D("2026-10-11"), acts_as=3), "2026-10-11", 3),  # ordinary Sunday
        (MakeUpDay(date=D("2026-10-07"), acts_as=3), "2026-10-07", 3),  # beats 国庆节
        (MakeUpDay(date=D("2026-11-05"), acts_as=3), "2026-11-05", 3),  # beats 运动会
        (MakeUpDay(date=D("2027-03-06"), acts_as=3), "2027-03-06", 3),  # unknown year
        (MakeUpDay(date=D("2026-09-30"), acts_as=5), "2026-09-30", 5),  # Wednesday as Friday
    ],
)
def test_make_up_day_wins(make_up: MakeUpDay, day: str, acts_as: int) -> None:
    cal = SchoolCalendar(days_off=[SPORTS_DAY], make_up_days=[make_up])
    assert cal.is_school_day(D(day))
    assert cal.day_off_reason(D(day)) is None
    assert cal.acts_as_weekday(D(day)) == acts_as


def test_unknown_year_never_raises_and_is_reported() -> None:
    cal = plain()
    assert cal.is_school_day(D("2027-03-03"))
    assert cal.unknown_years(D("2026-09-01"), D("2027-07-15")) == {2027}
    assert cal.unknown_years(D("2026-01-01"), D("2026-12-31")) == set()
    assert cal.unknown_years(D("2026-12-01"), D("2028-01-31")) == {2027, 2028}


@pytest.mark.parametrize(
    ("cal", "start", "end", "count"),
    [
        (plain(), "2026-10-01", "2026-10-31", 18),  # 国庆 week, 10-10 调休 Saturday
        (plain(), "2026-09-01", "2026-09-30", 22),  # 中秋 09-25 off, 09-20 调休 Sunday
        (plain(), "2026-05-01", "2026-05-31", 19),  # 劳动节, 05-09 调休 Saturday
        (plain(), "2026-11-01", "2026-11-30", 21),
        (school(), "2026-11-01", "2026-11-30", 19),  # minus 运动会
        (plain(), "2027-03-01", "2027-03-31", 23),  # 调休 unknown: weekdays
        (school(), "2027-01-01", "2027-02-28", 20),  # 寒假 01-23..02-20; 元旦 01-01 by law
        (plain(), "2026-10-08", "2026-10-08", 1),
        (plain(), "2026-10-09", "2026-10-08", 0),  # empty range
    ],
)
def test_school_days(cal: SchoolCalendar, start: str, end: str, count: int) -> None:
    assert cal.school_days(D(start), D(end)) == count


def test_school_days_agrees_with_library_for_known_year() -> None:
    days = chinese_calendar.get_workdays(D("2026-01-01"), D("2026-12-31"))
    assert plain().school_days(D("2026-01-01"), D("2026-12-31")) == len(days)


@given(start=st.dates(D("2025-06-01"), D("2028-06-30")), length=st.integers(-3, 800))
def test_school_days_counts_every_day_once(start: date, length: int) -> None:
    make_up = MakeUpDay(date=D("2026-10-10"), acts_as=5, name="运动会补课")
    cal = SchoolCalendar(days_off=[SPORTS_DAY, WINTER_2027, WINTER_2026], make_up_days=[make_up])
    end = start + timedelta(days=length)
    walked = sum(cal.is_school_day(start + timedelta(days=n)) for n in range(length + 1))
    assert cal.school_days(start, end) == walked


# --- occurrences ------------------------------------------------------------------------


def held(
    cal: SchoolCalendar, s: Slot, start: str, end: str
) -> list[tuple[str, str | None, str | None]]:
    return [
        (o.planned.isoformat(), o.held_on and o.held_on.isoformat(), o.reason)
        for o in cal.occurrences(s, start=D(start), end=D(end))
    ]


@pytest.mark.parametrize(
    ("policy", "expected_held"),
    [
        (NEXT_DAY, "2026-10-08"),
        (NEXT_SLOT, None),
        (SKIP, None),
    ],
)
def test_wednesday_policies_in_national_day_week(
    policy: HolidayPolicy, expected_held: str | None
) -> None:
    result = held(plain(), slot(3, policy), "2026-09-21", "2026-10-18")
    assert result == [
        ("2026-09-23", "2026-09-23", None),
        ("2026-09-30", "2026-09-30", None),
        ("2026-10-07", expected_held, "国庆节"),
        ("2026-10-14", "2026-10-14", None),
    ]


@pytest.mark.parametrize(
    ("weekday", "start", "end", "expected"),
    [
        # 国庆: Thursday 10-01, nothing left that week -> skipped
        (4, "2026-10-01", "2026-10-01", [("2026-10-01", None, "国庆节")]),
        # Monday 10-05 -> Thursday 10-08
        (1, "2026-10-05", "2026-10-11", [("2026-10-05", "2026-10-08", "国庆节")]),
        # Wednesday 10-07 but the range ends that day: cannot move beyond ``end``
        (3, "2026-10-05", "2026-10-07", [("2026-10-07", None, "国庆节")]),
        # 中秋: Friday 09-25, only the weekend remains -> skipped
        (5, "2026-09-21", "2026-09-27", [("2026-09-25", None, "中秋节")]),
        # 劳动节: Tuesday 05-05 -> Wednesday 05-06; Friday 05-01 -> skipped
        (2, "2026-05-04", "2026-05-10", [("2026-05-05", "2026-05-06", "劳动节")]),
        (
            5,
            "2026-04-27",
            "2026-05-10",
            [("2026-05-01", None, "劳动节"), ("2026-05-08", "2026-05-08", None)],
        ),
        # 元旦: Thursday 01-01 -> the national 调休 Sunday 01-04 (same ISO week)
        (4, "2026-01-01", "2026-01-04", [("2026-01-01", "2026-01-04", "元旦")]),
        # Monday after 调休 weekend is a normal day
        (1, "2026-10-12", "2026-10-12", [("2026-10-12", "2026-10-12", None)]),
        # unknown year: a plain Wednesday
        (3, "2027-03-01", "2027-03-07", [("2027-03-03", "2027-03-03", None)]),
    ],
)
def test_next_school_day_policy(
    weekday: int, start: str, end: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    assert held(plain(), slot(weekday), start, end) == expected


def test_school_day_off_moves_a_session() -> None:
    result = held(school(), slot(4), "2026-11-02", "2026-11-15")
    assert result == [
        ("2026-11-05", None, "运动会"),  # Friday 11-06 is 运动会 too; weekend is off
        ("2026-11-12", "2026-11-12", None),
    ]
    result = held(school(), slot(3, SKIP), "2027-01-18", "2027-03-07")
    assert [r[0] for r in result if r[1] is None] == [
        "2027-01-27",
        "2027-02-03",
        "2027-02-10",
        "2027-02-17",
    ]
    assert {r[2] for r in result if r[1] is None} == {"寒假"}


@pytest.mark.parametrize("policy", [NEXT_DAY, NEXT_SLOT, SKIP])
def test_make_up_day_acting_as_wednesday_hosts_the_session(policy: HolidayPolicy) -> None:
    cal = SchoolCalendar(make_up_days=[MakeUpDay(date=D("2026-10-10"), acts_as=3)])
    assert held(cal, slot(3, policy), "2026-10-05", "2026-10-11") == [
        ("2026-10-07", "2026-10-10", "国庆节"),
    ]


def test_make_up_day_following_another_weekday_displaces_the_slot() -> None:
    make_up = MakeUpDay(date=D("2026-09-30"), acts_as=5, name="按周五课表")
    cal = SchoolCalendar(make_up_days=[make_up])
    assert held(cal, slot(3), "2026-09-28", "2026-10-04") == [
        ("2026-09-30", None, "按周五课表"),  # Thu-Sun that week are all 国庆节
    ]
    assert held(cal, slot(5), "2026-09-28", "2026-10-04") == [
        ("2026-10-02", "2026-09-30", "国庆节"),
    ]


@pytest.mark.parametrize(
    ("first_date", "start", "end", "planned"),
    [
        ("2026-09-09", "2026-09-01", "2026-10-31", "09-09 09-23 10-07 10-21"),
        (None, "2026-09-01", "2026-10-31", "09-02 09-16 09-30 10-14 10-28"),  # anchor: start
        ("2026-09-02", "2026-10-01", "2026-10-31", "10-14 10-28"),
        ("2026-09-02", "2026-09-30", "2026-10-14", "09-30 10-14"),
        ("2026-10-28", "2026-09-01", "2026-11-30", "10-28 11-11 11-25"),  # none before anchor
    ],
)
def test_fortnightly_slot_dates(
    first_date: str | None, start: str, end: str, planned: str
) -> None:
    s = slot(3, every_weeks=2, first_date=first_date)
    occs = plain().occurrences(s, start=D(start), end=D(end))
    assert [f"{o.planned:%m-%d}" for o in occs] == planned.split()


def test_fortnightly_slot_moves_in_holiday_week() -> None:
    s = slot(3, every_weeks=2, first_date="2026-09-09")
    assert held(plain(), s, "2026-09-01", "2026-10-31") == [
        ("2026-09-09", "2026-09-09", None),
        ("2026-09-23", "2026-09-23", None),
        ("2026-10-07", "2026-10-08", "国庆节"),
        ("2026-10-21", "2026-10-21", None),
    ]


def test_weekly_slot_over_a_range() -> None:
    occs = plain().occurrences(slot(2), start=D("2026-09-28"), end=D("2026-10-31"))
    assert [o.planned.day for o in occs] == [29, 6, 13, 20, 27]
    assert [o.moved for o in occs] == [False, True, False, False, False]
    assert occs[1].held_on == D("2026-10-08")


@pytest.mark.parametrize(
    ("occ", "moved"),
    [
        (Occurrence(D("2026-10-07"), D("2026-10-08"), "国庆节", NEXT_DAY), True),
        (Occurrence(D("2026-10-07"), None, "国庆节", SKIP), False),
        (Occurrence(D("2026-10-14"), D("2026-10-14"), None, NEXT_SLOT), False),
    ],
)
def test_occurrence_moved(occ: Occurrence, moved: bool) -> None:
    assert occ.moved is moved


# --- notices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "occ", "s", "next_held", "notice"),
    [
        (
            "语文组",
            Occurrence(D("2026-10-07"), D("2026-10-08"), "国庆节", NEXT_DAY),
            slot(3),
            None,
            "本周三（10月7日）语文组教研因国庆节顺延至10月8日（周四）14:50，地点不变。",
        ),
        (
            "语文组",
            Occurrence(D("2026-10-07"), None, "国庆节", NEXT_SLOT),
            slot(3, NEXT_SLOT),
            D("2026-10-14"),
            "本周三（10月7日）语文组教研因国庆节暂停，专题顺延至下次教研（10月14日）。",
        ),
        (
            "语文组",
            Occurrence(D("2026-10-07"), None, "国庆节", NEXT_SLOT),
            slot(3, NEXT_SLOT),
            None,
            "本周三（10月7日）语文组教研因国庆节暂停，专题顺延至下次教研。",
        ),
        (
            "数学组",
            Occurrence(D("2026-11-05"), None, "运动会", SKIP),
            slot(4, SKIP),
            None,
            "本周四（11月5日）数学组教研因运动会取消。",
        ),
        (
            "英语组",
            Occurrence(D("2026-10-01"), None, "国庆节", NEXT_DAY),
            slot(4),
            None,
            "本周四（10月1日）英语组教研因国庆节取消。",
        ),
        (
            "科学组",
            Occurrence(D("2026-01-01"), D("2026-01-04"), "元旦", NEXT_DAY),
            slot(4, start=time(9, 5), end=time(10, 0)),
            None,
            "本周四（1月1日）科学组教研因元旦顺延至1月4日（周日）09:05，地点不变。",
        ),
        (
            "语文组",
            Occurrence(D("2026-10-14"), D("2026-10-14"), None, NEXT_SLOT),
            slot(3),
            None,
            None,
        ),
    ],
)
def test_postponement_notice(
    group: str, occ: Occurrence, s: Slot, next_held: date | None, notice: str | None
) -> None:
    assert postponement_notice(group, occ, s, next_held=next_held) == notice


def test_notice_from_computed_occurrences() -> None:
    s = slot(3, NEXT_SLOT)
    occs = plain().occurrences(s, start=D("2026-10-05"), end=D("2026-10-18"))
    following = next(o.held_on for o in occs if o.planned > occs[0].planned and o.held_on)
    assert postponement_notice("语文组", occs[0], s, next_held=following) == (
        "本周三（10月7日）语文组教研因国庆节暂停，专题顺延至下次教研（10月14日）。"
    )


# --- config models ------------------------------------------------------------------------

SLOT_TOML: dict[str, object] = {"weekday": 3, "start": "14:50", "end": "16:20", "place": "x"}


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (DayOff, {"name": "运动会", "start": "2026-11-06", "end": "2026-11-05"}, "早于开始日期"),
        (DayOff, {"name": "x", "start": "2026-11-05", "end": "2026-11-06", "extra": 1}, "extra"),
        (MakeUpDay, {"date": "2026-10-10", "acts_as": 0}, "星期应为1"),
        (MakeUpDay, {"date": "2026-10-10", "acts_as": 8}, "星期应为1"),
        (Slot, {**SLOT_TOML, "end": "14:50"}, "应晚于开始时间"),
        (Slot, {**SLOT_TOML, "weekday": 0}, "星期应为1"),
        (Slot, {**SLOT_TOML, "every_weeks": 0}, "至少为1"),
        (Slot, {**SLOT_TOML, "first_date": "2026-09-10"}, "不符"),
        (Slot, {**SLOT_TOML, "holiday_policy": "later"}, "holiday_policy"),
        (Slot, {**SLOT_TOML, "room": "x"}, "room"),
    ],
)
def test_config_validation(
    model: type[Slot | DayOff | MakeUpDay], data: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        model.model_validate(data)


def test_config_models_parse_toml_values_and_are_frozen() -> None:
    s = Slot.model_validate(
        {
            "weekday": 3,
            "start": time(14, 50),
            "end": time(16, 20),
            "place": "三楼会议室",
            "periods": "第七、八节",
            "holiday_policy": "next_slot",
        }
    )
    assert s.holiday_policy is NEXT_SLOT
    assert s.every_weeks == 1
    assert s.first_date is None
    with pytest.raises(ValidationError):
        s.weekday = 4  # type: ignore[misc]
    assert MakeUpDay(date=D("2026-10-10"), acts_as=3).name == "调休"
    occ = Occurrence(D("2026-10-07"), None, "国庆节", SKIP)
    with pytest.raises(FrozenInstanceError):
        occ.reason = "x"  # type: ignore[misc]


def test_calendar_is_immutable_and_rejects_duplicate_make_up_days() -> None:
    cal = plain()
    with pytest.raises(AttributeError):
        cal._days_off = ()  # type: ignore[misc]
    with pytest.raises(ValueError, match="重复"):
        SchoolCalendar(
            make_up_days=[
                MakeUpDay(date=D("2026-10-10"), acts_as=3),
                MakeUpDay(date=D("2026-10-10"), acts_as=4),
            ]
        )


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2027-01-01", "元旦"),  # a Friday chinese-calendar does not know
        ("2027-02-09", "春节"),
        ("2027-04-05", "清明节"),
        ("2027-05-03", "劳动节"),
        ("2027-03-06", "周末"),
        ("2027-03-03", None),
    ],
)
def test_years_chinese_calendar_lacks_have_the_laws_holidays(day: str, reason: str | None,
                                                              ) -> None:
    assert plain().day_off_reason(D(day)) == reason
