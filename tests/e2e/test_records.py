"""Transcripts of handing in records: forms in private chat, restarts, /mine, and refusals.

Every test talks to the bot the way a teacher does (menu texts, commands, buttons) and
checks what the teacher sees, then what the database holds. The answers below are written
in Han characters and Chinese punctuation only, so their 字数 is simply ``len(text)``.
"""

from __future__ import annotations

import dataclasses
import html.parser
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from bot.app import import_roster, read_roster
from bot.config import Config
from handlers.roster import Role
from handlers.types import Reply
from scheduler.clock import ManualClock
from storage.repos import drafts, people
from storage.repos.drafts import DraftRow
from storage.repos.records import RecordRow, get_record
from storage.tables import Record
from tests.conftest import DEMO_ROSTER, make_core
from tests.drivers import Driver, button_data, labels, prose, shown, tap

LIU = "刘洋"  # 语文组, 教师
SUN = "孙丽"  # 语文组, 教师

TOPIC = "《秋天的雨》"
CLASS = "三年级2班"
HIGHLIGHT_PARTS = (
    "导入环节用秋天的图片引发兴趣，学生发言踊跃。",
    "朗读指导层层递进，学生读出了秋雨的美。",
    "小组合作找比喻句，人人都有事做。",
)
HIGHLIGHTS = "\n".join(HIGHLIGHT_PARTS)
SHORTCOMINGS = "生字书写指导时间不够，部分学生的笔顺仍然有错误，课后需要补上一节练习课。"
STUDENT_ERRORS = "学生把“五彩缤纷”写成“五采缤纷”，也有人分不清“的”和“地”。"
NEXT_TIME = "下次先让学生自己找秋天的颜色，再读课文，把写字指导放在第一课时完成。"
BODY_CHARS = sum(len(p) for p in HIGHLIGHT_PARTS) + len(SHORTCOMINGS) + len(STUDENT_ERRORS) \
    + len(NEXT_TIME)

PROCESS_PARTS = (
    "教师先用学生熟悉的分饼情境导入，引出二分之一。",
    "学生动手折纸表示四分之一，再在小组里交流不同的折法，教师巡视并挑选作品展示。",
)
STRENGTH = "动手操作充分，学生参与度高。"
WEAKNESS = "练习层次不够，后进生跟不上。"
SUGGESTION = "可以增加一道分层的拓展练习。"


# -- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """In a script: press the button with this label on the last reply."""

    label: str






async def run(bot: Driver, name: str, script: list[str | Tap],
              replies: list[Reply] | None = None) -> list[Reply]:
    """Send each message (or press each button) of ``script``; return the last replies."""
    last = replies or []
    for step in script:
        if isinstance(step, Tap):
            last = await tap(bot, name, last, step.label)
        else:
            last = await bot.send(name, step)
        assert "⚠️" not in shown(last), f"{step!r} was refused:\n{shown(last)}"
    return last


def teacher_id(bot: Driver, name: str) -> int:
    core = bot.core
    found = core.db.call(lambda s: people.find_by_name(s, school_id=core.school_id, name=name))
    assert len(found) == 1
    return found[0].id


def stored(bot: Driver, name: str, *, deleted: bool = False) -> list[RecordRow]:
    """The records of ``name`` in the database, oldest first (live ones unless ``deleted``)."""
    owner = teacher_id(bot, name)

    def query(session: Session) -> list[RecordRow]:
        ids = session.exec(
            select(Record.id).where(Record.teacher_id == owner).order_by(col(Record.id))
        ).all()
        rows = [get_record(session, record_id=i) for i in ids if i is not None]
        return [r for r in rows if r is not None and (deleted or not r.deleted)]

    return bot.core.db.call(query)


def draft_of(bot: Driver, name: str) -> DraftRow | None:
    return bot.core.db.call(lambda s: drafts.get_draft(s, account=bot.account(name)))


def restart(bot: Driver, config: Config, url: str, clock: ManualClock) -> None:
    """Stop the bot and start a new process on the same database (the roster stays)."""
    bot.core.db.close()
    bot.core = make_core(config, url, clock, roster=False)


REFLECTION_SCRIPT: list[tuple[str, list[str | Tap]]] = [
    ("topic", [TOPIC]),
    ("class_name", [CLASS]),
    ("taught_on", [Tap("今天")]),
    ("highlights", [*HIGHLIGHT_PARTS, "完成"]),
    ("shortcomings", [SHORTCOMINGS, Tap("完成")]),
    ("student_errors", [STUDENT_ERRORS, "完成"]),
    ("next_time", [NEXT_TIME, "完成"]),
]
REFLECTION_ANSWERS = {
    "topic": TOPIC, "class_name": CLASS, "taught_on": "2026-11-30", "highlights": HIGHLIGHTS,
    "shortcomings": SHORTCOMINGS, "student_errors": STUDENT_ERRORS, "next_time": NEXT_TIME,
}


def observation_script(teacher: str) -> list[tuple[str, list[str | Tap]]]:
    return [
        ("observed_on", ["上周三"]),
        ("period", ["三"]),
        ("class_name", ["四年级1班"]),
        ("subject", [Tap("数学")]),
        ("teacher", [teacher]),
        ("title", ["分数的初步认识"]),
        ("lesson_type", [Tap("新授课")]),
        ("process", [*PROCESS_PARTS, "完成"]),
        # The "三个一" are short: one message each, and the form moves on.
        ("strength", [STRENGTH]),
        ("weakness", [WEAKNESS]),
        ("suggestion", [SUGGESTION]),
    ]


def observation_answers(teacher: str, teacher_key: int | None) -> dict[str, object]:
    return {
        "observed_on": "2026-11-25", "period": 3, "class_name": "四年级1班", "subject": "数学",
        "teacher": teacher, "teacher_id": teacher_key, "title": "分数的初步认识",
        "lesson_type": "新授课", "process": "\n".join(PROCESS_PARTS), "strength": STRENGTH,
        "weakness": WEAKNESS, "suggestion": SUGGESTION,
    }


