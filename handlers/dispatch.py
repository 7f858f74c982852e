"""One dispatcher: every Incoming goes through here, and permissions are checked here."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import Session

from handlers import deliveries, jobs, reminders, texts
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import (
    account,
    admin,
    appraisal,
    assignments,
    joint,
    lessons,
    mentoring,
    outings,
    pauses,
    plans,
    prep,
    progress,
    records,
    reports,
    research,
    review,
    sessions,
)
from handlers.forms.catalog import FormCatalog
from handlers.permissions import Access, access_of
from handlers.render import clean_text, esc, shorten
from handlers.settings import Settings
from handlers.types import Button, Incoming, Reply, private_chat
from handlers.wire import dump_reply, load_reply
from scheduler.clock import Clock
from scheduler.quiet import after_quiet
from scheduler.runner import Planner
from storage import Database, DatabaseUnavailable
from storage.repos import accounts, chats, outbox, pace, people, school, updates
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)

_TAGS = re.compile(r"<[^>]+>")
_RELAYED = "yanxiu.relayed"  # Session.info key: this unit of work queued relays
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
        *review.COMMANDS,
        *admin.COMMANDS,
        *pauses.COMMANDS,
        *assignments.COMMANDS,
        *mentoring.COMMANDS, *research.COMMANDS,
        *prep.COMMANDS,
        *plans.COMMANDS, *outings.COMMANDS, *appraisal.COMMANDS,  # issue 16 §6, §7
        *joint.COMMANDS,  # issue 17: 联片教研
        Command("help", _help, Access.STRANGER, Where.ANY, texts.SUMMARY["help"]),
    )
}
BUTTONS: dict[str, ButtonRoute] = {
    route.prefix: route
    for route in (*account.BUTTONS, *records.BUTTONS, *sessions.BUTTONS, *lessons.BUTTONS,
                  *reports.BUTTONS, *admin.BUTTONS, *review.BUTTONS, *pauses.BUTTONS,
                  *assignments.BUTTONS, *mentoring.BUTTONS, *research.BUTTONS,
                  *prep.BUTTONS, *plans.BUTTONS, *outings.BUTTONS, *appraisal.BUTTONS)
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
    if refusal is not None and not chat.is_private:
        # Said to the person, not the group; a short pointer in the group if their private
        # chat was never opened.
        button = Button(texts.PRIVATE_ONLY_BUTTON, start=f"{COMMAND_PAYLOAD}help")
        return [replace(refusal, chat=private_chat(ctx.incoming.account),
                        fallback=Reply(texts.SEE_PRIVATE_REFUSAL, buttons=((button,),)))]
    if refusal is not None:
        return [refusal]
    return command.run(ctx, arg)


def _press(ctx: Ctx, data: str) -> list[Reply]:
    """A button press: checked against its chat, the pressed message and the presser here,
    once for every route. A refused press is answered on the button only (a toast), and so
    is any press in a group that only needs the presser to know something."""
    incoming = ctx.incoming
    prefix, _, rest = data.partition(":")
    route = BUTTONS.get(prefix)
    if route is None:
        return [Reply("", notice=texts.BUTTON_EXPIRED)]
    refusal = _refusal(ctx, route.access, None)
    if refusal is not None:
        return [Reply("", notice=refusal.text)]
    where = Where.PRIVATE if incoming.chat.is_private else Where.GROUP
    if (route.where not in (where, Where.ANY)
            or (incoming.offered is not None and data not in incoming.offered)):
        return [Reply("", notice=texts.BUTTON_EXPIRED)]
    replies = route.run(ctx, rest)
    if where is Where.PRIVATE:
        return replies
    return [replace(reply, text="") if reply.notice and reply.chat is None and not reply.edit
            else reply for reply in replies]


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


def _to_sender(reply: Reply, incoming: Incoming) -> bool:
    """Whether ``reply`` answers the person who acted (in this chat or their private one)."""
    return reply.chat is None or reply.chat.address in (incoming.chat.address,
                                                         incoming.account)


def clean_incoming(incoming: Incoming) -> Incoming:
    """What a person typed, without characters that reorder or hide text."""
    if incoming.text is None:
        return incoming
    cleaned = clean_text(incoming.text)
    return incoming if cleaned == incoming.text else replace(incoming, text=cleaned)


def _recipient(session: Session, address: str) -> str:
    """Who a chat address is, as people call it: a name or the group's title."""
    link = chats.get_link(session, chat=address)
    if link is not None:
        return texts.GROUP_CHAT_OF.format(group=link.group or texts.LINK_SCHOOL)
    person = people.get_by_account(session, account=address)
    return person.name if person is not None else texts.GROUP_CHAT


