"""A chat's sending pace kept in the database, for processes that share one bot.

Each process of a bot keeps Telegram's limits in memory (bot/tg/ratelimit.py). A private
chat's pace (a short burst, then one message every so often) is the chat's, not the
process's: when one teacher's updates reach two processes, each would spend the whole
budget. Here the budget is one row per chat, a token bucket: a send takes a token, tokens
come back at one per ``interval`` up to ``burst``, and a send without a token takes one
owed and waits until it is due. The row is locked for the read and write, so processes
take their turns.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import ChatPace


def reserve(session: Session, *, chat: str, burst: int, interval: float,
            now: datetime) -> float:
    """Take ``chat``'s next turn at ``now`` or after; the seconds from ``now`` to wait."""
    connection = rows_connection(session)
    connection.execute(INSERTS[connection.dialect.name](ChatPace)
                       .values(chat=chat, tokens=float(burst), at=now)
                       .on_conflict_do_nothing(index_elements=["chat"]))
    row = session.exec(select(ChatPace).where(ChatPace.chat == chat)
                       .with_for_update()).one()
    # Turns taken ahead (or by a process whose clock is a little behind) count from the
    # last one: time never runs backwards here.
    base = max(now, row.at)
    tokens = min(float(burst), row.tokens + (base - row.at).total_seconds() / interval) - 1.0
    row.tokens, row.at = tokens, base
    session.add(row)
    session.flush()
    return (base - now).total_seconds() + max(0.0, -tokens * interval)