async def hand_in_reflection(bot: Driver, name: str, **changes: str) -> list[Reply]:
    """Fill and submit a whole 教学反思; ``changes`` replace single-message answers."""
    replies = await bot.send(name, "写反思")
    for key, messages in REFLECTION_SCRIPT:
        replies = await run(bot, name, [changes[key]] if key in changes else messages, replies)
    return await tap(bot, name, replies, "提交")


async def hand_in_insight(bot: Driver, name: str, title: str, body: str) -> list[Reply]:
    """A 心得体会 through /record (no minimum 字数 in the form)."""
    replies = await run(bot, name, ["/record 心得体会", title, body, "完成"])
    return await tap(bot, name, replies, "提交")


@pytest.fixture
def bot(config: Config, database_url: str, clock: ManualClock) -> Iterator[Driver]:
    """刘洋 and 孙丽 bound, on a fresh database (SQLite, and PostgreSQL when configured)."""
    driver = Driver(make_core(config, database_url, clock))
    driver.bind(LIU, SUN)
    yield driver
    driver.core.db.close()


# -- 1. a whole 教学反思 -------------------------------------------------------------------


async def test_teacher_writes_a_whole_reflection_from_the_menu(bot: Driver) -> None:
    opened = await bot.say(LIU, "写反思")
    assert "教学反思 · 第 1/7 项 · 课题" in opened
    assert "这节课的课题是什么？" in opened
    assert "第 2/7 项 · 班级" in await bot.say(LIU, TOPIC)
    asked_date = await bot.send(LIU, CLASS)
    assert "第 3/7 项 · 上课日期" in shown(asked_date)
    assert labels(asked_date) == ["今天", "昨天"]
    asked = await bot.say(LIU, "上周五")
    assert "第 4/7 项 · 闪光点" in asked
    assert "至少 30 字，可以分几条消息发送" in asked

    so_far = 0
    for part in HIGHLIGHT_PARTS:
        so_far += len(part)
        noted = await bot.send(LIU, part)
        assert f"已记下「闪光点」，共 {so_far} 字" in shown(noted)
        assert labels(noted) == ["完成"]
    assert so_far == 57
    assert "第 5/7 项 · 失败处" in await bot.say(LIU, "完成")
    noted = await bot.send(LIU, SHORTCOMINGS)
    assert "第 6/7 项 · 学生错例" in shown(await tap(bot, LIU, noted, "完成"))
    await bot.send(LIU, STUDENT_ERRORS)
    assert "第 7/7 项 · 二次教学建议" in await bot.say(LIU, "完成")
    await bot.send(LIU, NEXT_TIME)
    summary = await bot.send(LIU, "完成")

    text = shown(summary)
    assert "请核对这份教学反思" in text
    assert f"课题：{TOPIC}" in text
    assert "上课日期：2026年11月27日" in text
    assert f"闪光点：{HIGHLIGHTS}（57 字）" in text
    assert f"失败处：{SHORTCOMINGS}（{len(SHORTCOMINGS)} 字）" in text
    assert f"正文合计：{BODY_CHARS} 字" in text
    assert labels(summary) == ["提交", "修改某项", "取消"]

    done = shown(await tap(bot, LIU, summary, "提交"))
    assert f"✅ 已提交教学反思「{TOPIC}」。" in done
    assert f"正文 {BODY_CHARS} 字。" in done
    assert "教学反思（本学期）1/20" in done
    assert draft_of(bot, LIU) is None

    [record] = stored(bot, LIU)
    assert record.kind == "reflection"
    assert record.title == TOPIC
    assert record.chars == BODY_CHARS
    assert record.occurred_on.isoformat() == "2026-11-27"
    assert record.answers == {**REFLECTION_ANSWERS, "taught_on": "2026-11-27"}

    me = await bot.say(LIU, "我的进度")
    quotas = progress_lines(me)
    # The school started with the bot today (the roster's import): nothing is owed yet.
    assert quotas["教学反思"] == ("本学期", 1, 20, "进度正常")
    assert {"听课", "教学反思", "读书笔记", "心得体会", "教育教学论文", "课标摘抄", "专题演讲",
            "组内研讨课"} <= set(quotas)
    assert "听课（管理员）" not in me
    assert quotas["听课"] == ("本学期", 0, 30, "进度正常")
    assert quotas["心得体会"][3] == "未到期"
    # November's monthly quotas ask nothing of a school that starts on its last day.
    assert "\n教育故事（本月）暂无要求" in me
    assert "\n读书心得（本月）暂无要求" in me
    assert all(status in STATUS_WORDS for *_, status in quotas.values())


STATUS_WORDS = {"已完成", "进度正常", "未到期", "稍落后", "落后较多"}
_PROGRESS = re.compile(
    r"^(?P<label>[^（\s]+)（(?P<when>本学期|本月)）(?P<done>\d+)/(?P<target>\d+)(?: 字)? "
    r"[▓░]{10} (?P<status>\S+?)(?:，|（|$)", re.MULTILINE)


def progress_lines(text: str) -> dict[str, tuple[str, int, int, str]]:
    """label → (本学期/本月, done, target, status word) for each quota line of /me."""
    return {m["label"]: (m["when"], int(m["done"]), int(m["target"]), m["status"])
            for m in _PROGRESS.finditer(text)}


# -- 2. restarts ----------------------------------------------------------------------------


