"""A plausible semester for the demo school: sessions, attendance and leave, records, 公开课.

For the sandbox and for trying exports; never for a real school's database. Deterministic
(a fixed random seed), so the same command gives the same semester. Content comes from
``bot/demo.toml`` by subject: a 教研组's sessions are on its subject's themes (what was done,
discussed and decided fitting the theme), and each teacher writes about their own subject's
lessons and observes colleagues' ones. Every quota kind gets records at a pace of its own
per teacher, as far into the semester as today.
"""

from __future__ import annotations

import functools
import random
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot import texts
from handlers.dispatch import Core
from handlers.features.sessions import minutes_checklist
from handlers.forms.engine import body_chars
from handlers.reminders import SessionPlanner
from storage.repos import archive, audit, groups, lessons, meetings, pauses, records, school
from storage.repos.groups import MemberRow

SEED = 2026
CONTENT = Path(__file__).with_name("demo.toml")
FALLBACK_SUBJECT = "语文"
DEMO_ACTION = "demo_seed"  # the audit entry that says a school has demo data


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)
            if (start + timedelta(days=i)).weekday() < 5]


class _Term:
    """The content, the random source and who teaches what."""

    def __init__(self, rng: random.Random, subjects: dict[int, str]) -> None:
        self.rng = rng
        self.data: dict[str, Any] = tomllib.loads(CONTENT.read_text(encoding="utf-8"))
        self.subjects = subjects

    def subject(self, teacher_id: int) -> dict[str, Any]:
        """The content of a teacher's subject (科学 for subjects without their own)."""
        name = self.subjects.get(teacher_id, FALLBACK_SUBJECT)
        pools = self.data["subjects"]
        return pools.get(name) or pools["科学"]

    def pick(self, pool: list[str], count: int = 1) -> str:
        """``count`` different sentences of ``pool``, joined."""
        return "".join(self.rng.sample(pool, min(count, len(pool))))

    def group_subject(self, members: list[MemberRow], group: str) -> dict[str, Any]:
        """The content of a group's subject: the most common one among its members."""
        found = Counter(self.subjects.get(m.id, FALLBACK_SUBJECT) for m in members
                        if group in m.groups and "sessions" in self.data["subjects"].get(
                            self.subjects.get(m.id, ""), {}))
        name = found.most_common(1)[0][0] if found else "科学"  # 综合组: 科学, 体育, 音乐 …
        return self.data["subjects"][name]


@dataclass(frozen=True)
class Seeded:
    """What ``seed_demo`` did for one school: ``counts`` of what it made, or None when the
    school had demo data already (made at ``before``)."""

    school: str
    counts: dict[str, int] | None
    before: datetime | None = None


def seed_demo(core: Core) -> list[Seeded]:
    """Fill every school of the deployment (a district's 中心校 and 村小, or the one school)
    with a demo semester up to today, each with its own random seed; a school that has
    demo data already is left alone. The demo's school has used the bot since its
    semester's first day (kept as its first roster import): pace and 考勤 count from it."""
    return [core.db.call(functools.partial(_seed_school, one, SEED + index))
            for index, one in enumerate(getattr(core, "cores", [core]))]


def _seed_school(core: Core, seed: int, session: Session) -> Seeded:
    name = core.settings.school.name
    before = audit.first(session, school_id=core.school_id, action=DEMO_ACTION)
    if before is not None:
        return Seeded(name, None, before)
    counts = _fill(session, core, random.Random(seed))
    now = core.clock.now()
    audit.audit(session, school_id=core.school_id, actor_id=None, action=DEMO_ACTION,
                detail=texts.DEMO_AUDIT.format(**counts), now=now)
    semester = school.current_semester(session, school_id=core.school_id,
                                       today=now.astimezone(core.settings.zone).date())
    if semester is not None:
        audit.audit(session, school_id=core.school_id, actor_id=None, action=school.ROSTER_IMPORT,
                    detail=texts.DEMO_FIRST_DAY, now=datetime.combine(
                        semester.start, time(8, 0), core.settings.zone))
    return Seeded(name, counts)


