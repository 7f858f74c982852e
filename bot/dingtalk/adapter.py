"""Run the Core on 钉钉: robot messages and card presses in, markdown and cards out.

Answers to the person who wrote go through the message's ``sessionWebhook`` (not metered)
while it is valid; everything else through the OpenAPI: ``oToMessages/batchSend`` for
private chats, ``groupMessages/send`` for groups, template cards for replies with buttons,
media upload for charts and archives.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session

from bot import texts as bot_texts
from bot.app import Postpone, build_runner, warm_up
from bot.config import DingTalkSpec
from bot.dingtalk import files, protocol
from bot.dingtalk.budget import Budget
from bot.dingtalk.openapi import (
    BATCH_USERS,
    CALLS_PER_SECOND,
    OpenApi,
    Throttled,
    new_track_id,
)
from bot.dingtalk.protocol import Frame, RobotMessage
from bot.dingtalk.render import split_bytes, title, to_markdown
from bot.dingtalk.stream import StreamClient
from handlers.dispatch import COMMANDS, Core
from handlers.render import esc
from handlers.roster import mobile_number
from handlers.types import Button, Chat, ChatKind, Incoming, Reply, private_chat
from handlers.wire import dump_reply
from scheduler.runner import Delivery, Record, Runner
from storage.repos import accounts, outbox, people
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)

START_PREFIX = "@start:"  # a deep-link button: its payload runs in the presser's private chat
THROTTLE_WAITS = (1.0, 2.0, 4.0)  # in-process waits before an outbox message is postponed
_WEBHOOK_MARGIN_MS = 60_000


@dataclass
class Target:
    """Where a reply goes, and the webhook that may answer there for free."""

    chat: Chat
    webhook: str = ""
    webhook_until_ms: int = 0
    answer: bool = False  # to someone who just wrote or pressed: never dropped


class DingTalkBridge:
    """Turns Stream frames into Incoming values for the Core and sends what it answers."""

    def __init__(self, core: Core, api: OpenApi, spec: DingTalkSpec, secret: str) -> None:
        """Serve ``core`` through ``api``; ``secret`` also signs card buttons."""
        self.core = core
        self.api = api
        self.budget = Budget(core, spec)
        api.on_call = self.budget.count
        self.spec = spec
        self.secret = secret
        self._looked_up: set[str] = set()  # userIds whose directory entry was read
        self._parts_sent: dict[str, int] = {}  # outbox key → parts already delivered
        self.throttle_waits = THROTTLE_WAITS
        # The newest sessionWebhook of each chat: valid for about 90 minutes, and free.
        self._webhooks: dict[str, Target] = {}
        self._relays: Runner | None = None

    # -- frames in ---------------------------------------------------------------------------

    async def on_frame(self, frame: Frame) -> Any:
        """Handle one callback frame; the result is its acknowledgement's response."""
        try:
            if frame.topic == protocol.CHATBOT_TOPIC:
                await self.on_message(frame.data)
                return None
            if frame.topic == protocol.CARD_TOPIC:
                return await self.on_card(frame)
            logger.info("frame on topic %s ignored", frame.topic)
            return None
        finally:
            await self.count_calls()

    async def count_calls(self) -> None:
        """Add the calls just made to the month's count; tell the admins at the threshold."""
        if not await self.budget.flush():
            return
        core = self.core
        admins = await core.db.run(lambda s: people.admin_accounts(s, school_id=core.school_id))
        users = [protocol.user_id(a) for a in admins if a.startswith(protocol.PREFIX)]
        text = bot_texts.DINGTALK_BUDGET.format(used=self.budget.used, budget=self.budget.limit,
                                                percent=self.budget.percent)
        param = {"title": title(text), "text": to_markdown(text)}
        for start in range(0, len(users), BATCH_USERS):  # one call for up to 20 admins
            await self.api.batch_send(users[start:start + BATCH_USERS], "sampleMarkdown", param)
            # (flow-controlled admins are told again by nobody: a warning, not a message)

    async def on_message(self, data: Any) -> None:
        """A message to the robot: in a private chat, or an @ in a group."""
        message = protocol.robot_message(data)
        if message is None:
            logger.info("message without a staff sender ignored (a robot or an outsider)")
            return
        if self.spec.corp_id and message.corp_id != self.spec.corp_id:
            logger.warning("message from another organisation %s ignored", message.corp_id)
            return
        target = Target(message.chat, message.session_webhook, message.webhook_expires_ms,
                        answer=True)
        if target.webhook:
            self._webhooks[message.chat.address] = replace(target, answer=False)
        notes = await self._identify(message)
        text = _normalise(message)
        if message.msgtype == "audio" and message.chat.is_private:
            notes.append(Reply(bot_texts.DINGTALK_VOICE.format(text=esc(text))
                               if text else bot_texts.DINGTALK_VOICE_EMPTY))
        incoming = await files.attach(self.core, self.api, data,
                                      protocol.to_incoming(message, text=text))
        replies = await self.core.handle(incoming)
        for reply in [*notes, *replies]:
            await self.deliver(reply, target)
        await self.relay()

    async def relay(self) -> None:
        """Send what the update queued for other people on 钉钉 (a failed send, and messages
        for people on another platform, go out with the tick)."""
        if not self.core.take_relays():
            return
        if self._relays is None:
            self._relays = build_runner(self.core, self.send_due)
        await self._relays.flush(chat_prefix=protocol.PREFIX)

    async def _identify(self, message: RobotMessage) -> list[Reply]:
        """Bind a first-time sender by their directory entry, once per process and person."""
        account = protocol.person(message.staff_id)
        if message.staff_id in self._looked_up:
            return []
        self._looked_up.add(message.staff_id)
        bound = await self.core.db.run(lambda s: people.get_by_account(s, account=account))
        if bound is not None:
            return []
        entry = await self.api.user(message.staff_id)
        if entry is None:
            return []
        core = self.core

        # A district (issue 17) names the schools the directory's departments belong to.
        schools = (core.directory_schools(entry.departments)
                   if hasattr(core, "directory_schools") else [core.school_id])

        def bind(session: Session) -> tuple[people.PersonRow | None, list[str]]:
            person = None
            for school_id in schools:
                person = people.bind_from_directory(
                    session, school_id=school_id, account=account,
                    job_number=entry.job_number, mobile=mobile_number(entry.mobile) or "",
                    name=entry.name, now=core.clock.now())
                if person is not None:
                    break
            if person is None:
                return None, []
            former = accounts.others(session, teacher_id=person.id)
            for old in former:  # bound on another platform: told there, where they look
                notice = Reply(bot_texts.DINGTALK_MOVED_NOTICE, chat=private_chat(old))
                outbox.enqueue(session, key=f"moved:{account}:{old}", kind=outbox.RELAY,
                               chat=old, due_at=core.clock.now(),
                               payload={"reply": dump_reply(notice), "exact": True})
            return person, former

        person, former = await core.db.run(bind)
        if person is None:
            return []
        logger.info("%s bound by the directory", account)
        text = bot_texts.DINGTALK_BOUND_TOO if former else bot_texts.DINGTALK_BOUND
        return [Reply(text.format(name=esc(person.name)), chat=private_chat(account))]

    async def on_card(self, frame: Frame) -> dict[str, Any]:
        """A press on a card button: the core's button data, checked like Telegram's."""
        press = protocol.card_press(frame.data, secret=self.secret)
        if press is None:
            logger.warning("forged or foreign card press refused: %.300s", frame.data)
            presser = str(frame.data.get("userId") or "") if isinstance(frame.data, dict) else ""
            return _card_update({}, presser, bot_texts.DINGTALK_FORGED)
        account = protocol.person(press.staff_id)
        if press.data.startswith(START_PREFIX):
            chat = private_chat(account)
            incoming = Incoming(account=account, chat=chat,
                                text=f"/start {press.data.removeprefix(START_PREFIX)}",
                                update_key=f"{protocol.PREFIX}{frame.message_id}")
        else:
            chat = (Chat(address=press.chat, kind=ChatKind.GROUP)
                    if protocol.is_group(press.chat) else private_chat(account))
            incoming = Incoming(account=account, chat=chat, button=press.data,
                                update_key=f"{protocol.PREFIX}{frame.message_id}")
        replies = await self.core.handle(incoming)
        notice = next((r.notice for r in replies if r.notice), None)
        notice = notice or bot_texts.DINGTALK_PRESSED.format(label=_label_of(press.data, replies))
        update: dict[str, str] = {}
        for reply in replies:
            if reply.edit and reply.chat is None and reply.attachment is None:
                update.update(self.card_params(reply, press.track_id, chat.address))
                continue
            if not reply.text.strip() and reply.attachment is None:
                continue  # a notice only: it is on the card
            await self.deliver(reply, Target(chat, answer=True))
        await self.relay()
        return _card_update(update, press.staff_id, notice)

    # -- replies out ---------------------------------------------------------------------------

    def card_params(self, reply: Reply, track_id: str, chat: str) -> dict[str, str]:
        """What a card shows for ``reply``: its markdown and its signed buttons."""
        buttons = []
        for row in reply.buttons:
            for button in row:
                buttons.append(self._button(button, track_id, chat))
        return {"title": title(reply.text), "markdown": to_markdown(reply.text),
                "buttons": json.dumps(buttons, ensure_ascii=False), "notice": ""}

    def _button(self, button: Button, track_id: str, chat: str) -> dict[str, str]:
        if button.url is not None:
            return {"label": button.label, "url": button.url}
        data = button.data if button.data is not None else f"{START_PREFIX}{button.start}"
        return {"label": button.label, "data": data, "chat": chat,
                "sig": protocol.sign(self.secret, track_id, chat, data)}

    async def deliver(self, reply: Reply, target: Target, *, key: str = "") -> bool:
        """Send one reply; False when its private chat cannot be reached.

        ``key`` names an outbox message: parts already sent are not sent again when the
        message is retried after throttling.
        """
        if not reply.text.strip() and reply.attachment is None:
            return True
        if reply.chat is not None and reply.chat.address != target.chat.address:
            target = Target(reply.chat)
        cached = self._webhooks.get(target.chat.address)
        if not target.webhook and cached is not None:
            target = replace(cached, answer=target.answer)
        steps = self._steps(reply)
        done = self._parts_sent.get(key, 0) if key else 0
        for index, step in enumerate(steps):
            if index < done:
                continue
            reached = await step(target)
            if not reached:
                if reply.fallback is not None:
                    return await self.deliver(reply.fallback, target)
                return False
            if key:
                self._parts_sent[key] = index + 1
        if key:
            self._parts_sent.pop(key, None)
        return True

    def _steps(self, reply: Reply) -> list[Any]:
        """The calls that make up ``reply``: markdown parts, a card, a file."""
        parts = split_bytes(to_markdown(reply.text)) if reply.text.strip() else []
        steps: list[Any] = []
        card_text = None
        if reply.buttons and parts and self.spec.card_template_id:
            card_text = parts.pop()
        head = title(reply.text)
        for part in parts:
            steps.append(lambda t, part=part: self._markdown(t, head, part))
        if card_text is not None:
            steps.append(lambda t: self._card(t, reply))
        if reply.attachment is not None:
            steps.append(lambda t: self._attachment(t, reply))
        return steps

    def _fresh(self, target: Target | None) -> bool:
        """Whether ``target`` has a sessionWebhook that is still valid for a while (by the
        core's clock: the school's time, which the tests and the bench move)."""
        now_ms = int(self.core.clock.now().timestamp() * 1000)
        return (target is not None and bool(target.webhook)
                and target.webhook_until_ms - _WEBHOOK_MARGIN_MS > now_ms)

    async def _markdown(self, target: Target, head: str, text: str) -> bool:
        payload = {"title": head, "text": text}
        if self._fresh(target) and await self.api.webhook(target.webhook, {"msgtype": "markdown",
                                                             "markdown": payload}):
            return True
        return await self._openapi_send(target.chat, "sampleMarkdown", payload)

    async def _openapi_send(self, chat: Chat, key: str, param: dict[str, Any]) -> bool:
        if protocol.is_group(chat.address):
            await self.api.group_send(protocol.conversation_id(chat.address), key, param)
            return True
        user = protocol.user_id(chat.address)
        result = await self.api.batch_send([user], key, param)
        if result.throttled:
            raise Throttled("batchSend", "flowControlled", "", staff=result.throttled)
        if user in result.invalid:
            logger.info("private chat %s unreachable (not in the visible range?)", user)
            return False
        return True

    async def _card(self, target: Target, reply: Reply) -> bool:
        chat = target.chat.address
        track = new_track_id()
        group = protocol.is_group(chat)
        space = protocol.conversation_id(chat) if group else protocol.user_id(chat)
        try:
            await self.api.card(template=self.spec.card_template_id, track_id=track,
                                params=self.card_params(reply, track, chat), chat=space,
                                group=group)
        except Throttled as exc:
            if not (exc.quota_spent and target.webhook and target.answer):
                raise
            # The month's calls are used up: the text still reaches the person who wrote,
            # through the free webhook, without its buttons.
            self.budget.spend_all()
            text = f"{reply.text}\n\n{bot_texts.DINGTALK_NO_BUTTONS}"
            return await self._markdown(target, title(reply.text), to_markdown(text))
        return True

    async def _attachment(self, target: Target, reply: Reply) -> bool:
        attachment = reply.attachment
        assert attachment is not None
        media = await self.api.upload(attachment.filename, attachment.content,
                                      image=attachment.is_photo)
        if attachment.is_photo:
            return await self._openapi_send(target.chat, "sampleImageMsg", {"photoURL": media})
        extension = attachment.filename.rsplit(".", 1)[-1].lower()
        return await self._openapi_send(target.chat, "sampleFile", {
            "mediaId": media, "fileName": attachment.filename, "fileType": extension})

    async def send_due(self, reply: Reply, item: OutboxItem) -> bool:
        """Send a reply rendered from the outbox; throttling waits, then postpones."""
        chat = reply.chat or private_chat(item.chat)
        if not chat.address.startswith(protocol.PREFIX):
            return False  # bound on another platform that this process does not run
        if chat.is_private and self.budget.spent:
            logger.warning("monthly 钉钉 budget spent: %s not sent to %s", item.kind,
                           chat.address)
            return False
        try:
            return await self._send_due(reply, item, chat)
        finally:
            await self.count_calls()

    async def send_batch(self, reply: Reply, items: list[OutboxItem], record: Record) -> None:
        """One plain text for several people (``build_runner`` groups them): a person whose
        chat has a fresh sessionWebhook gets it there (free); the others through batchSend,
        20 a call. Each item is recorded as soon as its call answered: a person 钉钉 lists
        as flow-controlled is tried again (in the process, then from the outbox), one it
        lists as invalid is unreachable, the rest are sent."""
        parts = split_bytes(to_markdown(reply.text))
        batched: list[OutboxItem] = []
        for item in items:
            chat = reply.chat or private_chat(item.chat)
            if (self.budget.spent or not chat.address.startswith(protocol.PREFIX)
                    or len(parts) > 1 or self._fresh(self._webhooks.get(chat.address))):
                await self._one_of_batch(reply, item, record)
            else:
                batched.append(item)
        param = {"title": title(reply.text), "text": parts[0]}
        for start in range(0, len(batched), BATCH_USERS):
            await self._batch(param, batched[start:start + BATCH_USERS], record)

    async def _one_of_batch(self, reply: Reply, item: OutboxItem, record: Record) -> None:
        try:
            reached = await self.send_due(reply, item)
        except Postpone as exc:
            await record(item, Delivery.RETRY, str(exc))
            return
        await record(item, Delivery.SENT if reached else Delivery.UNREACHABLE, "")

    async def _batch(self, param: dict[str, str], items: list[OutboxItem],
                     record: Record) -> None:
        waiting = {protocol.user_id(item.chat): item for item in items}
        try:
            for wait in (*self.throttle_waits, None):
                try:
                    result = await self.api.batch_send(list(waiting), "sampleMarkdown", param)
                except Throttled as exc:  # nothing of this call was delivered
                    if exc.quota_spent:
                        self.budget.spend_all()
                    if wait is None or exc.quota_spent:
                        break
                else:
                    for user in list(waiting):
                        if user not in result.throttled:
                            item = waiting.pop(user)
                            status = (Delivery.UNREACHABLE if user in result.invalid
                                      else Delivery.SENT)
                            await record(item, status, "")
                    if not waiting or wait is None:
                        break
                logger.info("钉钉 throttled %d of a batch; waiting %.0f s", len(waiting), wait)
                await asyncio.sleep(wait)
            for item in waiting.values():  # still throttled: from the outbox, later
                await record(item, Delivery.RETRY, "throttled")
        finally:
            await self.count_calls()

    async def _send_due(self, reply: Reply, item: OutboxItem, chat: Chat) -> bool:
        for wait in (*self.throttle_waits, None):
            try:
                return await self.deliver(reply, Target(chat), key=item.key)
            except Throttled as exc:
                if exc.quota_spent:
                    self.budget.spend_all()
                if wait is None or exc.quota_spent:
                    raise Postpone(str(exc)) from exc
                logger.info("钉钉 throttled %s; waiting %.0f s", item.key, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")


def _normalise(message: RobotMessage) -> str | None:
    """The text as the core reads it: without the @, and a group's bare word as a command."""
    text = message.text
    if text is None:
        return None
    text = text.strip()
    if message.chat.is_private or not text or text.startswith("/"):
        return text
    word, _, rest = text.partition(" ")
    command = bot_texts.DINGTALK_GROUP_WORDS.get(word)
    if command is None and word.lower() in COMMANDS:
        command = word.lower()
    return f"/{command} {rest}".strip() if command else text


def _label_of(data: str, replies: list[Reply]) -> str:
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if button.data == data:
                    return button.label
    return "✓"


def _card_update(shared: dict[str, str], presser: str, notice: str) -> dict[str, Any]:
    """A callback acknowledgement that changes the pressed card (no extra API call).

    ``shared`` is what everyone sees (an edit); the notice is the presser's own
    (``privateData``): in a group, the others do not see someone else's 已收到.
    """
    answer: dict[str, Any] = {"cardUpdateOptions": {"updateCardDataByKey": True,
                                                    "updatePrivateDataByKey": True}}
    if shared:
        answer["cardData"] = {"cardParamMap": shared}
    if presser:
        answer["privateData"] = {presser: {"cardParamMap": {"notice": to_markdown(notice)}}}
    return answer


class DingTalkService:
    """The adapter's parts as production wires them: API client, bridge, Stream client."""

    def __init__(self, core: Core, spec: DingTalkSpec, secret: str, *,
                 api: OpenApi | None = None) -> None:
        """Build the parts; nothing connects before ``run``."""
        self.core = core
        self.api = api or OpenApi(client_id=spec.client_id, client_secret=secret,
                                  robot_code=spec.robot_code or spec.client_id,
                                  openapi=spec.openapi_endpoint, oapi=spec.oapi_endpoint,
                                  calls_per_second=CALLS_PER_SECOND / spec.processes)
        self.bridge = DingTalkBridge(core, self.api, spec, secret)
        self.stream = StreamClient(self.api, self.bridge.on_frame)

    def runner(self) -> Runner:
        """The reminder tick, delivering through this adapter."""
        return build_runner(self.core, self.bridge.send_due,
                            {protocol.PREFIX: self.bridge.send_batch})

    async def run(self, *, schedule: bool = True) -> None:
        """Run until cancelled: the Stream connection, and the reminder tick when ``schedule``.

        Raises ``WrongCredentials`` at start when 钉钉 refuses the app's AppKey or AppSecret.
        """
        runner = None
        try:
            await self.api.token()
            runner = self.runner() if schedule else None
            if runner is not None:
                runner.start()
            await self.stream.run()
        finally:
            if runner is not None:
                runner.stop()
            await self.stream.stop()
            await self.api.close()


async def serve(core: Core, spec: DingTalkSpec, secret: str, *, schedule: bool = True) -> None:
    """Run on 钉钉 until cancelled (see ``DingTalkService.run``)."""
    await DingTalkService(core, spec, secret).run(schedule=schedule)


def run_dingtalk(core: Core, *, spec: DingTalkSpec, secret: str) -> None:
    """Run on 钉钉 until interrupted."""
    warm_up(core)
    asyncio.run(serve(core, spec, secret))
