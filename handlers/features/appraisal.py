"""考核 (appraisal) by the school's 考核细则 (``[appraisal] items``): a score out of 100 and a
等级 per teacher, 学分 where the school registers credits, and the 优秀教研组 ranking from the
groups' figures. 教导处 sees it (``/appraise``), exports it (台账.xlsx) and may adjust a
score with a reason (audited).

Items that do not apply to someone (no such quota, nothing checked yet, nothing due) are
left out and the rest scaled to 100, so nobody loses points for what was not asked of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from handlers import term_texts as tt
from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import plans, records
from handlers.features.progress import attendance, measure_people, started
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access
from handlers.quotas import QuotaProgress, whole
from handlers.render import esc, shorten
from handlers.settings import Settings
from handlers.term_settings import AppraisalItem, ItemType
from handlers.types import Button, Reply
from storage.repos import groups, reviews, school, term
from storage.repos import records as record_repo
from storage.repos.groups import MemberRow
from storage.repos.school import SemesterRow
from storage.repos.term import AdjustmentRow

APPRAISE_BUTTONS = "apr"
ADJUST_FORM = "appraisal_adjust"
TEACHER_LINK = "teacher"
MAX_BUTTONS = 90


@dataclass(frozen=True)
class ItemScore:
    """One item of one teacher: points earned (None: not counted) and why."""

    label: str
    weight: float
    earned: float | None
    detail: str


@dataclass(frozen=True)
class TeacherScore:
    """A teacher's 考核: items, the score by the rules, adjustments, the total and 等级."""

    teacher_id: int
    name: str
    groups: tuple[str, ...]
    items: tuple[ItemScore, ...]
    base: float
    adjustments: tuple[AdjustmentRow, ...]
    score: float
    grade: str
    credits: float | None


@dataclass(frozen=True)
class GroupScore:
    """A group's figures for the 优秀教研组 ranking."""

    group: str
    members: float
    attendance: float | None
    documents: tuple[int, int]  # (handed in, due by now)
    score: float


@dataclass(frozen=True)
class Appraisal:
    """Everyone's 考核 and the groups' ranking, as of a day."""

    teachers: tuple[TeacherScore, ...]
    groups: tuple[GroupScore, ...]


def _round(value: float) -> float:
    return round(value + 1e-9, 1)


def _share(done: int, due: int, weight: float) -> float | None:
    return None if due == 0 else weight * min(done, due) / due


@dataclass(frozen=True)
class _Facts:
    """What the items read, per teacher, gathered once for everybody."""

    measured: dict[int, list[QuotaProgress]]
    marks: dict[int, Counter[str]]
    pieces: dict[int, Counter[str]]
    plans_owed: dict[int, tuple[int, int]]
    outings_owed: dict[int, tuple[int, int]]
    attended: dict[int, tuple[int, int]]
    lessons: dict[int, int]


def _facts(session: Session, settings: Settings, school_id: int, semester: SemesterRow,
           today: date, members: Sequence[MemberRow]) -> _Facts:
    ids = [m.id for m in members]
    marks: dict[int, Counter[str]] = {}
    for item in reviews.for_review(session, school_id=school_id, semester_id=semester.id,
                                   start=semester.start, end=semester.end):
        marks.setdefault(item.teacher_id, Counter())[item.status or ""] += 1
    kinds = sorted({i.kind for i in settings.appraisal.items if i.type is ItemType.RECORDS}
                   | {r.kind for r in settings.credits.rules})
    pieces: dict[int, Counter[str]] = {}
    for found in term.handed_in(session, semester_id=semester.id, kinds=kinds):
        pieces.setdefault(found.teacher_id, Counter())[found.kind] += 1
    plans_owed: dict[int, tuple[int, int]] = {}
    if settings.plans.enabled:
        for owed in plans.owed(session, settings, school_id, semester, members):
            if owed.due_on <= today:
                done, due = plans_owed.get(owed.teacher_id, (0, 0))
                plans_owed[owed.teacher_id] = (done + (owed.record_id is not None), due + 1)
    outings_owed: dict[int, tuple[int, int]] = {}
    for outing in term.outings(session, school_id=school_id, semester_id=semester.id,
                               teacher_ids=ids):
        if outing.due_on <= today or outing.report_id is not None:
            done, due = outings_owed.get(outing.teacher_id, (0, 0))
            outings_owed[outing.teacher_id] = (done + (outing.report_id is not None), due + 1)
    given = record_repo.open_lesson_times(session, teacher_ids=ids, semester_id=semester.id)
    return _Facts(
        measure_people(session, settings, semester, today, members, history=True), marks,
        pieces, plans_owed, outings_owed,
        attendance(session, settings, semester, today, ids,
                   since=started(session, settings, semester)),
        {teacher: sum(1 for t in times if t.astimezone(settings.zone).date() <= today)
         for teacher, times in given.items()})


