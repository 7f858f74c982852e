"""教导处's command-line tools: export archives, close semesters, back up and restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import Session

from bot import texts
from handlers import exports, jobs
from handlers import texts as handler_texts
from handlers.dispatch import Core
from handlers.features.reports import SEMESTER_CLOSED
from storage.files import FileStore
from storage.repos import outbox, people, school, semesters


class MaintenanceError(Exception):
    """A tool cannot do what was asked; ``str(exc)`` says why, in Chinese."""


def export_archive(core: Core, *, semester: str | None, group: str | None,
                   teacher: str | None, out: Path) -> Path:
    """Write the archive ZIP for the scope into ``out`` and return its path."""
    now = core.clock.now()
    today = now.astimezone(core.settings.zone).date()

    def read(session: Session) -> exports.ArchiveData:
        found = (semesters.get_by_name(session, school_id=core.school_id, name=semester)
                 if semester else school.current_semester(session, school_id=core.school_id,
                                                          today=today))
        if found is None:
            raise MaintenanceError(texts.NO_SUCH_SEMESTER.format(name=semester or ""))
        scope = exports.Scope(found, group=group, teacher=teacher)
        if group and group not in {g.name for g in core.settings.groups}:
            raise MaintenanceError(handler_texts.EXPORT_UNKNOWN.format(name=group))
        return exports.collect(session, core.settings, core.school_id, scope, today, now)

    # Read in one short transaction; build the files outside it.
    filename, content = exports.render(core.db.call(read))
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    path.write_bytes(content)
    return path


def set_semester(core: Core, *, name: str, closed: bool) -> bool:
    """Close (freezing edits, sending admins the summary) or reopen a semester."""
    now = core.clock.now()

    def apply(session: Session) -> bool:
        found = semesters.get_by_name(session, school_id=core.school_id, name=name)
        if found is None:
            raise MaintenanceError(texts.NO_SUCH_SEMESTER.format(name=name))
        changed = semesters.set_closed(session, semester_id=found.id, closed=closed,
                                       actor=texts.CLI_ACTOR, now=now)
        if changed and closed:
            jobs.close_drafts(session, settings=core.settings, school_id=core.school_id,
                              now=now)
            for account in people.admin_accounts(session, school_id=core.school_id):
                outbox.enqueue(session, key=f"{SEMESTER_CLOSED}:{found.id}:{account}",
                               kind=SEMESTER_CLOSED, chat=account,
                               payload={"semester": found.id}, due_at=now)
        return changed

    return core.db.call(apply)


def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        raise MaintenanceError(texts.BACKUP_POSTGRES)
    return Path(parsed.database)


def backup(url: str, out: Path) -> Path:
    """A consistent copy of a SQLite database, safe while the bot runs (the backup API)."""
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise MaintenanceError(texts.BACKUP_NO_DATABASE.format(path=source_path))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(out.suffix + ".part")
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    partial.replace(out)
    return out


def restore(url: str, backup_file: Path) -> Path:
    """Copy a backup into an empty SQLite database (refuses to overwrite records)."""
    target_path = _sqlite_path(url)
    if not backup_file.exists():
        raise MaintenanceError(texts.BACKUP_NO_DATABASE.format(path=backup_file))
    if target_path.exists():
        with sqlite3.connect(target_path) as check:
            tables = check.execute("SELECT name FROM sqlite_master WHERE type='table' AND "
                                   "name='teacher'").fetchall()
            rows = check.execute("SELECT count(*) FROM teacher").fetchone()[0] if tables else 0
        if rows:
            raise MaintenanceError(texts.RESTORE_NOT_EMPTY.format(path=target_path))
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(backup_file)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return target_path



def files_beside(backup_file: Path) -> Path:
    """The folder beside a database backup that holds the attachments (``X.db.files``)."""
    return backup_file.with_name(backup_file.name + ".files")


def backup_files(files_dir: Path, out: Path) -> int:
    """Copy the attachments (content-addressed, so only new ones) beside the backup ``out``;
    how many files the backup holds."""
    source, target = FileStore(files_dir), FileStore(files_beside(out))
    source.copy_to(target)
    return len(target.digests())


def restore_files(backup_file: Path, files_dir: Path) -> int:
    """Copy the attachments kept beside ``backup_file`` back into ``files_dir``; how many."""
    beside = files_beside(backup_file)
    if not beside.is_dir():
        return 0
    return FileStore(beside).copy_to(FileStore(files_dir))
