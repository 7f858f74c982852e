"""A new school's first fortnight in the sandbox, as its people would live it (issue 15).

The demo school starts with the bot on Monday 2026-11-30 (the roster's import; no
``[school] started_on``). An admin, two 教研组长 and five teachers bind that morning. The
clock then walks day by day to Monday 12-14, the scheduler ticking every ten minutes: two
sessions of 数学组 (Tuesdays) and two of 语文组 (Wednesdays) are held with 签到 (one late),
one absence, one approved and one refused leave, and the leader writes the minutes after
each. Every message anyone gets is read:

- nobody is told they are behind on an item that is not yet due (心得体会, 论文, 专题演讲
  are due at term end), and nudges leave such items out;
- each teacher's /me attendance is what the archive's 考勤 sheet says, and the minutes'
  参加人员 are the sheet's 出席 of that session.

The minutes are written with today's form (参加人员 pre-filled from 签到, shown in the
summary); see ``write_minutes``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import read_roster
from bot.config import Config
from bot.console.sandbox import Sandbox
from bot.maintenance import export_archive
from handlers import texts
from handlers.dispatch import Core
from scheduler.clock import ManualClock
from tests.conftest import DEMO_ROSTER, make_core
from tests.e2e.test_sandbox import printed, talk

CHEN, WANG, LIU, SUN, ZHOU = "陈主任", "王芳", "刘洋", "孙丽", "周静"
ZHANG, WU, ZHENG = "张伟", "吴敏", "郑强"
CAST = (CHEN, WANG, LIU, SUN, ZHOU, ZHANG, WU, ZHENG)
CHINESE = (CHEN, WANG, LIU, SUN, ZHOU)  # 语文组 (陈主任 is a member too)
MATHS = (ZHANG, WU, ZHENG)  # 数学组
NOT_DUE = ("心得体会", "教育教学论文", "专题演讲")  # due = "end" in the example config
# What calls someone behind: a status, an amount owed, a count of people or items behind.
BEHIND = re.compile(r"稍落后|落后较多|还差|按进度|✗|落后\s*[1-9]|[1-9]\d*\s*[项人]落后")
MESSAGE = "── 研修助手 → "
DISCUSSION = ("围绕本单元的教学目标，大家交流了各自班级学生遇到的困难，讨论了如何用范文引路、"
              "如何设计评价表，并商定了下次试教的课例和分工安排。")
CONCLUSIONS = "下次由组内一位老师执教研讨课，全组听课，课后用评价表进行评课。"


@pytest.fixture
def box(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Sandbox]:
    """A fresh sandbox on the example config, its clock at Monday 2026-11-30 08:00."""
    core = make_core(config, sqlite_url, clock, roster=False)
    sandbox = Sandbox(core, clock, out=io.StringIO())
    sandbox.seed(read_roster(core, DEMO_ROSTER))
    yield sandbox
    core.db.close()


async def tap(box: Sandbox, label: str) -> str:
    """Press the newest button labelled ``label`` in the current chat, through /tap."""
    kept = box.buttons.get(box.chat.address, [])
    for back, options in enumerate(reversed(kept), start=1):
        for index, button in enumerate(options, start=1):
            if button.label == label:
                return await talk(box, f"/tap {back} {index}")
    raise AssertionError(f"no button {label!r} in {box.chat.address}: {kept}")


def messages(text: str) -> list[tuple[str, str]]:
    """(chat, text) of every message the sandbox printed: a header line, indented lines."""
    found: list[tuple[str, list[str]]] = []
    lines: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(MESSAGE):
            lines = []
            found.append((line.removeprefix(MESSAGE), lines))
        elif line.startswith("  ") and lines is not None:
            lines.append(line[2:])
        else:
            lines = None
    return [(chat, "\n".join(body)) for chat, body in found]


async def sign_in(box: Sandbox, group: str, *names: str) -> None:
    """Each of ``names`` presses 签到 on the group's 签到 message."""
    await talk(box, f"/in {group}")
    for name in names:
        await talk(box, f"/as {name}")
        assert "签到成功" in await tap(box, "签到"), name


