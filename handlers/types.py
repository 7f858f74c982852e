"""Platform-neutral values that cross the adapter boundary: Incoming in, Reply out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.DOTALL)


class ChatKind(StrEnum):
    """A person's private chat with the bot, or a group chat."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Chat:
    """Where a message comes from or goes to; ``address`` is unique across platforms."""

    address: str
    kind: ChatKind
    title: str = ""

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat with the bot."""
        return self.kind is ChatKind.PRIVATE


@dataclass(frozen=True)
class IncomingFile:
    """A file or photo a person sent, already downloaded by the adapter.

    ``content`` is None when the adapter did not download it because the platform said it
    is larger than ``size`` allows (the core then says so); ``name`` is what the person's
    client called it (a photo has none).
    """

    name: str
    size: int
    content: bytes | None = field(default=None, repr=False)
    is_photo: bool = False


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: a message, a button press, or something the bot can't read.

    ``account`` names the person on their platform (``tg:123``); a person's private chat
    has the same address as their account. ``update_key`` identifies the platform update,
    so a second delivery of the same update is recognised and changes nothing.
    """

    account: str
    chat: Chat
    display_name: str = ""
    text: str | None = None
    button: str | None = None
    other: str | None = None
    update_key: str | None = None
    # The data of every button on the pressed message, when the platform tells (Telegram
    # does): a press with data the message never offered was forged by a modified client.
    offered: tuple[str, ...] | None = None
    # When the person sent it (the platform's timestamp), if known.
    sent_at: datetime | None = None
    # A document or photo sent in a private chat (``other`` still names its kind).
    file: IncomingFile | None = None

    @property
    def command(self) -> tuple[str, str] | None:
        """The command and its argument text, e.g. ``("bind", "AB12CD")``, if this is one."""
        if self.text is None:
            return None
        match = _COMMAND.match(self.text.strip())
        if match is None:
            return None
        return match.group(1).lower(), (match.group(2) or "").strip()


@dataclass(frozen=True)
class Button:
    """An inline button: presses come back as ``data``; ``url`` opens a link.

    ``start`` opens the person's private chat with the bot carrying that payload (a deep
    link); the adapter builds the link because only it knows the bot's username.
    """

    label: str
    data: str | None = None
    url: str | None = None
    start: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file to send along: a document or a picture."""

    filename: str
    content: bytes
    is_photo: bool = False


@dataclass(frozen=True)
class Reply:
    """A message for a person or a group, in Telegram-style HTML (user text escaped).

    ``chat`` None means the chat the update came from. ``fallback`` is sent instead when
    ``chat`` is a private chat the person never opened (Telegram refuses those).
    ``edit`` replaces the message whose button was pressed instead of sending a new one.
    ``notice`` is the short toast shown on the pressed button. ``keyboard`` sets the
    persistent menu of a private chat (its labels come back as plain text).
    ``later`` makes the real reply after the update's transaction, in a worker thread
    (an archive is built there, so the database and the bot stay free meanwhile).
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    chat: Chat | None = None
    fallback: Reply | None = None
    edit: bool = False
    attachment: Attachment | None = None
    notice: str | None = field(default=None, compare=False)
    keyboard: tuple[tuple[str, ...], ...] = ()
    later: Callable[[], Reply] | None = field(default=None, compare=False)


def private_chat(account: str) -> Chat:
    """The private chat of ``account`` (it has the account's address)."""
    return Chat(address=account, kind=ChatKind.PRIVATE)
