"""教研 sessions: list, announce, reschedule, cancel; attendance, leave (pauses: pauses.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.district import texts as district_texts
from handlers.features import records
from handlers.features.progress import started
from handlers.forms import engine
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access, may_lead
from handlers.render import esc, fmt_date, fmt_datetime, materials, shorten
from handlers.types import Button, Chat, ChatKind, Reply, private_chat
from storage.repos import chats, drafts, meetings, outbox, people, school
from storage.repos import records as records_repo
from storage.repos.audit import audit
from storage.repos.meetings import MeetingRow

SESSION_BUTTONS = "ses"
WARNED = "_warned"  # a reschedule draft's answers: the time the leader was warned about
ATTEND_BUTTONS = "att"
LEAVE_BUTTONS = "lv"
LIST_WEEKS = 4
PAST_SHOWN = 8  # held sessions /sessions lists for their minutes
LEAVE_PAYLOAD = "leave-"
# What follows an announcement (集体备课 asks for its 主备人): (ctx, session) → replies.
ANNOUNCED: list[Callable[[Ctx, MeetingRow], list[Reply]]] = []
# Outbox keys of a session's reminders start with these; a change cancels them all.
REMINDER_PREFIXES = ("eve", "soon", "checkin", "minutes", "minutes-late")


def group_chats(ctx: Ctx, group_id: int) -> list[Chat]:
    """The group chats linked to a 教研组."""
    return [Chat(address=address, kind=ChatKind.GROUP)
            for address in chats.chats_of_group(ctx.session, group_id=group_id)]


def _to_group(ctx: Ctx, group_id: int, text: str,
              buttons: tuple[tuple[Button, ...], ...] = ()) -> list[Reply]:
    return [Reply(text, buttons=buttons, chat=chat) for chat in group_chats(ctx, group_id)]


def session_group_ids(ctx: Ctx, meeting: MeetingRow) -> list[int]:
    """Every group taking part in a session: its own, then other schools' (联片教研)."""
    return [meeting.group_id,
            *(g.group_id for g in meetings.guests(ctx.session, meeting_id=meeting.id))]


def group_chats_replies(ctx: Ctx, group_id: int, text: str, meeting_id: int) -> list[Reply]:
    """A session's notice, with 参加 / 请假, to one group's linked chats."""
    return _to_group(ctx, group_id, text, answer_buttons(meeting_id))


def _to_session(ctx: Ctx, meeting: MeetingRow, text: str,
                buttons: tuple[tuple[Button, ...], ...] = ()) -> list[Reply]:
    """``text`` to the linked chats of every group taking part in a session."""
    return [reply for group_id in session_group_ids(ctx, meeting)
            for reply in _to_group(ctx, group_id, text, buttons)]


def joint_line(ctx: Ctx, meeting: MeetingRow) -> str:
    """Who takes part in a 联片教研 (empty for a group's own session)."""
    guests = meetings.guests(ctx.session, meeting_id=meeting.id)
    if not guests:
        return ""
    host = meetings.school_of_group(ctx.session, group_id=meeting.group_id)
    return district_texts.JOINT_LINE.format(groups=esc("、".join(
        [f"{host}{meeting.group}", *(f"{g.school}{g.group}" for g in guests)])))


def notice(ctx: Ctx, meeting: MeetingRow) -> str:
    """The announcement of a session as its groups read it."""
    text = texts.ANNOUNCEMENT.format(session=describe(meeting, ctx.settings.zone))
    joint = joint_line(ctx, meeting)
    return f"{text}\n{joint}" if joint else text


def describe(meeting: MeetingRow, ctx_zone: Any) -> str:
    """A session's when, where and what, as the group reads it."""
    if not meeting.held or meeting.starts_at is None:
        reason = esc(meeting.note) if meeting.note else texts.SESSION_OFF
        return texts.SESSION_LINE_OFF.format(day=fmt_date(meeting.planned_on), note=reason)
    lines = [texts.SESSION_LINE.format(group=esc(meeting.group),
                                       when=fmt_datetime(meeting.starts_at, ctx_zone),
                                       place=esc(meeting.place or texts.NONE))]
    if meeting.topic:
        lines.append(texts.SESSION_TOPIC.format(topic=esc(meeting.topic),
                                                host=esc(meeting.host or texts.NONE),
                                                form=esc(meeting.form or texts.NONE)))
    if meeting.content:
        lines.append(texts.SESSION_CONTENT.format(content=esc(meeting.content)))
    if meeting.materials:
        lines.append(texts.SESSION_MATERIALS.format(materials=esc(materials(meeting.materials))))
    return "\n".join(lines)


def answer_buttons(meeting_id: int) -> tuple[tuple[Button, ...], ...]:
    """参加 / 请假 under an announcement or reminder."""
    return ((Button(texts.ATTEND_GO, data=f"{ATTEND_BUTTONS}:go:{meeting_id}"),
             Button(texts.ATTEND_LEAVE, data=f"{ATTEND_BUTTONS}:leave:{meeting_id}")),)


def cancel_reminders(ctx: Ctx, meeting_id: int) -> None:
    """Withdraw every pending reminder of a session (it moved or was cancelled)."""
    for prefix in REMINDER_PREFIXES:
        outbox.cancel_prefix(ctx.session, prefix=f"{prefix}:{meeting_id}:")


