"""``/me``: who I am and where I stand on every quota of the semester."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Protocol

from sqlmodel import Session

from handlers import quotas, texts
from handlers.context import Command, Ctx, Where
from handlers.permissions import Access
from handlers.render import esc
from handlers.settings import Period, QuotaSpec, Settings, Unit
from handlers.types import Reply
from storage.repos import meetings, records, school, semesters
from storage.repos.people import PersonRow
from storage.repos.school import SemesterRow

COUNTED = (meetings.PRESENT, meetings.LEAVE)


def _unit(unit: Unit) -> str:
    return texts.UNIT_CHARS if unit is Unit.CHARS else texts.UNIT_PIECES


class Person(Protocol):
    """Who a quota may apply to."""

    @property
    def id(self) -> int: ...  # noqa: D102
    @property
    def role(self) -> str: ...  # noqa: D102
    @property
    def groups(self) -> tuple[str, ...]: ...  # noqa: D102


def measure_people(session: Session, settings: Settings, semester: SemesterRow, today: date,
                   persons: Sequence[Person], *, history: bool = False,
                   kinds: Collection[str] | None = None,
                   ) -> dict[int, list[quotas.QuotaProgress]]:
    """Every applicable quota of each person, from a few aggregate queries for all of them.

    ``history`` adds the months already past (as /me shows them); digests, reminders and
    exports only need the current period. ``kinds`` limits the quotas (and the queries) to
    those on these kinds of record, as after a record is handed in.
    """
    ids = [person.id for person in persons]
    wanted = [q for q in settings.quotas if kinds is None or q.kind in kinds]
    min_chars = quotas.min_chars_by_kind(settings.quotas)
    spans = None if history else _current_spans(wanted, semester, today)
    count_unreviewed = settings.review.count_unreviewed
    found = (records.monthly_totals(session, teacher_ids=ids, semester_id=semester.id,
                                    min_chars=min_chars, kinds=kinds,
                                    count_unreviewed=count_unreviewed) if spans is None else
             records.period_totals(session, teacher_ids=ids, semester_id=semester.id,
                                   min_chars=min_chars, spans=spans,
                                   count_unreviewed=count_unreviewed))
    totals: dict[int, list[records.TotalsRow]] = {}
    for row in found:
        totals.setdefault(row.teacher_id, []).append(row)
    lesson_times = (records.open_lesson_times(session, teacher_ids=ids, semester_id=semester.id)
                    if any(q.kind == quotas.OPEN_LESSON for q in wanted) else {})
    sessions = (_sessions(session, settings, semester, ids)
                if any(q.kind == quotas.ATTENDANCE for q in wanted) else {})
    # The same few periods for everybody: count their school days once per call.
    school_days = functools.cache(settings.school_calendar.school_days)
    started_on = started(session, settings, semester)
    shared = quotas.Shared()  # each period's target and pace, the same for all of them
    measured = {}
    for person in persons:
        applicable = [q for q in wanted
                      if quotas.applies(q, role=person.role, groups=person.groups)]
        lessons = [t.astimezone(settings.zone).date() for t in lesson_times.get(person.id, [])]
        measured[person.id] = quotas.measure(
            applicable, totals=totals.get(person.id, []), lessons=lessons,
            semester=(semester.start, semester.end), today=today,
            school_days=school_days, sessions=sessions.get(person.id, []), history=history,
            started_on=started_on, shared=shared)
    return measured


def attendance(session: Session, settings: Settings, semester: SemesterRow, today: date,
               ids: Sequence[int], *, since: date | None = None) -> dict[int, tuple[int, int]]:
    """(attended, held) per teacher over their groups' sessions held by ``today``, from the
    school's first day with the bot (as the 出勤 quota), or from ``since`` when that is
    later; teachers in no group are not in it."""
    first = started(session, settings, semester)
    if since is not None and (first is None or since > first):
        first = since
    return {teacher: quotas.attended([(day, counted) for day, counted in found
                                      if first is None or day >= first], today)
            for teacher, found in _sessions(session, settings, semester, ids).items()}


def started(session: Session, settings: Settings, semester: SemesterRow) -> date | None:
    """The school's first day with the bot: ``[school] started_on``, else the day its
    roster was first imported. Pace and attendance count from it."""
    if settings.school.started_on is not None:
        return settings.school.started_on
    school_id = semesters.school_of(session, semester_id=semester.id)
    first = None if school_id is None else school.first_roster_import(session,
                                                                      school_id=school_id)
    return None if first is None else first.astimezone(settings.zone).date()


def _current_spans(wanted: Sequence[QuotaSpec], semester: SemesterRow,
                   today: date) -> dict[str, tuple[date, date]] | None:
    """Each record kind's current period, or None when two quotas on one kind disagree
    (then every month is read)."""
    spans: dict[str, tuple[date, date]] = {}
    for quota in wanted:
        if quota.kind in (quotas.ATTENDANCE, quotas.OPEN_LESSON):
            continue  # counted from sessions and lessons, not records
        span = quotas.current_period(quota.period, semester.start, semester.end, today)
        if spans.setdefault(quota.kind, span) != span:
            return None
    return spans


def _sessions(session: Session, settings: Settings, semester: SemesterRow,
              ids: Sequence[int]) -> dict[int, list[tuple[date, bool]]]:
    """Each teacher's groups' sessions: the day, and whether it counts as attended (present,
    or on approved leave, also leave asked for through a /pause)."""
    held = meetings.group_sessions(session, teacher_ids=ids, semester_id=semester.id,
                                   counted=COUNTED)
    days = {meeting: starts.astimezone(settings.zone).date()
            for meeting, starts in held.starts.items()}
    found: dict[int, list[tuple[date, bool]]] = {}
    for teacher, meeting_ids in held.of_teacher.items():
        found[teacher] = [(days[meeting], (meeting, teacher) in held.counted)
                          for meeting in meeting_ids]
    return found


def person_progress(ctx: Ctx, person: PersonRow, semester: SemesterRow, *,
                    kinds: Collection[str] | None = None) -> list[quotas.QuotaProgress]:
    """Every quota that applies to ``person`` (on ``kinds``), for ``semester`` as of today."""
    return measure_people(ctx.session, ctx.settings, semester, ctx.today, [person],
                          history=True, kinds=kinds)[person.id]


def amount(quota: QuotaSpec, owed: int) -> str:
    """A whole amount as people read it: "3 篇", "约 3 050 字" (字 to the nearest ten)."""
    if quota.unit is Unit.CHARS:
        return f"{max(10, round(owed, -1)):,} 字".replace(",", " ")
    return f"{owed} {texts.PIECES.get(quota.kind, texts.PIECE)}"


def nothing_asked(quota: QuotaSpec) -> str:
    """What a quota says while its current period asks nothing of anybody (no session held
    yet, a month before the school's first day), in place of "0/0"."""
    return texts.NO_SESSION_YET if quota.kind == quotas.ATTENDANCE else texts.NOTHING_ASKED


def line(item: quotas.QuotaProgress) -> str:
    """One quota as /me shows it: done/target, bar, status, pace and past months."""
    quota, now = item.quota, item.current
    when = texts.THIS_SEMESTER
    if quota.period is Period.MONTH:
        when = texts.MONTH.format(month=now.start.month) if now.closed else texts.THIS_MONTH
    if not now.target and not item.past:
        return texts.PROGRESS_NOTHING.format(label=esc(quota.label), when=when,
                                             nothing=nothing_asked(quota))
    line = texts.PROGRESS_LINE.format(
        label=esc(quota.label), when=when, done=now.done, target=now.target,
        unit=_unit(quota.unit), bar=quotas.bar(now.done, now.target), status=now.status,
    )
    if now.owed:
        line += texts.PROGRESS_PACE.format(amount=amount(quota, now.owed))
    elif now.status is quotas.Status.NOT_DUE and now.due is not None:
        line += texts.PROGRESS_DUE.format(month=now.due.month, day=now.due.day)
    if now.short:
        line += "\n" + texts.PROGRESS_SHORT.format(count=now.short, min=quota.min_chars)
    if item.past:
        months = "  ".join(
            f"{texts.MONTH.format(month=p.start.month)} {p.done}/{p.target}"
            f"{'✓' if p.done >= p.target else '✗'}"
            for p in item.past)
        line += "\n" + texts.PROGRESS_PAST.format(months=months)
    return line


def progress_text(ctx: Ctx, person: PersonRow) -> str:
    """The quota block of /me."""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return texts.NO_SEMESTER
    items = person_progress(ctx, person, semester)
    if not items:
        return texts.ME_NO_QUOTAS
    return "\n".join([texts.PROGRESS_HEADER.format(today=ctx.today),
                      *(line(item) for item in items)])


def kind_line(ctx: Ctx, kind: str) -> str:
    """One progress line for the quotas on ``kind`` (shown after a record is saved)."""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return ""
    return "\n".join(line(item) for item in person_progress(ctx, ctx.me, semester, kinds=(kind,)))


def me(ctx: Ctx, _arg: str) -> list[Reply]:
    """The sender's identity, groups, semester and progress on every quota."""
    person = ctx.me
    lines = [texts.ME_HEADER.format(
        name=esc(person.name), role=texts.ROLE_LABELS.get(person.role, person.role),
        school=esc(ctx.settings.school.name),
        groups=esc("、".join(person.groups) or texts.NONE),
    )]
    if person.leads:
        lines.append(texts.ME_LEADS.format(groups=esc("、".join(person.leads))))
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is not None:
        lines.append(texts.ME_SEMESTER.format(semester=esc(semester.name),
                                              start=semester.start, end=semester.end))
        if semester.theme:
            lines.append(texts.ME_THEME.format(theme=esc(semester.theme)))
    lines += ["", progress_text(ctx, person)]
    for section in ME_SECTIONS:
        shown = section(ctx, person)
        if shown:
            lines += ["", shown]
    return [Reply("\n".join(lines))]


# Blocks other features add to /me (师徒结对, 课题 …): text, or "" when there is none.
ME_SECTIONS: list[Callable[[Ctx, PersonRow], str]] = []


COMMANDS = (Command("me", me, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["me"]),)
