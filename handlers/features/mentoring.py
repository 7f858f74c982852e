"""师徒结对: 教导处 pairs a 徒弟 with a 师傅 (the roster's 师傅 column, or ``/mentor 师傅
徒弟 [开始日期]``). Each semester the 徒弟 observes the 师傅's lessons and the 师傅 the
徒弟's (targets from ``[mentoring]``), counted from the 听课记录 whose 授课教师 is the
partner. The 师傅 is told of the 徒弟's 公开课 and 反思 and may comment on a 反思 (the
徒弟 is told; it is no review mark). ``/mentor`` and ``/me`` show the pair's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers import quotas, texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.features import hooks, progress, records
from handlers.features.lessons import BOOK_BUTTONS
from handlers.features.lessons import _line as lesson_line
from handlers.forms import engine
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.forms.validators import InvalidInput, parse_date
from handlers.permissions import Access
from handlers.render import esc, fmt_date, shorten
from handlers.roster import split_school
from handlers.settings import QuotaSpec, Settings
from handlers.types import Button, Reply, private_chat
from storage.repos import district, lessons, mentoring, outbox, people, school
from storage.repos import records as record_repo
from storage.repos.mentoring import PairFigures, PairRow
from storage.repos.outbox import OutboxItem
from storage.repos.people import PersonRow
from storage.repos.records import RecordRow, TotalsRow
from storage.repos.school import SemesterRow

MENTOR_BUTTONS = "mt"
COMMENT_FORM = "mentor_comment"
REFLECTION = "reflection"
MENTOR_LESSON = "mentor-lesson"
SHOWN = 10
MAX_PAIRS_SHOWN = 40
COMMENTS_SHOWN = 3


def _day(day: date) -> str:
    """A pair's dates, short: 9月1日."""
    return f"{day.month}月{day.day}日"


def named(name: str, school: str, here: str) -> str:
    """One of a pair as people of the school ``here`` see them: with their school when it
    is another one of the district (a 村小's 徒弟 with a 中心校 师傅)."""
    return name if school == here else texts.MENTOR_ELSEWHERE.format(name=name, school=school)


# -- figures ---------------------------------------------------------------------------


def _quota(label: str, target: int) -> QuotaSpec:
    # Kind "observation": the figures are 听课记录, shown in 节 like the school's 听课 quota.
    return QuotaSpec(kind="observation", label=label, target=target)


def _measured(settings: Settings, started: date | None, semester: SemesterRow, today: date,
              pair: PairRow, label: str, target: int,
              days: Sequence[date]) -> quotas.QuotaProgress | None:
    """One way of a pair's 听课 as a quota (pace, status …: the one definition), or None
    when the school asks for none that way."""
    if target <= 0:
        return None
    months: dict[tuple[int, int], int] = {}
    for day in days:
        months[(day.year, day.month)] = months.get((day.year, day.month), 0) + 1
    rows = [TotalsRow(0, "observation", year, month, n, n, 0, 0)
            for (year, month), n in months.items()]
    first = max(filter(None, (started, pair.started_on, semester.start)))
    return quotas.measure([_quota(label, target)], totals=rows, lessons=(),
                          semester=(semester.start, semester.end), today=today,
                          school_days=settings.school_calendar.school_days,
                          started_on=first)[0]


def figures(session: Session, settings: Settings, semester: SemesterRow,
            found: Sequence[PairRow]) -> list[PairFigures]:
    """The pairs' figures over the semester, counted as the school's quotas are."""
    return mentoring.pair_figures(session, found=found, semester_id=semester.id,
                                  start=semester.start, end=semester.end,
                                  count_unreviewed=settings.review.count_unreviewed)


def pair_items(settings: Settings, started: date | None, semester: SemesterRow, today: date,
               found: PairFigures) -> list[quotas.QuotaProgress]:
    """The pair's two quotas (徒弟听师傅的课, 师傅听徒弟的课) as measured today."""
    cfg = settings.mentoring
    items = [
        _measured(settings, started, semester, today, found.pair, texts.MENTOR_QUOTA_MENTEE,
                  cfg.mentee_observes, [o.occurred_on for o in found.mentee_observed]),
        _measured(settings, started, semester, today, found.pair, texts.MENTOR_QUOTA_MENTOR,
                  cfg.mentor_observes, [o.occurred_on for o in found.mentor_observed])]
    return [item for item in items if item is not None]