def seed_semester(core: Core) -> dict[str, int]:
    """Fill the current semester up to today; returns how many of each thing were made."""
    return core.db.call(functools.partial(_fill, core=core, rng=random.Random(SEED)))


def _fill(session: Session, core: Core, rng: random.Random) -> dict[str, int]:
    """One school's semester up to today, in the caller's transaction."""
    now = core.clock.now()
    settings = core.settings
    zone = settings.zone
    today = now.astimezone(zone).date()
    semester = school.current_semester(session, school_id=core.school_id, today=today)
    if semester is None:
        return {"records": 0, "sessions": 0, "lessons": 0}
    SessionPlanner(settings, core.school_id)(session, now)
    end = min(today, semester.end)
    school_days = [d for d in _days(semester.start, end)
                   if settings.school_calendar.is_school_day(d)]
    all_days = [d for d in _days(semester.start, semester.end)
                if settings.school_calendar.is_school_day(d)]
    share = len(school_days) / max(1, len(all_days))  # how far into the term today is
    members = groups.members(session, school_id=core.school_id)
    staff = archive.staff_of(session, teacher_ids=[m.id for m in members])
    term = _Term(rng, {teacher: subject for teacher, (_, subject) in staff.items()})
    ids = school.group_ids(session, school_id=core.school_id)
    admins = [m for m in members if m.role == "admin"]
    made = {"records": 0, "sessions": 0, "lessons": 0}

    def add(teacher_id: int, kind: str, answers: dict[str, object], day: date,
            link: tuple[str, int] | None = None) -> None:
        spec = settings.catalog.get(kind)
        assert spec is not None
        made["records"] += 1
        records.add_record(
            session, teacher_id=teacher_id, semester_id=semester.id, kind=kind,
            title=str(answers.get(spec.title_field or "", "")), answers=answers,
            chars=body_chars(spec, answers), occurred_on=day,
            now=datetime.combine(day, time(17, 0), zone), link=link)

    _sessions(session, term, semester.start, end, now, members, admins, ids, add, made)
    classes = {m.id: rng.choice(term.data["classes"]) for m in members}
    for member in members:
        pace = rng.uniform(0.55, 1.1)
        _records(term, member, members, classes, school_days, share * pace, add)
        if rng.random() < 0.7 and school_days:
            _open_lesson(session, term, member, members, classes, school_days, semester.id,
                         zone, add)
            made["lessons"] += 1
    away = next((m for m in members if m.role == "teacher"), None)
    if away is not None and len(school_days) > 40:
        _pause(session, away.id, school_days[30], school_days[34],
               term.data["pause_reason"], now)
    return made


def _pause(session: Session, teacher_id: int, start: date, end: date, reason: str,
           now: datetime) -> None:
    """A week away, approved by 教导处: leave on the sessions it covered (as /pause asks)."""
    zone = now.tzinfo
    pause_id = pauses.add_pause(session, teacher_id=teacher_id, start=start, end=end,
                                reason=reason, status=pauses.APPROVED, now=now)
    covered = pauses.covered(session, teacher_id=teacher_id,
                             start=datetime.combine(start, time(0, 0), zone),
                             end=datetime.combine(end + timedelta(days=1), time(0, 0), zone))
    pauses.ask_leave(session, pause_id=pause_id, teacher_id=teacher_id,
                     meeting_ids=[c.meeting_id for c in covered if c.status != meetings.PRESENT],
                     reason=reason, status=meetings.LEAVE, now=now)


