"""Answers where people expect them (issue 15): short fields take one message, old buttons
act only on their own question, typing a button's label works as pressing it, and a form
asks its question again after another command.

The demo school; the clock stands on Monday 2026-11-30 08:00; 刘洋 is a teacher of 语文组.
"""

from __future__ import annotations

import re
from datetime import date

from bot.app import build_runner
from handlers.types import Reply
from tests.drivers import Driver, button_data, plain, prose, shown, tap
from tests.e2e.test_progress import NOTE_SENTENCE
from tests.e2e.test_records import (
    HIGHLIGHT_PARTS,
    PROCESS_PARTS,
    SHORTCOMINGS,
    STRENGTH,
    draft_of,
)

LIU = "刘洋"


async def say(bot: Driver, *messages: str) -> list[Reply]:
    replies: list[Reply] = []
    for message in messages:
        replies = await bot.send(LIU, message)
    return replies


async def observation_until(bot: Driver, step: str) -> list[Reply]:
    """刘洋 fills a 听课记录 up to the field ``step`` (its question is the last reply)."""
    script = [("observed_on", "今天"), ("period", "3"), ("class_name", "四年级1班"),
              ("subject", "数学"), ("teacher", "王芳"), ("title", "分数的初步认识"),
              ("lesson_type", "新授课"), ("process", "\n".join(PROCESS_PARTS)),
              ("process-done", "完成")]
    replies = await bot.send(LIU, "/observe")
    for key, answer in script:
        draft = draft_of(bot, LIU)
        assert draft is not None
        if draft.step == step:
            return replies
        replies = await bot.send(LIU, answer)
        assert "⚠️" not in shown(replies), (key, shown(replies))
    return replies


async def test_the_three_short_fields_take_one_message_each(driver: Driver) -> None:
    driver.bind(LIU)
    asked = await observation_until(driver, "strength")
    assert "第 9/11 项 · 一个优点" in shown(asked)
    assert "写完点「完成」" not in shown(asked)
    moved = shown(await driver.send(LIU, STRENGTH))
    assert "第 10/11 项 · 一个不足" in moved
    # What was typed next is the 不足, not more of the 优点.
    await driver.send(LIU, "时间分配不太合理，练习来不及做完。")
    draft = draft_of(driver, LIU)
    assert draft is not None
    assert draft.answers["strength"] == STRENGTH
    assert draft.answers["weakness"] == "时间分配不太合理，练习来不及做完。"
    assert draft.step == "suggestion"


async def test_an_old_button_asks_the_current_question_again(driver: Driver) -> None:
    driver.bind(LIU)
    subject = await observation_until(driver, "subject")
    old = button_data(subject, "语文")
    await say(driver, "数学", "王芳", "分数的初步认识")
    draft = draft_of(driver, LIU)
    assert draft is not None
    assert draft.step == "lesson_type"
    # The 学科 button, pressed now, picks no 课型: the 课型 question is asked again.
    again = await driver.send(LIU, button=old)
    assert again[0].notice == "这是前面问题的按钮，请回答现在这一项。"
    assert "第 7/11 项 · 课型" in shown(again)
    after = draft_of(driver, LIU)
    assert after is not None
    assert (after.step, after.answers.get("lesson_type"), after.answers["subject"]) == (
        "lesson_type", None, "数学")


async def test_an_old_skip_is_not_applied_to_a_required_question(driver: Driver) -> None:
    driver.bind(LIU)
    errors = await say(driver, "写反思", "认识钟表", "三年级2班", "今天", *HIGHLIGHT_PARTS,
                       "完成", SHORTCOMINGS, "完成")
    skip = button_data(errors, "跳过")  # 学生错例 may be skipped
    await driver.send(LIU, "/skip")
    draft = draft_of(driver, LIU)
    assert draft is not None
    assert draft.step == "next_time"
    again = shown(await driver.send(LIU, button=skip))
    assert again.startswith("这是前面问题的按钮，请回答现在这一项。\n")
    assert "二次教学建议" in again
    kept = draft_of(driver, LIU)
    assert kept is not None
    assert kept.step == "next_time"


