"""Who may do what: the sender's access level, checked in one place by the dispatcher."""

from __future__ import annotations

from enum import IntEnum

from storage.repos.people import PersonRow


class Access(IntEnum):
    """Access levels, ordered: each level may do what the levels below it may."""

    STRANGER = 0
    TEACHER = 1
    LEADER = 2
    ADMIN = 3


_BY_ROLE = {"teacher": Access.TEACHER, "leader": Access.LEADER, "admin": Access.ADMIN}


def access_of(person: PersonRow | None) -> Access:
    """The access level of a sender: unbound or deactivated accounts are strangers."""
    if person is None or not person.active:
        return Access.STRANGER
    return _BY_ROLE.get(person.role, Access.TEACHER)


def may_lead(person: PersonRow | None, group: str) -> bool:
    """Whether ``person`` may act as leader of ``group`` (its 教研组长, or an admin)."""
    level = access_of(person)
    if level is Access.ADMIN:
        return True
    return person is not None and level is Access.LEADER and group in person.leads
