"""Group progress (/progress), the weekly digest, and gentle private nudges (/settings)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from handlers import charts, quotas, texts
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.features.progress import Person, amount, measure_people, nothing_asked
from handlers.permissions import Access
from handlers.render import book_title, esc, fmt_date, polite, shorten
from handlers.settings import NudgesSpec, QuotaSpec, Settings, Unit
from handlers.types import Attachment, Button, Chat, ChatKind, Reply, private_chat
from scheduler.quiet import after_quiet
from storage.repos import (
    chats,
    groups,
    lessons,
    meetings,
    outbox,
    people,
    records,
    school,
    semesters,
    snapshots,
)
from storage.repos.groups import MemberRow
from storage.repos.outbox import OutboxItem
from storage.repos.school import SemesterRow

DIGEST, DIGEST_LEADER, NUDGE = "digest", "digest-leader", "nudge"
SEMESTER_CLOSED = "semester-closed"
PERIOD_CLOSING, MONTH_SUMMARY = "period-closing", "month-summary"
SETTINGS_BUTTONS = "set"
DIGEST_NAMES = 8  # names in the digest's congratulation line
# A digest snapshot older than this is computed again when a digest asks for it.
SNAPSHOT_FRESH = timedelta(hours=1)


@dataclass(frozen=True)
class QuotaSummary:
    """A quota across a group: average share done, how many finished or behind (落后).

    The averages are over those asked for something now (``asked``): a quota whose
    current period asks nothing of anybody (no session held yet, a month before the
    school's first day) is said so, never "100% done"."""

    quota_label: str
    nothing: str  # what it says when it asks nothing of anybody (``asked`` 0)
    unit: Unit
    average_share: float
    pace_share: float
    done_people: int
    behind: int
    people: int
    asked: int


def _summaries(settings: Settings,
               measured: dict[int, list[quotas.QuotaProgress]]) -> list[QuotaSummary]:
    """Per quota (in config order) across the measured people it applies to."""
    by_label: dict[str, list[quotas.QuotaProgress]] = {q.label: [] for q in settings.quotas}
    for items in measured.values():
        for item in items:
            by_label.setdefault(item.quota.label, []).append(item)
    result = []
    for label, items in by_label.items():
        if not items:
            continue
        share, pace, asked = _averages(items)
        result.append(QuotaSummary(
            label, nothing_asked(items[0].quota), items[0].quota.unit, share, pace,
            sum(1 for i in items if i.current.status is quotas.Status.DONE),
            sum(1 for i in items if i.behind), len(items), asked))
    return result


def _averages(items: Sequence[quotas.QuotaProgress]) -> tuple[float, float, int]:
    """(average share done, average share expected by now, how many) over the items whose
    current period asks for something; (1, 1, 0) when none does."""
    asked = [i.current for i in items if i.current.target]
    if not asked:
        return 1.0, 1.0, 0
    return (sum(min(p.done / p.target, 1.0) for p in asked) / len(asked),
            sum(min(p.expected / p.target, 1.0) for p in asked) / len(asked), len(asked))


def _summary_lines(summaries: Sequence[QuotaSummary]) -> list[str]:
    return [texts.GROUP_QUOTA_LINE.format(
        label=esc(s.quota_label), share=round(s.average_share * 100),
        pace=round(s.pace_share * 100), done=s.done_people, people=s.people,
        behind=s.behind) if s.asked else
        texts.GROUP_QUOTA_NOTHING.format(label=esc(s.quota_label), nothing=s.nothing)
        for s in summaries]


def _behind_text(item: quotas.QuotaProgress) -> str:
    unit = texts.UNIT_CHARS if item.quota.unit is Unit.CHARS else ""
    return f"{esc(item.quota.label)} {item.current.done}/{item.current.target}{unit}"


def _person_line(member: MemberRow, items: Sequence[quotas.QuotaProgress]) -> str:
    behind = quotas.behind(items)
    if not behind:
        return texts.PERSON_ON_TRACK.format(name=esc(member.name))
    return texts.PERSON_BEHIND.format(name=esc(member.name), count=len(behind),
                                      items="、".join(_behind_text(i) for i in behind[:4]))


def _chart(settings: Settings, title: str, summaries: Sequence[QuotaSummary]) -> bytes | None:
    bars = [charts.Bar(s.quota_label, round(s.average_share * 100), 100,
                       round(s.pace_share * 100)) for s in summaries if s.asked]
    return charts.bar_chart(title, bars, xlabel=texts.CHART_XLABEL,
                            font_path=settings.charts.font_path)


def group_report(session: Session, settings: Settings, semester: SemesterRow, today: date,
                 group: str, group_id: int, *, names: bool, chart: bool = True,
                 snapshot_of: int | None = None) -> tuple[str, bytes | None]:
    """A group's progress: quota by quota, and (``names``) teacher by teacher; plus a chart
    (``chart`` False: none drawn, for a text that is sent without it).

    ``snapshot_of`` (a school id) takes the figures from that school's digest snapshot as
    of ``today`` instead of measuring the group live.
    """
    members = groups.members(session, group_ids=[group_id])
    measured = _figures(session, settings, semester, today, members, snapshot_of=snapshot_of)
    summaries = _summaries(settings, measured)
    lines = [texts.GROUP_PROGRESS_HEADER.format(group=esc(group), today=fmt_date(today),
                                                people=len(members))]
    lines += _summary_lines(summaries)
    if names:
        lines.append("")
        lines += [_person_line(m, measured[m.id]) for m in members]
    if not chart:
        return "\n".join(lines), None
    title = texts.CHART_TITLE.format(group=group)
    return "\n".join(lines), _chart(settings, title, summaries)


def _figures(session: Session, settings: Settings, semester: SemesterRow, today: date,
             members: Sequence[Person], *, snapshot_of: int | None
             ) -> dict[int, list[quotas.QuotaProgress]]:
    """The members' current periods: measured live, or (``snapshot_of``, a school id) from
    that school's digest snapshot, measuring live only who joined after it."""
    if snapshot_of is None:
        return measure_people(session, settings, semester, today, members)
    kept = school_figures(session, settings, semester, today, school_id=snapshot_of)
    missing = [m for m in members if m.id not in kept]
    measured = {m.id: kept[m.id] for m in members if m.id in kept}
    if missing:
        measured |= measure_people(session, settings, semester, today, missing)
    return measured


def school_figures(session: Session, settings: Settings, semester: SemesterRow, day: date,
                   *, school_id: int) -> dict[int, list[quotas.QuotaProgress]]:
    """Every teacher's current periods as of ``day``, from the school's digest snapshot.

    Computed once (one ``measure_people`` for the whole school) and kept with its date; a
    snapshot measured with other quota settings, or computed more than ``SNAPSHOT_FRESH``
    ago, is computed again. Exports and /progress measure live instead.
    """
    version = _figures_version(settings, semester)
    now = datetime.now(UTC)
    kept = snapshots.get_snapshot(session, school_id=school_id, day=day, version=version,
                                  computed_after=now - SNAPSHOT_FRESH)
    if kept is not None:
        by_label = {q.label: q for q in settings.quotas}
        return {int(teacher): [_progress(by_label[item[0]], item[1:]) for item in items]
                for teacher, items in kept.items()}
    members = groups.members(session, school_id=school_id)
    measured = measure_people(session, settings, semester, day, members)
    figures = {str(teacher): [[item.quota.label, *_period_json(item.current)]
                              for item in items] for teacher, items in measured.items()}
    snapshots.keep_snapshot(session, school_id=school_id, day=day, version=version,
                            computed_at=now, figures=figures, summary=standing(measured))
    return measured


def standing(measured: Mapping[int, Sequence[quotas.QuotaProgress]]) -> list[int]:
    """A school's standing in four whole numbers: [people measured, average share of their
    current targets done (%), the share expected by now (%), people behind]."""
    share, pace, _ = _averages([item for mine in measured.values() for item in mine])
    behind = sum(1 for mine in measured.values() if quotas.behind(mine))
    return [len(measured), round(100 * share), round(100 * pace), behind]


def school_standings(session: Session, schools: Sequence[tuple[int, Settings]],
                     day: date) -> dict[int, list[int]]:
    """``standing`` of each school as of ``day`` from the summaries kept with their digest
    snapshots (one query), computing (and keeping) a snapshot only where none is fresh;
    schools without a semester are left out."""
    ids = [school_id for school_id, _ in schools]
    semesters = school.current_semesters(session, school_ids=ids, today=day)
    kept = snapshots.summaries(session, school_ids=ids, day=day,
                               computed_after=datetime.now(UTC) - SNAPSHOT_FRESH)
    found = {}
    for school_id, settings in schools:
        semester = semesters.get(school_id)
        if semester is None:
            continue
        version, summary = kept.get(school_id, ("", []))
        if version != _figures_version(settings, semester):
            summary = standing(school_figures(session, settings, semester, day,
                                              school_id=school_id))
        found[school_id] = summary
    return found


def _figures_version(settings: Settings, semester: SemesterRow) -> str:
    """Names the quota settings and semester the figures depend on."""
    spec = json.dumps([semester.id, [q.model_dump(mode="json") for q in settings.quotas]],
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(spec.encode()).hexdigest()[:32]


def _period_json(p: quotas.PeriodProgress) -> list[object]:
    # By hand: dataclasses.astuple deep-copies every field (a third of the snapshot's time).
    return [p.start.isoformat(), p.end.isoformat(), p.done, p.target, p.expected, p.short,
            p.status.value, p.closed, p.owed, p.due.isoformat() if p.due else None]


def _progress(quota: QuotaSpec, item: Sequence[object]) -> quotas.QuotaProgress:
    start, end, done, target, expected, short, status, closed, owed, due = item
    period = quotas.PeriodProgress(
        date.fromisoformat(str(start)), date.fromisoformat(str(end)), int(str(done)),
        int(str(target)), float(str(expected)), int(str(short)), quotas.Status(status),
        bool(closed), int(str(owed)), date.fromisoformat(str(due)) if due else None)
    return quotas.QuotaProgress(quota, period, ())


def _with_chart(text: str, png: bytes | None, chat: Chat | None = None) -> Reply:
    if png is None:
        return Reply(text, chat=chat)
    return Reply(text, chat=chat, attachment=Attachment("progress.png", png, is_photo=True))


def progress(ctx: Ctx, arg: str) -> list[Reply]:
    """``/progress``: a leader's group teacher by teacher; every group for an admin (in
    private or the school's chat); in a 教研组's chat, that group."""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    wanted = arg.strip()
    if wanted and wanted not in ids:
        return [Reply(texts.PROGRESS_UNKNOWN_GROUP.format(name=esc(shorten(wanted, 40)),
                                                          groups=esc("、".join(ids))))]
    chat_group = ""
    if not ctx.incoming.chat.is_private:
        link = chats.get_link(ctx.session, chat=ctx.incoming.chat.address)
        chat_group = link.group if link is not None and link.group else ""
    # A 教研组's chat hears about that group only, whoever asks; elsewhere an admin gets
    # the whole school.
    if ctx.access is Access.ADMIN and not wanted and not chat_group:
        members = groups.members(ctx.session, school_id=ctx.school_id)
        lines = [texts.SCHOOL_PROGRESS_HEADER.format(today=fmt_date(ctx.today))]
        for name in [group.name for group in ctx.settings.groups if group.name in ids]:
            inside = [m for m in members if name in m.groups]
            measured = measure_people(ctx.session, ctx.settings, semester, ctx.today, inside)
            behind = sum(1 for items in measured.values() if quotas.behind(items))
            lines.append(texts.SCHOOL_GROUP_LINE.format(group=esc(name), people=len(inside),
                                                        behind=behind))
        lines.append(texts.SCHOOL_PROGRESS_FOOTER)
        return [Reply("\n".join(lines))]
    if wanted:
        name = wanted
        if ctx.access is not Access.ADMIN and wanted not in ctx.me.groups:
            return [Reply(texts.PROGRESS_NOT_YOUR_GROUP)]
    elif not ctx.incoming.chat.is_private:
        name = chat_group
        if not name:
            return [Reply(texts.PROGRESS_SCHOOL_CHAT)]
    else:
        name = (ctx.me.leads or ctx.me.groups or ("",))[0]
        if not name:
            return [Reply(texts.SESSIONS_NO_GROUP)]
    # Names of who is behind go to leaders and admins in private; a group chat sees totals
    # unless the school chose otherwise (as for the digest).
    in_group = not ctx.incoming.chat.is_private
    names = (ctx.access is Access.ADMIN or name in ctx.me.leads) and (
        not in_group or ctx.settings.digest.names_in_group)
    text, png = group_report(ctx.session, ctx.settings, semester, ctx.today, name, ids[name],
                             names=names)
    if not names:
        own = measure_people(ctx.session, ctx.settings, semester, ctx.today, [ctx.me])
        if ctx.incoming.chat.is_private:
            text += "\n\n" + texts.PROGRESS_OWN + "\n" + "\n".join(
                f"{_behind_text(i)} {i.current.status}" if i.current.target else
                f"{esc(i.quota.label)} {nothing_asked(i.quota)}" for i in own[ctx.me.id])
    return [_with_chart(text, png)]


# -- the weekly digest -----------------------------------------------------------------


def _week(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def plan_digests(session: Session, now: datetime, *, settings: Settings,
                 school_id: int) -> None:
    """At the digest time of each week, one message per linked group chat (and its leaders)."""
    cfg = settings.digest
    if not cfg.enabled:
        return
    local = now.astimezone(settings.zone)
    monday, _ = _week(local.date())
    due = datetime.combine(monday + timedelta(days=cfg.weekday - 1), cfg.at, settings.zone)
    if now < due or now > due + timedelta(hours=12):
        return
    week = f"{monday:%G-W%V}"
    for name, group_id in school.group_ids(session, school_id=school_id).items():
        payload = {"group": name, "group_id": group_id, "monday": monday.isoformat()}
        for chat in chats.chats_of_group(session, group_id=group_id):
            outbox.enqueue(session, key=f"{DIGEST}:{group_id}:{week}:{chat}", kind=DIGEST,
                           chat=chat, payload=payload, due_at=due,
                           expires_at=due + timedelta(hours=12))
        if not cfg.names_in_group:
            for account in meetings.leader_accounts(session, group_id=group_id):
                outbox.enqueue(session, key=f"{DIGEST_LEADER}:{group_id}:{week}:{account}",
                               kind=DIGEST_LEADER, chat=account, payload=payload,
                               due_at=due, expires_at=due + timedelta(hours=12))


def _digest(session: Session, settings: Settings, item: OutboxItem, *, chart: bool = True
            ) -> tuple[str, str, bytes | None] | None:
    """The week's digest: (three or four short lines, the leader's details, the chart).

    The lines: the week's sessions and 公开课, the group's overall pace, and who made
    progress last week (to congratulate). Quota by quota and person by person is for
    /progress and the leader's private copy. The figures come from the school's digest
    snapshot; ``chart`` False draws none (the leader's copy is text).
    """
    monday = date.fromisoformat(str(item.payload["monday"]))
    group, group_id = str(item.payload["group"]), int(item.payload["group_id"])
    school_id = groups.school_of_group(session, group_id=group_id)
    semester = (None if school_id is None else
                school.current_semester(session, school_id=school_id, today=monday))
    if semester is None:
        return None
    zone = settings.zone
    week = meetings.list_meetings(session, group_ids=[group_id], start=monday,
                                  end=monday + timedelta(days=6))
    members = groups.members(session, group_ids=[group_id])
    ids = {m.id for m in members}
    start = datetime.combine(monday, datetime.min.time(), zone)
    given = [lesson for lesson in lessons.between(session, start=start,
                                                  end=start + timedelta(days=7))
             if lesson.teacher_id in ids]
    happening = [texts.DIGEST_SESSION.format(
        when=fmt_date(m.starts_at.astimezone(zone).date()),
        topic=texts.DIGEST_TOPIC.format(topic=esc(m.topic)) if m.topic
        else texts.DIGEST_NO_TOPIC) for m in week
        if m.held and m.starts_at is not None]
    happening += [texts.DIGEST_LESSON.format(
        when=fmt_date(lesson.starts_at.astimezone(zone).date()), teacher=esc(lesson.teacher),
        title=esc(book_title(lesson.title))) for lesson in given]
    lines = [texts.DIGEST_HEADER.format(group=esc(group), monday=fmt_date(monday)),
             "；".join(happening) if happening else texts.DIGEST_NO_SESSION]
    measured = _figures(session, settings, semester, monday, members, snapshot_of=school_id)
    summaries = _summaries(settings, measured)
    asked = [x for x in summaries if x.asked]
    if asked:
        lines.append(texts.DIGEST_PACE.format(
            share=round(100 * sum(x.average_share for x in asked) / len(asked)),
            pace=round(100 * sum(x.pace_share for x in asked) / len(asked)),
            behind=sum(1 for items in measured.values() if quotas.behind(items))))
    active = records.handed_in_between(session, teacher_ids=sorted(ids),
                                       start=start - timedelta(days=7), end=start)
    moved = [m.name for m in members if m.id in active]
    if moved:
        lines.append(texts.DIGEST_CONGRATS.format(
            names=esc("、".join(moved[:DIGEST_NAMES])),
            more=texts.DIGEST_MORE.format(count=len(moved)) if len(moved) > DIGEST_NAMES
            else ""))
    details = [_person_line(m, measured[m.id]) for m in members]
    png = _chart(settings, texts.CHART_TITLE.format(group=group), summaries) if chart else None
    return "\n".join(lines), "\n".join([*_summary_lines(summaries), "", *details]), png


@renderer(DIGEST)
def render_digest(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The group's weekly digest: this week's sessions and the group's progress."""
    built = _digest(session, settings, item)
    if built is None:
        return []
    text, details, png = built
    if settings.digest.names_in_group:
        text += "\n\n" + details
    return [_with_chart(text, png, Chat(item.chat, ChatKind.GROUP))]


@renderer(DIGEST_LEADER)
def render_digest_leader(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The leader's private copy, with the names of who is behind."""
    built = _digest(session, settings, item, chart=False)
    if built is None:
        return []
    text, details, _ = built
    return [Reply(f"{texts.DIGEST_FOR_LEADER}{text}\n\n{details}",
                  chat=private_chat(item.chat))]


# -- nudges ----------------------------------------------------------------------------


def plan_nudges(session: Session, now: datetime, *, settings: Settings, school_id: int) -> None:
    """Once a week, on each teacher's day, a private nudge for those behind pace."""
    cfg = settings.nudges
    if not cfg.enabled:
        return
    local = now.astimezone(settings.zone)
    today = local.date()
    if local.time() < cfg.at or not settings.school_calendar.is_school_day(today):
        return
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None or semester.closed or not semester.start <= today <= semester.end:
        return
    monday, sunday = _week(today)
    week = f"{monday:%G-W%V}"
    members = groups.members(session, school_id=school_id)
    away = meetings.paused_on(session, teacher_ids=[m.id for m in members], day=today)
    quiet = settings.reminders.quiet_hours
    due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
    for member in members:
        if member.account is None or member.id in away or _new(member, now, cfg):
            continue
        if member.nudges_off and not cfg.mandatory:
            continue
        chosen = member.nudge_weekday or cfg.weekday
        nudge_day = monday + timedelta(days=chosen - 1)
        # On a day off the nudge waits for the next school day of the same week.
        while nudge_day <= sunday and not settings.school_calendar.is_school_day(nudge_day):
            nudge_day += timedelta(days=1)
        if nudge_day != today:
            continue
        outbox.enqueue(session, key=f"{NUDGE}:{member.id}:{week}", kind=NUDGE,
                       chat=member.account, payload={"teacher": member.id},
                       due_at=due, expires_at=datetime.combine(
                           today + timedelta(days=1), cfg.at, settings.zone))


def _new(member: MemberRow, now: datetime, cfg: NudgesSpec) -> bool:
    """Bound too recently to be nudged: a newcomer gets a week to find their way."""
    return (member.bound_at is not None
            and now - member.bound_at < timedelta(days=cfg.after_binding_days))


@renderer(NUDGE)
def render_nudge(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """What is missing, with buttons that open the right forms; nothing if on track."""
    found = groups.members(session, teacher_ids=[int(item.payload["teacher"])])
    if not found:
        return []
    member = found[0]
    today = item.due_at.astimezone(settings.zone).date()
    semester = school.current_semester(session, school_id=member.school_id, today=today)
    if semester is None or semester.closed:
        return []
    items = measure_people(session, settings, semester, today, [member])[member.id]
    # Only what is 落后 (a whole piece missing by now); what is not yet due is left out.
    behind = quotas.behind(items)
    if not behind:
        return []
    lines = [texts.NUDGE_HEADER.format(name=esc(polite(member.name)))]
    lines += [texts.NUDGE_LINE.format(item=_behind_text(i),
                                      amount=amount(i.quota, i.current.owed))
              for i in behind]
    buttons = []
    for i in behind:
        if settings.catalog.get(i.quota.kind) is not None:
            buttons.append((Button(texts.NUDGE_BUTTON.format(label=i.quota.label),
                                   data=f"rec:{i.quota.kind}"),))
    lines.append(texts.NUDGE_FOOTER)
    return [Reply("\n".join(lines), buttons=tuple(buttons[:5]), chat=private_chat(item.chat))]


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def plan_period_ends(session: Session, now: datetime, *, settings: Settings,
                     school_id: int) -> None:
    """Before a month or the semester closes: a reminder to those with quotas still open;
    on a month's last day, 教导处's summary of the month."""
    cfg = settings.nudges
    local = now.astimezone(settings.zone)
    today = local.date()
    if not cfg.before_close_days or local.time() < cfg.at:
        return
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None or semester.closed or not semester.start <= today <= semester.end:
        return
    closes = min(_month_end(today), semester.end)
    quiet = settings.reminders.quiet_hours
    due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
    expires = datetime.combine(closes + timedelta(days=1), datetime.min.time(), settings.zone)
    if (closes - today).days == cfg.before_close_days:
        members = groups.members(session, school_id=school_id)
        away = meetings.paused_on(session, teacher_ids=[m.id for m in members], day=today)
        for member in members:
            if member.account and member.id not in away and not _new(member, now, cfg) and not (
                    member.nudges_off and not cfg.mandatory):
                outbox.enqueue(session, key=f"{PERIOD_CLOSING}:{member.id}:{closes}",
                               kind=PERIOD_CLOSING, chat=member.account,
                               payload={"teacher": member.id, "closes": closes.isoformat()},
                               due_at=due, expires_at=expires)
    if today == _month_end(today):
        for account in people.admin_accounts(session, school_id=school_id):
            outbox.enqueue(session, key=f"{MONTH_SUMMARY}:{school_id}:{today:%Y-%m}:{account}",
                           kind=MONTH_SUMMARY, chat=account,
                           payload={"semester": semester.id, "day": today.isoformat()},
                           due_at=due, expires_at=expires)


@renderer(PERIOD_CLOSING)
def render_period_closing(session: Session, settings: Settings,
                          item: OutboxItem) -> list[Reply]:
    """What is still open in the period that is about to close (nothing if all is done)."""
    found = groups.members(session, teacher_ids=[int(item.payload["teacher"])])
    closes = date.fromisoformat(str(item.payload["closes"]))
    if not found:
        return []
    member = found[0]
    semester = school.current_semester(session, school_id=member.school_id, today=closes)
    if semester is None or semester.closed:
        return []
    today = item.due_at.astimezone(settings.zone).date()
    items = measure_people(session, settings, semester, today, [member])[member.id]
    open_items = [i for i in items if i.current.end == closes
                  and i.current.done < i.current.target]
    if not open_items:
        return []
    lines = [texts.PERIOD_CLOSING.format(name=esc(polite(member.name)), day=fmt_date(closes))]
    lines += [f"· {_behind_text(i)}" for i in open_items]
    return [Reply("\n".join(lines), chat=private_chat(item.chat))]


@renderer(MONTH_SUMMARY)
def render_month_summary(session: Session, settings: Settings,
                         item: OutboxItem) -> list[Reply]:
    """教导处's month-end summary: per group, who finished the month's quotas."""
    semester = semesters.get_by_id(session, semester_id=int(item.payload["semester"]))
    school_id = semesters.school_of(session, semester_id=int(item.payload["semester"]))
    if semester is None or school_id is None:
        return []
    day = date.fromisoformat(str(item.payload["day"]))
    members = groups.members(session, school_id=school_id)
    measured = measure_people(session, settings, semester, day, members)
    lines = [texts.MONTH_SUMMARY_HEADER.format(month=day.month)]
    for group in settings.groups:
        inside = [m for m in members if group.name in m.groups]
        lines.append(f"\n<b>{esc(group.name)}</b>")
        lines += _summary_lines(_summaries(settings, {m.id: measured[m.id] for m in inside}))
    return [Reply("\n".join(lines), chat=private_chat(item.chat))]


@renderer(SEMESTER_CLOSED)
def render_semester_closed(session: Session, settings: Settings,
                           item: OutboxItem) -> list[Reply]:
    """The semester summary for 教导处: group by group, who has not finished what."""
    semester = semesters.get_by_id(session, semester_id=int(item.payload["semester"]))
    if semester is None:
        return []
    school_id = semesters.school_of(session, semester_id=semester.id)
    if school_id is None:
        return []
    lines = [texts.SEMESTER_SUMMARY_HEADER.format(semester=esc(semester.name))]
    members = groups.members(session, school_id=school_id)
    measured = measure_people(session, settings, semester, semester.end, members)
    for group in settings.groups:
        inside = [m for m in members if group.name in m.groups]
        unfinished = [m for m in inside if any(
            i.current.done < i.current.target for i in measured[m.id])]
        lines.append(texts.SEMESTER_SUMMARY_GROUP.format(
            group=esc(group.name), done=len(inside) - len(unfinished), people=len(inside)))
        lines += [_person_line(m, measured[m.id]) for m in unfinished]
    return [Reply("\n".join(lines), chat=private_chat(item.chat))]


def settings_command(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/settings``: choose the nudge day, or turn optional nudges off."""
    return [_settings_reply(ctx, edit=False)]


def _settings_reply(ctx: Ctx, *, edit: bool) -> Reply:
    me = groups.members(ctx.session, teacher_ids=[ctx.me.id])[0]
    cfg = ctx.settings.nudges
    day = me.nudge_weekday or cfg.weekday
    state = texts.SETTINGS_OFF if me.nudges_off and not cfg.mandatory else (
        texts.SETTINGS_ON.format(day=texts.WEEKDAY_NAMES[day - 1]))
    text = texts.SETTINGS.format(state=state)
    if cfg.mandatory:
        text += "\n" + texts.SETTINGS_MANDATORY
    days = tuple(Button(texts.WEEKDAY_NAMES[d - 1], data=f"{SETTINGS_BUTTONS}:day:{d}")
                 for d in range(1, 6))
    toggle = Button(texts.SETTINGS_TURN_ON if me.nudges_off else texts.SETTINGS_TURN_OFF,
                    data=f"{SETTINGS_BUTTONS}:{'on' if me.nudges_off else 'off'}")
    rows = (days,) if cfg.mandatory else (days, (toggle,))
    return Reply(text, buttons=rows, edit=edit)


def press_settings(ctx: Ctx, data: str) -> list[Reply]:
    """A press on /settings' buttons."""
    action, _, arg = data.partition(":")
    me = groups.members(ctx.session, teacher_ids=[ctx.me.id])[0]
    if action == "day" and arg in {"1", "2", "3", "4", "5"}:
        groups.set_nudges(ctx.session, teacher_id=me.id, weekday=int(arg), off=me.nudges_off)
    elif action in ("on", "off") and not ctx.settings.nudges.mandatory:
        groups.set_nudges(ctx.session, teacher_id=me.id, weekday=me.nudge_weekday,
                          off=action == "off")
    else:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    return [_settings_reply(ctx, edit=True)]


COMMANDS = (
    Command("progress", progress, Access.TEACHER, Where.ANY, texts.SUMMARY["progress"]),
    Command("settings", settings_command, Access.TEACHER, Where.PRIVATE,
            texts.SUMMARY["settings"]),
)
BUTTONS = (ButtonRoute(SETTINGS_BUTTONS, press_settings, Access.TEACHER, Where.PRIVATE),)
