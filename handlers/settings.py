"""The school's own settings, as validated from the config file.

Every number of the school's 制度 (quotas, reminder times, quiet hours) is a setting with a
default here, never a constant in code. The models forbid unknown keys so that a typo in
the config file is an error naming the key, not a silently ignored line.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from handlers.forms.catalog import FormCatalog
from handlers.forms.spec import FieldPatch, FormSpec
from handlers.term_settings import (
    AppraisalSpec,
    CreditsSpec,
    OutingsSpec,
    PlansSpec,
    known_roles,
)
from scheduler.calendar import DayOff, MakeUpDay, SchoolCalendar, Slot


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchoolSpec(_Spec):
    """The school this deployment serves."""

    name: str = Field(min_length=1, max_length=100)
    timezone: str = "Asia/Shanghai"
    # The day the school started using the bot: pace and attendance count from it, nothing
    # before it is a failure. Empty: the day the roster was first imported.
    started_on: date | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"未知的时区 {value!r}，例如 Asia/Shanghai") from exc
        return value


class GroupSpec(_Spec):
    """A 教研组 and its fixed weekly (or fortnightly) slot."""

    name: str = Field(min_length=1, max_length=40)
    slot: Slot


class SemesterSpec(_Spec):
    """A semester with its 研修主题."""

    name: str = Field(min_length=1, max_length=60)
    start: date
    end: date
    theme: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> SemesterSpec:
        if self.end <= self.start:
            raise ValueError("学期结束日期必须晚于开始日期")
        return self


class Unit(StrEnum):
    """What a quota counts."""

    COUNT = "count"
    CHARS = "chars"


class Period(StrEnum):
    """Over what time a quota's target applies."""

    SEMESTER = "semester"
    MONTH = "month"


class QuotaSpec(_Spec):
    """A target for one kind of record, e.g. 听课 ≥ 30 per semester."""

    kind: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=40)
    target: int = Field(gt=0)
    unit: Unit = Unit.COUNT
    period: Period = Period.SEMESTER
    min_chars: int | None = Field(default=None, gt=0)
    # When the item is due: a date, or "end" (the end of each period). Before it the item
    # is 未到期, never behind, and nudges leave it out. Empty: paced over the period.
    due: date | Literal["end"] | None = None
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    _known_roles = field_validator("roles")(known_roles)


class QuietHours(_Spec):
    """No private message is sent between ``start`` and ``end`` (crossing midnight)."""

    start: time = time(21, 30)
    end: time = time(7, 0)


class RemindersSpec(_Spec):
    """When session reminders go out."""

    day_before_at: time = time(17, 0)
    before_start_minutes: int = Field(default=30, ge=0, le=24 * 60)
    checkin_window_minutes: int = Field(default=30, ge=5, le=240)
    # 签到 this long after the start is recorded as 迟到 (with the time); None: not shown.
    late_after_minutes: int | None = Field(default=None, ge=0, le=240)
    ask_minutes: bool = True
    quiet_hours: QuietHours = QuietHours()


class LessonsSpec(_Spec):
    """公开课: when booking closes, when the booked are reminded, how long a lesson is."""

    booking_closes_hours_before: int = Field(default=12, ge=0, le=24 * 14)
    remind_minutes_before: int = Field(default=60, ge=0, le=24 * 60)
    lesson_minutes: int = Field(default=40, ge=10, le=180)
    # Issue 17: this school's teachers see and book the other schools' 公开课 of the
    # district (off: each school's 公开课 are its own).
    cross_school_booking: bool = False


class ReviewSpec(_Spec):
    """检查: whether records not yet checked count toward quotas (returned ones never do);
    the monthly check round; copy detection; the 优秀 booklet in the archive."""

    count_unreviewed: bool = True
    # The day of each month on which 教导处 and each 教研组长 get what is due for review
    # (this month's records by teacher, with how many are still unchecked); 0: no rounds.
    round_day: int = Field(default=0, ge=0, le=28)
    round_at: time = time(8, 0)
    # Copy detection: a record whose text closely matches another record of the school
    # (another teacher's, or from an earlier semester) is flagged for the reviewer.
    copy_check: bool = True
    copy_threshold: float = Field(default=0.15, gt=0, le=1)  # MinHash Jaccard, 3-grams
    copy_min_chars: int = Field(default=60, ge=10, le=10_000)  # shorter texts: not compared
    # 优秀反思与案例汇编.docx in the archive (the 优秀 pieces of the term).
    booklet: bool = True


