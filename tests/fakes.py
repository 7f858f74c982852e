"""An offline Telegram for e2e tests: a recording Bot API transport and Update payloads.

``RecordingRequest`` is a real ``telegram.request.BaseRequest``: python-telegram-bot builds
every Bot API call exactly as it would for api.telegram.org and hands it to ``do_request``,
which records it and answers with canned Bot API JSON. ``Telegram`` feeds Update payloads
built here through ``Application.process_update`` and shows what each chat was sent.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.tg.ratelimit import FloodLimiter
from handlers.dispatch import Core
from storage.repos import people

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

DEFAULT_NONE = BaseRequest.DEFAULT_NONE

BOT_ID = 999
BOT_USERNAME = "yanxiu_test_bot"
# Shaped like a real token (digits, colon, 35 characters) so that a leak would be recognisable.
TOKEN = "7012345678:AAFake-Secret_Token_0123456789abcdefgh"

BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "研修助手", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}

FORBIDDEN = {"ok": False, "error_code": 403,
             "description": "Forbidden: bot can't initiate conversation with a user"}
TOO_MANY = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1}}
SENDING = ("sendMessage", "sendDocument", "sendPhoto")


def _upgraded(new_chat_id: int) -> dict[str, Any]:
    return {"ok": False, "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": new_chat_id}}


# What Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
         "code", "pre", "blockquote", "tg-emoji"}
_HTML_TAG = re.compile(r"<(/?)([a-z-]+)(?:\s[^<>]*)?>")
_HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
LIMITS = {"text": 4096, "caption": 1024}


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in HTML parse mode, or None if it is fine."""
    open_tags: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            tag = _HTML_TAG.match(text, index)
            if tag is None or tag.group(2) not in _TAGS:
                return f"can't parse entities: unsupported start tag at byte offset {index}"
            closing, name = tag.group(1), tag.group(2)
            if closing and (not open_tags or open_tags.pop() != name):
                return f"can't parse entities: unmatched end tag at byte offset {index}"
            if not closing:
                open_tags.append(name)
            index = tag.end()
            continue
        if char == "&":
            entity = _HTML_ENTITY.match(text, index)
            if entity is None:
                return f"can't parse entities: bare & at byte offset {index}"
            index = entity.end()
            continue
        index += 1
    if open_tags:
        return f"can't parse entities: can't find end tag corresponding to <{open_tags[-1]}>"
    return None


def _refusal(name: str, params: dict[str, Any]) -> str | None:
    """What Telegram says about a malformed send or edit (None: it is accepted)."""
    if name == "answerCallbackQuery" and len(str(params.get("text") or "")) > 200:
        return "MESSAGE_TOO_LONG"
    if name not in (*SENDING, "editMessageText"):
        return None
    key = "text" if name in ("sendMessage", "editMessageText") else "caption"
    value = str(params.get(key) or "")
    if key == "text" and not value.strip():
        return "message text is empty"
    if params.get("parse_mode") == "HTML":
        problem = html_problem(value)
        if problem is not None:
            return problem
        value = shown(value)
    if len(value) > LIMITS[key]:
        return "message is too long" if key == "text" else "message caption is too long"
    return None


