"""The form engine, driven with the built-in forms: prompts, answers, moves and buttons."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from handlers.forms import engine
from handlers.forms.catalog import FormCatalog, builtin_forms
from handlers.forms.engine import (
    CANCEL,
    CONFIRM,
    PICK,
    SWITCH,
    Control,
    Draft,
    NotText,
    Outcome,
    Press,
    Text,
)
from handlers.forms.spec import FieldKind, FieldPatch, FieldSpec, FormSpec
from handlers.types import Button, Reply

TODAY = date(2026, 11, 30)  # a Monday
TOKEN = "Ab3_-z"  # the shape of secrets.token_urlsafe(4): six URL-safe characters
FORMS = {form.kind: form for form in builtin_forms()}
REFLECTION = FORMS["reflection"]
OBSERVATION = FORMS["observation"]

ROSTER: dict[str, list[tuple[int, str, str]]] = {
    "王芳": [(7, "王芳", "语文组")],
    "李静": [(11, "李静", "数学组"), (12, "李静", "英语组、综合组")],
}

H10 = "好" * 10
CLASS_2 = "三年级2班"
H30 = "好" * 30  # 30 字: exactly reflection's minimum
S30 = "差" * 30
N30 = "改" * 30

EXPIRED = Reply("这个按钮已经失效了。")


def lookup(name: str) -> list[tuple[int, str, str]]:
    return list(ROSTER.get(name, []))


def step(spec: FormSpec, draft: Draft, event: engine.Event, *, today: date = TODAY) -> Outcome:
    return engine.step(spec, draft, event, today=today, lookup=lookup)


def run(spec: FormSpec, draft: Draft, events: Sequence[engine.Event]) -> Outcome:
    """Apply ``events`` in turn; every one but the last must leave a draft."""
    outcome = Outcome(draft, [])
    for event in events:
        assert outcome.draft is not None, f"the form ended before {event!r}"
        outcome = step(spec, outcome.draft, event)
    return outcome


def start(spec: FormSpec, **kwargs: Any) -> Draft:
    draft = engine.begin(spec, token=TOKEN, **kwargs).draft
    assert draft is not None
    return draft


def at(spec: FormSpec, key: str, answers: dict[str, Any] | None = None, **kwargs: Any) -> Draft:
    """A draft waiting at ``key`` (as if the earlier fields were answered)."""
    return Draft(form=spec.kind, token=TOKEN, step=key, answers=answers or {}, **kwargs)


def live(outcome: Outcome) -> Draft:
    assert outcome.draft is not None
    return outcome.draft


def said(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def unstepped(data: str | None) -> str | None:
    """A form button's data without the step it is bound to (checked on its own below)."""
    if data is None or not data.startswith("f:"):
        return data
    prefix, token, _step, rest = data.split(":", 3)
    return f"{prefix}:{token}:{rest}"


def buttons(reply: Reply) -> list[tuple[str, str | None]]:
    return [(b.label, unstepped(b.data)) for row in reply.buttons for b in row]


def data(action: str, arg: str = "") -> str:
    return f"f:{TOKEN}:{action}" + (f":{arg}" if arg else "")


# The whole reflection form, answered the ordinary way (one event per field, or more).
REFLECTION_EVENTS: list[engine.Event] = [
    Text("认识钟表"),
    Text("三年级2班"),
    Press("date", "1"),
    Text(H30), Text("完成"),
    Text(S30), Control("done"),
    Control("skip"),
    Text(N30), Press("done"),
]
REFLECTION_ANSWERS = {
    "topic": "认识钟表", "class_name": "三年级2班", "taught_on": "2026-11-29",
    "highlights": H30, "shortcomings": S30, "next_time": N30,
}
OBSERVATION_EVENTS: list[engine.Event] = [
    Text("今天"), Text("3"), Text("四年级1班"), Press("choice", "1"), Text("王芳"),
    Text("认识钟表"), Text("新授课"), Text("好" * 50), Text("完成"), Text(H10), Text("完成"),
    Text(S30[:10]), Text("完成"), Text(N30[:10]), Text("完成"),
]
OBSERVATION_ANSWERS = {
    "observed_on": "2026-11-30", "period": 3, "class_name": "四年级1班", "subject": "数学",
    "teacher": "王芳", "teacher_id": 7, "title": "认识钟表", "lesson_type": "新授课",
    "process": "好" * 50, "strength": H10, "weakness": "差" * 10, "suggestion": "改" * 10,
}


def confirm_draft(spec: FormSpec = REFLECTION,
                  answers: dict[str, Any] | None = None) -> Draft:
    return at(spec, CONFIRM, dict(REFLECTION_ANSWERS if answers is None else answers))


# -- begin ------------------------------------------------------------------------------


def test_begin_asks_the_first_field() -> None:
    outcome = engine.begin(REFLECTION, token=TOKEN)
    assert outcome.draft == Draft(form="reflection", token=TOKEN, step="topic", answers={})
    assert outcome.replies == [Reply(
        "<b>教学反思</b> · 第 1/7 项 · 课题\n这节课的课题是什么？\n<i>（/cancel 放弃）</i>")]
    assert (outcome.submitted, outcome.discarded, outcome.switch_to) == (None, False, "")


def test_begin_observation_offers_today_and_yesterday() -> None:
    outcome = engine.begin(OBSERVATION, token=TOKEN)
    assert live(outcome).step == "observed_on"
    (reply,) = outcome.replies
    assert reply.text.startswith("<b>听课记录</b> · 第 1/11 项 · 听课日期\n")
    assert buttons(reply) == [("今天", data("date", "0")), ("昨天", data("date", "1"))]


def test_the_second_prompt_offers_back() -> None:
    outcome = step(REFLECTION, start(REFLECTION), Text("认识钟表"))
    assert live(outcome).history == ("topic",)
    assert outcome.replies == [Reply(
        "<b>教学反思</b> · 第 2/7 项 · 班级\n在哪个班上的课？例如 三年级2班\n"
        "<i>（/back 返回上一项，/cancel 放弃）</i>")]


def test_begin_with_prefill_skips_the_prefilled_fields() -> None:
    prefill = {"teacher": "王芳", "teacher_id": 7, "title": "认识钟表", "subject": "数学",
               "class_name": "二年级1班"}
    draft = start(OBSERVATION, prefill=prefill)
    assert draft.step == "observed_on"
    assert draft.prefilled == ("teacher", "title", "subject", "class_name")
    assert draft.answers == prefill
    after = run(OBSERVATION, draft, [Press("date", "0"), Text("3")])
    assert live(after).step == "lesson_type"
    assert live(after).history == ("observed_on", "period")
    assert said(after).startswith("<b>听课记录</b> · 第 7/11 项 · 课型\n")
    # /back from 课型 goes to 节次, not to a prefilled field.
    assert live(step(OBSERVATION, live(after), Control("back"))).step == "period"


def test_begin_with_everything_prefilled_goes_to_confirm() -> None:
    prefill = {**REFLECTION_ANSWERS, "student_errors": "把 3:15 读成 3:03"}
    outcome = engine.begin(REFLECTION, token=TOKEN, prefill=prefill)
    assert live(outcome).step == CONFIRM
    assert live(outcome).prefilled == tuple(prefill)
    assert said(outcome).startswith("请核对这份<b>教学反思</b>：")


def test_begin_an_edit_goes_straight_to_confirm() -> None:
    outcome = engine.begin(REFLECTION, token=TOKEN, prefill=REFLECTION_ANSWERS, record_id=41)
    draft = live(outcome)
    assert (draft.step, draft.record_id, draft.history) == (CONFIRM, 41, ())
    assert draft.answers == REFLECTION_ANSWERS
    (reply,) = outcome.replies
    assert reply.text.startswith("请核对这份<b>教学反思</b>：\n\n<b>课题</b>：认识钟表\n")
    assert buttons(reply) == [("提交", data("submit")), ("修改某项", data("edit")),
                              ("取消", data("cancel"))]


def test_begin_keeps_the_link() -> None:
    draft = start(OBSERVATION, link=("session", 3))
    assert (draft.link_kind, draft.link_id) == ("session", 3)


