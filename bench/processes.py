"""Part 1c: the peak in a district deployment served by several processes (issue 17).

As README's "Deployment beyond one machine" runs a district: one config with every school
(``[[schools]]``), PostgreSQL, webhook mode, and ``processes`` processes behind nginx. Each
worker is a separate Python process (``python -m bench.processes worker``) that builds the
deployment as ``yanxiu run --webhook`` does (``bot.app.build_core`` on the district config,
``build_application`` with ``[telegram] processes``) and listens for webhook POSTs. This
process plays nginx and Telegram:

- it posts each update to the next worker in turn (nginx's round robin), with the secret
  header, so one teacher's form steps land on either process;
- it is the Bot API for all of them (an HTTP server enforcing Telegram's limits for the
  bot as a whole: 30 messages a second, 20 a minute per group), and it times press → toast
  and answer → next message as ``bench.peak`` does in one process.

The crowd is ``bench.peak``'s, in a 村小 of the district (the middle school of the list).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import socket
import sys
from typing import Any

import httpx
from aiohttp import web

from bench import populate
from bench.common import START, load_config
from bench.deployment import district_config
from bench.peak import Crowd, PeakResult, build
from bench.transport import TOKEN, TelegramLimitsBotAPI

SECRET = "bench-webhook-secret"
READY = "ready"


async def _telegram(api: TelegramLimitsBotAPI) -> tuple[web.AppRunner, int]:
    """The Bot API over HTTP on a free port of 127.0.0.1, answered by ``api``."""

    async def call(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params = {key: str(value) for key, value in form.items()}
        api.calls[method] += 1
        status, body = api.answer(method, params)
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", call)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


async def _worker(url: str, *, schools: int, telegram: int, processes: int,
                  port: int) -> asyncio.subprocess.Process:
    """Start a worker listening on ``port`` and wait until it does; returns the process."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.processes", "worker", "--url", url,
        "--schools", str(schools), "--telegram", str(telegram),
        "--processes", str(processes), "--port", str(port),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 300)
    if line.decode().strip() != READY:
        proc.kill()
        raise RuntimeError(f"the worker on port {port} did not start: {line!r}")
    return proc


def _free_port() -> int:
    """A port of 127.0.0.1 free just now (for a worker's webhook)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run(label: str, url: str, settings: Any, *, schools: int, processes: int,
              pressers: int = 300, writers: int = 50, press_window: float = 10.0,
              start_window: float = 2.0) -> PeakResult:
    """One peak on ``url`` (emptied by the caller) through ``processes`` worker processes."""
    config = district_config(settings, populate.school_names(schools))
    core, linked = build(url, config, pressers + writers)
    core.db.close()
    result = PeakResult(label)
    crowd = Crowd(result, linked, pressers=pressers, writers=writers,
                  press_window=press_window, start_window=start_window)
    api = TelegramLimitsBotAPI(observe=crowd.observe)
    server, port = await _telegram(api)
    workers: list[asyncio.subprocess.Process] = []
    ports = [_free_port() for _ in range(processes)]
    turn = itertools.cycle(ports)
    try:
        # One after another, as a rolling start would: each migrates and syncs the schools.
        for worker_port in ports:
            workers.append(await _worker(url, schools=schools, telegram=port,
                                         processes=processes, port=worker_port))
        async with httpx.AsyncClient(timeout=60) as http:

            async def put(payload: dict[str, Any]) -> None:
                answer = await http.post(
                    f"http://127.0.0.1:{next(turn)}/telegram", json=payload,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
                answer.raise_for_status()

            await crowd.play(put, api.last_keyboard)
    finally:
        for proc in workers:
            assert proc.stdin is not None
            proc.stdin.close()  # the worker stops when its input ends
        for proc in workers:
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
        await server.cleanup()
    result.refused, result.accepted = api.refused, api.accepted
    result.refused_by = dict(api.refused_by)
    return result


# -- the worker process ---------------------------------------------------------------------


async def _serve(args: argparse.Namespace) -> None:
    from bot.app import build_core
    from bot.config import TelegramSpec
    from bot.tg.adapter import build_application
    from scheduler.clock import ManualClock

    config = district_config(load_config(), populate.school_names(args.schools))
    core = build_core(config, database_url=args.url, clock=ManualClock(START))
    base = f"http://127.0.0.1:{args.telegram}"
    spec = TelegramSpec(base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
                        processes=args.processes)
    app = build_application(core, token=TOKEN, spec=spec)
    loop = asyncio.get_running_loop()
    try:
        async with app:
            assert app.updater is not None
            await app.updater.start_webhook(listen="127.0.0.1", port=args.port,
                                            url_path="telegram", secret_token=SECRET)
            await app.start()
            print(READY, flush=True)  # noqa: T201 - the parent waits for this line
            await loop.run_in_executor(None, sys.stdin.read)  # until the parent is done
            await app.updater.stop()
            await app.stop()
    finally:
        core.db.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.processes worker …``: one process of the deployment."""
    parser = argparse.ArgumentParser(prog="python -m bench.processes")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker")
    worker.add_argument("--url", required=True)
    worker.add_argument("--schools", type=int, required=True)
    worker.add_argument("--telegram", type=int, required=True, help="the Bot API's port")
    worker.add_argument("--processes", type=int, required=True)
    worker.add_argument("--port", type=int, required=True, help="this worker's webhook port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
