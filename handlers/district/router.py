"""Several schools behind one bot: a Core per school and a router with Core's interface.

Each school is served by its own ``Core`` (its own merged settings), all on one database
and one clock. The router picks the Core of each update: a group chat by its link, a
person by their roster entry, a stranger's ``/bind CODE`` by the code, ``/request 学校
姓名`` by the school named. An outbox message is held in the quiet hours of the school of
its chat, and rendered (and given up) by that school. Adapters use the router exactly as
they use a Core.

A 学区管理员 (an admin of the 中心校) may act in every school: in a 村小's linked group
chat, and in private by naming the school first (``/progress 李家村小学``, ``/export
李家村小学 语文组``); their next presses and commands then go to that school, until they
name another or use a command of their own (/me, a form …: at home). The school they work
in is kept in the database, written in the update's transaction, so a restart and every
process on the database go on there; a school no longer in the config sends them home.
``/progress`` alone shows the schools side by side.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers import texts
from handlers.dispatch import Core
from handlers.district import texts as district_texts
from handlers.district.views import overview, school_figures
from handlers.features.account import BIND_PAYLOAD
from handlers.render import esc
from handlers.settings import Settings
from handlers.types import Incoming, Reply, private_chat
from handlers.wire import dump_reply, load_reply
from scheduler.quiet import after_quiet
from scheduler.runner import Planner
from storage.repos import district, outbox, people, updates
from storage.repos.outbox import OutboxItem
from storage.repos.people import PersonRow

# A 学区管理员's own commands: always at home, whichever school they are working in.
_PERSONAL = frozenset({"me", "mine", "settings", "pause", "addlesson", "start"})
# What the 学区管理员 get across schools: the weekly digest and the month's report.
DISTRICT_DIGEST, DISTRICT_MONTH = "district-digest", "district-month"
_FRESH = timedelta(hours=12)


def is_district_admin(person: PersonRow | None, central_id: int) -> bool:
    """Whether ``person`` is a 学区管理员: an active admin of the 中心校."""
    return (person is not None and person.active and person.role == "admin"
            and person.school_id == central_id)


class District(Core):
    """The Cores of a deployment's schools behind Core's interface; the 中心校's first.

    A Core itself: ``handle`` (one transaction per update, the busy answer, relays) is
    Core's, around this class's ``handle_sync``, which picks the school's Core inside that
    same transaction. Its own ``settings`` and ``school_id`` are the 中心校's."""

    def __init__(self, cores: Sequence[Core],
                 departments: Mapping[str, Sequence[int]] | None = None) -> None:
        """Route between ``cores`` (the first is the 中心校), which share db and clock;
        ``departments`` maps a school's name to its 钉钉 directory departments."""
        if not cores:
            raise ValueError("a district needs at least one school")
        self.cores = list(cores)
        self.central = self.cores[0]
        super().__init__(db=self.central.db, settings=self.central.settings,
                         clock=self.central.clock)
        self._by_id: dict[int, Core] = {}
        self._by_name = {core.settings.school.name: core for core in self.cores}
        self._departments = {name: set(ids) for name, ids in (departments or {}).items()}

    def settings_of_schools(self) -> list[Settings]:
        """Every school's settings, the 中心校's first."""
        return [core.settings for core in self.cores]

    def prepare(self) -> None:
        """Migrate once, bring every school in step with config, note the 中心校 as parent."""
        self.db.migrate()
        for core in self.cores:
            core.school_id = self.db.call(core._sync_school)
            core.admits = self._admits
        self._by_id = {core.school_id: core for core in self.cores}
        self.school_id = self.central.school_id
        for core in self.cores[1:]:
            self.db.call(functools.partial(district.set_parent, school_id=core.school_id,
                                           parent_id=self.central.school_id))

    def _admits(self, person: PersonRow) -> bool:
        return is_district_admin(person, self.central.school_id)

    def directory_schools(self, departments: Sequence[int]) -> list[int]:
        """The schools a 钉钉 directory entry may be bound in: those its departments belong
        to, else every school (the 中心校 first; 工号 and 手机号 decide)."""
        mapped = [core.school_id for core in self.cores
                  if self._departments.get(core.settings.school.name, set()) & set(departments)]
        return mapped or [core.school_id for core in self.cores]

    def schools(self) -> list[tuple[str, Settings, int]]:
        """Every school's name, settings and id, the 中心校's first."""
        return [(core.settings.school.name, core.settings, core.school_id)
                for core in self.cores]

    def core_of(self, school_id: int | None) -> Core:
        """The Core of a school (the 中心校's for none or an unknown one)."""
        return self._by_id.get(school_id or 0, self.central)

    def school_named(self, name: str) -> Core | None:
        """The Core of the school called ``name``."""
        return self._by_name.get(name)

    # -- updates ---------------------------------------------------------------------

    def _named(self, arg: str) -> tuple[Core | None, str]:
        """A school named as the first word of ``arg``, and the rest."""
        first, _, rest = arg.strip().partition(" ")
        core = self._by_name.get(first)
        return (core, rest.strip()) if core is not None else (None, arg)

    def _pick(self, session: Session, incoming: Incoming
              ) -> tuple[Core | None, Incoming, Reply | None]:
        """Which school's Core handles ``incoming`` (None: the router answers itself), the
        update as that Core should see it (a school's name taken off the command), and the
        note a 学区管理员 gets on entering another school or on coming back from one no
        longer in the config. Keeps the school they work in, in ``session``."""
        person = people.get_by_account(session, account=incoming.account)
        command = incoming.command
        chief = self._admits(person) if person is not None else False
        if not incoming.chat.is_private:
            linked = district.school_of_chat(session, chat=incoming.chat.address)
            if linked is not None:
                return self.core_of(linked), incoming, None
            if chief and command is not None and command[0] == "link":
                named, rest = self._named(command[1])
                if named is not None:
                    return named, replace(incoming, text=f"/link {rest}"), None
            return self.core_of(person.school_id if person else None), incoming, None
        if person is None:
            return (*self._stranger(session, incoming), None)
        if not chief:
            return self.core_of(person.school_id), incoming, None
        home = self.core_of(person.school_id)
        wanted = command[0] if command else texts.MENU_COMMANDS.get((incoming.text or "").strip())
        if wanted is not None and self._personal(wanted):
            # Her own records and settings live at home: the visit to a school ends.
            district.end_visit(session, teacher_id=person.id)
            return home, incoming, None
        if command is not None:
            named, rest = self._named(command[1])
            if named is not None:
                self._visit(session, person.id, named)
                note = None if named is self.central else Reply(
                    district_texts.DISTRICT_NOW_IN.format(
                        school=esc(named.settings.school.name),
                        home=esc(self.settings.school.name)))
                return named, replace(incoming, text=f"/{command[0]} {rest}".rstrip()), note
            if command[0] == "progress" and not command[1]:
                district.end_visit(session, teacher_id=person.id)  # every school: from home
                return None, incoming, None
        visit = district.visit_of(session, teacher_id=person.id)
        if visit is None:
            return home, incoming, None
        visited = self._by_id.get(visit.school_id)
        if visited is not None:
            return visited, incoming, None
        # The school was taken out of the config since she named it: back at home.
        district.end_visit(session, teacher_id=person.id)
        return home, incoming, Reply(district_texts.DISTRICT_VISIT_GONE.format(
            school=esc(visit.school), home=esc(home.settings.school.name)))

    def _personal(self, command: str) -> bool:
        """Commands about the sender's own records, forms and settings (never another
        school's): /me, /mine, /settings, /pause, /addlesson, /start links and the forms."""
        return command in _PERSONAL or self.settings.catalog.by_command(command) is not None

    def _visit(self, session: Session, teacher_id: int, core: Core) -> None:
        if core is self.central:
            district.end_visit(session, teacher_id=teacher_id)
        else:
            district.visit(session, teacher_id=teacher_id, school_id=core.school_id)

    def _stranger(self, session: Session, incoming: Incoming) -> tuple[Core | None, Incoming]:
        command = incoming.command
        if command is None:
            return self.central, incoming
        name, arg = command
        code = (arg if name == "bind" else arg.removeprefix(BIND_PAYLOAD)
                if name == "start" and arg.startswith(BIND_PAYLOAD) else "")
        if code:
            return self.core_of(district.school_of_code(session, code=code)), incoming
        if name == "request" and len(self.cores) > 1:
            named, rest = self._named(arg)
            if named is None or not rest:
                return None, incoming
            return named, replace(incoming, text=f"/request {rest}")
        return self.central, incoming

    def _answer(self, session: Session, incoming: Incoming) -> list[Reply]:
        """What the router says itself: the schools side by side, or which school?"""
        now = self.clock.now()
        key = incoming.update_key
        if key is not None and not updates.claim_update(session, key=key, now=now):
            return [load_reply(data) for data in updates.answer_of(session, key=key)]
        names = [core.settings.school.name for core in self.cores]
        command = incoming.command
        if command is not None and command[0] == "request":
            answer = [Reply(district_texts.REQUEST_WHICH_SCHOOL.format(
                example=esc(names[-1]), schools=esc("、".join(names))))]
        else:
            today = now.astimezone(self.settings.zone).date()
            figures = school_figures(session, self.schools(), today)
            answer = [overview(figures, today, header=district_texts.DISTRICT_PROGRESS_HEADER,
                               font_path=self.settings.charts.font_path,
                               footer=district_texts.DISTRICT_PROGRESS_FOOTER.format(
                                   example=esc(names[-1])))]
        if key is not None:
            updates.keep_answer(session, key=key,
                                answer=[dump_reply(reply, keep_files=False) for reply in answer])
        return answer

    def handle_sync(self, session: Session, incoming: Incoming) -> list[Reply]:
        """Handle one update inside the caller's transaction, in the school it belongs to."""
        core, seen, note = self._pick(session, incoming)
        if core is None:
            return self._answer(session, seen)
        return [note, *core.handle_sync(session, seen)] if note else core.handle_sync(
            session, seen)

    # -- the outbox ------------------------------------------------------------------

    def school_of_item(self, session: Session, item: OutboxItem) -> Core:
        """The school an outbox message belongs to: its chat's link, else its recipient's
        roster entry, else the person whose action it reports."""
        found = district.school_of_chat(session, chat=item.chat)
        if found is None:
            found = district.school_of_account(session, account=item.chat)
        if found is None and isinstance(item.payload.get("by"), str):
            found = district.school_of_account(session, account=item.payload["by"])
        return self.core_of(found)

    def give_up(self, session: Session, item: OutboxItem, status: str) -> None:
        """Tell the sender (and that school's admins) a message could not be delivered."""
        self.school_of_item(session, item).give_up(session, item, status)

    async def render(self, item: OutboxItem) -> list[Reply]:
        """What a due outbox message says now, in its school's words and time zone."""
        def unit(session: Session) -> list[Reply]:
            if item.kind in (DISTRICT_DIGEST, DISTRICT_MONTH):
                return self._render_district(session, item)
            return self.school_of_item(session, item).render_sync(session, item)

        return await self.db.run(unit)

    def planners(self) -> list[Planner]:
        """Every school's planners, each with its own settings over its own rows, and the
        学区管理员's."""
        return [*(planner for core in self.cores for planner in core.planners()),
                self.plan_district]

    async def hold(self, item: OutboxItem, now: datetime) -> datetime | None:
        """The quiet hours of the school ``item`` belongs to (``school_of_item``). Looked up
        only when the schools differ at ``now`` (one quiet, another not, or quiet until
        different times); otherwise no school's quiet hours need the database."""
        wakes = {core.quiet_until(now) for core in self.cores}
        if len(wakes) == 1:
            return wakes.pop()
        return await self.db.run(
            lambda session: self.school_of_item(session, item).quiet_until(now))

    # -- across schools: the 学区管理员's digest and month report ------------------------

    def plan_district(self, session: Session, now: datetime) -> None:
        """At the 中心校's digest time each week, and on a month's last day at its nudge
        time, each 学区管理员 gets the schools side by side."""
        settings, zone = self.settings, self.settings.zone
        accounts = people.admin_accounts(session, school_id=self.central.school_id)
        if not accounts:
            return
        local = now.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday())
        cfg = settings.digest
        due = datetime.combine(monday + timedelta(days=cfg.weekday - 1), cfg.at, zone)
        if cfg.enabled and due <= now <= due + _FRESH:
            for account in accounts:
                outbox.enqueue(session, key=f"{DISTRICT_DIGEST}:{monday:%G-W%V}:{account}",
                               kind=DISTRICT_DIGEST, chat=account,
                               payload={"day": local.date().isoformat()}, due_at=due,
                               expires_at=due + _FRESH)
        today = local.date()
        last = (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if today == last and local.time() >= settings.nudges.at:
            quiet = settings.reminders.quiet_hours
            due = after_quiet(now, start=quiet.start, end=quiet.end, zone=zone)
            for account in accounts:
                outbox.enqueue(session, key=f"{DISTRICT_MONTH}:{today:%Y-%m}:{account}",
                               kind=DISTRICT_MONTH, chat=account,
                               payload={"day": today.isoformat()}, due_at=due,
                               expires_at=datetime.combine(last + timedelta(days=1),
                                                           datetime.min.time(), zone))

    def _render_district(self, session: Session, item: OutboxItem) -> list[Reply]:
        day = date.fromisoformat(str(item.payload["day"]))
        digest = item.kind == DISTRICT_DIGEST
        figures = school_figures(session, self.schools(), day, snapshot=digest)
        header = (district_texts.DISTRICT_DIGEST_HEADER if digest else
                  district_texts.DISTRICT_MONTH_HEADER.replace("{month}", f"{day.month} 月"))
        reply = overview(figures, day, header=header, font_path=self.settings.charts.font_path)
        return [replace(reply, chat=private_chat(item.chat))]