# -- text fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "内容不能为空，请重新输入。"),
        ("   \n ", "内容不能为空，请重新输入。"),
        ("课" * 201, "太长了：最多 200 个字符，现在有 201 个，请精简后重新输入。"),
    ],
    ids=["empty", "blank", "201-chars"],
)
def test_text_field_refuses(typed: str, error: str) -> None:
    draft = start(REFLECTION)
    outcome = step(REFLECTION, draft, Text(typed))
    assert outcome.draft == draft
    (reply,) = outcome.replies
    assert reply.text == f"⚠️ {error}\n" + engine.show(REFLECTION, draft).text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("认识钟表", "认识钟表"), ("  认识钟表 \n", "认识钟表"), ("课" * 200, "课" * 200)],
    ids=["plain", "stripped", "200-chars"],
)
def test_text_field_accepts(typed: str, stored: str) -> None:
    outcome = step(REFLECTION, start(REFLECTION), Text(typed))
    assert live(outcome).answers == {"topic": stored}
    assert live(outcome).step == "class_name"


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "stored"),
    [
        (Press("date", "0"), "2026-11-30"),
        (Press("date", "1"), "2026-11-29"),
        (Text("今天"), "2026-11-30"),
        (Text("昨天"), "2026-11-29"),
        (Text("11月3日"), "2026-11-03"),
        (Text("2026-09-01"), "2026-09-01"),
        (Text("上周三"), "2026-11-25"),
        (Text("6月1日"), "2026-06-01"),
    ],
)
def test_date_field_stores_iso_dates(event: engine.Event, stored: str) -> None:
    draft = at(REFLECTION, "taught_on", {"topic": "认识钟表", "class_name": "三年级2班"})
    outcome = step(REFLECTION, draft, event)
    assert live(outcome).answers["taught_on"] == stored
    assert live(outcome).step == "highlights"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12月3日", "日期不能晚于今天，请重新输入。"),
        ("12月30日", "日期不能晚于今天，请重新输入。"),
        ("明天", "日期不能晚于今天，请重新输入。"),
        ("2026-12-01", "日期不能晚于今天，请重新输入。"),
        ("2月30日", "没有 2月30日 这一天，请重新输入日期，例如 12月3日、2026-12-03、今天、昨天"),
        ("13月1日", "没有 13月 这个月份，月份应在 1 到 12 之间，请重新输入日期，"
                    "例如 12月3日、2026-12-03、今天、昨天"),
        ("上课那天", "没看懂这个日期，请这样输入：12月3日、2026-12-03、2026年12月3日、12/3、"
                     "今天、昨天、周三、上周三"),
    ],
)
def test_date_field_refuses(typed: str, error: str) -> None:
    draft = at(REFLECTION, "taught_on")
    outcome = step(REFLECTION, draft, Text(typed))
    assert outcome.draft == draft
    assert said(outcome).startswith(f"⚠️ {error}\n<b>教学反思</b> · 第 3/7 项 · 上课日期\n")


@pytest.mark.parametrize("arg", ["2", "7", "x", "01", "-1"])
def test_date_button_with_a_strange_argument_is_expired(arg: str) -> None:
    draft = at(REFLECTION, "taught_on")
    outcome = step(REFLECTION, draft, Press("date", arg))
    assert outcome.draft == draft
    assert outcome.replies == [EXPIRED]
    assert outcome.replies[0].notice == "这个按钮已经失效了。"


def test_date_button_without_argument_is_expired() -> None:
    draft = at(REFLECTION, "taught_on")
    outcome = step(REFLECTION, draft, Press("date", ""))
    assert outcome.draft == draft
    assert outcome.replies == [EXPIRED]


RESCHEDULE = FORMS["reschedule"]


def test_a_future_date_form_offers_today_and_tomorrow() -> None:
    reply = engine.show(RESCHEDULE, at(RESCHEDULE, "day"))
    assert buttons(reply) == [("今天", data("date", "0")), ("明天", data("date", "1"))]


@pytest.mark.parametrize(
    ("event", "result"),
    [
        (Press("date", "0"), "2026-11-30"),
        (Press("date", "1"), "2026-12-01"),
        (Text("12月3日"), "2026-12-03"),
        (Text("下周三"), "2026-12-09"),
        (Text("昨天"), "日期不能早于今天，请重新输入。"),
        (Text("11月3日"), "日期不能早于今天，请重新输入。"),
    ],
)
def test_a_future_date_form(event: engine.Event, result: str) -> None:
    draft = at(RESCHEDULE, "day")
    outcome = step(RESCHEDULE, draft, event)
    if result[0].isdigit():
        assert live(outcome).answers == {"day": result}
        assert live(outcome).step == "start"
    else:
        assert outcome.draft == draft
        assert said(outcome).startswith(f"⚠️ {result}\n<b>教研改期</b> · 第 1/4 项 · 日期\n")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("14:50", "14:50"), ("下午3点半", "15:30"), ("3点", "15:00"), ("08:05", "08:05")],
)
def test_a_time_field_stores_hh_mm(typed: str, stored: str) -> None:
    outcome = step(RESCHEDULE, at(RESCHEDULE, "start"), Text(typed))
    assert live(outcome).answers == {"start": stored}
    assert live(outcome).step == "end"


def test_a_time_field_refuses_nonsense() -> None:
    draft = at(RESCHEDULE, "start")
    outcome = step(RESCHEDULE, draft, Text("1450"))
    assert outcome.draft == draft
    assert said(outcome).startswith(
        "⚠️ 请在小时和分钟之间加冒号，例如 15:30、9:05、下午3点半、上午9点20\n")


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "result"),
    [
        ("3", 3), ("１", 1), ("九", 9), ("9", 9),
        ("0", "0 超出了范围，请输入 1 到 9 之间的数字。"),
        ("10", "10 超出了范围，请输入 1 到 9 之间的数字。"),
        ("第三节", 3), ("第3节", 3),
        # The examples stay inside the range (not "3、12 或 二十三" for 1 to 9).
        ("节", "没看懂这个数字，请输入 1 到 9 之间的数字，例如 1、5 或 九。"),
    ],
)
def test_number_field(typed: str, result: int | str) -> None:
    draft = at(OBSERVATION, "period", {"observed_on": "2026-11-30"})
    outcome = step(OBSERVATION, draft, Text(typed))
    if isinstance(result, int):
        assert live(outcome).answers == {"observed_on": "2026-11-30", "period": result}
        assert live(outcome).step == "class_name"
    else:
        assert outcome.draft == draft
        assert said(outcome).startswith(f"⚠️ {result}\n<b>听课记录</b> · 第 2/11 项 · 节次\n")


# -- choices ------------------------------------------------------------------------------


def test_choice_field_shows_its_options_in_rows_of_three() -> None:
    reply = engine.show(OBSERVATION, at(OBSERVATION, "subject"))
    assert [[(b.label, unstepped(b.data)) for b in row] for row in reply.buttons] == [
        [("语文", data("choice", "0")), ("数学", data("choice", "1")),
         ("英语", data("choice", "2"))],
        [("科学", data("choice", "3")), ("音乐", data("choice", "4")),
         ("美术", data("choice", "5"))],
        [("体育", data("choice", "6")), ("道德与法治", data("choice", "7")),
         ("信息技术", data("choice", "8"))],
    ]


@pytest.mark.parametrize(
    ("key", "event", "stored"),
    [
        ("subject", Press("choice", "0"), "语文"),
        ("subject", Press("choice", "8"), "信息技术"),
        ("subject", Text("英语"), "英语"),
        ("subject", Text("2"), "数学"),  # typed numbers count from 1, like the list people see
        ("subject", Text(" 9 "), "信息技术"),
        ("subject", Text("书法"), "书法"),  # allow_other: free text
        ("subject", Text("0"), "0"),  # not an index: kept as free text
        ("lesson_type", Press("choice", "4"), "活动课"),
        ("lesson_type", Text("3"), "复习课"),
        ("lesson_type", Text("实验课"), "实验课"),
    ],
)
def test_choice_field_accepts(key: str, event: engine.Event, stored: str) -> None:
    outcome = step(OBSERVATION, at(OBSERVATION, key), event)
    assert live(outcome).answers == {key: stored}
    assert live(outcome).step != key


@pytest.mark.parametrize("arg", ["9", "-1", "x", ""])
def test_choice_button_out_of_range_is_expired(arg: str) -> None:
    draft = at(OBSERVATION, "subject")
    outcome = step(OBSERVATION, draft, Press("choice", arg))
    assert outcome.draft == draft
    assert outcome.replies == [EXPIRED]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("①", "语文"), ("¹", "语文"), ("１", "语文"), ("③", "英语"), ("⑨", "信息技术"),
        ("２", "数学"),
        ("⑩", "⑩"),  # NFKC "10": beyond the nine choices, so kept as free text
    ],
)
def test_choice_typed_circled_or_full_width_number(typed: str, stored: str) -> None:
    outcome = step(OBSERVATION, at(OBSERVATION, "subject"), Text(typed))
    assert live(outcome).answers == {"subject": stored}
    assert live(outcome).step == "teacher"


