"""Part 1: a burst of teachers handing in 教学反思 through the real PTB Application.

The full bot is ``bot.tg.adapter.build_application`` on an offline, instant Bot API; the
baseline is a bare PTB Application with one handler that sends the text back. Both get the
same Update payloads through ``await app.process_update(update)``, one at a time (PTB's
default concurrency of 1). Latency is the time of ``process_update``; updates/s is the
number of updates over the wall time of the loop, which also decodes each Update
(``Update.de_json``, as PTB's updater does for every update it receives).

Replies go through the bot's ``FloodLimiter`` (``bot.tg.ratelimit``). Its overall limiter
spaces sends 1/29.5 s apart, so for the comparison with echo it is swapped for one that
never waits; one more burst measures the bot as shipped, with the limiter on.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import itertools
import pstats
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bench import populate
from bench.common import START, StageTimer, count_statements, median, percentile
from bench.transport import TOKEN, InstantBotAPI
from bot.app import build_core
from bot.config import TelegramSpec
from bot.tg.adapter import MAX_CONCURRENT_UPDATES, build_application
from bot.tg.ratelimit import FloodLimiter
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from storage import Database

FIRST_USER = 100_000
STRANGER = 900_000
# Capacity of the overall limiter when the flood limit is off: far more than any run sends.
NEVER_WAITS = 1e9
HIGHLIGHTS = "导入环节用秋天的图片引发兴趣，学生发言踊跃。朗读指导层层递进，学生读出了秋雨的美。"
SHORTCOMINGS = "生字书写指导时间不够，部分学生的笔顺仍然有错误，课后需要补上一节练习课。"
NEXT_TIME = "下次先让学生自己找秋天的颜色，再读课文，把写字指导放在第一课时完成。"
# One whole 教学反思 as a teacher types it in private chat; None is the press on 提交.
SCRIPT: tuple[str | None, ...] = (
    "/reflect", "《秋天的雨》", "三年级2班", "今天", HIGHLIGHTS, "完成", SHORTCOMINGS, "完成",
    "完成",  # 学生错例 is optional: 完成 on an empty answer skips it
    NEXT_TIME, "完成", None,
)
SUBMIT = "提交"


@dataclass
class Run:
    """One measured run: per-update latencies (s), wall time (s), and Bot API calls."""

    label: str
    latencies: list[float]
    wall: float
    calls: dict[str, int] = field(default_factory=dict)
    core_times: list[float] = field(default_factory=list)
    cpu: float = 0.0  # CPU seconds of this process (all threads) over the run

    @property
    def cpu_per_update(self) -> float:
        """CPU seconds per update: what one free core would need (robust to machine load)."""
        return self.cpu / len(self.latencies)

    @property
    def rate(self) -> float:
        """Updates per second."""
        return len(self.latencies) / self.wall

    def p(self, share: float) -> float:
        """A latency percentile in seconds."""
        return percentile(self.latencies, share)


# -- Update payloads ------------------------------------------------------------------------

_update_ids = itertools.count(10_000)
_message_ids = itertools.count(1)


def _user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": f"老师{uid}", "language_code": "zh-hans"}


def text_update(uid: int, text: str) -> dict[str, Any]:
    """A private text message as Telegram sends it (a leading /command has its entity)."""
    message: dict[str, Any] = {"message_id": next(_message_ids), "date": int(time.time()),
                               "chat": {"id": uid, "type": "private", "first_name": "老师"},
                               "from": _user(uid), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    return {"update_id": next(_update_ids), "message": message}


def press_update(uid: int, message: dict[str, Any], label: str) -> dict[str, Any]:
    """The user pressing the inline button ``label`` on the bot's ``message``."""
    data = next(button["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for button in row if button["text"] == label)
    return {"update_id": next(_update_ids),
            "callback_query": {"id": str(next(_update_ids)), "from": _user(uid),
                               "chat_instance": f"ci{uid}", "message": message, "data": data}}


def schedule(teachers: int, updates: int) -> Iterator[tuple[int, str | None]]:
    """(user, step) in delivery order: every teacher does step 1, then step 2, … (cycling)."""
    for index in range(updates):
        cycle_step = index // teachers
        yield FIRST_USER + index % teachers, SCRIPT[cycle_step % len(SCRIPT)]


def make_update(app: Application, api: InstantBotAPI, uid: int,  # type: ignore[type-arg]
                step: str | None) -> Update:
    """Build and decode the next Update (a press needs the bot's last keyboard message)."""
    if step is None:
        message = api.last_keyboard.get(uid)
        payload = (press_update(uid, message, SUBMIT) if message is not None
                   else text_update(uid, "完成"))
    else:
        payload = text_update(uid, step)
    return Update.de_json(payload, app.bot)


# -- the two Applications -------------------------------------------------------------------


def bot_app(core: Core, api: InstantBotAPI, *, flood_limit: bool) -> Application:  # type: ignore[type-arg]
    """The production Application; ``flood_limit=False`` turns off FloodLimiter's 29.5/s
    and its burst limit on replies in one private chat.

    With the limit on, every reply waits for FloodLimiter's overall limiter (one send every
    1/29.5 s), so a burst measures the limiter, not the bot: the main comparison swaps that
    limiter for one that never waits (FloodLimiter's wrapper, its limiter lookup and the
    acquire stay in the call path).
    """
    app = build_application(core, token=TOKEN, spec=TelegramSpec(), request=api)
    if not flood_limit:
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, FloodLimiter)
        limiter._overall = AsyncLimiter(NEVER_WAITS, 1)
        limiter._reply_interval = 1 / NEVER_WAITS  # replies in one chat: no burst limit
    return app


def echo_app(api: InstantBotAPI) -> Application:  # type: ignore[type-arg]
    """A bare PTB Application: one handler that sends the text (or button data) back.

    Updates are handled concurrently (PTB's ``concurrent_updates``), as the full bot's are.
    """

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        text = (update.effective_message.text if update.message is not None
                and update.effective_message is not None else None)
        if text is None and update.callback_query is not None:
            text = update.callback_query.data
        await context.bot.send_message(chat.id, text or "…")

    app = (ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api)
           .concurrent_updates(MAX_CONCURRENT_UPDATES).build())
    app.add_handler(TypeHandler(Update, echo))
    return app