def _item(item: AppraisalItem, teacher: int, facts: _Facts) -> ItemScore:
    """One item's points for one teacher."""
    weight = item.weight
    if item.type is ItemType.QUOTA:
        # Measured against what is due by today (the quotas' own pace and due dates), so
        # a mid-term 考核 is fair and the term-end one asks the whole target.
        found = [q for q in facts.measured.get(teacher, []) if q.quota.kind == item.kind]
        periods = [p for q in found for p in (*q.past, q.current)]
        target = sum(p.target for p in periods)
        due = sum(p.target if p.closed else min(p.target, whole(p.expected)) for p in periods)
        done = sum(min(p.done, p.target) for p in periods)
        if not found:
            return ItemScore(item.label, weight, None, tt.DETAIL_NO_QUOTA)
        if due == 0:
            return ItemScore(item.label, weight, None, tt.DETAIL_NONE_DUE)
        return ItemScore(item.label, weight, _share(done, due, weight),
                         tt.DETAIL_QUOTA.format(done=done, due=due, target=target))
    if item.type is ItemType.RECORDS:
        count = facts.pieces.get(teacher, Counter())[item.kind]
        return ItemScore(item.label, weight, min(weight, count * item.per),
                         tt.DETAIL_RECORDS.format(count=count, per=f"{item.per:g}"))
    marks = facts.marks.get(teacher, Counter())
    if item.type is ItemType.REVIEW:
        good = marks[reviews.PASS] + marks[reviews.EXCELLENT]
        checked = good + marks[reviews.RETURNED]
        return ItemScore(item.label, weight, _share(good, checked, weight),
                         tt.DETAIL_REVIEW.format(checked=checked, good=good) if checked
                         else tt.DETAIL_NO_REVIEW)
    if item.type is ItemType.EXCELLENT:
        count = marks[reviews.EXCELLENT]
        return ItemScore(item.label, weight, min(weight, count * item.per),
                         tt.DETAIL_EXCELLENT.format(count=count, per=f"{item.per:g}"))
    owed = (facts.plans_owed if item.type is ItemType.PLANS else facts.outings_owed)
    done, due = owed.get(teacher, (0, 0))
    detail = tt.DETAIL_PLANS if item.type is ItemType.PLANS else tt.DETAIL_OUTINGS
    return ItemScore(item.label, weight, _share(done, due, weight),
                     detail.format(due=due, done=done) if due else tt.DETAIL_NONE_DUE)


def _credits(settings: Settings, teacher: int, facts: _Facts) -> float | None:
    cfg = settings.credits
    if not cfg.enabled:
        return None
    total = 0.0
    for rule in cfg.rules:
        if rule.kind == "attendance":
            count = facts.attended.get(teacher, (0, 0))[0]
        elif rule.kind == "open_lesson":
            count = facts.lessons.get(teacher, 0)
        else:
            count = facts.pieces.get(teacher, Counter())[rule.kind]
        total += count * rule.per
    return _round(min(total, cfg.max))


def grade_of(settings: Settings, score: float) -> str:
    """The 等级 a score earns (the first grade whose minimum it reaches)."""
    grades = settings.appraisal.grades
    return next((g.name for g in grades if score >= g.min), grades[-1].name)


def appraise(session: Session, settings: Settings, school_id: int, semester: SemesterRow,
             today: date, members: Sequence[MemberRow], *, ranking: bool = True
             ) -> Appraisal:
    """Everyone's 考核 as of ``today`` and (with ``ranking``) the 优秀教研组 ranking."""
    facts = _facts(session, settings, school_id, semester, today, members)
    changes: dict[int, list[AdjustmentRow]] = {}
    for row in term.adjustments(session, semester_id=semester.id,
                                teacher_ids=[m.id for m in members]):
        changes.setdefault(row.teacher_id, []).append(row)
    scores = []
    for member in members:
        items = tuple(_item(item, member.id, facts) for item in settings.appraisal.items)
        counted = [i for i in items if i.earned is not None]
        weights = sum(i.weight for i in counted)
        base = _round(100 * sum(i.earned or 0 for i in counted) / weights) if weights else 0.0
        own = tuple(changes.get(member.id, ()))
        score = _round(max(0.0, min(100.0, base + sum(a.points for a in own))))
        scores.append(TeacherScore(member.id, member.name, member.groups, items, base, own,
                                   score, grade_of(settings, score),
                                   _credits(settings, member.id, facts)))
    board = _ranking(session, settings, school_id, semester, today, members, scores, facts) \
        if ranking else ()
    return Appraisal(tuple(scores), board)