def test_choice_with_a_huge_number_is_refused_not_a_crash() -> None:
    draft = at(OBSERVATION, "subject")
    outcome = step(OBSERVATION, draft, Text("㊿" * 2200))
    assert outcome.draft == draft
    assert said(outcome).startswith("⚠️ 太长了：最多 200 个字符，现在有 2200 个")


STRICT = FormSpec(kind="strict", label="严格", fields=(
    FieldSpec(key="level", label="等级", prompt="选一个", kind=FieldKind.CHOICE,
              choices=("优", "良", "中")),
    FieldSpec(key="note", label="备注", prompt="备注"),
))


@pytest.mark.parametrize(
    ("typed", "stored"), [("良", "良"), ("3", "中"), ("②", "良"), ("３", "中"), ("差", None),
                          ("4", None), ("0", None), ("④", None), ("⓪", None)])
def test_choice_without_other_refuses_free_text(typed: str, stored: str | None) -> None:
    draft = at(STRICT, "level")
    outcome = step(STRICT, draft, Text(typed))
    if stored is None:
        assert outcome.draft == draft
        assert said(outcome).startswith("⚠️ 请从这些选项中选一个：优、良、中\n")
    else:
        assert live(outcome).answers == {"level": stored}


# -- teachers -----------------------------------------------------------------------------


def test_teacher_on_the_roster_is_stored_with_id() -> None:
    outcome = step(OBSERVATION, at(OBSERVATION, "teacher"), Text(" 王芳 "))
    assert live(outcome).answers == {"teacher": "王芳", "teacher_id": 7}
    assert live(outcome).step == "title"
    (reply,) = outcome.replies  # no visitor note
    assert reply.text.startswith("<b>听课记录</b> · 第 6/11 项 · 课题\n")


def test_teacher_not_on_the_roster_is_confirmed_as_a_visitor() -> None:
    asked = step(OBSERVATION, at(OBSERVATION, "teacher"), Text("张校外"))
    assert live(asked).step == "teacher"
    assert said(asked).startswith("花名册里没有「张校外」。是校外教师吗？")
    outcome = step(OBSERVATION, live(asked), Text("是，校外教师"))
    assert live(outcome).answers == {"teacher": "张校外", "teacher_id": None}
    assert live(outcome).step == "title"
    assert outcome.replies[0] == Reply("已按校外教师记录「张校外」。")
    assert outcome.replies[1].text.startswith("<b>听课记录</b> · 第 6/11 项 · 课题\n")
    again = step(OBSERVATION, live(asked), Text("重新输入"))
    assert (live(again).step, live(again).typed_name) == ("teacher", "")


def test_two_teachers_of_one_name_are_offered_as_buttons() -> None:
    draft = at(OBSERVATION, "teacher")
    asked = step(OBSERVATION, draft, Text("李静"))
    waiting = live(asked)
    assert (waiting.step, waiting.typed_name, waiting.answers) == ("teacher", "李静", {})
    (reply,) = asked.replies
    assert reply.text == "花名册里有几位「李静」，是哪一位？"
    assert [[(b.label, unstepped(b.data)) for b in row] for row in reply.buttons] == [
        [("李静（数学组）", data("teacher", "11"))],
        [("李静（英语组、综合组）", data("teacher", "12"))],
    ]
    picked = step(OBSERVATION, waiting, Press("teacher", "12"))
    assert live(picked).answers == {"teacher": "李静", "teacher_id": 12}
    assert (live(picked).step, live(picked).typed_name) == ("title", "")


@pytest.mark.parametrize("arg", ["7", "99", "x", ""])
def test_a_forged_teacher_button_asks_again(arg: str) -> None:
    waiting = live(step(OBSERVATION, at(OBSERVATION, "teacher"), Text("李静")))
    outcome = step(OBSERVATION, waiting, Press("teacher", arg))
    assert outcome.draft == waiting
    assert outcome.replies == [engine.show(OBSERVATION, waiting)]


def _optional_teacher() -> FormSpec:
    catalog = FormCatalog.build([], [FieldPatch(form="observation", field="teacher",
                                                required=False)])
    spec = catalog.get("observation")
    assert spec is not None
    return spec


def test_optional_teacher_skipped() -> None:
    spec = _optional_teacher()
    outcome = step(spec, at(spec, "teacher", {"period": 3}), Control("skip"))
    assert live(outcome).answers == {"period": 3}
    assert live(outcome).step == "title"


@pytest.mark.parametrize("skip", [Control("skip"), Press("skip")])
def test_skipping_an_answered_optional_teacher_drops_its_id(skip: engine.Event) -> None:
    spec = _optional_teacher()
    draft = at(spec, "teacher", {"period": 3, "teacher": "王芳", "teacher_id": 7},
               to_confirm=True)
    outcome = step(spec, draft, skip)
    assert live(outcome).step == CONFIRM
    assert live(outcome).answers == {"period": 3}
    assert "<b>授课教师</b>：（未填）" in said(outcome)


def test_skipping_an_unknown_teacher_drops_the_none_id() -> None:
    spec = _optional_teacher()
    asked = step(spec, at(spec, "teacher"), Text("张校外"))
    answered = step(spec, live(asked), Text("是，校外教师"))
    assert live(answered).answers == {"teacher": "张校外", "teacher_id": None}
    back = live(step(spec, live(answered), Control("back")))
    skipped = step(spec, back, Control("skip"))
    assert live(skipped).answers == {}
    assert live(skipped).step == "title"


@pytest.mark.parametrize(
    ("typed", "error"),
    [("  ", "内容不能为空，请重新输入。"),
     ("欧" * 21, "太长了：最多 20 个字符，现在有 21 个，请精简后重新输入。")],
)
def test_teacher_name_refused(typed: str, error: str) -> None:
    draft = at(OBSERVATION, "teacher")
    outcome = step(OBSERVATION, draft, Text(typed))
    assert outcome.draft == draft
    assert said(outcome).startswith(f"⚠️ {error}\n<b>听课记录</b> · 第 5/11 项 · 授课教师\n")


# -- long texts ---------------------------------------------------------------------------


def test_long_text_collects_several_messages() -> None:
    draft = at(REFLECTION, "highlights")
    first = step(REFLECTION, draft, Text(H10))
    assert live(first).answers == {"highlights": H10}
    assert live(first).step == "highlights"
    assert first.replies == [Reply(
        "已记下「闪光点」，共 10 字，还差 20 字。可以继续发送补充；写完了点「完成」。",
        buttons=((Button("完成", data="f:Ab3_-z:highlights:done"),),))]
    second = step(REFLECTION, live(first), Text("很好。"))
    assert live(second).answers == {"highlights": H10 + "\n很好。"}
    assert said(second) == (
        "已记下「闪光点」，共 13 字，还差 17 字。可以继续发送补充；写完了点「完成」。")
    third = step(REFLECTION, live(second), Text("好" * 17))
    assert said(third) == "已记下「闪光点」，共 30 字。可以继续发送补充；写完了点「完成」。"
    assert live(third).answers == {"highlights": H10 + "\n很好。\n" + "好" * 17}


@pytest.mark.parametrize("finish", [Text("完成"), Text(" 写完了 "), Text("好了"),
                                    Press("done"), Control("done")])
def test_finishing_a_long_text_too_short_is_refused(finish: engine.Event) -> None:
    draft = at(REFLECTION, "highlights", {"highlights": "好" * 29})
    outcome = step(REFLECTION, draft, finish)
    assert outcome.draft == draft
    assert said(outcome).startswith(
        "⚠️ 字数不足：现在 29 字，至少需要 30 字，还差 1 字。\n"
        "<b>教学反思</b> · 第 4/7 项 · 闪光点\n")


@pytest.mark.parametrize("finish", [Text("完成"), Press("done"), Control("done")])
def test_finishing_a_long_text_long_enough_moves_on(finish: engine.Event) -> None:
    draft = at(REFLECTION, "highlights", {"highlights": H30})
    outcome = step(REFLECTION, draft, finish)
    assert live(outcome).step == "shortcomings"
    assert live(outcome).answers == {"highlights": H30}
    assert live(outcome).history == ("highlights",)
    assert said(outcome).startswith("<b>教学反思</b> · 第 5/7 项 · 失败处\n")


def test_finishing_an_empty_required_long_text() -> None:
    draft = at(REFLECTION, "highlights")
    outcome = step(REFLECTION, draft, Text("完成"))
    assert outcome.draft == draft
    assert said(outcome).startswith("⚠️ 内容不能为空，请重新输入。\n")


def test_finishing_an_empty_optional_long_text_skips_it() -> None:
    draft = at(REFLECTION, "student_errors")
    outcome = step(REFLECTION, draft, Press("done"))
    assert live(outcome).step == "next_time"
    assert "student_errors" not in live(outcome).answers


