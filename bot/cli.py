"""The ``yanxiu`` command line: run the bot, the sandbox, migrations and roster tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from bot import logs, texts
from bot.app import build_core, import_roster, issue_codes, read_roster
from bot.config import ConfigError, Loaded, load
from handlers.roster import RosterError
from scheduler.clock import ManualClock, SystemClock

logger = logging.getLogger(__name__)

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yanxiu", description=texts.CLI_DESCRIPTION)
    parser.add_argument("--config", help=texts.CLI_CONFIG_HELP)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help=texts.CLI_RUN)
    run.add_argument("--webhook", action="store_true", help=texts.CLI_WEBHOOK)
    commands.add_parser("sandbox", help=texts.CLI_SANDBOX)
    commands.add_parser("migrate", help=texts.CLI_MIGRATE)
    commands.add_parser("check-config", help=texts.CLI_CHECK)
    roster = commands.add_parser("roster", help=texts.CLI_ROSTER)
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    importing = roster_commands.add_parser("import", help=texts.CLI_ROSTER_IMPORT)
    importing.add_argument("file", type=Path)
    codes = roster_commands.add_parser("codes", help=texts.CLI_ROSTER_CODES)
    codes.add_argument("--out", type=Path, help=texts.CLI_ROSTER_OUT)
    return parser


def _sandbox(loaded: Loaded) -> int:
    from bot.console.sandbox import Sandbox

    config = loaded.config
    zone = config.zone
    start = (datetime.strptime(config.sandbox.start_at, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
             if config.sandbox.start_at else SystemClock().now())
    clock = ManualClock(start)
    url = loaded.database_url if loaded.database_url != config.database.url else (
        config.sandbox.database_url)
    core = build_core(config, database_url=url, clock=clock)
    sandbox = Sandbox(core, clock)
    roster_path = Path(config.sandbox.roster)
    if not roster_path.is_absolute():
        roster_path = loaded.path.parent / roster_path
    sandbox.seed(read_roster(core, roster_path))
    try:
        asyncio.run(sandbox.run(sys.stdin))
    finally:
        core.db.close()
    return 0


def _telegram(loaded: Loaded, *, webhook: bool) -> int:
    from bot.tg.adapter import run_telegram

    assert loaded.token is not None
    core = build_core(loaded.config, database_url=loaded.database_url, clock=SystemClock())
    logger.info(texts.STARTING_TELEGRAM)
    try:
        run_telegram(core, token=loaded.token, spec=loaded.config.telegram, webhook=webhook)
    finally:
        core.db.close()
    return 0


def _roster_import(loaded: Loaded, path: Path) -> int:
    core = build_core(loaded.config, database_url=loaded.database_url, clock=SystemClock())
    try:
        summary = import_roster(core, read_roster(core, path))
    except RosterError as exc:
        print(texts.ROSTER_BAD.format(count=len(exc.problems)), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        core.db.close()
    print(texts.ROSTER_DONE.format(added=summary.added, updated=summary.updated,
                                   deactivated=summary.deactivated, unchanged=summary.unchanged))
    return 0


def _roster_codes(loaded: Loaded, out: Path | None) -> int:
    core = build_core(loaded.config, database_url=loaded.database_url, clock=SystemClock())
    try:
        rows = issue_codes(core)
    finally:
        core.db.close()
    print(texts.CODES_HEADER)
    for row in rows:
        code = texts.CODES_BOUND if row.bound else row.code
        print(f"{row.name}\t{'、'.join(row.groups)}\t{row.staff_no or ''}\t{code}")
    if out is not None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = texts.CODES_SHEET
        sheet.append(texts.CODES_COLUMNS)
        for row in rows:
            sheet.append([row.name, "、".join(row.groups), row.staff_no or "",
                          row.code or "", texts.CODES_BOUND if row.bound else ""])
        for column, width in zip("ABCDE", (12, 20, 10, 14, 12), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(out)
        print(texts.CODES_WRITTEN.format(path=out))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run; returns the exit status (2 for bad config or input)."""
    args = _parser().parse_args(argv)
    logs.setup()
    try:
        loaded = load(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    command = args.command or "run"
    if command == "check-config":
        config = loaded.config
        print(texts.CONFIG_OK.format(path=loaded.path, school=config.school.name,
                                     groups=len(config.groups), quotas=len(config.quotas)))
        return 0
    if command == "migrate":
        build_core(loaded.config, database_url=loaded.database_url,
                   clock=SystemClock()).db.close()
        print(texts.MIGRATED.format(url=loaded.database_url))
        return 0
    if command == "roster":
        if args.roster_command == "import":
            return _roster_import(loaded, args.file)
        return _roster_codes(loaded, args.out)
    if command == "sandbox" or loaded.token is None:
        return _sandbox(loaded)
    return _telegram(loaded, webhook=getattr(args, "webhook", False))
