"""The database away for a while: the teacher is told to try again, nothing typed is lost."""

from __future__ import annotations

import sqlite3

from handlers import texts
from handlers.dispatch import Core
from storage import Database
from storage.repos import drafts
from tests.drivers import Driver, plain


async def test_locked_sqlite_asks_to_retry_and_keeps_the_draft(core: Core) -> None:
    driver = Driver(core)
    driver.bind("刘洋")
    await driver.say("刘洋", "/reflect")
    await driver.say("刘洋", "《秋天的雨》")
    path = core.db.engine.url.database
    assert path is not None
    # A backup or another program holds the database for longer than the busy timeout.
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        replies = await driver.send("刘洋", "三年级2班")
        assert [plain(r) for r in replies] == [texts.DB_BUSY]
    finally:
        blocker.rollback()
        blocker.close()
    # The database is back: the draft kept the first answer, and the same message now lands.
    row = core.db.call(lambda s: drafts.get_draft(s, account=driver.account("刘洋")))
    assert row is not None
    assert row.answers == {"topic": "《秋天的雨》"}
    assert row.step == "class_name"
    text = await driver.say("刘洋", "三年级2班")
    assert "第 3/7 项 · 上课日期" in text


async def test_unreachable_postgres_is_a_retry_message(core: Core) -> None:
    away = Core(db=Database("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"),
                settings=core.settings, clock=core.clock)
    away.school_id = core.school_id
    driver = Driver(away)
    try:
        assert await driver.say("刘洋", "/me") == texts.DB_BUSY
    finally:
        away.db.close()
