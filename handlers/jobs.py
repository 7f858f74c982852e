"""Planners: what becomes due as time passes, written into the outbox by key.

Each planner is idempotent: it may run on every tick, after a restart or in two processes,
and a message it already queued is never queued again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from handlers import texts
from handlers.deliveries import renderer
from handlers.features.records import spent_key
from handlers.render import esc, fmt_datetime
from handlers.settings import Settings
from handlers.types import Reply, private_chat
from handlers.wire import dump_reply
from scheduler.quiet import after_quiet
from storage.repos import drafts, outbox, updates
from storage.repos.outbox import OutboxItem

DRAFT_WARNING = "draft-warning"


def plan_draft_warnings(session: Session, now: datetime, *, settings: Settings,
                        school_id: int) -> None:
    """A day before an idle draft of the school's people expires, tell its owner once;
    drop expired drafts."""
    keep = timedelta(days=settings.drafts.expire_after_days)
    quiet = settings.reminders.quiet_hours
    for row in drafts.list_idle_drafts(session, school_id=school_id,
                                       idle_since=now - keep + timedelta(days=1)):
        expires = row.updated_at + keep
        if expires <= now:
            drafts.delete_draft(session, account=row.account)
            continue
        if row.warned_at is not None:
            continue
        due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
        key = f"{DRAFT_WARNING}:{row.account}:{row.updated_at:%Y%m%d%H%M%S}"
        outbox.enqueue(session, key=key, kind=DRAFT_WARNING, chat=row.account,
                       payload={"form": row.form, "expires": expires.isoformat()},
                       due_at=due, expires_at=expires)
        drafts.mark_warned(session, account=row.account, now=now)


@renderer(DRAFT_WARNING)
def render_draft_warning(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The warning is moot if the draft was finished or touched since."""
    row = drafts.get_draft(session, account=item.chat)
    if row is None or row.warned_at is None:
        return []
    expires = datetime.fromisoformat(str(item.payload["expires"]))
    label = settings.catalog.label(row.form)
    text = texts.DRAFT_WARNING.format(form=esc(label),
                                      expires=fmt_datetime(expires, settings.zone))
    return [Reply(text, chat=private_chat(item.chat))]


def close_drafts(session: Session, *, settings: Settings, school_id: int,
                 now: datetime) -> int:
    """The semester was closed: close every open record form of the school's teachers.

    A record can no longer be handed in, so each owner is told, with what they had written
    (nothing typed is lost), and the draft is dropped. Returns how many were closed.
    """
    closed = 0
    for row in drafts.list_idle_drafts(session, school_id=school_id,
                                       idle_since=now + timedelta(days=1)):
        spec = settings.catalog.get(row.form)
        if spec is None or not spec.record:
            continue
        labels = {field.key: field.label for field in spec.fields}
        lines = [texts.DRAFT_CLOSED_BY_SEMESTER.format(form=esc(spec.label))]
        lines += [f"【{esc(labels.get(key, key))}】{esc(value)}"
                  for key, value in row.answers.items() if value not in (None, "")]
        reply = Reply("\n".join(lines), chat=private_chat(row.account))
        outbox.enqueue(session, key=f"draft-closed:{row.account}:{row.context.get('token')}",
                       kind=outbox.RELAY, chat=row.account, due_at=now,
                       payload={"reply": dump_reply(reply)})
        updates.claim_update(session, now=now, key=spent_key(
            row.account, str(row.context.get("token")), closed=True))
        drafts.delete_draft(session, account=row.account)
        closed += 1
    return closed
