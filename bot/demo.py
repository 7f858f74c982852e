"""A plausible semester for the demo school: sessions with attendance, records, open lessons.

For the sandbox and for trying exports; never for a real school's database. Deterministic
(a fixed random seed), so the same command gives the same semester.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from bot import texts
from handlers.dispatch import Core
from handlers.forms.engine import body_chars
from handlers.reminders import SessionPlanner
from storage.repos import groups, lessons, meetings, records, school

SEED = 2026
FORMS = ("集体备课", "说课-上课-评课", "专题讲座", "课例研讨", "读书分享")


def _text(rng: random.Random, chars: int) -> str:
    """Chinese prose of about ``chars`` characters from the demo phrase pool."""
    parts: list[str] = []
    while sum(len(p) for p in parts) < chars:
        parts.append(rng.choice(texts.DEMO_PHRASES))
    return "".join(parts)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)
            if (start + timedelta(days=i)).weekday() < 5]


def seed_semester(core: Core) -> dict[str, int]:
    """Fill the current semester up to today; returns how many of each thing were made."""
    now = core.clock.now()
    settings = core.settings
    zone = settings.zone
    today = now.astimezone(zone).date()
    rng = random.Random(SEED)

    def apply(session: Session) -> dict[str, int]:
        semester = school.current_semester(session, school_id=core.school_id, today=today)
        if semester is None:
            return {"records": 0, "sessions": 0, "lessons": 0}
        SessionPlanner(settings, core.school_id)(session, now)
        end = min(today, semester.end)
        school_days = [d for d in _days(semester.start, end)
                       if settings.school_calendar.is_school_day(d)]
        members = groups.members(session, school_id=core.school_id)
        ids = school.group_ids(session, school_id=core.school_id)
        made = {"records": 0, "sessions": 0, "lessons": 0}

        def add(teacher_id: int, kind: str, answers: dict[str, object], day: date,
                link: tuple[str, int] | None = None) -> None:
            spec = settings.catalog.get(kind)
            assert spec is not None
            title_key = spec.title_field or ""
            made["records"] += 1
            records.add_record(
                session, teacher_id=teacher_id, semester_id=semester.id, kind=kind,
                title=str(answers.get(title_key, "")), answers=answers,
                chars=body_chars(spec, answers), occurred_on=day,
                now=datetime.combine(day, time(17, 0), zone), link=link)

        for meeting in meetings.list_meetings(session, group_ids=list(ids.values()),
                                              start=semester.start, end=end):
            if not meeting.held or meeting.starts_at is None or meeting.starts_at > now:
                continue
            made["sessions"] += 1
            topic = rng.choice(texts.DEMO_TOPICS)
            inside = [m for m in members if meeting.group in m.groups]
            leader = next((m for m in inside if meeting.group in m.leads), None)
            meetings.update_meeting(session, meeting_id=meeting.id, topic=topic,
                                    host=leader.name if leader else "", status="announced",
                                    form=rng.choice(FORMS), announced_at=meeting.starts_at)
            present = []
            for member in inside:
                roll = rng.random()
                status = "present" if roll < 0.86 else "leave" if roll < 0.95 else "absent"
                meetings.set_attendance(session, meeting_id=meeting.id, teacher_id=member.id,
                                        status=status, now=meeting.starts_at)
                if status == "present":
                    present.append(member.name)
            if leader is not None:
                day = meeting.starts_at.astimezone(zone).date()
                minutes = {"topic": topic, "held_on": day.isoformat(), "place": meeting.place,
                           "attendees": "、".join(present), "host": leader.name,
                           "discussion": _text(rng, 160), "conclusions": _text(rng, 60)}
                add(leader.id, "minutes", minutes, day, link=("meeting", meeting.id))
        for member in members:
            pace = rng.uniform(0.5, 1.1)
            for kind, per_week in (("reflection", 1.0), ("observation", 1.5)):
                count = int(len(school_days) / 5 * per_week * pace)
                for day in sorted(rng.sample(school_days, min(count, len(school_days)))):
                    if kind == "reflection":
                        answers: dict[str, object] = {
                            "topic": rng.choice(texts.DEMO_LESSONS), "class_name": "三年级2班",
                            "taught_on": day.isoformat(), "highlights": _text(rng, 80),
                            "shortcomings": _text(rng, 60), "next_time": _text(rng, 60)}
                    else:
                        other = rng.choice(members)
                        answers = {
                            "observed_on": day.isoformat(), "period": rng.randint(1, 7),
                            "class_name": f"{rng.choice('一二三四五六')}年级{rng.randint(1, 4)}班",
                            "subject": rng.choice(("语文", "数学", "英语", "科学")),
                            "teacher": other.name, "teacher_id": other.id,
                            "title": rng.choice(texts.DEMO_LESSONS), "lesson_type": "新授课",
                            "process": _text(rng, 120), "strength": _text(rng, 20),
                            "weakness": _text(rng, 20), "suggestion": _text(rng, 20)}
                    add(member.id, kind, answers, day)
            for _ in range(int(6 * pace)):
                day = rng.choice(school_days)
                add(member.id, "reading_note", {"book": rng.choice(texts.DEMO_BOOKS),
                                                "notes": _text(rng, rng.randint(500, 1500))},
                    day)
            for month_day in school_days[::11]:
                if rng.random() < pace * 0.8:
                    add(member.id, "story", {"title": rng.choice(texts.DEMO_LESSONS),
                                             "body": _text(rng, 400)}, month_day)
            if rng.random() < 0.7 and school_days:
                day = rng.choice(school_days)
                starts = datetime.combine(day, time(9, 55), zone)
                lessons.add_lesson(
                    session, teacher_id=member.id, semester_id=semester.id, kind="研讨课",
                    starts_at=starts, period="2", place="录播教室", class_name="四年级1班",
                    subject="语文", title=rng.choice(texts.DEMO_LESSONS),
                    booking_required=True, created_by=member.id, now=starts)
                made["lessons"] += 1
        return made

    return core.db.call(apply)