class DigestSpec(_Spec):
    """The weekly digest posted in each linked group chat."""

    enabled: bool = True
    weekday: int = Field(default=1, ge=1, le=7)
    at: time = time(7, 40)
    # By default the group sees totals only; the 教研组长 gets the names privately.
    names_in_group: bool = False


class NudgesSpec(_Spec):
    """The weekly private nudge to teachers behind pace."""

    enabled: bool = True
    weekday: int = Field(default=3, ge=1, le=5)
    at: time = time(16, 30)
    mandatory: bool = False
    # Days before a month or the semester closes on which those with quotas still open
    # are reminded (0: never), and 教导处 gets the month's summary on its last day.
    before_close_days: int = Field(default=3, ge=0, le=15)
    # No nudge (nor period-end reminder) in the first days after someone binds.
    after_binding_days: int = Field(default=7, ge=0, le=60)


class ChartsSpec(_Spec):
    """Charts: a CJK font file (empty: look for Debian's fonts-wqy-microhei / noto-cjk)."""

    font_path: str = ""


class BindingSpec(_Spec):
    """Limits on binding a chat account to the roster."""

    wrong_codes_per_hour: int = Field(default=5, ge=1, le=100)


class DraftsSpec(_Spec):
    """How long an unfinished form is kept."""

    expire_after_days: int = Field(default=7, ge=1, le=90)


class AttachmentsSpec(_Spec):
    """Files and photos in forms (教案, 课件, 活动照片, 说课稿): where they are kept, how large
    they may be, and which types (checked by content, not by name)."""

    enabled: bool = True
    dir: str = "data/files"
    max_mb: float = Field(default=20, gt=0, le=2000)
    types: tuple[str, ...] = ("pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "jpg", "png",
                              "gif", "webp", "heic")

    @property
    def max_bytes(self) -> int:
        """The size limit in bytes."""
        return int(self.max_mb * 1024 * 1024)


class PrepSpec(_Spec):
    """集体备课: a session whose 形式 is 集体备课 has a 主备人, who hands in the 教案 before it
    and the revised one (二次备课) after it; the members add 修改意见."""

    enabled: bool = True
    form_name: str = "集体备课"
    plan_due_hours_before: int = Field(default=48, ge=0, le=24 * 30)
    remind_hours_before_due: int = Field(default=24, ge=0, le=24 * 30)
    revised_due_days: int = Field(default=7, ge=1, le=60)


class CalendarSpec(_Spec):
    """The school's own days off and make-up days, on top of the national calendar."""

    days_off: tuple[DayOff, ...] = ()
    make_up_days: tuple[MakeUpDay, ...] = ()

    @field_validator("make_up_days")
    @classmethod
    def _one_per_day(cls, value: tuple[MakeUpDay, ...]) -> tuple[MakeUpDay, ...]:
        days = [day.date for day in value]
        twice = sorted({day for day in days if days.count(day) > 1})
        if twice:
            raise ValueError(f"调休日 {'、'.join(map(str, twice))} 重复配置")
        return value


class MentoringSpec(_Spec):
    """师徒结对: each semester the 徒弟 observes the 师傅's lessons and the 师傅 the 徒弟's.

    ``mentee_observes`` / ``mentor_observes``: 听课记录 a semester (0: no such quota).
    """

    enabled: bool = True
    mentee_observes: int = Field(default=8, ge=0, le=100)
    mentor_observes: int = Field(default=4, ge=0, le=100)


class ResearchSpec(_Spec):
    """课题研究: 立项, records linked to the 课题, 阶段小结, and a 结题/阶段总结 at term end,
    asked for ``report_days_before`` days before the semester ends (0: not asked)."""

    enabled: bool = True
    report_days_before: int = Field(default=14, ge=0, le=60)
    at: time = time(16, 30)