def _pair_text(ctx: Ctx, semester: SemesterRow, found: PairFigures, person_id: int) -> str:
    pair, here = found.pair, ctx.settings.school.name
    day = _day(pair.started_on)
    head = (texts.MENTOR_AS_MENTEE.format(mentor=esc(named(pair.mentor, pair.mentor_school,
                                                           here)), day=day)
            if person_id == pair.mentee_id
            else texts.MENTOR_AS_MENTOR.format(mentee=esc(named(pair.mentee, pair.mentee_school,
                                                                here)), day=day))
    started = progress.started(ctx.session, ctx.settings, semester)
    lines = [head, *(progress.line(item) for item in pair_items(
        ctx.settings, started, semester, ctx.today, found))]
    lines.append(texts.MENTOR_OTHER_FIGURES.format(comments=found.comments,
                                                   lessons=found.mentee_lessons))
    return "\n".join(lines)


def me_section(ctx: Ctx, person: PersonRow) -> str:
    """/me's 师徒结对 block: each pair the person is in, with its figures."""
    if not ctx.settings.mentoring.enabled:
        return ""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return ""
    own = mentoring.pairs(ctx.session, school_id=None, on=ctx.today, teacher_ids=[person.id])
    if not own:
        return ""
    found = figures(ctx.session, ctx.settings, semester, own)
    return "\n".join([texts.MENTOR_SECTION,
                      *(_pair_text(ctx, semester, f, person.id) for f in found)])


# -- /mentor ---------------------------------------------------------------------------


def mentor(ctx: Ctx, arg: str) -> list[Reply]:
    """``/mentor``: my pairs with their figures (教导处: every pair, and pairing)."""
    if not ctx.settings.mentoring.enabled:
        return [Reply(texts.MENTOR_OFF)]
    if arg.strip():
        if ctx.access is not Access.ADMIN:
            return [Reply(texts.MENTOR_ARGS_ADMIN)]
        return _pair_command(ctx, arg)
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    replies = []
    own = mentoring.pairs(ctx.session, school_id=None, on=ctx.today, teacher_ids=[ctx.me.id])
    if own:
        found = figures(ctx.session, ctx.settings, semester, own)
        buttons = tuple((Button(texts.MENTOR_READ_BUTTON.format(mentee=f.pair.mentee),
                                data=f"{MENTOR_BUTTONS}:refl:{f.pair.id}"),)
                        for f in found if f.pair.mentor_id == ctx.me.id)
        replies.append(Reply("\n\n".join([texts.MENTOR_SECTION, *(
            _pair_text(ctx, semester, f, ctx.me.id) + _comments_heard(ctx, semester, f.pair)
            for f in found)]), buttons=buttons))
    if ctx.access is Access.ADMIN:
        replies.append(_school(ctx, semester, edit=False))
    return replies or [Reply(texts.MENTOR_NONE)]


def _comments_heard(ctx: Ctx, semester: SemesterRow, pair: PairRow) -> str:
    """For the 徒弟: the 师傅's newest comments on their records."""
    if pair.mentee_id != ctx.me.id:
        return ""
    said = mentoring.comments_to(ctx.session, mentee_id=pair.mentee_id,
                                 mentor_id=pair.mentor_id, semester_id=semester.id,
                                 limit=COMMENTS_SHOWN)
    return "".join("\n" + texts.MENTOR_HEARD.format(
        day=_day(c.at.astimezone(ctx.settings.zone).date()),
        form=esc(ctx.settings.catalog.label(kind)), title=esc(title or texts.NONE),
        text=esc(shorten(c.text, 80))) for c, kind, title in said)


def _school(ctx: Ctx, semester: SemesterRow, *, edit: bool) -> Reply:
    """教导处's list of the pairs holding today, each with a button to end it."""
    found = figures(ctx.session, ctx.settings, semester, mentoring.pairs(
        ctx.session, school_id=ctx.school_id, on=ctx.today))
    if not found:
        return Reply(f"{texts.MENTOR_SCHOOL_NONE}\n{texts.MENTOR_USAGE}", edit=edit)
    cfg = ctx.settings.mentoring
    lines = [texts.MENTOR_SCHOOL_HEADER.format(count=len(found))]
    lines += [texts.MENTOR_SCHOOL_LINE.format(
        n=n, mentor=esc(named(f.pair.mentor, f.pair.mentor_school, ctx.settings.school.name)),
        mentee=esc(f.pair.mentee),
        day=_day(f.pair.started_on), mentee_done=len(f.mentee_observed),
        mentee_target=cfg.mentee_observes, mentor_done=len(f.mentor_observed),
        mentor_target=cfg.mentor_observes, comments=f.comments)
        for n, f in enumerate(found, start=1)]
    lines.append(texts.MENTOR_USAGE)
    buttons = tuple((Button(shorten(texts.MENTOR_END_BUTTON.format(
        mentor=f.pair.mentor, mentee=f.pair.mentee), 40),
        data=f"{MENTOR_BUTTONS}:end:{f.pair.id}"),) for f in found[:MAX_PAIRS_SHOWN])
    return Reply("\n".join(lines), buttons=buttons, edit=edit)