async def _fill_with_restart(bot: Driver, script: list[tuple[str, list[str | Tap]]],
                             command: str, restart_after: int, *, restart_now: Callable[[], None],
                             mid_field: bool = False) -> tuple[list[Reply], int]:
    """Fill a form, restarting the bot after ``restart_after`` fields (or inside the next)."""
    sent = 1
    replies = await bot.send(LIU, command)
    for index, (_key, messages) in enumerate(script):
        if index == restart_after and not mid_field:
            restart_now()
        for position, message in enumerate(messages):
            replies = await run(bot, LIU, [message], replies)
            sent += 1
            if index == restart_after and mid_field and position == 0:
                restart_now()
    if restart_after == len(script):
        restart_now()
    assert "请核对" in shown(replies)
    return await tap(bot, LIU, replies, "提交"), sent + 1


@pytest.mark.parametrize("answered", range(len(REFLECTION_SCRIPT) + 1),
                         ids=lambda k: f"restart-after-{k}-fields")
async def test_reflection_survives_a_restart_at_every_field(
    bot: Driver, config: Config, database_url: str, clock: ManualClock, answered: int
) -> None:
    done, sent = await _fill_with_restart(
        bot, REFLECTION_SCRIPT, "写反思", answered,
        restart_now=lambda: restart(bot, config, database_url, clock))
    assert "✅ 已提交教学反思" in shown(done)
    # No answer had to be typed twice: one message per step of the script, plus open/submit.
    assert sent == 2 + sum(len(messages) for _key, messages in REFLECTION_SCRIPT)
    [record] = stored(bot, LIU)
    assert record.answers == REFLECTION_ANSWERS
    assert record.chars == BODY_CHARS


async def test_reflection_survives_a_restart_in_the_middle_of_a_long_text(
    bot: Driver, config: Config, database_url: str, clock: ManualClock
) -> None:
    done, _sent = await _fill_with_restart(
        bot, REFLECTION_SCRIPT, "写反思", 3, mid_field=True,
        restart_now=lambda: restart(bot, config, database_url, clock))
    assert "✅ 已提交教学反思" in shown(done)
    [record] = stored(bot, LIU)
    assert record.answers["highlights"] == HIGHLIGHTS


@pytest.mark.parametrize("answered", range(len(observation_script("")) + 1),
                         ids=lambda k: f"restart-after-{k}-fields")
async def test_observation_survives_a_restart_at_every_field(
    bot: Driver, config: Config, database_url: str, clock: ManualClock, answered: int
) -> None:
    script = observation_script("张伟")
    done, sent = await _fill_with_restart(
        bot, script, "记听课", answered,
        restart_now=lambda: restart(bot, config, database_url, clock))
    assert "✅ 已提交听课记录「分数的初步认识」" in shown(done)
    assert sent == 2 + sum(len(messages) for _key, messages in script)
    [record] = stored(bot, LIU)
    assert record.answers == observation_answers("张伟", teacher_id(bot, "张伟"))


# -- 3. duplicate updates -------------------------------------------------------------------


async def test_an_update_delivered_twice_is_taken_once(bot: Driver) -> None:
    await bot.send(LIU, "写反思")
    first = await bot.send(LIU, TOPIC, key="tg:1001")
    again = await bot.send(LIU, TOPIC, key="tg:1001")
    assert "第 2/7 项 · 班级" in shown(first)
    assert again == first  # the same answer again; the draft moved on once
    assert "第 3/7 项" in await bot.say(LIU, CLASS)
    await bot.send(LIU, "今天")
    part = HIGHLIGHT_PARTS[0]
    collected = await bot.send(LIU, part, key="tg:1002")
    assert f"共 {len(part)} 字" in shown(collected)
    assert await bot.send(LIU, part, key="tg:1002") == collected
    # A new update with the same text is taken (and, repeated, counted once).
    assert f"共 {len(part)} 字（重复的句子只计一次，{len(part)} 字未计入）" in shown(
        await bot.send(LIU, part, key="tg:1003"))
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers["topic"] == TOPIC
    assert draft.answers["highlights"] == f"{part}\n{part}"
    await bot.send(LIU, HIGHLIGHT_PARTS[1], key="tg:1000")

    summary = await run(bot, LIU, ["完成", SHORTCOMINGS, "完成", "/skip", NEXT_TIME, "完成"])
    submit = button_data(summary, "提交")
    saved = await bot.send(LIU, button=submit, key="tg:1004")
    assert "✅ 已提交教学反思" in shown(saved)
    assert await bot.send(LIU, button=submit, key="tg:1004") == saved
    # A second tap (a new update) on the same 提交 finds the form already handed in.
    assert "这份已经提交过了" in shown(await bot.send(LIU, button=submit, key="tg:1005"))
    [record] = stored(bot, LIU)
    assert record.answers["highlights"] == f"{part}\n{part}\n{HIGHLIGHT_PARTS[1]}"
    assert "教学反思（本学期）1/20" in await bot.say(LIU, "/me")


# -- 4. another form while one is open ------------------------------------------------------


async def test_opening_another_form_asks_which_to_keep(bot: Driver) -> None:
    asked_date = await run(bot, LIU, ["写反思", TOPIC, CLASS])
    switch = await bot.send(LIU, "记听课")
    assert "您还有一份没写完的教学反思。继续写它，还是放弃它开始新的？" in shown(switch)
    assert labels(switch) == ["继续填写", "放弃它，开始新的"]

    kept = shown(await tap(bot, LIU, switch, "继续填写"))
    assert "教学反思 · 第 3/7 项 · 上课日期" in kept
    assert "第 4/7 项 · 闪光点" in shown(await tap(bot, LIU, asked_date, "今天"))

    # The same form again just picks up where the teacher was.
    resumed = await bot.say(LIU, "/reflect")
    assert "接着写上次没写完的教学反思" in resumed
    assert "第 4/7 项 · 闪光点" in resumed

    # /record's kinds ask the same question; this time the teacher gives the old one up.
    choose = await bot.send(LIU, "交材料")
    switch = await tap(bot, LIU, choose, "读书笔记")
    assert "没写完的教学反思" in shown(switch)
    started = shown(await tap(bot, LIU, switch, "放弃它，开始新的"))
    assert "已放弃这份教学反思。" in started
    assert "读书笔记 · 第 1/3 项 · 书名" in started
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert (draft.form, draft.answers) == ("reading_note", {})
    # The old form's buttons are dead now.
    assert "这个按钮已经失效了" in shown(await tap(bot, LIU, asked_date, "昨天"))
    assert stored(bot, LIU) == []