@dataclass(frozen=True)
class Call:
    """One Bot API call the bot made: the method, its parameters and the HTTP status."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    files: tuple[str, ...] = ()
    uploads: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """Whether the fake Bot API accepted the call."""
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        """The chat the call was addressed to."""
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def text(self) -> str:
        """The text (or caption) as sent, HTML and all."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows as sent (each button a Bot API dict)."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return markup.get("inline_keyboard", [])

    @property
    def labels(self) -> list[str]:
        """The labels of all inline buttons, row by row."""
        return [button["text"] for row in self.buttons for button in row]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button labelled ``label``."""
        for row in self.buttons:
            for button in row:
                if button["text"] == label:
                    return button
        raise LookupError(f"no button {label!r} in {self.labels}")


def _chat_json(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"用户{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"群{chat_id}"}


class RecordingRequest(BaseRequest):
    """The Bot API, offline: records every call and answers like Telegram would.

    ``unreachable`` holds private chats that never opened the bot (Telegram answers 403),
    ``deleted`` and ``not_editable`` (chat id, message id) pairs whose edits Telegram
    refuses (400); ``malformed`` collects sends Telegram would refuse for their content
    (broken HTML, too long, empty);
    ``rate_limit_once`` makes the next call of a method answer 429 once; ``updates`` is
    what ``getUpdates`` hands out; when none are left it calls ``on_idle`` until that
    returns True (a test stops the Application there).
    """

    def __init__(self) -> None:
        """Start with no calls, every chat reachable and no rate limit."""
        self.calls: list[Call] = []
        self.unreachable: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.not_editable: set[tuple[int, int]] = set()
        self.deleted: set[tuple[int, int]] = set()
        self.malformed: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.on_idle: Callable[[], bool] | None = None
        self._limited: dict[str, int] = {}
        self._message_ids = itertools.count(100)
        # Files people sent, by file id: getFile describes them, the file URL serves them.
        self.files: dict[str, bytes] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (nothing is read from a network here)."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def rate_limit_once(self, method: str = "sendMessage") -> None:
        """Answer the next ``method`` call with HTTP 429 (retry after 1 second)."""
        self._limited[method] = self._limited.get(method, 0) + 1

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Record the call named at the end of ``url`` and answer it."""
        if "/file/bot" in url:  # a file download (File.download_…): the bytes themselves
            file_id = url.rsplit("/", 1)[-1]
            self.calls.append(Call("downloadFile", {"file_id": file_id},
                                   200 if file_id in self.files else 404))
            if file_id not in self.files:
                return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
            return 200, self.files[file_id]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        files: tuple[str, ...] = ()
        uploads: tuple[bytes, ...] = ()
        if request_data is not None and request_data.contains_files:
            parts = list(request_data.multipart_data.values())
            files = tuple(str(part[0]) for part in parts)
            uploads = tuple(bytes(part[1]) for part in parts)
        status, body = await self._answer(name, params)
        self.calls.append(Call(name, params, status, body.get("result"), files, uploads))
        return status, json.dumps(body, ensure_ascii=False).encode()

    async def _answer(self, name: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._limited.get(name):
            self._limited[name] -= 1
            return 429, TOO_MANY
        if name == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if name == "getUpdates":
            return 200, {"ok": True, "result": await self._next_updates()}
        if name in SENDING and int(params["chat_id"]) in self.unreachable:
            return 403, FORBIDDEN
        if name in SENDING and int(params["chat_id"]) in self.migrated:
            return 400, _upgraded(self.migrated[int(params["chat_id"])])
        problem = _refusal(name, params)
        if problem is not None:
            self.malformed.append(Call(name, params, 400))
        elif name == "editMessageText":
            message = (int(params["chat_id"]), params["message_id"])
            if message in self.deleted:
                problem = "message to edit not found"
            elif message in self.not_editable:
                problem = "message can't be edited"
        if problem is not None:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        if name in SENDING or name == "editMessageText":
            return 200, {"ok": True, "result": self._message(name, params)}
        if name == "getFile" and str(params.get("file_id")) in self.files:
            file_id = str(params["file_id"])
            return 200, {"ok": True, "result": {
                "file_id": file_id, "file_unique_id": f"u{file_id}",
                "file_size": len(self.files[file_id]), "file_path": f"documents/{file_id}"}}
        if name in ("answerCallbackQuery", "setMyCommands", "deleteWebhook", "setWebhook"):
            return 200, {"ok": True, "result": True}
        return 400, {"ok": False, "error_code": 400,
                     "description": f"Bad Request: the fake Bot API has no {name}"}

    async def _next_updates(self) -> list[dict[str, Any]]:
        if self.updates:
            batch = list(self.updates)
            self.updates.clear()
            return batch
        if self.on_idle is not None and self.on_idle():
            self.on_idle = None
        await asyncio.sleep(0.01)
        return []

    def _message(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        editing = name == "editMessageText"
        message: dict[str, Any] = {
            "message_id": params["message_id"] if editing else next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat_json(chat_id),
            "from": BOT_USER,
        }
        if name == "sendMessage" or editing:
            message["text"] = params["text"]
        else:
            message["caption"] = params.get("caption", "")
        if name == "sendDocument":
            message["document"] = {"file_id": "doc1", "file_unique_id": "doc1"}
        if name == "sendPhoto":
            message["photo"] = [{"file_id": "pic1", "file_unique_id": "pic1",
                                 "width": 90, "height": 90}]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Telegram echoes inline keyboards only, not reply keyboards.
            message["reply_markup"] = markup
        return message

    # What people see -------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages (and documents, photos) Telegram accepted, optionally to one chat only."""
        return [call for call in self.calls
                if call.method in SENDING and call.ok
                and (chat_id is None or call.chat_id == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        """The texts Telegram accepted for ``chat_id``, in order."""
        return [call.text for call in self.sent(chat_id)]

    def of(self, method: str) -> list[Call]:
        """Every call of ``method``."""
        return [call for call in self.calls if call.method == method]


# Update payloads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TgUser:
    """A Telegram user; their private chat with the bot has the same id."""

    id: int
    first_name: str
    username: str | None = None

    def json(self) -> dict[str, Any]:
        """The Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name,
                                "language_code": "zh-hans"}
        if self.username:
            user["username"] = self.username
        return user

    def chat(self) -> dict[str, Any]:
        """The Bot API Chat object of the private chat."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass(frozen=True)
class TgGroup:
    """A Telegram supergroup (or a basic ``group``, which Telegram may upgrade)."""

    id: int
    title: str
    kind: str = "supergroup"

    def chat(self) -> dict[str, Any]:
        """The Bot API Chat object."""
        return {"id": self.id, "type": self.kind, "title": self.title}


_update_ids = itertools.count(5000)
_message_ids = itertools.count(1)


def next_update_id() -> int:
    """A fresh update id."""
    return next(_update_ids)


def _message(user: TgUser, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
    return {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat,
            "from": user.json(), **content}


def text_message(user: TgUser, text: str, *, group: TgGroup | None = None,
                 update_id: int | None = None) -> dict[str, Any]:
    """An Update with a text message, in ``group`` or in the user's private chat.

    A leading ``/command`` carries its ``bot_command`` entity, as Telegram sends it.
    """
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    chat = group.chat() if group is not None else user.chat()
    return {"update_id": update_id or next_update_id(),
            "message": _message(user, chat, **content)}


def photo_message(user: TgUser, *, group: TgGroup | None = None) -> dict[str, Any]:
    """An Update with a photo (no caption)."""
    photo = [{"file_id": "p1", "file_unique_id": "p1", "width": 320, "height": 240}]
    chat = group.chat() if group is not None else user.chat()
    return {"update_id": next_update_id(), "message": _message(user, chat, photo=photo)}


_file_ids = itertools.count(1)


def document_message(api: RecordingRequest, user: TgUser, content: bytes, name: str, *,
                     photo: bool = False, size: int | None = None) -> dict[str, Any]:
    """An Update with a document (or a photo) the user sends privately; its bytes are
    served by ``api`` (getFile and the download). ``size`` overrides what Telegram says."""
    file_id = f"f{next(_file_ids)}"
    api.files[file_id] = content
    described = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                 "file_size": len(content) if size is None else size}
    if photo:
        sizes = [{**described, "file_id": f"{file_id}s", "width": 90, "height": 90},
                 {**described, "width": 1280, "height": 960}]
        return {"update_id": next_update_id(), "message": _message(user, user.chat(),
                                                                   photo=sizes)}
    document = {**described, "file_name": name, "mime_type": "application/octet-stream"}
    return {"update_id": next_update_id(), "message": _message(user, user.chat(),
                                                               document=document)}


def bot_added(user: TgUser, group: TgGroup) -> dict[str, Any]:
    """An Update with the service message of ``user`` adding the bot to ``group``."""
    return {"update_id": next_update_id(),
            "message": _message(user, group.chat(), new_chat_members=[BOT_USER])}


ANONYMOUS_ADMIN_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}


def anonymous_admin_message(group: TgGroup, text: str) -> dict[str, Any]:
    """An Update with ``text`` from an admin who posts as the group (Telegram's anonymity)."""
    entities = ([{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
                if text.startswith("/") else [])
    return {"update_id": next_update_id(),
            "message": {"message_id": next(_message_ids), "date": int(time.time()),
                        "chat": group.chat(), "from": ANONYMOUS_ADMIN_BOT,
                        "sender_chat": group.chat(), "text": text, "entities": entities}}


def group_upgraded(user: TgUser, old: TgGroup, new: TgGroup) -> list[dict[str, Any]]:
    """The two service messages of Telegram turning the group ``old`` into ``new``."""
    return [{"update_id": next_update_id(),
             "message": _message(user, old.chat(), migrate_to_chat_id=new.id)},
            {"update_id": next_update_id(),
             "message": _message(user, new.chat(), migrate_from_chat_id=old.id)}]


def callback_query(user: TgUser, message: Call, data: str, *,
                   accessible: bool = True) -> dict[str, Any]:
    """An Update with ``user`` pressing the button carrying ``data`` on the bot's ``message``.

    ``accessible=False`` is what Telegram sends once the message was deleted (see
    ``RecordingRequest.deleted``): an InaccessibleMessage (date 0, no text).
    """
    assert message.result is not None, "the bot's message was not delivered"
    shown = message.result if accessible else {
        "message_id": message.result["message_id"], "date": 0, "chat": message.result["chat"]}
    return {"update_id": next_update_id(),
            "callback_query": {"id": str(next_update_id()), "from": user.json(),
                               "chat_instance": f"ci{message.chat_id}",
                               "message": shown, "data": data}}


@dataclass
class Telegram:
    """The bot's Application on the fake Bot API, driven the way people use Telegram."""

    # PTB's repr of an Application shows the bot token: keep it out of test reports.
    app: Application = field(repr=False)  # type: ignore[type-arg]
    api: RecordingRequest = field(repr=False)
    core: Core = field(repr=False)

    def code_for(self, name: str) -> str:
        """The binding code 教导处 hands to ``name`` (issued on first use)."""
        rows = self.core.db.call(
            lambda session: people.issue_codes(session, school_id=self.core.school_id))
        code = next(row.code for row in rows if row.name == name)
        assert code is not None, f"{name} is already bound"
        return code

    async def bind(self, user: TgUser, name: str) -> list[Call]:
        """``user`` follows the deep link ``t.me/<bot>?start=bind-CODE`` for ``name``."""
        return await self.say(user, f"/start bind-{self.code_for(name)}")

    async def feed(self, payload: dict[str, Any]) -> list[Call]:
        """Deliver one Update as Telegram would; the Bot API calls it caused."""
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        return self.api.calls[before:]

    async def say(self, user: TgUser, text: str, *, group: TgGroup | None = None) -> list[Call]:
        """``user`` sends ``text`` in ``group`` or privately; the messages that were sent."""
        calls = await self.feed(text_message(user, text, group=group))
        return [call for call in calls if call.method in SENDING and call.ok]

    async def press(self, user: TgUser, message: Call, label: str) -> list[Call]:
        """``user`` presses the button ``label`` on ``message``; the Bot API calls caused."""
        data = message.button(label)["callback_data"]
        return await self.feed(callback_query(user, message, data))


def texts_of(calls: list[Call]) -> list[str]:
    """The texts of ``calls``."""
    return [call.text for call in calls]


_TAG = re.compile(r"<[^>]+>")


def shown(text: str) -> str:
    """What a Telegram client displays for HTML ``text``: tags applied, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def hold_archives(monkeypatch: Any) -> tuple[threading.Event, threading.Event]:
    """Hold every archive at the start of its building until ``release`` is set; ``started``
    is set once one is held (progress points for "others are answered meanwhile")."""
    from handlers import exports

    started, release = threading.Event(), threading.Event()
    real = exports.render

    def held(data: exports.ArchiveData) -> tuple[str, bytes]:
        started.set()
        assert release.wait(60)
        return real(data)

    monkeypatch.setattr(exports, "render", held)
    return started, release


# Telegram's limits per chat as shipped, but replies to a private chat and the bot's overall
# rate unpaced: the end-to-end tests answer forms faster than any person and would otherwise
# wait 1.25 s a reply, and 34 ms for every message, in real time (the pacing itself is
# tested in tests/unit/test_ratelimit.py and by the peak bench).
def unpaced() -> FloodLimiter:
    """A fresh limiter (its locks belong to one event loop) with replies unpaced."""
    return FloodLimiter(reply_interval=0.001, overall_per_second=1e6)


def unlimited() -> FloodLimiter:
    """A fresh limiter that never waits, for a test that is not about Telegram's limits and
    sends far more than they allow (20 messages a minute per group, one a second to a
    person)."""
    return FloodLimiter(reply_interval=0.001, overall_per_second=1e6,
                        group_per_minute=10**9, private_interval=0.001)
