"""Drive the Core the way people do, and read what each chat saw."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from bot.app import build_runner
from handlers.dispatch import Core
from handlers.types import Chat, ChatKind, Incoming, IncomingFile, Reply, private_chat
from storage.repos import chats, people, school
from storage.repos.outbox import OutboxItem

_TAG = re.compile(r"<[^>]+>")
_keys = itertools.count(1)


def plain(reply: Reply) -> str:
    """The reply's text without HTML tags (entities kept, so escaping stays visible)."""
    return _TAG.sub("", reply.text)


@dataclass
class Driver:
    """Sends what people type or press, and keeps every reply per chat."""

    core: Core
    seen: dict[str, list[Reply]] = field(default_factory=dict)

    def account(self, name: str) -> str:
        """The chat account used for ``name`` in tests."""
        return f"test:{name}"

    def group(self, name: str) -> Chat:
        """The group chat used for the 教研组 ``name``."""
        return Chat(address=f"test:group:{name}", kind=ChatKind.GROUP, title=name)

    async def send(self, name: str, text: str | None = None, *, chat: Chat | None = None,
                   button: str | None = None, other: str | None = None,
                   key: str | None = None, file: IncomingFile | None = None) -> list[Reply]:
        """``name`` types ``text`` (or presses ``button``, or sends ``file``) in ``chat``
        (default: private)."""
        account = self.account(name)
        if file is not None and other is None:
            other = "photo" if file.is_photo else "document"
        incoming = Incoming(account=account, chat=chat or private_chat(account),
                            display_name=name, text=text, button=button, other=other,
                            update_key=key or f"test:{next(_keys)}", file=file)
        replies = await self.core.handle(incoming)
        for reply in replies:
            target = (reply.chat or incoming.chat).address
            self.seen.setdefault(target, []).append(reply)
        return replies + await self.relayed()

    async def relayed(self) -> list[Reply]:
        """Deliver what the last update queued for other people (as the adapters do right
        after each update) and return it; each reply names its chat."""
        delivered: list[Reply] = []

        async def deliver(reply: Reply, item: OutboxItem) -> bool:
            target = reply if reply.chat is not None else replace(
                reply, chat=private_chat(item.chat))
            assert target.chat is not None
            self.seen.setdefault(target.chat.address, []).append(target)
            delivered.append(target)
            return True

        await build_runner(self.core, deliver).flush()
        return delivered

    async def say(self, name: str, text: str, **kwargs: object) -> str:
        """Like ``send`` but returns the plain text of all replies joined."""
        replies = await self.send(name, text, **kwargs)  # type: ignore[arg-type]
        return shown(replies)

    def bind(self, *names: str) -> None:
        """Bind ``names`` to their test accounts through the real code path."""
        codes = self.core.db.call(
            lambda s: people.issue_codes(s, school_id=self.core.school_id))
        by_name = {row.name: row.code for row in codes}
        for name in names:
            code = by_name[name]
            assert code is not None, f"{name} is already bound"
            self.core.db.call(lambda s, c=code, n=name: people.bind_with_code(
                s, school_id=self.core.school_id, code=c, account=self.account(n),
                now=self.core.clock.now()))

    def link(self, group: str) -> Chat:
        """Link the test chat of ``group`` to that 教研组 and return it."""
        chat = self.group(group)

        def apply(session: Session) -> None:
            ids = school.group_ids(session, school_id=self.core.school_id)
            chats.set_link(session, chat=chat.address, title=group,
                           school_id=self.core.school_id, group_id=ids.get(group),
                           actor_id=None, now=self.core.clock.now())

        self.core.db.call(apply)
        return chat


_VARY = "春夏秋冬山水田林花草木石云雨风雪日月星光"


def prose(sentence: str, times: int, start: int = 0) -> str:
    """``sentence`` ``times`` over, each copy a different sentence of the same 字数 (its
    first three Han characters spell the copy's number), so that padding rules, which
    count a repeated sentence once, count every copy."""
    spots = [i for i, c in enumerate(sentence) if "\u4e00" <= c <= "\u9fff"][:3]
    assert len(spots) == 3, sentence
    assert start + times <= len(_VARY) ** 3
    copies = []
    for n in range(start, start + times):
        chars = list(sentence)
        for spot in spots:
            n, digit = divmod(n, len(_VARY))
            chars[spot] = _VARY[digit]
        copies.append("".join(chars))
    return "".join(copies)


def shown(replies: list[Reply]) -> str:
    """What a person reads: every reply's plain text, one after another, and the toast on
    a pressed button where that is all there is."""
    return "\n".join(plain(reply) if reply.text or not reply.notice else reply.notice
                     for reply in replies)


def labels(replies: list[Reply]) -> list[str]:
    """The labels of every button on ``replies``."""
    return [b.label for reply in replies for row in reply.buttons for b in row]


def button_data(replies: list[Reply], label: str) -> str:
    """The data of the button labelled ``label`` (the newest reply that has one)."""
    for reply in reversed(replies):
        for row in reply.buttons:
            for candidate in row:
                if candidate.label == label and candidate.data:
                    return candidate.data
    raise AssertionError(f"no button {label!r} among {labels(replies)}")


async def tap(bot: Driver, name: str, replies: list[Reply], label: str,
              **kwargs: object) -> list[Reply]:
    """``name`` presses the button labelled ``label`` on ``replies``."""
    return await bot.send(name, button=button_data(replies, label), **kwargs)  # type: ignore[arg-type]
