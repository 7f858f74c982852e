"""钉钉 Stream frames and robot payloads as plain values; nothing here does I/O.

The frame shape, the topics and the acknowledgement follow the official Stream SDK
(open-dingtalk/dingtalk-stream-sdk-python, ``frames.py``, ``handlers.py``, ``chatbot.py``,
``card_callback.py``): a frame is JSON with ``specVersion``, ``type`` (SYSTEM, EVENT,
CALLBACK), ``headers`` (``messageId``, ``topic`` …) and ``data``, itself a JSON string. Every
frame is answered with ``{"code", "headers": {"messageId", "contentType"}, "message",
"data"}``, where ``data`` is again a JSON string.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from handlers.types import Chat, ChatKind, Incoming

PREFIX = "dt:"
GROUP_PREFIX = "dt:group:"
CHATBOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"
PING_TOPIC = "ping"
DISCONNECT_TOPIC = "disconnect"
SYSTEM, EVENT, CALLBACK = "SYSTEM", "EVENT", "CALLBACK"
JSON_TYPE = "application/json"
# 钉钉 message types the bot cannot read, as the core's names for them.
_OTHER_KINDS = {"picture": "photo", "file": "document", "video": "video",
                "richText": "rich_text"}


class MalformedFrame(ValueError):
    """A frame that is not what the Stream protocol sends; acknowledged and ignored."""


@dataclass(frozen=True)
class Frame:
    """One frame from the Stream gateway."""

    type: str
    topic: str
    message_id: str
    data: Any  # the decoded ``data`` (usually a dict), or the raw text when not JSON


def parse_frame(raw: str | bytes) -> Frame:
    """Decode one websocket text frame (raises ``MalformedFrame``)."""
    try:
        body = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise MalformedFrame(f"not JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("headers"), dict):
        raise MalformedFrame("no headers")
    headers = body["headers"]
    kind = body.get("type")
    if kind not in (SYSTEM, EVENT, CALLBACK):
        raise MalformedFrame(f"unknown type {kind!r}")
    raw_data = body.get("data") or ""
    data: Any = raw_data
    if isinstance(raw_data, str) and raw_data:
        try:
            data = json.loads(raw_data)
        except ValueError:
            data = raw_data
    return Frame(type=kind, topic=str(headers.get("topic") or ""),
                 message_id=str(headers.get("messageId") or ""), data=data)


def ack(frame_id: str, *, response: Any = None, code: int = 200, message: str = "OK",
        data: Any = None) -> str:
    """The acknowledgement of a frame: a callback's ``response`` or a system frame's data."""
    payload = {"response": response} if data is None else data
    return json.dumps({
        "code": code,
        "headers": {"messageId": frame_id, "contentType": JSON_TYPE},
        "message": message,
        "data": json.dumps(payload, ensure_ascii=False),
    }, ensure_ascii=False)


def person(user_id: str) -> str:
    """The platform-neutral account of a staff member (their ``userId``/staffId)."""
    return f"{PREFIX}{user_id}"


def group(conversation_id: str) -> str:
    """The address of a group conversation (its ``openConversationId``)."""
    return f"{GROUP_PREFIX}{conversation_id}"


def user_id(address: str) -> str:
    """The ``userId`` behind a person's address."""
    return address.removeprefix(PREFIX)


def conversation_id(address: str) -> str:
    """The ``openConversationId`` behind a group's address."""
    return address.removeprefix(GROUP_PREFIX)


def is_group(address: str) -> bool:
    """Whether ``address`` names a 钉钉 group conversation."""
    return address.startswith(GROUP_PREFIX)


@dataclass(frozen=True)
class RobotMessage:
    """A chatbot message as the adapter needs it (topic ``/v1.0/im/bot/messages/get``)."""

    msg_id: str
    staff_id: str
    nick: str
    corp_id: str
    chat: Chat
    msgtype: str
    text: str | None
    session_webhook: str
    webhook_expires_ms: int


def robot_message(data: Any) -> RobotMessage | None:
    """Read a chatbot payload; None when it has no staff sender (robots, outsiders)."""
    if not isinstance(data, dict):
        raise MalformedFrame("chatbot data is not an object")
    staff = data.get("senderStaffId")
    if not staff:
        return None
    private = str(data.get("conversationType")) == "1"
    if private:
        chat = Chat(address=person(staff), kind=ChatKind.PRIVATE)
    else:
        conversation = data.get("conversationId")
        if not conversation:
            raise MalformedFrame("group message without conversationId")
        chat = Chat(address=group(conversation), kind=ChatKind.GROUP,
                    title=str(data.get("conversationTitle") or ""))
    msgtype = str(data.get("msgtype") or "")
    text = None
    if msgtype == "text":
        text = str((data.get("text") or {}).get("content") or "")
    elif msgtype == "audio":
        text = str((data.get("content") or {}).get("recognition") or "") or None
    return RobotMessage(
        msg_id=str(data.get("msgId") or ""), staff_id=str(staff),
        nick=str(data.get("senderNick") or ""), corp_id=str(data.get("chatbotCorpId") or ""),
        chat=chat, msgtype=msgtype, text=text,
        session_webhook=str(data.get("sessionWebhook") or ""),
        webhook_expires_ms=int(data.get("sessionWebhookExpiredTime") or 0),
    )


def to_incoming(message: RobotMessage, *, text: str | None) -> Incoming:
    """The core's view of a robot message (``text`` already normalised by the adapter)."""
    other = None
    if text is None:
        other = "voice" if message.msgtype == "audio" else _OTHER_KINDS.get(
            message.msgtype, message.msgtype or "unknown")
    return Incoming(account=person(message.staff_id), chat=message.chat,
                    display_name=message.nick, text=text, other=other,
                    update_key=f"{PREFIX}{message.msg_id}" if message.msg_id else None)


# -- card buttons ------------------------------------------------------------------------


def sign(secret: str, track_id: str, chat: str, data: str) -> str:
    """The signature that ties a button's data to the card and the chat it was sent to."""
    digest = hmac.new(secret.encode(), f"{track_id}\n{chat}\n{data}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class CardPress:
    """A verified press on one of our cards."""

    track_id: str
    staff_id: str
    chat: str
    data: str


def card_press(data: Any, *, secret: str) -> CardPress | None:
    """Read a card callback (topic ``/v1.0/card/instances/callback``).

    None when the press is forged or tampered with: the signature does not match, or a
    private card is pressed by someone other than the person it was sent to.
    """
    if not isinstance(data, dict):
        raise MalformedFrame("card callback data is not an object")
    content = data.get("content")
    try:
        content = json.loads(content) if isinstance(content, str) else content
        params = content["cardPrivateData"]["params"]
        pressed, chat, signature = str(params["data"]), str(params["chat"]), str(params["sig"])
    except (TypeError, ValueError, KeyError):
        raise MalformedFrame("card callback without our params") from None
    track_id = str(data.get("outTrackId") or "")
    staff = str(data.get("userId") or "")
    expected = sign(secret, track_id, chat, pressed)
    if not staff or not hmac.compare_digest(expected, signature):
        return None
    if not is_group(chat) and chat != person(staff):
        return None
    return CardPress(track_id=track_id, staff_id=staff, chat=chat, data=pressed)
