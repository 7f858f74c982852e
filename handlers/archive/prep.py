"""集体备课 in the archive: a page in the session's 教研活动记录 and a 集体备课台账 sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session

from handlers import attachments, texts
from handlers.archive.ledgers import Term, weekday
from handlers.archive.paper import Paper
from handlers.archive.sheets import Column, Kind, write_sheet
from handlers.settings import Settings
from storage.repos import prep
from storage.repos.archive import ArchiveMeeting

PLAN, COMMENT, REVISED = "prep_plan", "prep_comment", "prep_revised"


@dataclass(frozen=True)
class PrepPart:
    """One session's 集体备课 as the archive shows it."""

    meeting_id: int
    lead: str
    unit: str
    title: str
    plan: dict[str, Any] | None = None
    comments: list[tuple[str, str]] = field(default_factory=list)
    revised: dict[str, Any] | None = None


def collect(session: Session, settings: Settings,
            sessions: Sequence[ArchiveMeeting]) -> dict[int, PrepPart]:
    """The 集体备课 of these sessions (those whose 形式 is still 集体备课) with the newest
    教案 and 二次备课 and every 修改意见."""
    if not settings.prep.enabled:
        return {}
    wanted = [m.id for m in sessions if m.form.strip() == settings.prep.form_name]
    rows = prep.preps_of(session, meeting_ids=wanted)
    handed = prep.records_of(session, meeting_ids=list(rows))
    parts = {}
    for meeting_id, row in rows.items():
        own = [r for r in handed if r.meeting_id == meeting_id]
        plans = [r.answers for r in own if r.kind == PLAN]
        revised = [r.answers for r in own if r.kind == REVISED]
        parts[meeting_id] = PrepPart(
            meeting_id, row.lead, row.unit, row.title, plans[-1] if plans else None,
            [(r.teacher, str(r.answers.get("comment", ""))) for r in own if r.kind == COMMENT],
            revised[-1] if revised else None)
    return parts


def _handed(settings: Settings, kind: str, answers: dict[str, Any] | None) -> str:
    if answers is None:
        return texts.PREP_PAPER_NONE
    lines = [str(answers.get("text") or "").strip()]
    if answers.get("changes"):
        lines.append(str(answers["changes"]).strip())
    files = attachments.files_of(settings.catalog.get(kind), answers)
    if files:
        lines.append(texts.FILES_IN_ARCHIVE.format(
            files="、".join(str(ref.get("name", "")) for _, ref in files)))
    return "\n".join(line for line in lines if line)


def lesson(part: PrepPart) -> str:
    """单元《课题》."""
    return texts.PREP_LESSON.format(unit=part.unit, title=part.title).strip()


def add_to_form(paper: Paper, settings: Settings, part: PrepPart) -> None:
    """The 集体备课 page of a session's 教研活动记录: 主备人, lesson, 教案, 修改意见, 二次备课."""
    paper.page_break()
    paper.heading(texts.PREP_SECTION)
    comments = "\n".join(f"{name}：{text}" for name, text in part.comments)
    rows: list[tuple[object, ...]] = [
        (texts.PREP_PAPER_LEAD, part.lead),
        (texts.PREP_PAPER_LESSON, lesson(part)),
        (texts.PREP_PAPER_PLAN, _handed(settings, PLAN, part.plan)),
        (texts.PREP_PAPER_COMMENTS, comments or texts.PREP_PAPER_NONE),
        (texts.PREP_PAPER_REVISED, _handed(settings, REVISED, part.revised)),
    ]
    paper.table((3.0, 13.0), rows, labels=True, min_heights=(0.7, 0.7, 5.0, 4.0, 5.0))


def ledger(book: Workbook, term: Term, sessions: Sequence[ArchiveMeeting],
           parts: dict[int, PrepPart]) -> None:
    """集体备课台账: one row per 集体备课 of the term."""
    if not parts:
        return
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("日期", 11, Kind.DATE), ("星期", 5, Kind.TEXT),
        ("教研组", 8, Kind.TEXT), ("主备人", 8, Kind.TEXT), ("课题", 18, Kind.WRAP),
        ("教案", 26, Kind.WRAP), ("修改意见", 30, Kind.WRAP), ("二次备课", 26, Kind.WRAP))]
    rows = []
    settings = term.settings
    for meeting in sessions:
        part = parts.get(meeting.id)
        if part is None:
            continue
        day = term.local_day(meeting)
        comments = texts.PREP_LEDGER_COMMENTS.format(
            count=len(part.comments), names="、".join(name for name, _ in part.comments))
        rows.append((len(rows) + 1, day, weekday(day), meeting.group, part.lead, lesson(part),
                     _handed(settings, PLAN, part.plan),
                     comments if part.comments else texts.PREP_PAPER_NONE,
                     _handed(settings, REVISED, part.revised)))
    write_sheet(book, name=texts.PREP_LEDGER_SHEET, title=term.title(texts.PREP_LEDGER_SHEET),
                meta=term.meta(), columns=columns, rows=rows,
                totals=[(texts.EXPORT_TOTAL, len(rows))])
