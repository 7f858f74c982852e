"""Group chats linked to a 教研组 or to the whole school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.tables import AuditEntry, ChatLink, Outbox, StudyGroup, UnlinkedChat


@dataclass(frozen=True)
class LinkRow:
    """A linked group chat; ``group`` None means the whole school."""

    chat: str
    school_id: int
    group_id: int | None
    group: str | None


def get_link(session: Session, *, chat: str) -> LinkRow | None:
    """What the group chat ``chat`` is linked to, if anything."""
    row = session.exec(
        select(ChatLink, StudyGroup.name)
        .join(StudyGroup, col(StudyGroup.id) == col(ChatLink.group_id), isouter=True)
        .where(ChatLink.chat == chat)
    ).first()
    if row is None:
        return None
    link, group = row
    return LinkRow(link.chat, link.school_id, link.group_id, group)


def set_link(
    session: Session, *, chat: str, title: str, school_id: int, group_id: int | None,
    actor_id: int | None, now: datetime,
) -> None:
    """Link ``chat`` to a group (or the school), replacing any earlier link."""
    link = session.get(ChatLink, chat) or ChatLink(chat=chat, school_id=school_id, linked_at=now)
    link.school_id, link.group_id, link.title = school_id, group_id, title
    link.linked_by, link.linked_at = actor_id, now
    session.add(link)
    session.add(AuditEntry(school_id=school_id, actor_id=actor_id, action="link_chat", at=now,
                           detail=f"{title or chat} → {group_id or '全校'}"))


def remove_link(session: Session, *, chat: str) -> bool:
    """Unlink ``chat``; whether it was linked."""
    link = session.get(ChatLink, chat)
    if link is None:
        return False
    session.delete(link)
    return True


def move_chat(session: Session, *, old: str, new: str) -> bool:
    """The chat ``old`` now lives at ``new`` (Telegram upgraded a group to a supergroup).

    Its link follows, and so do its messages, sent or waiting: their keys name the chat,
    and a planner that finds no sent digest for the new chat would send it again.
    A link the new chat already has (someone linked it again) is kept; whether there was
    a link to move.
    """
    link = session.get(ChatLink, old)
    if link is not None:
        if session.get(ChatLink, new) is None:
            session.add(ChatLink(chat=new, school_id=link.school_id, group_id=link.group_id,
                                 title=link.title, linked_by=link.linked_by,
                                 linked_at=link.linked_at))
        session.delete(link)
    told = session.get(UnlinkedChat, old)
    if told is not None:
        if session.get(UnlinkedChat, new) is None:
            session.add(UnlinkedChat(chat=new, told_at=told.told_at))
        session.delete(told)
    taken = set(session.exec(select(Outbox.key).where(Outbox.chat == new)))
    for item in session.exec(select(Outbox).where(Outbox.chat == old)):
        item.chat = new
        if item.key.endswith(f":{old}") and (key := item.key[:-len(old)] + new) not in taken:
            item.key = key
        session.add(item)
    return link is not None


def chats_of_group(session: Session, *, group_id: int) -> list[str]:
    """Addresses of the chats linked to a 教研组."""
    return list(session.exec(select(ChatLink.chat).where(ChatLink.group_id == group_id)))


def first_time_unlinked(session: Session, *, chat: str, now: datetime) -> bool:
    """True the first time an unlinked chat is seen (the bot explains linking once)."""
    if session.get(UnlinkedChat, chat) is not None:
        return False
    try:
        with session.begin_nested():  # two updates of the same chat at once: one tells
            session.add(UnlinkedChat(chat=chat, told_at=now))
    except IntegrityError:
        return False
    return True
