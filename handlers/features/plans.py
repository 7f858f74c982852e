"""学期计划与总结: each teacher's 个人专业发展计划 and 个人学期总结, each leader's 教研组工作计划
and 教研组工作总结, handed in as forms by a due date, with reminders (``[plans]``).

They are records (kinds below): /mine lists them, /check reviews them, the archive prints
them. A group's plan and summary are linked to the group (``link_kind = "group"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers import term_texts as tt
from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.features import records
from handlers.permissions import Access, may_lead
from handlers.render import esc, fmt_date, polite
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from scheduler.quiet import after_quiet
from storage.repos import groups, meetings, outbox, school, term
from storage.repos.groups import MemberRow
from storage.repos.school import SemesterRow

PLAN_BUTTONS = "pln"
PLAN_REMIND = "plan-remind"
LATE_REMINDER_DAYS = 7
DEV_PLAN, TERM_SUMMARY = "dev_plan", "term_summary"
GROUP_PLAN, GROUP_SUMMARY = "group_plan", "group_summary"
PERSONAL = (DEV_PLAN, TERM_SUMMARY)
GROUP = (GROUP_PLAN, GROUP_SUMMARY)
KINDS = (*PERSONAL, *GROUP)
PLANS = (DEV_PLAN, GROUP_PLAN)  # due after the start; the others before the end


@dataclass(frozen=True)
class Owed:
    """One document someone owes this semester, and the record if handed in."""

    kind: str
    teacher_id: int
    group: str | None
    group_id: int | None
    due_on: date
    record_id: int | None
    handed_on: date | None


def due_on(settings: Settings, semester: SemesterRow, kind: str) -> date:
    """The day a plan (after the start) or a summary (before the end) is due."""
    cfg = settings.plans
    if kind in PLANS:
        return min(semester.start + timedelta(days=cfg.plan_due_days), semester.end)
    return max(semester.end - timedelta(days=cfg.summary_due_days), semester.start)


def owed(session: Session, settings: Settings, school_id: int, semester: SemesterRow,
         members: Sequence[MemberRow]) -> list[Owed]:
    """Every plan and summary ``members`` owe this semester (handed in or not)."""
    found = term.handed_in(session, semester_id=semester.id, kinds=KINDS)
    ids = school.group_ids(session, school_id=school_id)
    result = []
    for member in members:
        if member.role in settings.plans.roles:
            for kind in PERSONAL:
                mine = next((r for r in found if r.kind == kind
                             and r.teacher_id == member.id), None)
                result.append(Owed(kind, member.id, None, None, due_on(settings, semester, kind),
                                   mine and mine.record_id, mine and mine.occurred_on))
        for group in member.leads:
            for kind in GROUP:
                gid = ids.get(group)
                theirs = next((r for r in found if r.kind == kind and r.link_id == gid
                               and r.link_kind == term.GROUP_LINK), None)
                result.append(Owed(kind, member.id, group, gid,
                                   due_on(settings, semester, kind),
                                   theirs and theirs.record_id, theirs and theirs.occurred_on))
    return result


def _label(ctx_settings: Settings, item: Owed) -> str:
    label = ctx_settings.catalog.label(item.kind)
    return tt.PLAN_GROUP_LABEL.format(group=item.group, label=label) if item.group else label


def _state(settings: Settings, item: Owed, today: date) -> str:
    label = esc(_label(settings, item))
    if item.handed_on is not None:
        return tt.PLAN_DONE.format(label=label, day=fmt_date(item.handed_on))
    if today > item.due_on:
        return tt.PLAN_LATE.format(label=label, day=fmt_date(item.due_on))
    return tt.PLAN_NOT_DUE.format(label=label, day=fmt_date(item.due_on))


def _open_data(item: Owed) -> str:
    return f"{PLAN_BUTTONS}:w:{item.kind}" + (f":{item.group_id}" if item.group_id else "")


def plans(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/plans``: my plans and summaries (and my groups'), with buttons to write them;
    a leader also sees who in the group has not handed in, 教导处 the whole school."""
    if not ctx.settings.plans.enabled:
        return [Reply(tt.OFF)]
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    (me,) = groups.members(ctx.session, teacher_ids=[ctx.me.id]) or (None,)
    own = owed(ctx.session, ctx.settings, ctx.school_id, semester, [me] if me else [])
    lines = [tt.PLANS_HEADER.format(semester=esc(semester.name))]
    lines += [_state(ctx.settings, item, ctx.today) for item in own] or [tt.PLANS_NOTHING]
    buttons = []
    for item in own:
        label = _label(ctx.settings, item)
        if item.record_id is None:
            buttons.append((Button(tt.PLAN_WRITE.format(label=label), data=_open_data(item)),))
        else:
            buttons.append((Button(tt.PLAN_VIEW.format(label=label),
                                   data=f"{records.MINE_BUTTONS}:view:{item.record_id}:0"),))
    if ctx.access is Access.ADMIN:
        lines += [tt.PLANS_SCHOOL, *_overview(ctx, semester, None)]
    elif ctx.me.leads:
        lines += _overview(ctx, semester, list(ctx.me.leads))
    return [Reply("\n".join(lines), buttons=tuple(buttons))]


