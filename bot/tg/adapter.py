"""Run the Core on Telegram: one handler for every update, replies sent by this module only."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
from collections import OrderedDict
from collections.abc import Awaitable, Hashable
from dataclasses import replace
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot import texts as bot_texts
from bot.app import build_runner, warm_up
from bot.config import TelegramSpec
from bot.ordering import KeyedOrder, Turn
from bot.tg.ratelimit import PROACTIVE, FloodLimiter, Pace
from bot.tg.translate import (
    PREFIX,
    address,
    anonymous_command,
    chat_id,
    file_of,
    keyboard,
    menu_keyboard,
    to_incoming,
    toast,
)
from handlers import texts
from handlers.context import Where
from handlers.dispatch import Core, menu
from handlers.features import records
from handlers.forms.catalog import FormCatalog
from handlers.permissions import Access
from handlers.render import TELEGRAM_LIMIT, split_text
from handlers.types import Incoming, IncomingFile, Reply, private_chat
from scheduler.runner import Runner
from storage.repos.outbox import OutboxItem

logger = logging.getLogger(__name__)

WEBHOOK_SECRET_ENV = "YANXIU_WEBHOOK_SECRET"
CAPTION_LIMIT = 1024
# The Bot API hands out files up to 20 MB (a self-hosted Bot API server, more).
BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024
# Bot API answers to editing a message that is gone, too old, or not a text message.
_NOT_EDITABLE = ("message to edit not found", "message can't be edited",
                 "there is no text in the message")
# Updates handled at once; far above what waits for the database, so that updates whose
# replies wait for a flood slot never hold back a new update (they hold a place each).
MAX_CONCURRENT_UPDATES = 4096
# The turn of the update this task handles (set by OrderedUpdates).
_TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("turn", default=None)


def update_keys(update: object) -> list[Hashable]:
    """What an update must stay in order with: its person, and its chat unless a press.

    A press (callback query) is ordered with its person only: many people pressing 参加 on
    one group announcement are not held behind each other or behind the group's messages.
    """
    if not isinstance(update, Update):
        return []
    keys: list[Hashable] = []
    if update.effective_user is not None:
        keys.append(("person", update.effective_user.id))
    if update.effective_chat is not None and (
            update.callback_query is None or not keys):
        keys.append(("chat", update.effective_chat.id))
    return keys


class OrderedUpdates(BaseUpdateProcessor):
    """PTB's update processor: updates run concurrently, in arrival order per key.

    The turn taken here covers the update's transaction; the bridge releases it once the
    replies have their places in their chats' send order, so a reply waiting for its flood
    slot holds back neither the next update nor another chat.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        """Keep one order for every update of the Application."""
        super().__init__(max_concurrent_updates)
        self.order = KeyedOrder()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the update's turn (reserved at once, in arrival order), then run it."""
        turn = self.order.reserve(update_keys(update))
        token = _TURN.set(turn)
        try:
            async with turn:
                await coroutine
        finally:
            _TURN.reset(token)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class TelegramBridge:
    """Turns updates into Incoming values for the Core and sends back what it answers."""

    def __init__(self, core: Core) -> None:
        """Serve ``core``."""
        self.core = core
        self._relays: Runner | None = None
        # Archives being built; a reference is kept so that a task is not collected early.
        self.building: set[asyncio.Task[None]] = set()
        # Replies keep their order per chat, whichever update they answer.
        self.sends = KeyedOrder()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle any update: translate, dispatch, deliver."""
        bot = context.bot
        message = update.message
        if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
            # Telegram upgraded a group to a supergroup: both chats say so; either moves it.
            old, new = ((message.chat.id, message.migrate_to_chat_id)
                        if message.migrate_to_chat_id else
                        (message.migrate_from_chat_id, message.chat.id))
            await self.core.move_chat(address(old), address(new))
            return
        if message is not None and anonymous_command(update, bot_username=bot.username):
            await bot.send_message(message.chat.id, bot_texts.ANONYMOUS_ADMIN)
            return
        incoming = to_incoming(update, bot_id=bot.id, bot_username=bot.username)
        if incoming is not None and message is not None and incoming.chat.is_private:
            incoming = await self._with_file(bot, message, incoming)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await _answer(query)  # every press is answered, or the client keeps spinning
            return
        replies = await self.core.handle(incoming, defer=True)
        # Committed: the replies take their places in their chats' order, and the next
        # update of this person or chat may go while they wait for their flood slots.
        sends = self.sends.reserve(
            (reply.chat or incoming.chat).address for reply in replies
            if _visible(reply) and reply.later is None)
        turn = _TURN.get()
        if turn is not None:
            turn.release()
        source = query.message if query is not None else None
        source = source if isinstance(source, Message) else None
        try:
            if query is not None:  # the toast waits for no message: it is not one
                await _answer(query, next((r.notice for r in replies if r.notice), None))
            async with sends:
                for reply in replies:
                    if reply.later is not None:  # an archive: built while others go on
                        task = asyncio.get_running_loop().create_task(
                            self._deliver_later(context.bot, reply, incoming))
                        self.building.add(task)
                        task.add_done_callback(self.building.discard)
                    else:
                        await self.deliver(context.bot, reply, incoming, source)
        finally:
            sends.release()  # also when the toast failed or the task was cancelled
        await self.relay(bot)

    async def _with_file(self, bot: Bot, message: Message, incoming: Incoming) -> Incoming:
        """A document or photo in a private chat, downloaded (getFile, then the file) for
        the core to check and keep; one larger than the school allows is not downloaded."""
        spec = self.core.settings.attachments
        found = file_of(message)
        if found is None or not spec.enabled or not await self.core.db.run(functools.partial(
                records.file_wanted, settings=self.core.settings, account=incoming.account)):
            return incoming
        file_id, name, size, is_photo = found
        if size > min(spec.max_bytes, BOT_API_DOWNLOAD_LIMIT):
            return replace(incoming, file=IncomingFile(name, size, None, is_photo))
        try:
            content = bytes(await (await bot.get_file(file_id)).download_as_bytearray())
        except TelegramError:
            logger.warning("could not download a file", exc_info=True)
            return incoming
        return replace(incoming, file=IncomingFile(name, size or len(content), content,
                                                   is_photo))

    async def relay(self, bot: Bot) -> None:
        """Send what the update queued for other people (a failed send is retried later)."""
        if not self.core.take_relays():
            return
        if self._relays is None:
            self._relays = build_runner(self.core, functools.partial(self.send_due, bot))
        await self._relays.flush(chat_prefix=PREFIX)

    async def _deliver_later(self, bot: Bot, reply: Reply, incoming: Incoming) -> None:
        try:
            await self.deliver(bot, await self.core.finish(reply), incoming)
        except Exception:  # outside PTB's handler: its error handler does not see this
            logger.exception("unhandled error while making a reply")
            try:
                await bot.send_message(chat_id(incoming.chat.address), texts.INTERNAL_ERROR)
            except TelegramError:
                logger.warning("could not tell the user about the error", exc_info=True)

    async def send_due(self, bot: Bot, reply: Reply, item: OutboxItem) -> bool:
        """Send a reply rendered from the outbox (its chat defaults to the item's person)."""
        target = reply if reply.chat is not None else replace(reply, chat=private_chat(item.chat))
        return await self.deliver(bot, target, None, pace=PROACTIVE)

    async def deliver(
        self, bot: Bot, reply: Reply, incoming: Incoming | None, source: Message | None = None,
        *, pace: Pace | None = None,
    ) -> bool:
        """Send one reply; a private chat the person never opened gets the fallback instead.

        A reply without text or file is a notice only: the toast of the pressed button.
        ``pace`` tells the rate limiter whether the bot speaks on its own initiative.
        """
        if not _visible(reply):
            return True
        target = reply.chat or (incoming.chat if incoming is not None else None)
        if target is None:
            raise ValueError("a reply without a chat needs the incoming update")
        inline = keyboard(reply.buttons, username=bot.username)
        markup = inline or menu_keyboard(reply.keyboard)
        to = chat_id(target.address)
        try:
            if (reply.edit and source is not None and reply.chat is None
                    and await _edit(source, reply.text, inline)):
                return True
            attachment = reply.attachment
            # A caption cut short could end inside a tag: a longer text goes before the file.
            long_text = len(reply.text) > CAPTION_LIMIT
            if attachment is None or long_text:
                parts = split_text(reply.text)
                for index, part in enumerate(parts):
                    last = attachment is None and index == len(parts) - 1
                    await bot.send_message(to, part, parse_mode=ParseMode.HTML,
                                           reply_markup=markup if last else None,
                                           rate_limit_args=pace)
            if attachment is not None:
                upload = InputFile(attachment.content, filename=attachment.filename)
                send = bot.send_photo if attachment.is_photo else bot.send_document
                await send(to, upload, caption=None if long_text else reply.text or None,
                           parse_mode=ParseMode.HTML, reply_markup=markup, rate_limit_args=pace)
        except ChatMigrated as exc:
            # The group became a supergroup before we heard of it: follow it, send again.
            new = address(exc.new_chat_id)
            await self.core.move_chat(target.address, new)
            moved = replace(reply, chat=replace(target, address=new), edit=False)
            return await self.deliver(bot, moved, incoming, pace=pace)
        except (Forbidden, BadRequest) as exc:
            unreachable = isinstance(exc, Forbidden) or "chat not found" in str(exc).lower()
            if not (unreachable and target.is_private):
                raise
            logger.info("private chat %s unreachable: %s", target.address, exc)
            if reply.fallback is not None:
                return await self.deliver(bot, reply.fallback, incoming, pace=pace)
            return False
        return True


def _visible(reply: Reply) -> bool:
    """False for a notice only (the toast of the pressed button): nothing is sent."""
    return bool(reply.text.strip()) or reply.attachment is not None


async def _set_menus(application: Application, catalog: FormCatalog) -> None:  # type: ignore[type-arg]
    bot = application.bot
    scopes = (
        (BotCommandScopeAllPrivateChats(), menu(Where.PRIVATE, Access.TEACHER, catalog)),
        (BotCommandScopeAllGroupChats(), menu(Where.GROUP, Access.TEACHER, catalog)),
        (BotCommandScopeAllChatAdministrators(), menu(Where.GROUP, Access.ADMIN, catalog)),
    )
    for scope, commands in scopes:
        await bot.set_my_commands([BotCommand(name, summary) for name, summary in commands],
                                  scope=scope)


# Callback queries answered lately: the error handler must not answer one a second time.
_ANSWERED: OrderedDict[str, None] = OrderedDict()
_ANSWERED_KEPT = 1000


async def _answer(query: CallbackQuery, notice: str | None = None) -> None:
    if query.id in _ANSWERED:
        return
    _ANSWERED[query.id] = None
    while len(_ANSWERED) > _ANSWERED_KEPT:
        _ANSWERED.popitem(last=False)
    try:
        await query.answer(toast(notice))
    except TelegramError:
        logger.info("could not answer a callback query", exc_info=True)


async def _edit(source: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Replace the pressed message; False when it can't be (then a new message is sent)."""
    if not source.is_accessible or len(text) > TELEGRAM_LIMIT:
        return False
    try:
        await source.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "not modified" in reason:  # pressed twice: the message already says this
            return True
        if not any(why in reason for why in _NOT_EDITABLE):
            raise
        logger.info("could not edit message %s: %s", source.message_id, exc)
        return False
    return True


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logger.error("unhandled error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.callback_query is not None:
        await _answer(update.callback_query)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, texts.INTERNAL_ERROR)
        except TelegramError:
            logger.warning("could not tell the user about the error", exc_info=True)


def build_application(
    core: Core, *, token: str, spec: TelegramSpec, request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None, schedule: bool = False,
    limiter: FloodLimiter | None = None,
) -> Application:  # type: ignore[type-arg]
    """The real python-telegram-bot Application wired to ``core``.

    ``request`` replaces the HTTP transport (tests pass an offline one); ``schedule``
    starts the reminder tick with the application and stops it at shutdown; ``limiter``
    replaces Telegram's limits (tests that are not about them keep replies unpaced).
    """
    bridge = TelegramBridge(core)
    runners: list[Runner] = []

    async def start(application: Application) -> None:  # type: ignore[type-arg]
        await _set_menus(application, core.settings.catalog)
        if schedule:
            runner = build_runner(core, functools.partial(bridge.send_due, application.bot))
            runner.start()
            runners.append(runner)

    async def stop(_application: Application) -> None:  # type: ignore[type-arg]
        for runner in runners:
            runner.stop()

    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(spec.base_url)
        .base_file_url(spec.base_file_url)
        .rate_limiter(limiter or FloodLimiter.shared_by(
            spec.processes, reserve=core.take_turn if spec.processes > 1 else None))
        .concurrent_updates(OrderedUpdates())
        .post_init(start)
        .post_shutdown(stop)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    application.add_handler(TypeHandler(Update, bridge.on_update))
    application.add_error_handler(_on_error)
    return application


def run_telegram(core: Core, *, token: str, spec: TelegramSpec, webhook: bool) -> None:
    """Run until interrupted: long polling, or a webhook behind a reverse proxy."""
    warm_up(core)
    application = build_application(core, token=token, spec=spec, schedule=True)
    if not webhook:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    secret = os.environ.get(WEBHOOK_SECRET_ENV)
    if not spec.webhook_url or not secret:
        raise SystemExit(bot_texts.WEBHOOK_NEEDS.format(env=WEBHOOK_SECRET_ENV))
    application.run_webhook(listen=spec.webhook_listen, port=spec.webhook_port,
                            url_path="telegram", webhook_url=spec.webhook_url,
                            secret_token=secret, allowed_updates=Update.ALL_TYPES)