# -- building the full bot -----------------------------------------------------------------


def build_bot(url: str, settings: Any, teachers: int) -> Core:
    """A Core on ``url`` with ``teachers`` bound teachers and their records so far."""
    core = build_core(settings, database_url=url, clock=ManualClock(START))

    def fill(session: Any) -> None:
        populate.add_school_term(session, settings, school_id=core.school_id,
                                 teachers=teachers, first_account=FIRST_USER,
                                 staff_prefix="B", today=START)

    core.db.call(fill)
    return core


def time_core(core: Core, into: list[float]) -> None:
    """Record the time of every Core.handle_sync (the worker-thread part of an update)."""
    inner = core.handle_sync

    def timed(session: Any, incoming: Any) -> Any:
        started = time.perf_counter()
        try:
            return inner(session, incoming)
        finally:
            into.append(time.perf_counter() - started)

    core.handle_sync = timed  # type: ignore[method-assign]


# -- feeding ------------------------------------------------------------------------------


async def warm_up(app: Application, count: int = 60) -> None:  # type: ignore[type-arg]
    """Strangers asking for /help: loads code paths and caches before anything is timed."""
    for index in range(count):
        update = Update.de_json(text_update(STRANGER + index, "/help"), app.bot)
        await app.process_update(update)


async def burst(label: str, app: Application, api: InstantBotAPI, *,  # type: ignore[type-arg]
                teachers: int, updates: int, core_times: list[float] | None = None) -> Run:
    """Feed ``updates`` back to back; latency of each and the overall rate."""
    latencies = []
    before = dict(api.calls)
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    for uid, step in schedule(teachers, updates):
        update = make_update(app, api, uid, step)
        t0 = time.perf_counter()
        await app.process_update(update)
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    cpu = time.process_time() - started_cpu
    calls = {k: v - before.get(k, 0) for k, v in api.calls.items() if v - before.get(k, 0)}
    return Run(label, latencies, wall, calls, list(core_times or []), cpu)


