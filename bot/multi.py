"""Telegram and 钉钉 in one process on one database: each person on the platform they bound.

Both adapters receive on their own (long polling; the Stream websocket); one reminder tick
delivers the outbox, each message through the adapter its address names (``tg:`` or
``dt:``). Only this module knows both platforms.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from telegram import Update

from bot.app import SendReply, build_runner, warm_up
from bot.config import DingTalkSpec, TelegramSpec
from bot.dingtalk.adapter import DingTalkBridge, DingTalkService
from bot.dingtalk.protocol import PREFIX as DINGTALK_PREFIX
from bot.tg.adapter import TelegramBridge, build_application
from bot.tg.translate import PREFIX as TELEGRAM_PREFIX
from handlers.dispatch import Core
from handlers.types import Reply
from scheduler.runner import Runner
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)


def route_sends(senders: dict[str, SendReply]) -> SendReply:
    """One ``send`` for the outbox that hands each message to its platform's adapter."""

    async def send(reply: Reply, item: OutboxItem) -> bool:
        address = reply.chat.address if reply.chat is not None else item.chat
        for prefix, sender in senders.items():
            if address.startswith(prefix):
                return await sender(reply, item)
        logger.warning("no platform runs here for %s (%s)", address, item.key)
        return False

    return send


def both_runner(core: Core, telegram: SendReply, dingtalk: DingTalkBridge) -> Runner:
    """The one tick of a process on both platforms: each message through the adapter its
    address names, identical 钉钉 texts in batches."""
    send = route_sends({TELEGRAM_PREFIX: telegram, DINGTALK_PREFIX: dingtalk.send_due})
    return build_runner(core, send, {DINGTALK_PREFIX: dingtalk.send_batch})


async def serve_both(core: Core, *, token: str, telegram: TelegramSpec,
                     dingtalk: DingTalkSpec, secret: str) -> None:
    """Run both adapters and one tick until cancelled; wrong credentials fail at start."""
    service = DingTalkService(core, dingtalk, secret)
    application = build_application(core, token=token, spec=telegram, schedule=False)
    bridge = TelegramBridge(core)
    try:
        await service.api.token()
        async with application:
            runner = both_runner(core, functools.partial(bridge.send_due, application.bot),
                                 service.bridge)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            runner.start()
            try:
                await service.run(schedule=False)
            finally:
                runner.stop()
                await application.updater.stop()
                await application.stop()
    finally:
        await service.api.close()


def run_both(core: Core, *, token: str, telegram: TelegramSpec, dingtalk: DingTalkSpec,
             secret: str) -> None:
    """Run on both platforms until interrupted."""
    warm_up(core)
    asyncio.run(serve_both(core, token=token, telegram=telegram, dingtalk=dingtalk,
                           secret=secret))
