"""预约听课 arranged by 教导处 (seed 001: "事先(一周前)由学校教导处和某位老师约定，通知何时听
哪一节课"): ``/assignlesson`` names the teacher, the day and 节次, and the observers; the
teacher is asked to register the lesson (the 公开课 form pre-filled), and once it exists the
observers are booked on it and told."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from handlers import texts
from handlers.callback_data import is_id
from handlers.context import ButtonRoute, Command, Ctx, Where
from handlers.features import lessons, records
from handlers.forms import engine
from handlers.forms.engine import Draft
from handlers.forms.spec import FormSpec
from handlers.permissions import Access
from handlers.render import esc, fmt_date
from handlers.types import Button, Reply, private_chat
from storage.repos import assignments, people, school
from storage.repos import lessons as lesson_repo
from storage.repos.lessons import LessonRow
from storage.repos.people import PersonRow

ASSIGN_FORM = "assign_lesson"
ASSIGN_BUTTONS = "asg"
LINK = "assignment"
_NAMES = re.compile(r"[、，,；;\s]+")


def assign_lesson(ctx: Ctx, _arg: str) -> list[Reply]:
    """``/assignlesson``: the form that arranges a 预约听课."""
    return records.open_form(ctx, ASSIGN_FORM)


def _observers(ctx: Ctx, typed: str,
               teacher: PersonRow) -> tuple[list[PersonRow], list[str], list[str]]:
    """(found, names not on the roster, names several people have) of the typed observers;
    the teacher of the lesson is left out."""
    found, unknown, twice = [], [], []
    for name in dict.fromkeys(n for n in _NAMES.split(typed) if n):
        people_named = people.find_by_name(ctx.session, school_id=ctx.school_id, name=name)
        if not people_named:
            unknown.append(name)
        elif len(people_named) > 1:
            twice.append(name)
        elif people_named[0].id != teacher.id:
            found.append(people_named[0])
    return found, unknown, twice


def _ask_again(ctx: Ctx, draft: Draft, problem: str) -> list[Reply]:
    """Keep the form open at its summary and say what to change."""
    kept = replace(draft, step=engine.CONFIRM)
    records.keep_draft(ctx, kept)
    return [Reply(f"⚠️ {problem}", buttons=((engine.button(kept, texts.FORM_EDIT, "edit"),
                                            engine.button(kept, texts.FORM_CANCEL,
                                                          "cancel")),),
                  edit=True)]


def _submit_assignment(ctx: Ctx, _spec: FormSpec, draft: Draft) -> list[Reply]:
    answers = draft.answers
    teacher_id = answers.get("teacher_id")
    teacher = people.get_person(ctx.session, teacher_id=int(teacher_id)) if teacher_id else None
    if teacher is None or teacher.school_id != ctx.school_id:
        records.finish_draft(ctx)
        return [Reply(texts.LESSON_TEACHER_NOT_ON_ROSTER)]
    day = date.fromisoformat(str(answers["day"]))
    if day < ctx.today:
        return _ask_again(ctx, draft, texts.ASSIGN_IN_PAST)
    found, unknown, twice = _observers(ctx, str(answers.get("observers") or ""), teacher)
    if unknown:
        return _ask_again(ctx, draft, texts.ASSIGN_OBSERVERS_UNKNOWN.format(
            names=esc("、".join(unknown))))
    if twice:
        return _ask_again(ctx, draft, texts.ASSIGN_OBSERVERS_TWICE.format(
            names=esc("、".join(twice))))
    if not found:
        return _ask_again(ctx, draft, texts.ASSIGN_OBSERVERS_NONE)
    semester = school.current_semester(ctx.session, school_id=ctx.school_id, today=ctx.today)
    records.finish_draft(ctx)
    if semester is None:
        return [Reply(texts.NO_SEMESTER)]
    period = str(answers.get("period") or "")
    names = "、".join(p.name for p in found)
    arranged = assignments.assign(
        ctx.session, school_id=ctx.school_id, semester_id=semester.id, teacher_id=teacher.id,
        day=day, period=period, observers=[p.id for p in found], assigned_by=ctx.me.id,
        now=ctx.now, detail=f"{teacher.name} {day.isoformat()} 第{period}节 · {names}")
    saved = texts.ASSIGN_SAVED.format(teacher=esc(teacher.name), day=fmt_date(day),
                                      period=esc(period), observers=esc(names))
    if not teacher.account:
        return [Reply(saved + texts.ASSIGN_UNBOUND.format(teacher=esc(teacher.name)),
                      edit=True)]
    told = Reply(texts.ASSIGN_TOLD.format(by=esc(ctx.me.name), day=fmt_date(day),
                                          period=esc(period), observers=esc(names)),
                 buttons=((Button(texts.ASSIGN_REGISTER,
                                  data=f"{ASSIGN_BUTTONS}:reg:{arranged.id}"),),),
                 chat=private_chat(teacher.account))
    return [Reply(saved, edit=True), told]


def press_assignment(ctx: Ctx, data: str) -> list[Reply]:
    """登记这节课: the 公开课 form, pre-filled with the teacher, the day and the 节次."""
    action, _, raw_id = data.partition(":")
    found = (assignments.get(ctx.session, assignment_id=int(raw_id))
             if action == "reg" and is_id(raw_id) else None)
    if found is None or found.school_id != ctx.school_id:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    if found.teacher_id != ctx.me.id and ctx.access is not Access.ADMIN:
        return [Reply("", notice=texts.ASSIGN_NOT_YOURS)]
    if found.lesson_id is not None:
        return [Reply("", notice=texts.ASSIGN_DONE_ALREADY)]
    teacher = people.get_person(ctx.session, teacher_id=found.teacher_id)
    if teacher is None:
        return [Reply(texts.BUTTON_EXPIRED, notice=texts.BUTTON_EXPIRED)]
    prefill: dict[str, object] = {"teacher": teacher.name, "teacher_id": teacher.id,
                                  "day": found.day.isoformat()}
    if is_id(found.period):
        prefill["period"] = int(found.period)
    return records.open_form(ctx, "new_lesson", prefill=prefill, link=(LINK, found.id))


def _registered(ctx: Ctx, assignment_id: int, lesson: LessonRow, line: str) -> list[Reply]:
    """The arranged lesson exists: book its observers and tell them, and 教导处."""
    found = assignments.get(ctx.session, assignment_id=assignment_id)
    if (found is None or found.school_id != ctx.school_id
            or found.teacher_id != lesson.teacher_id
            or not assignments.fulfil(ctx.session, assignment_id=found.id,
                                      lesson_id=lesson.id)):
        return []
    booked = []
    for observer_id in found.observers:
        person = people.get_person(ctx.session, teacher_id=observer_id)
        if person is None or not person.active or person.school_id != ctx.school_id:
            continue
        lesson_repo.book(ctx.session, lesson_id=lesson.id, teacher_id=person.id, now=ctx.now)
        booked.append(person)
    replies = [Reply(texts.ASSIGN_BOOKED.format(count=len(booked), names=esc(
        "、".join(p.name for p in booked) or texts.NONE)))]
    replies += [Reply(texts.ASSIGN_OBSERVER_TOLD.format(lesson=line),
                      chat=private_chat(p.account)) for p in booked if p.account]
    office = (people.get_person(ctx.session, teacher_id=found.assigned_by)
              if found.assigned_by else None)
    if office is not None and office.account and office.id != ctx.me.id:
        replies.append(Reply(texts.ASSIGN_ADMIN_TOLD.format(teacher=esc(lesson.teacher),
                                                            lesson=line),
                             chat=private_chat(office.account)))
    return replies


records.SUBMITTERS[ASSIGN_FORM] = _submit_assignment
lessons.REGISTERED[LINK] = _registered

COMMANDS = (Command("assignlesson", assign_lesson, Access.ADMIN, Where.PRIVATE,
                    texts.SUMMARY["assignlesson"]),)
BUTTONS = (ButtonRoute(ASSIGN_BUTTONS, press_assignment, Access.TEACHER, Where.PRIVATE),)
