"""课题 in the archive: the 课题 ledger of 台账.xlsx (every teacher of the export, with their
课题 or 未立项) and each teacher's 课题研究 section of the 个人研修档案."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from sqlmodel import Session

from handlers import texts
from handlers.archive.ledgers import Term
from handlers.archive.paper import Paper
from handlers.archive.sheets import Column, Kind, write_sheet
from handlers.forms.spec import FieldKind
from handlers.render import book_title
from handlers.settings import Settings
from storage.repos import research
from storage.repos.groups import MemberRow
from storage.repos.research import LinkedRow, TopicRow
from storage.repos.school import SemesterRow

NOT_REGISTERED = "（未立项）"


@dataclass(frozen=True)
class TopicArchive:
    """The 课题 of the export's people open during the term, and their records."""

    members: list[MemberRow]
    topics: list[TopicRow]
    linked: list[LinkedRow]


def collect(session: Session, settings: Settings, semester: SemesterRow,
            members: Sequence[MemberRow]) -> TopicArchive | None:
    """The 课题 registered by the term's end and not ended before it began; None when the
    school does not use 课题研究."""
    if not settings.research.enabled:
        return None
    found = [t for t in research.topics(session, teacher_ids=[m.id for m in members],
                                        until=semester.end)
             if t.concluded_on is None or t.concluded_on >= semester.start]
    return TopicArchive(list(members), found,
                        research.linked(session, topic_ids=[t.id for t in found]))


def _state(topic: TopicRow, today: date) -> str:
    ended = topic.concluded_on is not None and topic.concluded_on <= today
    return texts.TOPIC_CLOSED if ended else texts.TOPIC_OPEN


def sheet(book: Workbook, term: Term, data: TopicArchive) -> None:
    """课题: one row per 课题 (and one per teacher without one), with the term's records."""
    start, end = term.semester.start, term.semester.end
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("教师", 8, Kind.TEXT), ("教研组", 8, Kind.TEXT),
        ("课题名称", 26, Kind.WRAP), ("类别", 9, Kind.TEXT), ("课题组成员", 14, Kind.WRAP),
        ("立项日期", 11, Kind.DATE), ("关联反思", 6, Kind.INT), ("关联听课", 6, Kind.INT),
        ("其他关联", 6, Kind.INT), ("阶段小结", 6, Kind.INT), ("结题/阶段总结", 8, Kind.INT),
        ("状态", 7, Kind.TEXT), ("结题日期", 11, Kind.DATE))]
    rows: list[Sequence[object]] = []
    totals = [0, 0, 0, 0, 0]
    for member in data.members:
        group = "、".join(member.groups)
        own = [t for t in data.topics if t.teacher_id == member.id]
        if not own:
            rows.append((len(rows) + 1, member.name, group, NOT_REGISTERED, *("",) * 10))
        for topic in own:
            mine = [r for r in data.linked if r.topic_id == topic.id
                    and start <= r.occurred_on <= end]
            counts = [sum(1 for r in mine if r.kind == "reflection"),
                      sum(1 for r in mine if r.kind == "observation"),
                      sum(1 for r in mine if r.kind not in (*research.KINDS, "reflection",
                                                            "observation")),
                      sum(1 for r in mine if r.kind == research.STAGE),
                      sum(1 for r in mine if r.kind == research.REPORT)]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            rows.append((len(rows) + 1, member.name, group, book_title(topic.title),
                         topic.answers.get("scope", ""), topic.answers.get("members", ""),
                         topic.registered_on, *counts, _state(topic, term.today),
                         topic.concluded_on))
    write_sheet(book, name=texts.EXPORT_SHEET_TOPICS,
                title=term.title(texts.EXPORT_SHEET_TOPICS), meta=term.meta(),
                columns=columns, rows=rows,
                totals=[(texts.EXPORT_TOTAL, "", "", len(data.topics), "", "", "", *totals)])


def section(paper: Paper, term: Term, data: TopicArchive, teacher_id: int) -> None:
    """A teacher's 课题研究 in the 个人研修档案: the 立项表, what is linked, the 阶段小结
    and 结题/阶段总结 in full."""
    own = [t for t in data.topics if t.teacher_id == teacher_id]
    if not own:
        paper.text(texts.EXPORT_NO_TOPIC)
    catalog = term.settings.catalog
    for topic in own:
        answers = topic.answers
        paper.heading(texts.EXPORT_TOPIC_HEADING.format(
            title=book_title(topic.title), scope=answers.get("scope", ""),
            state=_state(topic, term.today)), level=2)
        paper.table((3.0, 13.0), [
            ("课题名称", topic.title), ("类别", answers.get("scope", "")),
            ("课题组成员", answers.get("members", "") or texts.NONE),
            ("立项日期", f"{topic.registered_on:%Y年%m月%d日}"),
            ("研究问题", answers.get("question", "")), ("研究计划", answers.get("plan", ""))],
            labels=True)
        mine = [r for r in data.linked if r.topic_id == topic.id]
        tied = [r for r in mine if r.kind not in research.KINDS]
        paper.labelled(texts.EXPORT_TOPIC_LINKED, "；".join(
            f"{r.occurred_on:%m-%d} {catalog.label(r.kind)}「{r.title or texts.NONE}」"
            for r in tied) or texts.NONE)
        for record in (r for r in mine if r.kind in (research.STAGE, research.REPORT)):
            spec = catalog.get(record.kind)
            paper.heading(f"{catalog.label(record.kind)}　{record.occurred_on:%Y年%m月%d日}",
                          level=3)
            if spec is None:
                continue
            for field in spec.fields:
                value = record.answers.get(field.key, "")
                if field.key == spec.title_field or value in ("", None):
                    continue
                if field.kind is FieldKind.LONG_TEXT:
                    paper.labelled(field.label, str(value))
                else:
                    paper.text(f"{field.label}：{value}")