async def test_editing_a_record_while_a_form_is_open_edits_that_record(bot: Driver) -> None:
    await hand_in_reflection(bot, LIU)
    [record] = stored(bot, LIU)
    await run(bot, LIU, ["写反思", "另一节课"])
    listing = await bot.send(LIU, "/mine")
    view = await tap(bot, LIU, listing, f"教学反思 · {TOPIC} · 11/30")
    switch = await tap(bot, LIU, view, "修改")
    assert "没写完的教学反思" in shown(switch)
    editing = await tap(bot, LIU, switch, "放弃它，开始新的")
    assert "已放弃这份教学反思。" in shown(editing)
    assert "修改教学反思" in shown(editing)
    assert f"课题：{TOPIC}" in shown(editing)
    assert labels(editing) == ["提交", "修改某项", "取消"]
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert (draft.form, draft.step, draft.answers) == ("reflection", "@confirm",
                                                       REFLECTION_ANSWERS)
    assert draft.context["record_id"] == record.id

    pick = await tap(bot, LIU, editing, "修改某项")
    await tap(bot, LIU, pick, "班级")
    checked = await bot.send(LIU, "三年级3班")
    updated = shown(await tap(bot, LIU, checked, "提交"))
    assert f"✅ 已修改教学反思「{TOPIC}」。" in updated
    # The record was edited in place: no second record, and the abandoned one is gone.
    [edited] = stored(bot, LIU)
    assert edited.id == record.id
    assert edited.answers == {**REFLECTION_ANSWERS, "class_name": "三年级3班"}
    assert draft_of(bot, LIU) is None


async def test_keeping_the_open_form_instead_of_an_edit_resumes_it(bot: Driver) -> None:
    await hand_in_reflection(bot, LIU)
    await run(bot, LIU, ["写反思", "另一节课"])
    listing = await bot.send(LIU, "/mine")
    view = await tap(bot, LIU, listing, f"教学反思 · {TOPIC} · 11/30")
    switch = await tap(bot, LIU, view, "修改")
    kept = shown(await tap(bot, LIU, switch, "继续填写"))
    assert "教学反思 · 第 2/7 项 · 班级" in kept
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers == {"topic": "另一节课"}
    assert draft.context["record_id"] is None
    assert not draft.context["switch_args"]


# -- 5. /cancel, /back, /skip ---------------------------------------------------------------


async def test_cancel_asks_first_and_back_and_skip_move_through_the_form(bot: Driver) -> None:
    assert "现在没有正在填写的表单" in await bot.say(LIU, "/cancel")
    assert "已经是第一项了" in await bot.say(LIU, "写反思") + await bot.say(LIU, "/back")
    await run(bot, LIU, [TOPIC, CLASS])

    asked = await bot.send(LIU, "/cancel")
    assert "确定放弃这份教学反思吗？已填写的内容会被删除。" in shown(asked)
    assert labels(asked) == ["放弃", "继续填写"]
    assert "第 3/7 项 · 上课日期" in shown(await tap(bot, LIU, asked, "继续填写"))

    back = await bot.send(LIU, "/back")
    assert "第 2/7 项 · 班级" in shown(back)
    assert f"当前内容：{CLASS}" in shown(back)
    assert "第 3/7 项 · 上课日期" in shown(await tap(bot, LIU, back, "保持不变"))
    assert "这一项必须填写，不能跳过" in await bot.say(LIU, "/skip")

    await run(bot, LIU, ["今天", HIGHLIGHT_PARTS[0], HIGHLIGHT_PARTS[1], "完成"])
    # Back into a long text: what is there is shown, and a new message replaces it.
    back_long = await bot.say(LIU, "/back")
    assert "第 4/7 项 · 闪光点" in back_long
    assert f"当前内容：{HIGHLIGHT_PARTS[0]}" in back_long
    await run(bot, LIU, [HIGHLIGHTS, "完成"])
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers["highlights"] == HIGHLIGHTS
    await run(bot, LIU, [SHORTCOMINGS, "完成"])
    skip_asked = await bot.send(LIU, "写反思")
    assert "第 6/7 项 · 学生错例" in shown(skip_asked)
    assert "第 7/7 项 · 二次教学建议" in shown(await tap(bot, LIU, skip_asked, "跳过"))
    summary = await run(bot, LIU, [NEXT_TIME, "完成"])
    assert "学生错例：（未填）" in shown(summary)
    back_from_summary = await bot.say(LIU, "/back")
    assert "第 7/7 项 · 二次教学建议" in back_from_summary
    summary = await bot.send(LIU, "完成")
    assert "请核对" in shown(summary)

    asked = await tap(bot, LIU, summary, "取消")
    assert "确定放弃" in shown(asked)
    gone = await tap(bot, LIU, asked, "放弃")
    assert "已放弃这份教学反思。" in shown(gone)
    assert draft_of(bot, LIU) is None
    assert "我没有看懂这条消息" in await bot.say(LIU, "今天")
    assert "这个按钮已经失效了" in shown(await tap(bot, LIU, summary, "提交"))
    assert stored(bot, LIU) == []


async def test_skip_on_an_optional_field_leaves_it_out_of_the_record(bot: Driver) -> None:
    replies = await bot.send(LIU, "写反思")
    for key, messages in REFLECTION_SCRIPT:
        replies = await run(bot, LIU, ["/skip"] if key == "student_errors" else messages,
                            replies)
    await tap(bot, LIU, replies, "提交")
    [record] = stored(bot, LIU)
    assert "student_errors" not in record.answers
    assert record.chars == BODY_CHARS - len(STUDENT_ERRORS)


