"""One deployment for several schools: ``[[schools]]`` entries over the deployment's defaults.

A 中心校 writes the quotas, semesters, reminders … once, at the top of the config, as a
single school would; each ``[[schools]]`` entry names a school, its 教研组 and whatever it
does differently. ``merge`` turns the defaults and one entry into that school's own
``Settings``, so every school is served exactly as a single-school deployment is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from handlers.settings import (
    CalendarSpec,
    DigestSpec,
    DraftsSpec,
    GroupSpec,
    LessonsSpec,
    NudgesSpec,
    PrepSpec,
    QuotaSpec,
    RemindersSpec,
    SchoolSpec,
    SemesterSpec,
    Settings,
)
from scheduler.calendar import WEEKDAY_ZH


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchoolEntry(_Spec):
    """One school of the deployment: what it leaves out comes from the defaults.

    ``calendar`` adds the school's own days off to the deployment's (运动会 of one 村小);
    ``quotas``, ``semesters``, ``reminders``, ``lessons``, ``digest``, ``nudges``,
    ``drafts`` and ``prep``, when given, replace the defaults for this school.
    ``central`` marks the 中心校 (default: the first entry): its admins are the 学区管理员.
    ``departments`` are the 钉钉 directory's department ids whose members belong to this
    school.
    """

    name: str = Field(min_length=1, max_length=100)
    central: bool = False
    timezone: str | None = None
    started_on: date | None = None
    groups: tuple[GroupSpec, ...] = Field(min_length=1)
    calendar: CalendarSpec | None = None
    semesters: tuple[SemesterSpec, ...] | None = None
    quotas: tuple[QuotaSpec, ...] | None = None
    reminders: RemindersSpec | None = None
    lessons: LessonsSpec | None = None
    digest: DigestSpec | None = None
    nudges: NudgesSpec | None = None
    drafts: DraftsSpec | None = None
    prep: PrepSpec | None = None
    departments: tuple[int, ...] = ()

    @field_validator("groups")
    @classmethod
    def _groups_apart(cls, value: tuple[GroupSpec, ...]) -> tuple[GroupSpec, ...]:
        names = [group.name for group in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"教研组名称重复：{'、'.join(twice)}")
        for index, group in enumerate(value):
            for other in value[:index]:
                if _clash(group, other):
                    raise ValueError(
                        f"第 {index + 1} 个教研组「{group.name}」的时间与「{other.name}」"
                        f"在同一地点「{group.slot.place}」重叠"
                        f"（周{WEEKDAY_ZH[group.slot.weekday - 1]} {group.slot.start:%H:%M}）")
        return value

    @model_validator(mode="after")
    def _zone(self) -> SchoolEntry:
        if self.timezone is not None:
            SchoolSpec(name=self.name, timezone=self.timezone)
        return self


def _clash(one: GroupSpec, other: GroupSpec) -> bool:
    """Whether two groups of one school meet in the same place at overlapping times every
    week (a fortnightly slot may share a place with another on alternate weeks)."""
    a, b = one.slot, other.slot
    return (a.weekday == b.weekday and a.place == b.place and a.every_weeks == 1
            and b.every_weeks == 1 and a.start < b.end and b.start < a.end)


def check_schools(entries: Sequence[SchoolEntry]) -> None:
    """Names unique; at most one 中心校. Raises ValueError naming the key."""
    names = [entry.name for entry in entries]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ValueError(f"schools[{index}].name：学校「{name}」重复"
                             f"（与 schools[{names.index(name)}] 同名）")
    central = [index for index, entry in enumerate(entries) if entry.central]
    if len(central) > 1:
        raise ValueError(f"schools[{central[1]}].central：只能有一所中心校"
                         f"（schools[{central[0]} 已是）")


def central_index(entries: Sequence[SchoolEntry]) -> int:
    """Which entry is the 中心校: the one marked ``central``, else the first."""
    return next((index for index, entry in enumerate(entries) if entry.central), 0)


_REPLACED = ("semesters", "reminders", "lessons", "digest", "nudges", "drafts", "prep")


def merge(defaults: Settings, entry: SchoolEntry,
          quotas: Sequence[QuotaSpec] | None = None) -> Settings:
    """The school's own settings: ``entry`` over the deployment's ``defaults``; ``quotas``
    are the deployment's quotas when ``defaults`` holds them fitted to another school."""
    data: dict[str, Any] = {name: getattr(defaults, name) for name in Settings.model_fields}
    data["school"] = SchoolSpec(name=entry.name,
                                timezone=entry.timezone or defaults.school.timezone,
                                started_on=entry.started_on or defaults.school.started_on)
    data["groups"] = entry.groups
    for name in _REPLACED:
        if getattr(entry, name) is not None:
            data[name] = getattr(entry, name)
    if entry.calendar is not None:
        data["calendar"] = CalendarSpec(
            days_off=defaults.calendar.days_off + entry.calendar.days_off,
            make_up_days=defaults.calendar.make_up_days + entry.calendar.make_up_days)
    data["quotas"] = (entry.quotas if entry.quotas is not None
                      else fit_quotas(defaults.quotas if quotas is None else quotas,
                                      [g.name for g in entry.groups]))
    return Settings(**data)


def fit_quotas(quotas: Sequence[QuotaSpec], groups: Sequence[str]) -> tuple[QuotaSpec, ...]:
    """The deployment's quotas as they apply to a school with ``groups``: a quota limited to
    groups keeps those the school has, and is left out where it has none of them."""
    fitted = []
    for quota in quotas:
        if not quota.groups:
            fitted.append(quota)
            continue
        kept = tuple(name for name in quota.groups if name in groups)
        if kept:
            fitted.append(quota.model_copy(update={"groups": kept}))
    return tuple(fitted)


def raw_central(raw: dict[str, Any]) -> dict[str, Any]:
    """A district's raw config as the single school its top level describes: the 中心校's
    name and groups in ``[school]`` and ``[[groups]]`` (the deployment's own view, used
    where one school's settings are needed: the sandbox, chart fonts, 钉钉's admins).

    Leaves ``raw`` alone when it has no ``[[schools]]`` or when it is not well formed (the
    model's own errors then name the keys)."""
    entries = raw.get("schools")
    if not isinstance(entries, list) or not entries or "school" in raw or "groups" in raw:
        return raw
    if not all(isinstance(entry, dict) for entry in entries):
        return raw
    chosen = next((entry for entry in entries if entry.get("central") is True), entries[0])
    school = {key: chosen[key] for key in ("name", "timezone", "started_on") if key in chosen}
    groups = chosen.get("groups", [])
    names = {g.get("name") for g in groups if isinstance(g, dict)} if isinstance(
        groups, list) else set()
    quotas = raw.get("quotas")
    if isinstance(quotas, list):
        quotas = [_fit_raw(quota, names) for quota in quotas]
        quotas = [quota for quota in quotas if quota is not None]
    merged = {**raw, "school": school, "groups": groups}
    if quotas is not None:
        merged["quotas"] = quotas
    return merged


def _fit_raw(quota: Any, names: set[Any]) -> Any:
    if not isinstance(quota, dict) or not isinstance(quota.get("groups"), list):
        return quota
    if not quota["groups"]:
        return quota
    kept = [name for name in quota["groups"] if name in names]
    return {**quota, "groups": kept} if kept else None
