"""The term's archive 教导处 hands in: one ZIP with the XLSX ledgers and the DOCX forms.

- 台账.xlsx: 听课台账, 反思与材料台账, 教研活动, one 考勤 sheet per group, 请假台账, 公开课台账,
  指标汇总 — every sheet ready to print (handlers.archive.ledgers);
- 教研活动记录/<教研组>/: one DOCX per session that took place, numbered 第N次;
- 个人研修档案/: one DOCX per teacher (handlers.archive.forms);
- 优秀反思与案例汇编.docx: the pieces marked 优秀 in 检查 (handlers.archive.booklet).
Building is blocking work (openpyxl, python-docx): callers run it in a worker thread.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from openpyxl import Workbook
from sqlmodel import Session

from handlers import attachments, texts
from handlers import term_texts as texts_term
from handlers.archive import booklet, forms, ledgers
from handlers.archive import mentoring as mentor_archive
from handlers.archive import prep as prep_archive
from handlers.archive import research as topic_archive
from handlers.archive import term as term_archive
from handlers.archive.paper import Paper
from handlers.archive.sheets import clean, width
from handlers.features import appraisal, plans
from handlers.features.progress import attendance, measure_people, started
from handlers.quotas import QuotaProgress
from handlers.settings import Settings
from storage.repos import archive, groups, research, reviews, school
from storage.repos import term as term_repo
from storage.repos.groups import MemberRow
from storage.repos.school import SemesterRow

__all__ = ["ArchiveData", "Scope", "clean", "collect", "render", "safe_name",
           "width"]

_UNSAFE = re.compile(r'[\\/:*?"<>|\[\]]')


@dataclass(frozen=True)
class Scope:
    """What to export: a semester, optionally one group or one teacher."""

    semester: SemesterRow
    group: str | None = None
    teacher: str | None = None


def safe_name(text: str, limit: int = 60) -> str:
    """A file or sheet name without characters Windows, Excel or ZIP tools refuse."""
    return _UNSAFE.sub("_", text).strip()[:limit] or "_"


@dataclass(frozen=True)
class ArchiveData:
    """Everything an archive shows, read in one transaction (plain rows, no ORM objects)."""

    settings: Settings
    scope: Scope
    term: ledgers.Term
    now: datetime
    members: list[MemberRow]
    attendees: list[MemberRow]
    found: list[archive.ArchiveRecord]
    sessions: list[archive.ArchiveMeeting]
    lessons: list[archive.ArchiveLesson]
    measured: dict[int, list[QuotaProgress]]
    attended: dict[int, tuple[int, int]]
    staff: dict[int, tuple[str | None, str]]
    minutes: dict[int | None, archive.ArchiveRecord]
    lesson_notes: list[archive.ArchiveRecord]
    # issue 16 §3 师徒结对, §5 课题 (None: the school does not use it)
    mentors: mentor_archive.MentorArchive | None = None
    topics: topic_archive.TopicArchive | None = None
    preps: dict[int, prep_archive.PrepPart] = field(default_factory=dict)
    # issue 16 §6, §7: 考核, plans and summaries, 外出学习汇报, 检查 marks per teacher
    appraisal: appraisal.Appraisal | None = None
    plans_owed: list[plans.Owed] = field(default_factory=list)
    outings: list[term_repo.OutingRow] = field(default_factory=list)
    outing_topics: dict[int, str] = field(default_factory=dict)
    marks: dict[int, Counter[str]] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)


def collect(session: Session, settings: Settings, school_id: int, scope: Scope,
            today: date, now: datetime) -> ArchiveData:
    """Read what the archive for ``scope`` shows (quick; the building is ``render``)."""
    ids = school.group_ids(session, school_id=school_id)
    if scope.group:
        members = groups.members(session, group_ids=[ids[scope.group]])
    else:
        members = groups.members(session, school_id=school_id)
    if scope.teacher:
        members = [m for m in members if m.name == scope.teacher]
    if scope.group:
        wanted_groups = [scope.group]
    elif scope.teacher:
        wanted_groups = sorted({g for m in members for g in m.groups})
    else:
        wanted_groups = list(ids)
    teacher_ids = [m.id for m in members]
    term = ledgers.Term(settings, scope.semester, min(today, scope.semester.end),
                        started(session, settings, scope.semester))
    sessions = archive.meetings_of(session, semester_id=scope.semester.id,
                                   group_ids=[ids[g] for g in wanted_groups if g in ids])
    # A session lists everyone of its group, whoever the archive is for.
    attendees = groups.members(session, group_ids=[ids[g] for g in wanted_groups if g in ids])
    lessons = archive.lessons_of(session, semester_id=scope.semester.id,
                                 teacher_ids=teacher_ids)
    data = ArchiveData(
        settings, scope, term, now, members, attendees,
        archive.records_of(session, semester_id=scope.semester.id, teacher_ids=teacher_ids),
        sessions, lessons,
        measure_people(session, settings, scope.semester, term.today, members, history=True),
        attendance(session, settings, scope.semester, term.today, teacher_ids),
        archive.staff_of(session, teacher_ids=teacher_ids),
        # The minutes are the leader's records, whoever the archive is for.
        {r.link_id: r for r in archive.minutes_of(
            session, meeting_ids=[m.id for m in sessions]) if not r.deleted},
        # The 听课记录 on a teacher's 公开课 are the observers' records.
        archive.lesson_notes(session, lesson_ids=[item.lesson.id for item in lessons]),
        mentors=mentor_archive.collect(session, settings, school_id, scope.semester,
                                       teacher_ids, term.today),
        topics=topic_archive.collect(session, settings, scope.semester, members),
        preps=prep_archive.collect(session, settings, sessions))
    return _with_term(session, settings, school_id, data)


def _with_term(session: Session, settings: Settings, school_id: int,
               data: ArchiveData) -> ArchiveData:
    """The term's 考核, plans and summaries, outings and 检查 marks (issue 16 §6, §7)."""
    semester, members, today = data.scope.semester, data.members, data.term.today
    ids = {m.id for m in members}
    scored = (appraisal.appraise(session, settings, school_id, semester, today, members,
                                 ranking=not data.scope.teacher)
              if settings.appraisal.enabled and settings.appraisal.items else None)
    owed = (plans.owed(session, settings, school_id, semester, members)
            if settings.plans.enabled else [])
    outings = (term_repo.outings(session, school_id=school_id, semester_id=semester.id,
                                 teacher_ids=sorted(ids)) if settings.outings.enabled else [])
    topics = {m.id: f"{m.group} {m.planned_on:%m-%d} {m.topic}" for m in data.sessions}
    marks: dict[int, Counter[str]] = {}
    for item in reviews.for_review(session, school_id=school_id, semester_id=semester.id,
                                   start=semester.start, end=semester.end):
        if item.teacher_id in ids:
            marks.setdefault(item.teacher_id, Counter())[item.status or ""] += 1
    return replace(data, appraisal=scored, plans_owed=owed, outings=outings,
                   outing_topics=topics, marks=marks,
                   group_ids=school.group_ids(session, school_id=school_id))