def _sessions(session: Session, term: _Term, start: date, end: date, now: datetime,
              members: list[MemberRow], admins: list[MemberRow], ids: dict[str, int],
              add: Any, made: dict[str, int]) -> None:
    """Each held session: a theme of its group's subject, attendance with leave asked and
    decided, and the leader's minutes."""
    rng, zone = term.rng, now.tzinfo
    # Leave is decided by 教导处: an admin who is in a group (the 教导主任), else any.
    decider = next((a for a in admins if a.groups), admins[0] if admins else None)
    used: dict[str, int] = {}
    for meeting in meetings.list_meetings(session, group_ids=list(ids.values()), start=start,
                                          end=end):
        if not meeting.held or meeting.starts_at is None or meeting.starts_at > now:
            continue
        made["sessions"] += 1
        content = term.group_subject(members, meeting.group)
        themes = content["sessions"]
        theme = themes[used.get(meeting.group, 0) % len(themes)]
        used[meeting.group] = used.get(meeting.group, 0) + 1
        inside = [m for m in members if meeting.group in m.groups]
        leader = next((m for m in inside if meeting.group in m.leads), None)
        meetings.update_meeting(session, meeting_id=meeting.id, topic=theme["topic"],
                                host=leader.name if leader else "", status="announced",
                                form=rng.choice(term.data["forms"]), content=theme["process"],
                                announced_at=meeting.starts_at - timedelta(days=1))
        for member in inside:
            roll = 0.0 if member is leader else rng.random()  # the leader hosts: present
            asked = meeting.starts_at - timedelta(hours=rng.randint(5, 30))
            if roll < 0.86:
                meetings.set_attendance(session, meeting_id=meeting.id, teacher_id=member.id,
                                        status="present", now=meeting.starts_at)
            elif roll < 0.95:
                meetings.set_attendance(
                    session, meeting_id=meeting.id, teacher_id=member.id, status="leave",
                    now=asked + timedelta(hours=rng.randint(1, 4)),
                    reason=rng.choice(term.data["leave_reasons"]),
                    decided_by=decider.id if decider else None)
            elif roll < 0.97:
                meetings.set_attendance(
                    session, meeting_id=meeting.id, teacher_id=member.id,
                    status="leave_refused", now=asked + timedelta(hours=2),
                    reason=rng.choice(term.data["refused_reasons"]),
                    decided_by=decider.id if decider else None)
            else:
                meetings.set_attendance(session, meeting_id=meeting.id, teacher_id=member.id,
                                        status="absent", now=meeting.starts_at)
        if leader is not None:
            day = meeting.starts_at.astimezone(zone).date()
            add(leader.id, "minutes", {
                "topic": theme["topic"], "held_on": day.isoformat(), "place": meeting.place,
                "attendees": minutes_checklist(meeting.id, meetings.members(
                    session, group_id=meeting.group_id, meeting_id=meeting.id)),
                "host": leader.name,
                "discussion": theme["discussion"], "conclusions": theme["conclusions"]},
                day, ("meeting", meeting.id))


def _spread(rng: random.Random, days: list[date], count: int) -> list[date]:
    return sorted(rng.sample(days, min(count, len(days)))) if count > 0 else []


