"""公开课: register, list, book (预约听课), remind, and collect 评课 and 反思 afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.deliveries import renderer
from handlers.district import texts as district_texts
from handlers.features import records
from handlers.features.sessions import group_chats
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access, may_lead
from handlers.render import book_title, esc, fmt_date, fmt_datetime, shorten
from handlers.settings import Settings
from handlers.types import Button, Reply, private_chat
from storage.repos import district, lessons, mentoring, outbox, people, school
from storage.repos.lessons import LessonRow
from storage.repos.outbox import OutboxItem

BOOK_BUTTONS = "bk"
OBSERVE_PAYLOAD = "observe-"
LESSON_SOON, LESSON_AFTER, LESSON_REFLECT = "lesson-soon", "lesson-after", "lesson-reflect"
LIST_LIMIT = 10
# What a teacher may do with another school's 公开课 open to them (issue 17).
_ACROSS = frozenset({"view", "book", "unbook", "observe"})
# What registering a lesson from a link does besides (by the draft's link kind): a lesson
# 教导处 arranged books its observers (handlers/features/assignments.py). Each gets the
# lesson and its line as shown to people, and returns the replies to add.
REGISTERED: dict[str, Callable[[Ctx, int, LessonRow, str], list[Reply]]] = {}


def _line(lesson: LessonRow, settings: Settings) -> str:
    period = texts.LESSON_PERIOD.format(period=lesson.period) if lesson.period else ""
    return texts.LESSON_LINE.format(
        kind=esc(lesson.kind), title=esc(book_title(lesson.title)), teacher=esc(lesson.teacher),
        when=fmt_datetime(lesson.starts_at, settings.zone), period=period,
        place=esc(lesson.place), class_name=esc(lesson.class_name),
        subject=esc(lesson.subject))


def _closes_at(lesson: LessonRow, settings: Settings) -> datetime:
    return lesson.starts_at - timedelta(hours=settings.lessons.booking_closes_hours_before)


def _book_buttons(lesson: LessonRow) -> tuple[tuple[Button, ...], ...]:
    return ((Button(texts.LESSON_BOOK, data=f"{BOOK_BUTTONS}:book:{lesson.id}"),
             Button(texts.LESSON_DETAILS, data=f"{BOOK_BUTTONS}:view:{lesson.id}")),)


# -- registering ----------------------------------------------------------------------


def add_lesson(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/addlesson``: register a 公开课 (one's own; leaders and admins for others too)."""
    prefill: dict[str, Any] = {}
    if ctx.access < Access.LEADER:
        prefill = {"teacher": ctx.me.name, "teacher_id": ctx.me.id}
    return records.open_form(ctx, "new_lesson", prefill=prefill)


