"""The DOCX of an archive: 教研活动记录 (one per held session) and 个人研修档案 (one per person).

Fields the bot does not collect yet (小结, 学期总结, 评价) are empty boxes of a height one can
write in, never left out: the paper form keeps its shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from handlers import quotas, texts
from handlers.archive.ledgers import ATTENDED, Term, roll, weekday
from handlers.archive.paper import Paper
from handlers.forms.spec import FieldKind, FormSpec
from handlers.settings import Period, Unit
from storage.repos.archive import ArchiveLesson, ArchiveMeeting, ArchiveRecord
from storage.repos.groups import MemberRow

LEAVE_KIND = "leave"


@dataclass(frozen=True)
class Person:
    """Who a portfolio is about."""

    member: MemberRow
    staff_no: str | None
    subject: str


def week_of(term: Term, day: date) -> int:
    """The semester week a day falls in (the week, Monday to Sunday, of its first day is 1)."""
    first = term.semester.start - timedelta(days=term.semester.start.weekday())
    return (day - first).days // 7 + 1


def _names(names: Sequence[str]) -> str:
    return "、".join(names) or texts.NONE


def session_form(paper: Paper, term: Term, meeting: ArchiveMeeting, number: int,
                 members: Sequence[MemberRow], minutes: ArchiveRecord | None,
                 now: datetime,
                 extra: Callable[[Paper], None] | None = None) -> bytes:
    """One 教研活动记录, like the paper form (第N次 of its group this term); ``extra`` adds
    pages of its own after it (集体备课)."""
    settings = term.settings
    zone = settings.zone
    answers: dict[str, Any] = minutes.answers if minutes else {}
    paper.begin(title=texts.EXPORT_SESSION_DOC.format(group=meeting.group, n=number), now=now)
    paper.title(texts.EXPORT_SESSION_TITLE.format(school=settings.school.name))
    paper.text(texts.EXPORT_SESSION_SUBTITLE.format(group=meeting.group, n=number,
                                                    semester=term.semester.name), center=True)
    assert meeting.starts_at is not None
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone) if meeting.ends_at else None
    day = start.date()
    when = texts.EXPORT_SESSION_WHEN.format(day=day, weekday=weekday(day), start=start,
                                            end=f"–{end:%H:%M}" if end else "")
    slot = next((g.slot for g in settings.groups if g.name == meeting.group), None)
    names = roll(term, meeting, members)
    leave = []
    for person in members:
        found = meeting.marks.get(person.id)
        if term.mark(meeting, person.id) != texts.EXPORT_LEAVE:
            continue
        if found is not None and found.decided_by:
            leave.append(texts.EXPORT_LEAVE_BY.format(name=person.name, by=found.decided_by))
        else:
            leave.append(person.name)
    absent = names[texts.EXPORT_ABSENT] + names[texts.EXPORT_LEAVE_REFUSED]
    leader = next((m.name for m in members if meeting.group in m.leads), "")
    present = len(names[texts.EXPORT_PRESENT])
    rows: list[tuple[object, ...]] = [
        ("学期", term.semester.name, "周次", texts.EXPORT_WEEK.format(n=week_of(term, day))),
        ("时间", when, "节次", slot.periods if slot else ""),
        ("地点", str(answers.get("place") or meeting.place), "形式", meeting.form),
        ("主持人", leader, "主讲", str(answers.get("host") or meeting.host or "")),
        ("记录人", minutes.teacher if minutes else "", "应到/实到",
         texts.EXPORT_DUE_PRESENT.format(due=len(members), present=present)),
        ("缺席", _names(absent)),
        ("请假", _names(leave)),
        ("研修主题", term.semester.theme),
        ("活动主题", str(answers.get("topic") or meeting.topic or "")),
        ("活动过程", meeting.content),
        ("讨论要点", str(answers.get("discussion") or "")),
        ("结论与改进措施", str(answers.get("conclusions") or "")),
        ("小结", ""),
    ]
    # One A4 page with the signatures: boxes of 3.5 + 4.5 + 2.5 + 2.5 cm.
    paper.table((2.4, 7.2, 2.2, 4.2), rows, labels=True,
                min_heights=(0.7,) * 9 + (3.5, 4.5, 2.5, 2.5))
    paper.text()
    paper.text(texts.EXPORT_SIGNATURES)
    paper.text(texts.EXPORT_SIGNATURE_DATE, right=True)
    if extra is not None:
        extra(paper)
    return paper.save()


def record_body(paper: Paper, spec: FormSpec, record: ArchiveRecord) -> None:
    """A record's answers: the short ones (日期, 班级, 学科 …) on one line, each long text
    full width under its label."""
    # 参加人员 (a checklist) is in the session's 教研活动记录, taken from 考勤.
    given = [(f, record.answers.get(f.key, "")) for f in spec.fields
             if f.key != spec.title_field and f.kind is not FieldKind.CHECKLIST]
    given = [(f, _shown(f.kind, value)) for f, value in given if value not in ("", None, [])]
    short = [f"{f.label}：{value}" for f, value in given if f.kind is not FieldKind.LONG_TEXT]
    if short:
        paper.text("　".join(short))
    for field, value in given:
        if field.kind is FieldKind.LONG_TEXT:
            paper.labelled(field.label, str(value))


def _shown(kind: FieldKind, value: Any) -> Any:
    """A file field as the names of its files (kept in the archive's 附件 folder)."""
    if kind is FieldKind.FILE and isinstance(value, list):
        return texts.FILES_IN_ARCHIVE.format(files="、".join(
            str(ref.get("name", "")) for ref in value if isinstance(ref, dict)))
    return value


def _month_cells(term: Term, item: quotas.QuotaProgress,
                 months: Sequence[tuple[date, date]]) -> list[object]:
    if item.quota.period is not Period.MONTH:
        return [""] * len(months)
    done = {p.start: p.done for p in (*item.past, item.current) if p.start <= term.today}
    return [done.get(start, "") for start, _ in months]


def _numbered(titles: Sequence[str]) -> list[str]:
    """Section titles numbered 一、二、… in order (a title's own number is replaced)."""
    return [f"{texts.EXPORT_CN_NUMBERS[n]}、{title.split('、', 1)[-1]}"
            for n, title in enumerate(titles)]


def portfolio(paper: Paper, term: Term, person: Person, items: Sequence[quotas.QuotaProgress],
              own: Sequence[ArchiveRecord], sessions: Sequence[ArchiveMeeting],
              lessons: Sequence[ArchiveLesson], observed: Sequence[ArchiveRecord],
              now: datetime,
              extra: Sequence[tuple[str, Callable[[Paper], None]]] = (),
              boxes: tuple[str, str, str] = ("", "", "")) -> bytes:
    """One 个人研修档案: cover, contents, quotas by month, attendance, 公开课, records by
    kind, the sections of other features (``extra``: title, writer; 课题研究 …), and the
    学期总结 and 评价 boxes (``boxes``: 学期总结, 教研组评价, 教导处评价; empty ones are
    left tall to write in)."""
    titles = _numbered([*texts.EXPORT_PORTFOLIO_SECTIONS[:4], *(name for name, _ in extra),
                        *texts.EXPORT_PORTFOLIO_SECTIONS[4:]])
    settings = term.settings
    member = person.member
    paper.begin(title=texts.EXPORT_PORTFOLIO_TITLE.format(name=member.name), now=now)
    # Cover
    for _ in range(4):
        paper.text()
    paper.text(settings.school.name, center=True, size=16)
    paper.title(texts.EXPORT_PORTFOLIO_COVER)
    paper.text(term.semester.name, center=True, size=14)
    for _ in range(3):
        paper.text()
    paper.table((3.5, 8), [
        ("姓名", member.name), ("教研组", "、".join(member.groups) or texts.NONE),
        ("学科", person.subject), ("工号", person.staff_no or ""),
        ("研修主题", term.semester.theme)], labels=True, min_heights=(1.0,) * 5)
    paper.page_break()
    # Contents
    live = [r for r in own if not r.deleted]
    kinds = [spec for spec in settings.catalog if any(r.kind == spec.kind for r in live)]
    paper.heading(texts.EXPORT_CONTENTS)
    for line in titles:
        paper.text(line)
        if line == titles[3]:
            for index, spec in enumerate(kinds, start=1):
                count = sum(1 for r in live if r.kind == spec.kind)
                paper.text(texts.EXPORT_KIND_LINE.format(
                    n=texts.EXPORT_CN_NUMBERS[index - 1] if index <= 10 else index,
                    label=spec.label, count=count))
    paper.page_break()
    # 一、quotas
    paper.heading(titles[0])
    months = quotas.periods(Period.MONTH, term.semester.start, term.semester.end)
    header = ["项目", *(texts.MONTH.format(month=s.month) for s, _ in months), "完成", "目标",
              "状态"]
    rows: list[list[object]] = [header]
    for item in items:
        monthly = item.quota.period is Period.MONTH
        cells = _month_cells(term, item, months)
        done = sum(c for c in cells if isinstance(c, int)) if monthly else item.current.done
        target = item.quota.target * len(months) if monthly else item.current.target
        unit = texts.UNIT_CHARS.strip() if item.quota.unit is Unit.CHARS else ""
        rows.append([item.quota.label, *cells, f"{done}{unit}", f"{target}{unit}",
                     str(item.current.status)])
    month_width = 1.4
    paper.table((3.0, *(month_width,) * len(months), 1.8, 1.8, 16 - 3.0 - 3.6
                 - month_width * len(months)), rows, header=True)
    paper.text(texts.EXPORT_MONTHLY_NOTE)
    # 二、attendance
    paper.heading(titles[1])
    mine = [m for m in sessions if m.group in member.groups and term.held(m)]
    marks = [term.mark(m, member.id) for m in mine]
    # Counted from the school's first day with the bot, as the 出勤 quota and 考勤 sheet.
    counted = [value for m, value in zip(mine, marks, strict=True) if term.counted(m)]
    attended, held = quotas.attended(
        [(term.local_day(m), value in ATTENDED)
         for m, value in zip(mine, marks, strict=True) if term.counted(m)], term.today)
    paper.text(texts.EXPORT_ATTENDANCE_LINE.format(
        held=held, present=counted.count(texts.EXPORT_PRESENT),
        leave=counted.count(texts.EXPORT_LEAVE),
        absent=counted.count(texts.EXPORT_ABSENT) + counted.count(texts.EXPORT_LEAVE_REFUSED),
        rate=f"{attended / held:.0%}" if held else "—"))
    if len(counted) < len(marks) and term.started_on is not None:
        paper.text(texts.EXPORT_ATTENDANCE_BEFORE.strip("　").format(day=term.started_on))
    if mine:
        paper.table((1.2, 2.8, 2, 8, 2), [("次", "日期", "教研组", "主题", "出勤"), *(
            (i, f"{term.local_day(m):%m-%d}", m.group, m.topic, value)
            for i, (m, value) in enumerate(zip(mine, marks, strict=True), start=1))],
            header=True)
    # 三、公开课
    paper.heading(titles[2])
    given = [item for item in lessons if item.lesson.teacher_id == member.id]
    if not given:
        paper.text(texts.EXPORT_NO_LESSONS)
    for item in given:
        lesson = item.lesson
        day = lesson.starts_at.astimezone(settings.zone).date()
        paper.heading(texts.EXPORT_LESSON_HEADING.format(title=lesson.title, day=day,
                                                         kind=lesson.kind), level=2)
        paper.text(f"{lesson.period and '第' + lesson.period + '节　'}{lesson.class_name}　"
                   f"{lesson.subject}　{lesson.place}")
        paper.labelled("预约听课", _names(item.observers))
        paper.labelled("说课稿/教学设计", lesson.design_note or texts.EXPORT_NOT_GIVEN)
        notes = [r for r in observed if r.link_id == lesson.id]
        paper.labelled("听课记录", "、".join(r.teacher for r in notes) or texts.NONE)
        for note in notes:
            answers = note.answers
            paper.labelled(texts.EXPORT_LESSON_NOTE_BY.format(name=note.teacher),
                           texts.EXPORT_LESSON_NOTE.format(
                               strength=answers.get("strength", ""),
                               weakness=answers.get("weakness", ""),
                               suggestion=answers.get("suggestion", "")))
    # 四、records by kind, each numbered and in date order, texts full width
    paper.heading(titles[3])
    if not live:
        paper.text(texts.EXPORT_NO_RECORDS)
    for index, spec in enumerate(kinds, start=1):
        found = sorted((r for r in live if r.kind == spec.kind),
                       key=lambda r: (r.occurred_on, r.id))
        paper.heading(texts.EXPORT_KIND_LINE.format(
            n=texts.EXPORT_CN_NUMBERS[index - 1] if index <= 10 else index,
            label=spec.label, count=len(found)), level=2)
        for number, record in enumerate(found, start=1):
            paper.heading(texts.EXPORT_RECORD_HEADING.format(
                n=number, title=record.title or "—", day=record.occurred_on,
                chars=record.chars), level=3)
            record_body(paper, spec, record)
    for title, (_, write) in zip(titles[4:], extra, strict=False):
        paper.heading(title)
        write(paper)
    # 五、六: 学期总结 and 评价, kept tall for writing in by hand when empty
    paper.heading(titles[-2])
    paper.table((16,), [(boxes[0],)], min_heights=(10.0,))
    paper.heading(titles[-1])
    paper.table((2.6, 13.4), [("教研组评价", boxes[1]), ("教导处评价", boxes[2])], labels=True,
                min_heights=(4.0, 4.0))
    paper.text()
    paper.text(texts.EXPORT_SIGNATURES)
    paper.text(texts.EXPORT_SIGNATURE_DATE, right=True)
    return paper.save()
