"""The audit log as /audit shows it: Chinese only, with names and dates.

Audit rows are evidence and are never rewritten. Each row keeps the detail it was written
with, and it is shown through its action's form here, at read time. Older versions wrote
some details with ids and English words ("meeting 35 teacher 10: None → present"). Those
forms are recognised by pattern, and their ids are looked up, so they read like new ones
("刘洋，语文组12月2日（周三）的教研：未记录 → 出席"). Some forms are still written with ids
(a deleted or checked record, a linked chat, a role), and they are shown the same way. A
detail that already reads in Chinese is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from handlers import texts
from handlers.render import fmt_date, fmt_datetime
from handlers.settings import Settings
from storage.repos import audit
from storage.repos.audit import AuditRow, Referenced

_DAY = r"(\d{4}-\d{2}-\d{2})"
# action → the forms its detail was (or is still) written in with ids or English words.
PATTERNS: dict[str, re.Pattern[str]] = {
    "correct_attendance": re.compile(r"^meeting (\d+) teacher (\d+): (\w+) → (\w+)$"),
    "leave_decision": re.compile(rf"^(\S+) (\S+) {_DAY}: (\w+)$"),
    "move_session": re.compile(rf"^(\S+) {_DAY} → (\d{{4}}-\d{{2}}-\d{{2}}T\S+)$"),
    "cancel_session": re.compile(rf"^(\S+) {_DAY}$"),
    "delete_record": re.compile(r"^([A-Za-z][\w-]*) #(\d+) ?(.*)$", re.DOTALL),
    "review_record": re.compile(r"^([A-Za-z][\w-]*) #(\d+) (\w+)$"),
    "link_chat": re.compile(r"^(.*) → (\d+|全校)$", re.DOTALL),
}
_ROLE = re.compile(r"\b(teacher|leader|admin)\b")


@dataclass(frozen=True)
class _Parsed:
    entry: AuditRow
    found: re.Match[str] | None


def details(session: Session, settings: Settings, school_id: int,
            entries: Sequence[AuditRow]) -> list[str]:
    """What each entry's detail says, in Chinese (plain text, not yet escaped)."""
    parsed = []
    for entry in entries:
        pattern = PATTERNS.get(entry.action)
        parsed.append(_Parsed(entry, pattern.match(entry.detail) if pattern else None))
    wanted: dict[str, set[int]] = {"teachers": set(), "meetings": set(), "records": set(),
                                   "groups": set()}
    for item in parsed:
        if item.found is None:
            continue
        action, found = item.entry.action, item.found
        if action == "correct_attendance":
            wanted["meetings"].add(int(found[1]))
            wanted["teachers"].add(int(found[2]))
        elif action in ("delete_record", "review_record"):
            wanted["records"].add(int(found[2]))
        elif action == "link_chat" and found[2].isdigit():
            wanted["groups"].add(int(found[2]))
    names = audit.referenced(session, school_id=school_id, teacher_ids=wanted["teachers"],
                             meeting_ids=wanted["meetings"], record_ids=wanted["records"],
                             group_ids=wanted["groups"])
    return [_describe(item, settings, names) for item in parsed]


def _status(word: str) -> str:
    return texts.ATTENDANCE_LABELS.get(word, texts.AUDIT_NOTHING)


def _describe(item: _Parsed, settings: Settings, names: Referenced) -> str:
    entry, found = item.entry, item.found
    if found is None:
        return _ROLE.sub(lambda m: texts.ROLE_LABELS[m[1]], entry.detail)
    show: Callable[[re.Match[str], Settings, Referenced], str] = _SHOW[entry.action]
    return show(found, settings, names)


def _attendance(found: re.Match[str], _settings: Settings, names: Referenced) -> str:
    group, day = names.meetings.get(int(found[1]), (texts.AUDIT_SOMEWHERE, None))
    return texts.AUDIT_ATTENDANCE.format(
        name=names.teachers.get(int(found[2]), texts.AUDIT_SOMEONE), group=group,
        day=fmt_date(day) if day else "", before=_status(found[3]), after=_status(found[4]))


def _leave(found: re.Match[str], _settings: Settings, _names: Referenced) -> str:
    return texts.AUDIT_LEAVE.format(name=found[1], group=found[2],
                                    day=fmt_date(date.fromisoformat(found[3])),
                                    verdict=_status(found[4]))


def _move(found: re.Match[str], settings: Settings, _names: Referenced) -> str:
    try:
        new = fmt_datetime(datetime.fromisoformat(found[3]), settings.zone)
    except ValueError:
        new = found[3]
    return texts.AUDIT_MOVE.format(group=found[1], day=fmt_date(date.fromisoformat(found[2])),
                                   new=new)


def _cancel(found: re.Match[str], _settings: Settings, _names: Referenced) -> str:
    return texts.AUDIT_SESSION.format(group=found[1], day=fmt_date(date.fromisoformat(found[2])))


def _record(found: re.Match[str], settings: Settings, names: Referenced) -> str:
    owner, title = names.records.get(int(found[2]), (texts.AUDIT_SOMEONE, ""))
    return texts.AUDIT_RECORD.format(owner=owner, form=settings.catalog.label(found[1]),
                                     title=found[3] or title)


def _review(found: re.Match[str], settings: Settings, names: Referenced) -> str:
    owner, title = names.records.get(int(found[2]), (texts.AUDIT_SOMEONE, ""))
    return texts.AUDIT_REVIEW.format(owner=owner, form=settings.catalog.label(found[1]),
                                     title=title, mark=texts.REVIEW_MARKS.get(found[3],
                                                                              found[3]))


def _link(found: re.Match[str], _settings: Settings, names: Referenced) -> str:
    where = found[2]
    group = where if not where.isdigit() else names.groups.get(int(where), texts.AUDIT_SOMEWHERE)
    return texts.AUDIT_LINK.format(chat=found[1], group=group)


_SHOW: dict[str, Callable[[re.Match[str], Settings, Referenced], str]] = {
    "correct_attendance": _attendance, "leave_decision": _leave, "move_session": _move,
    "cancel_session": _cancel, "delete_record": _record, "review_record": _review,
    "link_chat": _link,
}
