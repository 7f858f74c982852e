"""集体备课 (issue 16 §4): a session whose 形式 is 集体备课 has a 主备人 and a lesson.

The leader sets them right after announcing (or editing) the session. The 主备人 hands in
the 教案 (text, files or both) before the session and is reminded; when it arrives every
member of the group is asked for 修改意见 (a short form); after the session the 主备人
hands in the revised 教案 (二次备课). All three are records linked to the session
(``("prep", meeting id)``), so they show in /mine, count where a school sets a quota on
them, and go into the minutes' paper form and the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from handlers import attachments, deliveries, texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import records, sessions
from handlers.forms import engine
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access, may_lead
from handlers.render import esc, fmt_date, fmt_datetime, shorten
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from storage.repos import meetings, outbox, prep, school
from storage.repos.meetings import MeetingRow
from storage.repos.outbox import OutboxItem
from storage.repos.prep import PrepRecord, PrepRow

PREP_BUTTONS = "prep"
PLAN, COMMENT, REVISED = "prep_plan", "prep_comment", "prep_revised"
REMIND_PLAN, ASK_REVISED = "prep_remind", "prep_revise"
BODY_SHOWN = 300
DEFAULT_MINUTES = 90  # a session without an end time is taken to last this long


def is_prep(settings: Settings, meeting: MeetingRow) -> bool:
    """Whether ``meeting`` is a 集体备课 (and the school uses the feature)."""
    return settings.prep.enabled and meeting.form.strip() == settings.prep.form_name


def lesson_text(row: PrepRow) -> str:
    """单元《课题》 as people read it (escaped)."""
    return esc(texts.PREP_LESSON.format(unit=row.unit, title=row.title).strip())


def _due(settings: Settings, meeting: MeetingRow) -> datetime | None:
    if meeting.starts_at is None:
        return None
    return meeting.starts_at - timedelta(hours=settings.prep.plan_due_hours_before)


def _ends(meeting: MeetingRow) -> datetime | None:
    if meeting.starts_at is None:
        return None
    return meeting.ends_at or meeting.starts_at + timedelta(minutes=DEFAULT_MINUTES)


def _day(meeting: MeetingRow) -> str:
    return fmt_date(meeting.planned_on)


def body(settings: Settings, kind: str, answers: dict[str, Any]) -> str:
    """A 教案's text (shortened) and its files, escaped, for a message."""
    lines = []
    text = str(answers.get("text") or "").strip()
    if text:
        lines.append(esc(shorten(text, BODY_SHOWN)))
    files = attachments.files_of(settings.catalog.get(kind), answers)
    if files:
        lines.append(texts.PREP_FILES.format(files=esc(attachments.names(r for _, r in files))))
    changes = str(answers.get("changes") or "").strip()
    if changes:
        lines.append(esc(shorten(changes, BODY_SHOWN)))
    return "\n".join(lines)


# -- the leader: 主备人 and lesson, right after the announcement -------------------------


def after_announce(ctx: Ctx, meeting: MeetingRow) -> list[Reply]:
    """Announced as 集体备课: ask the leader for the 主备人 and the lesson (pre-filled when
    they were set before, so an edit only confirms them)."""
    if not is_prep(ctx.settings, meeting) or ctx.settings.catalog.get("prep_setup") is None:
        return []
    current = prep.get_prep(ctx.session, meeting_id=meeting.id)
    prefill: dict[str, Any] = {}
    if current is not None:
        prefill = {"lead": current.lead, "lead_id": current.lead_id, "unit": current.unit,
                   "title": current.title}
    return [Reply(texts.PREP_SETUP_INTRO),
            *records.open_form(ctx, "prep_setup", prefill=prefill or None,
                               link=("meeting", meeting.id))]


def _led(ctx: Ctx, raw_id: str) -> MeetingRow | None:
    if not is_id(raw_id):
        return None
    meeting = meetings.get_meeting(ctx.session, meeting_id=int(raw_id))
    if meeting is None or not may_lead(ctx.person, meeting.group):
        return None
    ours = school.group_ids(ctx.session, school_id=ctx.school_id).values()
    return meeting if meeting.group_id in ours else None


