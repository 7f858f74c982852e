"""The term's documents in the archive (issue 16 §6, §7): 考核汇总, 优秀教研组, 计划与总结 and
外出学习汇报 sheets for 台账.xlsx, each group's 工作计划 and 工作总结 as paper, and what the
个人研修档案 writes in its 学期总结 and 评价 boxes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook

from handlers import term_texts as tt
from handlers.archive.ledgers import Term
from handlers.archive.paper import Paper
from handlers.archive.sheets import Column, Kind, write_sheet
from handlers.features.appraisal import Appraisal, TeacherScore
from handlers.features.plans import Owed
from handlers.forms.spec import FieldKind, FormSpec
from storage.repos.archive import ArchiveRecord
from storage.repos.groups import MemberRow
from storage.repos.term import OutingRow


def _appraisal_sheet(book: Workbook, term: Term, appraisal: Appraisal) -> None:
    items = term.settings.appraisal.items
    columns = [Column("序号", 5, Kind.INT), Column("姓名", 8), Column("教研组", 10),
               *(Column(f"{item.label}（{item.weight:g}）", 9) for item in items),
               Column("细则得分", 8), Column("调整", 7), Column("调整理由", 24, Kind.WRAP),
               Column("总分", 7), Column("等级", 7)]
    with_credits = term.settings.credits.enabled
    if with_credits:
        columns.append(Column("学分", 6))
    rows = []
    ordered = sorted(appraisal.teachers, key=lambda s: (-s.score, s.name))
    for index, score in enumerate(ordered, start=1):
        row: list[object] = [index, score.name, "、".join(score.groups)]
        row += ["—" if i.earned is None else round(i.earned, 1) for i in score.items]
        row += [score.base, round(sum(a.points for a in score.adjustments), 1),
                "；".join(a.reason for a in score.adjustments), score.score, score.grade]
        if with_credits:
            row.append(score.credits)
        rows.append(row)
    write_sheet(book, name=tt.SHEET_APPRAISAL, title=term.title(tt.SHEET_APPRAISAL),
                meta=term.meta(), columns=columns, rows=rows)


def _groups_sheet(book: Workbook, term: Term, appraisal: Appraisal) -> None:
    columns = [Column("名次", 5, Kind.INT), Column("教研组", 10), Column("人数", 6, Kind.INT),
               Column("平均得分", 9), Column("出勤率", 8, Kind.PCT),
               Column("计划总结已交/应交", 12), Column("总分", 8)]
    rows = []
    for rank, group in enumerate(appraisal.groups, start=1):
        people = sum(1 for s in appraisal.teachers if group.group in s.groups)
        docs = (f"{group.documents[0]}/{group.documents[1]}" if group.documents[1] else "—")
        rows.append((rank, group.group, people, group.members,
                     "—" if group.attendance is None else group.attendance, docs, group.score))
    write_sheet(book, name=tt.SHEET_GROUPS, title=term.title(tt.SHEET_GROUPS),
                meta=term.meta(), columns=columns, rows=rows)


def _plans_sheet(book: Workbook, term: Term, owed: Sequence[Owed],
                 names: dict[int, str]) -> None:
    columns = [Column("序号", 5, Kind.INT), Column("姓名", 8), Column("教研组", 10),
               Column("项目", 16), Column("截止日期", 11, Kind.DATE),
               Column("提交日期", 11, Kind.DATE), Column("状态", 8)]
    rows = []
    for index, item in enumerate(owed, start=1):
        state = (tt.HANDED if item.handed_on is not None else tt.NOT_HANDED)
        rows.append((index, names.get(item.teacher_id, ""), item.group or "",
                     term.settings.catalog.label(item.kind), item.due_on,
                     item.handed_on or "", state))
    write_sheet(book, name=tt.SHEET_PLANS, title=term.title(tt.SHEET_PLANS),
                meta=term.meta(), columns=columns, rows=rows)


def _outings_sheet(book: Workbook, term: Term, outings: Sequence[OutingRow],
                   topics: dict[int, str]) -> None:
    columns = [Column("序号", 5, Kind.INT), Column("姓名", 8), Column("学习内容", 24, Kind.WRAP),
               Column("外出", 11, Kind.DATE), Column("返校", 11, Kind.DATE),
               Column("汇报截止", 11, Kind.DATE), Column("汇报提交", 11, Kind.DATE),
               Column("教研活动汇报", 20, Kind.WRAP)]
    rows = [(index, o.teacher, o.training, o.start, o.returns_on, o.due_on,
             o.reported_on or "", topics.get(o.meeting_id or 0, ""))
            for index, o in enumerate(outings, start=1)]
    write_sheet(book, name=tt.SHEET_OUTINGS, title=term.title(tt.SHEET_OUTINGS),
                meta=term.meta(), columns=columns, rows=rows,
                totals=[("合计", len(rows))])


def sheets(book: Workbook, term: Term, *, appraisal: Appraisal | None, owed: Sequence[Owed],
           members: Sequence[MemberRow], outings: Sequence[OutingRow],
           topics: dict[int, str]) -> None:
    """Add the term's sheets to 台账.xlsx (each only when its feature is on)."""
    if appraisal is not None:
        _appraisal_sheet(book, term, appraisal)
        if appraisal.groups:
            _groups_sheet(book, term, appraisal)
    if term.settings.plans.enabled:
        _plans_sheet(book, term, owed, {m.id: m.name for m in members})
    if term.settings.outings.enabled:
        _outings_sheet(book, term, outings, topics)