def _overview(ctx: Ctx, semester: SemesterRow, only: list[str] | None) -> list[str]:
    """Per group: how many handed in each personal document, who has not (once it is due),
    and the group's own plan and summary (once, however many leaders it has)."""
    members = groups.members(ctx.session, school_id=ctx.school_id)
    found = owed(ctx.session, ctx.settings, ctx.school_id, semester, members)
    names = {m.id: m.name for m in members}
    lines = []
    for spec in ctx.settings.groups:
        if only is not None and spec.name not in only:
            continue
        inside = {m.id for m in members if spec.name in m.groups}
        for kind in PERSONAL:
            items = [i for i in found if i.kind == kind and i.teacher_id in inside]
            if not items:
                continue
            done = [i for i in items if i.record_id is not None]
            lines.append(tt.PLANS_MEMBERS.format(
                group=esc(spec.name), label=esc(ctx.settings.catalog.label(kind)),
                done=len(done), people=len(items)))
            missing = [names[i.teacher_id] for i in items if i.record_id is None]
            if missing and ctx.today > items[0].due_on:
                lines.append(tt.PLANS_MISSING.format(names=esc("、".join(missing))))
        own = {i.kind: i for i in found if i.group == spec.name and i.kind in GROUP}
        lines += [_state(ctx.settings, i, ctx.today) for i in own.values()]
    return lines


def press_plan(ctx: Ctx, data: str) -> list[Reply]:
    """``pln:w:<kind>[:<group id>]``: open the form; a group's only for its leader."""
    action, _, rest = data.partition(":")
    kind, _, raw_group = rest.partition(":")
    if action != "w" or kind not in KINDS or not ctx.settings.plans.enabled:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    if kind in PERSONAL:
        return records.open_form(ctx, kind)
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    group = next((name for name, gid in ids.items() if is_id(raw_group)
                  and gid == int(raw_group)), None)
    if group is None or not may_lead(ctx.person, group) or group not in ctx.me.leads:
        return [Reply(tt.PLAN_NOT_YOURS, notice=tt.PLAN_NOT_YOURS)]
    return records.open_form(ctx, kind, link=(term.GROUP_LINK, ids[group]))


# -- reminders ---------------------------------------------------------------------------


def plan_reminders(session: Session, now: datetime, *, settings: Settings,
                   school_id: int) -> None:
    """At ``remind_at`` on school days: those who have not handed in a document are told
    ``remind_days_before`` days before it is due, on the day, and once a week after."""
    cfg = settings.plans
    local = now.astimezone(settings.zone)
    today = local.date()
    if not cfg.enabled or local.time() < cfg.remind_at:
        return
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None or semester.closed or not semester.start <= today <= semester.end:
        return
    members = groups.members(session, school_id=school_id)
    away = meetings.paused_on(session, teacher_ids=[m.id for m in members], day=today)
    accounts = {m.id: m.account for m in members}
    quiet = settings.reminders.quiet_hours
    due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
    expires = datetime.combine(today + timedelta(days=1), cfg.remind_at, settings.zone)
    for item in owed(session, settings, school_id, semester, members):
        account = accounts.get(item.teacher_id)
        if item.record_id is not None or account is None or item.teacher_id in away:
            continue
        left = (item.due_on - today).days
        if left not in (cfg.remind_days_before, 0, -LATE_REMINDER_DAYS):
            continue
        outbox.enqueue(
            session, key=f"{PLAN_REMIND}:{item.kind}:{item.teacher_id}:{item.group_id or 0}:"
                         f"{semester.id}:{today}",
            kind=PLAN_REMIND, chat=account, due_at=due, expires_at=expires,
            payload={"teacher": item.teacher_id, "kind": item.kind,
                     "group": item.group_id, "school": school_id})


@renderer(PLAN_REMIND)
def render_plan_reminder(session: Session, settings: Settings, item: outbox.OutboxItem
                         ) -> list[Reply]:
    """The reminder, with a button that opens the form; nothing once handed in."""
    today = item.due_at.astimezone(settings.zone).date()
    found = groups.members(session, teacher_ids=[int(item.payload["teacher"])])
    semester = school.current_semester(session, school_id=int(item.payload["school"]),
                                       today=today)
    if not found or semester is None or not settings.plans.enabled:
        return []
    wanted = next((o for o in owed(session, settings, int(item.payload["school"]), semester,
                                   found)
                   if o.kind == item.payload["kind"] and o.group_id == item.payload["group"]),
                  None)
    if wanted is None or wanted.record_id is not None:
        return []
    left = (wanted.due_on - today).days
    said = (tt.PLAN_REMIND if left > 0 else tt.PLAN_REMIND_TODAY if left == 0
            else tt.PLAN_REMIND_LATE)
    label = _label(settings, wanted)
    text = said.format(name=esc(polite(found[0].name)), label=esc(label),
                       day=fmt_date(wanted.due_on))
    button = Button(tt.PLAN_WRITE.format(label=label), data=_open_data(wanted))
    return [Reply(text, buttons=((button,),), chat=private_chat(item.chat))]


COMMANDS = (Command("plans", plans, Access.TEACHER, Where.PRIVATE, tt.SUMMARY["plans"]),)
BUTTONS = (ButtonRoute(PLAN_BUTTONS, press_plan, Access.TEACHER, Where.PRIVATE),)
