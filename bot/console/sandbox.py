"""The console sandbox: the whole bot in a terminal, with a demo school and a movable clock.

It is an adapter like the Telegram one: lines typed become ``Incoming`` values, and the
``Reply`` values that come back are printed per chat. A few sandbox commands, handled here
and never seen by the bot, choose who you are and where you speak, and move the clock.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from bot import texts
from bot.app import build_runner, keep_sandbox_time, sandbox_time
from handlers.dispatch import Core
from handlers.types import Button, Chat, ChatKind, Incoming, IncomingFile, Reply, private_chat
from scheduler.clock import ManualClock
from storage.repos import chats, people, school
from storage.repos.outbox import RELAY, OutboxItem

ACCOUNT_PREFIX = "console:"
GROUP_PREFIX = "console:group:"
_TAG = re.compile(r"<[^>]+>")
_DELTA = re.compile(r"^\+(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
TICK_STEP = timedelta(minutes=10)
MAX_JUMP = timedelta(days=60)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".webp")
MESSAGES_KEPT = 9  # messages with buttons /tap can reach per chat


def plain(text: str) -> str:
    """Telegram HTML as a terminal shows it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def _read_file(arg: str) -> IncomingFile | None:
    """A file of this computer as a person's phone would send it (None: unreadable)."""
    path = Path(arg).expanduser()
    try:
        content = path.read_bytes()
    except OSError:
        return None
    photo = path.suffix.lower() in PHOTO_SUFFIXES
    return IncomingFile(path.name, len(content), content, photo)


