"""Reads that bypass ORM row loading, for the queries that return thousands of rows."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel import Session


def rows_connection(session: Session) -> Connection:
    """The session's connection, after writing out what the session still holds.

    ``Connection.execute`` skips the ORM's autoflush: without the flush, a record added
    earlier in the same unit of work would be missing from the totals shown right after it.
    """
    session.flush()
    return session.connection()
