"""Statements run on the session's connection, past the ORM.

Two uses: reads that return thousands of rows (ORM row loading doubles their time), and
the statements every update runs (claim, sender, draft). Those are built once, with bind
parameters: building a SQLAlchemy statement and executing it through ``Session.execute``
costs 0.2–0.4 ms each, a prebuilt one on the connection 0.05–0.07 ms (SQLite, measured in
docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

# Dialect name → its INSERT construct (for ON CONFLICT).
INSERTS: dict[str, Callable[..., Any]] = {"sqlite": sqlite.insert,
                                          "postgresql": postgresql.insert}


def rows_connection(session: Session) -> Connection:
    """The session's connection, after writing out what the session still holds.

    ``Connection.execute`` skips the ORM's autoflush: without the flush, a record added
    earlier in the same unit of work would be missing from the totals shown right after it.
    """
    session.flush()
    return session.connection()