async def test_cancel_twice_then_keep_resumes_the_field(bot: Driver) -> None:
    await run(bot, LIU, ["写反思", TOPIC])
    await bot.send(LIU, "/cancel")
    asked = await bot.send(LIU, "/cancel")
    assert "确定放弃这份教学反思吗？" in shown(asked)
    assert "第 2/7 项 · 班级" in shown(await tap(bot, LIU, asked, "继续填写"))
    assert "第 3/7 项 · 上课日期" in await bot.say(LIU, CLASS)


async def test_cancel_at_the_switch_question_then_keep_resumes_the_field(bot: Driver) -> None:
    await run(bot, LIU, ["写反思", TOPIC])
    switch = await bot.send(LIU, "记听课")
    asked = await bot.send(LIU, "/cancel")
    assert "确定放弃这份教学反思吗？" in shown(asked)
    assert "第 2/7 项 · 班级" in shown(await tap(bot, LIU, asked, "继续填写"))
    # The switch question's buttons are spent: the current question is asked again.
    again = shown(await tap(bot, LIU, switch, "放弃它，开始新的"))
    assert again.startswith("这是前面问题的按钮，请回答现在这一项。\n教学反思 · 第 2/7 项 · 班级")
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert (draft.form, draft.step, draft.answers) == ("reflection", "class_name",
                                                       {"topic": TOPIC})


@pytest.mark.parametrize("control", ["/skip", "/back", "/done"])
@pytest.mark.parametrize("question", ["/cancel", "记听课"], ids=["cancel-asked", "switch-asked"])
async def test_a_control_while_a_question_is_shown_keeps_the_question(
    bot: Driver, question: str, control: str
) -> None:
    await run(bot, LIU, ["写反思", TOPIC])
    asked = await bot.send(LIU, question)
    answer = await bot.send(LIU, control)
    assert "请点下面的按钮继续" in shown(answer)
    assert shown(asked) in shown(answer)  # the same question again, with its buttons
    assert labels(answer) == labels(asked)
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.step == ("@cancel" if question == "/cancel" else "@switch")
    assert draft.answers == {"topic": TOPIC}
    assert "第 2/7 项 · 班级" in shown(await tap(bot, LIU, answer, "继续填写"))


# -- 6. bad input ---------------------------------------------------------------------------


async def test_bad_input_is_refused_and_the_draft_stays(bot: Driver) -> None:
    assert "我只能读文字消息" in shown(await bot.send(LIU, other="photo"))
    await bot.send(LIU, "写反思")
    photo = shown(await bot.send(LIU, other="photo"))
    assert "⚠️ 我只能读文字消息，请用文字回复。" in photo
    assert "第 1/7 项 · 课题" in photo
    await bot.send(LIU, TOPIC)
    for empty in ("", "   "):
        refused = await bot.say(LIU, empty)
        assert "⚠️ 内容不能为空，请重新输入。" in refused
        assert "第 2/7 项 · 班级" in refused
    too_long = await bot.say(LIU, "班" * 201)
    assert "太长了：最多 200 个字符，现在有 201 个" in too_long
    await bot.send(LIU, CLASS)

    impossible = await bot.say(LIU, "2月30日")
    assert "没有 2月30日 这一天" in impossible
    assert "第 3/7 项 · 上课日期" in impossible
    for future in ("下周三", "明天", "12月1日"):
        assert "⚠️ 日期不能晚于今天" in await bot.say(LIU, future)
    assert "没看懂这个日期" in await bot.say(LIU, "上课那天")
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert (draft.step, draft.answers) == ("taught_on", {"topic": TOPIC, "class_name": CLASS})
    assert "第 4/7 项" in await bot.say(LIU, "昨天")


async def test_a_very_long_text_is_kept_whole_and_shown_short(bot: Driver) -> None:
    sentence = "学生在朗读中体会到了秋雨的美，课堂气氛热烈。"  # 22 字
    long_text = prose(sentence, 910)[:20_000]
    assert len(long_text) == 20_000
    await run(bot, LIU, ["写反思", TOPIC, CLASS, "今天"])
    assert "已记下「闪光点」，共 20000 字" in await bot.say(LIU, long_text)
    summary = shown(await run(bot, LIU, ["完成", SHORTCOMINGS, "完成", "/skip", NEXT_TIME,
                                         "完成"]))
    assert f"闪光点：{long_text[:119]}…（20000 字）" in summary
    assert long_text[:200] not in summary
    assert f"正文合计：{20_000 + len(SHORTCOMINGS) + len(NEXT_TIME)} 字" in summary
    await bot.send(LIU, button=button_data(bot.seen[bot.account(LIU)], "提交"))
    [record] = stored(bot, LIU)
    assert record.answers["highlights"] == long_text
    assert record.chars == 20_000 + len(SHORTCOMINGS) + len(NEXT_TIME)


async def test_html_and_markdown_are_shown_escaped_and_stored_as_typed(bot: Driver) -> None:
    topic = "<b>分数</b> & *重点* _下划线_"
    highlights = "<i>导入</i>环节用秋天的图片引发兴趣，学生发言踊跃，**小组合作**也很有效。"
    replies = await bot.send(LIU, "写反思")
    for key, messages in REFLECTION_SCRIPT:
        if key == "topic":
            messages = [topic]
        elif key == "highlights":
            messages = [highlights, "完成"]
        replies = await run(bot, LIU, messages, replies)
    summary = replies[-1].text
    assert "课题</b>：&lt;b&gt;分数&lt;/b&gt; &amp; *重点* _下划线_" in summary
    assert "&lt;i&gt;导入&lt;/i&gt;环节" in summary
    assert "<i>导入" not in summary
    saved = (await tap(bot, LIU, replies, "提交"))[-1].text
    assert "「&lt;b&gt;分数&lt;/b&gt; &amp; *重点* _下划线_」" in saved
    [record] = stored(bot, LIU)
    assert record.title == topic
    assert record.answers["topic"] == topic
    assert record.answers["highlights"] == highlights
    # Buttons are plain text, not HTML: the title is shown as typed there.
    listing = await bot.send(LIU, "/mine")
    assert labels(listing) == [f"教学反思 · {topic} · 11/30"]
    view = (await tap(bot, LIU, listing, f"教学反思 · {topic} · 11/30"))[-1].text
    assert "&lt;b&gt;分数&lt;/b&gt;" in view


