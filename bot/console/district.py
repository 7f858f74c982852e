"""The console sandbox for a district: every school's roster, its chats named by school."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from bot import texts
from bot.console.sandbox import GROUP_PREFIX, Sandbox
from handlers.district.router import District
from storage.repos import chats, people, school


class DistrictSandbox(Sandbox):
    """A sandbox over a ``District``: ``/as`` finds anyone in any school, and each school's
    chats are ``/in 李家村小学 语文组`` and ``/in 李家村小学 全校``."""

    core: District  # type: ignore[assignment]

    def seed(self, roster: Iterable[people.RosterLine]) -> None:
        """Load each school's rows of the roster once and link its chats."""
        lines = list(roster)

        def apply(session: Session) -> None:
            for core in self.core.cores:
                name = core.settings.school.name
                ids = school.group_ids(session, school_id=core.school_id)
                mine = [line for line in lines if getattr(line, "school", "") == name]
                if mine and people.count_teachers(session, school_id=core.school_id) == 0:
                    people.import_roster(session, school_id=core.school_id, lines=mine,
                                         group_ids=ids, now=self.clock.now())
                    people.issue_codes(session, school_id=core.school_id)
                for chat, group_id in [*ids.items(), (texts.SANDBOX_SCHOOL_CHAT, None)]:
                    address = f"{GROUP_PREFIX}{name} {chat}"
                    if chats.get_link(session, chat=address) is None:
                        chats.set_link(session, chat=address, title=f"{name} {chat}",
                                       school_id=core.school_id, group_id=group_id,
                                       actor_id=None, now=self.clock.now())

        self.core.db.call(apply)

    def _find(self, name: str) -> list[people.PersonRow]:
        def read(session: Session) -> list[people.PersonRow]:
            return [person for core in self.core.cores
                    for person in people.find_by_name(session, school_id=core.school_id,
                                                      name=name)]

        return self.core.db.call(read)

    def _code_rows(self) -> list[people.CodeRow]:
        def read(session: Session) -> list[people.CodeRow]:
            return [row for core in self.core.cores
                    for row in people.issue_codes(session, school_id=core.school_id)]

        return self.core.db.call(read)
