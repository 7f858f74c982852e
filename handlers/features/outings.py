"""外出学习汇报 (seed 002: "外出学习…务必写出学习汇报材料，并利用校本培训时间对全员教师进行培训"):
an admin's assignment (``/outing``) or a /pause whose reason says 外出学习/外出培训 makes an
outing; its 汇报 (a record linked to it) is due ``[outings] report_days`` after returning,
is reminded and counted, and a leader schedules it as a session's topic (``/outings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers import term_texts as tt
from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.features import records
from handlers.forms.validators import InvalidInput, parse_date
from handlers.permissions import Access, may_lead
from handlers.render import esc, fmt_date, polite, shorten
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from scheduler.quiet import after_quiet
from storage.repos import groups, meetings, outbox, people, school, term
from storage.repos.people import PersonRow
from storage.repos.term import OutingRow

OUTING_BUTTONS = "out"
OUTING_REMIND = "outing-remind"
REPORT_FORM = "outing_report"
SCHEDULE_WEEKS = 6
REMIND_BEFORE_DAYS = 3
LATE_REMINDER_DAYS = 7


def _create(ctx: Ctx, teacher: PersonRow, training: str, start: date, back: date,
            source: str) -> tuple[date, list[Reply]] | None:
    """Store an outing and tell the teacher's leaders; None outside any semester."""
    semester = (school.current_semester(ctx.session, school_id=ctx.school_id, today=start)
                or school.current_semester(ctx.session, school_id=ctx.school_id,
                                           today=ctx.today))
    if semester is None:
        return None
    due = back + timedelta(days=ctx.settings.outings.report_days)
    term.add_outing(ctx.session, school_id=ctx.school_id, teacher_id=teacher.id,
                    semester_id=semester.id, training=training, start=start, returns_on=back,
                    due_on=due, source=source,
                    assigned_by=ctx.me.id if source == term.ASSIGNED else None, now=ctx.now)
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    leaders = {account for group in teacher.groups if group in ids
               for account in meetings.leader_accounts(ctx.session, group_id=ids[group])}
    leaders -= {ctx.incoming.account, teacher.account or ""}
    told = tt.OUTING_TO_LEADER.format(name=esc(teacher.name), training=esc(training),
                                      back=fmt_date(back), due=fmt_date(due))
    return due, [Reply(told, chat=private_chat(account)) for account in sorted(leaders)]


def on_pause(ctx: Ctx, start: date, end: date, reason: str) -> list[Reply]:
    """A /pause for 外出学习/外出培训 is an outing: the 汇报 is due after it (the pause
    handler calls this once it has stored the pause)."""
    cfg = ctx.settings.outings
    if not cfg.enabled or not any(word in reason for word in cfg.reasons):
        return []
    made = _create(ctx, ctx.me, reason, start, end, term.PAUSE)
    if made is None:
        return []
    due, told = made
    return [Reply(tt.OUTING_FROM_PAUSE.format(due=fmt_date(due))), *told]


def assign(ctx: Ctx, arg: str) -> list[Reply]:
    """``/outing 姓名 培训名称 返校日期``: 教导处 sends a teacher out to study."""
    if not ctx.settings.outings.enabled:
        return [Reply(tt.OFF)]
    parts = arg.split()
    if len(parts) < 3:
        return [Reply(tt.OUTING_USAGE)]
    name, training = parts[0], shorten(" ".join(parts[1:-1]), 200)
    try:
        back = parse_date(parts[-1], today=ctx.today)
    except InvalidInput as exc:
        return [Reply(f"{esc(str(exc))}\n{tt.OUTING_USAGE}")]
    found = people.find_by_name(ctx.session, school_id=ctx.school_id, name=name)
    if not found:
        return [Reply(tt.OUTING_WHO.format(name=esc(shorten(name, 20))))]
    if len(found) > 1:
        return [Reply(tt.OUTING_WHO_MANY.format(name=esc(name), count=len(found)))]
    teacher = found[0]
    made = _create(ctx, teacher, training, min(ctx.today, back), back, term.ASSIGNED)
    if made is None:
        return [Reply(texts.NO_SEMESTER)]
    due, told = made
    replies = [Reply(tt.OUTING_SAVED.format(name=esc(teacher.name), training=esc(training),
                                            back=fmt_date(back), due=fmt_date(due))), *told]
    if teacher.account and teacher.account != ctx.incoming.account:
        replies.append(Reply(tt.OUTING_TOLD.format(
            admin=esc(ctx.me.name), training=esc(training), back=fmt_date(back),
            due=fmt_date(due)), chat=private_chat(teacher.account),
            buttons=((Button(tt.OUTING_WRITE.format(training=shorten(training, 20)),
                             data=f"{OUTING_BUTTONS}:w:{_newest(ctx, teacher.id)}"),),)))
    return replies


