"""Migration 0015 and the school a 学区管理员 works in (``district_visit``), on SQLite and
PostgreSQL: kept per person, replaced by one upsert even when two processes write at once."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect
from sqlmodel import Session

from storage import Database
from storage.db import MIGRATIONS
from storage.repos import district
from tests.storage.conftest import GROUPS, Line, import_lines, make_school, race, roster


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_0015_adds_the_visits_to_a_database_in_use_and_takes_them_away(
        empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        _migrate(db, "0014")
        central, _ = make_school(db, "城关镇中心校")
        village, _ = make_school(db, "李家村小学", GROUPS[:2])
        import_lines(db, central, [Line("周主任", role="admin")])
        [zhou] = roster(db, central)
        assert "district_visit" not in inspect(db.engine).get_table_names()
        db.migrate()
        db.call(lambda s: district.visit(s, teacher_id=zhou.id, school_id=village))
        assert db.call(lambda s: district.visit_of(s, teacher_id=zhou.id)) == district.Visit(
            village, "李家村小学")
        _migrate(db, "0014", down=True)
        assert "district_visit" not in inspect(db.engine).get_table_names()
        db.migrate()
        assert db.call(lambda s: district.visit_of(s, teacher_id=zhou.id)) is None
    finally:
        db.close()


def test_a_visit_is_replaced_and_ended(db: Database) -> None:
    central, _ = make_school(db, "城关镇中心校")
    lijia, _ = make_school(db, "李家村小学", GROUPS[:2])
    wangzhuang, _ = make_school(db, "王庄村小学", GROUPS[:1])
    import_lines(db, central, [Line("周主任", role="admin"), Line("吴老师")])
    zhou, wu = roster(db, central)
    db.call(lambda s: district.visit(s, teacher_id=zhou.id, school_id=lijia))
    db.call(lambda s: district.visit(s, teacher_id=zhou.id, school_id=wangzhuang))
    assert db.call(lambda s: district.visit_of(s, teacher_id=zhou.id)) == district.Visit(
        wangzhuang, "王庄村小学")
    assert db.call(lambda s: district.visit_of(s, teacher_id=wu.id)) is None
    db.call(lambda s: district.end_visit(s, teacher_id=zhou.id))
    db.call(lambda s: district.end_visit(s, teacher_id=zhou.id))  # at home already: fine
    assert db.call(lambda s: district.visit_of(s, teacher_id=zhou.id)) is None


def test_two_processes_naming_a_school_at_once_both_succeed(db: Database) -> None:
    central, _ = make_school(db, "城关镇中心校")
    lijia, _ = make_school(db, "李家村小学", GROUPS[:2])
    wangzhuang, _ = make_school(db, "王庄村小学", GROUPS[:1])
    import_lines(db, central, [Line("周主任", role="admin")])
    [zhou] = roster(db, central)

    def naming(school_id: int) -> Callable[[Session], None]:
        def unit(session: Session) -> None:
            district.visit(session, teacher_id=zhou.id, school_id=school_id)

        return unit

    results = race(db, naming(lijia), naming(wangzhuang))
    assert results == [None, None]
    visit = db.call(lambda s: district.visit_of(s, teacher_id=zhou.id))
    assert visit is not None
    assert visit.school_id in (lijia, wangzhuang)
