"""``/pause``: a teacher away for some days (外出培训, 病假 …).

Reminders and nudges stop at once. The 教研活动 the pause covers that have not started
become one leave request for 教导处 (事假从严, 且需经教导处同意): an admin approves or refuses
it with one press, which decides every session of the pause at once; the 教研组长 hear of the
request and of the decision. Sessions already held are never excused afterwards. A pause
whose reason says 只暂停提醒 only silences reminders and changes no attendance, so it needs
no approval. The teacher withdraws a pause from ``/pause`` (no argument) or the button under
its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import outings
from handlers.forms.validators import InvalidInput, parse_date
from handlers.permissions import Access
from handlers.render import esc, fmt_date
from handlers.types import Button, Reply, private_chat
from storage.repos import meetings, pauses, people
from storage.repos.audit import audit
from storage.repos.pauses import AskedSession, CoveredSession

DECIDE_BUTTONS = "pz"  # an admin's 批准 / 不批准: pz:ok:<pause>, pz:no:<pause>
CANCEL_BUTTONS = "pzc"  # the teacher's 撤销: pzc:<pause>
MAX_DAYS = 366


@dataclass(frozen=True)
class PauseAsked:
    """What a teacher asked for with /pause."""

    start: date
    end: date
    reason: str
    quiet: bool  # 只暂停提醒: reminders only, attendance unchanged


def parse(arg: str, today: date) -> PauseAsked | str:
    """``12月1日 12月5日 外出培训`` or ``12月3日 外出培训`` (a single day); the reason may end
    with 只暂停提醒. A string is what to answer instead (usage, a wrong date …)."""
    parts = arg.split(maxsplit=2)
    if not parts:
        return texts.PAUSE_USAGE
    try:
        start = parse_date(parts[0], today=today)
        try:
            end = parse_date(parts[1], today=today) if len(parts) > 1 else start
        except InvalidInput:  # /pause 12月3日 外出培训: a single day, then the reason
            end, parts = start, [parts[0], parts[0], " ".join(parts[1:])]
    except InvalidInput as exc:
        return f"{esc(str(exc))}\n{texts.PAUSE_USAGE}"
    if end < start:
        return texts.PAUSE_ORDER
    if (end - start).days > MAX_DAYS:
        return texts.PAUSE_TOO_LONG
    reason = parts[2].strip() if len(parts) > 2 else ""
    quiet = texts.PAUSE_QUIET_WORD in reason
    reason = reason.replace(texts.PAUSE_QUIET_WORD, "").strip(" ，,。")[:200]
    return PauseAsked(start, end, reason, quiet)


def span(start: date, end: date) -> str:
    """12月3日（周四）, or 12月1日（周二）至12月5日（周六）."""
    return fmt_date(start) if start == end else texts.PAUSE_SPAN.format(
        start=fmt_date(start), end=fmt_date(end))


def _sessions_text(found: Sequence[CoveredSession | AskedSession], ctx: Ctx) -> str:
    return "、".join(texts.PAUSE_SESSION.format(
        day=fmt_date(c.starts_at.astimezone(ctx.settings.zone).date()), group=esc(c.group))
        for c in found)


def pause(ctx: Ctx, arg: str) -> list[Reply]:
    """``/pause 开始 结束 原因``: no reminders; the sessions covered are a leave request.
    ``/pause`` alone lists the teacher's pauses with a button to withdraw each."""
    if not arg.strip():
        return listing(ctx)
    asked = parse(arg, ctx.today)
    if isinstance(asked, str):
        return [Reply(asked)]
    # issue 16 §6: a pause for 外出学习/外出培训 also asks for its 汇报 afterwards.
    return [*record_pause(ctx, asked),
            *outings.on_pause(ctx, asked.start, asked.end, asked.reason)]