def _ranking(session: Session, settings: Settings, school_id: int, semester: SemesterRow,
             today: date, members: Sequence[MemberRow], scores: Sequence[TeacherScore],
             facts: _Facts) -> tuple[GroupScore, ...]:
    weights = settings.appraisal.group
    documents: dict[str, tuple[int, int]] = {}
    if settings.plans.enabled:
        for owed in plans.owed(session, settings, school_id, semester, members):
            if owed.group is not None and owed.due_on <= today:
                done, due = documents.get(owed.group, (0, 0))
                documents[owed.group] = (done + (owed.record_id is not None), due + 1)
    board = []
    for spec in settings.groups:
        inside = [s for s in scores if spec.name in s.groups]
        if not inside:
            continue
        average = sum(s.score for s in inside) / len(inside)
        attended = sum(facts.attended.get(s.teacher_id, (0, 0))[0] for s in inside)
        held = sum(facts.attended.get(s.teacher_id, (0, 0))[1] for s in inside)
        rate = attended / held if held else None
        docs = documents.get(spec.name, (0, 0))
        parts = [(weights.members, average / 100)]
        if rate is not None:
            parts.append((weights.attendance, rate))
        if docs[1]:
            parts.append((weights.documents, docs[0] / docs[1]))
        total = sum(w for w, _ in parts)
        score = _round(100 * sum(w * v for w, v in parts) / total) if total else 0.0
        board.append(GroupScore(spec.name, _round(average), rate, docs, score))
    return tuple(sorted(board, key=lambda g: -g.score))


# -- /appraise -----------------------------------------------------------------------------


def _semester(ctx: Ctx) -> SemesterRow | None:
    return school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)


def _points(value: float) -> str:
    return f"{value:g}"


def group_line(rank: int, group: GroupScore) -> str:
    """One line of the 优秀教研组 ranking."""
    rate = "—" if group.attendance is None else f"{group.attendance:.0%}"
    docs = f"{group.documents[0]}/{group.documents[1]}" if group.documents[1] else "—"
    return tt.APPRAISE_GROUP_LINE.format(rank=rank, group=esc(group.group),
                                         score=_points(group.score),
                                         members=_points(group.members), rate=rate, docs=docs)


def appraise_command(ctx: Ctx, arg: str) -> list[Reply]:
    """``/appraise [姓名]``: everyone's score and 等级 with the group ranking, or one
    teacher's items."""
    if not ctx.settings.appraisal.enabled:
        return [Reply(tt.OFF)]
    if not ctx.settings.appraisal.items:
        return [Reply(tt.APPRAISE_NO_ITEMS)]
    if arg.strip():
        members = [m for m in groups.members(ctx.session, school_id=ctx.school_id)
                   if m.name == arg.strip()]
        if not members:
            return [Reply(tt.APPRAISE_NOBODY.format(name=esc(shorten(arg.strip(), 20))))]
        return [_teacher_page(ctx, members[0].id, edit=False)]
    return [_overview(ctx, edit=False)]


def _overview(ctx: Ctx, *, edit: bool) -> Reply:
    semester = _semester(ctx)
    if semester is None:
        return Reply(texts.NO_SEMESTER, edit=edit)
    members = groups.members(ctx.session, school_id=ctx.school_id)
    result = appraise(ctx.session, ctx.settings, ctx.school_id, semester, ctx.today, members)
    lines = [tt.APPRAISE_HEADER.format(semester=esc(semester.name), today=ctx.today)]
    buttons = []
    for score in sorted(result.teachers, key=lambda s: (-s.score, s.name)):
        line = tt.APPRAISE_LINE.format(name=esc(score.name),
                                       group=esc("、".join(score.groups) or texts.NONE),
                                       score=_points(score.score), grade=score.grade)
        if score.credits is not None:
            line += tt.APPRAISE_CREDITS.format(credits=_points(score.credits))
        lines.append(line)
        buttons.append((Button(shorten(f"{score.name} {_points(score.score)} {score.grade}", 40),
                               data=f"{APPRAISE_BUTTONS}:t:{score.teacher_id}"),))
    lines.append(tt.APPRAISE_GROUPS)
    lines += [group_line(rank, g) for rank, g in enumerate(result.groups, start=1)]
    return Reply("\n".join(lines), buttons=tuple(buttons[:MAX_BUTTONS]), edit=edit)


