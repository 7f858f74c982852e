"""检查: a 教研组长 (their groups) or 教导处 (everyone) checks this month's records by teacher,
marks each 合格, 优秀 or 退回修改 with a comment, and the teacher is told."""

from __future__ import annotations

import calendar
from datetime import date

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import records
from handlers.forms import engine
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access, may_lead
from handlers.render import esc, fmt_date, shorten
from handlers.types import Button, Reply, private_chat
from storage.repos import people, reviews, school
from storage.repos import records as record_repo
from storage.repos.people import PersonRow

CHECK_BUTTONS = "chk"
REVIEW_FORM = "review"
MARK_BY_LABEL = {label: mark for mark, label in texts.REVIEW_MARKS.items()}
MAX_BUTTONS = 90


def _month(today: date) -> tuple[date, date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _status(status: str | None) -> str:
    return texts.REVIEW_MARKS.get(status or "", texts.REVIEW_UNCHECKED)


def _items(ctx: Ctx) -> list[reviews.ReviewItem] | None:
    """This month's records the sender may check (never their own); None without a semester."""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return None
    start, end = _month(ctx.today)
    groups = None if ctx.access is Access.ADMIN else list(ctx.me.leads)
    found = reviews.for_review(ctx.session, school_id=ctx.school_id, semester_id=semester.id,
                               start=start, end=end, groups=groups)
    return [item for item in found if item.teacher_id != ctx.me.id]


def _scope(ctx: Ctx) -> str:
    return texts.REVIEW_ALL if ctx.access is Access.ADMIN else "、".join(ctx.me.leads)


def check(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/check``: this month's records by teacher, with how many are still unchecked."""
    return [_overview(ctx, edit=False)]


def _overview(ctx: Ctx, *, edit: bool) -> Reply:
    items = _items(ctx)
    if items is None:
        return Reply(texts.NO_SEMESTER, edit=edit)
    header = texts.REVIEW_HEADER.format(month=ctx.today.month, scope=esc(_scope(ctx)))
    if not items:
        return Reply(header + "\n" + texts.REVIEW_NOTHING, edit=edit)
    by_teacher: dict[int, list[reviews.ReviewItem]] = {}
    for item in items:
        by_teacher.setdefault(item.teacher_id, []).append(item)
    lines, buttons = [header], []
    for teacher_id, own in by_teacher.items():
        unchecked = sum(1 for item in own if item.status is None)
        line = texts.REVIEW_TEACHER_LINE.format(name=esc(own[0].teacher), count=len(own),
                                                unchecked=unchecked)
        lines.append(line)
        buttons.append(Button(shorten(line, 40), data=f"{CHECK_BUTTONS}:t:{teacher_id}"))
    rows = tuple((b,) for b in buttons[:MAX_BUTTONS])
    return Reply("\n".join(lines), buttons=rows, edit=edit)


def _teacher_page(ctx: Ctx, teacher_id: int) -> Reply:
    own = [item for item in _items(ctx) or [] if item.teacher_id == teacher_id]
    if not own:
        return Reply(texts.REVIEW_GONE, edit=True)
    catalog = ctx.settings.catalog
    buttons = [(Button(shorten(texts.REVIEW_RECORD_BUTTON.format(
        form=catalog.label(item.kind), title=item.title or texts.NONE,
        day=f"{item.occurred_on.month}/{item.occurred_on.day}", status=_status(item.status)),
        60), data=f"{CHECK_BUTTONS}:r:{item.record_id}"),) for item in own[:MAX_BUTTONS]]
    buttons.append((Button(texts.RECORD_BACK, data=f"{CHECK_BUTTONS}:all:0"),))
    text = texts.REVIEW_TEACHER_HEADER.format(name=esc(own[0].teacher), month=ctx.today.month,
                                              count=len(own))
    return Reply(text, buttons=tuple(buttons), edit=True)


def _reviewable(ctx: Ctx, raw_id: str) -> tuple[record_repo.RecordRow, PersonRow] | None:
    """A live record of someone the sender may check (their group's, or anyone's for 教导处)."""
    found = record_repo.get_record(ctx.session, record_id=int(raw_id)) if is_id(raw_id) else None
    if found is None or found.deleted or found.teacher_id == ctx.me.id:
        return None
    teacher = people.get_person(ctx.session, teacher_id=found.teacher_id)
    if teacher is None or teacher.school_id != ctx.school_id:
        return None
    if ctx.access is not Access.ADMIN and not any(may_lead(ctx.person, g)
                                                   for g in teacher.groups):
        return None
    return found, teacher


def _record_page(ctx: Ctx, found: record_repo.RecordRow, teacher: PersonRow) -> Reply:
    spec = ctx.settings.catalog.get(found.kind)
    body = engine.summary(spec, found.answers) if spec is not None else esc(found.title)
    lines = [texts.REVIEW_RECORD.format(name=esc(teacher.name),
                                        form=esc(ctx.settings.catalog.label(found.kind)),
                                        day=fmt_date(found.occurred_on), body=body),
             texts.REVIEW_CURRENT.format(status=_status(found.review_status))]
    if found.review_comment:
        lines.append(texts.REVIEW_COMMENT.format(comment=esc(found.review_comment)))
    marks = tuple(Button(label, data=f"{CHECK_BUTTONS}:m:{found.id}:{mark}")
                  for mark, label in texts.REVIEW_MARKS.items())
    back = Button(texts.RECORD_BACK, data=f"{CHECK_BUTTONS}:t:{teacher.id}")
    return Reply("\n".join(lines), buttons=(marks, (back,)), edit=True)


def press_check(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons of /check: the overview, a teacher's records, one record, a mark."""
    action, _, rest = data.partition(":")
    raw_id, _, mark = rest.partition(":")
    if action == "all":
        return [_overview(ctx, edit=True)]
    if action == "t" and is_id(raw_id):
        return [_teacher_page(ctx, int(raw_id))]
    found = _reviewable(ctx, raw_id) if action in ("r", "m") else None
    if found is None:
        return [Reply(texts.REVIEW_GONE, notice=texts.REVIEW_GONE)]
    if action == "r":
        return [_record_page(ctx, *found)]
    if mark in texts.REVIEW_MARKS:
        return records.open_form(ctx, REVIEW_FORM, prefill={"mark": texts.REVIEW_MARKS[mark]},
                                 link=("record", found[0].id))
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


def _submit_review(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    """Store the mark and tell the teacher; a returned record waits for her 修改."""
    records.finish_draft(ctx)
    found = _reviewable(ctx, str(draft.link_id or ""))
    mark = MARK_BY_LABEL.get(str(draft.answers.get("mark")))
    if found is None or mark is None:
        return [Reply(texts.REVIEW_GONE)]
    record, teacher = found
    comment = str(draft.answers.get("comment") or "")
    reviews.mark(ctx.session, record_id=record.id, status=mark, comment=comment,
                 reviewer_id=ctx.me.id, school_id=ctx.school_id, now=ctx.now)
    form = esc(ctx.settings.catalog.label(record.kind))
    title = esc(record.title or texts.NONE)
    label = texts.REVIEW_MARKS[mark]
    back = Button(texts.REVIEW_BACK_TO_TEACHER.format(name=teacher.name),
                  data=f"{CHECK_BUTTONS}:t:{teacher.id}")
    replies = [Reply(texts.REVIEW_SAVED.format(name=esc(teacher.name), form=form, title=title,
                                               mark=label), buttons=((back,),), edit=True)]
    if not teacher.account:
        return replies
    if mark == reviews.RETURNED:
        told = Reply(texts.REVIEW_TOLD_RETURNED.format(
            form=form, title=title, reviewer=esc(ctx.me.name), comment=esc(comment)),
            buttons=((Button(texts.REVIEW_REVISE,
                             data=f"{records.MINE_BUTTONS}:edit:{record.id}"),),),
            chat=private_chat(teacher.account))
    else:
        told = Reply(texts.REVIEW_TOLD.format(form=form, title=title, mark=label,
                                              reviewer=esc(ctx.me.name), comment=esc(comment)),
                     chat=private_chat(teacher.account))
    return [*replies, told]


records.SUBMITTERS[REVIEW_FORM] = _submit_review

COMMANDS = (Command("check", check, Access.LEADER, Where.PRIVATE, texts.SUMMARY["check"]),)
BUTTONS = (ButtonRoute(CHECK_BUTTONS, press_check, Access.LEADER, Where.PRIVATE),)
