"""The ``yanxiu`` command line: run the bot, the sandbox, migrations and roster tools.

Each command imports what it needs when it runs: ``check-config`` should not load the
storage layer, the exports (python-docx, openpyxl) or the handlers.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot import logs, texts
from bot.config import START_AT_FORMAT, TOKEN_ENV, Config, ConfigError, Loaded, load
from scheduler.clock import Clock, ManualClock, SystemClock

if TYPE_CHECKING:
    from bot.console.sandbox import Sandbox
    from handlers.dispatch import Core
    from handlers.roster import RosterEntry, RosterError
    from storage.repos.people import CodeRow

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _shown_url(url: str) -> str:
    """A database URL as it may be printed: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def _open(loaded: Loaded, *, url: str | None = None, clock: Clock | None = None) -> Core:
    from bot.app import build_core

    return build_core(loaded.config, database_url=url or loaded.database_url,
                      clock=clock or SystemClock())


def _open_tool(loaded: Loaded) -> Core:
    """A Core for a command-line tool (export, semester, roster). On a sandbox's database
    (one that keeps the sandbox's clock) it runs on the sandbox's time, and says so."""
    from bot.app import sandbox_time

    core = _open(loaded)
    kept = sandbox_time(core)
    if kept is not None:
        core.clock = ManualClock(kept)
        for one in getattr(core, "cores", []):  # a district: every school on that clock
            one.clock = core.clock
        local = kept.astimezone(loaded.config.zone)
        print(texts.SANDBOX_TIME_USED.format(now=f"{local:%Y-%m-%d %H:%M}"), file=sys.stderr)
    return core


def _read_roster(config: Config, path: Path) -> list[RosterEntry]:
    """Parse a roster file before any database is touched (raises RosterError)."""
    from handlers.roster import RosterError, parse_roster

    try:
        if config.school_settings:  # issue 17: several schools, the 学校 column
            return parse_roster(path, known_groups={
                settings.school.name: [group.name for group in settings.groups]
                for settings in config.school_settings}, central=config.school.name)
        return parse_roster(path, known_groups=[group.name for group in config.groups])
    except OSError as exc:
        raise RosterError(texts.ROSTER_UNREADABLE.format(
            path=path, reason=exc.strerror or exc)) from exc


def _roster_problems(exc: RosterError) -> int:
    print(texts.ROSTER_BAD.format(count=len(exc.problems)), file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yanxiu", description=texts.CLI_DESCRIPTION)
    parser.add_argument("--config", help=texts.CLI_CONFIG_HELP)
    parser.add_argument("--sandbox", action="store_true", help=texts.CLI_SANDBOX_DATABASE)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help=texts.CLI_RUN)
    run.add_argument("--webhook", action="store_true", help=texts.CLI_WEBHOOK)
    run.add_argument("--platform", choices=("dingtalk", "telegram"), help=texts.CLI_PLATFORM)
    commands.add_parser("sandbox", help=texts.CLI_SANDBOX)
    commands.add_parser("migrate", help=texts.CLI_MIGRATE)
    commands.add_parser("check-config", help=texts.CLI_CHECK)
    roster = commands.add_parser("roster", help=texts.CLI_ROSTER)
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    importing = roster_commands.add_parser("import", help=texts.CLI_ROSTER_IMPORT)
    importing.add_argument("file", type=Path)
    codes = roster_commands.add_parser("codes", help=texts.CLI_ROSTER_CODES)
    codes.add_argument("--out", type=Path, help=texts.CLI_ROSTER_OUT)
    export = commands.add_parser("export", help=texts.CLI_EXPORT)
    export.add_argument("--semester", help=texts.CLI_EXPORT_SEMESTER)
    export.add_argument("--group", help=texts.CLI_EXPORT_GROUP)
    export.add_argument("--teacher", help=texts.CLI_EXPORT_TEACHER)
    export.add_argument("--out", type=Path, default=Path("out"), help=texts.CLI_EXPORT_OUT)
    export.add_argument("--school", help=texts.CLI_EXPORT_SCHOOL)  # issue 17
    semester = commands.add_parser("semester", help=texts.CLI_SEMESTER)
    semester.add_argument("action", choices=("open", "close"))
    semester.add_argument("name")
    backup = commands.add_parser("backup", help=texts.CLI_BACKUP)
    backup.add_argument("--out", type=Path, required=True, help=texts.CLI_BACKUP_OUT)
    restore = commands.add_parser("restore", help=texts.CLI_RESTORE)
    restore.add_argument("file", type=Path)
    commands.add_parser("seed-demo", help=texts.CLI_SEED)
    return parser