# -- listing -----------------------------------------------------------------------------


def _my_group_ids(ctx: Ctx) -> dict[str, int]:
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    if not ctx.incoming.chat.is_private:
        link = chats.get_link(ctx.session, chat=ctx.incoming.chat.address)
        if link is not None and link.group_id is not None and link.group:
            return {link.group: link.group_id}
        return ids
    mine = ctx.me.groups or (tuple(ids) if ctx.access is Access.ADMIN else ())
    return {name: ids[name] for name in mine if name in ids}


def list_sessions(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/sessions``: the coming sessions of my group(s); leaders get buttons to manage, and
    the sessions already held with their minutes (活动记录) to write or finish."""
    groups = _my_group_ids(ctx)
    if not groups:
        return [Reply(texts.SESSIONS_NO_GROUP)]
    upcoming = meetings.list_meetings(ctx.session, group_ids=list(groups.values()),
                                      start=ctx.today,
                                      end=ctx.today + timedelta(weeks=LIST_WEEKS))
    joined = meetings.joined_meetings(ctx.session, group_ids=list(groups.values()),
                                      start=ctx.today,
                                      end=ctx.today + timedelta(weeks=LIST_WEEKS))
    upcoming = sorted([*upcoming, *joined], key=lambda m: (m.planned_on, m.id))
    upcoming = [m for m in upcoming if m.status != meetings.CANCELLED
                and (m.starts_at is None or m.starts_at >= ctx.now - timedelta(hours=3))]
    past_lines, past_buttons = _held_with_minutes(ctx, groups)
    if not upcoming and not past_lines:
        return [Reply(texts.SESSIONS_NONE.format(weeks=LIST_WEEKS))]
    lines = [texts.SESSIONS_HEADER.format(weeks=LIST_WEEKS) if upcoming
             else texts.SESSIONS_NONE.format(weeks=LIST_WEEKS)]
    buttons: list[tuple[Button, ...]] = []
    for meeting in upcoming:
        joint = joint_line(ctx, meeting)
        lines.append(describe(meeting, ctx.settings.zone) + (f"\n{joint}" if joint else ""))
        if meeting in joined:
            if meeting.held and _guest_led(ctx, meeting) is not None:
                label = district_texts.JOINT_ROLL.format(day=fmt_date(meeting.planned_on))
                buttons.append((Button(label, data=f"{SESSION_BUTTONS}:roll:{meeting.id}"),))
        elif meeting.held and may_lead(ctx.person, meeting.group):
            label = texts.SESSION_MANAGE.format(day=fmt_date(meeting.planned_on),
                                                group=meeting.group)
            buttons.append((Button(label, data=f"{SESSION_BUTTONS}:menu:{meeting.id}"),))
    text = "\n\n".join(lines)
    if ctx.incoming.chat.is_private:
        return [Reply("\n\n".join([text, *past_lines]),
                      buttons=(*buttons, *past_buttons))]
    if not buttons and not past_buttons:
        return [Reply(text)]
    # In a group everyone sees the list; the 管理 buttons are the leader's, in private chat.
    return [Reply(text), Reply("\n\n".join([texts.SESSIONS_MANAGE_HERE, *past_lines]),
                               buttons=(*buttons, *past_buttons),
                               chat=private_chat(ctx.incoming.account))]


def _held_with_minutes(ctx: Ctx, groups: dict[str, int],
                       ) -> tuple[list[str], list[tuple[Button, ...]]]:
    """For a leader: the sessions of their groups already held this term (those of the
    last weeks, and older ones whose minutes are still missing), each with its minutes'
    state and a button to write them or manage the session."""
    led = [group_id for name, group_id in groups.items() if may_lead(ctx.person, name)]
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if not led or semester is None:
        return [], []
    first = max(semester.start, started(ctx.session, ctx.settings, semester) or semester.start)
    held = [m for m in meetings.list_meetings(ctx.session, group_ids=led, start=first,
                                              end=ctx.today)
            if m.held and m.starts_at is not None and m.starts_at <= ctx.now]
    written = meetings.minutes_records(ctx.session, meeting_ids=[m.id for m in held])
    recent = ctx.today - timedelta(weeks=LIST_WEEKS)
    shown = [m for m in held if m.planned_on >= recent or m.id not in written][-PAST_SHOWN:]
    if not shown:
        return [], []
    lines = [texts.SESSIONS_PAST_HEADER]
    buttons: list[tuple[Button, ...]] = []
    for meeting in shown:
        assert meeting.starts_at is not None
        day = fmt_date(meeting.starts_at.astimezone(ctx.settings.zone).date())
        done = meeting.id in written
        lines.append(texts.SESSIONS_PAST_LINE.format(
            day=day, group=esc(meeting.group),
            state=texts.MINUTES_DONE if done else texts.MINUTES_MISSING))
        label = (texts.SESSION_MANAGE if done else texts.MINUTES_WRITE).format(
            day=day, group=meeting.group)
        action = "menu" if done else "minutes"
        buttons.append((Button(label, data=f"{SESSION_BUTTONS}:{action}:{meeting.id}"),))
    return ["\n".join(lines)], buttons


# -- leaders: announce, change, cancel ---------------------------------------------------


def _led_meeting(ctx: Ctx, raw_id: str) -> MeetingRow | None:
    """A session the sender may manage (its group's leader, or an admin)."""
    if not is_id(raw_id):
        return None
    meeting = meetings.get_meeting(ctx.session, meeting_id=int(raw_id))
    if meeting is None or not may_lead(ctx.person, meeting.group):
        return None
    group_ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    return meeting if meeting.group_id in group_ids.values() else None


def next_meeting(ctx: Ctx, group_id: int) -> MeetingRow | None:
    """A group's next session that takes place and has not started."""
    coming = meetings.list_meetings(ctx.session, group_ids=[group_id], start=ctx.today,
                                    end=ctx.today + timedelta(weeks=8))
    return next((m for m in coming if m.held and m.starts_at and m.starts_at > ctx.now), None)


def announce(ctx: Ctx, arg: str) -> list[Reply]:
    """``/announce [教研组]``: fill in the next session's topic, host … and post it."""
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    led = list(ids) if ctx.access is Access.ADMIN else list(ctx.me.leads)
    if arg.strip():
        if arg.strip() not in ids:  # a typo: say so, as /link, /progress and /export do
            return [Reply(texts.PROGRESS_UNKNOWN_GROUP.format(
                name=esc(shorten(arg.strip(), 40)), groups=esc("、".join(
                    g.name for g in ctx.settings.groups if g.name in (led or ids)))))]
        if arg.strip() not in led:
            return [Reply(texts.ANNOUNCE_NOT_YOURS.format(group=esc(shorten(arg.strip(), 40))))]
        led = [arg.strip()]
    if len(led) > 1:
        options = tuple((Button(name, data=f"{SESSION_BUTTONS}:announce-group:{ids[name]}"),)
                        for name in led)
        return [Reply(texts.ANNOUNCE_WHICH_GROUP, buttons=options)]
    if not led:
        return [Reply(texts.ANNOUNCE_NOT_LEADER)]
    return _announce_next(ctx, ids[led[0]])


def _announce_next(ctx: Ctx, group_id: int) -> list[Reply]:
    meeting = next_meeting(ctx, group_id)
    if meeting is None:
        return [Reply(texts.ANNOUNCE_NO_SESSION)]
    return _open_announcement(ctx, meeting)


def _open_announcement(ctx: Ctx, meeting: MeetingRow) -> list[Reply]:
    prefill: dict[str, Any] = {"place": meeting.place}
    for key in ("topic", "host", "form", "content", "materials"):
        value = getattr(meeting, key)
        if value:
            prefill[key] = value
    replies = records.open_form(ctx, "announcement", prefill=prefill,
                                link=("meeting", meeting.id))
    if not ctx.incoming.chat.is_private:
        return replies  # the form continues in private chat, where the intro will be said
    intro = Reply(texts.ANNOUNCE_INTRO.format(session=describe(meeting, ctx.settings.zone)))
    return [intro, *replies]


def _submit_announcement(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    meeting = _led_meeting(ctx, str(draft.link_id or ""))
    records.finish_draft(ctx)
    if meeting is None:
        return [Reply(texts.SESSION_GONE)]
    answers = draft.answers
    meetings.update_meeting(ctx.session, meeting_id=meeting.id, topic=str(answers["topic"]),
                            host=str(answers["host"]), form=str(answers["form"]),
                            place=str(answers["place"]),
                            content=str(answers.get("content") or ""),
                            materials=str(answers.get("materials") or ""),
                            status=meetings.ANNOUNCED, announced_at=ctx.now)
    updated = meetings.get_meeting(ctx.session, meeting_id=meeting.id)
    assert updated is not None
    posted = _to_session(ctx, updated, notice(ctx, updated), answer_buttons(meeting.id))
    note = texts.ANNOUNCED_OK if posted else texts.ANNOUNCED_NO_CHAT
    after = [reply for hook in ANNOUNCED for reply in hook(ctx, updated)]
    return [Reply(note, edit=True), *posted, *after]


def _menu(ctx: Ctx, meeting: MeetingRow) -> list[Reply]:
    data = f"{SESSION_BUTTONS}:{{}}:{meeting.id}"
    if meeting.starts_at is not None and meeting.starts_at <= ctx.now:
        # Held (or under way): nothing to announce, move or cancel any more.
        buttons: tuple[tuple[Button, ...], ...] = ((
            Button(texts.SESSION_ROLL, data=data.format("roll")),
            Button(texts.MINUTES_BUTTON, data=data.format("minutes"))),)
    else:
        buttons = ((Button(texts.SESSION_EDIT_NOTICE, data=data.format("edit")),
                    Button(texts.SESSION_MOVE, data=data.format("move"))),
                   (Button(texts.SESSION_CANCEL, data=data.format("cancel")),
                    Button(texts.SESSION_ROLL, data=data.format("roll"))))
    return [Reply(describe(meeting, ctx.settings.zone), buttons=buttons)]


def _reschedule_problems(ctx: Ctx, meeting: MeetingRow, start: datetime, end: datetime,
                         place: str) -> list[str]:
    """Why the new time may be a mistake: a day off, or another session of the school in
    that room (another school's 办公室 is another room)."""
    day = start.astimezone(ctx.settings.zone).date()
    found = []
    reason = ctx.settings.school_calendar.day_off_reason(day)
    if reason:
        found.append(texts.RESCHEDULE_DAY_OFF.format(day=fmt_date(day), reason=reason))
    for other in meetings.held_between(ctx.session, start=start - timedelta(days=1), end=end,
                                       school_id=ctx.school_id):
        if (other.id != meeting.id and other.place.strip() == place.strip()
                and other.starts_at is not None and other.ends_at is not None
                and other.starts_at < end and other.ends_at > start):
            found.append(texts.RESCHEDULE_CLASH.format(
                group=esc(other.group), when=fmt_datetime(other.starts_at, ctx.settings.zone),
                place=esc(place)))
    return found


def _submit_reschedule(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    meeting = _led_meeting(ctx, str(draft.link_id or ""))
    if meeting is None:
        records.finish_draft(ctx)
        return [Reply(texts.SESSION_GONE)]
    zone = ctx.settings.zone
    day = datetime.fromisoformat(str(draft.answers["day"])).date()
    start = datetime.combine(day, time.fromisoformat(str(draft.answers["start"])), zone)
    end = datetime.combine(day, time.fromisoformat(str(draft.answers["end"])), zone)
    if end <= start:
        end = start + timedelta(minutes=90)
    place = str(draft.answers["place"])
    problems = _reschedule_problems(ctx, meeting, start, end, place)
    signature = f"{start.isoformat()}|{end.isoformat()}|{place}"
    if problems and draft.answers.get(WARNED) != signature:
        # A weekend, a holiday or another group in the same room: say so, and ask again.
        asked = replace(draft, answers={**draft.answers, WARNED: signature})
        records.keep_draft(ctx, asked)
        return [Reply(texts.RESCHEDULE_CHECK.format(problems="；".join(problems)),
                      buttons=((engine.button(asked, texts.RESCHEDULE_ANYWAY, "submit"),
                                engine.button(asked, texts.RESCHEDULE_CHANGE, "edit")),),
                      edit=True)]
    records.finish_draft(ctx)
    cancel_reminders(ctx, meeting.id)
    meetings.update_meeting(ctx.session, meeting_id=meeting.id, starts_at=start, ends_at=end,
                            place=str(draft.answers["place"]))
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="move_session",
          detail=texts.AUDIT_MOVE.format(group=meeting.group, day=fmt_date(meeting.planned_on),
                                         new=fmt_datetime(start, zone)), now=ctx.now)
    text = texts.SESSION_MOVED.format(group=esc(meeting.group),
                                      old=fmt_date(meeting.planned_on),
                                      new=fmt_datetime(start, zone),
                                      place=esc(str(draft.answers["place"])))
    return [Reply(texts.SESSION_CHANGED_OK, edit=True),
            *_to_session(ctx, meeting, text, answer_buttons(meeting.id))]


def _cancel(ctx: Ctx, meeting: MeetingRow, *, confirmed: bool) -> list[Reply]:
    if not confirmed:
        buttons = ((Button(texts.SESSION_CANCEL_YES,
                           data=f"{SESSION_BUTTONS}:cancelok:{meeting.id}"),
                    Button(texts.SESSION_CANCEL_NO, data=f"{SESSION_BUTTONS}:menu:{meeting.id}")),)
        return [Reply(texts.SESSION_CANCEL_ASK.format(day=fmt_date(meeting.planned_on),
                                                      group=esc(meeting.group)),
                      buttons=buttons, edit=True)]
    if meeting.status == meetings.CANCELLED:
        return [Reply(texts.SESSION_ALREADY_CANCELLED, edit=True)]
    cancel_reminders(ctx, meeting.id)
    meetings.update_meeting(ctx.session, meeting_id=meeting.id, status=meetings.CANCELLED)
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="cancel_session",
          detail=texts.AUDIT_SESSION.format(group=meeting.group,
                                            day=fmt_date(meeting.planned_on)), now=ctx.now)
    text = texts.SESSION_CANCELLED.format(group=esc(meeting.group),
                                          day=fmt_date(meeting.planned_on))
    return [Reply(texts.SESSION_CHANGED_OK, edit=True),
            *_to_session(ctx, meeting, text)]


def _roll_groups(ctx: Ctx, meeting: MeetingRow) -> list[tuple[str, int]]:
    """The groups of a session whose people ``ctx`` sees on the roll call, each with the
    heading it gets ("" for a group's own session): a school's leaders see their own
    people; the organising school's admin sees every school's."""
    guests = meetings.guests(ctx.session, meeting_id=meeting.id)
    if not guests:
        return [("", meeting.group_id)]
    own = set(school.group_ids(ctx.session, school_id=ctx.school_id).values())
    everyone = meeting.group_id in own and ctx.access is Access.ADMIN
    found = [(f"{ctx.settings.school.name}{meeting.group}", meeting.group_id)
             ] if meeting.group_id in own else []
    return found + [(f"{g.school}{g.group}", g.group_id) for g in guests
                    if everyone or g.group_id in own]


def _roll_members(ctx: Ctx, meeting: MeetingRow
                  ) -> list[tuple[str, list[meetings.AttendanceRow]]]:
    return [(heading, meetings.members(ctx.session, group_id=group_id, meeting_id=meeting.id))
            for heading, group_id in _roll_groups(ctx, meeting)]


def roll(ctx: Ctx, meeting: MeetingRow) -> list[Reply]:
    """Attendance of a session, with buttons for the leader to correct it."""
    lines = [texts.ROLL_HEADER.format(group=esc(meeting.group),
                                      day=fmt_date(meeting.planned_on))]
    buttons = []
    for heading, rows in _roll_members(ctx, meeting):
        if heading:
            lines.append(district_texts.JOINT_ROLL_GROUP.format(group=esc(heading)))
        for row in rows:
            label = texts.ATTENDANCE_LABELS.get(row.status or "", texts.ATTENDANCE_UNKNOWN)
            late = row.status == meetings.PRESENT and row.reason.startswith(texts.LATE)
            lines.append(f"{esc(row.name)}：{label}" + (f"（{esc(row.reason)}）" if late else ""))
            # Each button carries the status it corrects, so a correction someone else made
            # in the meantime is not overwritten unseen.
            mark = (f"{SESSION_BUTTONS}:mark:{meeting.id}:{row.teacher_id}:{{}}:"
                    f"{_SEEN[row.status]}")
            buttons.append((
                Button(f"{row.name} {texts.ATTENDANCE_LABELS[meetings.PRESENT]}",
                       data=mark.format("p")),
                Button(texts.ATTENDANCE_LABELS[meetings.ABSENT], data=mark.format("a")),
                Button(texts.ATTENDANCE_LABELS[meetings.LEAVE], data=mark.format("l")),
            ))
    return [Reply("\n".join(lines), buttons=tuple(buttons), edit=True)]


def minutes_checklist(meeting_id: int, rows: list[meetings.AttendanceRow]) -> dict[str, Any]:
    """The minutes' 参加人员 as a checklist: every member of the group, ticked when they
    signed in (签到), approved leave shown as such; ``seen`` is the 考勤 it starts from."""
    return {"meeting": meeting_id,
            "from_checkin": any(r.status == meetings.PRESENT for r in rows),
            "members": [{"id": r.teacher_id, "name": r.name, "seen": r.status,
                         "here": r.status == meetings.PRESENT,
                         "leave": r.status == meetings.LEAVE} for r in rows]}


def _open_minutes(ctx: Ctx, meeting: MeetingRow) -> list[Reply]:
    """The minutes form, pre-filled from the session and its attendance; the leader's
    minutes already handed in open for editing (with 考勤 as it is now)."""
    open_draft = drafts.get_draft(ctx.session, account=ctx.incoming.account)
    if (ctx.incoming.chat.is_private and open_draft is not None and open_draft.form == "minutes"
            and (open_draft.answers.get("attendees") or {}).get("meeting") == meeting.id):
        return records.reask(ctx)  # the minutes of this session are being written: go on
    rows = meetings.members(ctx.session, group_id=meeting.group_id, meeting_id=meeting.id)
    attendees = minutes_checklist(meeting.id, rows)
    handed_in = meetings.minutes_records(ctx.session, meeting_ids=[meeting.id]).get(meeting.id)
    found = None if handed_in is None else records_repo.get_record(ctx.session,
                                                                   record_id=handed_in[0])
    if found is not None and found.teacher_id == ctx.me.id:
        return records.open_form(ctx, "minutes", prefill={**found.answers,
                                                          "attendees": attendees},
                                 record_id=found.id)
    prefill: dict[str, Any] = {"place": meeting.place, "held_on": (
        meeting.starts_at.astimezone(ctx.settings.zone).date().isoformat()
        if meeting.starts_at else meeting.planned_on.isoformat()), "attendees": attendees}
    if meeting.topic:
        prefill["topic"] = meeting.topic
    if meeting.host:
        prefill["host"] = meeting.host
    return records.open_form(ctx, "minutes", prefill=prefill, link=("meeting", meeting.id))


def _submit_minutes(ctx: Ctx, spec: FormSpec, draft: Draft) -> list[Reply]:
    """The leader confirms who was there: the checklist is written to 考勤 through the
    corrections' conditional, audited path, then the minutes are saved as a record."""
    value = draft.answers.get("attendees")
    members = engine.checklist(value)
    meeting = (None if members is None or not isinstance(value, dict)
               else _led_meeting(ctx, str(value.get("meeting", ""))))
    if (members is None or meeting is None or not isinstance(value, dict)
            or meeting.starts_at is None or meeting.starts_at > ctx.now):
        return records.save_record(ctx, spec, draft)
    kept = []
    missed = []
    for member in members:
        seen = member.get("seen")
        wanted = _minutes_status(member)
        if wanted is not None and wanted != seen and not _correct(
                ctx, meeting, int(member["id"]), str(member["name"]), wanted, seen):
            current = meetings.get_attendance(ctx.session, meeting_id=meeting.id,
                                              teacher_id=int(member["id"]))
            seen = None if current is None else current.status
            if seen != wanted:
                missed.append(str(member["name"]))
        else:
            seen = wanted if wanted is not None else seen
        kept.append({**member, "seen": seen, "here": seen == meetings.PRESENT,
                     "leave": seen == meetings.LEAVE})
    answers = {**draft.answers, "attendees": {**value, "members": kept}}
    replies = records.save_record(ctx, spec, replace(draft, answers=answers))
    if missed:
        replies.append(Reply(texts.MINUTES_ROLL_CHANGED.format(names=esc("、".join(missed)))))
    return replies


def _minutes_status(member: dict[str, Any]) -> str | None:
    """What the checklist says of one member: 出席 when ticked; 缺席 when not ticked and
    they had signed in, said 参加 or not answered; None (left as it is) for leave."""
    if member.get("leave"):
        return None
    if member.get("here"):
        return meetings.PRESENT
    if member.get("seen") in (None, meetings.GOING, meetings.PRESENT):
        return meetings.ABSENT
    return None


def _correct(ctx: Ctx, meeting: MeetingRow, teacher_id: int, name: str, status: str,
             previous: str | None) -> bool:
    """Correct one member's 考勤 if it is still ``previous`` (as the leader saw it), with an
    audit entry; False when someone changed it first."""
    if not meetings.correct_attendance(
            ctx.session, meeting_id=meeting.id, teacher_id=teacher_id, status=status,
            expected=previous, decided_by=ctx.me.id, now=ctx.now):
        return False
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id,
          action="correct_attendance",
          detail=texts.AUDIT_ATTENDANCE.format(
              name=name, group=meeting.group, day=fmt_date(meeting.planned_on),
              before=texts.ATTENDANCE_LABELS.get(previous or "", texts.AUDIT_NOTHING),
              after=texts.ATTENDANCE_LABELS.get(status, status)),
          now=ctx.now)
    return True


_MARKS = {"p": meetings.PRESENT, "a": meetings.ABSENT, "l": meetings.LEAVE}
# Attendance as a leader saw it on the roll call, in button data ("-": no answer yet).
_SEEN: dict[str | None, str] = {None: "-", meetings.GOING: "g", meetings.LEAVE_PENDING: "q",
                                meetings.LEAVE: "l", meetings.LEAVE_REFUSED: "r",
                                meetings.PRESENT: "p", meetings.ABSENT: "a"}
_SEEN_STATUS = {code: status for status, code in _SEEN.items()}


def press_session(ctx: Ctx, data: str) -> list[Reply]:
    """Leaders' buttons on a session: menu, edit, move, cancel, roll call, corrections."""
    action, _, rest = data.partition(":")
    raw_id, _, extra = rest.partition(":")
    if action == "announce-group":
        ids = school.group_ids(ctx.session, school_id=ctx.school_id)
        name = next((n for n, i in ids.items() if str(i) == raw_id), None)
        if name is None or not may_lead(ctx.person, name):
            return [Reply(texts.NOT_YOUR_SESSION, notice=texts.NOT_YOUR_SESSION)]
        return _announce_next(ctx, ids[name])
    meeting = _led_meeting(ctx, raw_id)
    if meeting is None and action in ("roll", "mark") and is_id(raw_id):
        # A leader of another school's group taking part: the roll call of their people.
        joined = meetings.get_meeting(ctx.session, meeting_id=int(raw_id))
        meeting = None if joined is None else _guest_led(ctx, joined)
    if meeting is None:
        return [Reply(texts.NOT_YOUR_SESSION, notice=texts.NOT_YOUR_SESSION)]
    if action == "menu":
        return _menu(ctx, meeting)
    if action == "edit":
        return _open_announcement(ctx, meeting)
    if action == "move":
        prefill = {"place": meeting.place}
        return records.open_form(ctx, "reschedule", prefill=prefill,
                                 link=("meeting", meeting.id))
    if action in ("cancel", "cancelok"):
        return _cancel(ctx, meeting, confirmed=action == "cancelok")
    if action == "roll":
        return roll(ctx, meeting)
    if action == "minutes":
        if meeting.starts_at is None or meeting.starts_at > ctx.now:
            return [Reply("", notice=texts.MINUTES_NOT_YET)]
        return _open_minutes(ctx, meeting)
    if action == "mark":
        teacher_raw, _, mark = extra.partition(":")
        mark, _, seen = mark.partition(":")
        status = _MARKS.get(mark)
        member = {r.teacher_id: r.name for _, rows in _roll_members(ctx, meeting)
                  for r in rows}
        if (status is None or seen not in _SEEN_STATUS or not is_id(teacher_raw)
                or int(teacher_raw) not in member):
            return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
        if not _correct(ctx, meeting, int(teacher_raw), member[int(teacher_raw)], status,
                        _SEEN_STATUS[seen]):
            who = meetings.decided_by(ctx.session, meeting_id=meeting.id,
                                      teacher_id=int(teacher_raw))
            notice = texts.ALREADY_HANDLED_BY.format(admin=who) if who else texts.ROLL_CHANGED
            return [replace(reply, notice=notice) for reply in roll(ctx, meeting)]
        return roll(ctx, meeting)
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


# -- teachers: answer, check in, ask for leave, pause -------------------------------------


def _own_group_ids(ctx: Ctx) -> set[int]:
    """The ids of the sender's groups (names repeat across schools: this school's)."""
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    return {ids[name] for name in ctx.me.groups if name in ids}


def _member_meeting(ctx: Ctx, raw_id: str) -> MeetingRow | None:
    """A session of one of the sender's groups, or one they take part in (联片教研)."""
    if not is_id(raw_id):
        return None
    meeting = meetings.get_meeting(ctx.session, meeting_id=int(raw_id))
    if meeting is None or not _own_group_ids(ctx) & set(session_group_ids(ctx, meeting)):
        return None
    return meeting


def _guest_led(ctx: Ctx, meeting: MeetingRow) -> MeetingRow | None:
    """``meeting`` if the sender leads a group of their school taking part in it."""
    return meeting if any(
        g.school_id == ctx.school_id and may_lead(ctx.person, g.group)
        for g in meetings.guests(ctx.session, meeting_id=meeting.id)) else None


def press_attend(ctx: Ctx, data: str) -> list[Reply]:
    """参加 / 请假 / 签到 pressed by a member, in the group or in private chat."""
    action, _, raw_id = data.partition(":")
    meeting = _member_meeting(ctx, raw_id)
    if meeting is None:
        return [Reply(texts.NOT_YOUR_GROUP, notice=texts.NOT_YOUR_GROUP)]
    if not meeting.held or meeting.starts_at is None:
        return [Reply(texts.SESSION_GONE, notice=texts.SESSION_GONE)]
    if action == "go":
        if meeting.starts_at <= ctx.now:
            return [Reply(texts.ATTEND_TOO_LATE, notice=texts.ATTEND_TOO_LATE)]
        meetings.set_attendance(ctx.session, meeting_id=meeting.id, teacher_id=ctx.me.id,
                                status=meetings.GOING, now=ctx.now, reason="")
        return [Reply("", notice=texts.ATTEND_GO_OK)]
    if action == "in":
        return _check_in(ctx, meeting)
    if action == "leave":
        refusal = _leave_refusal(ctx, meeting)
        if refusal is not None:
            return [Reply("", notice=refusal)]
        if ctx.incoming.chat.is_private:
            return records.open_form(ctx, "leave", link=("meeting", meeting.id))
        prompt = Reply(texts.LEAVE_OPEN_PRIVATE, buttons=((Button(
            texts.LEAVE_BUTTON, start=f"{LEAVE_PAYLOAD}{meeting.id}"),),))
        return [Reply("", notice=texts.LEAVE_SEE_PRIVATE),
                Reply(texts.LEAVE_OPEN_PRIVATE, chat=private_chat(ctx.incoming.account),
                      buttons=((Button(texts.LEAVE_BUTTON,
                                       data=f"{ATTEND_BUTTONS}:leave:{meeting.id}"),),),
                      fallback=prompt)]
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


def _check_in(ctx: Ctx, meeting: MeetingRow) -> list[Reply]:
    """签到: from a quarter of an hour before the start until the session ends, so a teacher
    who comes late still signs in; where the school wants it, that is marked 迟到."""
    assert meeting.starts_at is not None
    reminders = ctx.settings.reminders
    end = meeting.ends_at or meeting.starts_at + timedelta(
        minutes=reminders.checkin_window_minutes)
    if not meeting.starts_at - timedelta(minutes=15) <= ctx.now <= end:
        return [Reply("", notice=texts.CHECKIN_CLOSED)]
    late = (reminders.late_after_minutes is not None and ctx.now > meeting.starts_at
            + timedelta(minutes=reminders.late_after_minutes))
    at = ctx.now.astimezone(ctx.settings.zone).strftime("%H:%M")
    meetings.set_attendance(ctx.session, meeting_id=meeting.id, teacher_id=ctx.me.id,
                            status=meetings.PRESENT, now=ctx.now,
                            reason=texts.LATE_AT.format(at=at) if late else "")
    if late:
        return [Reply("", notice=texts.CHECKIN_LATE.format(name=ctx.me.name, at=at))]
    return [Reply("", notice=texts.CHECKIN_OK.format(name=ctx.me.name))]


def _leave_refusal(ctx: Ctx, meeting: MeetingRow) -> str | None:
    """Why this member may not ask for leave from ``meeting`` now (None when they may):
    only before it starts, once, and never over a mark an admin made."""
    if meeting.starts_at is None or meeting.starts_at <= ctx.now:
        return texts.ATTEND_TOO_LATE
    current = meetings.get_attendance(ctx.session, meeting_id=meeting.id, teacher_id=ctx.me.id)
    if current is not None and current.status in (meetings.LEAVE, meetings.LEAVE_PENDING):
        return texts.LEAVE_ALREADY
    if meetings.decided_by(ctx.session, meeting_id=meeting.id, teacher_id=ctx.me.id):
        return texts.LEAVE_ADMIN_MARKED
    return None


def start_leave(ctx: Ctx, raw_id: str) -> list[Reply]:
    """The deep link from the group's 请假 fallback button opens the leave form (the same
    rules as the button)."""
    meeting = _member_meeting(ctx, raw_id)
    if meeting is None or not meeting.held:
        return [Reply(texts.SESSION_GONE)]
    refusal = _leave_refusal(ctx, meeting)
    if refusal is not None:
        return [Reply(refusal)]
    return records.open_form(ctx, "leave", link=("meeting", meeting.id))


def _submit_leave(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    meeting = _member_meeting(ctx, str(draft.link_id or ""))
    records.finish_draft(ctx)
    if meeting is None or not meeting.held:
        return [Reply(texts.SESSION_GONE)]
    refusal = _leave_refusal(ctx, meeting)
    if refusal is not None:
        return [Reply(refusal)]
    reason = str(draft.answers["reason"])
    meetings.set_attendance(ctx.session, meeting_id=meeting.id, teacher_id=ctx.me.id,
                            status=meetings.LEAVE_PENDING, now=ctx.now, reason=reason)
    ask = texts.LEAVE_TO_ADMIN.format(name=esc(ctx.me.name), group=esc(meeting.group),
                                      day=fmt_date(meeting.planned_on), reason=esc(reason))
    data = f"{LEAVE_BUTTONS}:{{}}:{meeting.id}:{ctx.me.id}"
    buttons = ((Button(texts.LEAVE_APPROVE, data=data.format("ok")),
                Button(texts.LEAVE_REFUSE, data=data.format("no"))),)
    admins = people.admin_accounts(ctx.session, school_id=ctx.school_id)
    return [Reply(texts.LEAVE_SENT, edit=True),
            *(Reply(ask, buttons=buttons, chat=private_chat(a)) for a in admins),
            *_to_leaders(ctx, meeting, admins, texts.LEAVE_TO_LEADER.format(
                name=esc(ctx.me.name), day=fmt_date(meeting.planned_on), reason=esc(reason)))]


def _to_leaders(ctx: Ctx, meeting: MeetingRow, skip: list[str], text: str) -> list[Reply]:
    """``text`` to the leaders of the session's groups in this school (who are not in
    ``skip``)."""
    here = set(school.group_ids(ctx.session, school_id=ctx.school_id).values())
    accounts = dict.fromkeys(
        account for group_id in session_group_ids(ctx, meeting) if group_id in here
        for account in meetings.leader_accounts(ctx.session, group_id=group_id))
    return [Reply(text, chat=private_chat(account)) for account in accounts
            if account not in skip and account != ctx.incoming.account]


def press_leave_decision(ctx: Ctx, data: str) -> list[Reply]:
    """An admin's 批准 / 不批准 on a leave request."""
    verdict, _, rest = data.partition(":")
    raw_meeting, _, raw_teacher = rest.partition(":")
    if verdict not in ("ok", "no") or not is_id(raw_meeting) or not is_id(raw_teacher):
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    meeting = meetings.get_meeting(ctx.session, meeting_id=int(raw_meeting))
    teacher = people.get_person(ctx.session, teacher_id=int(raw_teacher))
    if meeting is None or teacher is None or teacher.school_id != ctx.school_id:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    status = meetings.LEAVE if verdict == "ok" else meetings.LEAVE_REFUSED
    if not meetings.decide_leave(ctx.session, meeting_id=meeting.id, teacher_id=teacher.id,
                                 status=status, decided_by=ctx.me.id, now=ctx.now):
        who = meetings.decided_by(ctx.session, meeting_id=meeting.id, teacher_id=teacher.id)
        text = (texts.ALREADY_HANDLED_BY.format(admin=esc(who)) if who
                else texts.LEAVE_ALREADY_DECIDED)
        return [Reply("", notice=text)]
    audit(ctx.session, school_id=ctx.school_id, actor_id=ctx.me.id, action="leave_decision",
          detail=texts.AUDIT_LEAVE.format(name=teacher.name, group=meeting.group,
                                          day=fmt_date(meeting.planned_on),
                                          verdict=texts.ATTENDANCE_LABELS.get(status, status)),
          now=ctx.now)
    word = texts.LEAVE_APPROVE if verdict == "ok" else texts.LEAVE_REFUSE
    summary = texts.LEAVE_DECIDED.format(name=esc(teacher.name), group=esc(meeting.group),
                                         day=fmt_date(meeting.planned_on), admin=esc(ctx.me.name),
                                         verdict=texts.DECIDED[word])
    replies = [Reply(summary, edit=True, notice=word),
               *_to_leaders(ctx, meeting, [teacher.account or ""], summary)]
    if teacher.account:
        told = texts.LEAVE_APPROVED if verdict == "ok" else texts.LEAVE_REFUSED
        replies.append(Reply(told.format(group=esc(meeting.group),
                                          day=fmt_date(meeting.planned_on)),
                             chat=private_chat(teacher.account)))
    return replies


records.SUBMITTERS.update({
    "announcement": _submit_announcement,
    "reschedule": _submit_reschedule,
    "leave": _submit_leave,
    "minutes": _submit_minutes,
})

COMMANDS = (
    Command("sessions", list_sessions, Access.TEACHER, Where.ANY, texts.SUMMARY["sessions"]),
    Command("announce", announce, Access.LEADER, Where.PRIVATE, texts.SUMMARY["announce"]),
)
BUTTONS = (
    ButtonRoute(SESSION_BUTTONS, press_session, Access.LEADER),
    ButtonRoute(ATTEND_BUTTONS, press_attend, Access.TEACHER),
    ButtonRoute(LEAVE_BUTTONS, press_leave_decision, Access.ADMIN, Where.PRIVATE),
)