def _extra_sheets(data: ArchiveData) -> list[Callable[[Workbook, ledgers.Term], None]]:
    """The sheets of 师徒结对 and 课题, where the school uses them."""
    found: list[Callable[[Workbook, ledgers.Term], None]] = []
    if data.mentors is not None:
        found.append(functools.partial(mentor_archive.sheets, data=data.mentors))
    if data.topics is not None:
        found.append(functools.partial(topic_archive.sheet, data=data.topics))
    if data.preps:
        found.append(functools.partial(prep_archive.ledger, sessions=data.sessions,
                                       parts=data.preps))
    found.append(functools.partial(
        term_archive.sheets, appraisal=data.appraisal, owed=data.plans_owed,
        members=data.members, outings=data.outings, topics=data.outing_topics))
    return found


def render(data: ArchiveData) -> tuple[str, bytes]:
    """The archive's ZIP: (file name, bytes). Blocking work: run it in a worker thread."""
    settings, term, now = data.settings, data.term, data.now
    paper = Paper(author=settings.school.name)
    buffer = io.BytesIO()
    # XLSX and DOCX are ZIPs already: stored as they are, not compressed twice.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr(texts.EXPORT_LEDGER_FILE, ledgers.build_workbook(
            term, data.members, data.attendees, data.found, data.sessions, data.lessons,
            data.measured, data.attended, extra=_extra_sheets(data)))
        _group_documents(bundle, paper, data)
        numbers: dict[str, int] = {}
        for meeting in data.sessions:
            if not term.held(meeting) or meeting.starts_at is None:
                continue
            numbers[meeting.group] = number = numbers.get(meeting.group, 0) + 1
            group_people = [m for m in data.attendees if meeting.group in m.groups]
            held = meeting.starts_at.astimezone(settings.zone)
            name = safe_name(texts.EXPORT_SESSION_FILE.format(n=number, start=held))
            bundle.writestr(f"{texts.EXPORT_SESSION_DIR}/{safe_name(meeting.group)}/{name}.docx",
                            forms.session_form(paper, term, meeting, number, group_people,
                                               data.minutes.get(meeting.id), now,
                                               extra=_prep_page(data, meeting.id)))
        for member in data.members:
            staff_no, subject = data.staff.get(member.id, (None, ""))
            own = [r for r in data.found if r.teacher_id == member.id]
            extra = []
            if data.topics is not None:  # its records are in the 课题 section, not in 四
                own = [r for r in own if r.kind not in research.KINDS]
                extra.append((texts.EXPORT_TOPIC_SECTION, functools.partial(
                    topic_archive.section, term=term, data=data.topics, teacher_id=member.id)))
            name = safe_name(f"{member.name}_{staff_no or member.id}")
            boxes = _boxes(data, member.id, own)
            if boxes[0]:  # the 学期总结 has its own box, not again among the records
                own = [r for r in own if r.kind != plans.TERM_SUMMARY]
            bundle.writestr(f"{texts.EXPORT_PORTFOLIO_DIR}/{name}.docx", forms.portfolio(
                paper, term, forms.Person(member, staff_no, subject),
                data.measured.get(member.id, []), own, data.sessions, data.lessons,
                data.lesson_notes, now, extra=extra, boxes=boxes))
        pieces = booklet.excellent(term, data.found, data.members)
        if pieces and settings.review.booklet:
            bundle.writestr(texts.EXPORT_BOOKLET_FILE,
                            booklet.booklet(paper, term, pieces, now, term.today))
        _add_files(bundle, data)
    scope = data.scope
    parts = [settings.school.name, scope.semester.name, scope.group or "", scope.teacher or "",
             f"{now.astimezone(settings.zone):%Y%m%d}"]
    filename = safe_name("_".join(p for p in parts if p), 120) + ".zip"
    return filename, buffer.getvalue()


