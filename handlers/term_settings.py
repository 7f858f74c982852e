"""Settings of issue 16 §6 and §7: plans and summaries, 外出学习汇报, 考核 and 学分.

Each section switches off with ``enabled = false``; the models forbid unknown keys like
every other section (handlers.settings composes them).
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def known_roles(value: tuple[str, ...]) -> tuple[str, ...]:
    """A ``roles`` list names only teacher, leader and admin (quotas, plans)."""
    unknown = [role for role in value if role not in ("teacher", "leader", "admin")]
    if unknown:
        raise ValueError(f"未知的角色 {unknown}，可选 teacher、leader、admin")
    return value


class PlansSpec(_Spec):
    """学期初 plans and 学期末 summaries: 个人 (each teacher) and 教研组 (each leader)."""

    enabled: bool = True
    # 个人专业发展计划 and 教研组工作计划 are due this many days after the semester starts.
    plan_due_days: int = Field(default=14, ge=0, le=120)
    # 个人学期总结 and 教研组工作总结 are due this many days before it ends (0: its last day).
    summary_due_days: int = Field(default=7, ge=0, le=120)
    # Reminders this many days before the due day, on it, and a week after (if missing).
    remind_days_before: int = Field(default=3, ge=0, le=30)
    remind_at: time = time(16, 30)
    # Who writes the 个人 plan and summary (leaders also write their groups').
    roles: tuple[str, ...] = ("teacher", "leader")

    _known_roles = field_validator("roles")(known_roles)


class OutingsSpec(_Spec):
    """外出学习汇报: who studied outside reports back within ``report_days`` of returning."""

    enabled: bool = True
    report_days: int = Field(default=14, ge=1, le=120)
    # A /pause whose reason contains one of these words is an outing.
    reasons: tuple[str, ...] = ("外出学习", "外出培训")
    remind_at: time = time(16, 30)


class ItemType(StrEnum):
    """What a 考核 item measures."""

    QUOTA = "quota"  # completion of the teacher's quotas on ``kind`` (records, 公开课, 出勤)
    RECORDS = "records"  # ``per`` points a live record of ``kind`` (师徒, 课题 … any kind)
    REVIEW = "review"  # share of checked records marked 合格 or 优秀 (not 退回修改)
    EXCELLENT = "excellent"  # ``per`` points a record marked 优秀
    PLANS = "plans"  # share of the plans and summaries due by now that were handed in
    OUTINGS = "outings"  # share of the 外出学习汇报 due by now that were handed in


class AppraisalItem(_Spec):
    """One line of the 考核细则: what it measures and its weight (points out of the total)."""

    label: str = Field(min_length=1, max_length=20)
    type: ItemType
    kind: str = ""
    weight: float = Field(gt=0, le=100)
    per: float = Field(default=1.0, gt=0, le=100)

    @model_validator(mode="after")
    def _kind_given(self) -> AppraisalItem:
        if self.type in (ItemType.QUOTA, ItemType.RECORDS) and not self.kind:
            raise ValueError(f"考核项「{self.label}」需要 kind")
        return self


class Grade(_Spec):
    """A 等级 and the lowest score that earns it."""

    name: str = Field(min_length=1, max_length=10)
    min: float = Field(ge=0, le=100)


class GroupWeights(_Spec):
    """How the 优秀教研组 ranking weighs a group's figures."""

    members: float = Field(default=60, ge=0)  # the members' average 考核 score
    attendance: float = Field(default=20, ge=0)  # the group's 出勤率 over held sessions
    documents: float = Field(default=20, ge=0)  # its 工作计划 and 工作总结 handed in


class AppraisalSpec(_Spec):
    """考核: weighted items give a score out of 100 and a 等级; 教导处 may adjust it."""

    enabled: bool = True
    items: tuple[AppraisalItem, ...] = ()
    grades: tuple[Grade, ...] = (Grade(name="优秀", min=90), Grade(name="良好", min=80),
                                 Grade(name="合格", min=60), Grade(name="不合格", min=0))
    group: GroupWeights = GroupWeights()

    @field_validator("grades")
    @classmethod
    def _ordered(cls, value: tuple[Grade, ...]) -> tuple[Grade, ...]:
        if not value or [g.min for g in value] != sorted((g.min for g in value), reverse=True):
            raise ValueError("grades 需按 min 从高到低排列")
        return value


class CreditRule(_Spec):
    """学分 for each piece of ``kind`` (a record kind, ``attendance``: a session attended,
    ``open_lesson``: a 公开课 given)."""

    kind: str = Field(min_length=1, max_length=40)
    per: float = Field(gt=0, le=100)


class CreditsSpec(_Spec):
    """学分登记 (seed 001: "纳入学分登记"): off unless the school uses credits."""

    enabled: bool = False
    max: float = Field(default=10, gt=0, le=1000)  # a semester's most
    rules: tuple[CreditRule, ...] = ()