class Sandbox:
    """A terminal session with the bot: you act as anyone on the roster, in any chat."""

    def __init__(self, core: Core, clock: ManualClock, out: TextIO = sys.stdout, *,
                 why: str = texts.SANDBOX_NO_TOKEN) -> None:
        """Talk to ``core``; ``clock`` is the bot's clock and moves only on ``/clock``.

        The clock is kept in the database: a sandbox started again on it goes on from the
        time it was left at (``clock`` is only where a new database starts). ``why`` tells
        the banner why the bot runs in the terminal.
        """
        self.core = core
        self.why = why
        self.clock = clock
        kept = sandbox_time(core)
        if kept is None:
            keep_sandbox_time(core, clock.now())
        else:
            clock.set(kept)
        self.out = out
        self.name = texts.SANDBOX_GUEST
        self.account = ACCOUNT_PREFIX + self.name
        self.chat = private_chat(self.account)
        # Per chat, the buttons of each message that had some, oldest first (/tap 2 1
        # presses button 1 of the message before the newest).
        self.buttons: dict[str, list[list[Button]]] = {}
        self.runner = build_runner(core, self._deliver)
        self._muted, self._skipped = 0, 0  # see run(): what fell due before the session

    async def _deliver(self, reply: Reply, item: OutboxItem) -> bool:
        """Print a scheduled message (a reminder, a digest …) when the clock reaches it, and
        a message to someone else right after the update that caused it."""
        if self._muted:
            self._skipped += 1
            return True
        if item.kind != RELAY:
            self.say(texts.SANDBOX_SCHEDULED.format(now=self._now_text()))
        self._show(reply, private_chat(item.chat))
        return True

    # -- setting up -------------------------------------------------------------------

    def seed(self, roster: Iterable[people.RosterLine]) -> None:
        """Load the demo roster once and link one group chat per 教研组 and one for the school."""
        core = self.core

        def apply(session: Session) -> None:
            ids = school.group_ids(session, school_id=core.school_id)
            if people.count_teachers(session, school_id=core.school_id) == 0:
                people.import_roster(session, school_id=core.school_id, lines=list(roster),
                                     group_ids=ids, now=self.clock.now())
                people.issue_codes(session, school_id=core.school_id)
            for name, group_id in [*ids.items(), (texts.SANDBOX_SCHOOL_CHAT, None)]:
                address = GROUP_PREFIX + name
                if chats.get_link(session, chat=address) is None:
                    chats.set_link(session, chat=address, title=name, school_id=core.school_id,
                                   group_id=group_id, actor_id=None, now=self.clock.now())

        core.db.call(apply)

    # -- the loop ---------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Print a sandbox line (not a bot message)."""
        print(text, file=self.out, flush=True)

    async def run(self, lines: Iterable[str]) -> None:
        """Read commands and messages until the input ends or ``/quit``."""
        self.say(texts.SANDBOX_BANNER.format(why=self.why, now=self._now_text()))
        # What fell due before this session (last Monday's digests …) is not the first
        # screen: it is sent quietly, and the screen shows what to try instead.
        self._muted, self._skipped = 1, 0
        try:
            await self.runner.tick()
        finally:
            self._muted = 0
        if self._skipped:
            self.say(texts.SANDBOX_SKIPPED.format(count=self._skipped))
        self.say(texts.SANDBOX_TRY)
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            await self.feed(line)

    async def feed(self, line: str) -> None:
        """Handle one typed line: a sandbox command, or a message to the bot."""
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "/as":
            await self._act_as(rest)
        elif word == "/in":
            self._enter(rest)
        elif word == "/clock":
            await self._move_clock(rest)
        elif word == "/tap":
            await self._tap(rest)
        elif word == "/codes":
            self._codes()
        elif word == "/file":
            await self._file(rest)
        else:
            await self.send(Incoming(account=self.account, chat=self.chat,
                                     display_name=self.name, text=line))

    async def send(self, incoming: Incoming) -> None:
        """Give ``incoming`` to the bot and print what each chat sees."""
        for reply in await self.core.handle(incoming):
            self._show(reply, incoming.chat)
        await self.runner.flush()

    # -- sandbox commands -------------------------------------------------------------

    async def _act_as(self, name: str) -> None:
        if not name:
            self.say(texts.SANDBOX_AS_USAGE)
            return
        found = self._find(name)
        self.name = name
        self.account = found[0].account if found and found[0].account else ACCOUNT_PREFIX + name
        if self.chat.is_private:
            self.chat = private_chat(self.account)
        if not found:
            account = self.account
            bound = self.core.db.call(lambda s: people.get_by_account(s, account=account))
            if bound is None:
                self.say(texts.SANDBOX_AS_STRANGER.format(name=name))
            else:  # a stranger whose /request an admin approved
                self.say(texts.SANDBOX_AS_BOUND.format(name=name, person=bound.name,
                                                       chat=self._label(self.chat)))
            return
        self.say(texts.SANDBOX_AS.format(name=name, chat=self._label(self.chat)))
        if found[0].account is None:
            code = self._code_of(name)
            if code is not None:
                self.say(texts.SANDBOX_AUTO_BIND.format(name=name))
                await self.send(Incoming(account=self.account, chat=private_chat(self.account),
                                         display_name=name, text=f"/bind {code}"))

    async def _file(self, arg: str) -> None:
        """``/file 教案.docx``: send that file from this computer, as a phone would."""
        if not arg:
            self.say(texts.SANDBOX_FILE_USAGE)
            return
        file = _read_file(arg)
        if file is None:
            self.say(texts.SANDBOX_FILE_MISSING.format(path=arg))
            return
        self.say(texts.SANDBOX_FILE_SENT.format(name=file.name, size=file.size))
        await self.send(Incoming(account=self.account, chat=self.chat, display_name=self.name,
                                 other="photo" if file.is_photo else "document", file=file))

    def _find(self, name: str) -> list[people.PersonRow]:
        """Active roster entries named ``name`` (a district's sandbox: in any school)."""
        return self.core.db.call(lambda s: people.find_by_name(
            s, school_id=self.core.school_id, name=name))

    def _code_rows(self) -> list[people.CodeRow]:
        """Every teacher's binding code, issuing the missing ones."""
        return self.core.db.call(
            lambda s: people.issue_codes(s, school_id=self.core.school_id))

    def _code_of(self, name: str) -> str | None:
        rows = self._code_rows()
        return next((row.code for row in rows if row.name == name and not row.bound), None)

    def _codes(self) -> None:
        rows = self._code_rows()
        unbound = [f"  {row.name}（{'、'.join(row.groups) or '—'}）：{row.code}"
                   for row in rows if not row.bound]
        self.say("\n".join([texts.SANDBOX_CODES, *unbound]) if unbound else texts.SANDBOX_NO_CODES)

    def _enter(self, where: str) -> None:
        if where in ("", texts.SANDBOX_PRIVATE):
            self.chat = private_chat(self.account)
        else:
            self.chat = Chat(address=GROUP_PREFIX + where, kind=ChatKind.GROUP, title=where)
        self.say(texts.SANDBOX_IN.format(chat=self._label(self.chat)))

    async def _move_clock(self, arg: str) -> None:
        zone = self.core.settings.zone
        if arg:
            delta = _DELTA.match(arg)
            try:
                if delta is not None:
                    amount = timedelta(**{_UNITS[delta.group(2)]: int(delta.group(1))})
                    target = self.clock.now() + amount
                else:
                    target = datetime.strptime(arg, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
            except (ValueError, OverflowError):
                self.say(texts.SANDBOX_CLOCK_USAGE)
                return
            if target - self.clock.now() > MAX_JUMP:
                self.say(texts.SANDBOX_CLOCK_TOO_FAR)
                return
            # Walk the time in steps, ticking the scheduler as the real bot would, so that
            # every reminder comes out at its own moment.
            while self.clock.now() < target:
                self._set_clock(min(self.clock.now() + TICK_STEP, target))
                await self.runner.tick()
            if target < self.clock.now():
                self._set_clock(target)
        self.say(texts.SANDBOX_CLOCK.format(now=self._now_text()))

    def _set_clock(self, moment: datetime) -> None:
        """Move the clock and keep its time in the database (a restart goes on from it, and
        CLI commands on this database use it)."""
        self.clock.set(moment)
        keep_sandbox_time(self.core, moment)

    async def _tap(self, arg: str) -> None:
        """``/tap 1``: button 1 of the newest message with buttons; ``/tap 2 1``: button 1
        of the one before it."""
        kept = self.buttons.get(self.chat.address, [])
        parts = arg.split()
        back = int(parts[0]) if len(parts) == 2 and parts[0].isdigit() else 1
        which = parts[-1] if parts and len(parts) <= 2 else ""
        options = kept[-back] if 1 <= back <= len(kept) else []
        if not which.isdigit() or not 1 <= int(which) <= len(options):
            newest = len(kept[-1]) if kept else 0
            self.say(texts.SANDBOX_TAP_USAGE.format(count=newest, messages=len(kept)))
            return
        button = options[int(which) - 1]
        if button.data is not None:
            await self.send(Incoming(account=self.account, chat=self.chat,
                                     display_name=self.name, button=button.data))
        elif button.start is not None:
            self.chat = private_chat(self.account)
            self.say(texts.SANDBOX_IN.format(chat=self._label(self.chat)))
            await self.send(Incoming(account=self.account, chat=self.chat,
                                     display_name=self.name, text=f"/start {button.start}"))
        elif button.url is not None:
            self.say(button.url)

    # -- output -----------------------------------------------------------------------

    def _now_text(self) -> str:
        local = self.clock.now().astimezone(self.core.settings.zone)
        return f"{local:%Y-%m-%d %H:%M}（周{'一二三四五六日'[local.weekday()]}）"

    def _label(self, chat: Chat) -> str:
        if chat.address.startswith(GROUP_PREFIX):
            return texts.SANDBOX_GROUP_LABEL.format(name=chat.address.removeprefix(GROUP_PREFIX))
        return texts.SANDBOX_PRIVATE_LABEL.format(name=chat.address.removeprefix(ACCOUNT_PREFIX))

    def _show(self, reply: Reply, source: Chat) -> None:
        chat = reply.chat or source
        if reply.notice and not reply.text:
            self.say(texts.SANDBOX_NOTICE.format(text=reply.notice))
            return
        self.say(texts.SANDBOX_MESSAGE.format(chat=self._label(chat),
                                              edited=texts.SANDBOX_EDITED if reply.edit else ""))
        for line in plain(reply.text).splitlines():
            self.say(f"  {line}")
        flat = [button for row in reply.buttons for button in row]
        kept = self.buttons.setdefault(chat.address, [])
        if reply.edit and kept:
            # The edited message was the newest with buttons: its buttons are replaced.
            kept.pop()
        if flat:
            kept.append(flat)
            del kept[:-MESSAGES_KEPT]
            self.say("  " + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(flat, 1))
                     + texts.SANDBOX_TAP_HINT)
        if reply.attachment is not None:
            self.say(texts.SANDBOX_ATTACHMENT.format(name=reply.attachment.filename,
                                                     size=len(reply.attachment.content)))
