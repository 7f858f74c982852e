"""Metered platform calls per month: one upsert adds what a process counted since the last."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlmodel import Session, col

from storage.repos._core import INSERTS, rows_connection
from storage.tables import PlatformUsage


@dataclass(frozen=True)
class Usage:
    """A platform's calls in one month, and whether admins were told it runs low."""

    calls: int
    warned: bool


_ADDS = {}
for _name, _insert in INSERTS.items():
    _statement = _insert(PlatformUsage).values(
        platform=bindparam("platform"), month=bindparam("month"), calls=bindparam("calls"),
        warned=False)
    _ADDS[_name] = _statement.on_conflict_do_update(
        index_elements=["platform", "month"],
        set_={"calls": PlatformUsage.calls + _statement.excluded.calls},
    ).returning(PlatformUsage.calls, PlatformUsage.warned)


def add_calls(session: Session, *, platform: str, month: str, calls: int) -> Usage:
    """Add ``calls`` to the month's count (safe in several processes); the new total."""
    connection = rows_connection(session)
    row = connection.execute(_ADDS[connection.dialect.name],
                             {"platform": platform, "month": month, "calls": calls}).one()
    return Usage(calls=row[0], warned=bool(row[1]))


def mark_warned(session: Session, *, platform: str, month: str) -> bool:
    """Remember that admins were told; False when another process told them already."""
    result = session.exec(update(PlatformUsage).where(  # type: ignore[call-overload]
        col(PlatformUsage.platform) == platform, col(PlatformUsage.month) == month,
        col(PlatformUsage.warned).is_(False)).values(warned=True))
    return bool(result.rowcount)
