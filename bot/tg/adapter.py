"""Run the Core on Telegram: one handler for every update, replies sent by this module only."""

from __future__ import annotations

import logging
import os

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot import texts as bot_texts
from bot.config import TelegramSpec
from bot.tg.translate import chat_id, keyboard, to_incoming
from handlers import texts
from handlers.context import Where
from handlers.dispatch import Core, menu
from handlers.permissions import Access
from handlers.render import split_text
from handlers.types import Incoming, Reply

logger = logging.getLogger(__name__)

WEBHOOK_SECRET_ENV = "YANXIU_WEBHOOK_SECRET"


class TelegramBridge:
    """Turns updates into Incoming values for the Core and sends back what it answers."""

    def __init__(self, core: Core) -> None:
        """Serve ``core``."""
        self.core = core

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle any update: translate, dispatch, deliver."""
        bot = context.bot
        incoming = to_incoming(update, bot_id=bot.id)
        if incoming is None:
            return
        replies = await self.core.handle(incoming)
        query = update.callback_query
        source = query.message if query is not None else None
        source = source if isinstance(source, Message) else None
        if query is not None:
            notice = next((r.notice for r in replies if r.notice), None)
            try:
                await query.answer(notice)
            except TelegramError:
                logger.info("could not answer a callback query", exc_info=True)
        for reply in replies:
            await self.deliver(context, reply, incoming, source)

    async def deliver(
        self, context: ContextTypes.DEFAULT_TYPE, reply: Reply, incoming: Incoming | None,
        source: Message | None = None,
    ) -> bool:
        """Send one reply; a private chat the person never opened gets the fallback instead."""
        bot = context.bot
        target = reply.chat or (incoming.chat if incoming is not None else None)
        if target is None:
            raise ValueError("a reply without a chat needs the incoming update")
        markup = keyboard(reply.buttons, username=bot.username)
        try:
            if reply.edit and source is not None and reply.chat is None:
                await source.edit_text(reply.text, parse_mode=ParseMode.HTML, reply_markup=markup)
                return True
            if reply.attachment is not None:
                document = InputFile(reply.attachment.content, filename=reply.attachment.filename)
                if reply.attachment.is_photo:
                    await bot.send_photo(chat_id(target.address), document,
                                         caption=reply.text[:1024], parse_mode=ParseMode.HTML)
                else:
                    await bot.send_document(chat_id(target.address), document,
                                            caption=reply.text[:1024], parse_mode=ParseMode.HTML)
                return True
            parts = split_text(reply.text)
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                await bot.send_message(chat_id(target.address), part, parse_mode=ParseMode.HTML,
                                       reply_markup=markup if last else None)
        except (Forbidden, BadRequest) as exc:
            unreachable = isinstance(exc, Forbidden) or "chat not found" in str(exc).lower()
            if not (unreachable and target.is_private):
                raise
            logger.info("private chat %s unreachable: %s", target.address, exc)
            if reply.fallback is not None:
                return await self.deliver(context, reply.fallback, incoming)
            return False
        return True


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    bot = application.bot
    scopes = (
        (BotCommandScopeAllPrivateChats(), menu(Where.PRIVATE, Access.TEACHER)),
        (BotCommandScopeAllGroupChats(), menu(Where.GROUP, Access.TEACHER)),
        (BotCommandScopeAllChatAdministrators(), menu(Where.GROUP, Access.ADMIN)),
    )
    for scope, commands in scopes:
        await bot.set_my_commands([BotCommand(name, summary) for name, summary in commands],
                                  scope=scope)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logger.error("unhandled error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, texts.INTERNAL_ERROR)
        except TelegramError:
            logger.warning("could not tell the user about the error", exc_info=True)


def build_application(
    core: Core, *, token: str, spec: TelegramSpec, request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> Application:  # type: ignore[type-arg]
    """The real python-telegram-bot Application wired to ``core``.

    ``request`` replaces the HTTP transport (tests pass an offline one).
    """
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(spec.base_url)
        .base_file_url(spec.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    application.add_handler(TypeHandler(Update, TelegramBridge(core).on_update))
    application.add_error_handler(_on_error)
    return application


def run_telegram(core: Core, *, token: str, spec: TelegramSpec, webhook: bool) -> None:
    """Run until interrupted: long polling, or a webhook behind a reverse proxy."""
    application = build_application(core, token=token, spec=spec)
    if not webhook:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    secret = os.environ.get(WEBHOOK_SECRET_ENV)
    if not spec.webhook_url or not secret:
        raise SystemExit(bot_texts.WEBHOOK_NEEDS.format(env=WEBHOOK_SECRET_ENV))
    application.run_webhook(listen=spec.webhook_listen, port=spec.webhook_port,
                            url_path="telegram", webhook_url=spec.webhook_url,
                            secret_token=secret, allowed_updates=Update.ALL_TYPES)