def record_pause(ctx: Ctx, asked: PauseAsked) -> list[Reply]:
    """Store the pause; ask 教导处 for leave from the sessions it covers that have not
    started; say which sessions were already held (left as they are)."""
    zone = ctx.settings.zone
    found = pauses.covered(ctx.session, teacher_id=ctx.me.id,
                           start=datetime.combine(asked.start, time(0, 0), zone),
                           end=datetime.combine(asked.end + timedelta(days=1), time(0, 0), zone))
    held = [c for c in found if c.starts_at <= ctx.now]
    coming = [c for c in found if c.starts_at > ctx.now]
    askable = [c for c in coming if c.status in pauses.ASKABLE and not c.decided]
    status = pauses.QUIET if asked.quiet or not askable else pauses.PENDING
    pause_id = pauses.add_pause(ctx.session, teacher_id=ctx.me.id, start=asked.start,
                                end=asked.end, reason=asked.reason, status=status, now=ctx.now)
    when = span(asked.start, asked.end)
    reason = asked.reason or texts.NONE
    lines = [texts.PAUSE_OK.format(span=when, reason=esc(reason))]
    if asked.quiet:
        lines.append(texts.PAUSE_QUIET_OK)
    elif not coming:
        lines.append(texts.PAUSE_NO_SESSIONS)
    if held:
        lines.append(texts.PAUSE_HELD_KEPT.format(sessions=_sessions_text(held, ctx)))
    others = [c for c in coming if c not in askable]
    if others and not asked.quiet:
        lines.append(texts.PAUSE_ALREADY_ASKED.format(sessions=_sessions_text(others, ctx)))
    state = texts.PAUSE_STATES[status]
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="pause",
          detail=texts.AUDIT_PAUSE.format(name=ctx.me.name, span=when, reason=reason,
                                          state=state), now=ctx.now)
    undo = ((Button(texts.PAUSE_CANCEL_BUTTON, data=f"{CANCEL_BUTTONS}:{pause_id}"),),)
    if status == pauses.QUIET:
        return [Reply("\n".join(lines), buttons=undo)]
    pauses.ask_leave(ctx.session, pause_id=pause_id, teacher_id=ctx.me.id,
                     meeting_ids=[c.meeting_id for c in askable], reason=asked.reason,
                     status=meetings.LEAVE_PENDING, now=ctx.now)
    sessions = _sessions_text(askable, ctx)
    lines.append(texts.PAUSE_ASKED.format(sessions=sessions))
    ask = texts.PAUSE_TO_ADMIN.format(name=esc(ctx.me.name), span=when, reason=esc(reason),
                                      sessions=sessions)
    data = f"{DECIDE_BUTTONS}:{{}}:{pause_id}"
    decide = ((Button(texts.LEAVE_APPROVE, data=data.format("ok")),
               Button(texts.LEAVE_REFUSE, data=data.format("no"))),)
    admins = people.admin_accounts(ctx.session, school_id=ctx.school_id)
    told = texts.PAUSE_TO_LEADER.format(name=esc(ctx.me.name), span=when, reason=esc(reason),
                                        sessions=sessions)
    return [Reply("\n".join(lines), buttons=undo),
            *(Reply(ask, buttons=decide, chat=private_chat(a)) for a in admins),
            *_to_leaders(ctx, askable, skip={*admins, ctx.incoming.account}, text=told)]


def _to_leaders(ctx: Ctx, found: Sequence[CoveredSession | AskedSession], *, skip: set[str],
                text: str) -> list[Reply]:
    """``text`` once to each leader of the groups of these sessions."""
    group_ids = sorted({c.group_id for c in found})
    accounts: list[str] = []
    for group_id in group_ids:
        for account in meetings.leader_accounts(ctx.session, group_id=group_id):
            if account not in skip and account not in accounts:
                accounts.append(account)
    return [Reply(text, chat=private_chat(account)) for account in accounts]


def press_decision(ctx: Ctx, data: str) -> list[Reply]:
    """An admin's 批准 / 不批准 on a pause's leave request: one decision for all its
    sessions, made once."""
    verdict, _, raw_id = data.partition(":")
    if verdict not in ("ok", "no") or not is_id(raw_id):
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    pause = pauses.get_pause(ctx.session, pause_id=int(raw_id))
    teacher = None if pause is None else people.get_person(ctx.session,
                                                           teacher_id=pause.teacher_id)
    if pause is None or teacher is None or teacher.school_id != ctx.school_id:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    approve = verdict == "ok"
    if not pauses.decide_pause(ctx.session, pause_id=pause.id, approve=approve,
                               decided_by=ctx.me.id, now=ctx.now):
        pause = pauses.get_pause(ctx.session, pause_id=pause.id) or pause
        if pause.status == pauses.CANCELLED:
            return [Reply(texts.PAUSE_WITHDRAWN, edit=True, notice=texts.PAUSE_WITHDRAWN)]
        text = (texts.ALREADY_HANDLED_BY.format(admin=esc(pause.decided_by))
                if pause.decided_by else texts.LEAVE_ALREADY_DECIDED)
        return [Reply("", notice=text)]
    when, reason = span(pause.start, pause.end), pause.reason or texts.NONE
    asked = pauses.sessions_of(ctx.session, pause_id=pause.id)
    sessions = _sessions_text(asked, ctx)
    word = texts.LEAVE_APPROVE if approve else texts.LEAVE_REFUSE
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="leave_decision",
          detail=texts.AUDIT_PAUSE.format(name=teacher.name, span=when, reason=reason,
                                          state=f"{texts.DECIDED[word]}（{sessions}）"),
          now=ctx.now)
    summary = texts.PAUSE_DECIDED.format(name=esc(teacher.name), span=when,
                                         reason=esc(reason), sessions=sessions,
                                         admin=esc(ctx.me.name), verdict=texts.DECIDED[word])
    replies = [Reply(summary, edit=True, notice=word),
               *_to_leaders(ctx, asked, skip={teacher.account or "", ctx.incoming.account},
                            text=summary)]
    if teacher.account:
        told = texts.PAUSE_APPROVED if approve else texts.PAUSE_REFUSED
        replies.append(Reply(told.format(span=when, reason=esc(reason), sessions=sessions),
                             chat=private_chat(teacher.account)))
    return replies


