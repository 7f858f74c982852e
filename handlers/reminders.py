"""Sessions over time: generate them from the slots, plan their reminders, say them.

Keys name what, which session (and its start, so a moved session gets fresh reminders),
and whom: ``eve:<meeting>:<start>:<chat>``, ``soon:<meeting>:<start>:<teacher>``, …
A renderer re-reads the session when the message is due and says nothing if it no longer
applies (cancelled, moved again, already answered).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from handlers import texts
from handlers.deliveries import renderer
from handlers.features.sessions import SESSION_BUTTONS, answer_buttons, describe
from handlers.render import esc
from handlers.settings import Settings
from handlers.types import Button, Chat, ChatKind, Reply, private_chat
from scheduler.calendar import postponement_notice
from scheduler.quiet import after_quiet, is_quiet
from storage.repos import chats, meetings, outbox, people, school
from storage.repos.meetings import MeetingRow
from storage.repos.outbox import OutboxItem

MOVED, EVE, SOON, CHECKIN, MINUTES, UNKNOWN_YEAR = (
    "moved", "eve", "soon", "checkin", "minutes", "calendar-unknown")
MINUTES_LATE = "minutes-late"  # the minutes still missing the next day: one reminder
LOOKAHEAD = timedelta(days=2)
# A session's messages are re-planned at most this often per process (planning is
# idempotent, so this only saves queries; a new member is covered within the hour).
REPLAN = timedelta(hours=1)
NOTICE_DAYS = 7
NOTICE_AT = time(8, 0)


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%d%H%M}"


class SessionPlanner:
    """Generates the semester's sessions (once a day) and plans their messages."""

    def __init__(self, settings: Settings, school_id: int) -> None:
        """Plan for the school ``school_id`` described by ``settings``."""
        self.settings = settings
        self.school_id = school_id
        self._generated: tuple[int, date] | None = None
        self._planned: dict[str, datetime] = {}

    def _due(self, what: str, now: datetime) -> bool:
        """Whether ``what`` has not been planned in the last ``REPLAN``; marks it planned."""
        last = self._planned.get(what)
        if last is not None and now - last < REPLAN:
            return False
        self._planned[what] = now
        return True

    def __call__(self, session: Session, now: datetime) -> None:
        """One planning pass (idempotent)."""
        today = now.astimezone(self.settings.zone).date()
        semester = school.current_semester(session, school_id=self.school_id, today=today)
        if semester is None:
            return
        if self._generated != (semester.id, today):
            self._generate(session, semester.id, semester.start, semester.end, now)
            self._generated = (semester.id, today)
        groups = school.group_ids(session, school_id=self.school_id)
        soon = meetings.list_meetings(session, group_ids=list(groups.values()), start=today,
                                      end=today + timedelta(days=NOTICE_DAYS))
        for meeting in soon:
            if self._due(f"notice:{meeting.id}:{meeting.note}", now):
                self._notice(session, meeting, now)
        for meeting in meetings.held_between(session, start=now - timedelta(hours=4),
                                             end=now + LOOKAHEAD, school_id=self.school_id):
            stamp = _stamp(meeting.starts_at) if meeting.starts_at else ""
            if self._due(f"remind:{meeting.id}:{stamp}", now):
                self._remind(session, meeting)

    def _generate(self, session: Session, semester_id: int, start: date, end: date,
                  now: datetime) -> None:
        calendar, zone = self.settings.school_calendar, self.settings.zone
        ids = school.group_ids(session, school_id=self.school_id)
        for group in self.settings.groups:
            slot = group.slot
            found = calendar.occurrences(slot, start=start, end=end)
            held = [occ.held_on for occ in found if occ.held_on is not None]
            for occ in found:
                day = occ.held_on
                next_held = next((d for d in held if d > occ.planned), None)
                note = postponement_notice(group.name, occ, slot, next_held=next_held) or ""
                meetings.ensure_meeting(
                    session, group_id=ids[group.name], semester_id=semester_id,
                    planned_on=occ.planned,
                    starts_at=datetime.combine(day, slot.start, zone) if day else None,
                    ends_at=datetime.combine(day, slot.end, zone) if day else None,
                    place=slot.place, note=note)
        for year in sorted(calendar.unknown_years(start, end)):
            for account in people.admin_accounts(session, school_id=self.school_id):
                outbox.enqueue(session, key=f"{UNKNOWN_YEAR}:{year}:{account}",
                               kind=UNKNOWN_YEAR, chat=account, payload={"year": year},
                               due_at=self._awake(now))

    def _awake(self, moment: datetime) -> datetime:
        quiet = self.settings.reminders.quiet_hours
        return after_quiet(moment, start=quiet.start, end=quiet.end, zone=self.settings.zone)

    def _notice(self, session: Session, meeting: MeetingRow, now: datetime) -> None:
        """Tell the group once that this week's session moved or is off (顺延)."""
        if not meeting.note or meeting.status == meetings.CANCELLED:
            return
        zone = self.settings.zone
        # Said on the Monday of that week (its text says 本周三 …), or at once if later.
        monday = meeting.planned_on - timedelta(days=meeting.planned_on.weekday())
        due = max(now, datetime.combine(monday, NOTICE_AT, zone))
        expires = datetime.combine(meeting.planned_on + timedelta(days=1), datetime.min.time(),
                                   zone)
        for chat in chats.chats_of_group(session, group_id=meeting.group_id):
            outbox.enqueue(session, key=f"{MOVED}:{meeting.id}:{chat}", kind=MOVED, chat=chat,
                           payload={"meeting": meeting.id}, due_at=self._awake(due),
                           expires_at=expires)

    def _remind(self, session: Session, meeting: MeetingRow) -> None:
        assert meeting.starts_at is not None
        assert meeting.ends_at is not None
        start, zone = meeting.starts_at, self.settings.zone
        reminders = self.settings.reminders
        stamp = _stamp(start)
        payload = {"meeting": meeting.id, "start": stamp}
        # A 联片教研 reminds every school's group taking part, and all their members.
        taking_part = [meeting.group_id, *(g.group_id for g in meetings.guests(
            session, meeting_id=meeting.id))]
        group_chats = [chat for group_id in taking_part
                       for chat in chats.chats_of_group(session, group_id=group_id)]
        day = start.astimezone(zone).date()
        eve = datetime.combine(day - timedelta(days=1), reminders.day_before_at, zone)
        # "明天有教研" is only true until midnight; after that the short reminder covers it.
        midnight = datetime.combine(day, time(0, 0), zone)
        for chat in group_chats:
            if eve < midnight:
                outbox.enqueue(session, key=f"{EVE}:{meeting.id}:{stamp}:{chat}", kind=EVE,
                               chat=chat, payload=payload, due_at=eve, expires_at=midnight)
            outbox.enqueue(session, key=f"{CHECKIN}:{meeting.id}:{stamp}:{chat}", kind=CHECKIN,
                           chat=chat, payload=payload, due_at=start,
                           expires_at=start + timedelta(minutes=reminders.checkin_window_minutes))
        soon = start - timedelta(minutes=reminders.before_start_minutes)
        quiet = reminders.quiet_hours
        if reminders.before_start_minutes and not is_quiet(soon, start=quiet.start,
                                                            end=quiet.end, zone=zone):
            members = [member for group_id in taking_part for member in meetings.members(
                session, group_id=group_id, meeting_id=meeting.id)]
            away = meetings.paused_on(session, teacher_ids=[m.teacher_id for m in members],
                                      day=start.astimezone(zone).date())
            for member in members:
                if member.account and member.teacher_id not in away:
                    outbox.enqueue(session,
                                   key=f"{SOON}:{meeting.id}:{stamp}:{member.teacher_id}",
                                   kind=SOON, chat=member.account, payload=payload,
                                   due_at=soon, expires_at=start)
        if reminders.ask_minutes:
            for account in meetings.leader_accounts(session, group_id=meeting.group_id):
                outbox.enqueue(session, key=f"{MINUTES}:{meeting.id}:{stamp}:{account}",
                               kind=MINUTES, chat=account, payload=payload,
                               due_at=self._awake(meeting.ends_at),
                               expires_at=meeting.ends_at + timedelta(days=3))
                outbox.enqueue(session, key=f"{MINUTES_LATE}:{meeting.id}:{stamp}:{account}",
                               kind=MINUTES_LATE, chat=account, payload=payload,
                               due_at=self._awake(meeting.ends_at + timedelta(days=1)),
                               expires_at=meeting.ends_at + timedelta(days=4))


