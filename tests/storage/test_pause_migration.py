"""Migration 0007: a pause recorded before it excused its sessions by itself; afterwards the
same sessions have approved leave rows, so no figure already reported changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

from storage import Database
from storage.db import MIGRATIONS
from storage.repos import meetings, school
from tests.storage.conftest import Line, import_lines, make_school


def _upgrade(db: Database, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def test_earlier_pauses_become_approved_leave(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        _upgrade(db, "0006")
        school_id, groups = make_school(db)
        import_lines(db, school_id, [Line("王芳"), Line("刘洋")])
        semester = db.call(lambda s: school.current_semester(
            s, school_id=school_id, today=date(2026, 11, 30)))
        assert semester is not None
        starts = {day: datetime(2026, 11, day, 6, 50, tzinfo=UTC) for day in (18, 25)}
        for day, start in starts.items():
            db.call(lambda s, d=day, t=start: meetings.ensure_meeting(
                s, group_id=groups["语文组"], semester_id=semester.id,
                planned_on=date(2026, 11, d), starts_at=t, ends_at=t, place="", note=""))
        with db.engine.begin() as connection:
            ids = dict(connection.execute(text("SELECT name, id FROM teacher")).all())
            found = dict(connection.execute(text("SELECT planned_on, id FROM meeting")).all())
            by_day = {date.fromisoformat(str(k)[:10]).day: v for k, v in found.items()}
            # 王芳 answered the 11-18 session herself (present); both were away 11-16..11-27.
            connection.execute(text(
                "INSERT INTO attendance (meeting_id, teacher_id, status, reason, updated_at) "
                "VALUES (:m, :t, 'present', '', :now)"),
                {"m": by_day[18], "t": ids["王芳"], "now": datetime(2026, 11, 18, tzinfo=UTC)})
            for name in ("王芳", "刘洋"):
                connection.execute(text(
                    'INSERT INTO pause (teacher_id, start, "end", reason) '
                    "VALUES (:t, :s, :e, '外出培训')"),
                    {"t": ids[name], "s": date(2026, 11, 16), "e": date(2026, 11, 27)})
        db.migrate()
        with db.engine.begin() as connection:
            rows = connection.execute(text(
                "SELECT t.name, a.meeting_id, a.status, a.reason, a.pause_id IS NOT NULL "
                "FROM attendance a JOIN teacher t ON t.id = a.teacher_id")).all()
            statuses = connection.execute(text("SELECT DISTINCT status FROM pause")).all()
        assert sorted((n, m, s, r, bool(p)) for n, m, s, r, p in rows) == sorted([
            ("王芳", by_day[18], "present", "", False),
            ("王芳", by_day[25], "leave", "外出培训", True),
            ("刘洋", by_day[18], "leave", "外出培训", True),
            ("刘洋", by_day[25], "leave", "外出培训", True)])
        assert [s for (s,) in statuses] == ["approved"]
    finally:
        db.close()