def listing(ctx: Ctx, *, edit: bool = False, note: str = "") -> list[Reply]:
    """The teacher's pauses that have not ended, each with a button to withdraw it."""
    found = pauses.current_pauses(ctx.session, teacher_id=ctx.me.id, today=ctx.today)
    head = [note] if note else []
    if not found:
        return [Reply("\n".join([*head, texts.PAUSE_NONE, texts.PAUSE_USAGE]), edit=edit)]
    lines = [*head, texts.PAUSE_LIST_HEADER]
    buttons = []
    for item in found:
        when = span(item.start, item.end)
        lines.append(texts.PAUSE_LIST_LINE.format(span=when,
                                                  reason=esc(item.reason or texts.NONE),
                                                  state=texts.PAUSE_STATES[item.status]))
        buttons.append((Button(texts.PAUSE_CANCEL_LABEL.format(span=when),
                               data=f"{CANCEL_BUTTONS}:{item.id}"),))
    return [Reply("\n".join(lines), buttons=tuple(buttons), edit=edit)]


def press_cancel(ctx: Ctx, raw_id: str) -> list[Reply]:
    """The teacher withdraws a pause: reminders again, and the leave it asked for is
    withdrawn from sessions that have not started (those held keep theirs)."""
    pause = pauses.get_pause(ctx.session, pause_id=int(raw_id)) if is_id(raw_id) else None
    if pause is None or pause.teacher_id != ctx.me.id:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    before = [c for c in pauses.sessions_of(ctx.session, pause_id=pause.id)
              if c.starts_at > ctx.now and c.status in (meetings.LEAVE_PENDING, meetings.LEAVE)]
    if pause.end < ctx.today or not pauses.cancel_pause(
            ctx.session, pause_id=pause.id, teacher_id=ctx.me.id, now=ctx.now):
        return [Reply("", notice=texts.PAUSE_CANCEL_GONE)]
    when, reason = span(pause.start, pause.end), pause.reason or texts.NONE
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="pause_cancel",
          detail=texts.AUDIT_PAUSE.format(name=ctx.me.name, span=when, reason=reason,
                                          state=texts.PAUSE_CANCELLED_STATE), now=ctx.now)
    note = texts.PAUSE_CANCELLED.format(span=when)
    if not before:
        return listing(ctx, edit=True, note=note)
    sessions = _sessions_text(before, ctx)
    note += texts.PAUSE_CANCELLED_SESSIONS.format(sessions=sessions)
    told = texts.PAUSE_CANCELLED_TO.format(name=esc(ctx.me.name), span=when,
                                           reason=esc(reason), sessions=sessions)
    admins = people.admin_accounts(ctx.session, school_id=ctx.school_id)
    return [*listing(ctx, edit=True, note=note),
            *(Reply(told, chat=private_chat(a)) for a in admins if a != ctx.incoming.account),
            *_to_leaders(ctx, before, skip={*admins, ctx.incoming.account}, text=told)]


COMMANDS = (
    Command("pause", pause, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["pause"]),
)
BUTTONS = (
    ButtonRoute(DECIDE_BUTTONS, press_decision, Access.ADMIN, Where.PRIVATE),
    ButtonRoute(CANCEL_BUTTONS, press_cancel, Access.TEACHER, Where.PRIVATE),
)