def test_long_text_prompt_tells_the_minimum() -> None:
    reply = engine.show(REFLECTION, at(REFLECTION, "highlights", history=("topic",)))
    assert reply.text == (
        "<b>教学反思</b> · 第 4/7 项 · 闪光点\n这节课的闪光点：哪些环节效果好，为什么？\n"
        "<i>（至少 30 字，可以分几条消息发送，写完点「完成」，"
        "/back 返回上一项，/cancel 放弃）</i>")
    assert reply.buttons == ()
    optional = engine.show(REFLECTION, at(REFLECTION, "student_errors"))
    assert optional.text.endswith(
        "<i>（可 /skip 跳过，可以分几条消息发送，写完点「完成」，/cancel 放弃）</i>")
    assert buttons(optional) == [("跳过", data("skip"))]


def test_long_text_after_back_is_replaced_then_appended() -> None:
    draft = at(REFLECTION, "shortcomings", {"highlights": H30}, history=("highlights",))
    back = step(REFLECTION, draft, Control("back"))
    assert (live(back).step, live(back).replacing) == ("highlights", True)
    (reply,) = back.replies
    assert "\n当前内容：" + H30 + "（30 字）\n" in reply.text
    assert buttons(reply) == [("完成", data("done"))]
    replaced = step(REFLECTION, live(back), Text("新" * 31))
    assert live(replaced).answers == {"highlights": "新" * 31}
    assert live(replaced).replacing is False
    assert said(replaced).startswith("已记下「闪光点」，共 31 字。")
    appended = step(REFLECTION, live(replaced), Text("补"))
    assert live(appended).answers == {"highlights": "新" * 31 + "\n补"}
    done = step(REFLECTION, live(appended), Press("done"))
    assert live(done).step == "shortcomings"


def test_long_text_kept_unchanged_after_back() -> None:
    draft = at(REFLECTION, "shortcomings", {"highlights": H30}, history=("highlights",))
    back = live(step(REFLECTION, draft, Control("back")))
    kept = step(REFLECTION, back, Text("完成"))
    assert live(kept).answers == {"highlights": H30}
    assert (live(kept).step, live(kept).replacing) == ("shortcomings", False)


REPLACES = "发送新内容会<b>替换</b>原文；原文不用改就点「完成」。"
APPENDS = "继续发送的内容会<b>接在后面</b>；写完了点「完成」。"


def test_long_text_prompt_after_back_says_new_text_replaces() -> None:
    draft = at(REFLECTION, "shortcomings", {"highlights": H30}, history=("highlights",))
    back = step(REFLECTION, draft, Control("back"))
    assert f"\n当前内容：{H30}（30 字）\n{REPLACES}\n<i>（" in said(back)
    assert APPENDS not in said(back)
    # /cancel then 继续填写 comes back to the same promise (the next message still replaces).
    kept = run(REFLECTION, live(back), [Control("cancel"), Press("keep")])
    assert REPLACES in said(kept)
    assert live(step(REFLECTION, live(kept), Text("新" * 30))).answers["highlights"] == "新" * 30


def test_long_text_prompt_after_edit_says_new_text_replaces() -> None:
    picked = run(REFLECTION, confirm_draft(), [Press("edit"), Press("pick", "shortcomings")])
    assert f"\n当前内容：{S30}（30 字）\n{REPLACES}\n" in said(picked)
    assert APPENDS not in said(picked)


def test_long_text_prompt_on_resume_says_new_text_is_appended() -> None:
    typed = live(step(REFLECTION, at(REFLECTION, "highlights"), Text(H10)))
    assert typed.replacing is False
    # Coming back later (/reflect again, or after a restart) shows the prompt.
    restored = Draft.restore(typed.form, typed.step, typed.answers,
                             json.loads(json.dumps(typed.context())))
    text = engine.show(REFLECTION, restored).text
    assert f"\n当前内容：{H10}（10 字）\n{APPENDS}\n<i>（" in text
    assert REPLACES not in text
    appended = step(REFLECTION, restored, Text(H10))
    assert live(appended).answers == {"highlights": f"{H10}\n{H10}"}


def test_long_text_prompt_after_a_replacement_says_appended() -> None:
    back = live(step(REFLECTION, at(REFLECTION, "shortcomings", {"highlights": H30},
                                    history=("highlights",)), Control("back")))
    replaced = live(step(REFLECTION, back, Text("新" * 31)))
    assert APPENDS in engine.show(REFLECTION, replaced).text
    assert REPLACES not in engine.show(REFLECTION, replaced).text


def test_no_replace_or_append_line_without_a_long_text_value() -> None:
    empty = engine.show(REFLECTION, at(REFLECTION, "highlights", replacing=True)).text
    short = said(step(REFLECTION, at(REFLECTION, "taught_on", {"class_name": CLASS_2},
                                     history=("class_name",)), Control("back")))
    for text in (empty, short):
        assert REPLACES not in text
        assert APPENDS not in text
    assert f"当前内容：{CLASS_2}\n<i>（" in short


@pytest.mark.parametrize("replacing", [True, False], ids=["after-back", "appending"])
@pytest.mark.parametrize("blank", ["", "   ", "\n", " \n\u3000\t"])
def test_a_blank_message_does_not_change_a_long_text(blank: str, replacing: bool) -> None:
    draft = at(REFLECTION, "highlights", {"highlights": H30}, replacing=replacing)
    outcome = step(REFLECTION, draft, Text(blank))
    assert outcome.draft == draft
    (reply,) = outcome.replies
    assert reply.text == "⚠️ 内容不能为空，请重新输入。\n" + engine.show(REFLECTION, draft).text


def test_a_blank_first_message_in_a_long_text_is_refused() -> None:
    draft = at(REFLECTION, "highlights")
    outcome = step(REFLECTION, draft, Text("  "))
    assert outcome.draft == draft
    assert said(outcome).startswith("⚠️ 内容不能为空，请重新输入。\n<b>教学反思</b> · 第 4/7 项")


def test_long_text_over_the_character_limit() -> None:
    draft = at(REFLECTION, "highlights", {"highlights": "好" * 49_999})
    outcome = step(REFLECTION, draft, Text("多"))
    assert outcome.draft == draft
    assert said(outcome).startswith(
        "⚠️ 太长了：最多 50000 个字符，现在有 50001 个，请精简后重新输入。\n")


def _highlights_at_most(max_chars: int, *, single: bool | None = False) -> FormSpec:
    catalog = FormCatalog.build([], [FieldPatch(form="reflection", field="highlights",
                                                max_chars=max_chars, single=single)])
    spec = catalog.get("reflection")
    assert spec is not None
    return spec


def test_long_text_max_chars_counts_zishu_not_characters() -> None:
    spec = _highlights_at_most(30)
    lines = (H10, "很" * 10, "棒" * 10)
    outcome = run(spec, at(spec, "highlights"), [Text(line) for line in lines])
    # 32 characters with the two joining line breaks, but 30 字: within the limit.
    assert live(outcome).answers == {"highlights": "\n".join(lines)}
    assert said(outcome).startswith("已记下「闪光点」，共 30 字。")
    words = " ".join(["good"] * 30)  # 149 characters, 30 words: 30 字
    english = step(spec, at(spec, "highlights"), Text(words))
    assert live(english).answers == {"highlights": words}
    assert said(english).startswith("已记下「闪光点」，共 30 字。")


def test_long_text_over_max_chars_while_typing_is_refused() -> None:
    spec = _highlights_at_most(30)
    draft = at(spec, "highlights", {"highlights": f"{H10}\n{H10}\n{H10}"})
    outcome = step(spec, draft, Text("好" * 3))
    assert outcome.draft == draft
    assert said(outcome).startswith(
        "⚠️ 字数超出：现在 33 字，最多 30 字，请删减 3 字。\n<b>教学反思</b> · 第 4/7 项")


def test_long_text_max_chars_when_replacing_counts_only_the_new_text() -> None:
    spec = _highlights_at_most(30)
    draft = at(spec, "highlights", {"highlights": "旧" * 30}, replacing=True)
    outcome = step(spec, draft, Text("新" * 30))
    assert live(outcome).answers == {"highlights": "新" * 30}
    refused = step(spec, draft, Text("新" * 31))
    assert refused.draft == draft
    assert said(refused).startswith("⚠️ 字数超出：现在 31 字，最多 30 字，请删减 1 字。\n")


def test_long_text_absolute_cap_counts_characters_with_the_joining_line_break() -> None:
    draft = at(REFLECTION, "highlights", {"highlights": "好" * 49_998})
    kept = step(REFLECTION, draft, Text("多"))  # 49 998 + "\n" + 1 = 50 000 characters
    assert len(live(kept).answers["highlights"]) == engine.LONG_TEXT_MAX == 50_000
    refused = step(REFLECTION, live(kept), Text("多"))
    assert refused.draft == live(kept)
    assert said(refused).startswith(
        "⚠️ 太长了：最多 50000 个字符，现在有 50002 个，请精简后重新输入。\n")