class Feed:
    """Updates handed to a started Application's queue, as its updater does; each counted
    done when its last handler returned (a handler in a later group than the bot's)."""

    def __init__(self, app: Application) -> None:  # type: ignore[type-arg]
        """Watch ``app`` (before it starts)."""
        self.app = app
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self._all_done = asyncio.Event()
        app.add_handler(TypeHandler(Update, self._done), group=99)

    async def _done(self, update: Update, _context: Any) -> None:
        sent = self.sent_at.pop(update.update_id, None)
        if sent is not None:
            self.latencies.append(time.perf_counter() - sent)
            if not self.sent_at:
                self._all_done.set()

    async def round(self, label: str, api: InstantBotAPI, *, teachers: int,
                    updates: int) -> Run:
        """Every teacher's step at once (concurrently), then the next step, ``updates`` in all.

        Latency runs from the moment an update is queued until it is handled; the rate
        counts decoding (``Update.de_json``) and every wait.
        """
        latencies_before = len(self.latencies)
        before = dict(api.calls)
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        steps = list(schedule(teachers, updates))
        for first in range(0, len(steps), teachers):
            self._all_done.clear()
            for uid, step in steps[first:first + teachers]:
                update = make_update(self.app, api, uid, step)
                self.sent_at[update.update_id] = time.perf_counter()
                self.app.update_queue.put_nowait(update)
            await asyncio.wait_for(self._all_done.wait(), 600)
        wall = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        calls = {k: v - before.get(k, 0) for k, v in api.calls.items() if v - before.get(k, 0)}
        return Run(label, self.latencies[latencies_before:], wall, calls, [], cpu)


@dataclass
class Rounds:
    """Alternating rounds: echo, bot, echo, bot …; the ratio of each pair."""

    echo: list[Run] = field(default_factory=list)
    bot: list[Run] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        """Bot rate / echo rate, round by round."""
        return [bot.rate / echo.rate for echo, bot in zip(self.echo, self.bot, strict=True)]


async def alternate(label: str, url: str, settings: Any, *, teachers: int, rounds: int,
                    into: Rounds) -> None:
    """``rounds`` rounds of echo then full bot (FloodLimiter's 29.5/s off), each a whole
    教学反思 per teacher, both Applications started and fed through their update queues."""
    core = build_bot(url, settings, teachers)
    try:
        bot_api, echo_api = InstantBotAPI(), InstantBotAPI()
        bot, echo = bot_app(core, bot_api, flood_limit=False), echo_app(echo_api)
        bot_feed, echo_feed = Feed(bot), Feed(echo)
        async with bot, echo:
            await warm_up(bot)
            await warm_up(echo)
            await bot.start()
            await echo.start()
            per_round = teachers * len(SCRIPT)
            for index in range(rounds):
                into.echo.append(await echo_feed.round(f"echo {index + 1}", echo_api,
                                                       teachers=teachers, updates=per_round))
                into.bot.append(await bot_feed.round(f"{label} {index + 1}", bot_api,
                                                     teachers=teachers, updates=per_round))
                print(f"    round {index + 1}: echo {into.echo[-1].rate:.0f}/s, "  # noqa: T201
                      f"{label} {into.bot[-1].rate:.0f}/s ({into.ratios[-1]:.1%})", flush=True)
            await bot.stop()
            await echo.stop()
    finally:
        core.db.close()


async def paced(label: str, app: Application, api: InstantBotAPI, *,  # type: ignore[type-arg]
                teachers: int, updates: int, rate: float) -> tuple[Run, Run]:
    """Updates arriving at ``rate`` per second (asyncio timing), handled one at a time.

    Two views: service time (``process_update`` alone) and sojourn time (from the moment
    the update was due to arrive until it was handled, so waiting behind a slow one counts).
    """
    service, sojourn = [], []
    loop = asyncio.get_running_loop()
    gc.collect()
    start = loop.time() + 0.05
    for index, (uid, step) in enumerate(schedule(teachers, updates)):
        due = start + index / rate
        update = make_update(app, api, uid, step)
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        t0 = loop.time()
        await app.process_update(update)
        done = loop.time()
        service.append(done - t0)
        sojourn.append(done - due)
    wall = loop.time() - start
    return Run(label + " service", service, wall), Run(label + " sojourn", sojourn, wall)


def _profile_text(profile: cProfile.Profile, limit: int, sort: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:])


async def profile(app: Application, api: InstantBotAPI, core: Core, *,  # type: ignore[type-arg]
                  teachers: int, updates: int, limit: int = 14) -> dict[str, str]:
    """cProfile of the update path: the event-loop thread and the database worker thread."""
    worker = cProfile.Profile()
    main = cProfile.Profile()
    await core.db.run(lambda _session: worker.enable())  # on the one SQLite worker thread
    main.enable()
    started = time.perf_counter()
    await burst("profile", app, api, teachers=teachers, updates=updates)
    elapsed = time.perf_counter() - started
    main.disable()
    await core.db.run(lambda _session: worker.disable())
    return {"updates": str(updates), "elapsed": f"{elapsed:.2f}",
            "loop_tottime": _profile_text(main, limit, "tottime"),
            "loop_cumtime": _profile_text(main, limit, "cumulative"),
            "worker_tottime": _profile_text(worker, limit, "tottime"),
            "worker_cumtime": _profile_text(worker, limit, "cumulative")}


