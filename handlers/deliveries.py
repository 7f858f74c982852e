"""What each kind of outbox message says: OutboxItem in, Replies out.

The scheduler decides *when* something is due and for *whom*; this module decides what it
says, at the moment it is sent, so texts always reflect the current state.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from handlers.settings import Settings
from handlers.types import Reply
from handlers.wire import load_reply
from storage.repos.outbox import RELAY, OutboxItem

# A renderer turns a claimed message into what its chat sees; [] means "nothing to say".
Renderer = Callable[[Session, Settings, OutboxItem], list[Reply]]

RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the function that renders outbox messages of ``kind``."""

    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return register


def render(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """The replies for ``item`` (unknown kinds render to nothing and are logged by callers)."""
    fn = RENDERERS.get(item.kind)
    return [] if fn is None else fn(session, settings, item)


@renderer(RELAY)
def _relay(_session: Session, _settings: Settings, item: OutboxItem) -> list[Reply]:
    """A message to someone else, written whole when the update that caused it committed."""
    return [load_reply(item.payload["reply"])]