def test_long_text_max_chars_in_zishu_on_finish() -> None:
    catalog = FormCatalog.build([], [FieldPatch(form="reflection", field="highlights",
                                                max_chars=40)])
    spec = catalog.get("reflection")
    assert spec is not None
    draft = at(spec, "highlights", {"highlights": "好" * 35 + " a b c d e f"})  # 41 字
    outcome = step(spec, draft, Press("done"))
    assert outcome.draft == draft
    assert said(outcome).startswith("⚠️ 字数超出：现在 41 字，最多 40 字，请删减 1 字。\n")


# -- skip, back, cancel -------------------------------------------------------------------


@pytest.mark.parametrize("skip", [Control("skip"), Press("skip")])
def test_skip_a_required_field_is_refused(skip: engine.Event) -> None:
    draft = start(REFLECTION)
    outcome = step(REFLECTION, draft, skip)
    assert outcome.draft == draft
    assert said(outcome) == "⚠️ 这一项必须填写，不能跳过。\n" + engine.show(REFLECTION, draft).text


@pytest.mark.parametrize("skip", [Control("skip"), Press("skip")])
def test_skip_an_optional_field_removes_it(skip: engine.Event) -> None:
    answers = {**REFLECTION_ANSWERS, "student_errors": "把 3:15 读成 3:03"}
    del answers["next_time"]
    draft = at(REFLECTION, "student_errors", answers, history=("shortcomings",))
    outcome = step(REFLECTION, draft, skip)
    assert live(outcome).step == "next_time"
    assert "student_errors" not in live(outcome).answers
    assert live(outcome).history == ("shortcomings", "student_errors")
    assert said(outcome).startswith("<b>教学反思</b> · 第 7/7 项 · 二次教学建议\n")


def test_back_shows_the_current_value_and_keep_value() -> None:
    first = run(REFLECTION, start(REFLECTION), [Text("认识钟表"), Text("三年级2班")])
    assert live(first).step == "taught_on"
    back = step(REFLECTION, live(first), Control("back"))
    draft = live(back)
    assert (draft.step, draft.history) == ("class_name", ("topic",))
    (reply,) = back.replies
    assert reply.text == (
        "<b>教学反思</b> · 第 2/7 项 · 班级\n在哪个班上的课？例如 三年级2班\n"
        "当前内容：三年级2班\n<i>（/back 返回上一项，/cancel 放弃）</i>")
    assert buttons(reply) == [("保持不变", data("keep_value"))]
    kept = step(REFLECTION, draft, Press("keep_value"))
    assert live(kept).step == "taught_on"
    assert live(kept).answers == {"topic": "认识钟表", "class_name": "三年级2班"}
    assert live(kept).history == ("topic", "class_name")
    changed = step(REFLECTION, draft, Text("三年级3班"))
    assert live(changed).answers["class_name"] == "三年级3班"


def test_back_to_a_date_shows_it_in_chinese() -> None:
    draft = at(REFLECTION, "highlights", {"taught_on": "2026-11-29"}, history=("taught_on",))
    back = step(REFLECTION, draft, Control("back"))
    assert "\n当前内容：2026年11月29日\n" in said(back)
    assert buttons(back.replies[0]) == [("今天", data("date", "0")), ("昨天", data("date", "1")),
                                        ("保持不变", data("keep_value"))]


def test_keep_value_without_a_value_is_expired() -> None:
    draft = start(REFLECTION)
    assert step(REFLECTION, draft, Press("keep_value")).replies == [EXPIRED]


def test_back_on_the_first_field() -> None:
    draft = start(REFLECTION)
    outcome = step(REFLECTION, draft, Control("back"))
    assert outcome.draft == draft
    assert outcome.replies == [Reply("已经是第一项了。"), engine.show(REFLECTION, draft)]


def test_back_from_confirm_goes_to_the_last_field() -> None:
    done = run(REFLECTION, start(REFLECTION), REFLECTION_EVENTS)
    back = step(REFLECTION, live(done), Control("back"))
    assert (live(back).step, live(back).replacing) == ("next_time", True)


def test_cancel_asks_then_keep_returns() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    asked = step(REFLECTION, draft, Control("cancel"))
    assert (live(asked).step, live(asked).resume) == (CANCEL, "class_name")
    (reply,) = asked.replies
    assert reply.text == "确定放弃这份<b>教学反思</b>吗？已填写的内容会被删除。"
    assert buttons(reply) == [("放弃", data("discard")), ("继续填写", data("keep"))]
    kept = step(REFLECTION, live(asked), Press("keep"))
    assert live(kept).step == "class_name"
    assert live(kept).answers == {"topic": "认识钟表"}
    assert kept.replies == [engine.show(REFLECTION, draft)]


def test_cancel_then_discard() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Control("cancel")))
    outcome = step(REFLECTION, draft, Press("discard"))
    assert outcome == Outcome(None, [Reply("已放弃这份教学反思。", edit=True)], discarded=True)


def test_typing_while_asked_to_cancel() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Control("cancel")))
    outcome = step(REFLECTION, draft, Text("认识钟表"))
    assert outcome.draft == draft
    assert outcome.replies == [Reply("请点下面的按钮继续。"), engine.show(REFLECTION, draft)]


def test_cancel_twice_then_keep_returns_to_the_field() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    asked = run(REFLECTION, draft, [Control("cancel"), Control("cancel")])
    assert (live(asked).step, live(asked).resume) == (CANCEL, "class_name")
    assert asked.replies == [engine.show(REFLECTION, live(asked))]
    kept = step(REFLECTION, live(asked), Press("keep"))
    assert live(kept).step == "class_name"
    assert live(kept).answers == {"topic": "认识钟表"}
    assert kept.replies == [engine.show(REFLECTION, draft)]


def test_cancel_during_switch_then_keep_returns_to_the_field() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    switching = live(engine.ask_switch(REFLECTION, draft, "observation"))
    asked = step(REFLECTION, switching, Control("cancel"))
    assert (live(asked).step, live(asked).resume) == (CANCEL, "class_name")
    assert said(asked) == "确定放弃这份<b>教学反思</b>吗？已填写的内容会被删除。"
    kept = step(REFLECTION, live(asked), Press("keep"))
    assert live(kept).step == "class_name"
    assert kept.replies == [engine.show(REFLECTION, draft)]
    # The switch question is over: its button no longer acts.
    assert step(REFLECTION, live(kept), Press("switch")).replies == [EXPIRED]


@pytest.mark.parametrize("name", ["skip", "back", "done"])
@pytest.mark.parametrize("special", [CANCEL, SWITCH])
def test_a_control_at_a_question_step_shows_the_question(special: str, name: str) -> None:
    # With history, so /back would have somewhere to go if it were not ignored here.
    draft = at(REFLECTION, special, {"topic": "认识钟表"}, resume="class_name",
               history=("topic",), switch_to="observation")
    outcome = step(REFLECTION, draft, Control(name))
    assert outcome.draft == draft
    assert outcome.replies == [Reply("请点下面的按钮继续。"), engine.show(REFLECTION, draft)]
    # The question still works afterwards.
    kept = step(REFLECTION, draft, Press("keep"))
    assert live(kept).step == "class_name"


# -- confirm, pick, submit ----------------------------------------------------------------


def test_filling_the_whole_reflection_ends_at_confirm() -> None:
    outcome = run(REFLECTION, start(REFLECTION), REFLECTION_EVENTS)
    draft = live(outcome)
    assert draft.step == CONFIRM
    assert draft.answers == REFLECTION_ANSWERS
    assert draft.history == ("topic", "class_name", "taught_on", "highlights", "shortcomings",
                             "student_errors", "next_time")
    (reply,) = outcome.replies
    assert engine.body_chars(REFLECTION, draft.answers) == 90
    assert reply.text == (
        "请核对这份<b>教学反思</b>：\n\n"
        "<b>课题</b>：认识钟表\n"
        "<b>班级</b>：三年级2班\n"
        "<b>上课日期</b>：2026年11月29日\n"
        f"<b>闪光点</b>：{H30}（30 字）\n"
        f"<b>失败处</b>：{S30}（30 字）\n"
        "<b>学生错例</b>：（未填）\n"
        f"<b>二次教学建议</b>：{N30}（30 字）\n"
        "正文合计：90 字")
    assert buttons(reply) == [("提交", data("submit")), ("修改某项", data("edit")),
                              ("取消", data("cancel"))]


