"""Replies as JSON: kept with an update's dedup key and in the outbox, read back unchanged."""

from __future__ import annotations

import base64
from typing import Any

from handlers.types import Attachment, Button, Chat, ChatKind, Reply

# A file larger than this is not kept with an update's answer (an export ZIP): a redelivered
# update gets the text again, and the person asks for the file again.
KEPT_ATTACHMENT_BYTES = 256 * 1024


def dump_reply(reply: Reply, *, keep_files: bool = True) -> dict[str, Any]:
    """``reply`` as a JSON-safe dict (files larger than the limit are left out)."""
    data: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [[{k: v for k, v in (("label", b.label), ("data", b.data),
                                               ("url", b.url), ("start", b.start)) if v}
                            for b in row] for row in reply.buttons]
    if reply.chat is not None:
        data["chat"] = {"address": reply.chat.address, "kind": reply.chat.kind.value,
                        "title": reply.chat.title}
    if reply.fallback is not None:
        data["fallback"] = dump_reply(reply.fallback, keep_files=keep_files)
    if reply.edit:
        data["edit"] = True
    file = reply.attachment
    if file is not None and (keep_files or len(file.content) <= KEPT_ATTACHMENT_BYTES):
        data["attachment"] = {"filename": file.filename, "photo": file.is_photo,
                              "content": base64.b64encode(file.content).decode("ascii")}
    if reply.notice:
        data["notice"] = reply.notice
    if reply.keyboard:
        data["keyboard"] = [list(row) for row in reply.keyboard]
    return data


def load_reply(data: dict[str, Any]) -> Reply:
    """The reply ``dump_reply`` wrote."""
    chat = data.get("chat")
    file = data.get("attachment")
    return Reply(
        text=data["text"],
        buttons=tuple(tuple(Button(**button) for button in row)
                      for row in data.get("buttons", ())),
        chat=Chat(chat["address"], ChatKind(chat["kind"]), chat["title"]) if chat else None,
        fallback=load_reply(data["fallback"]) if "fallback" in data else None,
        edit=bool(data.get("edit")),
        attachment=Attachment(file["filename"], base64.b64decode(file["content"]),
                              is_photo=file["photo"]) if file else None,
        notice=data.get("notice"),
        keyboard=tuple(tuple(row) for row in data.get("keyboard", ())),
    )
