# ruff: noqa: T201 - the bench reports on the terminal
"""Metered 钉钉 calls of a 60-teacher school in a typical week and month.

``.venv/bin/python -m bench.dingtalk_calls [--weeks 4]``. The real adapter (``serve``'s
parts: token, Stream websocket, OpenAPI client, cards, media upload) runs against the fake
钉钉 of the tests, which counts every call. The school: the demo config's four 教研组 with
15 teachers each (the first of each leads), two admins, everyone in the directory with their
工号. Each week, on the school's calendar with the reminder tick every 10 minutes: every
teacher answers 参加 on the group's reminder card, hands in one 教学反思 through the form
(every step answered, 提交 pressed) and looks at /me once; each leader asks /progress in the
group (a chart) once; one teacher gives a 公开课 on Thursday that the other 14 of the group
booked (the reminder before it, identical for all, goes out in one batchSend; the request for
a 听课记录 after it is a card each). The first week also holds everyone's first message (the
directory look-up) and the linking of the four groups. Answers to a message go through the
sessionWebhook and are not metered; they are counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bench.common import ZONE, load_config
from bot.app import build_core, build_runner
from bot.dingtalk.adapter import DingTalkService
from scheduler.clock import ManualClock
from storage.repos import lessons, people, school
from tests.dingtalk_harness import Line, shown, spec_for
from tests.fake_dingtalk import FakeDingTalk, Staff

START = datetime(2026, 11, 30, 7, 0, tzinfo=ZONE)  # a Monday of the demo semester
PER_GROUP = 15
FREE = ("sessionWebhook", "/v1.0/gateway/connections/open")
ANSWER = "学生在小组讨论中表现积极，提问设计层层递进，板书清楚，课堂气氛活跃，达成了教学目标。"


class School:
    """The fake 钉钉, the adapter and the people of a 60-teacher school."""

    def __init__(self, fake: FakeDingTalk, service: DingTalkService, clock: ManualClock,
                 staff: dict[str, list[Staff]], admins: list[Staff]) -> None:
        """Keep the parts."""
        self.fake, self.service, self.clock = fake, service, clock
        self.staff, self.admins = staff, admins
        self.runner = service.runner()

    async def say(self, who: Staff, text: str, group: str | None = None) -> None:
        """``who`` writes ``text`` (in a group: @研修助手 text) and waits for the ack."""
        await self.fake.push(self.fake.chatbot(who, text=text, group=group))

    async def press(self, who: Staff, to: str, label: str) -> None:
        """``who`` presses ``label`` on the newest card in ``to``."""
        card = self.fake.last_card(to)
        await self.fake.push_press(self.fake.press(who, card, label))

    async def reflect(self, who: Staff) -> None:
        """Fill in a whole 教学反思, answering what each step asks."""
        await self.say(who, "/reflect")
        for _ in range(30):
            last = self.fake.seen(who.user_id)[-1]
            card = self.fake.cards.get(last.track) if last.kind == "card" else None
            labels = card.labels if card else []
            if "提交" in labels:
                await self.press(who, who.user_id, "提交")
                return
            if "完成" in labels:
                await self.press(who, who.user_id, "完成")
            elif labels and "/skip" not in shown(card.text if card else ""):
                await self.press(who, who.user_id, labels[0])
            else:
                text = shown(last.text if card is None else card.text)
                await self.say(who, "今天" if "哪天" in text else ANSWER)
        raise AssertionError("the form did not end")

    async def until(self, moment: datetime) -> None:
        """Tick every 10 minutes until ``moment``."""
        while self.clock.now() < moment:
            self.clock.advance(timedelta(minutes=10))
            await self.runner.tick()

    def open_lesson(self, monday: datetime, number: int) -> None:
        """This week's 公开课: Thursday 10:00, by the first teacher after the leader of one
        group (in turn), booked by the rest of the group."""
        members = list(self.staff.values())[number % len(self.staff)]
        core = self.service.core
        at = monday + timedelta(days=3, hours=3)  # Thursday 10:00

        def apply(session: Session) -> None:
            by_account = {f"dt:{s.user_id}": s for s in members}
            bound = {account: people.get_by_account(session, account=account)
                     for account in by_account}
            giver = bound[f"dt:{members[1].user_id}"]
            semester = school.current_semester(session, school_id=core.school_id,
                                               today=at.date())
            assert giver is not None
            assert semester is not None
            lesson = lessons.add_lesson(
                session, teacher_id=giver.id, semester_id=semester.id, kind="研讨课",
                starts_at=at, period="2", place="301", class_name="三年级2班",
                subject=giver.subject, title=f"第{number + 1}周研讨课", booking_required=True,
                created_by=giver.id, now=self.clock.now())
            for person in bound.values():
                if person is not None and person.id != giver.id:
                    lessons.book(session, lesson_id=lesson, teacher_id=person.id,
                                 now=self.clock.now())

        core.db.call(apply)

    async def week(self, first: bool, number: int = 0) -> None:
        """One school week, Monday to Monday."""
        monday = self.clock.now()
        everyone = [s for group in self.staff.values() for s in group] + self.admins
        if first:
            for person in everyone:
                await self.say(person, "/start")
            for group in self.staff:
                await self.say(self.admins[0], f"/link {group}", group=f"cid-{group}")
        for day in range(7):
            await self.until(monday + timedelta(days=day, hours=12))
            for group, members in self.staff.items():
                conversation = f"cid-{group}"
                labels = (self.fake.last_card(conversation).labels
                          if any(s.kind == "card" for s in self.fake.seen(conversation))
                          else [])
                if "参加" in labels and day in (0, 1, 2, 3):
                    for member in members:
                        await self.press(member, conversation, "参加")
            if day == 1:
                self.open_lesson(monday, number)
            if day == 3:
                for group, members in self.staff.items():
                    for member in members:
                        await self.reflect(member)
                        await self.say(member, "/me")
                    await self.say(members[0], "/progress", group=f"cid-{group}")
        await self.until(monday + timedelta(days=7))


async def measure(weeks: int, *, batch: bool = True) -> list[Counter[str]]:
    """The calls of each week, by endpoint (``batch``: identical texts in batchSend)."""
    clock = ManualClock(START)
    # sessionWebhooks expire 90 minutes of school time after the message that gave them.
    fake = FakeDingTalk(clock=lambda: clock.now().timestamp()).start()
    config = load_config()
    with tempfile.TemporaryDirectory() as folder:
        core = build_core(config, database_url=f"sqlite:///{Path(folder) / 'b.db'}",
                          clock=clock)
        groups = [group.name for group in config.groups]
        lines, staff, number = [], {g: [] for g in groups}, 3000
        for group in groups:
            for index in range(PER_GROUP):
                number += 1
                person = Staff(f"u{number}", f"{group[:1]}老师{index:02d}", "", str(number))
                staff[group].append(person)
                lines.append(Line(person.name, (group,), "leader" if index == 0 else "teacher",
                                   group[:-1], person.job_number))
        admins = [Staff("u1", "教导主任", "", "1"), Staff("u2", "校长", "", "2")]
        lines += [Line(a.name, (), "admin", "", a.job_number) for a in admins]
        ids = core.db.call(lambda s: school.group_ids(s, school_id=core.school_id))
        core.db.call(lambda s: people.import_roster(s, school_id=core.school_id, lines=lines,
                                                    group_ids=ids, now=clock.now()))
        for person in [*admins, *(p for g in staff.values() for p in g)]:
            fake.directory[person.user_id] = person
        for group in groups:
            fake.groups.add(f"cid-{group}")
        service = DingTalkService(core, spec_for(fake), fake.client_secret)
        task = asyncio.create_task(service.run(schedule=False))
        await fake.wait_connected()
        bench = School(fake, service, clock, staff, admins)
        if not batch:
            bench.runner = build_runner(core, service.bridge.send_due)
        results = []
        try:
            for week in range(weeks):
                before = Counter(fake.calls)
                await bench.week(first=week == 0, number=week)
                results.append(Counter(fake.calls) - before)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            core.db.close()
            fake.stop()
    return results


def main() -> None:
    """Print the calls per week and for the weeks together."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--no-batch", action="store_true",
                        help="send identical texts one person a call (to compare)")
    args = parser.parse_args()
    weeks = asyncio.run(measure(args.weeks, batch=not args.no_batch))
    total: Counter[str] = Counter()
    for index, week in enumerate(weeks, 1):
        total += week
        metered = sum(n for path, n in week.items() if path not in FREE)
        print(f"week {index}: {metered} metered calls; free answers {week['sessionWebhook']}")
        for path, count in sorted(week.items(), key=lambda kv: -kv[1]):
            print(f"    {count:6d}  {path}")
    metered = sum(n for path, n in total.items() if path not in FREE)
    print(f"{len(weeks)} weeks: {metered} metered calls")


if __name__ == "__main__":
    main()
