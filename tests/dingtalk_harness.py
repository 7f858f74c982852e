"""Drive the real 钉钉 adapter against the fake 钉钉, as people on 钉钉 would."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.config import DingTalkSpec
from bot.dingtalk.adapter import DingTalkService
from handlers.dispatch import Core
from scheduler.runner import Runner
from tests.fake_dingtalk import Card, FakeDingTalk, Sent, Staff

_ESCAPE = re.compile(r"\\(.)")
_MARKUP = re.compile(r"(?<!\\)(\*\*|\*|`)")

# People of the demo school (examples/roster.csv) in the fake directory: 工号 as job_number.
WANG = Staff("u2001", "王芳", "13800002001", "2001")
LIU = Staff("u2002", "刘洋", "13800002002", "2002")
SUN = Staff("u2003", "孙丽", "13800002003", "2003")
ZHOU = Staff("u2004", "周静", "13800002004", "2004")
CHEN = Staff("u1002", "陈主任", "13800001002", "1002")
LI = Staff("u1001", "李校长", "13800001001", "1001")
STRANGER = Staff("u7001", "小明", "13800007001", "")
GROUP = "cidYuwenGroup=="


def shown(markdown: str) -> str:
    """What a person reads: markup, escapes and line-break spaces removed."""
    return _ESCAPE.sub(r"\1", _MARKUP.sub("", markdown.replace("  \n", "\n")))


def spec_for(fake: FakeDingTalk, **overrides: Any) -> DingTalkSpec:
    """The [dingtalk] section pointing at the fake."""
    values: dict[str, Any] = {
        "client_id": fake.client_id, "robot_code": fake.client_id, "corp_id": fake.corp_id,
        "card_template_id": fake.template, "openapi_endpoint": fake.url,
        "oapi_endpoint": fake.url}
    values.update(overrides)
    return DingTalkSpec(**values)


@dataclass(frozen=True)
class Line:
    """A roster line made in code (``people.RosterLine``)."""

    name: str
    groups: tuple[str, ...]
    role: str
    subject: str
    staff_no: str | None


@dataclass
class DingTalk:
    """The adapter running against the fake; ``say`` and ``press`` wait for the ack."""

    fake: FakeDingTalk
    core: Core
    task: asyncio.Task[None]
    service: DingTalkService
    runner: Runner

    async def say(self, staff: Staff, text: str, *, group: str | None = None,
                  **kwargs: Any) -> list[Sent]:
        """``staff`` writes ``text`` (in ``group``: @研修助手 text); what they got back."""
        to = group or staff.user_id
        before = len(self.fake.seen(to))
        ack = await self.fake.push(self.fake.chatbot(staff, text=text, group=group, **kwargs))
        assert ack["code"] == 200, ack
        return self.fake.seen(to)[before:]

    async def send(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Push any frame; its acknowledgement."""
        return await self.fake.push(frame)

    async def press(self, staff: Staff, card: Card, label: str, **kwargs: Any) -> dict[str, Any]:
        """``staff`` presses ``label`` on ``card``; the acknowledgement's response."""
        ack = await self.fake.push_press(self.fake.press(staff, card, label, **kwargs))
        assert ack["code"] == 200, ack
        return ack

    def texts(self, to: str) -> list[str]:
        """What ``to`` has read so far, plain."""
        return [shown(text) for text in self.fake.texts(to)]

    async def bind(self, staff: Staff) -> list[Sent]:
        """``staff`` writes for the first time and is bound by the directory."""
        self.fake.directory[staff.user_id] = staff
        return await self.say(staff, "/start")


@contextlib.asynccontextmanager
async def running(core: Core, fake: FakeDingTalk, *, schedule: bool = False,
                  **overrides: Any) -> AsyncIterator[DingTalk]:
    """The adapter's ``serve`` as in production, connected to ``fake``."""
    # sessionWebhooks expire by the school's clock, which the tests move, as the adapter's do.
    fake.clock = lambda: core.clock.now().timestamp()
    service = DingTalkService(core, spec_for(fake, **overrides), fake.client_secret)
    task = asyncio.create_task(service.run(schedule=schedule))
    await fake.wait_connected()
    try:
        yield DingTalk(fake, core, task, service, service.runner())
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
