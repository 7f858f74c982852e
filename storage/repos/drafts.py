"""Form drafts: one open form per account, written at every answered field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from storage.repos._core import INSERTS, rows_connection
from storage.tables import FormDraft, Teacher


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


_GET = (select(FormDraft.account, FormDraft.teacher_id, FormDraft.form, FormDraft.step,
               FormDraft.answers, FormDraft.context, FormDraft.created_at,
               FormDraft.updated_at, FormDraft.warned_at)
        .where(col(FormDraft.account) == bindparam("account")).with_for_update())


def _upsert(insert: Callable[..., Any]) -> Any:
    statement = insert(FormDraft).values(
        account=bindparam("account"), teacher_id=bindparam("teacher_id"),
        form=bindparam("form"), step=bindparam("step"), answers=bindparam("answers"),
        context=bindparam("context"), created_at=bindparam("created_at"),
        updated_at=bindparam("updated_at"), warned_at=None)
    kept = ("teacher_id", "form", "step", "answers", "context", "updated_at")
    return statement.on_conflict_do_update(
        index_elements=[FormDraft.account],
        set_={**{name: statement.excluded[name] for name in kept}, "warned_at": None})


_SAVE = {name: _upsert(insert) for name, insert in INSERTS.items()}


def get_draft(session: Session, *, account: str) -> DraftRow | None:
    """The open draft of ``account``, if any, locked until the transaction ends.

    The lock makes two processes (webhook replicas) handling the same person's messages
    take turns instead of both advancing the same old draft.
    """
    row = rows_connection(session).execute(_GET, {"account": account}).first()
    if row is None:
        return None
    return DraftRow(row[0], row[1], row[2], row[3], dict(row[4]), dict(row[5]), row[6],
                    row[7], row[8])


def save_draft(
    session: Session, *, account: str, teacher_id: int, form: str, step: str,
    answers: Mapping[str, Any], context: Mapping[str, Any], now: datetime,
) -> None:
    """Create or overwrite the draft of ``account`` (one upsert: it runs on every answer)."""
    connection = rows_connection(session)
    connection.execute(_SAVE[connection.dialect.name], {
        "account": account, "teacher_id": teacher_id, "form": form, "step": step,
        "answers": dict(answers), "context": dict(context), "created_at": now,
        "updated_at": now})


def delete_draft(session: Session, *, account: str) -> None:
    """Forget the draft of ``account``."""
    session.exec(delete(FormDraft).where(col(FormDraft.account) == account))


def list_idle_drafts(session: Session, *, school_id: int,
                     idle_since: datetime) -> list[DraftRow]:
    """Drafts of the school's people (by their owner's roster entry) untouched since
    ``idle_since`` (candidates for a warning or expiry)."""
    rows = session.exec(
        select(FormDraft).join(Teacher, col(Teacher.id) == col(FormDraft.teacher_id))
        .where(Teacher.school_id == school_id, col(FormDraft.updated_at) < idle_since)).all()
    return [DraftRow(r.account, r.teacher_id, r.form, r.step, dict(r.answers), dict(r.context),
                     r.created_at, r.updated_at, r.warned_at) for r in rows]


def mark_warned(session: Session, *, account: str, now: datetime) -> None:
    """Remember that the owner of a draft was warned it will expire."""
    row = session.get(FormDraft, account)
    if row is not None:
        row.warned_at = now
        session.add(row)