def _newest(ctx: Ctx, teacher_id: int) -> int:
    found = term.outings(ctx.session, school_id=ctx.school_id, teacher_ids=[teacher_id])
    return max(o.id for o in found)


def _state(outing: OutingRow, today: date, scheduled: str) -> str:
    if outing.reported_on is not None:
        state = tt.OUTING_STATE_DONE.format(day=fmt_date(outing.reported_on))
    elif today > outing.due_on:
        state = tt.OUTING_STATE_LATE.format(due=fmt_date(outing.due_on))
    else:
        state = tt.OUTING_STATE_OPEN.format(due=fmt_date(outing.due_on))
    return tt.OUTING_LINE.format(name=esc(outing.teacher), training=esc(outing.training),
                                 start=f"{outing.start.month}月{outing.start.day}日",
                                 back=f"{outing.returns_on.month}月{outing.returns_on.day}日",
                                 state=state + scheduled)


def _scheduled(ctx: Ctx, outing: OutingRow) -> str:
    if outing.meeting_id is None:
        return ""
    meeting = meetings.get_meeting(ctx.session, meeting_id=outing.meeting_id)
    return "" if meeting is None else tt.OUTING_SCHEDULED.format(
        day=fmt_date(meeting.planned_on))


def _may_schedule(ctx: Ctx, outing: OutingRow) -> list[str]:
    """The groups of the outing's teacher whose sessions the sender may set."""
    teacher = people.get_person(ctx.session, teacher_id=outing.teacher_id)
    if teacher is None or ctx.access < Access.LEADER:
        return []
    return [g for g in teacher.groups if may_lead(ctx.person, g)]