def _one(ctx: Ctx, teacher_id: int) -> TeacherScore | None:
    semester = _semester(ctx)
    found = groups.members(ctx.session, teacher_ids=[teacher_id])
    if semester is None or not found or found[0].school_id != ctx.school_id:
        return None
    result = appraise(ctx.session, ctx.settings, ctx.school_id, semester, ctx.today, found,
                      ranking=False)
    return result.teachers[0]


def _teacher_page(ctx: Ctx, teacher_id: int, *, edit: bool) -> Reply:
    score = _one(ctx, teacher_id)
    if score is None:
        return Reply(texts.BUTTON_EXPIRED, edit=edit)
    lines = [tt.APPRAISE_TEACHER.format(name=esc(score.name),
                                        group=esc("、".join(score.groups) or texts.NONE))]
    for item in score.items:
        if item.earned is None:
            lines.append(tt.APPRAISE_ITEM_OUT.format(label=esc(item.label), detail=item.detail))
        else:
            lines.append(tt.APPRAISE_ITEM.format(label=esc(item.label),
                                                 earned=_points(_round(item.earned)),
                                                 weight=_points(item.weight),
                                                 detail=item.detail))
    lines.append(tt.APPRAISE_BASE.format(score=_points(score.base)))
    lines += [tt.APPRAISE_ADJUST_LINE.format(points=f"{a.points:+g}", reason=esc(a.reason),
                                             by=esc(a.by or texts.NONE),
                                             day=f"{a.at.astimezone(ctx.settings.zone):%m-%d}")
              for a in score.adjustments]
    total = tt.APPRAISE_TOTAL.format(score=_points(score.score), grade=score.grade)
    if score.credits is not None:
        total += tt.APPRAISE_CREDITS.format(credits=_points(score.credits))
    lines.append(total)
    buttons = ((Button(tt.APPRAISE_ADJUST, data=f"{APPRAISE_BUTTONS}:adj:{teacher_id}"),),
               (Button(tt.APPRAISE_BACK, data=f"{APPRAISE_BUTTONS}:all:0"),))
    return Reply("\n".join(lines), buttons=buttons, edit=edit)


def press_appraise(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons of /appraise: the list, a teacher's items, 调整分数."""
    action, _, raw_id = data.partition(":")
    if not ctx.settings.appraisal.enabled:
        return [Reply(tt.OFF, notice=tt.OFF)]
    if action == "all":
        return [_overview(ctx, edit=True)]
    if action in ("t", "adj") and is_id(raw_id) and _one(ctx, int(raw_id)) is not None:
        if action == "t":
            return [_teacher_page(ctx, int(raw_id), edit=True)]
        return records.open_form(ctx, ADJUST_FORM, link=(TEACHER_LINK, int(raw_id)))
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


def _submit_adjust(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    """Store the adjustment (audited) and show the new total."""
    records.finish_draft(ctx)
    semester = _semester(ctx)
    before = _one(ctx, draft.link_id or 0) if draft.link_kind == TEACHER_LINK else None
    if before is None or semester is None or ctx.access is not Access.ADMIN:
        return [Reply(texts.BUTTON_EXPIRED)]
    points = float(draft.answers.get("points") or 0)
    reason = str(draft.answers.get("reason") or "")
    term.add_adjustment(ctx.session, school_id=ctx.school_id, semester_id=semester.id,
                        teacher_id=before.teacher_id, teacher=before.name, points=points,
                        reason=reason, by=ctx.me.id, now=ctx.now)
    after = _one(ctx, before.teacher_id)
    assert after is not None
    back = Button(tt.APPRAISE_BACK, data=f"{APPRAISE_BUTTONS}:all:0")
    return [Reply(tt.APPRAISE_SAVED.format(name=esc(after.name), points=f"{points:+g}",
                                           reason=esc(reason), score=_points(after.score),
                                           grade=after.grade),
                  buttons=((back,),), edit=True)]


records.SUBMITTERS[ADJUST_FORM] = _submit_adjust

COMMANDS = (Command("appraise", appraise_command, Access.ADMIN, Where.PRIVATE,
                    tt.SUMMARY["appraise"]),)
BUTTONS = (ButtonRoute(APPRAISE_BUTTONS, press_appraise, Access.ADMIN, Where.PRIVATE),)