def group_document(paper: Paper, term: Term, record: ArchiveRecord, group: str,
                   now: datetime) -> bytes:
    """A group's 工作计划 or 工作总结 as the paper it is handed in on."""
    settings = term.settings
    spec = settings.catalog.get(record.kind)
    label = settings.catalog.label(record.kind)
    paper.begin(title=f"{group}{label}", now=now)
    paper.title(record.title or f"{group}{label}")
    paper.text(tt.DOC_META.format(school=settings.school.name, semester=term.semester.name,
                                  group=group, leader=record.teacher,
                                  day=record.occurred_on), center=True)
    if spec is not None:
        for field in spec.fields:
            value = record.answers.get(field.key)
            if field.key == spec.title_field or value in (None, ""):
                continue
            if field.kind is FieldKind.LONG_TEXT:
                paper.heading(field.label, level=2)
                paper.text(str(value))
            else:
                paper.labelled(field.label, str(value))
    paper.text()
    paper.text("教研组长（签名）：　　　　　　　　教导处审核：　　　　　　　　", right=True)
    return paper.save()


def summary_text(spec: FormSpec | None, record: ArchiveRecord | None) -> str:
    """The 学期总结 box: the teacher's 个人学期总结, its parts one after another."""
    if record is None:
        return ""
    if spec is None:
        return record.title
    parts = [record.title] if record.title else []
    parts += [f"{f.label}：{record.answers.get(f.key)}" for f in spec.fields
              if f.key != spec.title_field and record.answers.get(f.key)]
    return "\n".join(parts)


def evaluation(score: TeacherScore | None, marks: dict[str, int]) -> tuple[str, str]:
    """The 评价 box: (教研组评价: the 检查 marks, 教导处评价: the 考核 result)."""
    group = tt.PORTFOLIO_GROUP_EVAL.format(good=marks.get("pass", 0),
                                           excellent=marks.get("excellent", 0),
                                           returned=marks.get("returned", 0),
                                           open=marks.get("", 0))
    if score is None:
        return group, ""
    admin = tt.PORTFOLIO_ADMIN_EVAL.format(score=f"{score.score:g}", grade=score.grade)
    if score.adjustments:
        admin += "（" + "；".join(tt.APPRAISE_ADJUST_LINE.format(
            points=f"{a.points:+g}", reason=a.reason, by=a.by or "",
            day=f"{a.at:%m-%d}") for a in score.adjustments) + "）"
    if score.credits is not None:
        admin += tt.PORTFOLIO_ADMIN_CREDITS.format(credits=f"{score.credits:g}")
    return group, admin