def list_outings(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/outings``: my outings and their 汇报; a leader's groups' (教导处: everyone's),
    with buttons to write a report or schedule it in a session."""
    if not ctx.settings.outings.enabled:
        return [Reply(tt.OFF)]
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    found = term.outings(ctx.session, school_id=ctx.school_id, semester_id=semester.id)
    if ctx.access is not Access.ADMIN:
        leads = set(ctx.me.leads)
        ids = {m.id for m in groups.members(ctx.session, school_id=ctx.school_id)
               if leads & set(m.groups)} | {ctx.me.id}
        found = [o for o in found if o.teacher_id in ids]
    lines = [tt.OUTINGS_HEADER.format(semester=esc(semester.name))]
    lines += [_state(o, ctx.today, _scheduled(ctx, o)) for o in found] or [tt.OUTINGS_NONE]
    buttons = []
    for o in found:
        if o.teacher_id == ctx.me.id and o.report_id is None:
            buttons.append((Button(tt.OUTING_WRITE.format(training=shorten(o.training, 20)),
                                   data=f"{OUTING_BUTTONS}:w:{o.id}"),))
        if _may_schedule(ctx, o):
            buttons.append((Button(tt.OUTING_SCHEDULE.format(name=o.teacher),
                                   data=f"{OUTING_BUTTONS}:s:{o.id}"),))
    return [Reply("\n".join(lines), buttons=tuple(buttons[:40]))]


def _outing(ctx: Ctx, raw_id: str) -> OutingRow | None:
    if not is_id(raw_id):
        return None
    found = term.outings(ctx.session, school_id=ctx.school_id, outing_ids=[int(raw_id)])
    return found[0] if found else None


def press_outing(ctx: Ctx, data: str) -> list[Reply]:
    """``out:w:<id>`` write one's report; ``out:s:<id>`` pick a session for it;
    ``out:m:<id>:<session>`` make it that session's topic."""
    action, _, rest = data.partition(":")
    raw_id, _, raw_meeting = rest.partition(":")
    found = _outing(ctx, raw_id) if ctx.settings.outings.enabled else None
    if found is None:
        return [Reply(tt.OUTING_GONE, notice=tt.OUTING_GONE)]
    if action == "w" and found.teacher_id == ctx.me.id:
        return records.open_form(ctx, REPORT_FORM, prefill={"training": found.training},
                                 link=(term.OUTING_LINK, found.id))
    allowed = _may_schedule(ctx, found)
    if action == "s" and allowed:
        return [_pick(ctx, found, allowed)]
    if action == "m" and allowed and is_id(raw_meeting):
        meeting = meetings.get_meeting(ctx.session, meeting_id=int(raw_meeting))
        if meeting is not None and meeting.group in allowed and meeting.held:
            return _schedule(ctx, found, meeting)
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


def _pick(ctx: Ctx, outing: OutingRow, allowed: Sequence[str]) -> Reply:
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    coming = [m for m in meetings.list_meetings(
        ctx.session, group_ids=[ids[g] for g in allowed if g in ids], start=ctx.today,
        end=ctx.today + timedelta(weeks=SCHEDULE_WEEKS)) if m.held]
    group = "、".join(allowed)
    if not coming:
        return Reply(tt.OUTING_NO_SESSIONS.format(group=esc(group)), edit=True)
    buttons = tuple((Button(f"{m.group} {fmt_date(m.planned_on)}",
                            data=f"{OUTING_BUTTONS}:m:{outing.id}:{m.id}"),)
                    for m in coming[:8])
    return Reply(tt.OUTING_PICK.format(name=esc(outing.teacher),
                                       training=esc(outing.training), group=esc(group)),
                 buttons=buttons, edit=True)


def _schedule(ctx: Ctx, outing: OutingRow, meeting: meetings.MeetingRow) -> list[Reply]:
    topic = shorten(tt.OUTING_TOPIC.format(training=outing.training), 200)
    meetings.update_meeting(ctx.session, meeting_id=meeting.id, topic=topic,
                            host=outing.teacher)
    term.set_outing_meeting(ctx.session, outing_id=outing.id, meeting_id=meeting.id)
    day = fmt_date(meeting.planned_on)
    replies = [Reply(tt.OUTING_SET.format(name=esc(outing.teacher), day=day, topic=esc(topic)),
                     edit=True)]
    if outing.account and outing.account != ctx.incoming.account:
        replies.append(Reply(tt.OUTING_SET_TOLD.format(day=day, group=esc(meeting.group)),
                             chat=private_chat(outing.account)))
    return replies


# -- reminders ---------------------------------------------------------------------------


def _remind_today(outing: OutingRow, today: date) -> bool:
    left = (outing.due_on - today).days
    return (today == outing.returns_on + timedelta(days=1)
            or left in (REMIND_BEFORE_DAYS, 0, -LATE_REMINDER_DAYS))


def plan_outing_reminders(session: Session, now: datetime, *, settings: Settings,
                          school_id: int) -> None:
    """At ``remind_at``: the day after returning, three days before the due day, on it, and
    a week after it, whoever has not handed in the 汇报 is told."""
    cfg = settings.outings
    local = now.astimezone(settings.zone)
    today = local.date()
    if not cfg.enabled or local.time() < cfg.remind_at:
        return
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None or semester.closed:
        return
    quiet = settings.reminders.quiet_hours
    due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
    for outing in term.outings(session, school_id=school_id, semester_id=semester.id):
        if (outing.report_id is not None or outing.account is None
                or today <= outing.returns_on or not _remind_today(outing, today)):
            continue
        outbox.enqueue(session, key=f"{OUTING_REMIND}:{outing.id}:{today}", kind=OUTING_REMIND,
                       chat=outing.account, due_at=due,
                       expires_at=datetime.combine(today + timedelta(days=1), cfg.remind_at,
                                                   settings.zone),
                       payload={"outing": outing.id, "school": school_id})


@renderer(OUTING_REMIND)
def render_outing_reminder(session: Session, settings: Settings, item: outbox.OutboxItem
                           ) -> list[Reply]:
    """The reminder with a button to write the 汇报; nothing once it was handed in."""
    found = term.outings(session, school_id=int(item.payload["school"]),
                         outing_ids=[int(item.payload["outing"])])
    if not found or found[0].report_id is not None or not settings.outings.enabled:
        return []
    outing = found[0]
    today = item.due_at.astimezone(settings.zone).date()
    said = tt.OUTING_REMIND_LATE if today > outing.due_on else tt.OUTING_REMIND
    button = Button(tt.OUTING_WRITE.format(training=shorten(outing.training, 20)),
                    data=f"{OUTING_BUTTONS}:w:{outing.id}")
    return [Reply(said.format(name=esc(polite(outing.teacher)), training=esc(outing.training),
                              due=fmt_date(outing.due_on)),
                  buttons=((button,),), chat=private_chat(item.chat))]


COMMANDS = (
    Command("outings", list_outings, Access.TEACHER, Where.PRIVATE, tt.SUMMARY["outings"]),
    Command("outing", assign, Access.ADMIN, Where.PRIVATE, tt.SUMMARY["outing"]),
)
BUTTONS = (ButtonRoute(OUTING_BUTTONS, press_outing, Access.TEACHER, Where.PRIVATE),)