async def ask_leave(box: Sandbox, name: str, group: str, reason: str, *,
                    approve: bool) -> None:
    """``name`` asks leave from the day-before reminder in the group; 陈主任 decides."""
    await talk(box, f"/as {name}", f"/in {group}")
    await tap(box, "请假")
    await talk(box, "/in 私聊")
    await tap(box, "填写请假原因")
    await talk(box, reason)
    assert "请假申请已提交" in await tap(box, "提交")
    await talk(box, f"/as {CHEN}", "/in 私聊")
    decided = await tap(box, "批准" if approve else "不批准")
    assert f"{name}的请假" in decided


async def write_minutes(box: Sandbox, leader: str, topic: str) -> list[str]:
    """The leader opens the minutes from the reminder after the session, confirms the
    参加人员 checklist as pre-ticked from 签到 (handing it in writes 考勤) and hands the
    minutes in; returns the names the summary lists as 出席."""
    await talk(box, f"/as {leader}", "/in 私聊")
    await tap(box, "填写活动记录")
    await talk(box, topic)
    await tap(box, "确认名单")
    await talk(box, leader, DISCUSSION, "/done", CONCLUSIONS, "/done", "/skip")
    summary = messages(printed(box))[-1][1]
    (line,) = [x for x in summary.splitlines() if x.startswith("参加人员：")]
    assert "✅" in await tap(box, "提交")
    present = line.removeprefix("参加人员：").split("；")[0]  # 出席 3 人：王芳、刘洋、孙丽
    names = present.split("：", 1)[1]
    return [] if names == texts.NONE else names.split("、")


