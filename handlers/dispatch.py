"""One dispatcher: every Incoming goes through here, and permissions are checked here."""

from __future__ import annotations

import functools
import logging

from sqlmodel import Session

from handlers import texts
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import account
from handlers.permissions import Access, access_of
from handlers.render import esc
from handlers.settings import Settings
from handlers.types import Button, Incoming, Reply
from scheduler.clock import Clock
from storage import Database, DatabaseUnavailable
from storage.repos import chats, people, school, updates

logger = logging.getLogger(__name__)

COMMAND_PAYLOAD = "cmd-"


def _help(ctx: Ctx, _arg: str) -> list[Reply]:
    """What this person can do here, by role and by chat."""
    where = Where.PRIVATE if ctx.incoming.chat.is_private else Where.GROUP
    if where is Where.PRIVATE:
        role = texts.ROLE_LABELS.get(ctx.me.role, "") if ctx.person else "未绑定"
        lines = [texts.HELP_HEADER_PRIVATE.format(bot=texts.BOT_NAME, role=role)]
    else:
        lines = [texts.HELP_HEADER_GROUP.format(bot=texts.BOT_NAME)]
    lines += [f"/{name} — {summary}" for name, summary in menu(where, ctx.access)]
    if ctx.access is Access.STRANGER:
        lines.append(texts.HELP_FOOTER_STRANGER)
    elif where is Where.PRIVATE:
        lines.append(texts.HELP_FOOTER_PRIVATE)
    return [Reply("\n".join(lines))]


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        *account.COMMANDS,
        Command("help", _help, Access.STRANGER, Where.ANY, texts.SUMMARY["help"]),
    )
}
BUTTONS: dict[str, ButtonRoute] = {route.prefix: route for route in account.BUTTONS}


def menu(where: Where, access: Access) -> list[tuple[str, str]]:
    """The commands (name, summary) that ``access`` may use in ``where``, for menus."""
    return [
        (c.name, c.summary)
        for c in COMMANDS.values()
        if c.access <= access
        and c.where in (where, Where.ANY)
        and c.name != "start"
        and not (c.only_unbound and access > Access.STRANGER)
    ]


def _refusal(ctx: Ctx, needed: Access, name: str) -> Reply | None:
    if ctx.access >= needed:
        return None
    if ctx.person is not None and not ctx.person.active:
        return Reply(texts.DEACTIVATED)
    if ctx.access is Access.STRANGER:
        return Reply(texts.STRANGER_REFUSED)
    return Reply(texts.NOT_ALLOWED.format(who=texts.WHO_BY_ACCESS[needed], command=name))


def _run_command(ctx: Ctx, name: str, arg: str) -> list[Reply]:
    chat = ctx.incoming.chat
    if name == "start" and arg.startswith(COMMAND_PAYLOAD):
        name, arg = arg.removeprefix(COMMAND_PAYLOAD), ""
    command = COMMANDS.get(name)
    if command is None:
        return [Reply(texts.UNKNOWN_COMMAND.format(command=esc(name)))] if chat.is_private else []
    if command.where is Where.PRIVATE and not chat.is_private:
        button = Button(texts.PRIVATE_ONLY_BUTTON, start=f"{COMMAND_PAYLOAD}{name}")
        return [Reply(texts.PRIVATE_ONLY.format(command=name), buttons=((button,),))]
    if command.where is Where.GROUP and chat.is_private:
        return [Reply(texts.GROUP_ONLY.format(command=name))]
    refusal = _refusal(ctx, command.access, name)
    if refusal is not None:
        return [refusal]
    return command.run(ctx, arg)


def _press(ctx: Ctx, data: str) -> list[Reply]:
    prefix, _, rest = data.partition(":")
    route = BUTTONS.get(prefix)
    if route is None:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    refusal = _refusal(ctx, route.access, prefix)
    if refusal is not None:
        return [Reply(refusal.text, notice=refusal.text)]
    return route.run(ctx, rest)


def route(ctx: Ctx) -> list[Reply]:
    """Decide what an update means and run the one feature function it asks for."""
    incoming = ctx.incoming
    command = incoming.command
    if not incoming.chat.is_private:
        link = chats.get_link(ctx.session, chat=incoming.chat.address)
        linking = command is not None and command[0] in ("link", "help")
        if (link is None or link.school_id != ctx.school_id) and not linking:
            told = chats.first_time_unlinked(ctx.session, chat=incoming.chat.address,
                                             now=ctx.now)
            return [Reply(texts.UNLINKED_GROUP)] if told else []
    if incoming.button is not None:
        return _press(ctx, incoming.button)
    if command is not None:
        return _run_command(ctx, *command)
    if not incoming.chat.is_private:
        return []
    if incoming.text is None:
        return [Reply(texts.NOT_TEXT)]
    return [Reply(texts.PLAIN_TEXT_HINT)]


class Core:
    """The bot without a platform: hand it an Incoming, get back the Replies to send."""

    def __init__(self, *, db: Database, settings: Settings, clock: Clock) -> None:
        """Serve the school in ``settings`` from ``db``; ``clock`` gives every 'now'."""
        self.db = db
        self.settings = settings
        self.clock = clock
        self.school_id = 0

    def prepare(self) -> None:
        """Migrate the schema and bring the school, groups and semesters in step with config."""
        self.db.migrate()
        self.school_id = self.db.call(self._sync_school)

    def _sync_school(self, session: Session) -> int:
        return school.ensure_school(
            session,
            name=self.settings.school.name,
            groups=[group.name for group in self.settings.groups],
            semesters=[(s.name, s.start, s.end, s.theme) for s in self.settings.semesters],
        )

    def handle_sync(self, session: Session, incoming: Incoming) -> list[Reply]:
        """Handle one update inside the caller's transaction."""
        now = self.clock.now()
        if incoming.update_key is not None and not updates.claim_update(
            session, key=incoming.update_key, now=now
        ):
            return []
        person = people.get_by_account(session, account=incoming.account)
        if person is not None and person.school_id != self.school_id:
            person = None
        ctx = Ctx(session=session, settings=self.settings, school_id=self.school_id, now=now,
                  incoming=incoming, person=person, access=access_of(person))
        return route(ctx)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one update in its own transaction, off the event loop."""
        try:
            return await self.db.run(functools.partial(self.handle_sync, incoming=incoming))
        except DatabaseUnavailable:
            logger.warning("database unavailable while handling an update", exc_info=True)
            return [Reply(texts.DB_BUSY)]