def _submit_setup(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    meeting = _led(ctx, str(draft.link_id or ""))
    records.finish_draft(ctx)
    if meeting is None or not meeting.held:
        return [Reply(texts.SESSION_GONE)]
    answers = draft.answers
    lead_id = answers.get("lead_id")
    members = {m.teacher_id: m for m in meetings.members(
        ctx.session, group_id=meeting.group_id, meeting_id=meeting.id)}
    if not isinstance(lead_id, int) or lead_id not in members:
        # The 主备人 writes the 教案 here: someone of the group, not a visitor.
        kept = {k: answers[k] for k in ("unit", "title") if answers.get(k)}
        return [Reply(texts.PREP_LEAD_NOT_MEMBER.format(group=esc(meeting.group))),
                *records.open_form(ctx, "prep_setup", prefill=kept or None,
                                   link=("meeting", meeting.id))]
    prep.set_prep(ctx.session, meeting_id=meeting.id, lead_id=lead_id,
                  unit=str(answers.get("unit", "")), title=str(answers.get("title", "")),
                  set_by=ctx.me.id, now=ctx.now)
    row = prep.get_prep(ctx.session, meeting_id=meeting.id)
    assert row is not None
    due = _due(ctx.settings, meeting)
    due_text = fmt_datetime(due, ctx.settings.zone) if due else texts.NONE
    lead = members[lead_id]
    replies = [Reply(texts.PREP_SET_OK.format(lead=esc(lead.name), lesson=lesson_text(row)),
                     edit=True)]
    replies += [Reply(texts.PREP_SET_GROUP.format(
        group=esc(meeting.group), day=_day(meeting), lead=esc(lead.name),
        lesson=lesson_text(row), due=due_text), chat=chat)
        for chat in sessions.group_chats(ctx, meeting.group_id)]
    if lead.account:
        replies.append(Reply(
            texts.PREP_SET_LEAD.format(group=esc(meeting.group), day=_day(meeting),
                                       lesson=lesson_text(row), due=due_text),
            buttons=((Button(texts.PREP_PLAN_BUTTON,
                             data=f"{PREP_BUTTONS}:plan:{meeting.id}"),),),
            chat=private_chat(lead.account)))
    return replies


# -- the 主备人 and the members: 教案, 修改意见, 二次备课 -----------------------------------


@dataclass(frozen=True)
class Found:
    """A 集体备课 the sender may act on, and what was handed in so far."""

    meeting: MeetingRow
    row: PrepRow
    handed: list[PrepRecord]

    def latest(self, kind: str) -> PrepRecord | None:
        """The newest record of ``kind``."""
        return next((r for r in reversed(self.handed) if r.kind == kind), None)


def _find(ctx: Ctx, raw_id: str) -> Found | str:
    """The 集体备课 of this session if the sender is of its group (or leads it); else why
    not, as the person reads it."""
    meeting = meetings.get_meeting(ctx.session, meeting_id=int(raw_id)) if is_id(raw_id) else None
    if meeting is None or meeting.group_id not in school.group_ids(
            ctx.session, school_id=ctx.school_id).values():
        return texts.PREP_GONE
    if meeting.group not in ctx.me.groups and not may_lead(ctx.person, meeting.group):
        return texts.PREP_NOT_MEMBER
    row = prep.get_prep(ctx.session, meeting_id=meeting.id)
    if row is None or not meeting.held or not is_prep(ctx.settings, meeting):
        return texts.PREP_GONE
    return Found(meeting, row, prep.records_of(ctx.session, meeting_ids=[meeting.id]))


def _open(ctx: Ctx, found: Found, kind: str) -> list[Reply]:
    return records.open_form(ctx, kind, prefill={"title": found.row.title},
                             link=(prep.LINK, found.meeting.id))


def press_prep(ctx: Ctx, data: str) -> list[Reply]:
    """交教案, 写修改意见, 交二次备课, 看教案, 看二次备课."""
    action, _, raw_id = data.partition(":")
    found = _find(ctx, raw_id)
    if isinstance(found, str):
        return [Reply(found, notice=found)]
    is_lead = found.row.lead_id == ctx.me.id
    if action in ("plan", "revise") and not is_lead:
        return [Reply(texts.PREP_NOT_LEAD, notice=texts.PREP_NOT_LEAD)]
    if action == "plan":
        return _open(ctx, found, PLAN)
    if action == "revise":
        ends = _ends(found.meeting)
        if ends is None or found.meeting.starts_at is None or found.meeting.starts_at > ctx.now:
            return [Reply(texts.PREP_NOT_YET_HELD, notice=texts.PREP_NOT_YET_HELD)]
        return _open(ctx, found, REVISED)
    if action == "comment":
        if found.latest(PLAN) is None:
            return [Reply(texts.PREP_NO_PLAN, notice=texts.PREP_NO_PLAN)]
        return _open(ctx, found, COMMENT)
    if action in ("view", "viewr"):
        kind = PLAN if action == "view" else REVISED
        handed = found.latest(kind)
        if handed is None:
            return [Reply(texts.PREP_NO_PLAN, notice=texts.PREP_NO_PLAN)]
        what = texts.PREP_PLAN_LABEL if kind == PLAN else texts.PREP_REVISED_LABEL
        text = texts.PREP_VIEW_HEADER.format(what=what, lead=esc(found.row.lead),
                                             lesson=lesson_text(found.row),
                                             body=body(ctx.settings, kind, handed.answers))
        files = attachments.files_of(ctx.settings.catalog.get(kind), handed.answers)
        return [Reply(text), *records.file_replies(ctx, [ref for _, ref in files])]
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


def _has_plan(answers: dict[str, Any]) -> bool:
    return bool(attachments.refs(answers.get("file"))) or bool(
        str(answers.get("text") or "").strip())


def _submit(ctx: Ctx, spec: FormSpec, draft: Draft) -> list[Reply]:
    """Save a 教案, 修改意见 or 二次备课, then tell whom it concerns."""
    if draft.record_id is not None:  # an edit from /mine: saved like any record
        return records.save_record(ctx, spec, draft)
    found = _find(ctx, str(draft.link_id or ""))
    if isinstance(found, str) or (spec.kind != COMMENT and found.row.lead_id != ctx.me.id):
        records.finish_draft(ctx)
        return [Reply(texts.PREP_GONE)]
    if spec.kind != COMMENT and not _has_plan(dict(draft.answers)):
        records.keep_draft(ctx, draft)
        return [Reply(texts.PREP_NEEDS_SOMETHING), engine.show(spec, draft)]
    saved = records.save_record(ctx, spec, draft)
    meeting, row = found.meeting, found.row
    shown = body(ctx.settings, spec.kind, dict(draft.answers))
    if spec.kind == COMMENT:
        if row.lead_account is None or row.lead_id == ctx.me.id:
            return saved
        return [*saved, Reply(texts.PREP_COMMENT_TO_LEAD.format(
            name=esc(ctx.me.name), lesson=lesson_text(row),
            comment=esc(shorten(str(draft.answers.get("comment", "")), 500))),
            chat=private_chat(row.lead_account))]
    data = f"{PREP_BUTTONS}:{{}}:{meeting.id}"
    if spec.kind == PLAN:
        others = [m for m in meetings.members(ctx.session, group_id=meeting.group_id,
                                              meeting_id=meeting.id)
                  if m.account and m.teacher_id != ctx.me.id]
        text = texts.PREP_PLAN_TO_MEMBER.format(lead=esc(ctx.me.name), group=esc(meeting.group),
                                                day=_day(meeting), lesson=lesson_text(row),
                                                body=shown)
        buttons = ((Button(texts.PREP_VIEW_BUTTON, data=data.format("view")),
                    Button(texts.PREP_COMMENT_BUTTON, data=data.format("comment"))),)
        told = [Reply(text, buttons=buttons, chat=private_chat(str(m.account))) for m in others]
        return [*saved, Reply(texts.PREP_PLAN_SAVED.format(count=len(told))), *told]
    text = texts.PREP_REVISED_TO_LEADER.format(lead=esc(ctx.me.name), group=esc(meeting.group),
                                               day=_day(meeting), lesson=lesson_text(row),
                                               body=shown)
    buttons = ((Button(texts.PREP_VIEW_REVISED_BUTTON, data=data.format("viewr")),),)
    return [*saved, *(Reply(text, buttons=buttons, chat=private_chat(account))
                      for account in meetings.leader_accounts(ctx.session,
                                                              group_id=meeting.group_id)
                      if account != ctx.incoming.account)]


# -- /prep -------------------------------------------------------------------------------


def list_preps(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/prep``: this semester's 集体备课 of my groups, what was handed in, and my buttons."""
    if not ctx.settings.prep.enabled:
        return [Reply(texts.PREP_OFF)]
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    mine = list(ids) if ctx.access is Access.ADMIN else list(ctx.me.groups)
    held = [m for m in meetings.list_meetings(
        ctx.session, group_ids=[ids[g] for g in mine if g in ids], start=semester.start,
        end=semester.end) if m.held and is_prep(ctx.settings, m)]
    rows = prep.preps_of(ctx.session, meeting_ids=[m.id for m in held])
    if not rows:
        return [Reply(texts.PREP_LIST_NONE)]
    handed = prep.records_of(ctx.session, meeting_ids=list(rows))
    lines = [texts.PREP_LIST_HEADER]
    buttons: list[tuple[Button, ...]] = []
    for meeting in (m for m in held if m.id in rows):
        row = rows[meeting.id]
        own = [r for r in handed if r.meeting_id == meeting.id]
        found = Found(meeting, row, own)
        plan, revised = found.latest(PLAN), found.latest(REVISED)
        lines.append(texts.PREP_LIST_ITEM.format(
            day=_day(meeting), group=esc(meeting.group), lead=esc(row.lead),
            lesson=lesson_text(row), plan=texts.PREP_DONE if plan else texts.PREP_MISSING,
            comments=sum(r.kind == COMMENT for r in own),
            revised=texts.PREP_DONE if revised else texts.PREP_MISSING))
        for label, action in _actions(ctx, found):
            buttons.append((Button(texts.PREP_ACTION_BUTTON.format(
                action=label, day=_day(meeting), group=meeting.group),
                data=f"{PREP_BUTTONS}:{action}:{meeting.id}"),))
    return [Reply("\n".join(lines), buttons=tuple(buttons))]


def _actions(ctx: Ctx, found: Found) -> list[tuple[str, str]]:
    """The buttons /prep offers the sender for one 集体备课."""
    started = found.meeting.starts_at is not None and found.meeting.starts_at <= ctx.now
    is_lead = found.row.lead_id == ctx.me.id
    plan = found.latest(PLAN)
    actions = []
    if is_lead and not started:
        actions.append((texts.PREP_PLAN_BUTTON, "plan"))
    if plan is not None:
        actions.append((texts.PREP_VIEW_BUTTON, "view"))
        if not is_lead and found.meeting.group in ctx.me.groups:
            actions.append((texts.PREP_COMMENT_BUTTON, "comment"))
    if is_lead and started and found.latest(REVISED) is None:
        actions.append((texts.PREP_REVISE_BUTTON, "revise"))
    if found.latest(REVISED) is not None:
        actions.append((texts.PREP_VIEW_REVISED_BUTTON, "viewr"))
    return actions


# -- over time: the 主备人's reminder before, and the 二次备课 after --------------------------


def plan_prep(session: Session, now: datetime, *, settings: Settings, school_id: int) -> None:
    """Queue the 主备人's reminder before the 教案 is due, and the ask for 二次备课 when the
    session ends (each rendered only if still owed when it comes due), for the school's
    own sessions (a 联片教研 by its organiser's: the 主备人 is of its group)."""
    if not settings.prep.enabled:
        return
    cfg = settings.prep
    ahead = timedelta(hours=cfg.plan_due_hours_before + cfg.remind_hours_before_due + 24)
    held = meetings.held_between(session, start=now - timedelta(days=1), end=now + ahead,
                                 school_id=school_id)
    rows = prep.preps_of(session, meeting_ids=[m.id for m in held])
    for meeting in held:
        row = rows.get(meeting.id)
        due, ends = _due(settings, meeting), _ends(meeting)
        if row is None or row.lead_account is None or due is None or ends is None:
            continue
        assert meeting.starts_at is not None
        payload = {"meeting": meeting.id, "start": f"{meeting.starts_at:%Y%m%d%H%M}",
                   "lead": row.lead_id}
        stamp = f"{meeting.id}:{payload['start']}:{row.lead_id}"
        remind_at = max(due - timedelta(hours=cfg.remind_hours_before_due),
                        row.updated_at + timedelta(hours=1))
        if remind_at < due:
            outbox.enqueue(session, key=f"{REMIND_PLAN}:{stamp}", kind=REMIND_PLAN,
                           chat=row.lead_account, payload=payload, due_at=remind_at,
                           expires_at=meeting.starts_at)
        outbox.enqueue(session, key=f"{ASK_REVISED}:{stamp}", kind=ASK_REVISED,
                       chat=row.lead_account, payload=payload, due_at=ends,
                       expires_at=ends + timedelta(days=cfg.revised_due_days))


def _still_owed(session: Session, settings: Settings, item: OutboxItem,
                kind: str) -> tuple[MeetingRow, PrepRow] | None:
    """The session and its 集体备课 if it still takes place as planned, with the same
    主备人, who has not handed in ``kind`` yet."""
    meeting = meetings.get_meeting(session, meeting_id=int(item.payload["meeting"]))
    if meeting is None or not meeting.held or not is_prep(settings, meeting):
        return None
    assert meeting.starts_at is not None
    row = prep.get_prep(session, meeting_id=meeting.id)
    if (row is None or row.lead_id != int(item.payload["lead"])
            or f"{meeting.starts_at:%Y%m%d%H%M}" != item.payload["start"]):
        return None
    if any(r.kind == kind for r in prep.records_of(session, meeting_ids=[meeting.id])):
        return None
    return meeting, row


@deliveries.renderer(REMIND_PLAN)
def render_plan_reminder(session: Session, settings: Settings,
                         item: OutboxItem) -> list[Reply]:
    """Before the 教案 is due, to a 主备人 who has not handed it in."""
    owed = _still_owed(session, settings, item, PLAN)
    if owed is None:
        return []
    meeting, _row = owed
    due = _due(settings, meeting)
    assert due is not None
    return [Reply(texts.PREP_REMIND_PLAN.format(group=esc(meeting.group), day=_day(meeting),
                                                due=fmt_datetime(due, settings.zone)),
                  buttons=((Button(texts.PREP_PLAN_BUTTON,
                                   data=f"{PREP_BUTTONS}:plan:{meeting.id}"),),),
                  chat=private_chat(item.chat))]


@deliveries.renderer(ASK_REVISED)
def render_revise_ask(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """When the session is over, to the 主备人: hand in the 二次备课."""
    owed = _still_owed(session, settings, item, REVISED)
    if owed is None:
        return []
    meeting, _row = owed
    ends = _ends(meeting)
    assert ends is not None
    due = ends + timedelta(days=settings.prep.revised_due_days)
    return [Reply(texts.PREP_REMIND_REVISE.format(group=esc(meeting.group), day=_day(meeting),
                                                  due=fmt_date(due.astimezone(
                                                      settings.zone).date())),
                  buttons=((Button(texts.PREP_REVISE_BUTTON,
                                   data=f"{PREP_BUTTONS}:revise:{meeting.id}"),),),
                  chat=private_chat(item.chat))]


sessions.ANNOUNCED.append(after_announce)
records.SUBMITTERS.update({"prep_setup": _submit_setup, PLAN: _submit, COMMENT: _submit,
                           REVISED: _submit})

COMMANDS = (
    Command("prep", list_preps, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["prep"]),
)
BUTTONS = (
    ButtonRoute(PREP_BUTTONS, press_prep, Access.TEACHER, Where.PRIVATE),
)