def _one(ctx: Ctx, name: str, *, across: bool = False) -> PersonRow | Reply:
    """The one active person called ``name`` in the school; ``across``: or, written as
    学校·姓名, in another school of the district (a 师傅 at the 中心校)."""
    where = ctx.school_id
    if across:
        schools = {school_name: school_id for school_id, school_name in district.district_of(
            ctx.session, school_id=ctx.school_id).items()}
        school_name, name = split_school(name, schools)
        where = schools.get(school_name or "", ctx.school_id)
    found = people.find_by_name(ctx.session, school_id=where, name=name)
    if not found:
        return Reply(texts.MENTOR_NOT_FOUND.format(name=esc(name)))
    if len(found) > 1:
        return Reply(texts.MENTOR_AMBIGUOUS.format(name=esc(name)))
    return found[0]


def _pair_command(ctx: Ctx, arg: str) -> list[Reply]:
    """``/mentor 师傅 徒弟 [开始日期]`` (教导处): pair them, and tell both."""
    parts = arg.split()
    if len(parts) not in (2, 3):
        return [Reply(texts.MENTOR_USAGE)]
    tutor, pupil = _one(ctx, parts[0], across=True), _one(ctx, parts[1])
    if isinstance(tutor, Reply):
        return [tutor]
    if isinstance(pupil, Reply):
        return [pupil]
    if tutor.id == pupil.id:
        return [Reply(texts.MENTOR_SAME)]
    try:
        start = parse_date(parts[2], today=ctx.today) if len(parts) == 3 else ctx.today
    except InvalidInput as exc:
        return [Reply(f"{esc(str(exc))}\n{texts.MENTOR_USAGE}")]
    _, new = mentoring.pair(ctx.session, school_id=ctx.school_id, mentor_id=tutor.id,
                            mentee_id=pupil.id, started_on=start, now=ctx.now,
                            actor_id=ctx.me.id)
    # A 师傅 of another school of the district, and the 师傅 told of a 徒弟 there, see the
    # other one with their school.
    here = ctx.settings.school.name
    there = district.district_of(ctx.session, school_id=ctx.school_id).get(tutor.school_id,
                                                                             here)
    names = {"mentor": esc(named(tutor.name, there, here)), "mentee": esc(pupil.name),
             "day": _day(start)}
    if not new:
        return [Reply(texts.MENTOR_ALREADY.format(**names))]
    cfg = ctx.settings.mentoring
    replies = [Reply(texts.MENTOR_PAIRED.format(**names))]
    for person, text, quota, target, seen in (
            (pupil, texts.MENTOR_TOLD_MENTEE, texts.MENTOR_QUOTA_MENTEE_TOLD,
             cfg.mentee_observes, names),
            (tutor, texts.MENTOR_TOLD_MENTOR, texts.MENTOR_QUOTA_MENTOR_TOLD,
             cfg.mentor_observes, {**names, "mentor": esc(tutor.name),
                                   "mentee": esc(named(pupil.name, here, there))})):
        if person.account and person.id != ctx.me.id:
            replies.append(Reply(text.format(**seen, quota=quota.format(n=target)
                                             if target else ""),
                                 chat=private_chat(person.account)))
    return replies


# -- the 师傅 reads and comments ---------------------------------------------------------


def _mentor_of(ctx: Ctx, record: RecordRow | None) -> PairRow | None:
    """The pair in which the sender is the 师傅 of the record's author, today."""
    if record is None or record.deleted:
        return None
    return next((p for p in mentoring.pairs(ctx.session, school_id=None, on=ctx.today,
                                            teacher_ids=[record.teacher_id])
                 if p.mentee_id == record.teacher_id and p.mentor_id == ctx.me.id), None)


def _record(ctx: Ctx, raw_id: str) -> tuple[RecordRow, PairRow] | None:
    found = record_repo.get_record(ctx.session, record_id=int(raw_id)) if is_id(raw_id) else None
    pair = _mentor_of(ctx, found)
    return None if found is None or pair is None else (found, pair)


