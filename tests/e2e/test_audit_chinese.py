"""/audit in Chinese only, also for entries older versions wrote with ids and English words.

The entries are written straight into the audit table in the forms the code once wrote
("meeting 35 teacher 10: None → present"), or still writes with ids (a deleted or checked
record, a linked chat, a role); /audit shows every one with names and dates (issue 15).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlmodel import Session

from bot.app import build_runner
from handlers.types import Reply
from storage.repos import meetings, people, records, school
from storage.tables import AuditEntry
from tests.conftest import ZONE
from tests.drivers import Driver


async def test_old_audit_entries_show_names_and_dates(driver: Driver) -> None:
    driver.bind("陈主任", "王芳")
    core = driver.core

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(core, nowhere).tick()  # plans the sessions

    def write(session: Session) -> None:
        ids = school.group_ids(session, school_id=core.school_id)
        (meeting,) = meetings.list_meetings(session, group_ids=[ids["语文组"]],
                                            start=date(2026, 12, 2), end=date(2026, 12, 2))
        (liu,) = people.find_by_name(session, school_id=core.school_id, name="刘洋")
        (wang,) = people.find_by_name(session, school_id=core.school_id, name="王芳")
        semester = school.current_semester(session, school_id=core.school_id,
                                           today=date(2026, 11, 30))
        assert semester is not None
        record = records.add_record(
            session, teacher_id=liu.id, semester_id=semester.id, kind="reflection",
            title="《秋天的雨》教学反思", answers={}, chars=600, occurred_on=date(2026, 11, 27),
            now=core.clock.now())
        at = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)
        old = [
            ("correct_attendance", f"meeting {meeting.id} teacher {liu.id}: None → present"),
            ("correct_attendance", f"meeting {meeting.id} teacher {liu.id}: present → absent"),
            ("leave_decision", "刘洋 语文组 2026-12-02: leave_refused"),
            ("move_session", "语文组 2026-12-02 → 2026-12-03T15:00:00+08:00"),
            ("cancel_session", "语文组 2026-12-09"),
            ("review_record", f"reflection #{record} returned"),
            ("delete_record", f"reflection #{record} 《秋天的雨》教学反思"),
            ("link_chat", f"语文组教研群 → {ids['语文组']}"),
            ("roster_change", "刘洋：角色 teacher → leader"),
            ("roster_add", "李明（数学组，teacher）"),
            ("some_future_action", "孙丽"),
        ]
        for minute, (action, detail) in enumerate(old):
            session.add(AuditEntry(school_id=core.school_id, actor_id=wang.id, action=action,
                                   detail=detail, at=at.replace(minute=minute)))

    core.db.call(write)
    log = await driver.say("陈主任", "/audit")
    lines = log.splitlines()
    expected = [
        "王芳：更正考勤 刘洋，语文组12月2日（周三）的教研：未记录 → 出席",
        "王芳：更正考勤 刘洋，语文组12月2日（周三）的教研：出席 → 缺席",
        "王芳：审批请假 刘洋，语文组12月2日（周三）的教研：请假未批",
        "王芳：教研改期 语文组12月2日（周三）的教研改到 12月3日（周四）15:00",
        "王芳：取消教研 语文组12月9日（周三）的教研",
        "王芳：检查记录 刘洋的教学反思「《秋天的雨》教学反思」：退回修改",
        "王芳：删除记录 刘洋的教学反思「《秋天的雨》教学反思」",
        "王芳：关联群聊 群「语文组教研群」→ 语文组",
        "王芳：修改花名册 刘洋：角色 教师 → 教研组长",
        "王芳：添加老师 李明（数学组，教师）",
        "王芳：其他操作 孙丽",
    ]
    for line in expected:
        assert any(shown.endswith(line) for shown in lines), (line, log)
    # Nothing in English, no ids, no ISO dates: names and dates only.
    assert re.search(r"[A-Za-z]|#\d|\d{4}-\d{2}-\d{2}", log) is None, log