def breakdown_targets(core: Core) -> list[tuple[Any, str, str, bool]]:
    """The stages of an update, for ``StageTimer``.

    Stages nest: process_update ⊃ to_incoming, Core.handle, deliver; Core.handle ⊃ the
    thread hop and Database.call; Database.call ⊃ session, BEGIN and COMMIT around
    handle_sync; handle_sync ⊃ claim_update, get_by_account, route.
    """
    import bot.tg.adapter as adapter
    import handlers.dispatch as dispatch
    from storage.repos import people, updates

    return [(adapter, "to_incoming", "to_incoming", False),
            (core, "handle", "Core.handle", True),
            (core.db, "call", "Database.call", False),
            (core, "handle_sync", "handle_sync", False),
            (updates, "claim_update", "claim_update", False),
            (people, "get_by_account", "get_by_account", False),
            (dispatch, "route", "route", False),
            (adapter.TelegramBridge, "deliver", "deliver", True)]


async def breakdown(app: Application, api: InstantBotAPI, core: Core, *,  # type: ignore[type-arg]
                    teachers: int, updates: int) -> dict[str, float]:
    """Mean milliseconds per update in each stage (see ``breakdown_targets``)."""
    with StageTimer(breakdown_targets(core)) as timers, count_statements(core.db) as statements:
        run = await burst("breakdown", app, api, teachers=teachers, updates=updates)
    per = {stage: seconds * 1000 / updates for stage, seconds in timers.total.items()}
    per["SQL statements"] = statements[0] / updates
    per["process_update"] = sum(run.latencies) * 1000 / updates
    return per


@dataclass
class UpdatesResult:
    """Everything part 1 measured."""

    runs: dict[str, Run] = field(default_factory=dict)
    profile: dict[str, str] = field(default_factory=dict)
    breakdown: dict[str, float] = field(default_factory=dict)
    teachers: int = 0
    updates: int = 0


async def run_bot(label: str, url: str, settings: Any, *, teachers: int, updates: int,
                  result: UpdatesResult, flood_limit: bool = False,
                  paced_updates: int = 0, paced_rate: float = 200.0,
                  paced_teachers: int | None = None,
                  profile_updates: int = 0, breakdown_updates: int = 0,
                  burst_updates: int | None = None) -> None:
    """Build the full bot on ``url`` and run the burst (and the paced run, the profile)."""
    core = build_bot(url, settings, teachers)
    core_times: list[float] = []
    try:
        api = InstantBotAPI()
        app = bot_app(core, api, flood_limit=flood_limit)
        async with app:
            await warm_up(app)
            time_core(core, core_times)
            run = await burst(label, app, api, teachers=teachers,
                              updates=burst_updates or updates)
            run.core_times = list(core_times)
            result.runs[label] = run
            if paced_updates:
                service, sojourn = await paced(f"{label} paced {paced_rate:.0f}/s", app, api,
                                               teachers=paced_teachers or teachers,
                                               updates=paced_updates, rate=paced_rate)
                result.runs[service.label] = service
                result.runs[sojourn.label] = sojourn
            del core.handle_sync  # the timer of time_core
            if breakdown_updates:
                result.breakdown = await breakdown(app, api, core, teachers=teachers,
                                                   updates=breakdown_updates)
            if profile_updates:
                # whole forms for fewer teachers: the same mix of steps as the burst
                result.profile = await profile(
                    app, api, core, teachers=max(1, profile_updates // len(SCRIPT)),
                    updates=profile_updates)
    finally:
        core.db.close()


async def run_echo(label: str, *, teachers: int, updates: int, result: UpdatesResult) -> None:
    """The bare PTB echo Application on the same transport and the same updates."""
    api = InstantBotAPI()
    app = echo_app(api)
    async with app:
        await warm_up(app)
        result.runs[label] = await burst(label, app, api, teachers=teachers, updates=updates)


def core_share(run: Run) -> float:
    """The share of the median update spent in Core.handle_sync (worker thread)."""
    if not run.core_times:
        return float("nan")
    return median(run.core_times) / median(run.latencies)


def make_db(url: str) -> Callable[[], Database]:
    """A factory for the database of ``url`` (for callers that need a fresh one)."""
    return lambda: Database(url)
