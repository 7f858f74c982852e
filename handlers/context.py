"""What a feature function gets (``Ctx``) and how features declare commands and buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session

from handlers.permissions import Access
from handlers.settings import Settings
from handlers.types import Incoming, Reply
from storage.repos.people import PersonRow


@dataclass
class Ctx:
    """One update's unit of work: the open transaction, the sender and the time."""

    session: Session
    settings: Settings
    school_id: int
    now: datetime
    incoming: Incoming
    person: PersonRow | None
    access: Access

    @property
    def today(self) -> date:
        """Today in the school's time zone."""
        return self.now.astimezone(self.settings.zone).date()

    @property
    def me(self) -> PersonRow:
        """The bound sender (the dispatcher guarantees one for non-stranger commands)."""
        if self.person is None:
            raise LookupError("no bound sender in this context")
        return self.person


class Where(StrEnum):
    """In which chats a command works."""

    PRIVATE = "private"
    GROUP = "group"
    ANY = "any"


Handler = Callable[[Ctx, str], list[Reply]]


@dataclass(frozen=True)
class Command:
    """A slash command: who may use it, where, and what it does with its argument text."""

    name: str
    run: Handler
    access: Access = Access.TEACHER
    where: Where = Where.ANY
    summary: str = ""
    only_unbound: bool = False


@dataclass(frozen=True)
class ButtonRoute:
    """Button presses whose data starts with ``prefix:``; ``run`` gets the rest.

    ``where`` is the kind of chat the route's buttons are sent to: a press from another kind
    of chat is forged and refused.
    """

    prefix: str
    run: Handler
    access: Access = Access.TEACHER
    where: Where = Where.ANY
