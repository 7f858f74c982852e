"""Form drafts: one open form per account, written at every answered field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from storage.tables import FormDraft


@dataclass(frozen=True)
class DraftRow:
    """A stored draft."""

    account: str
    teacher_id: int
    form: str
    step: str
    answers: dict[str, Any]
    context: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    warned_at: datetime | None


def get_draft(session: Session, *, account: str) -> DraftRow | None:
    """The open draft of ``account``, if any, locked until the transaction ends.

    The lock makes two processes (webhook replicas) handling the same person's messages
    take turns instead of both advancing the same old draft.
    """
    row = session.get(FormDraft, account, with_for_update=True)
    if row is None:
        return None
    return DraftRow(row.account, row.teacher_id, row.form, row.step, dict(row.answers),
                    dict(row.context), row.created_at, row.updated_at, row.warned_at)


def save_draft(
    session: Session, *, account: str, teacher_id: int, form: str, step: str,
    answers: Mapping[str, Any], context: Mapping[str, Any], now: datetime,
) -> None:
    """Create or overwrite the draft of ``account``."""
    row = session.get(FormDraft, account)
    if row is None:
        row = FormDraft(account=account, teacher_id=teacher_id, form=form, created_at=now,
                        updated_at=now)
    row.teacher_id, row.form, row.step = teacher_id, form, step
    row.answers, row.context = dict(answers), dict(context)
    row.updated_at, row.warned_at = now, None
    session.add(row)


def delete_draft(session: Session, *, account: str) -> None:
    """Forget the draft of ``account``."""
    session.exec(delete(FormDraft).where(col(FormDraft.account) == account))


def list_idle_drafts(session: Session, *, idle_since: datetime) -> list[DraftRow]:
    """Drafts untouched since ``idle_since`` (candidates for a warning or expiry)."""
    rows = session.exec(select(FormDraft).where(col(FormDraft.updated_at) < idle_since)).all()
    return [DraftRow(r.account, r.teacher_id, r.form, r.step, dict(r.answers), dict(r.context),
                     r.created_at, r.updated_at, r.warned_at) for r in rows]


def mark_warned(session: Session, *, account: str, now: datetime) -> None:
    """Remember that the owner of a draft was warned it will expire."""
    row = session.get(FormDraft, account)
    if row is not None:
        row.warned_at = now
        session.add(row)