class Settings(_Spec):
    """Everything about the school that the handlers and the scheduler need."""

    school: SchoolSpec
    semesters: tuple[SemesterSpec, ...] = Field(min_length=1)
    groups: tuple[GroupSpec, ...] = Field(min_length=1)
    calendar: CalendarSpec = CalendarSpec()
    quotas: tuple[QuotaSpec, ...] = ()
    reminders: RemindersSpec = RemindersSpec()
    lessons: LessonsSpec = LessonsSpec()
    review: ReviewSpec = ReviewSpec()
    digest: DigestSpec = DigestSpec()
    nudges: NudgesSpec = NudgesSpec()
    charts: ChartsSpec = ChartsSpec()
    binding: BindingSpec = BindingSpec()
    drafts: DraftsSpec = DraftsSpec()
    forms: tuple[FormSpec, ...] = ()
    form_patches: tuple[FieldPatch, ...] = ()
    mentoring: MentoringSpec = MentoringSpec()
    research: ResearchSpec = ResearchSpec()
    attachments: AttachmentsSpec = AttachmentsSpec()
    prep: PrepSpec = PrepSpec()
    # issue 16 §6, §7 (handlers.term_settings)
    plans: PlansSpec = PlansSpec()
    outings: OutingsSpec = OutingsSpec()
    appraisal: AppraisalSpec = AppraisalSpec()
    credits: CreditsSpec = CreditsSpec()
    _catalog: FormCatalog = PrivateAttr()
    _calendar: SchoolCalendar = PrivateAttr()

    @model_validator(mode="after")
    def _build(self) -> Settings:
        self._catalog = FormCatalog.build(self.forms, self.form_patches,
                                          files=self.attachments.enabled,
                                          prep=self.prep.enabled)
        self._calendar = SchoolCalendar(days_off=self.calendar.days_off,
                                        make_up_days=self.calendar.make_up_days)
        fed = {"open_lesson", "attendance"}
        kinds = [form.kind for form in self._catalog if form.record]
        group_names = {group.name for group in self.groups}
        for index, quota in enumerate(self.quotas):
            for name in quota.groups:
                if name not in group_names:
                    raise ValueError(f"quotas[{index}].groups：没有「{name}」这个教研组")
            if quota.kind not in fed and quota.kind not in kinds:
                known = "、".join(kinds + sorted(fed))
                raise ValueError(
                    f"quotas[{index}].kind：没有 {quota.kind} 这种记录（可选：{known}）")
        return self

    @property
    def school_calendar(self) -> SchoolCalendar:
        """School days from the national calendar with the school's own overrides."""
        return self._calendar

    @property
    def catalog(self) -> FormCatalog:
        """The school's forms: built-in ones with the school's changes."""
        return self._catalog

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for what, names in (
            ("教研组", [group.name for group in self.groups]),
            ("学期", [semester.name for semester in self.semesters]),
        ):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                raise ValueError(f"{what}名称重复：{'、'.join(duplicates)}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The school's time zone, applied only when time is shown or read from people."""
        return ZoneInfo(self.school.timezone)

    def group(self, name: str) -> GroupSpec | None:
        """The group named ``name``, if the school has one."""
        return next((group for group in self.groups if group.name == name), None)

    @model_validator(mode="after")
    def _term_kinds(self) -> Settings:
        """Issue 16: 考核 items and 学分 rules name record kinds the school has."""
        fed = {"open_lesson", "attendance"}
        kinds = {form.kind for form in self._catalog if form.record}
        named = [(f"appraisal.items[{i}]", item.kind)
                 for i, item in enumerate(self.appraisal.items) if item.kind]
        named += [(f"credits.rules[{i}]", rule.kind) for i, rule in enumerate(self.credits.rules)]
        for where, kind in named:
            if kind not in kinds | fed:
                raise ValueError(f"{where}.kind：没有 {kind} 这种记录（可选："
                                 f"{'、'.join(sorted(kinds | fed))}）")
        return self