async def test_typing_a_buttons_label_works_as_pressing_it(driver: Driver) -> None:
    driver.bind(LIU)
    menu = await driver.send(LIU, "/record")
    assert "读书笔记" in [b.label for reply in menu for row in reply.buttons for b in row]
    opened = shown(await driver.send(LIU, "读书笔记"))
    assert "读书笔记 · 第 1/3 项 · 书名" in opened
    summary = await say(driver, "《给教师的建议》", "跳过", prose(NOTE_SENTENCE, 6), "完成")
    assert "提交" in [b.label for reply in summary for row in reply.buttons for b in row]
    done = shown(await driver.send(LIU, "提交"))
    assert "✅ 已提交读书笔记「《给教师的建议》」。" in done


async def test_after_another_command_the_form_asks_again(driver: Driver) -> None:
    driver.bind(LIU)
    await say(driver, "写反思", "认识钟表")
    me = await driver.send(LIU, "/me")
    text = shown(me)
    assert text.startswith("刘洋（教师）")
    assert text.endswith("在哪个班上的课？例如 三年级2班\n（/back 返回上一项，/cancel 放弃）")
    assert "回到还没填完的教学反思：" in text
    # The keyboard's 我的进度 too; then free text answers the form as asked.
    assert "回到还没填完的教学反思：" in shown(await driver.send(LIU, "我的进度"))
    await driver.send(LIU, "三年级2班")
    draft = draft_of(driver, LIU)
    assert draft is not None
    assert draft.answers["class_name"] == "三年级2班"
    # Form controls and the form's own command do not repeat the question.
    resumed = shown(await driver.send(LIU, "/reflect"))
    assert resumed.count("第 3/7 项") == 1
    assert "回到还没填完" not in resumed
    await tap(driver, LIU, await driver.send(LIU, "/cancel"), "放弃")
    assert "回到还没填完" not in shown(await driver.send(LIU, "/me"))


# -- dates and numbers ------------------------------------------------------------------------


async def test_dates_and_periods_as_teachers_write_them(driver: Driver) -> None:
    driver.bind(LIU)
    # Monday 11-30: a 听课 date is in the past, so 周三 is last Wednesday (11-25).
    for typed in ("周三", "25号", "25日", "十一月二十五日"):
        await driver.send(LIU, "/observe")
        await driver.send(LIU, typed)
        draft = draft_of(driver, LIU)
        assert draft is not None
        assert (draft.step, draft.answers.get("observed_on")) == ("period", "2026-11-25"), typed
        if typed == "周三":
            await driver.send(LIU, "第三节")
            draft = draft_of(driver, LIU)
            assert draft is not None
            assert draft.answers["period"] == 3
        await tap(driver, LIU, await driver.send(LIU, "/cancel"), "放弃")
    # An example that is itself refused would mislead: they stay within 1 to 9.
    await say(driver, "/observe", "今天")
    refused = shown(await driver.send(LIU, "下午"))
    assert "请输入 1 到 9 之间的数字，例如 1、5 或 九。" in refused


async def test_pause_for_a_single_day(driver: Driver) -> None:
    driver.bind(LIU)
    answer = shown(await driver.send(LIU, "/pause 12月3日 外出培训"))
    assert answer == ("好的，12月3日（周四）不再给您发提醒，当天的教研记为请假（外出培训）。\n"
                      # issue 16 §6: a pause for 外出培训 owes a 外出学习汇报
                      "📚 这是一次外出学习："
                      "回来后请在12月17日（周四）前交一份外出学习汇报（/outings）。")
    both = shown(await driver.send(LIU, "/pause 12月8日 12月9日 外出培训"))
    assert both.startswith("好的，12月8日（周二）至12月9日（周三）不再给您发提醒")


# -- 2027 holidays ------------------------------------------------------------------------------