def _reflections(ctx: Ctx, raw_id: str) -> Reply:
    pair = mentoring.get_pair(ctx.session, pair_id=int(raw_id)) if is_id(raw_id) else None
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if (pair is None or pair.mentor_id != ctx.me.id or not pair.active_on(ctx.today)
            or semester is None):
        return Reply(texts.MENTOR_GONE, notice=texts.MENTOR_GONE)
    found = mentoring.recent_records(ctx.session, teacher_id=pair.mentee_id,
                                     semester_id=semester.id, kind=REFLECTION, limit=SHOWN)
    if not found:
        return Reply(texts.MENTOR_NO_REFLECTIONS.format(mentee=esc(pair.mentee)), edit=True)
    buttons = tuple((Button(shorten(f"{day.month}/{day.day} · {title or texts.NONE}", 40),
                            data=f"{MENTOR_BUTTONS}:view:{record_id}"),)
                    for record_id, title, day in found)
    return Reply(texts.MENTOR_REFLECTIONS.format(mentee=esc(pair.mentee)), buttons=buttons,
                 edit=True)


def _view(ctx: Ctx, found: RecordRow, pair: PairRow) -> Reply:
    spec = ctx.settings.catalog.get(found.kind)
    body = engine.summary(spec, found.answers) if spec is not None else esc(found.title)
    lines = [texts.MENTOR_RECORD.format(mentee=esc(pair.mentee),
                                        form=esc(ctx.settings.catalog.label(found.kind)),
                                        day=fmt_date(found.occurred_on), body=body)]
    said = mentoring.comments_on(ctx.session, record_ids=[found.id])
    if said:
        lines.append(texts.MENTOR_COMMENTS)
        lines += [texts.MENTOR_COMMENT_LINE.format(
            mentor=esc(c.mentor), day=fmt_date(c.at.astimezone(ctx.settings.zone).date()),
            text=esc(c.text)) for c in said]
    write = Button(texts.MENTOR_WRITE, data=f"{MENTOR_BUTTONS}:note:{found.id}")
    back = Button(texts.RECORD_BACK, data=f"{MENTOR_BUTTONS}:refl:{pair.id}")
    return Reply("\n".join(lines), buttons=((write, back),), edit=True)


def _admin_press(ctx: Ctx, action: str, raw_id: str) -> list[Reply]:
    """教导处's buttons on the list of pairs: end one (asked first), back to the list."""
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if ctx.access is not Access.ADMIN or semester is None:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    if action == "all":
        return [_school(ctx, semester, edit=True)]
    pair = mentoring.get_pair(ctx.session, pair_id=int(raw_id)) if is_id(raw_id) else None
    if pair is None or pair.school_id != ctx.school_id or pair.ended_on is not None:
        return [Reply(texts.MENTOR_GONE, notice=texts.MENTOR_GONE)]
    names = {"mentor": esc(pair.mentor), "mentee": esc(pair.mentee)}
    if action == "end":
        return [Reply(texts.MENTOR_END_ASK.format(**names), edit=True, buttons=((
            Button(texts.MENTOR_END_YES, data=f"{MENTOR_BUTTONS}:endok:{pair.id}"),
            Button(texts.RECORD_BACK, data=f"{MENTOR_BUTTONS}:all:0")),))]
    # Ended today: it no longer holds from today on.
    mentoring.end_pair(ctx.session, pair_id=pair.id, ended_on=ctx.today - timedelta(days=1),
                       now=ctx.now,
                       actor_id=ctx.me.id)
    back = Button(texts.RECORD_BACK, data=f"{MENTOR_BUTTONS}:all:0")
    return [Reply(texts.MENTOR_ENDED.format(**names, day=_day(ctx.today)), edit=True,
                  buttons=((back,),))]