def test_filling_the_whole_observation() -> None:
    outcome = run(OBSERVATION, start(OBSERVATION), OBSERVATION_EVENTS)
    draft = live(outcome)
    assert draft.step == CONFIRM
    assert draft.answers == OBSERVATION_ANSWERS
    text = said(outcome)
    for field in OBSERVATION.fields:
        assert f"<b>{field.label}</b>：" in text
    assert ("<b>节次</b>：3\n<b>年级班级</b>：四年级1班\n<b>学科</b>：数学\n"
            "<b>授课教师</b>：王芳\n") in text
    chars = engine.body_chars(OBSERVATION, draft.answers)
    assert chars == 80
    assert text.endswith(f"\n正文合计：{chars} 字")


@pytest.mark.parametrize(
    ("answers", "chars"),
    [
        ({}, 0),
        ({"highlights": "好，很好！", "topic": "不计入正文"}, 5),
        ({"highlights": "Good job 同学们", "next_time": "再试一次。"}, 5 + 5),
        ({"student_errors": "3:15 读成 3:03", "shortcomings": "\n\n"}, 6),
    ],
)
def test_body_chars_counts_only_long_fields(answers: dict[str, Any], chars: int) -> None:
    assert engine.body_chars(REFLECTION, answers) == chars


def test_summary_shortens_long_values() -> None:
    long_value = "好" * 150
    text = engine.summary(REFLECTION, {"highlights": long_value})
    assert f"<b>闪光点</b>：{'好' * 119}…（150 字）" in text
    assert text.endswith("正文合计：150 字")


ODD = "<&>" * 66  # 198 characters; 858 once escaped
ODD_SHOWN = "&lt;&amp;&gt;" * 39 + "&lt;&amp;…"  # the first 119 characters, escaped, and …


def test_summary_shortens_every_value_before_escaping() -> None:
    answers = {"class_name": ODD, "subject": ODD, "teacher": ODD, "title": ODD,
               "lesson_type": ODD, "process": ODD, "period": 3}
    text = engine.summary(OBSERVATION, answers)
    for label in ("年级班级", "学科", "授课教师", "课题", "课型"):
        assert f"<b>{label}</b>：{ODD_SHOWN}\n" in text
    assert f"<b>教学过程与观察</b>：{ODD_SHOWN}（0 字）\n" in text
    assert "<b>节次</b>：3\n" in text
    # Never a cut entity: every & starts one of the three escapes.
    assert text.count("&") == text.count("&lt;") + text.count("&gt;") + text.count("&amp;")
    assert "<&" not in text


def test_summary_shortens_a_long_short_text() -> None:
    text = engine.summary(REFLECTION, {"topic": "课" * 200})
    assert f"<b>课题</b>：{'课' * 119}…\n" in text
    assert "课" * 120 not in text
    current = engine.show(REFLECTION, at(REFLECTION, "topic", {"topic": "课" * 200})).text
    assert f"\n当前内容：{'课' * 119}…\n" in current


def test_summary_keeps_a_value_of_120_characters_whole() -> None:
    text = engine.summary(REFLECTION, {"topic": "课" * 120})
    assert f"<b>课题</b>：{'课' * 120}\n" in text


def test_summary_of_a_form_without_long_text_has_no_total() -> None:
    assert engine.summary(STRICT, {"level": "良"}) == "<b>等级</b>：良\n<b>备注</b>：（未填）"


def test_edit_picks_a_field_and_returns_to_confirm() -> None:
    draft = confirm_draft()
    picking = step(REFLECTION, draft, Press("edit"))
    assert live(picking).step == PICK
    (reply,) = picking.replies
    assert reply.text == "要修改哪一项？"
    assert [[(b.label, unstepped(b.data)) for b in row] for row in reply.buttons] == [
        [("课题", data("pick", "topic")), ("班级", data("pick", "class_name")),
         ("上课日期", data("pick", "taught_on"))],
        [("闪光点", data("pick", "highlights")), ("失败处", data("pick", "shortcomings")),
         ("学生错例", data("pick", "student_errors"))],
        [("二次教学建议", data("pick", "next_time"))],
        [("返回核对", data("summary"))],
    ]
    picked = step(REFLECTION, live(picking), Press("pick", "topic"))
    assert (live(picked).step, live(picked).to_confirm) == ("topic", True)
    assert "\n当前内容：认识钟表\n" in said(picked)
    answered = step(REFLECTION, live(picked), Text("认识时间"))
    assert (live(answered).step, live(answered).to_confirm) == (CONFIRM, False)
    assert live(answered).answers == {**REFLECTION_ANSWERS, "topic": "认识时间"}
    assert said(answered).startswith("请核对这份<b>教学反思</b>：\n\n<b>课题</b>：认识时间\n")


def test_edit_a_long_field_replaces_it_and_returns_to_confirm() -> None:
    picked = run(REFLECTION, confirm_draft(), [Press("edit"), Press("pick", "highlights")])
    assert live(picked).replacing is True
    outcome = run(REFLECTION, live(picked), [Text("新" * 40), Press("done")])
    assert live(outcome).step == CONFIRM
    assert live(outcome).answers["highlights"] == "新" * 40
    assert said(outcome).endswith("正文合计：100 字")


def test_pick_back_to_summary_and_unknown_pick() -> None:
    picking = live(step(REFLECTION, confirm_draft(), Press("edit")))
    back = step(REFLECTION, picking, Press("summary"))
    assert live(back).step == CONFIRM
    assert back.replies == [engine.show(REFLECTION, confirm_draft())]
    unknown = step(REFLECTION, picking, Press("pick", "teacher"))
    assert unknown.draft == picking
    assert unknown.replies == [EXPIRED]


def test_submit_returns_the_draft() -> None:
    draft = live(run(REFLECTION, start(REFLECTION), REFLECTION_EVENTS))
    outcome = step(REFLECTION, draft, Press("submit"))
    assert outcome == Outcome(None, [], submitted=draft)
    assert outcome.submitted is not None
    assert outcome.submitted.answers == REFLECTION_ANSWERS


@pytest.mark.parametrize(
    ("missing", "number", "message"),
    [
        ("class_name", 2, "「班级」还没有填写。"),
        ("taught_on", 3, "「上课日期」还没有填写。"),
        ("next_time", 7, "「二次教学建议」还没有填写。"),
    ],
)
def test_submit_with_a_missing_field_asks_it(missing: str, number: int, message: str) -> None:
    answers = {k: v for k, v in REFLECTION_ANSWERS.items() if k != missing}
    outcome = step(REFLECTION, confirm_draft(answers=answers), Press("submit"))
    fix = live(outcome)
    assert (fix.step, fix.to_confirm) == (missing, True)
    assert outcome.submitted is None
    assert said(outcome).startswith(f"⚠️ {message}\n<b>教学反思</b> · 第 {number}/7 项 · ")


def test_a_fixed_missing_field_returns_to_confirm() -> None:
    answers = {k: v for k, v in REFLECTION_ANSWERS.items() if k != "class_name"}
    outcome = run(REFLECTION, confirm_draft(answers=answers),
                  [Press("submit"), Text("三年级2班"), Press("submit")])
    assert outcome.submitted is not None
    assert outcome.submitted.answers == REFLECTION_ANSWERS


def test_submit_with_a_too_short_long_text() -> None:
    answers = {**REFLECTION_ANSWERS, "shortcomings": "差" * 5}
    outcome = step(REFLECTION, confirm_draft(answers=answers), Press("submit"))
    assert (live(outcome).step, live(outcome).to_confirm) == ("shortcomings", True)
    assert said(outcome).startswith(
        "⚠️ 失败处：字数不足：现在 5 字，至少需要 30 字，还差 25 字。\n")


def test_cancel_button_at_confirm_and_keep() -> None:
    asked = step(REFLECTION, confirm_draft(), Press("cancel"))
    assert (live(asked).step, live(asked).resume) == (CANCEL, CONFIRM)
    kept = step(REFLECTION, live(asked), Press("keep"))
    assert live(kept).step == CONFIRM
    assert kept.replies == [engine.show(REFLECTION, confirm_draft())]


@pytest.mark.parametrize(
    ("event", "replies"),
    [
        (Text("好的"), [Reply("请点下面的按钮继续。"), "confirm"]),
        (NotText(), [Reply("请点下面的按钮继续。"), "confirm"]),
        (Control("skip"), [Reply("请点下面的按钮继续。"), "confirm"]),
        (Control("done"), [Reply("请点下面的按钮继续。"), "confirm"]),
        (Press("keep"), [EXPIRED]),
        (Press("done"), [EXPIRED]),
        (Press("pick", "topic"), [EXPIRED]),
    ],
)
def test_confirm_wants_its_buttons(event: engine.Event, replies: list[Any]) -> None:
    draft = confirm_draft()
    outcome = step(REFLECTION, draft, event)
    assert outcome.draft == draft
    expected = [engine.show(REFLECTION, draft) if r == "confirm" else r for r in replies]
    assert outcome.replies == expected


