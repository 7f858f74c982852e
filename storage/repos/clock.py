"""The console sandbox's clock, kept in its database (a real school's has none)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.tables import SandboxClock


def kept_time(session: Session, *, school_id: int) -> datetime | None:
    """The sandbox's 'now' kept in this database; None: not a sandbox's database."""
    row = session.get(SandboxClock, school_id)
    return None if row is None else row.moment


def keep_time(session: Session, *, school_id: int, moment: datetime) -> None:
    """Keep ``moment`` as the sandbox's 'now' (one row per school)."""
    row = session.get(SandboxClock, school_id) or SandboxClock(school_id=school_id,
                                                                moment=moment)
    row.moment = moment
    session.add(row)
