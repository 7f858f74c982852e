"""The Alembic migrations build exactly the schema the SQLModel tables describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from storage import Database
from storage.db import MIGRATIONS
from storage.repos import school
from tests.storage.conftest import SEMESTERS, make_school


def head_revision() -> str:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def tables_of(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_migrate_on_empty_database_creates_every_table(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        assert tables_of(db) == set()
        db.migrate()
        assert tables_of(db) == set(SQLModel.metadata.tables) | {"alembic_version"}
        with db.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [head_revision()]
    finally:
        db.close()


def test_migrate_twice_is_a_no_op(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        db.migrate()
        school_id, groups = make_school(db)
        db.migrate()
        db.migrate()
        assert tables_of(db) == set(SQLModel.metadata.tables) | {"alembic_version"}
        with db.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [head_revision()]
        # The data written before is still there, unchanged.
        assert db.call(lambda s: school.get_school_id(s, name="花城小学")) == school_id
        assert db.call(lambda s: school.group_ids(s, school_id=school_id)) == groups
        semester = db.call(lambda s: school.current_semester(
            s, school_id=school_id, today=SEMESTERS[0][1]))
        assert semester is not None
        assert semester.name == SEMESTERS[0][0]
    finally:
        db.close()


def test_models_and_migrations_agree(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    try:
        db.migrate()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == []
    finally:
        db.close()
