"""The composition root: config in, a ready Core (database, school, clock) out."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot.config import Config
from handlers import charts, similarity
from handlers.dispatch import Core
from handlers.district.router import District
from handlers.roster import RosterEntry, parse_roster
from handlers.settings import Settings
from handlers.types import Reply, private_chat
from scheduler.clock import Clock
from scheduler.runner import Delivery, Record, Runner, SendOne
from storage import Database
from storage.repos import clock as kept_clock
from storage.repos import district as district_repo
from storage.repos import mentoring, people, school
from storage.repos.outbox import OutboxItem


def build_core(config: Config, *, database_url: str, clock: Clock) -> Core:
    """Open the database, migrate it, and sync the school from config (with [[schools]]:
    every school, behind one router that Core's callers use as a Core)."""
    if config.school_settings:
        return build_district(config, database_url=database_url, clock=clock)
    core = Core(db=Database(database_url), settings=config, clock=clock)
    core.prepare()
    return core


def warm_up(core: Core) -> threading.Thread:
    """Load in the background what the first chart and the first copy check would otherwise
    wait for (any platform): matplotlib and the font; datasketch, which brings scipy."""
    if core.settings.review.copy_check:
        threading.Thread(target=similarity.warm_up, name="copies-warm-up", daemon=True).start()
    return charts.start_warm_up(core.settings.charts.font_path)


# Sends one rendered reply; False when its private chat cannot be reached.
SendReply = Callable[[Reply, OutboxItem], Awaitable[bool]]


# Sends one rendered reply to several people (their outbox items): awaits ``record`` for
# each item as soon as it is known to be sent, unreachable or to be tried again.
SendBatch = Callable[[Reply, list[OutboxItem], Record], Awaitable[None]]


class Postpone(Exception):
    """Raised by a ``SendReply`` when the platform asked to slow down: the outbox item is
    released and tried again later (nothing of it was delivered, or the adapter remembers
    which parts were)."""


def build_runner(core: Core, send: SendReply,
                 send_batch: dict[str, SendBatch] | None = None) -> Runner:
    """The tick that plans reminders into the outbox and sends them through ``send``;
    identical plain private messages due together, to people on a platform that can send
    one message to many (``send_batch``: address prefix → sender), in batches."""
    rendered: dict[int, list[Reply]] = {}  # rendered for batching, sent one by one

    async def deliver(item: OutboxItem) -> Delivery:
        replies = rendered.pop(item.id, None)
        if replies is None:
            replies = await core.render(item)
        if not replies:
            return Delivery.SKIPPED
        try:
            reached = [await send(reply, item) for reply in replies]
        except Postpone:
            return Delivery.RETRY
        return Delivery.SENT if all(reached) else Delivery.UNREACHABLE

    async def deliver_many(items: Sequence[OutboxItem], one: SendOne, record: Record) -> None:
        try:
            await _deliver_many(items, one, record)
        finally:
            rendered.clear()  # never sent later from an old rendering

    async def _deliver_many(items: Sequence[OutboxItem], one: SendOne, record: Record) -> None:
        assert send_batch is not None
        groups: dict[tuple[str, str], list[OutboxItem]] = {}
        for item in items:
            try:
                rendered[item.id] = await core.render(item)
            except Exception:
                await one(item)  # renders again, and records the failure as usual
                continue
            key = batch_key(rendered[item.id], item)
            if key is None or key[0] not in send_batch:
                await one(item)
            else:
                groups.setdefault(key, []).append(item)
        for (platform, _text), group in groups.items():
            if len(group) == 1:
                await one(group[0])
                continue
            reply = replace(rendered[group[0].id][0], chat=None)
            # Each person at the address their own reply names (their current account).
            members = [replace(item, chat=address_of(rendered.pop(item.id)[0], item))
                       for item in group]
            await send_batch[platform](reply, members, record)

    return Runner(db=core.db, clock=core.clock, planners=core.planners(), deliver=deliver,
                  hold=core.hold, give_up=core.give_up,
                  deliver_many=deliver_many if send_batch is not None else None)


def address_of(reply: Reply, item: OutboxItem) -> str:
    """Where ``reply``, rendered from ``item``, goes."""
    return (reply.chat or private_chat(item.chat)).address


def batch_key(replies: list[Reply], item: OutboxItem) -> tuple[str, str] | None:
    """What makes ``item`` one message with others (its platform and its text), or None
    when it is personal in form: several replies, buttons, a file, a fallback, a group."""
    if len(replies) != 1:
        return None
    reply = replies[0]
    chat = reply.chat or private_chat(item.chat)
    if (not chat.is_private or reply.buttons or reply.attachment is not None
            or reply.fallback is not None or reply.keyboard or reply.later is not None
            or reply.edit or not reply.text.strip()):
        return None
    return chat.address.partition(":")[0] + ":", reply.text


def read_roster(core: Core, path: Path) -> list[RosterEntry]:
    """Parse and validate a roster file against the school's groups (raises RosterError)."""
    if isinstance(core, District):
        return parse_roster(path, known_groups=district_groups(core.settings_of_schools()),
                            central=core.settings.school.name)
    return parse_roster(path, known_groups=[group.name for group in core.settings.groups])


def import_roster(core: Core, entries: list[RosterEntry]) -> people.ImportSummary:
    """Apply a validated roster in one transaction."""
    if isinstance(core, District):
        return import_district_roster(core, entries)

    def apply(session: Session) -> people.ImportSummary:
        ids = school.group_ids(session, school_id=core.school_id)
        return people.import_roster(session, school_id=core.school_id, lines=entries,
                                    group_ids=ids, now=core.clock.now())

    return core.db.call(apply)


def issue_codes(core: Core) -> list[people.CodeRow]:
    """Give every unbound teacher a binding code and list all of them."""
    if isinstance(core, District):
        return [row for one in core.cores for row in issue_codes(one)]
    return core.db.call(lambda session: people.issue_codes(session, school_id=core.school_id))


def sandbox_time(core: Core) -> datetime | None:
    """The sandbox's 'now' kept in the core's database; None: it is not a sandbox's."""
    return core.db.call(lambda session: kept_clock.kept_time(session,
                                                             school_id=core.school_id))


def keep_sandbox_time(core: Core, moment: datetime) -> None:
    """Keep ``moment`` as the sandbox's 'now' in the core's database."""
    core.db.call(lambda session: kept_clock.keep_time(session, school_id=core.school_id,
                                                      moment=moment))


# --- issue 17: one deployment for several schools ---


def build_district(config: Config, *, database_url: str, clock: Clock) -> District:
    """A Core per [[schools]] entry (the 中心校 first) on one database, behind a router."""
    db = Database(database_url)
    district = District([Core(db=db, settings=settings, clock=clock)
                         for settings in config.school_settings],
                        departments={entry.name: entry.departments for entry in config.schools})
    district.prepare()
    return district


def district_groups(schools: list[Settings]) -> dict[str, list[str]]:
    """Each school's name to its 教研组, as the roster's 学校 column is checked."""
    return {settings.school.name: [group.name for group in settings.groups]
            for settings in schools}


def import_district_roster(district: District,
                           entries: list[RosterEntry]) -> people.ImportSummary:
    """Import each school named in the roster (a school not in the file is left alone) in
    one transaction; a teacher who moved takes their chat account to the new school."""

    def apply(session: Session) -> people.ImportSummary:
        totals = [0, 0, 0, 0]
        touched = []
        for core in district.cores:
            # A 师傅 of another school is paired once every school's people are in.
            mine = [replace(entry, mentor=None) if entry.mentor_school != entry.school else
                    entry for entry in entries if entry.school == core.settings.school.name]
            if not mine:
                continue
            touched.append(core.school_id)
            ids = school.group_ids(session, school_id=core.school_id)
            done = people.import_roster(session, school_id=core.school_id, lines=mine,
                                        group_ids=ids, now=core.clock.now())
            for index, figure in enumerate((done.added, done.updated, done.deactivated,
                                            done.unchanged)):
                totals[index] += figure
        district_repo.carry_accounts(session, school_ids=[c.school_id for c in district.cores],
                                     now=district.clock.now())
        _pairs_across(session, district, entries)
        return people.ImportSummary(*totals)

    return district.db.call(apply)


def _pairs_across(session: Session, district: District, entries: list[RosterEntry]) -> None:
    """师徒结对 whose 师傅 is of another school of the district (the pair is the 徒弟's
    school's, as any other)."""
    ids = {core.settings.school.name: core.school_id for core in district.cores}
    now = district.clock.now()
    for entry in entries:
        if entry.mentor is None or entry.mentor_school in ("", entry.school):
            continue
        mentee = people.roster_id(session, school_id=ids[entry.school], name=entry.name,
                                  staff_no=entry.staff_no)
        mentor = people.roster_id(session, school_id=ids[entry.mentor_school],
                                  name=entry.mentor, staff_no=None)
        if mentee is not None and mentor is not None:
            mentoring.set_roster_pairs(session, school_id=ids[entry.school],
                                       wanted=[(mentor, mentee, entry.mentor_since)],
                                       today=now.date(), now=now)
