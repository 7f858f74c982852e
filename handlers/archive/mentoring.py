"""师徒结对记录 in 台账.xlsx: each pair of the term with its figures, and every 听课 between
a 师傅 and a 徒弟 (counted as /me counts them: ``features.mentoring``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from sqlmodel import Session

from handlers import quotas, texts
from handlers.archive.ledgers import Term
from handlers.archive.sheets import Column, Kind, write_sheet
from handlers.features import mentoring as feature
from handlers.features.progress import started
from handlers.settings import Settings
from storage.repos import groups, mentoring
from storage.repos.mentoring import PairFigures
from storage.repos.school import SemesterRow


@dataclass(frozen=True)
class MentorArchive:
    """The term's pairs (of the export's people), their figures and measured quotas."""

    figures: list[PairFigures]
    items: dict[int, list[quotas.QuotaProgress]]
    names: dict[int, str]
    groups: dict[int, str]


def collect(session: Session, settings: Settings, school_id: int, semester: SemesterRow,
            teacher_ids: list[int], today: date) -> MentorArchive | None:
    """The pairs that held during the semester with one of ``teacher_ids`` in them; None
    when the school does not use 师徒结对."""
    if not settings.mentoring.enabled:
        return None
    found = mentoring.pairs(session, school_id=school_id, teacher_ids=teacher_ids,
                            between=(semester.start, semester.end))
    figures = feature.figures(session, settings, semester, found)
    first = started(session, settings, semester)
    items = {f.pair.id: feature.pair_items(settings, first, semester, today, f)
             for f in figures}
    # A 师傅 of another school of the district is named with their school.
    here = settings.school.name
    names = {p.mentor_id: feature.named(p.mentor, p.mentor_school, here) for p in found} | {
        p.mentee_id: p.mentee for p in found}
    group_of = {m.id: "、".join(m.groups)
                for m in groups.members(session, teacher_ids=list(names))}
    return MentorArchive(figures, items, names, group_of)


def sheets(book: Workbook, term: Term, data: MentorArchive) -> None:
    """师徒结对记录 (one row a pair) and 师徒听课记录 (one row a 听课)."""
    meta = term.meta()
    name = texts.EXPORT_SHEET_MENTORS
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("师傅", 12, Kind.TEXT), ("徒弟", 8, Kind.TEXT),
        ("徒弟教研组", 9, Kind.TEXT), ("结对日期", 11, Kind.DATE), ("解除日期", 11, Kind.DATE),
        (texts.EXPORT_MENTEE_VISITS, 8, Kind.INT), ("目标", 6, Kind.INT),
        (texts.EXPORT_MENTOR_VISITS, 8, Kind.INT), ("目标", 6, Kind.INT),
        ("徒弟公开课", 7, Kind.INT), ("师傅点评", 7, Kind.INT), ("进度", 26, Kind.WRAP))]
    rows = []
    for number, found in enumerate(data.figures, start=1):
        pair, items = found.pair, data.items.get(found.pair.id, [])
        targets = {item.quota.label: item.current.target for item in items}
        rows.append((number, data.names[pair.mentor_id], pair.mentee,
                     data.groups.get(pair.mentee_id, ""),
                     pair.started_on, pair.ended_on, len(found.mentee_observed),
                     targets.get(texts.MENTOR_QUOTA_MENTEE), len(found.mentor_observed),
                     targets.get(texts.MENTOR_QUOTA_MENTOR), found.mentee_lessons,
                     found.comments, "；".join(f"{item.quota.label}{item.current.status}"
                                               for item in items)))
    write_sheet(book, name=name, title=term.title(name), meta=meta, columns=columns,
                rows=rows, totals=[(texts.EXPORT_TOTAL, "", "", "", "", "",
                                    sum(len(f.mentee_observed) for f in data.figures), "",
                                    sum(len(f.mentor_observed) for f in data.figures), "",
                                    sum(f.mentee_lessons for f in data.figures),
                                    sum(f.comments for f in data.figures))])
    name = texts.EXPORT_SHEET_MENTOR_VISITS
    columns = [Column(t, w, k) for t, w, k in (
        ("序号", 5, Kind.INT), ("听课日期", 11, Kind.DATE), ("听课人", 12, Kind.TEXT),
        ("授课人", 12, Kind.TEXT), ("类别", 10, Kind.TEXT), ("课题", 20, Kind.WRAP),
        ("一点建议", 36, Kind.WRAP))]
    visits = sorted(((o, texts.EXPORT_MENTEE_VISITS if o in f.mentee_observed
                      else texts.EXPORT_MENTOR_VISITS)
                     for f in data.figures for o in (*f.mentee_observed, *f.mentor_observed)),
                    key=lambda pair: (pair[0].occurred_on, pair[0].record_id))
    write_sheet(book, name=name, title=term.title(name), meta=meta, columns=columns,
                rows=((n, o.occurred_on, data.names.get(o.observer_id, ""),
                       data.names.get(o.observed_id, ""), way, o.title, o.suggestion)
                      for n, (o, way) in enumerate(visits, start=1)),
                totals=[(texts.EXPORT_TOTAL, len(visits))])
