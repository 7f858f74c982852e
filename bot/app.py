"""The composition root: config in, a ready Core (database, school, clock) out."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from bot.config import Config
from handlers.dispatch import Core
from handlers.roster import RosterEntry, parse_roster
from scheduler.clock import Clock
from storage import Database
from storage.repos import people, school


def build_core(config: Config, *, database_url: str, clock: Clock) -> Core:
    """Open the database, migrate it, and sync the school from config."""
    core = Core(db=Database(database_url), settings=config, clock=clock)
    core.prepare()
    return core


def read_roster(core: Core, path: Path) -> list[RosterEntry]:
    """Parse and validate a roster file against the school's groups (raises RosterError)."""
    return parse_roster(path, known_groups=[group.name for group in core.settings.groups])


def import_roster(core: Core, entries: list[RosterEntry]) -> people.ImportSummary:
    """Apply a validated roster in one transaction."""

    def apply(session: Session) -> people.ImportSummary:
        ids = school.group_ids(session, school_id=core.school_id)
        return people.import_roster(session, school_id=core.school_id, lines=entries,
                                    group_ids=ids, now=core.clock.now())

    return core.db.call(apply)


def issue_codes(core: Core) -> list[people.CodeRow]:
    """Give every unbound teacher a binding code and list all of them."""
    return core.db.call(lambda session: people.issue_codes(session, school_id=core.school_id))