# -- switching forms ----------------------------------------------------------------------


def test_ask_switch_then_switch() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    asked = engine.ask_switch(REFLECTION, draft, "observation")
    switching = live(asked)
    assert (switching.step, switching.resume, switching.switch_to) == (
        SWITCH, "class_name", "observation")
    (reply,) = asked.replies
    assert reply.text == "您还有一份没写完的<b>教学反思</b>。继续写它，还是放弃它开始新的？"
    assert buttons(reply) == [("继续填写", data("keep")), ("放弃它，开始新的", data("switch"))]
    outcome = step(REFLECTION, switching, Press("switch"))
    assert outcome == Outcome(None, [Reply("已放弃这份教学反思。")], discarded=True,
                              switch_to="observation")


def test_ask_switch_then_keep_resumes() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    switching = live(engine.ask_switch(REFLECTION, draft, "observation"))
    kept = step(REFLECTION, switching, Press("keep"))
    assert live(kept).step == "class_name"
    assert live(kept).switch_to == ""
    assert kept.replies == [engine.show(REFLECTION, draft)]


@pytest.mark.parametrize("where", [CANCEL, SWITCH])
def test_ask_switch_on_a_question_keeps_the_old_resume(where: str) -> None:
    draft = at(REFLECTION, where, {"topic": "认识钟表"}, resume="class_name")
    switching = live(engine.ask_switch(REFLECTION, draft, "story"))
    assert (switching.step, switching.resume, switching.switch_to) == (
        SWITCH, "class_name", "story")
    assert live(step(REFLECTION, switching, Press("keep"))).step == "class_name"


def test_ask_switch_at_confirm_resumes_confirm() -> None:
    switching = live(engine.ask_switch(REFLECTION, confirm_draft(), "story"))
    kept = step(REFLECTION, switching, Press("keep"))
    assert live(kept).step == CONFIRM


# What /mine's 修改 asks for: the record's answers, its id (and a link, for sessions).
SWITCH_ARGS = {"prefill": REFLECTION_ANSWERS, "record_id": 41, "link": ["session", 3]}


def test_ask_switch_carries_the_args_of_the_new_form() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    asked = engine.ask_switch(REFLECTION, draft, "reflection", SWITCH_ARGS)
    switching = live(asked)
    assert (switching.step, switching.resume, switching.switch_to, switching.switch_args) == (
        SWITCH, "class_name", "reflection", SWITCH_ARGS)
    assert said(asked) == "您还有一份没写完的<b>教学反思</b>。继续写它，还是放弃它开始新的？"
    outcome = step(REFLECTION, switching, Press("switch"))
    assert outcome == Outcome(None, [Reply("已放弃这份教学反思。")], discarded=True,
                              switch_to="reflection", switch_args=SWITCH_ARGS)


def test_switch_args_survive_a_restart() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    switching = live(engine.ask_switch(REFLECTION, draft, "reflection", SWITCH_ARGS))
    stored = json.loads(json.dumps(switching.context(), ensure_ascii=False))
    restored = Draft.restore(switching.form, switching.step, switching.answers, stored)
    outcome = step(REFLECTION, restored, Press("switch"))
    assert (outcome.switch_to, outcome.switch_args) == ("reflection", SWITCH_ARGS)


def test_keep_drops_the_switch_args() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    switching = live(engine.ask_switch(REFLECTION, draft, "reflection", SWITCH_ARGS))
    kept = live(step(REFLECTION, switching, Press("keep")))
    assert (kept.step, kept.switch_to, kept.switch_args) == ("class_name", "", {})


def test_a_newer_switch_replaces_the_args_of_an_older_one() -> None:
    draft = live(step(REFLECTION, start(REFLECTION), Text("认识钟表")))
    first = live(engine.ask_switch(REFLECTION, draft, "reflection", SWITCH_ARGS))
    second = live(engine.ask_switch(REFLECTION, first, "story"))
    assert (second.resume, second.switch_to, second.switch_args) == ("class_name", "story", {})
    outcome = step(REFLECTION, second, Press("switch"))
    assert (outcome.switch_to, outcome.switch_args) == ("story", {})


# -- odd events ---------------------------------------------------------------------------


def test_not_text_in_a_field() -> None:
    draft = start(REFLECTION)
    outcome = step(REFLECTION, draft, NotText())
    assert outcome.draft == draft
    assert said(outcome) == "⚠️ 我只能读文字消息，请用文字回复。\n" + engine.show(REFLECTION,
                                                                                 draft).text


@pytest.mark.parametrize("event", [Press("submit"), Press("nonsense", "1"), Press("done"),
                                   Press("choice", "0"), Press("teacher", "7"),
                                   Press("date", "0")])
def test_an_unknown_press_in_a_text_field_is_expired(event: Press) -> None:
    draft = start(REFLECTION)
    outcome = step(REFLECTION, draft, event)
    assert outcome.draft == draft
    assert outcome.replies == [EXPIRED]
    assert outcome.replies[0].notice == "这个按钮已经失效了。"


@pytest.mark.parametrize("name", ["done", "start", "reflect"])
def test_a_control_that_does_not_apply(name: str) -> None:
    draft = start(REFLECTION)
    outcome = step(REFLECTION, draft, Control(name))
    assert outcome.draft == draft
    assert said(outcome).startswith(f"⚠️ 现在不能用 /{name}。\n<b>教学反思</b> · 第 1/7 项")


# -- HTML --------------------------------------------------------------------------------


def test_html_in_answers_is_escaped() -> None:
    raw = "<b>x</b>&"
    shown = "&lt;b&gt;x&lt;/b&gt;&amp;"
    answered = run(REFLECTION, start(REFLECTION), [Text(raw), Text("三年级2班")])
    assert live(answered).answers["topic"] == raw  # stored as typed
    back = run(REFLECTION, live(answered), [Control("back"), Control("back")])
    assert f"\n当前内容：{shown}\n" in said(back)
    assert raw not in said(back)
    long_note = step(REFLECTION, at(REFLECTION, "highlights"), Text(raw))
    # 字数 of <b>x</b>&: the words b, x and b.
    assert long_note.replies[0].text.startswith("已记下「闪光点」，共 3 字，还差 27 字。")
    answers = {**REFLECTION_ANSWERS, "topic": raw, "highlights": H30 + raw}
    confirm = engine.show(REFLECTION, confirm_draft(answers=answers)).text
    assert f"<b>课题</b>：{shown}\n" in confirm
    assert f"<b>闪光点</b>：{H30}{shown}（33 字）\n" in confirm
    assert raw not in confirm


def test_html_in_teacher_names_is_escaped() -> None:
    outcome = step(OBSERVATION, at(OBSERVATION, "teacher"), Text("<i>张</i>"))
    assert outcome.replies[0].text == "花名册里没有「&lt;i&gt;张&lt;/i&gt;」。是校外教师吗？"
    kept = step(OBSERVATION, live(outcome), Text("是，校外教师"))
    assert kept.replies[0] == Reply("已按校外教师记录「&lt;i&gt;张&lt;/i&gt;」。")


# -- drafts survive a restart -------------------------------------------------------------


def _every_draft(spec: FormSpec, events: Sequence[engine.Event]) -> list[Draft]:
    drafts = [start(spec)]
    for event in events:
        drafts.append(live(step(spec, drafts[-1], event)))
    return drafts


RESTORE_CASES = [
    *[(REFLECTION, d) for d in _every_draft(REFLECTION, REFLECTION_EVENTS)],
    *[(OBSERVATION, d) for d in _every_draft(OBSERVATION, [*OBSERVATION_EVENTS[:4],
                                                           Text("李静")])],
    (REFLECTION, Draft(form="reflection", token=TOKEN, step=SWITCH, answers={"topic": "x"},
                       history=("topic",), prefilled=("class_name",), to_confirm=True,
                       replacing=True, resume="class_name", switch_to="story",
                       switch_args={"prefill": {"title": "x"}, "record_id": 5,
                                    "link": ["session", 2]},
                       typed_name="李静", record_id=41, link_kind="session", link_id=3)),
]


@pytest.mark.parametrize(("spec", "draft"), RESTORE_CASES)
def test_context_restore_round_trip(spec: FormSpec, draft: Draft) -> None:
    stored = json.loads(json.dumps(
        {"form": draft.form, "step": draft.step, "answers": dict(draft.answers),
         "context": draft.context()}, ensure_ascii=False))
    restored = Draft.restore(stored["form"], stored["step"], stored["answers"],
                             stored["context"])
    assert restored == draft
    assert engine.show(spec, restored) == engine.show(spec, draft)


