"""检查: a 教研组长 (their groups) or 教导处 (everyone) checks this month's records by teacher,
marks each 合格, 优秀 or 退回修改 with a comment, and the teacher is told."""

from __future__ import annotations

import calendar
import random
import re
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers import similarity, texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.features import records
from handlers.forms import engine
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access, may_lead
from handlers.render import esc, fmt_date, shorten
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from scheduler.quiet import after_quiet
from storage.repos import meetings, outbox, people, reviews, school, similar
from storage.repos import records as record_repo
from storage.repos.outbox import OutboxItem
from storage.repos.people import PersonRow

CHECK_BUTTONS = "chk"
REVIEW_FORM = "review"
MARK_BY_LABEL = {label: mark for mark, label in texts.REVIEW_MARKS.items()}
MAX_BUTTONS = 90
CHECK_ROUND = "check-round"
SAMPLE_MOST = 30
MATCHES_KEPT = 3  # closest matches kept per record handed in
BODY_SHOWN = 1200  # characters of each side in the side-by-side view
_SAMPLE = re.compile(r"^(?:随机)?抽查\s*(\d*)\s*份?$")


def _month(today: date) -> tuple[date, date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def _status(status: str | None) -> str:
    return texts.REVIEW_MARKS.get(status or "", texts.REVIEW_UNCHECKED)


def _month_items(session: Session, *, school_id: int, today: date,
                 groups: list[str] | None, reviewer_id: int) -> list[reviews.ReviewItem] | None:
    """This month's records a reviewer may check (never their own; ``groups`` None: the
    whole school); None without a semester."""
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None:
        return None
    start, end = _month(today)
    found = reviews.for_review(session, school_id=school_id, semester_id=semester.id,
                               start=start, end=end, groups=groups)
    return [item for item in found if item.teacher_id != reviewer_id]


def _items(ctx: Ctx) -> list[reviews.ReviewItem] | None:
    """This month's records the sender may check (never their own); None without a semester."""
    groups = None if ctx.access is Access.ADMIN else list(ctx.me.leads)
    return _month_items(ctx.session, school_id=ctx.school_id, today=ctx.today, groups=groups,
                        reviewer_id=ctx.me.id)


def _scope(ctx: Ctx) -> str:
    return texts.REVIEW_ALL if ctx.access is Access.ADMIN else "、".join(ctx.me.leads)


def check(ctx: Ctx, arg: str) -> list[Reply]:
    """``/check``: this month's records by teacher, with how many are still unchecked;
    ``/check 抽查 5``: 教导处's random sample of this month's records of the whole school."""
    sample = _SAMPLE.match(arg.strip())
    if sample is not None or arg.strip().startswith(("抽查", "随机")):
        if ctx.access is not Access.ADMIN:
            return [Reply(texts.REVIEW_SAMPLE_ADMIN_ONLY)]
        size = sample.group(1) if sample is not None else ""
        if not size.isdigit() or not 1 <= int(size) <= SAMPLE_MOST:
            return [Reply(texts.REVIEW_SAMPLE_USAGE.format(most=SAMPLE_MOST))]
        return [_sample(ctx, int(size))]
    return [_overview(ctx, edit=False)]


def _sample(ctx: Ctx, size: int) -> Reply:
    """``size`` of this month's records of the whole school, drawn at random. The draw is
    seeded by the school, the day and the size: asked again the same day, the same sample
    (a reviewer working through it does not see it change), and a test can name it."""
    items = _items(ctx)
    if items is None:
        return Reply(texts.NO_SEMESTER)
    if not items:
        return Reply(texts.REVIEW_SAMPLE_NONE)
    rng = random.Random(f"{ctx.school_id}:{ctx.today.isoformat()}:{size}")
    drawn = sorted(rng.sample(items, min(size, len(items))),
                   key=lambda item: (item.teacher, item.occurred_on, item.record_id))
    flagged = _flagged(ctx, drawn)
    header = texts.REVIEW_SAMPLE_HEADER.format(month=ctx.today.month, total=len(items),
                                               count=len(drawn))
    buttons = tuple((Button(shorten(f"{item.teacher} · " + _record_label(
        ctx, item, item.record_id in flagged), 60),
        data=f"{CHECK_BUTTONS}:r:{item.record_id}"),) for item in drawn)
    return Reply(header, buttons=buttons)


def _flagged(ctx: Ctx, items: list[reviews.ReviewItem]) -> set[int]:
    """The records among ``items`` that closely match another record."""
    return similar.flagged(ctx.session, record_ids=[i.record_id for i in items])


def _record_label(ctx: Ctx, item: reviews.ReviewItem, flagged: bool) -> str:
    label = texts.REVIEW_RECORD_BUTTON.format(
        form=ctx.settings.catalog.label(item.kind), title=item.title or texts.NONE,
        day=f"{item.occurred_on.month}/{item.occurred_on.day}", status=_status(item.status))
    return f"{texts.REVIEW_COPY_FLAG} {label}" if flagged else label


def _overview(ctx: Ctx, *, edit: bool) -> Reply:
    items = _items(ctx)
    if items is None:
        return Reply(texts.NO_SEMESTER, edit=edit)
    header = texts.REVIEW_HEADER.format(month=ctx.today.month, scope=esc(_scope(ctx)))
    if not items:
        return Reply(header + "\n" + texts.REVIEW_NOTHING, edit=edit)
    lines, buttons = [header], []
    for teacher_id, line in _teacher_lines(ctx.session, items):
        lines.append(line)
        buttons.append(Button(shorten(line, 40), data=f"{CHECK_BUTTONS}:t:{teacher_id}"))
    rows = tuple((b,) for b in buttons[:MAX_BUTTONS])
    return Reply("\n".join(lines), buttons=rows, edit=edit)


def _teacher_lines(session: Session,
                   items: list[reviews.ReviewItem]) -> list[tuple[int, str]]:
    """(teacher id, "刘洋：3 份，未检查 2 份（⚠️ 1 份…）") for each teacher with records."""
    by_teacher: dict[int, list[reviews.ReviewItem]] = {}
    for item in items:
        by_teacher.setdefault(item.teacher_id, []).append(item)
    flagged = similar.flagged(session, record_ids=[i.record_id for i in items])
    lines = []
    for teacher_id, own in by_teacher.items():
        line = texts.REVIEW_TEACHER_LINE.format(
            name=esc(own[0].teacher), count=len(own),
            unchecked=sum(1 for item in own if item.status is None))
        copies = sum(1 for item in own if item.record_id in flagged)
        lines.append((teacher_id, line + (texts.REVIEW_COPY_LINE.format(count=copies)
                                          if copies else "")))
    return lines


def _teacher_page(ctx: Ctx, teacher_id: int) -> Reply:
    own = [item for item in _items(ctx) or [] if item.teacher_id == teacher_id]
    if not own:
        return Reply(texts.REVIEW_GONE, edit=True)
    flagged = _flagged(ctx, own)
    buttons = [(Button(shorten(_record_label(ctx, item, item.record_id in flagged), 60),
                       data=f"{CHECK_BUTTONS}:r:{item.record_id}"),)
               for item in own[:MAX_BUTTONS]]
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
    matches = similar.matches_of(ctx.session, record_ids=[found.id]).get(found.id, [])
    compare: list[tuple[Button, ...]] = []
    if matches:
        lines.append(texts.REVIEW_COPY_HEADER)
    for match in matches[:3]:
        semester = (texts.REVIEW_COPY_OTHER_SEMESTER.format(semester=esc(match.semester))
                    if match.semester != _semester_name(ctx) else "")
        lines.append(texts.REVIEW_COPY_ITEM.format(
            name=esc(match.teacher), form=esc(ctx.settings.catalog.label(match.kind)),
            title=esc(match.title or texts.NONE), day=fmt_date(match.occurred_on),
            semester=semester, percent=round(match.similarity * 100)))
        compare.append((Button(shorten(texts.REVIEW_COMPARE_BUTTON.format(
            name=match.teacher, title=match.title or texts.NONE), 40),
            data=f"{CHECK_BUTTONS}:sim:{found.id}:{match.record_id}"),))
    marks = tuple(Button(label, data=f"{CHECK_BUTTONS}:m:{found.id}:{mark}")
                  for mark, label in texts.REVIEW_MARKS.items())
    back = Button(texts.RECORD_BACK, data=f"{CHECK_BUTTONS}:t:{teacher.id}")
    return Reply("\n".join(lines), buttons=(marks, *compare, (back,)), edit=True)


def _semester_name(ctx: Ctx) -> str:
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    return semester.name if semester is not None else ""


def _side(ctx: Ctx, label: str, record: record_repo.RecordRow, name: str) -> str:
    spec = ctx.settings.catalog.get(record.kind)
    fields = spec.body_fields if spec is not None else ()
    body = "\n".join(
        f"<b>{esc(f.label)}</b>：{esc(shorten(str(record.answers.get(f.key) or ''), BODY_SHOWN))}"
        for f in fields) or esc(record.title)
    return texts.REVIEW_COMPARE_SIDE.format(
        label=label, name=esc(name), form=esc(ctx.settings.catalog.label(record.kind)),
        title=esc(record.title or texts.NONE), day=fmt_date(record.occurred_on), body=body)


def _compare(ctx: Ctx, found: record_repo.RecordRow, teacher: PersonRow,
             raw_other: str) -> Reply:
    """The record under review and a record it closely matches, one above the other."""
    matches = similar.matches_of(ctx.session, record_ids=[found.id]).get(found.id, [])
    match = next((m for m in matches if str(m.record_id) == raw_other), None)
    other = (record_repo.get_record(ctx.session, record_id=match.record_id)
             if match is not None else None)
    if match is None or other is None:
        return Reply(texts.REVIEW_GONE, notice=texts.REVIEW_GONE)
    text = "\n\n".join([
        texts.REVIEW_COMPARE_HEADER.format(percent=round(match.similarity * 100)),
        _side(ctx, texts.REVIEW_COMPARE_THIS, found, teacher.name),
        _side(ctx, texts.REVIEW_COMPARE_OTHER, other, match.teacher)])
    back = Button(texts.REVIEW_BACK_TO_RECORD, data=f"{CHECK_BUTTONS}:r:{found.id}")
    return Reply(text, buttons=((back,),), edit=True)


def press_check(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons of /check: the overview, a teacher's records, one record, a mark."""
    action, _, rest = data.partition(":")
    raw_id, _, mark = rest.partition(":")
    if action == "all":
        return [_overview(ctx, edit=True)]
    if action == "t" and is_id(raw_id):
        return [_teacher_page(ctx, int(raw_id))]
    found = _reviewable(ctx, raw_id) if action in ("r", "m", "sim") else None
    if found is None:
        return [Reply(texts.REVIEW_GONE, notice=texts.REVIEW_GONE)]
    if action == "r":
        return [_record_page(ctx, *found)]
    if action == "sim":
        return [_compare(ctx, *found, mark)]
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


# -- copy detection: signed when handed in, read by /check --------------------------------


def _index(ctx: Ctx, spec: FormSpec, record_id: int, answers: dict[str, object]) -> None:
    """Sign a record's text and keep the records it closely matches: another teacher's,
    or the same teacher's from another semester. Nothing is judged: /check shows them."""
    cfg = ctx.settings.review
    text = similarity.body_text(answers, [f.key for f in spec.body_fields])
    if (not cfg.copy_check or spec.kind == "minutes"
            or len(similarity.normalise(text)) < cfg.copy_min_chars):
        similar.forget(ctx.session, record_id=record_id)
        return
    record = record_repo.get_record(ctx.session, record_id=record_id)
    if record is None:
        return
    signature = similarity.sign(text)
    keys = similarity.band_keys(signature)
    similar.keep_signature(ctx.session, record_id=record_id, school_id=ctx.school_id,
                           signature=signature, keys=keys)
    matches = []
    for candidate in similar.candidates(ctx.session, record_id=record_id,
                                        school_id=ctx.school_id, keys=keys):
        if (candidate.teacher_id == record.teacher_id
                and candidate.semester_id == record.semester_id):
            continue  # one's own pieces of one term may well resemble each other
        score = similarity.estimate(signature, candidate.signature)
        if score >= cfg.copy_threshold:
            matches.append((candidate.record_id, score))
    # The closest few are what a reviewer can compare; keeping every pair of a school whose
    # pieces all resemble each other would grow without bound.
    best = sorted(matches, key=lambda pair: -pair[1])[:MATCHES_KEPT]
    similar.keep_matches(ctx.session, record_id=record_id, matches=best, now=ctx.now)


records.AFTER_SAVE.append(_index)


# -- the monthly check round ----------------------------------------------------------------


def plan_rounds(session: Session, now: datetime, *, settings: Settings, school_id: int) -> None:
    """On the round day of each month, 教导处 (the whole school) and each 教研组长 (their
    groups) are sent what is due for review, once per round."""
    cfg = settings.review
    local = now.astimezone(settings.zone)
    today = local.date()
    if not cfg.round_day or today.day != cfg.round_day or local.time() < cfg.round_at:
        return
    semester = school.current_semester(session, school_id=school_id, today=today)
    if semester is None or semester.closed or not semester.start <= today <= semester.end:
        return
    quiet = settings.reminders.quiet_hours
    due = after_quiet(now, start=quiet.start, end=quiet.end, zone=settings.zone)
    expires = datetime.combine(today + timedelta(days=3), cfg.round_at, settings.zone)
    month = f"{today:%Y-%m}"
    admins = people.admin_accounts(session, school_id=school_id)
    leads: dict[str, list[str]] = {}
    for group, group_id in school.group_ids(session, school_id=school_id).items():
        for account in meetings.leader_accounts(session, group_id=group_id):
            if account not in admins:
                leads.setdefault(account, []).append(group)
    readers: dict[str, list[str] | None] = {**dict.fromkeys(admins), **leads}
    for account, groups in readers.items():
        outbox.enqueue(session, key=f"{CHECK_ROUND}:{school_id}:{month}:{account}",
                       kind=CHECK_ROUND, chat=account,
                       payload={"school": school_id, "day": today.isoformat(),
                                "groups": groups},
                       due_at=due, expires_at=expires)


@renderer(CHECK_ROUND)
def render_round(session: Session, _settings: Settings, item: OutboxItem) -> list[Reply]:
    """What is due for review this month, by teacher, with a button to start; nothing when
    everything is checked."""
    reader = people.get_by_account(session, account=item.chat)
    if reader is None or not reader.active:
        return []
    groups = item.payload.get("groups")
    scope = texts.REVIEW_ALL if groups is None else "、".join(groups)
    today = date.fromisoformat(str(item.payload["day"]))
    items = _month_items(session, school_id=int(item.payload["school"]), today=today,
                         groups=None if groups is None else list(groups),
                         reviewer_id=reader.id)
    if not items or all(i.status is not None for i in items):
        return []
    lines = [texts.REVIEW_ROUND_HEADER.format(
        month=today.month, scope=esc(scope), total=len(items),
        unchecked=sum(1 for i in items if i.status is None))]
    lines += [line for _, line in _teacher_lines(session, items)]
    start = Button(texts.REVIEW_ROUND_START, data=f"{CHECK_BUTTONS}:all:0")
    return [Reply("\n".join(lines), buttons=((start,),), chat=private_chat(item.chat))]

COMMANDS = (Command("check", check, Access.LEADER, Where.PRIVATE, texts.SUMMARY["check"]),)
BUTTONS = (ButtonRoute(CHECK_BUTTONS, press_check, Access.LEADER, Where.PRIVATE),)