def export(core: Core, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The archive as ``yanxiu export`` writes it on the sandbox's database: 台账.xlsx."""
    path = export_archive(core, semester=None, group=None, teacher=None, out=tmp_path)
    with zipfile.ZipFile(path) as bundle:
        book = load_workbook(io.BytesIO(bundle.read("台账.xlsx")))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def attendance_sheet(rows: list[tuple[object, ...]]) -> tuple[list[str], dict[str, dict]]:
    """A 考勤 sheet: its session columns (m/d), and per teacher the marks and figures."""
    header = [str(v) for v in rows[2]]
    first = header.index("应到")
    days = header[2:first]
    people = {}
    for row in rows[3:]:
        if not isinstance(row[0], int):
            break
        people[str(row[1])] = {"marks": dict(zip(days, row[2:first], strict=True)),
                               **dict(zip(header[first:], row[first:], strict=True))}
    return days, people


def me_attendance(text: str) -> int:
    """The attended figure of /me's 教研活动出勤 line."""
    (line,) = [x for _chat, body in messages(text) for x in body.splitlines()
               if x.startswith("教研活动出勤")]
    found = re.search(r"（本学期）(\d+)/\d+", line)
    assert found is not None, line
    return int(found[1])


async def test_a_new_school_over_its_first_fortnight(box: Sandbox, tmp_path: Path) -> None:
    await box.run([])
    for name in CAST:  # bound on the first morning, through /bind
        await talk(box, f"/as {name}")

    # Tuesday 12-01: 数学组 meets at 14:50; 张伟 and 吴敏 sign in, 郑强 does not come.
    await talk(box, "/clock 2026-12-01 14:55")
    await sign_in(box, "数学组", ZHANG, WU)
    await talk(box, "/clock 2026-12-01 16:30")
    minutes = {("数学组", "12/1"): await write_minutes(box, ZHANG, "计算教学中的错例分析")}
    # The day-before reminder for 语文组: 孙丽 asks leave, 陈主任 approves it.
    await talk(box, "/clock 2026-12-01 17:05")
    await ask_leave(box, SUN, "语文组", "孩子发烧，需要去医院", approve=True)

    # Wednesday 12-02: 语文组; 王芳 and 刘洋 sign in, 周静 does not come, 孙丽 on leave.
    await talk(box, "/clock 2026-12-02 14:55")
    await sign_in(box, "语文组", WANG, LIU)
    await talk(box, "/clock 2026-12-02 16:30")
    minutes["语文组", "12/2"] = await write_minutes(box, WANG, "习作单元教学研讨")

    # Monday 12-07 evening: 郑强 asks leave for Tuesday; 陈主任 refuses it.
    await talk(box, "/clock 2026-12-07 17:05")
    await ask_leave(box, ZHENG, "数学组", "想在办公室批改作业", approve=False)
    # Tuesday 12-08: 张伟 signs in on time, 吴敏 late (15:30, the session runs to 16:20).
    await talk(box, "/clock 2026-12-08 14:55")
    await sign_in(box, "数学组", ZHANG)
    await talk(box, "/clock 2026-12-08 15:30")
    await sign_in(box, "数学组", WU)
    await talk(box, "/clock 2026-12-08 16:30")
    minutes["数学组", "12/8"] = await write_minutes(box, ZHANG, "分数应用题的教学策略")

    # Wednesday 12-09: the whole 语文组 but 陈主任; nudges go out at 16:30.
    await talk(box, "/clock 2026-12-09 14:55")
    await sign_in(box, "语文组", WANG, LIU, SUN, ZHOU)
    await talk(box, "/clock 2026-12-09 16:30")
    minutes["语文组", "12/9"] = await write_minutes(box, WANG, "阅读策略单元的课例研讨")
    await talk(box, "/clock 2026-12-14 09:00")  # on to Monday's digests

    mine = {}
    for name in CAST:
        mine[name] = await talk(box, f"/as {name}", "/in 私聊", "/me")
    await talk(box, f"/as {CHEN}", "/progress", f"/as {WANG}", "/progress")

    # -- nobody is told they are behind on what is not yet due ----------------------------
    received = messages(printed(box))
    nudges = [text for _chat, text in received if "研修小提醒" in text]
    assert nudges, "the fortnight had no nudge: the check below would prove nothing"
    digests = [text for _chat, text in received if "周报" in text]
    assert digests
    for chat, text in received:
        for line in text.splitlines():
            if any(label in line for label in NOT_DUE):
                assert not BEHIND.search(line), f"{chat}: {line}"
    for text in nudges:
        assert not any(label in text for label in NOT_DUE), text
    for name in CAST:
        for label in NOT_DUE:
            assert f"{label}（本学期）0/1 ░░░░░░░░░░ 未到期（1月22日前完成）" in mine[name]

    # -- /me, the 考勤 sheet and the minutes agree ----------------------------------------
    sheets = export(box.core, tmp_path)
    expected = {WANG: 2, LIU: 2, SUN: 2, ZHOU: 1, CHEN: 0, ZHANG: 2, WU: 2, ZHENG: 0}
    for group, names in (("语文组", CHINESE), ("数学组", MATHS)):
        days, people = attendance_sheet(sheets[f"考勤-{group}"])
        # The term's sessions before the first day are there, marked "—" (not recorded).
        before, days = days[:-2], days[-2:]
        assert days == (["12/2", "12/9"] if group == "语文组" else ["12/1", "12/8"])
        assert before
        assert {row["marks"][day] for row in people.values() for day in before} == {"—"}
        for name in names:
            row = people[name]
            assert row["应到"] == 2, (name, row)
            assert row["出席"] + row["请假"] == me_attendance(mine[name]) == expected[name], (
                name, row, mine[name])
        for day in days:
            present = sorted(n for n, row in people.items() if row["marks"][day] == "出席")
            assert sorted(minutes[group, day]) == present, (group, day)
    _, chinese = attendance_sheet(sheets["考勤-语文组"])
    assert [chinese[SUN]["marks"][d] for d in ("12/2", "12/9")] == ["请假", "出席"]
    assert [chinese[ZHOU]["marks"][d] for d in ("12/2", "12/9")] == ["缺席", "出席"]
    _, maths = attendance_sheet(sheets["考勤-数学组"])
    assert [maths[ZHENG]["marks"][d] for d in ("12/1", "12/8")] == ["缺席", "未准假"]
    assert [maths[WU]["marks"][d] for d in ("12/1", "12/8")] == ["出席", "出席"]  # late