def _maintenance(args: argparse.Namespace, loaded: Loaded) -> int:
    """export, semester, backup and restore."""
    from bot import maintenance

    try:
        if args.command == "backup":
            print(texts.BACKUP_DONE.format(path=maintenance.backup(loaded.database_url,
                                                                   args.out)))
            kept = maintenance.backup_files(Path(loaded.config.attachments.dir), args.out)
            if kept:  # the attachments beside it, as files (content-addressed)
                print(texts.BACKUP_FILES.format(count=kept,
                                                path=maintenance.files_beside(args.out)))
            return 0
        if args.command == "restore":
            path = maintenance.restore(loaded.database_url, args.file)
            _open(loaded).db.close()  # bring an older backup's schema up to date
            print(texts.RESTORE_DONE.format(path=path))
            copied = maintenance.restore_files(args.file, Path(loaded.config.attachments.dir))
            if copied:
                print(texts.RESTORE_FILES.format(count=copied,
                                                 path=loaded.config.attachments.dir))
            return 0
        core = _open_tool(loaded)
        try:
            if args.command == "export" and _is_district(core):
                return _export_district(core, args)
            if args.command == "export" and args.school:
                print(texts.EXPORT_NOT_DISTRICT, file=sys.stderr)
                return EXIT_USAGE
            if args.command == "export":
                path = maintenance.export_archive(core, semester=args.semester,
                                                  group=args.group, teacher=args.teacher,
                                                  out=args.out)
                print(texts.EXPORTED.format(path=path))
            else:
                changes = [maintenance.set_semester(one, name=args.name,
                                                    closed=args.action == "close")
                           for one in getattr(core, "cores", [core])]  # every school
                changed = any(changes)
                done = texts.SEMESTER_CLOSED_OK if args.action == "close" else (
                    texts.SEMESTER_OPENED_OK)
                print((done if changed else texts.SEMESTER_UNCHANGED).format(name=args.name))
        finally:
            core.db.close()
    except maintenance.MaintenanceError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    return 0


def _sandbox(loaded: Loaded, *, asked: bool) -> int:
    from handlers.roster import RosterError

    try:
        sandbox = _sandbox_core(loaded, why=texts.SANDBOX_ASKED if asked else
                                texts.SANDBOX_NO_TOKEN)
    except RosterError as exc:
        return _roster_problems(exc)
    try:
        asyncio.run(sandbox.run(sys.stdin))
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.core.db.close()
    return 0


def _sandbox_core(loaded: Loaded, *, why: str, out: TextIO = sys.stdout) -> Sandbox:
    """The sandbox's Core: its database (YANXIU_DATABASE_URL, else ``[sandbox]
    database_url``), its clock (``start_at``), its roster and linked chats in place."""
    from bot.console.sandbox import Sandbox

    config = loaded.config
    zone = config.zone
    start = (datetime.strptime(config.sandbox.start_at, START_AT_FORMAT).replace(tzinfo=zone)
             if config.sandbox.start_at else SystemClock().now())
    clock = ManualClock(start)
    url = _sandbox_url(loaded)
    roster_path = Path(config.sandbox.roster)
    if not roster_path.is_absolute():
        roster_path = loaded.path.parent / roster_path
    roster = _read_roster(config, roster_path)
    core = _open(loaded, url=url, clock=clock)
    if _is_district(core):  # issue 17: every school's roster and chats
        from bot.console.district import DistrictSandbox

        sandbox: Sandbox = DistrictSandbox(core, clock, out, why=why)  # type: ignore[arg-type]
    else:
        sandbox = Sandbox(core, clock, out, why=why)
    sandbox.seed(roster)
    return sandbox


def _sandbox_url(loaded: Loaded) -> str:
    """YANXIU_DATABASE_URL when set, else the sandbox's own database (not the school's)."""
    config = loaded.config
    return loaded.database_url if loaded.database_url != config.database.url else (
        config.sandbox.database_url)


def _seed_demo(loaded: Loaded) -> int:
    """Fill the sandbox's database with a demo semester up to the sandbox's clock."""
    from bot import demo
    from handlers.roster import RosterError

    try:
        sandbox = _sandbox_core(loaded, why="", out=io.StringIO())
    except RosterError as exc:
        return _roster_problems(exc)
    try:
        seeded = demo.seed_demo(sandbox.core)
    finally:
        sandbox.core.db.close()
    url = _shown_url(_sandbox_url(loaded))
    made = [one for one in seeded if one.counts is not None]
    if not made:  # run before: every school has its demo semester already
        print(texts.SEED_KEPT.format(school=seeded[0].school, at=_local(loaded, seeded[0].before),
                                     url=url) if len(seeded) == 1 else
              texts.SEED_KEPT_ALL.format(url=url), file=sys.stderr)
        return EXIT_FAILURE
    if len(seeded) == 1:
        print(texts.SEEDED.format(**made[0].counts or {}, url=url))
        return 0
    print(texts.SEEDED_SCHOOLS.format(url=url))  # issue 17: what each school got
    for one in seeded:
        print(texts.SEEDED_SCHOOL.format(school=one.school, **one.counts) if one.counts
              is not None else texts.SEED_KEPT_SCHOOL.format(school=one.school,
                                                             at=_local(loaded, one.before)))
    return 0