def press_mentor(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons of /mentor: a 徒弟's 反思, one of them, 写点评; 教导处's end of a pair."""
    if not ctx.settings.mentoring.enabled:
        return [Reply(texts.MENTOR_OFF, notice=texts.MENTOR_OFF)]
    action, _, raw_id = data.partition(":")
    if action in ("all", "end", "endok"):
        return _admin_press(ctx, action, raw_id)
    if action == "refl":
        return [_reflections(ctx, raw_id)]
    found = _record(ctx, raw_id) if action in ("view", "note") else None
    if found is None:
        return [Reply(texts.MENTOR_GONE, notice=texts.MENTOR_GONE)]
    if action == "view":
        return [_view(ctx, *found)]
    return records.open_form(ctx, COMMENT_FORM, link=("record", found[0].id))


def _submit_comment(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    """Keep the 师傅's comment and tell the 徒弟."""
    records.finish_draft(ctx)
    found = _record(ctx, str(draft.link_id or ""))
    if found is None:
        return [Reply(texts.MENTOR_GONE)]
    record, pair = found
    comment = str(draft.answers.get("comment") or "")
    mentoring.add_comment(ctx.session, record_id=record.id, mentor_id=ctx.me.id, text=comment,
                          now=ctx.now)
    replies = [Reply(texts.MENTOR_COMMENT_SAVED.format(mentee=esc(pair.mentee)), edit=True,
                     buttons=((Button(texts.RECORD_BACK,
                                      data=f"{MENTOR_BUTTONS}:view:{record.id}"),),))]
    if pair.mentee_account:
        replies.append(Reply(texts.MENTOR_TOLD_COMMENT.format(
            mentor=esc(ctx.me.name), form=esc(ctx.settings.catalog.label(record.kind)),
            title=esc(record.title or texts.NONE), comment=esc(comment)),
            chat=private_chat(pair.mentee_account)))
    return replies


def _tell_mentor(ctx: Ctx, spec: FormSpec, draft: Draft, saved: RecordRow) -> list[Reply]:
    """A 徒弟 handed in a new 反思: the 师傅 is told, with a button to read and comment."""
    if draft.record_id is not None or not ctx.settings.mentoring.enabled:
        return []
    tutors = [p for p in mentoring.pairs(ctx.session, school_id=ctx.school_id, on=ctx.today,
                                         teacher_ids=[ctx.me.id])
              if p.mentee_id == ctx.me.id and p.mentor_account]
    button = Button(texts.MENTOR_READ_AND_COMMENT, data=f"{MENTOR_BUTTONS}:view:{saved.id}")
    return [Reply(texts.MENTOR_TOLD_REFLECTION.format(
        mentee=esc(named(ctx.me.name, ctx.settings.school.name, p.mentor_school)),
        form=esc(spec.label), title=esc(saved.title or texts.NONE)),
        buttons=((button,),), chat=private_chat(p.mentor_account))
        for p in tutors if p.mentor_account]


# -- over time: the 师傅 hears of the 徒弟's 公开课 ----------------------------------------


def plan_mentor_lessons(session: Session, now: datetime, *, settings: Settings,
                        school_id: int) -> None:
    """A 公开课 of a 徒弟 registered in the last two days and still ahead: tell the 师傅
    once (unless the 师傅 registered it)."""
    if not settings.mentoring.enabled:
        return
    today = now.astimezone(settings.zone).date()
    by_mentee: dict[int, list[PairRow]] = {}
    for pair in mentoring.pairs(session, school_id=school_id, on=today):
        by_mentee.setdefault(pair.mentee_id, []).append(pair)
    for lesson_id, teacher_id, starts_at, by in mentoring.new_lessons_of(
            session, mentee_ids=list(by_mentee), since=now - timedelta(days=2), after=now):
        for pair in by_mentee[teacher_id]:
            if pair.mentor_account and by != pair.mentor_id:  # not of what they did
                outbox.enqueue(session, key=f"{MENTOR_LESSON}:{lesson_id}:{pair.mentor_id}",
                               kind=MENTOR_LESSON, chat=pair.mentor_account, due_at=now,
                               expires_at=starts_at,
                               payload={"lesson": lesson_id, "pair": pair.id})


@renderer(MENTOR_LESSON)
def render_mentor_lesson(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """To the 师傅: the 徒弟's 公开课, with the button to see it and book."""
    lesson = lessons.get_lesson(session, lesson_id=int(item.payload["lesson"]))
    pair = mentoring.get_pair(session, pair_id=int(item.payload["pair"]))
    if lesson is None or lesson.status != lessons.PLANNED or pair is None:
        return []
    button = Button(texts.MENTOR_LESSON_VIEW, data=f"{BOOK_BUTTONS}:view:{lesson.id}")
    mentee = named(pair.mentee, pair.mentee_school, settings.school.name)
    return [Reply(texts.MENTOR_TOLD_LESSON.format(mentee=esc(mentee),
                                                  lesson=lesson_line(lesson, settings)),
                  buttons=((button,),), chat=private_chat(item.chat))]


records.SUBMITTERS[COMMENT_FORM] = _submit_comment
hooks.after_submit(REFLECTION, _tell_mentor)
progress.ME_SECTIONS.append(me_section)

COMMANDS = (Command("mentor", mentor, Access.TEACHER, Where.PRIVATE, texts.SUMMARY["mentor"]),)
BUTTONS = (ButtonRoute(MENTOR_BUTTONS, press_mentor, Access.TEACHER, Where.PRIVATE),)
