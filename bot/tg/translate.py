"""Telegram updates to ``Incoming`` and ``Reply`` buttons to Telegram keyboards."""

from __future__ import annotations

import html
import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType

from handlers.types import Button, Chat, ChatKind, Incoming

PREFIX = "tg:"
_ADDRESSED = re.compile(r"/[A-Za-z0-9_]+@([A-Za-z0-9_]+)")
_TAG = re.compile(r"<[^>]+>")
TOAST_LIMIT = 200


def address(chat_id: int) -> str:
    """The platform-neutral address of a Telegram chat or user."""
    return f"{PREFIX}{chat_id}"


def chat_id(chat_address: str) -> int:
    """The Telegram chat id behind an address made by ``address``."""
    return int(chat_address.removeprefix(PREFIX))


def _chat(message: Message) -> Chat:
    chat = message.chat
    kind = ChatKind.PRIVATE if chat.type == ChatType.PRIVATE else ChatKind.GROUP
    return Chat(address=address(chat.id), kind=kind, title=chat.title or "")


def _other(message: Message, bot_id: int) -> str | None:
    if message.new_chat_members:
        return "joined" if any(u.id == bot_id for u in message.new_chat_members) else None
    for kind in ("photo", "sticker", "document", "voice", "video", "audio", "animation",
                 "location", "contact", "video_note", "poll"):
        if getattr(message, kind, None):
            return kind
    return None


def file_of(message: Message) -> tuple[str, str, int, bool] | None:
    """The document or photo of a message: (file id, its name, its size, is a photo).

    A photo comes in several sizes: the largest is the one people sent.
    """
    if message.document is not None:
        document = message.document
        return (document.file_id, document.file_name or "", document.file_size or 0, False)
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, "", largest.file_size or 0, True
    return None


def _addressed_elsewhere(text: str, username: str | None) -> bool:
    """Whether ``text`` is a command for another bot (``/help@other_bot``).

    A bot that is a group admin (or has privacy mode off) sees those too.
    """
    match = _ADDRESSED.match(text)
    return bool(match and username and match.group(1).lower() != username.lower())


def to_incoming(
    update: Update, *, bot_id: int, bot_username: str | None = None
) -> Incoming | None:
    """What a person did, or None for updates the bot ignores (edits, service messages).

    ``bot_username`` lets group commands addressed to other bots pass unanswered.
    """
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    key = f"{PREFIX}{update.update_id}"
    account = address(user.id)
    name = user.full_name + (f" (@{user.username})" if user.username else "")
    query = update.callback_query
    if query is not None:
        if not isinstance(query.message, Message):
            return None
        # What the pressed message offers; unknown (None) when Telegram no longer shows it.
        markup = query.message.reply_markup
        offered = (tuple(str(button.callback_data) for row in markup.inline_keyboard
                         for button in row if button.callback_data is not None)
                   if markup else ()) if query.message.is_accessible else None
        return Incoming(account=account, chat=_chat(query.message), display_name=name,
                        button=query.data or "", update_key=key, offered=offered)
    message = update.message
    if message is None:
        return None
    text = message.text
    if text is not None and _addressed_elsewhere(text, bot_username):
        return None
    other = None if text is not None else _other(message, bot_id)
    if text is None and other is None:
        return None
    return Incoming(account=account, chat=_chat(message), display_name=name, text=text,
                    other=other, update_key=key, sent_at=message.date)


def anonymous_command(update: Update, *, bot_username: str | None = None) -> bool:
    """Whether this is a command from a group admin who posts anonymously (as the group).

    Telegram sends those from GroupAnonymousBot with the group as ``sender_chat``: nobody
    can be told apart, so the bot can only explain (``to_incoming`` ignores bots).
    """
    message = update.message
    if message is None or message.sender_chat is None or not message.text:
        return False
    return (message.sender_chat.id == message.chat.id and message.text.startswith("/")
            and not _addressed_elsewhere(message.text, bot_username))


def keyboard(
    rows: tuple[tuple[Button, ...], ...], *, username: str
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for ``rows``; deep-link buttons open the private chat."""
    if not rows:
        return None
    built = []
    for row in rows:
        line = []
        for button in row:
            if button.data is not None:
                line.append(InlineKeyboardButton(button.label, callback_data=button.data))
            elif button.start is not None:
                url = f"https://t.me/{username}?start={button.start}"
                line.append(InlineKeyboardButton(button.label, url=url))
            else:
                line.append(InlineKeyboardButton(button.label, url=button.url))
        built.append(line)
    return InlineKeyboardMarkup(built)


def menu_keyboard(rows: tuple[tuple[str, ...], ...]) -> ReplyKeyboardMarkup | None:
    """The persistent private-chat menu; its buttons send their label as text."""
    if not rows:
        return None
    return ReplyKeyboardMarkup([list(row) for row in rows], resize_keyboard=True,
                               is_persistent=True)


def toast(notice: str | None) -> str | None:
    """A reply's notice as a callback-query toast: plain text (no parse mode there), cut short.

    Notices are often a reply's text, i.e. HTML: tags are dropped and entities decoded.
    """
    if not notice:
        return None
    plain = html.unescape(_TAG.sub("", notice))
    return plain if len(plain) <= TOAST_LIMIT else plain[: TOAST_LIMIT - 1] + "…"