def _local(loaded: Loaded, moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(loaded.config.zone)


def _telegram(loaded: Loaded, *, webhook: bool) -> int:
    from telegram.error import InvalidToken

    from bot.tg.adapter import WEBHOOK_SECRET_ENV, run_telegram

    assert loaded.token is not None
    spec = loaded.config.telegram
    if webhook and not (spec.webhook_url and os.environ.get(WEBHOOK_SECRET_ENV)):
        print(texts.WEBHOOK_NEEDS.format(env=WEBHOOK_SECRET_ENV), file=sys.stderr)
        return EXIT_USAGE
    core = _open(loaded)
    logger.info(texts.STARTING_TELEGRAM)
    try:
        run_telegram(core, token=loaded.token, spec=spec, webhook=webhook)
    except InvalidToken:
        # Its message holds the token itself: never print it.
        print(texts.TOKEN_REJECTED.format(env=TOKEN_ENV), file=sys.stderr)
        return EXIT_USAGE
    finally:
        core.db.close()
    return 0


def _roster_import(loaded: Loaded, path: Path) -> int:
    from bot.app import import_roster
    from handlers.roster import RosterError

    try:
        entries = _read_roster(loaded.config, path)
    except RosterError as exc:
        return _roster_problems(exc)
    core = _open_tool(loaded)
    try:
        summary = import_roster(core, entries)
    finally:
        core.db.close()
    print(texts.ROSTER_DONE.format(added=summary.added, updated=summary.updated,
                                   deactivated=summary.deactivated, unchanged=summary.unchanged))
    return 0


def _roster_codes(loaded: Loaded, out: Path | None) -> int:
    from bot.app import issue_codes
    from handlers.archive import sheets

    core = _open_tool(loaded)
    try:
        # Issue 17: in a district, each school's codes under its name.
        schools = [(one.settings.school.name, issue_codes(one))
                   for one in getattr(core, "cores", [core])]
        rows = [row for _, mine in schools for row in mine]
    finally:
        core.db.close()
    print(texts.CODES_HEADER)
    for name, mine in schools:
        if len(schools) > 1:
            print(f"【{name}】")
        _print_codes(mine)
    if out is not None:
        today = core.clock.now().astimezone(core.settings.zone).date()
        book = sheets.new_book()
        lines: list[tuple[str, ...]] = [_code_line(row) for row in rows]
        titles: tuple[str, ...] = texts.CODES_COLUMNS
        widths: tuple[int, ...] = (12, 24, 10, 14, 12)
        title = texts.CODES_TITLE.format(school=core.settings.school.name)
        if len(schools) > 1:  # issue 17: one file for every school, a 学校 column first
            lines = [(name, *_code_line(row)) for name, mine in schools
                     for row in sorted(mine, key=lambda row: ("、".join(row.groups), row.name))]
            titles, widths = (texts.CODES_SCHOOL, *titles), (16, *widths)
            title = texts.CODES_TITLE_DISTRICT.format(school=core.settings.school.name)
        sheets.write_sheet(
            book, name=texts.CODES_SHEET, title=title,
            meta=texts.CODES_META.format(today=today),
            columns=[sheets.Column(name, width) for name, width in zip(
                titles, widths, strict=True)],
            rows=lines)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            book.save(out)
        except OSError as exc:
            print(texts.CODES_UNWRITABLE.format(path=out, reason=exc.strerror or exc),
                  file=sys.stderr)
            return EXIT_FAILURE
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
    logs.add_secret(loaded.token)
    logs.add_secret(loaded.dingtalk_secret)
    if args.sandbox:  # the sandbox's database (and so its clock), for any command
        loaded = dataclasses.replace(loaded, database_url=_sandbox_url(loaded))
    if args.command == "check-config":
        return _check_config(loaded)
    from storage import DatabaseUnavailable

    try:
        return _dispatch(args, loaded)
    except (DatabaseUnavailable, OperationalError) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(texts.DATABASE_UNREACHABLE.format(url=_shown_url(loaded.database_url),
                                                reason=logs.redact(str(reason)).strip()),
              file=sys.stderr)
        return EXIT_FAILURE


def _check_config(loaded: Loaded) -> int:
    """The config is valid once loaded; nothing else is imported or opened."""
    config = loaded.config
    if config.school_settings:  # issue 17: one line per school
        print(texts.CONFIG_OK_DISTRICT.format(path=loaded.path, central=config.school.name,
                                              count=len(config.school_settings)))
        for settings in config.school_settings:
            print(texts.CONFIG_SCHOOL_LINE.format(school=settings.school.name,
                                                  groups=len(settings.groups),
                                                  quotas=len(settings.quotas)))
        return 0
    print(texts.CONFIG_OK.format(path=loaded.path, school=config.school.name,
                                 groups=len(config.groups), quotas=len(config.quotas)))
    return 0


def _dispatch(args: argparse.Namespace, loaded: Loaded) -> int:
    command = args.command or "run"
    if command == "migrate":
        _open(loaded).db.close()
        print(texts.MIGRATED.format(url=_shown_url(loaded.database_url)))
        return 0
    if command == "seed-demo":
        return _seed_demo(loaded)
    if command in ("export", "semester", "backup", "restore"):
        return _maintenance(args, loaded)
    if command == "roster":
        if args.roster_command == "import":
            return _roster_import(loaded, args.file)
        return _roster_codes(loaded, args.out)
    if args.sandbox:  # `yanxiu --sandbox run`: the sandbox, never a platform on its database
        return _sandbox(loaded, asked=True)
    platform = getattr(args, "platform", None)
    if command == "run" and (platform == "dingtalk" or (platform is None
                                                        and loaded.dingtalk_ready)):
        return _dingtalk(loaded, with_telegram=platform is None and loaded.token is not None)
    if command == "run" and platform == "telegram" and loaded.token is None:
        print(texts.PLATFORM_NEEDS_TOKEN.format(env=TOKEN_ENV), file=sys.stderr)
        return EXIT_USAGE
    if command == "sandbox" or loaded.token is None:
        return _sandbox(loaded, asked=command == "sandbox")
    return _telegram(loaded, webhook=getattr(args, "webhook", False))


def _dingtalk(loaded: Loaded, *, with_telegram: bool) -> int:
    """钉钉, and Telegram in the same process when its token is set too."""
    from telegram.error import InvalidToken

    from bot.config import DINGTALK_SECRET_ENV
    from bot.dingtalk.adapter import run_dingtalk
    from bot.dingtalk.openapi import DingTalkError, WrongCredentials

    spec = loaded.config.dingtalk
    missing = [what for what, value in (("[dingtalk] client_id", spec.client_id),
                                        ("[dingtalk] card_template_id", spec.card_template_id),
                                        (DINGTALK_SECRET_ENV, loaded.dingtalk_secret))
               if not value]
    if missing:
        print(texts.DINGTALK_NEEDS.format(missing="、".join(missing)), file=sys.stderr)
        return EXIT_USAGE
    assert loaded.dingtalk_secret is not None
    core = _open(loaded)
    logger.info(texts.STARTING_DINGTALK)
    try:
        if with_telegram:
            from bot.multi import run_both

            assert loaded.token is not None
            logger.info(texts.STARTING_TELEGRAM)
            run_both(core, token=loaded.token, telegram=loaded.config.telegram, dingtalk=spec,
                     secret=loaded.dingtalk_secret)
        else:
            run_dingtalk(core, spec=spec, secret=loaded.dingtalk_secret)
    except InvalidToken:
        print(texts.TOKEN_REJECTED.format(env=TOKEN_ENV), file=sys.stderr)
        return EXIT_USAGE
    except WrongCredentials:
        print(texts.DINGTALK_REJECTED.format(env=DINGTALK_SECRET_ENV), file=sys.stderr)
        return EXIT_USAGE
    except (OSError, DingTalkError) as exc:
        print(texts.DINGTALK_UNREACHABLE.format(endpoint=spec.openapi_endpoint,
                                                reason=logs.redact(str(exc))), file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        pass
    finally:
        core.db.close()
    return 0


# --- issue 17: one deployment for several schools ---


def _is_district(core: object) -> bool:
    from handlers.district.router import District

    return isinstance(core, District)


def _export_district(district: Core, args: argparse.Namespace) -> int:
    """An archive per school and the summary ledger, or one school's (``--school``)."""
    from bot.district_tools import export_district

    written = export_district(district, school=args.school,  # type: ignore[arg-type]
                              semester=args.semester, group=args.group,
                              teacher=args.teacher, out=args.out)
    for path in written:
        print((texts.EXPORTED_SUMMARY if path.suffix == ".xlsx" else texts.EXPORTED).format(
            path=path))
    return 0


def _code_line(row: CodeRow) -> tuple[str, ...]:
    """A row of the codes' file: 姓名, 教研组, 工号, 绑定码, 状态."""
    return (row.name, "、".join(row.groups), row.staff_no or "", row.code or "",
            texts.CODES_BOUND if row.bound else "")


def _print_codes(rows: Sequence[CodeRow]) -> None:
    for row in rows:
        code = texts.CODES_BOUND if row.bound else row.code
        print(f"{row.name}\t{'、'.join(row.groups)}\t{row.staff_no or ''}\t{code}")