async def test_2027s_holidays_come_from_the_law_and_only_its_tiaoxiu_is_unknown(
        driver: Driver) -> None:
    driver.bind("陈主任")
    sent: list[tuple[str, str]] = []

    async def sink(reply: Reply, item: object) -> bool:
        sent.append((reply.chat.address if reply.chat else "", plain(reply)))
        return True

    await build_runner(driver.core, sink).tick()
    told = [text for chat, text in sent if chat == driver.account("陈主任")]
    assert told == [
        "提醒：2027年的法定节假日已按国家放假办法排好，只有调休（周末上班）还不知道。"
        "国务院公布后请升级机器人；在此之前可在配置的 [calendar] make_up_days 中设置调休。"]
    calendar = driver.core.settings.school_calendar
    assert calendar.day_off_reason(date(2027, 1, 1)) == "元旦"
    # The semester's pace no longer counts 元旦 as a school day.
    assert calendar.school_days(date(2027, 1, 1), date(2027, 1, 1)) == 0


# -- wrong names --------------------------------------------------------------------------------


async def test_announce_with_a_mistyped_group_says_there_is_none(driver: Driver) -> None:
    driver.bind("王芳", "陈主任")
    assert shown(await driver.send("王芳", "/announce 语问组")) == (
        "没有名为「语问组」的教研组。可选：语文组。")
    assert shown(await driver.send("陈主任", "/announce 语问组")).startswith(
        "没有名为「语问组」的教研组。可选：语文组、数学组")
    assert shown(await driver.send("王芳", "/announce 数学组")) == (
        "您不是「数学组」的教研组长，不能发布它的通知。")


async def test_a_request_for_a_name_not_on_the_roster_reaches_the_admins(
        driver: Driver) -> None:
    driver.bind("陈主任")
    sent: list[tuple[str, str]] = []

    async def sink(reply: Reply, item: object) -> bool:
        sent.append((reply.chat.address if reply.chat else "", plain(reply)))
        return True

    stranger = await driver.send("新老师", "/request 张三")
    known = await driver.send("另一人", "/request 刘洋")
    # The answer reveals nothing: the same for a name on the roster and one that is not.
    assert shown(stranger) == shown(known[:1])
    await driver.send("新老师", "/request 张三")  # asked twice: the admins hear once
    runner = build_runner(driver.core, sink)
    await runner.tick()
    told = [text for chat, text in sent
            if chat == driver.account("陈主任") and text.startswith("绑定申请")]
    assert told == ["绑定申请：新老师 申请绑定为「张三」，但花名册上没有这个名字。"
                    "如果是新同事，请把他加入花名册并重新导入，再给他绑定码。"]


# -- wording -------------------------------------------------------------------------------------


async def test_a_title_typed_with_its_own_book_marks_has_one_pair(driver: Driver) -> None:
    from tests.e2e.test_lessons import answer
    driver.bind(LIU)
    replies = await driver.send(LIU, "/addlesson")
    replies = await answer(driver, LIU, "研讨课", "下周三", "2", "9:55", "录播教室",
                           "三年级2班", "语文", "《富饶的西沙群岛》（第二次试教）", "需要预约",
                           replies=replies, taps=("研讨课", "语文", "需要预约"))
    await tap(driver, LIU, replies, "提交")
    listed = shown(await driver.send(LIU, "/lessons"))
    assert "《富饶的西沙群岛》（第二次试教）" in listed
    assert "《《" not in listed
    assert "》》" not in listed


async def test_a_notice_reads_naturally(driver: Driver) -> None:
    driver.bind("王芳", "陈主任")
    assert shown(await driver.send("陈主任", "/start")).startswith("陈主任您好！")
    assert "陈主任老师" not in shown(await driver.send("陈主任", "/start"))

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(driver.core, nowhere).tick()
    driver.link("语文组")
    await driver.send("王芳", "/announce")
    for text in ("《秋天的雨》一课多研", "王芳", "说课-上课-评课", "先说课，再上课，最后评课"):
        replies = await driver.send("王芳", text)
    replies = await tap(driver, "王芳", replies, "完成")
    replies = await driver.send("王芳", "请提前阅读课文《秋天的雨》")
    summary = shown(replies)
    assert "字）" not in summary
    assert "正文合计" not in summary
    posted = shown(await tap(driver, "王芳", replies, "提交"))
    assert "请准备：阅读课文《秋天的雨》" in posted
    assert "请准备：请" not in posted