def _prep_page(data: ArchiveData, meeting_id: int) -> Callable[[Paper], None] | None:
    part = data.preps.get(meeting_id)
    if part is None:
        return None
    return functools.partial(prep_archive.add_to_form, settings=data.settings, part=part)


def _add_files(bundle: zipfile.ZipFile, data: ArchiveData) -> None:
    """Every file handed in with the archive's records, as it was sent (byte for byte):
    附件/<姓名>/<月日>_<表单>_<文件名>. A file missing from the store is left out."""
    settings = data.settings
    records = {r.id: r for r in (*data.found, *data.minutes.values()) if not r.deleted}
    used: set[str] = set()
    for record in sorted(records.values(), key=lambda r: (r.teacher, r.occurred_on, r.id)):
        spec = settings.catalog.get(record.kind)
        for _label, ref in attachments.files_of(spec, record.answers):
            content = attachments.read(settings, ref)
            if content is None:
                continue
            name = safe_name(f"{record.occurred_on:%m%d}_{settings.catalog.label(record.kind)}"
                             f"_{ref.get('name', '')}", 100)
            path = f"{texts.EXPORT_FILES_DIR}/{safe_name(record.teacher)}/{name}"
            stem, dot, extension = path.rpartition(".")
            number = 1
            while path in used:
                number += 1
                path = f"{stem}_{number}{dot}{extension}" if dot else f"{stem}_{number}"
            used.add(path)
            bundle.writestr(path, content)


def _boxes(data: ArchiveData, teacher_id: int,
           own: list[archive.ArchiveRecord]) -> tuple[str, str, str]:
    """What the 个人研修档案 writes in its boxes: (学期总结, 教研组评价, 教导处评价)."""
    summary = next((r for r in own if r.kind == plans.TERM_SUMMARY and not r.deleted), None)
    score = None if data.appraisal is None else next(
        (s for s in data.appraisal.teachers if s.teacher_id == teacher_id), None)
    group, admin = term_archive.evaluation(score, data.marks.get(teacher_id, Counter()))
    spec = data.settings.catalog.get(plans.TERM_SUMMARY)
    return term_archive.summary_text(spec, summary), group, admin


def _group_documents(bundle: zipfile.ZipFile, paper: Paper, data: ArchiveData) -> None:
    """Each group's 工作计划 and 工作总结 (the newest of each) as paper."""
    ids = {gid: name for name, gid in data.group_ids.items()}
    newest: dict[tuple[str, int], archive.ArchiveRecord] = {}
    for record in data.found:
        if (record.kind in plans.GROUP and not record.deleted and record.link_id in ids
                and record.link_kind == term_repo.GROUP_LINK):
            newest[(record.kind, record.link_id)] = record
    for (kind, gid), record in sorted(newest.items()):
        group = ids[gid]
        name = safe_name(texts_term.GROUP_DOC_FILE.format(
            group=group, label=data.settings.catalog.label(kind)))
        bundle.writestr(f"{texts_term.PLANS_DIR}/{name}.docx", term_archive.group_document(
            paper, data.term, record, group, data.now))