def _summary(text: str) -> str:
    """The first line of a message, plain and short."""
    first = _TAGS.sub("", text).strip().split("\n", 1)[0]
    return html.unescape(shorten(first, 30))


def _to_current(session: Session, reply: Reply, address: str) -> Reply:
    """``reply`` addressed to the person's current account when it is for another of theirs."""
    chat = reply.chat or private_chat(address)
    current = accounts.current(session, account=chat.address) if chat.is_private else None
    return reply if current is None else replace(reply, chat=private_chat(current))


class Core:
    """The bot without a platform: hand it an Incoming, get back the Replies to send."""

    def __init__(self, *, db: Database, settings: Settings, clock: Clock) -> None:
        """Serve the school in ``settings`` from ``db``; ``clock`` gives every 'now'."""
        self.db = db
        self.settings = settings
        self.clock = clock
        self.school_id = 0
        # Accounts whose message could not be stored, and when they were told.
        self._busy: dict[str, datetime] = {}
        self._relays_waiting = False
        # Issue 17: whether a person of another school is served here as one of its own (a
        # 学区管理员 in a 村小); set by handlers.district.router.
        self.admits: Callable[[people.PersonRow], bool] = lambda _person: False

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
        """Handle one update inside the caller's transaction.

        The answer to the sender is returned and kept with the update's key (a redelivered
        update gets it again). Everything addressed to anyone else is written to the outbox
        in this same transaction and delivered from there, with retries.
        """
        now = self.clock.now()
        incoming = clean_incoming(incoming)
        key = incoming.update_key
        if key is not None and not updates.claim_update(session, key=key, now=now):
            return [load_reply(data) for data in updates.answer_of(session, key=key)]
        person = people.get_by_account(session, account=incoming.account)
        if (person is not None and person.school_id != self.school_id
                and not self.admits(person)):
            person = None
        if person is not None and person.account != incoming.account:
            # One of the person's accounts on another platform: messages go there now.
            accounts.use(session, teacher_id=person.id, account=incoming.account, now=now)
            person = replace(person, account=incoming.account)
        ctx = Ctx(session=session, settings=self.settings, school_id=self.school_id, now=now,
                  incoming=incoming, person=person, access=access_of(person))
        answer: list[Reply] = []
        for index, reply in enumerate(route(ctx)):
            if _to_sender(reply, incoming):
                answer.append(reply)
                continue
            assert reply.chat is not None
            outbox.enqueue(session, key=f"relay:{key or uuid.uuid4().hex}:{index}",
                           kind=outbox.RELAY, chat=reply.chat.address, due_at=now,
                           payload={"reply": dump_reply(replace(reply, edit=False)),
                                    "by": incoming.account})
            session.info[_RELAYED] = True
        if key is not None and answer:
            updates.keep_answer(session, key=key,
                                answer=[dump_reply(reply, keep_files=False) for reply in answer])
        return answer

    async def handle(self, incoming: Incoming, *, defer: bool = False) -> list[Reply]:
        """Handle one update in its own transaction, off the event loop.

        A slow reply (an archive) is made after the transaction by ``finish``; with
        ``defer`` it is returned unmade, for an adapter that goes on with other updates
        while it is built.

        When the database is unavailable the person is asked to send that message again.
        Messages they sent before they could read that request are not stored either (they
        would land in the field the failed message was meant for): they are asked to resend
        those too, in order.
        """
        account, sent = incoming.account, incoming.sent_at
        failed = self._busy.get(account)
        if failed is not None and sent is not None and incoming.button is None:
            if sent <= failed:
                return [Reply(texts.DB_BUSY_LATER)]
            del self._busy[account]
        def unit(session: Session) -> list[Reply]:
            answer = self.handle_sync(session, incoming)
            relayed.append(session.info.pop(_RELAYED, False))
            return answer

        relayed: list[bool] = []
        try:
            replies = await self.db.run(unit)
        except DatabaseUnavailable:
            logger.warning("database unavailable while handling an update", exc_info=True)
            if incoming.button is None:
                self._busy[account] = self.clock.now()
            return [Reply(texts.DB_BUSY)]
        # Committed: an adapter's next take_relays() sees them (and delivers them).
        self._relays_waiting = self._relays_waiting or any(relayed)
        if defer:
            return replies
        return [await self.finish(reply) if reply.later else reply for reply in replies]

    def take_relays(self) -> bool:
        """Whether updates queued messages for others since the last call: an adapter then
        delivers them at once, and skips the outbox's transactions when there are none."""
        waiting, self._relays_waiting = self._relays_waiting, False
        return waiting

    async def finish(self, reply: Reply) -> Reply:
        """Make a ``later`` reply in a worker thread: off the event loop and off the
        database's worker, so other updates are answered meanwhile."""
        assert reply.later is not None
        return await asyncio.to_thread(reply.later)

    def give_up(self, session: Session, item: OutboxItem, status: str) -> None:
        """A message to someone else could not be delivered: tell the person whose action it
        reported (if on the roster), and the admins when it failed after every retry or was
        meant for a group (inside the runner's transaction). A person who blocked the bot
        (``unreachable``) is the sender's to chase, not the admins'."""
        if item.kind != outbox.RELAY or "by" not in item.payload:
            return
        sender = item.payload["by"]
        text = texts.NOT_DELIVERED.format(
            whom=esc(_recipient(session, item.chat)),
            what=esc(_summary(load_reply(item.payload["reply"]).text)))
        told = [sender] if people.get_by_account(session, account=sender) else []
        if status == outbox.FAILED or chats.get_link(session, chat=item.chat) is not None:
            told += people.admin_accounts(session, school_id=self.school_id)
        for index, to in enumerate(dict.fromkeys(told)):
            if to == item.chat:
                continue
            outbox.enqueue(session, key=f"undelivered:{item.id}:{index}", kind=outbox.RELAY,
                           chat=to, due_at=self.clock.now(),
                           payload={"reply": dump_reply(Reply(text, chat=private_chat(to)))})

    async def move_chat(self, old: str, new: str) -> None:
        """A group chat changed its address (a Telegram group became a supergroup)."""
        moved = await self.db.run(functools.partial(chats.move_chat, old=old, new=new))
        logger.info("chat %s moved to %s%s", old, new, " with its link" if moved else "")

    def planners(self) -> list[Planner]:
        """Everything that becomes due with time, for the scheduler's tick."""
        return [functools.partial(jobs.plan_draft_warnings, settings=self.settings,
                                  school_id=self.school_id),
                reminders.SessionPlanner(self.settings, self.school_id),
                functools.partial(lessons.plan_lessons, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(reports.plan_digests, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(reports.plan_nudges, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(reports.plan_period_ends, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(review.plan_rounds, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(mentoring.plan_mentor_lessons, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(research.plan_topic_reports, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(prep.plan_prep, settings=self.settings,
                                  school_id=self.school_id),
                # issue 16 §6, §7
                functools.partial(plans.plan_reminders, settings=self.settings,
                                  school_id=self.school_id),
                functools.partial(outings.plan_outing_reminders, settings=self.settings,
                                  school_id=self.school_id)]

    def quiet_until(self, now: datetime) -> datetime | None:
        """The end of the quiet hours ``now`` falls in, or None when messages may go out."""
        quiet = self.settings.reminders.quiet_hours
        wake = after_quiet(now, start=quiet.start, end=quiet.end, zone=self.settings.zone)
        return None if wake == now else wake

    async def hold(self, item: OutboxItem, now: datetime) -> datetime | None:  # noqa: ARG002
        """The runner's question before sending ``item``: the end of the school's quiet
        hours ``now`` falls in, or None (one school: its quiet hours hold every item, with
        no database read)."""
        return self.quiet_until(now)

    def render_sync(self, session: Session, item: OutboxItem) -> list[Reply]:
        """What a due outbox message says now (rendered when sent, not when planned), to a
        person's current account (the platform they wrote on last) unless it is ``exact``;
        inside the caller's transaction."""
        replies = deliveries.render(session, self.settings, item)
        if item.payload.get("exact"):
            return replies
        return [_to_current(session, reply, item.chat) for reply in replies]

    async def take_turn(self, chat: str, burst: int, interval: float) -> float:
        """Take ``chat``'s next turn to be sent a message, in a pace that every process of
        the bot shares (a burst of ``burst``, then one each ``interval`` seconds, kept in
        the database by wall time); the seconds to wait before sending."""
        return await self.db.run(lambda session: pace.reserve(
            session, chat=chat, burst=burst, interval=interval, now=datetime.now(UTC)))

    async def render(self, item: OutboxItem) -> list[Reply]:
        """``render_sync`` in its own transaction, off the event loop."""
        return await self.db.run(lambda session: self.render_sync(session, item))