async def test_a_blank_message_does_not_wipe_a_long_text(bot: Driver) -> None:
    await run(bot, LIU, ["写反思", TOPIC, CLASS, "今天", HIGHLIGHTS, "完成"])
    back = await bot.say(LIU, "/back")
    assert "发送新内容会替换原文" in back
    refused = await bot.say(LIU, " ")
    assert "⚠️ 内容不能为空，请重新输入。" in refused
    assert "第 4/7 项 · 闪光点" in refused
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert (draft.step, draft.answers["highlights"]) == ("highlights", HIGHLIGHTS)
    # Still replacing: the next real message takes the place of the old text.
    await run(bot, LIU, [SHORTCOMINGS])
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers["highlights"] == SHORTCOMINGS


async def test_a_blank_message_adds_nothing_to_a_long_text(bot: Driver) -> None:
    await run(bot, LIU, ["写反思", TOPIC, CLASS, "今天", HIGHLIGHT_PARTS[0]])
    for blank in ("  ", "\n\n", "\u3000"):
        assert "⚠️ 内容不能为空，请重新输入。" in await bot.say(LIU, blank)
    await run(bot, LIU, [HIGHLIGHT_PARTS[1]])
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers["highlights"] == "\n".join(HIGHLIGHT_PARTS[:2])


async def test_a_long_text_prompt_says_whether_new_text_replaces_or_is_added(
    bot: Driver, config: Config, database_url: str, clock: ManualClock
) -> None:
    await run(bot, LIU, ["写反思", TOPIC, CLASS, "今天", HIGHLIGHT_PARTS[0]])
    # Coming back to a half-written text (here after a restart): more text is appended.
    restart(bot, config, database_url, clock)
    resumed = await bot.say(LIU, "写反思")
    assert "接着写上次没写完的教学反思" in resumed
    assert f"当前内容：{HIGHLIGHT_PARTS[0]}（{len(HIGHLIGHT_PARTS[0])} 字）" in resumed
    assert "继续发送的内容会接在后面；写完了点「完成」。" in resumed
    assert "替换" not in resumed
    await run(bot, LIU, [*HIGHLIGHT_PARTS[1:], "完成"])
    # Going back to it (/back, or 修改某项 at the end): a new message replaces it.
    back = await bot.say(LIU, "/back")
    assert "发送新内容会替换原文；原文不用改就点「完成」。" in back
    assert "接在后面" not in back
    await run(bot, LIU, ["完成", SHORTCOMINGS, "完成", "/skip", NEXT_TIME])
    summary = await run(bot, LIU, ["完成"])
    pick = await tap(bot, LIU, summary, "修改某项")
    picked = shown(await tap(bot, LIU, pick, "失败处"))
    assert f"当前内容：{SHORTCOMINGS}" in picked
    assert "发送新内容会替换原文" in picked
    summary = await run(bot, LIU, [NEXT_TIME, "完成"])
    assert f"失败处：{NEXT_TIME}（{len(NEXT_TIME)} 字）" in shown(summary)
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers["highlights"] == HIGHLIGHTS