def _submit_lesson(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    answers = draft.answers
    teacher_id = answers.get("teacher_id")
    teacher = people.get_person(ctx.session, teacher_id=int(teacher_id)) if teacher_id else None
    records.finish_draft(ctx)
    if teacher is None or teacher.school_id != ctx.school_id:
        return [Reply(texts.LESSON_TEACHER_NOT_ON_ROSTER)]
    allowed = (teacher.id == ctx.me.id or ctx.access is Access.ADMIN
               or any(may_lead(ctx.person, g) for g in teacher.groups))
    if not allowed:
        return [Reply(texts.LESSON_NOT_ALLOWED.format(name=esc(teacher.name)))]
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    day = date.fromisoformat(str(answers["day"]))
    starts_at = datetime.combine(day, time.fromisoformat(str(answers["start"])),
                                 ctx.settings.zone)
    if starts_at <= ctx.now:
        return [Reply(texts.LESSON_IN_PAST)]
    follows = (lessons.get_lesson(ctx.session, lesson_id=draft.link_id)
               if draft.link_kind == "lesson" and draft.link_id else None)
    if follows is not None and follows.teacher_id != teacher.id:
        follows = None  # a round of one's own lesson only; otherwise a lesson of its own
    lesson_id = lessons.add_lesson(
        ctx.session, teacher_id=teacher.id, semester_id=semester.id,
        follows_id=(follows.follows_id or follows.id) if follows else None,
        kind=str(answers["lesson_kind"]), starts_at=starts_at,
        period=str(answers.get("period") or ""), place=str(answers["place"]),
        class_name=str(answers["class_name"]), subject=str(answers["subject"]),
        title=str(answers["title"]), booking_required=answers["booking"] == "需要预约",
        created_by=ctx.me.id, now=ctx.now)
    lesson = lessons.get_lesson(ctx.session, lesson_id=lesson_id)
    assert lesson is not None
    line = _line(lesson, ctx.settings) + _round_note(ctx, lesson)
    announcement = texts.LESSON_ANNOUNCED.format(lesson=line)
    ids = school.group_ids(ctx.session, school_id=ctx.school_id)
    posts = [Reply(announcement, buttons=_book_buttons(lesson), chat=chat)
             for group in teacher.groups if group in ids
             for chat in group_chats(ctx, ids[group])]
    then = REGISTERED.get(draft.link_kind or "")
    more = then(ctx, int(draft.link_id or 0), lesson, line) if then is not None else []
    return [Reply(texts.LESSON_SAVED.format(lesson=line), edit=True), *posts, *more]


def _round_note(ctx: Ctx, lesson: LessonRow) -> str:
    """「一课多研第 N 次」 for a later round, empty for a lesson of one round."""
    if lesson.follows_id is None:
        return ""
    ids = [row.id for row in lessons.rounds(ctx.session, lesson_id=lesson.id)]
    return texts.LESSON_ROUND.format(n=ids.index(lesson.id) + 1) if lesson.id in ids else ""


def _rounds_line(ctx: Ctx, lesson: LessonRow) -> str | None:
    """The rounds of a lesson taught more than once (一课多研), each with its 评课 count."""
    found = lessons.rounds(ctx.session, lesson_id=lesson.id)
    if len(found) < 2:
        return None
    zone = ctx.settings.zone
    parts = [texts.LESSON_ROUND_ITEM.format(
        n=n, day=fmt_date(row.starts_at.astimezone(zone).date()),
        count=len(lessons.reviewers(ctx.session, lesson_id=row.id)),
        mark=texts.LESSON_ROUND_THIS if row.id == lesson.id else "")
        for n, row in enumerate(found, start=1)]
    return texts.LESSON_ROUNDS.format(rounds="；".join(parts))


# -- listing and booking ---------------------------------------------------------------


def _given(ctx: Ctx) -> tuple[list[str], list[tuple[Button, ...]]]:
    """The sender's own lessons already given, each with its 评课 count and a button."""
    if ctx.person is None:
        return [], []
    given = lessons.list_given(ctx.session, teacher_id=ctx.me.id, before=ctx.now,
                               limit=LIST_LIMIT)
    lines, buttons = [], []
    for lesson in given:
        count = len(lessons.reviewers(ctx.session, lesson_id=lesson.id))
        lines.append(_line(lesson, ctx.settings) + texts.LESSON_REVIEW_COUNT.format(count=count))
        data = f"{BOOK_BUTTONS}:{'reviews' if count else 'view'}:{lesson.id}"
        buttons.append((Button(shorten(texts.LESSON_GIVEN_BUTTON.format(
            title=lesson.title, count=count), 40), data=data),))
    return lines, buttons


def list_lessons(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/lessons``: what is coming, with how many have booked; and one's own given lessons
    with their 评课 (in private chat)."""
    open_to = _open_schools(ctx)
    coming = (lessons.upcoming_in(ctx.session, school_ids=list(open_to), since=ctx.now,
                                  limit=LIST_LIMIT) if len(open_to) > 1 else
              lessons.list_upcoming(ctx.session, school_id=ctx.school_id, since=ctx.now,
                                    limit=LIST_LIMIT))
    given, given_buttons = _given(ctx) if ctx.incoming.chat.is_private else ([], [])
    if not coming and not given:
        return [Reply(texts.LESSONS_NONE)]
    lines = [texts.LESSONS_HEADER] if coming else []
    buttons = []
    for lesson in coming:
        elsewhere = _school_of(ctx, lesson.teacher_id)
        where = (district_texts.LESSON_OTHER_SCHOOL.format(school=esc(open_to[elsewhere]))
                 if elsewhere in open_to and elsewhere != ctx.school_id else "")
        lines.append(_line(lesson, ctx.settings) + where + texts.LESSON_BOOKED_COUNT.format(
            count=lesson.booked))
        buttons.append((Button(shorten(f"{lesson.title} · {lesson.teacher}", 40),
                               data=f"{BOOK_BUTTONS}:view:{lesson.id}"),))
    if given:
        lines += [texts.LESSONS_GIVEN_HEADER, *given]
    return [Reply("\n\n".join(lines), buttons=(*buttons, *given_buttons))]


def _open_schools(ctx: Ctx) -> dict[int, str]:
    """The schools whose 公开课 this school's teachers see and book: their own, and the
    district's others where ``[lessons] cross_school_booking`` is on (id → name)."""
    if not ctx.settings.lessons.cross_school_booking:
        return {ctx.school_id: ctx.settings.school.name}
    return district.district_of(ctx.session, school_id=ctx.school_id)


def _school_of(ctx: Ctx, teacher_id: int) -> int | None:
    teacher = people.get_person(ctx.session, teacher_id=teacher_id)
    return None if teacher is None else teacher.school_id


def _reachable(ctx: Ctx, lesson: LessonRow, action: str) -> bool:
    """Whether the sender may press ``action`` on ``lesson``: any of their own school's;
    of another school open to them (see ``_open_schools``) or of their 徒弟 there, only to
    look, book and write the 听课记录."""
    found = _school_of(ctx, lesson.teacher_id)
    if found == ctx.school_id:
        return True
    return action in _ACROSS and found is not None and (
        found in _open_schools(ctx) or mentoring.is_mentor(  # a 师傅 of another school
            ctx.session, mentor_id=ctx.me.id, mentee_id=lesson.teacher_id, on=ctx.today))


def _page(ctx: Ctx, lesson: LessonRow) -> Reply:
    booked = lessons.bookings(ctx.session, lesson_id=lesson.id)
    reviews = lessons.reviews(ctx.session, lesson_id=lesson.id)
    lines = [_line(lesson, ctx.settings)]
    if lesson.design_note:
        lines.append(texts.LESSON_NOTE.format(note=esc(shorten(lesson.design_note, 600))))
    names = "、".join(name for _, name, _ in booked) or texts.NONE
    lines.append(texts.LESSON_BOOKED.format(count=len(booked), names=esc(names)))
    lines.append(texts.LESSON_REVIEWS.format(count=len(reviews)))
    rounds = _rounds_line(ctx, lesson)
    if rounds:
        lines.append(rounds)
    mine = ctx.me.id in {teacher_id for teacher_id, _, _ in booked}
    row = [Button(texts.LESSON_UNBOOK if mine else texts.LESSON_BOOK,
                  data=f"{BOOK_BUTTONS}:{'unbook' if mine else 'book'}:{lesson.id}")]
    owner = lesson.teacher_id == ctx.me.id
    if owner:
        row.append(Button(texts.LESSON_ADD_NOTE, data=f"{BOOK_BUTTONS}:note:{lesson.id}"))
    if reviews and (owner or ctx.access is Access.ADMIN):
        row.append(Button(texts.LESSON_READ_REVIEWS, data=f"{BOOK_BUTTONS}:reviews:{lesson.id}"))
    rows: tuple[tuple[Button, ...], ...] = (tuple(row),)
    if owner and lesson.starts_at <= ctx.now:
        rows += ((Button(texts.LESSON_NEXT_ROUND, data=f"{BOOK_BUTTONS}:again:{lesson.id}"),),)
    return Reply("\n".join(lines), buttons=rows)


def _reviews_text(ctx: Ctx, lesson: LessonRow) -> str:
    found = lessons.reviews(ctx.session, lesson_id=lesson.id)
    lines = [texts.LESSON_REVIEWS_HEADER.format(title=esc(book_title(lesson.title)))]
    for name, answers in found:
        lines.append(texts.LESSON_REVIEW.format(
            name=esc(name), strength=esc(shorten(str(answers.get("strength", "")), 300)),
            weakness=esc(shorten(str(answers.get("weakness", "")), 300)),
            suggestion=esc(shorten(str(answers.get("suggestion", "")), 300))))
    return "\n\n".join(lines)


def _reviews(ctx: Ctx, lesson: LessonRow) -> list[Reply]:
    return [Reply(_reviews_text(ctx, lesson))]


def _observe_prefill(lesson: LessonRow, zone: Any) -> dict[str, Any]:
    return {"observed_on": lesson.starts_at.astimezone(zone).date().isoformat(),
            "class_name": lesson.class_name, "subject": lesson.subject,
            "teacher": lesson.teacher, "teacher_id": lesson.teacher_id, "title": lesson.title,
            **({"period": int(lesson.period)} if is_id(lesson.period) else {})}


def open_observation(ctx: Ctx, raw_id: str) -> list[Reply]:
    """The 听课记录 form pre-filled from a lesson and linked to it (``observe-<id>``)."""
    lesson = lessons.get_lesson(ctx.session, lesson_id=int(raw_id)) if is_id(raw_id) else None
    if lesson is None or lesson.status != lessons.PLANNED:
        return [Reply(texts.LESSON_GONE)]
    if not _reachable(ctx, lesson, "observe"):
        return [Reply(texts.LESSON_GONE)]
    if lesson.starts_at > ctx.now:
        return [Reply(texts.LESSON_NOT_YET)]
    return records.open_form(ctx, "observation",
                             prefill=_observe_prefill(lesson, ctx.settings.zone),
                             link=("lesson", lesson.id))


def press_lesson(ctx: Ctx, data: str) -> list[Reply]:
    """Buttons on a lesson: details, book, unbook, 说课 note, reviews, observe, reflect."""
    action, _, raw_id = data.partition(":")
    lesson = lessons.get_lesson(ctx.session, lesson_id=int(raw_id)) if is_id(raw_id) else None
    if lesson is None or not _reachable(ctx, lesson, action):
        return [Reply(texts.LESSON_GONE, notice=texts.LESSON_GONE)]
    if action == "view":
        return [_page(ctx, lesson)]
    if action == "book":
        if lesson.teacher_id == ctx.me.id:
            return [Reply("", notice=texts.LESSON_OWN)]
        if ctx.now > _closes_at(lesson, ctx.settings) or lesson.status != lessons.PLANNED:
            return [Reply("", notice=texts.LESSON_BOOKING_CLOSED)]
        added = lessons.book(ctx.session, lesson_id=lesson.id, teacher_id=ctx.me.id,
                             now=ctx.now)
        return [Reply("", notice=texts.LESSON_BOOKED_OK if added else texts.LESSON_ALREADY)]
    if action == "unbook":
        removed = lessons.unbook(ctx.session, lesson_id=lesson.id, teacher_id=ctx.me.id)
        return [Reply("", notice=texts.LESSON_UNBOOKED if removed else texts.LESSON_NOT_BOOKED)]
    if action == "reviews" and (lesson.teacher_id == ctx.me.id or ctx.access is Access.ADMIN):
        return _reviews(ctx, lesson)
    if action == "note" and lesson.teacher_id == ctx.me.id:
        return records.open_form(ctx, "design_note", link=("lesson", lesson.id))
    if action == "observe":
        return open_observation(ctx, raw_id)
    if action == "again" and lesson.teacher_id == ctx.me.id:
        # 一课多研: the next round of the same lesson, registered like a new one.
        prefill = {"teacher": lesson.teacher, "teacher_id": lesson.teacher_id,
                   "lesson_kind": lesson.kind, "class_name": lesson.class_name,
                   "subject": lesson.subject, "title": lesson.title}
        return records.open_form(ctx, "new_lesson", prefill=prefill, link=("lesson", lesson.id))
    if action == "reflect" and lesson.teacher_id == ctx.me.id:
        if lesson.starts_at > ctx.now:
            return [Reply(texts.LESSON_NOT_YET)]
        zone = ctx.settings.zone
        prefill = {"topic": lesson.title, "class_name": lesson.class_name,
                   "taught_on": lesson.starts_at.astimezone(zone).date().isoformat()}
        # The 评课 received so far come first: the 反思 is written with them at hand.
        heard = ([Reply(_reviews_text(ctx, lesson))]
                 if lessons.reviewers(ctx.session, lesson_id=lesson.id) else [])
        return heard + records.open_form(ctx, "reflection", prefill=prefill,
                                         link=("lesson", lesson.id))
    return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]


def _matching_lesson(ctx: Ctx, draft: Draft) -> LessonRow | None:
    """The 公开课 a 听课记录 typed through a plain /observe describes: given by the teacher
    picked from the roster, on that day, at that 节次 (when both say one), already begun,
    and not the observer's own; None unless exactly one fits."""
    answers = draft.answers
    teacher_id, day = answers.get("teacher_id"), answers.get("observed_on")
    if draft.link_kind or draft.record_id is not None or not teacher_id or not day:
        return None
    start = datetime.combine(date.fromisoformat(str(day)), time(0), ctx.settings.zone)
    period = str(answers.get("period") or "")
    found = [lesson for lesson in lessons.between(ctx.session, start=start,
                                                  end=start + timedelta(days=1))
             if lesson.teacher_id == int(teacher_id) and lesson.teacher_id != ctx.me.id
             and lesson.starts_at <= ctx.now
             and (not lesson.period or not period or lesson.period == period)]
    return found[0] if len(found) == 1 else None


def _submit_observation(ctx: Ctx, spec: FormSpec, draft: Draft) -> list[Reply]:
    """Save a 听课记录; one linked to a lesson (from its button, or typed through /observe
    about it) tells its teacher of the first 评课 and of the moment every booked observer
    has written."""
    matched = _matching_lesson(ctx, draft)
    if matched is not None:
        draft = replace(draft, link_kind="lesson", link_id=matched.id)
    lesson_id = draft.link_id if draft.link_kind == "lesson" and draft.record_id is None else 0
    before = lessons.reviewers(ctx.session, lesson_id=lesson_id) if lesson_id else set()
    replies = records.save_record(ctx, spec, draft)
    lesson = lessons.get_lesson(ctx.session, lesson_id=lesson_id) if lesson_id else None
    if lesson is None:
        return replies
    if matched is not None:
        replies.append(Reply(texts.LESSON_OBSERVATION_MATCHED.format(
            teacher=esc(lesson.teacher), title=esc(book_title(lesson.title)))))
    after = lessons.reviewers(ctx.session, lesson_id=lesson.id)
    giver = people.get_person(ctx.session, teacher_id=lesson.teacher_id)
    if after == before or giver is None or not giver.account:
        return replies
    booked = {teacher_id for teacher_id, _, _ in lessons.bookings(ctx.session,
                                                                 lesson_id=lesson.id)}
    line = _line(lesson, ctx.settings)
    if booked and booked <= after and not booked <= before:
        text = texts.LESSON_ALL_REVIEWED.format(count=len(booked), lesson=line)
    elif not before:
        text = texts.LESSON_FIRST_REVIEW.format(name=esc(ctx.me.name), lesson=line)
    else:
        return replies
    buttons = ((Button(texts.LESSON_READ_REVIEWS, data=f"{BOOK_BUTTONS}:reviews:{lesson.id}"),
                Button(texts.LESSON_WRITE_REFLECTION,
                       data=f"{BOOK_BUTTONS}:reflect:{lesson.id}")),)
    return [*replies, Reply(text, buttons=buttons, chat=private_chat(giver.account))]


def _submit_note(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    records.finish_draft(ctx)
    lesson = lessons.get_lesson(ctx.session, lesson_id=int(draft.link_id or 0))
    if lesson is None or lesson.teacher_id != ctx.me.id:
        return [Reply(texts.LESSON_GONE)]
    note = str(draft.answers["note"])
    lessons.set_design_note(ctx.session, lesson_id=lesson.id, note=note)
    shared = texts.LESSON_NOTE_SHARED.format(lesson=_line(lesson, ctx.settings),
                                             note=esc(shorten(note, 1500)))
    booked = lessons.bookings(ctx.session, lesson_id=lesson.id)
    return [Reply(texts.LESSON_NOTE_SAVED.format(count=len(booked)), edit=True),
            *(Reply(shared, chat=private_chat(account)) for _, _, account in booked if account)]


# -- over time -------------------------------------------------------------------------


def plan_lessons(session: Session, now: datetime, *, settings: Settings,
                 school_id: int) -> None:
    """Remind the booked before a lesson of the school; afterwards ask them for 评课 and
    its teacher for 反思. Observers booked from other schools are reminded here too, at
    this school's times: a lesson is planned by its own school only."""
    cfg = settings.lessons
    for lesson in lessons.between(session, start=now - timedelta(days=1),
                                  end=now + timedelta(days=2), school_id=school_id):
        ends_at = lesson.starts_at + timedelta(minutes=cfg.lesson_minutes)
        stamp = f"{lesson.starts_at:%Y%m%d%H%M}"
        payload = {"lesson": lesson.id, "start": stamp}
        booked = lessons.bookings(session, lesson_id=lesson.id)
        for teacher_id, _, account in booked:
            if account is None:
                continue
            booked_payload = {**payload, "teacher": teacher_id}
            if cfg.remind_minutes_before:
                outbox.enqueue(session, key=f"{LESSON_SOON}:{lesson.id}:{stamp}:{teacher_id}",
                               kind=LESSON_SOON, chat=account, payload=booked_payload,
                               due_at=lesson.starts_at - timedelta(
                                   minutes=cfg.remind_minutes_before),
                               expires_at=lesson.starts_at)
            outbox.enqueue(session, key=f"{LESSON_AFTER}:{lesson.id}:{stamp}:{teacher_id}",
                           kind=LESSON_AFTER, chat=account, payload=booked_payload,
                           due_at=ends_at,
                           expires_at=ends_at + timedelta(days=7))
        giver = people.get_person(session, teacher_id=lesson.teacher_id)
        if giver is not None and giver.account:
            outbox.enqueue(session, key=f"{LESSON_REFLECT}:{lesson.id}:{stamp}",
                           kind=LESSON_REFLECT, chat=giver.account, payload=payload,
                           due_at=ends_at, expires_at=ends_at + timedelta(days=7))


def _still(session: Session, item: OutboxItem) -> LessonRow | None:
    """The lesson, if it still takes place when planned and (for an observer) is booked."""
    lesson = lessons.get_lesson(session, lesson_id=int(item.payload["lesson"]))
    if lesson is None or lesson.status != lessons.PLANNED:
        return None
    if f"{lesson.starts_at:%Y%m%d%H%M}" != item.payload["start"]:
        return None
    observer = item.payload.get("teacher")
    if observer is not None and int(observer) not in {
            teacher_id for teacher_id, _, _ in lessons.bookings(session, lesson_id=lesson.id)}:
        return None
    return lesson


@renderer(LESSON_SOON)
def render_soon(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """Before the lesson, to each booked observer."""
    lesson = _still(session, item)
    if lesson is None:
        return []
    return [Reply(texts.LESSON_REMIND.format(lesson=_line(lesson, settings)),
                  chat=private_chat(item.chat))]


@renderer(LESSON_AFTER)
def render_after(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """After the lesson: one message with the button that opens the pre-filled 听课记录."""
    lesson = _still(session, item)
    if lesson is None:
        return []
    button = Button(texts.LESSON_WRITE_OBSERVATION, data=f"{BOOK_BUTTONS}:observe:{lesson.id}")
    return [Reply(texts.LESSON_AFTER.format(lesson=_line(lesson, settings)),
                  buttons=((button,),), chat=private_chat(item.chat))]


@renderer(LESSON_REFLECT)
def render_reflect(session: Session, settings: Settings, item: OutboxItem) -> list[Reply]:
    """After the lesson: its teacher is asked for a 反思."""
    lesson = _still(session, item)
    if lesson is None:
        return []
    button = Button(texts.LESSON_WRITE_REFLECTION, data=f"{BOOK_BUTTONS}:reflect:{lesson.id}")
    count = len(lessons.reviewers(session, lesson_id=lesson.id))
    heard = texts.LESSON_REFLECT_REVIEWS.format(count=count) if count else ""
    return [Reply(texts.LESSON_ASK_REFLECTION.format(lesson=_line(lesson, settings)) + heard,
                  buttons=((button,),), chat=private_chat(item.chat))]


records.SUBMITTERS.update({"new_lesson": _submit_lesson, "design_note": _submit_note,
                           "observation": _submit_observation})

COMMANDS = (
    Command("addlesson", add_lesson, Access.TEACHER, Where.PRIVATE,
            texts.SUMMARY["addlesson"]),
    Command("lessons", list_lessons, Access.TEACHER, Where.ANY, texts.SUMMARY["lessons"]),
)
BUTTONS = (ButtonRoute(BOOK_BUTTONS, press_lesson, Access.TEACHER),)
