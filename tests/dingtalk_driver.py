"""A ``tests.drivers.Driver`` whose people write and press on 钉钉, through the real adapter.

Tests written against ``Driver`` (the permission table) run unchanged here: ``send`` makes
the fake 钉钉 push a robot message or a card press over the real websocket, waits for its
acknowledgement, and turns what people then saw on 钉钉 back into ``Reply`` values. Where
the platforms differ, this says so:

- **Groups**: a message reaches the robot only with an @ (the fake sends it as an @).
- **Buttons**: on 钉钉 a press carries the button's data, its chat and a signature over the
  card, the chat and the data. Forged data cannot reach the core unsigned (tests of the
  refusal are in tests/e2e/test_dingtalk_permissions.py). So that the core's own checks
  are exercised too, ``send(button=…)`` presses a card *as if it had been delivered* with
  that button to the chat the press comes from (the presser's private chat, or the group):
  signed with the app secret, exactly what a card of the bot would carry.
- **Toasts**: 钉钉 has none. A press is answered on the pressed card (its ``notice`` line,
  the presser's own); that line is the ``notice`` of every reply the press caused.
- **Edits**: an edit is the pressed card's new text and buttons (``cardData`` in the
  acknowledgement), returned as an ``edit`` reply.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from bot.dingtalk import protocol
from bot.dingtalk.adapter import START_PREFIX
from bot.dingtalk.openapi import new_track_id
from handlers.types import Button, Chat, ChatKind, Reply
from tests.dingtalk_harness import DingTalk, shown
from tests.drivers import Driver
from tests.fake_dingtalk import Sent, Staff


def staff_of(name: str) -> Staff:
    """The (stable) 钉钉 userId used for ``name`` in these tests."""
    return Staff(f"u{zlib.crc32(name.encode()):08x}", name)


def buttons_of(params: dict[str, str]) -> tuple[tuple[Button, ...], ...]:
    """A card's buttons as the core's ``Button`` values (a deep link as ``start``)."""
    found = []
    for item in json.loads(params.get("buttons") or "[]"):
        if "url" in item:
            found.append(Button(item["label"], url=item["url"]))
        elif str(item["data"]).startswith(START_PREFIX):
            found.append(Button(item["label"], start=item["data"].removeprefix(START_PREFIX)))
        else:
            found.append(Button(item["label"], data=item["data"]))
    return (tuple(found),) if found else ()


@dataclass
class DingTalkDriver(Driver):
    """``Driver`` on 钉钉: accounts ``dt:<userId>``, groups ``dt:group:<cid>``."""

    dt: DingTalk | None = None
    presses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def _dt(self) -> DingTalk:
        assert self.dt is not None, "the adapter is not running"
        return self.dt

    def account(self, name: str) -> str:
        return protocol.person(staff_of(name).user_id)

    def group(self, name: str) -> Chat:
        return self.group_chat(f"cid{zlib.crc32(name.encode()):08x}==", name)

    def group_chat(self, conversation: str, title: str) -> Chat:
        """A 钉钉 group the robot is in (the fake accepts group sends to it)."""
        self._dt.fake.groups.add(conversation)
        return Chat(address=protocol.group(conversation), kind=ChatKind.GROUP, title=title)

    async def send(self, name: str, text: str | None = None, *, chat: Chat | None = None,
                   button: str | None = None, other: str | None = None,
                   key: str | None = None) -> list[Reply]:
        assert other is None, "other message kinds: see tests/e2e/test_dingtalk.py"
        assert key is None, "钉钉 keys an update by its msgId"
        person = staff_of(name)
        # In the organisation's directory (so private messages reach them), with no 工号:
        # the table's people are bound by code, and its strangers match no roster name.
        self._dt.fake.directory.setdefault(person.user_id, person)
        where = chat.address if chat is not None else self.account(name)
        group = protocol.conversation_id(where) if protocol.is_group(where) else None
        before = len(self._dt.fake.sent)
        if button is None:
            await self._dt.say(person, text or "", group=group)
            return self._seen(before, where)
        press = self.signed_press(person, button, chat=where)
        ack = await self._dt.send(press)
        assert ack["code"] == 200, ack
        response = json.loads(ack["data"])["response"]
        self.presses.append(response)
        return self._pressed(response, person, before, where)

    def signed_press(self, person: Staff, data: str, *, chat: str,
                     track: str | None = None) -> dict[str, Any]:
        """The callback of a press on a card of the bot with button ``data`` in ``chat``."""
        track = track or new_track_id()
        secret = self._dt.fake.client_secret
        params = {"data": data, "chat": chat,
                  "sig": protocol.sign(secret, track, chat, data)}
        return self.press_frame(person, track, chat, params)

    def press_frame(self, person: Staff, track: str, chat: str,
                    params: dict[str, str]) -> dict[str, Any]:
        """A card callback frame as 钉钉 sends it, with the button's ``params``."""
        fake = self._dt.fake
        group = protocol.is_group(chat)
        return fake.frame(protocol.CARD_TOPIC, {
            "extension": "{}", "corpId": fake.corp_id, "type": "actionCallback",
            "userId": person.user_id, "userIdType": 1, "outTrackId": track,
            "spaceType": "IM_GROUP" if group else "IM_ROBOT",
            "spaceId": protocol.conversation_id(chat) if group else person.user_id,
            "content": json.dumps({"cardPrivateData": {"actionIds": ["press"],
                                                       "params": params}}),
        })

    def _pressed(self, response: dict[str, Any], person: Staff, before: int,
                 where: str) -> list[Reply]:
        notice_md = (((response.get("privateData") or {}).get(person.user_id) or {})
                     .get("cardParamMap") or {}).get("notice", "")
        notice = shown(notice_md) or None
        replies = []
        card = (response.get("cardData") or {}).get("cardParamMap")
        if card:
            replies.append(Reply(shown(card.get("markdown", "")), buttons=buttons_of(card),
                                 edit=True, notice=notice))
        elif notice:
            replies.append(Reply("", notice=notice))
        replies += [Reply(r.text, buttons=r.buttons, chat=r.chat, notice=notice)
                    for r in self._seen(before, where)]
        return replies

    def _seen(self, before: int, where: str) -> list[Reply]:
        """What arrived anywhere since ``before``: in ``where`` without a chat (as the
        core's answers), elsewhere with the chat it went to."""
        fake = self._dt.fake
        replies = []
        for sent in fake.sent[before:]:
            replies.append(self._reply(sent, where))
        for reply in replies:
            target = reply.chat.address if reply.chat is not None else where
            self.seen.setdefault(target, []).append(reply)
        return replies

    def _reply(self, sent: Sent, where: str) -> Reply:
        fake = self._dt.fake
        address = (protocol.group(sent.to) if sent.to in fake.groups
                   else protocol.person(sent.to))
        chat = None if address == where else Chat(
            address=address, kind=ChatKind.GROUP if protocol.is_group(address)
            else ChatKind.PRIVATE)
        if sent.kind == "card":
            params = fake.cards[sent.track].params
            return Reply(shown(params.get("markdown", "")), buttons=buttons_of(params),
                         chat=chat)
        if sent.kind in ("image", "file"):
            return Reply(f"[{sent.kind} {sent.filename}]", chat=chat)
        return Reply(shown(sent.text), chat=chat)

    async def relayed(self) -> list[Reply]:
        return []  # the adapter delivers relays itself right after each update