class _HtmlCheck(html.parser.HTMLParser):
    """Collects what Telegram's HTML parser would choke on: unbalanced tags, cut entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}>")


def html_problems(text: str) -> list[str]:
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    cut = re.findall(r"&(?!(?:lt|gt|amp|quot|#\d+);)[^\s]{0,6}", text)
    return checker.problems + [f"<{t}> left open" for t in checker.open] + cut


async def test_viewing_a_record_full_of_special_characters_is_valid_html(bot: Driver) -> None:
    odd = "<&>" * 66  # 198 characters, 858 once escaped
    replies = await bot.send(LIU, "记听课")
    for key, messages in observation_script("王芳"):
        if key in ("class_name", "subject", "title", "lesson_type"):
            messages = [odd]
        replies = await run(bot, LIU, messages, replies)
    assert html_problems(replies[-1].text) == []  # the summary to check
    await tap(bot, LIU, replies, "提交")
    [record] = stored(bot, LIU)
    assert record.answers["title"] == odd  # stored whole
    listing = await bot.send(LIU, "/mine")
    view = await bot.send(LIU, button=listing[0].buttons[0][0].data)
    text = view[-1].text
    assert html_problems(text) == []
    # Every value is shortened to 120 characters before escaping, then shown whole.
    escaped = "&lt;&amp;&gt;" * 39 + "&lt;&amp;…"
    for label in ("年级班级", "学科", "课题", "课型"):
        assert f"<b>{label}</b>：{escaped}\n" in text
    assert f"<b>一点建议</b>：{SUGGESTION}（{len(SUGGESTION)} 字）" in text
    assert labels(view) == ["修改", "删除", "返回列表"]


async def test_viewing_a_record_with_a_very_long_text_shows_every_field(bot: Driver) -> None:
    long_text = prose("学生在朗读中体会到了秋雨的美，课堂气氛热烈。", 910)[:20_000]
    await run(bot, LIU, ["写反思", TOPIC, CLASS, "今天", long_text, "完成", SHORTCOMINGS,
                         "完成", STUDENT_ERRORS, "完成", NEXT_TIME, "完成"])
    await bot.send(LIU, button=button_data(bot.seen[bot.account(LIU)], "提交"))
    listing = await bot.send(LIU, "/mine")
    text = (await tap(bot, LIU, listing, f"教学反思 · {TOPIC} · 11/30"))[-1].text
    assert html_problems(text) == []
    assert f"<b>闪光点</b>：{long_text[:119]}…（20000 字）\n" in text
    # Nothing is cut off at the end: the last field and the total are there.
    assert f"<b>二次教学建议</b>：{NEXT_TIME}（{len(NEXT_TIME)} 字）\n" in text
    total = 20_000 + len(SHORTCOMINGS) + len(STUDENT_ERRORS) + len(NEXT_TIME)
    assert text.endswith(f"正文合计：{total} 字")


# -- 7. 听课记录: teachers from the roster and visitors ------------------------------------


async def test_observation_links_the_roster_teacher_or_notes_a_visitor(bot: Driver) -> None:
    replies = await bot.send(LIU, "记听课")
    assert "听课记录 · 第 1/11 项 · 听课日期" in shown(replies)
    replies = await tap(bot, LIU, replies, "今天")
    assert "超出了范围，请输入 1 到 9 之间的数字" in await bot.say(LIU, "十")
    await run(bot, LIU, ["2", "二年级3班"])
    assert "第 5/11 项 · 授课教师" in await bot.say(LIU, "书法")  # a subject not offered
    roster = await bot.say(LIU, "王芳")
    assert "花名册里没有" not in roster
    assert "第 6/11 项 · 课题" in roster
    summary = await run(bot, LIU, ["秋天的雨", "精读课", *PROCESS_PARTS, "完成",
                                   STRENGTH, WEAKNESS, SUGGESTION])
    assert "授课教师：王芳" in shown(summary)
    assert "课型：精读课" in shown(summary)
    await tap(bot, LIU, summary, "提交")

    await run(bot, LIU, ["记听课", "今天", "4", "五年级2班", "语文"])
    assert "花名册里没有「李明」。是校外教师吗？" in await bot.say(LIU, "李明")
    visitor = await bot.say(LIU, "是，校外教师")
    assert "已按校外教师记录「李明」。" in visitor
    assert "第 6/11 项 · 课题" in visitor
    summary = await run(bot, LIU, ["桂林山水", "新授课", *PROCESS_PARTS, "完成",
                                   STRENGTH, WEAKNESS, SUGGESTION])
    done = shown(await tap(bot, LIU, summary, "提交"))
    assert "听课（本学期）2/30" in done

    roster_one, visitor_one = stored(bot, LIU)
    assert roster_one.answers["teacher"] == "王芳"
    assert roster_one.answers["teacher_id"] == teacher_id(bot, "王芳")
    assert roster_one.answers["subject"] == "书法"
    assert roster_one.answers["period"] == 2
    assert roster_one.title == "秋天的雨"
    assert visitor_one.answers["teacher"] == "李明"
    assert visitor_one.answers["teacher_id"] is None


async def test_two_teachers_of_the_same_name_are_told_apart(bot: Driver) -> None:
    entries = read_roster(bot.core, DEMO_ROSTER)
    wang = next(e for e in entries if e.name == "王芳")
    twin = dataclasses.replace(wang, row=99, groups=("数学组",), role=Role.TEACHER,
                               subject="数学", staff_no="2999")
    import_roster(bot.core, [*entries, twin])
    await run(bot, LIU, ["记听课", "今天", "1", "一年级1班", "数学"])
    which = await bot.send(LIU, "王芳")
    assert "花名册里有几位「王芳」，是哪一位？" in shown(which)
    assert labels(which) == ["王芳（语文组）", "王芳（数学组）"]
    assert "第 6/11 项 · 课题" in shown(await tap(bot, LIU, which, "王芳（数学组）"))
    draft = draft_of(bot, LIU)
    assert draft is not None
    ids = bot.core.db.call(lambda s: [p.id for p in people.find_by_name(
        s, school_id=bot.core.school_id, name="王芳") if p.groups == ("数学组",)])
    assert draft.answers["teacher"] == "王芳"
    assert draft.answers["teacher_id"] == ids[0]


# -- 9. /mine -------------------------------------------------------------------------------


async def test_mine_lists_views_edits_and_deletes(bot: Driver) -> None:
    assert "本学期您还没有提交记录" in await bot.say(LIU, "我的记录")
    await hand_in_reflection(bot, LIU, taught_on="上周五")
    for number in "一二三四五六七":
        await hand_in_insight(bot, LIU, f"心得{number}", "读了课标，对单元教学有了新认识。")
    assert len(stored(bot, LIU)) == 8

    first = await bot.send(LIU, "/mine")
    assert "我的记录 · 2026-2027学年第一学期（共 8 份，第 1/2 页）" in shown(first)
    assert labels(first) == [f"心得体会 · 心得{n} · 11/30" for n in "七六五四三二"] + ["下一页"]
    second = await tap(bot, LIU, first, "下一页")
    assert "（共 8 份，第 2/2 页）" in shown(second)
    assert labels(second) == ["心得体会 · 心得一 · 11/30", f"教学反思 · {TOPIC} · 11/27",
                              "上一页"]
    assert second[-1].edit

    view = await tap(bot, LIU, second, f"教学反思 · {TOPIC} · 11/27")
    assert "教学反思 · 11月27日（周五）" in shown(view)
    assert f"班级：{CLASS}" in shown(view)
    assert labels(view) == ["修改", "删除", "返回列表"]
    assert "（共 8 份，第 2/2 页）" in shown(await tap(bot, LIU, view, "返回列表"))

    editing = await tap(bot, LIU, view, "修改")
    assert "修改教学反思" in shown(editing)
    assert f"课题：{TOPIC}" in shown(editing)
    pick = await tap(bot, LIU, editing, "修改某项")
    assert "要修改哪一项？" in shown(pick)
    asked = await tap(bot, LIU, pick, "班级")
    assert "第 2/7 项 · 班级" in shown(asked)
    assert f"当前内容：{CLASS}" in shown(asked)
    checked = await bot.send(LIU, "三年级3班")
    assert "请核对这份教学反思" in shown(checked)
    assert "班级：三年级3班" in shown(checked)
    updated = shown(await tap(bot, LIU, checked, "提交"))
    assert f"✅ 已修改教学反思「{TOPIC}」。" in updated
    assert "教学反思（本学期）1/20" in updated
    records = stored(bot, LIU)
    assert len(records) == 8
    reflection = next(r for r in records if r.kind == "reflection")
    assert reflection.answers == {**REFLECTION_ANSWERS, "taught_on": "2026-11-27",
                                  "class_name": "三年级3班"}

    view = await tap(bot, LIU, await bot.send(LIU, "/mine"), "下一页")
    view = await tap(bot, LIU, view, f"教学反思 · {TOPIC} · 11/27")
    asked = await tap(bot, LIU, view, "删除")
    assert f"确定删除「{TOPIC}」吗？" in shown(asked)
    assert "班级：三年级3班" in shown(await tap(bot, LIU, asked, "不删了"))
    deleted = await tap(bot, LIU, asked, "确认删除")
    assert f"已删除「{TOPIC}」。" in shown(deleted)
    listing = await bot.send(LIU, "/mine")
    assert "（共 7 份，第 1/2 页）" in shown(listing)
    last_page = await tap(bot, LIU, listing, "下一页")
    assert labels(last_page) == ["心得体会 · 心得一 · 11/30", "上一页"]
    assert progress_lines(await bot.say(LIU, "/me"))["教学反思"][1:3] == (0, 20)
    assert [r.kind for r in stored(bot, LIU, deleted=True) if r.deleted] == ["reflection"]
    # The deleted record's old buttons lead nowhere.
    assert "这条记录不存在或已删除" in shown(await tap(bot, LIU, view, "修改"))
    assert "这条记录不存在或已删除" in shown(await tap(bot, LIU, asked, "确认删除"))


async def test_forged_buttons_are_refused(bot: Driver) -> None:
    await hand_in_reflection(bot, SUN)
    [hers] = stored(bot, SUN)
    for data in (f"mine:view:{hers.id}:0", f"mine:edit:{hers.id}", f"mine:del:{hers.id}:0",
                 f"mine:delok:{hers.id}", "mine:view:99999:0", "mine:view:abc:0"):
        refused = await bot.send(LIU, button=data)
        assert shown(refused) == "这条记录不存在或已删除。", data
    assert draft_of(bot, LIU) is None
    [still] = stored(bot, SUN)
    assert still == hers

    asked = await run(bot, LIU, ["写反思", TOPIC, CLASS])
    token = button_data(asked, "今天").split(":")[1]
    for data in ("f:WRONG1:submit", f"f:{token}x:date:0", "f:", "nosuch:thing"):
        assert "这个按钮已经失效了" in shown(await bot.send(LIU, button=data)), data
    assert stored(bot, LIU) == []


# -- 10. drafts expire ----------------------------------------------------------------------


async def test_a_draft_untouched_for_more_than_a_week_is_gone(bot: Driver,
                                                              clock: ManualClock) -> None:
    asked = await run(bot, LIU, ["写反思", TOPIC, CLASS])
    clock.advance(timedelta(days=8))
    assert "我没有看懂这条消息" in await bot.say(LIU, "今天")
    assert draft_of(bot, LIU) is None
    assert "这个按钮已经失效了" in shown(await tap(bot, LIU, asked, "今天"))
    fresh = await bot.say(LIU, "写反思")
    assert "接着写" not in fresh
    assert "第 1/7 项 · 课题" in fresh


async def test_a_draft_six_days_old_resumes(bot: Driver, clock: ManualClock) -> None:
    asked = await run(bot, LIU, ["写反思", TOPIC, CLASS])
    clock.advance(timedelta(days=6, hours=23))
    resumed = await bot.say(LIU, "写反思")
    assert "接着写上次没写完的教学反思" in resumed
    assert "第 3/7 项 · 上课日期" in resumed
    assert "第 4/7 项" in shown(await tap(bot, LIU, asked, "昨天"))
    draft = draft_of(bot, LIU)
    assert draft is not None
    assert draft.answers == {"topic": TOPIC, "class_name": CLASS, "taught_on": "2026-12-06"}
    # Each answer keeps the draft alive for another week.
    clock.advance(timedelta(days=6))
    assert "已记下「闪光点」" in await bot.say(LIU, HIGHLIGHTS)


# -- 11. strangers and deactivated teachers -------------------------------------------------


async def test_a_stranger_cannot_write_records(bot: Driver) -> None:
    for attempt in ("/reflect", "写反思", "记听课", "/record", "/mine", "/cancel"):
        assert "您还没有绑定花名册" in await bot.say("路人", attempt), attempt
    assert "我没有看懂这条消息" in await bot.say("路人", TOPIC)
    refused = await bot.send("路人", button="rec:reading_note")
    assert "还没有绑定花名册" in (refused[0].notice or "")
    assert bot.core.db.call(lambda s: drafts.get_draft(s, account=bot.account("路人"))) is None
    assert bot.core.db.call(lambda s: s.exec(select(Record)).all()) == []


async def test_a_deactivated_teacher_cannot_write_records(bot: Driver) -> None:
    asked = await run(bot, LIU, ["写反思", TOPIC, CLASS])
    entries = read_roster(bot.core, DEMO_ROSTER)
    import_roster(bot.core, [e for e in entries if e.name != LIU])
    for attempt in ("/reflect", "写反思", "/mine", "/me"):
        assert "您的账号已停用" in await bot.say(LIU, attempt), attempt
    assert "您的账号已停用" in shown(await tap(bot, LIU, asked, "今天"))
    assert "我没有看懂这条消息" in await bot.say(LIU, "今天")
    assert bot.core.db.call(lambda s: s.exec(select(Record)).all()) == []