def test_restored_draft_carries_on_where_it_was() -> None:
    draft = _every_draft(OBSERVATION, [*OBSERVATION_EVENTS[:4], Text("李静")])[-1]
    assert draft.typed_name == "李静"
    restored = Draft.restore(draft.form, draft.step, draft.answers,
                             json.loads(json.dumps(draft.context())))
    picked = step(OBSERVATION, restored, Press("teacher", "11"))
    assert live(picked).answers["teacher_id"] == 11


def test_restore_of_an_empty_context() -> None:
    assert Draft.restore("story", "title", {}, {}) == Draft(form="story", token="",
                                                            step="title", answers={})


# -- buttons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("Ab3_-z:@confirm:submit", ("Ab3_-z", Press("submit", step="@confirm"))),
        ("Ab3_-z:@pick:pick:student_errors",
         ("Ab3_-z", Press("pick", "student_errors", "@pick"))),
        ("tok:teacher:teacher:12", ("tok", Press("teacher", "12", "teacher"))),
        ("tok:subject:choice:1:2", ("tok", Press("choice", "1:2", "subject"))),
        ("tok:body:done:", ("tok", Press("done", step="body"))),
        ("tok:submit", None),
        ("tok", None),
        ("tok:", None),
        (":@confirm:submit", None),
        ("", None),
    ],
)
def test_parse_button(raw: str, parsed: tuple[str, Press] | None) -> None:
    assert engine.parse_button(raw) == parsed


def test_button_and_parse_button_agree() -> None:
    draft = start(REFLECTION)
    made = engine.button(draft, "标签", "pick", "next_time")
    assert made == Button("标签", data="f:Ab3_-z:topic:pick:next_time")
    assert engine.parse_button(made.data.removeprefix("f:")) == (
        TOKEN, Press("pick", "next_time", "topic"))
    assert engine.button(draft, "提交", "submit").data == "f:Ab3_-z:topic:submit"


def _all_screens(spec: FormSpec) -> list[tuple[Draft, Reply]]:
    """Every reply with buttons a built-in form can produce, with the draft it was made for."""
    screens: list[tuple[Draft, Reply]] = []
    full = {}
    for field in spec.fields:
        full[field.key] = {FieldKind.DATE: "2026-11-30", FieldKind.NUMBER: 1,
                           FieldKind.TIME: "14:50",
                           FieldKind.CHOICE: field.choices[0] if field.choices else "x",
                           FieldKind.LONG_TEXT: "好" * (field.min_chars or 1)}.get(field.kind,
                                                                                   "好好")
    history: tuple[str, ...] = ()
    for field in spec.fields:
        for answers in ({}, full):
            draft = Draft(form=spec.kind, token=TOKEN, step=field.key, answers=answers,
                          history=history)
            screens.append((draft, engine.show(spec, draft)))
        if field.kind is FieldKind.LONG_TEXT:
            outcome = step(spec, Draft(form=spec.kind, token=TOKEN, step=field.key), Text("好"))
            screens.append((live(outcome), outcome.replies[0]))
        if field.kind is FieldKind.TEACHER:
            waiting = Draft(form=spec.kind, token=TOKEN, step=field.key)
            big = [(10**15, "王" * 20, "语文组、数学组"), (10**15 + 1, "王" * 20, "英语组")]
            outcome = engine.step(spec, waiting, Text("王" * 20), today=TODAY,
                                  lookup=lambda _name, found=big: found)
            screens.append((live(outcome), outcome.replies[0]))
        history = (*history, field.key)
    for special in (CONFIRM, PICK, CANCEL, SWITCH):
        draft = Draft(form=spec.kind, token=TOKEN, step=special, answers=full,
                      resume=spec.fields[0].key, switch_to="standard_excerpt")
        screens.append((draft, engine.show(spec, draft)))
    return screens


@pytest.mark.parametrize("spec", builtin_forms(), ids=lambda spec: spec.kind)
def test_every_button_fits_telegram_and_works(spec: FormSpec) -> None:
    screens = _all_screens(spec)
    seen = 0
    for draft, reply in screens:
        for row in reply.buttons:
            for made in row:
                seen += 1
                assert made.data is not None
                assert len(made.data.encode()) <= 64, made.data
                assert made.data.startswith(f"f:{TOKEN}:")
                parsed = engine.parse_button(made.data.removeprefix("f:"))
                assert parsed is not None
                token, press = parsed
                assert token == TOKEN
                big = [(10**15, "王" * 20, "语文组、数学组"), (10**15 + 1, "王" * 20, "英语组")]
                outcome = engine.step(spec, draft, press, today=TODAY,
                                      lookup=lambda _name, found=big: found)
                # Every button offered is live on the draft it was made for.
                assert EXPIRED not in outcome.replies, (draft.step, made)
    assert seen > len(spec.fields)


def test_the_longest_button_data() -> None:
    sizes = {made.data: len((made.data or "").encode())
             for spec in builtin_forms() for _draft, reply in _all_screens(spec)
             for row in reply.buttons for made in row}
    assert max(sizes.values()) == 41  # f:Ab3_-z:teacher:teacher:1000000000000000
    assert sizes["f:Ab3_-z:@pick:pick:student_errors"] == 34


def test_spec_field_kinds_of_the_builtin_forms_are_all_covered() -> None:
    kinds = {field.kind for spec in builtin_forms() for field in spec.fields}
    assert kinds == set(FieldKind)


# -- padding: repeated sentences count once -------------------------------------------------


def test_a_repeated_sentence_counts_once() -> None:
    spec = REFLECTION
    sentence = "学生在小组合作中表现积极。"  # 13 字
    outcome = step(spec, at(spec, "highlights"), Text(sentence * 5))
    assert said(outcome).startswith(
        "已记下「闪光点」，共 13 字（重复的句子只计一次，52 字未计入），还差 17 字。")
    assert engine.body_chars(spec, {"highlights": sentence * 5}) == 13
    counted = engine.body_counted(spec, {"highlights": sentence * 3, "next_time": sentence})
    assert (counted.total, counted.cut, counted.cut_chars) == (13, ((sentence, 3),), 39)
    refused = step(spec, live(outcome), Text("完成"))
    assert "字数不足：重复的句子只计一次，现在计 13 字，至少需要 30 字" in said(refused)


# -- short fields take one message (issue 15) -----------------------------------------------


def test_a_short_long_text_takes_one_message_and_moves_on() -> None:
    spec = _highlights_at_most(100, single=None)  # max_chars ≤ 200: one message
    assert spec.field("highlights").one_message
    outcome = step(spec, at(spec, "highlights"), Text(H30))
    assert live(outcome).step == "shortcomings"
    assert live(outcome).answers["highlights"] == H30
    # Too short: asked again, nothing kept.
    again = step(spec, at(spec, "highlights"), Text(H10))
    assert live(again).step == "highlights"
    assert "字数不足" in said(again)
    # A longer limit (or none) keeps collecting messages.
    assert not _highlights_at_most(201, single=None).field("highlights").one_message
    assert not REFLECTION.field("highlights").one_message


# -- buttons are bound to their step (issue 15) ---------------------------------------------


def test_an_older_steps_button_asks_the_current_question_again() -> None:
    spec = OBSERVATION
    at_subject = Draft(form=spec.kind, token=TOKEN, step="subject")
    subject_button = next(b for row in engine.show(spec, at_subject).buttons for b in row)
    parsed = engine.parse_button((subject_button.data or "").removeprefix("f:"))
    assert parsed is not None
    assert parsed[1].step == "subject"
    # Now at 课型: the old 学科 button picks nothing; the 课型 question is asked again.
    at_type = Draft(form=spec.kind, token=TOKEN, step="lesson_type")
    outcome = engine.step(spec, at_type, parsed[1], today=TODAY, lookup=lambda _n: [])
    assert outcome.draft == at_type
    assert outcome.replies[0].notice == "这是前面问题的按钮，请回答现在这一项。"
    assert "课型" in said(outcome)


def test_typing_a_buttons_label_works_as_pressing_it() -> None:
    draft = confirm_draft()
    typed = step(REFLECTION, draft, Text("提交"))
    assert typed.submitted == draft
    editing = step(REFLECTION, draft, Text(" 修改某项 "))
    assert live(editing).step == PICK
    # In a field: 跳过 typed on an optional field skips it.
    optional = at(REFLECTION, "student_errors")
    assert live(step(REFLECTION, optional, Text("跳过"))).step == "next_time"