def _records(term: _Term, member: MemberRow, members: list[MemberRow],
             classes: dict[int, str], days: list[date], share: float, add: Any) -> None:
    """One teacher's records: each quota kind at about ``share`` of its semester target."""
    rng, data = term.rng, term.data
    own = term.subject(member.id)
    for day in _spread(rng, days, round(20 * share)):
        add(member.id, "reflection", {
            "topic": rng.choice(own["lessons"]), "class_name": classes[member.id],
            "taught_on": day.isoformat(), "highlights": term.pick(own["reflect"], 2),
            "shortcomings": term.pick(own["weak"], 2), "next_time": term.pick(own["next"], 2)},
            day)
    colleagues = [m for m in members if m.id != member.id
                  and set(m.groups) & set(member.groups)] or [
        m for m in members if m.id != member.id]
    for day in _spread(rng, days, round(30 * share)):
        other = rng.choice(colleagues)
        theirs = term.subject(other.id)
        add(member.id, "observation", {
            "observed_on": day.isoformat(), "period": rng.randint(1, 7),
            "class_name": classes[other.id], "subject": term.subjects.get(other.id, ""),
            "teacher": other.name, "teacher_id": other.id,
            "title": rng.choice(theirs["lessons"]), "lesson_type": rng.choice(
                data["lesson_types"]), "process": "".join(theirs["process"]),
            "strength": term.pick(theirs["reflect"]), "weakness": term.pick(theirs["weak"]),
            "suggestion": term.pick(theirs["next"])}, day)
    for day in _spread(rng, days, round(15 * share)):  # about 450 字 each, 7000 a term
        add(member.id, "reading_note", {"book": rng.choice(data["books"]),
                                        "notes": term.pick(data["reading"], 8)}, day)
    months = sorted({(d.year, d.month) for d in days})
    for year, month in months:
        in_month = [d for d in days if (d.year, d.month) == (year, month)]
        for day in _spread(rng, in_month, rng.choice((0, 1, 2, 2, 3))):
            title, opening = rng.choice(data["stories"])
            add(member.id, "story", {"title": title, "body": opening + data["story_tail"]
                                     + term.pick(own["reflect"], 2)
                                     + term.pick(data["reading"], 1)}, day)
        if rng.random() < 0.8:
            book = rng.choice(data["books"])
            add(member.id, "book_review", {"book": book, "body": term.pick(data["reading"], 6)},
                rng.choice(in_month))
    if days and rng.random() < share:
        add(member.id, "insight", {"title": rng.choice(data["insights"]),
                                   "body": term.pick(own["reflect"], 2) + term.pick(
                                       data["reading"], 2)}, rng.choice(days))
    for day in _spread(rng, days, round(12 * share)):  # about 400 字 each, 5000 a term
        add(member.id, "standard_excerpt", {"source": "义务教育课程方案和课程标准（2022年版）",
                                            "excerpt": term.pick(data["excerpts"], 8)}, day)
    if days and rng.random() < share * 0.6:
        add(member.id, "paper", {"title": rng.choice(data["papers"]),
                                 "body": term.pick(data["reading"], 6)}, days[-1])
    if days and rng.random() < share * 0.5:
        day = rng.choice(days)
        add(member.id, "speech", {"title": rng.choice(data["speeches"]),
                                  "given_on": day.isoformat(), "occasion": "教师读书分享会",
                                  "summary": term.pick(data["reading"], 2)}, day)


def _open_lesson(session: Session, term: _Term, member: MemberRow, members: list[MemberRow],
                 classes: dict[int, str], days: list[date], semester_id: int, zone: Any,
                 add: Any) -> None:
    """A 公开课 of the teacher's subject, booked by colleagues, who write their 听课记录."""
    rng = term.rng
    own = term.subject(member.id)
    day = rng.choice(days)
    starts = datetime.combine(day, time(9, 55), zone)
    title = rng.choice(own["lessons"])
    subject = term.subjects.get(member.id, FALLBACK_SUBJECT)
    lesson_id = lessons.add_lesson(
        session, teacher_id=member.id, semester_id=semester_id,
        kind=rng.choice(("研讨课", "研讨课", "示范课", "汇报课")), starts_at=starts, period="2",
        place="录播教室", class_name=classes[member.id], subject=subject, title=title,
        booking_required=True, created_by=member.id, now=starts - timedelta(days=7))
    lessons.set_design_note(session, lesson_id=lesson_id, note=own["open_note"])
    colleagues = [m for m in members if m.id != member.id and set(m.groups) & set(member.groups)]
    for observer in rng.sample(colleagues, min(len(colleagues), rng.randint(2, 4))):
        lessons.book(session, lesson_id=lesson_id, teacher_id=observer.id,
                     now=starts - timedelta(days=rng.randint(1, 5)))
        add(observer.id, "observation", {
            "observed_on": day.isoformat(), "period": 2, "class_name": classes[member.id],
            "subject": subject, "teacher": member.name, "teacher_id": member.id,
            "title": title, "lesson_type": "新授课", "process": "".join(own["process"]),
            "strength": term.pick(own["reflect"]), "weakness": term.pick(own["weak"]),
            "suggestion": term.pick(own["next"])}, day, ("lesson", lesson_id))
