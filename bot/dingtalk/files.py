"""Files and pictures people send the robot, downloaded for the forms that take them.

A 钉钉 picture or file message carries a ``downloadCode``; the OpenAPI
``POST /v1.0/robot/messageFiles/download`` (``{downloadCode, robotCode}``) answers with a
short-lived ``downloadUrl``, from which the bytes are read. That call is metered, so a file
is only fetched when the sender's open form is waiting for one, and never beyond the
school's size limit.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import Any

import httpx

from bot.dingtalk.openapi import DingTalkError, OpenApi
from handlers.dispatch import Core
from handlers.features import records
from handlers.types import Incoming, IncomingFile

logger = logging.getLogger(__name__)

DOWNLOAD_PATH = "/v1.0/robot/messageFiles/download"
KINDS = {"picture": True, "file": False}  # msgtype → is a photo


async def download_url(api: OpenApi, code: str) -> str:
    """The temporary URL of a file sent to the robot (one metered OpenAPI call)."""
    # The client's metered call (token, rate, budget), as the package's other calls use it.
    answer = await api._openapi("POST", DOWNLOAD_PATH,
                                {"downloadCode": code, "robotCode": api.robot_code})
    return str(answer["downloadUrl"])


async def _fetch(api: OpenApi, url: str, limit: int) -> tuple[bytes | None, int]:
    """The bytes at ``url``, or (None, bytes seen) once more than ``limit`` arrived."""
    received = bytearray()
    async with api.http.stream("GET", url) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) > limit:
                return None, len(received)
    return bytes(received), len(received)


async def attach(core: Core, api: OpenApi, data: Any, incoming: Incoming) -> Incoming:
    """``incoming`` with the picture or file of a private message, downloaded when the
    sender's form waits for one (a failed download leaves it as a message without text)."""
    settings = core.settings.attachments
    msgtype = str(data.get("msgtype") or "") if isinstance(data, dict) else ""
    content = data.get("content") if isinstance(data, dict) else None
    if (msgtype not in KINDS or not incoming.chat.is_private or not settings.enabled
            or not isinstance(content, dict) or not content.get("downloadCode")):
        return incoming
    if not await core.db.run(functools.partial(records.file_wanted, settings=core.settings,
                                               account=incoming.account)):
        return incoming
    name = str(content.get("fileName") or "")
    try:
        url = await download_url(api, str(content["downloadCode"]))
        body, size = await _fetch(api, url, settings.max_bytes)
    except (DingTalkError, httpx.HTTPError, KeyError):
        logger.warning("could not download a file sent to the robot", exc_info=True)
        return incoming
    return replace(incoming, file=IncomingFile(name, size, body, KINDS[msgtype]))