# -- what each says ------------------------------------------------------------------------


def _current(session: Session, item: OutboxItem) -> MeetingRow | None:
    """The session an item is about, if it still takes place at the planned start."""
    meeting = meetings.get_meeting(session, meeting_id=int(item.payload["meeting"]))
    if meeting is None or not meeting.held or meeting.starts_at is None:
        return None
    if _stamp(meeting.starts_at) != item.payload.get("start"):
        return None
    return meeting


def _group(item: OutboxItem) -> Chat:
    return Chat(address=item.chat, kind=ChatKind.GROUP)


@renderer(MOVED)
def render_moved(session: Session, _settings: Settings, item: OutboxItem) -> list[Reply]:
    """The 顺延 notice, unless a leader has since rearranged the session."""
    meeting = meetings.get_meeting(session, meeting_id=int(item.payload["meeting"]))
    if meeting is None or not meeting.note or meeting.status == meetings.CANCELLED:
        return []
    return [Reply(f"📅 {esc(meeting.note)}", chat=_group(item))]


@renderer(EVE)
def render_eve(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The day-before reminder in the group, with the agenda."""
    meeting = _current(session, item)
    if meeting is None:
        return []
    text = texts.REMIND_EVE.format(session=describe(meeting, settings.zone))
    return [Reply(text, buttons=answer_buttons(meeting.id), chat=_group(item))]


@renderer(SOON)
def render_soon(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The private reminder shortly before the start, only to those who have not answered."""
    meeting = _current(session, item)
    person = people.get_by_account(session, account=item.chat)
    if meeting is None or person is None:
        return []
    answered = meetings.get_attendance(session, meeting_id=meeting.id, teacher_id=person.id)
    if answered is not None:
        return []
    text = texts.REMIND_SOON.format(session=describe(meeting, settings.zone))
    return [Reply(text, buttons=answer_buttons(meeting.id), chat=private_chat(item.chat))]


@renderer(CHECKIN)
def render_checkin(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """At the start: the group's 签到 button."""
    meeting = _current(session, item)
    if meeting is None:
        return []
    # 签到 stays open until the session ends (or the window, for a session without an end).
    end = meeting.ends_at or (meeting.starts_at or item.due_at) + timedelta(
        minutes=settings.reminders.checkin_window_minutes)
    text = texts.REMIND_CHECKIN.format(group=esc(meeting.group),
                                       until=f"{end.astimezone(settings.zone):%H:%M}")
    button = Button(texts.CHECKIN, data=f"att:in:{meeting.id}")
    return [Reply(text, buttons=((button,),), chat=_group(item))]


@renderer(MINUTES)
def render_minutes(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """After the session: ask the leader for the minutes."""
    meeting = _current(session, item)
    if meeting is None:
        return []
    text = texts.REMIND_MINUTES.format(session=describe(meeting, settings.zone))
    button = Button(texts.MINUTES_BUTTON, data=f"{SESSION_BUTTONS}:minutes:{meeting.id}")
    return [Reply(text, buttons=((button,),), chat=private_chat(item.chat))]


@renderer(MINUTES_LATE)
def render_minutes_late(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The next day, once: the minutes are still missing (nothing if they were written)."""
    meeting = _current(session, item)
    if meeting is None or meetings.minutes_records(session, meeting_ids=[meeting.id]):
        return []
    text = texts.REMIND_MINUTES_LATE.format(session=describe(meeting, settings.zone))
    button = Button(texts.MINUTES_BUTTON, data=f"{SESSION_BUTTONS}:minutes:{meeting.id}")
    return [Reply(text, buttons=((button,),), chat=private_chat(item.chat))]


@renderer(UNKNOWN_YEAR)
def render_unknown_year(_session: Session, _settings: Settings,
                        item: OutboxItem) -> list[Reply]:
    """Admins hear once that the holiday data does not know a year yet."""
    return [Reply(texts.CALENDAR_UNKNOWN_YEAR.format(year=item.payload["year"]),
                  chat=private_chat(item.chat))]
