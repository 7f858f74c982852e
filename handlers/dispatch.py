"""One dispatcher: every Incoming goes through here, and permissions are checked here."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from handlers import deliveries, jobs, reminders, texts
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import (
    account,
    admin,
    lessons,
    progress,
    records,
    reports,
    sessions,
)
from handlers.forms.catalog import FormCatalog
from handlers.permissions import Access, access_of
from handlers.render import esc
from handlers.settings import Settings
from handlers.types import Button, Incoming, Reply
from scheduler.clock import Clock
from scheduler.quiet import after_quiet
from scheduler.runner import Planner
from storage import Database, DatabaseUnavailable
from storage.repos import chats, people, school, updates
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)

COMMAND_PAYLOAD = "cmd-"
FORM_PAYLOAD = "form-"


def _help(ctx: Ctx, _arg: str) -> list[Reply]:
    """What this person can do here, by role and by chat."""
    if ctx.person is not None and not ctx.person.active:
        return [Reply(texts.DEACTIVATED)]
    where = Where.PRIVATE if ctx.incoming.chat.is_private else Where.GROUP
    if where is Where.PRIVATE:
        role = texts.ROLE_LABELS.get(ctx.me.role, "") if ctx.person else "未绑定"
        lines = [texts.HELP_HEADER_PRIVATE.format(bot=texts.BOT_NAME, role=role)]
    else:
        lines = [texts.HELP_HEADER_GROUP.format(bot=texts.BOT_NAME)]
    lines += [f"/{name} — {summary}"
              for name, summary in menu(where, ctx.access, ctx.settings.catalog)]
    if ctx.access is Access.STRANGER:
        lines.append(texts.HELP_FOOTER_STRANGER)
    elif where is Where.PRIVATE:
        lines.append(texts.HELP_FOOTER_PRIVATE)
    return [Reply("\n".join(lines))]


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        *account.COMMANDS,
        *progress.COMMANDS,
        *records.COMMANDS,
        *sessions.COMMANDS,
        *lessons.COMMANDS,
        *reports.COMMANDS,
        *admin.COMMANDS,
        Command("help", _help, Access.STRANGER, Where.ANY, texts.SUMMARY["help"]),
    )
}
BUTTONS: dict[str, ButtonRoute] = {
    route.prefix: route
    for route in (*account.BUTTONS, *records.BUTTONS, *sessions.BUTTONS, *lessons.BUTTONS,
                  *reports.BUTTONS, *admin.BUTTONS)
}
# Form controls make sense only inside a form: they stay out of menus.
_UNLISTED = {"start", "cancel", "back", "skip", "done"}


def _command(name: str, catalog: FormCatalog) -> Command | None:
    if name in COMMANDS:
        return COMMANDS[name]
    spec = catalog.by_command(name)
    if spec is None:
        return None

    def run(ctx: Ctx, _arg: str) -> list[Reply]:
        return records.open_form(ctx, spec.kind)

    return Command(name, run, Access.TEACHER, Where.PRIVATE,
                   texts.FORM_COMMAND_SUMMARY.format(form=spec.label))


def menu(where: Where, access: Access, catalog: FormCatalog) -> list[tuple[str, str]]:
    """The commands (name, summary) that ``access`` may use in ``where``, for menus."""
    forms = [c for form in catalog if form.command and (c := _command(form.command, catalog))]
    return [
        (c.name, c.summary)
        for c in [*forms, *COMMANDS.values()]
        if c.access <= access
        and c.where in (where, Where.ANY)
        and c.name not in _UNLISTED
        and not (c.only_unbound and access > Access.STRANGER)
    ]


def _refusal(ctx: Ctx, needed: Access, name: str | None) -> Reply | None:
    """Why the sender may not do this (None when they may); ``name`` None for buttons."""
    if ctx.access >= needed:
        return None
    if ctx.person is not None and not ctx.person.active:
        return Reply(texts.DEACTIVATED)
    if ctx.access is Access.STRANGER:
        return Reply(texts.STRANGER_REFUSED)
    who = texts.WHO_BY_ACCESS[needed]
    if name is None:
        return Reply(texts.BUTTON_NOT_ALLOWED.format(who=who))
    return Reply(texts.NOT_ALLOWED.format(who=who, command=name))


def _run_command(ctx: Ctx, name: str, arg: str) -> list[Reply]:
    chat = ctx.incoming.chat
    if name == "start" and arg.startswith(COMMAND_PAYLOAD):
        name, arg = arg.removeprefix(COMMAND_PAYLOAD), ""
    if name == "start" and chat.is_private:
        for payload, opener in ((FORM_PAYLOAD, records.open_listed_form),
                                (sessions.LEAVE_PAYLOAD, sessions.start_leave),
                                (lessons.OBSERVE_PAYLOAD, lessons.open_observation)):
            if arg.startswith(payload):
                refusal = _refusal(ctx, Access.TEACHER, "start")
                return [refusal] if refusal else opener(ctx, arg.removeprefix(payload))
    command = _command(name, ctx.settings.catalog)
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
    refusal = _refusal(ctx, route.access, None)
    if refusal is not None:
        return [Reply(refusal.text, notice=refusal.text)]
    return route.run(ctx, rest)


def _then_reask(ctx: Ctx, name: str, run: Callable[[], list[Reply]]) -> list[Reply]:
    """Run a command; if it left an open form as it was (/me in the middle of a 听课记录),
    ask the form's current question again, so free text after it is clearly an answer."""
    if not ctx.incoming.chat.is_private or name in _UNLISTED or ctx.access <= Access.STRANGER:
        return run()
    before = records.draft_state(ctx)
    replies = run()
    if before is None or records.draft_state(ctx) != before:
        return replies
    again = records.reask(ctx)
    if any(reply.text == again[-1].text for reply in replies):  # it showed the form itself
        return replies
    return [*replies, *again]


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
        return _then_reask(ctx, command[0], lambda: _run_command(ctx, *command))
    if not incoming.chat.is_private:
        return []
    menu_command = texts.MENU_COMMANDS.get((incoming.text or "").strip())
    if menu_command is not None:
        return _then_reask(ctx, menu_command, lambda: _run_command(ctx, menu_command, ""))
    if ctx.access > Access.STRANGER:
        answered = records.on_message(ctx)
        if answered is not None:
            return answered
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

    async def move_chat(self, old: str, new: str) -> None:
        """A group chat changed its address (a Telegram group became a supergroup)."""
        moved = await self.db.run(functools.partial(chats.move_chat, old=old, new=new))
        logger.info("chat %s moved to %s%s", old, new, " with its link" if moved else "")

    def planners(self) -> list[Planner]:
        """Everything that becomes due with time, for the scheduler's tick."""
        return [functools.partial(jobs.plan_draft_warnings, settings=self.settings),
                reminders.SessionPlanner(self.settings, self.school_id),
                functools.partial(lessons.plan_lessons, settings=self.settings),
                functools.partial(reports.plan_digests, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(reports.plan_nudges, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(reports.plan_period_ends, settings=self.settings,
                                  school_id=self.school_id)]

    def quiet_until(self, now: datetime) -> datetime | None:
        """The end of the quiet hours ``now`` falls in, or None when messages may go out."""
        quiet = self.settings.reminders.quiet_hours
        wake = after_quiet(now, start=quiet.start, end=quiet.end, zone=self.settings.zone)
        return None if wake == now else wake

    async def render(self, item: OutboxItem) -> list[Reply]:
        """What a due outbox message says now (rendered when sent, not when planned)."""
        return await self.db.run(
            lambda session: deliveries.render(session, self.settings, item))