async def test_the_audit_log_speaks_chinese(driver: Driver) -> None:
    driver.bind("王芳", "陈主任")

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(driver.core, nowhere).tick()
    sessions = await driver.send("王芳", "/sessions")
    menu = await tap(driver, "王芳", sessions, next(
        b.label for reply in sessions for row in reply.buttons for b in row))
    asked = await tap(driver, "王芳", menu, "取消本次")
    await tap(driver, "王芳", asked, "确定取消")
    log = shown(await driver.send("陈主任", "/audit"))
    assert "王芳：取消教研 语文组12月2日（周三）的教研" in log
    assert not re.search(r"meeting|teacher|None|\d{4}-\d{2}-\d{2}", log)


# -- rescheduling ---------------------------------------------------------------------------------


async def test_rescheduling_onto_a_weekend_or_a_busy_room_asks_first(driver: Driver) -> None:
    driver.bind("王芳")

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(driver.core, nowhere).tick()

    async def move(day: str, place: str) -> list[Reply]:
        sessions = await driver.send("王芳", "/sessions")
        menu = await tap(driver, "王芳", sessions, next(
            b.label for reply in sessions for row in reply.buttons for b in row))
        replies = await tap(driver, "王芳", menu, "改时间地点")
        for text in (day, "14:50", "16:20"):
            replies = await driver.send("王芳", text)
        if place != "三楼会议室":  # the place is filled in already: change it
            replies = await tap(driver, "王芳", replies, "修改某项")
            replies = await tap(driver, "王芳", replies, "地点")
            replies = await driver.send("王芳", place)
        return await tap(driver, "王芳", replies, "提交")

    weekend = await move("12月5日", "三楼会议室")
    assert shown(weekend) == "⚠️ 请再确认一下：12月5日（周六）是周末。仍然改到这个时间吗？"
    # 数学组 meets on Tuesdays 14:50 in 二楼数学教研室.
    await tap(driver, "王芳", weekend, "修改")
    await driver.send("王芳", "/cancel")
    await tap(driver, "王芳", driver.seen[driver.account("王芳")], "放弃")
    clash = await move("12月1日", "二楼数学教研室")
    assert shown(clash) == ("⚠️ 请再确认一下：数学组12月1日（周二）14:50也在二楼数学教研室活动。"
                            "仍然改到这个时间吗？")
    done = shown(await tap(driver, "王芳", clash, "仍然改到这个时间"))
    assert "⚠️" not in done
    assert "12月1日（周二）14:50" in shown(await driver.send("王芳", "/sessions"))


async def test_the_host_is_read_as_roster_names_and_a_stranger_is_confirmed(
        driver: Driver) -> None:
    driver.bind("王芳")

    async def nowhere(_reply: Reply, _item: object) -> bool:
        return True

    await build_runner(driver.core, nowhere).tick()
    await driver.send("王芳", "/announce")
    await driver.send("王芳", "《秋天的雨》一课多研")
    known = shown(await driver.send("王芳", "孙丽执教，王芳主持"))
    assert known.startswith("已认出花名册上的 孙丽、王芳。")
    assert "校外" not in known
    draft = draft_of(driver, "王芳")
    assert draft is not None
    assert draft.answers["host"] == "孙丽执教，王芳主持"
    await driver.send("王芳", "/back")
    asked = shown(await driver.send("王芳", "李四主讲"))
    assert asked == "花名册里没有「李四」。是校外教师吗？"
    kept = shown(await driver.send("王芳", "是，校外教师"))
    assert kept.startswith("已按校外教师记录「李四主讲」。")
