"""检查 through the real python-telegram-bot Application (offline Bot API): 周静 and 刘洋
hand in their 反思 in Telegram, 刘洋's copied from 周静's; 王芳 (语文组's 教研组长) sees the
flag, opens both side by side, and 陈主任 draws a 随机抽查. The clock stands on Monday
2026-11-30 08:00."""

from __future__ import annotations

from bench.similar_texts import SAME_LESSON
from tests.e2e.test_review_rounds import COPIED, OWN
from tests.e2e.test_telegram import CHEN, LIU, WANG, tg
from tests.fakes import Call, Telegram, TgUser, shown

__all__ = ["tg"]  # the fixture: the Application on the offline Bot API

ZHOU = TgUser(2004, "周静")


async def hand_in(tg: Telegram, user: TgUser, name: str, highlights: str) -> None:
    """A 教学反思 typed in Telegram; labels (完成, 提交) typed as the buttons' words."""
    weak, next_time = OWN[name]
    for step in ("/reflect", "秋天的雨", "三年级2班", "今天", highlights, "完成", weak, "完成",
                 "/skip", next_time, "完成"):
        sent = await tg.say(user, step)
        assert not any("⚠️" in shown(call.text) for call in sent), (step, sent)
    summary = tg.api.sent(user.id)[-1]
    done = await tg.press(user, summary, "提交")
    assert any("✅ 已提交教学反思「秋天的雨」" in shown(call.text) for call in done)


def last_edit(calls: list[Call]) -> Call:
    (edit,) = [call for call in calls if call.method == "editMessageText"]
    return edit


async def test_copy_flag_and_side_by_side_in_telegram(tg: Telegram) -> None:
    for user, name in ((LIU, "刘洋"), (ZHOU, "周静"), (WANG, "王芳"), (CHEN, "陈主任")):
        await tg.bind(user, name)
    await hand_in(tg, ZHOU, "周静", SAME_LESSON[0])
    await hand_in(tg, LIU, "刘洋", COPIED)

    [overview] = await tg.say(WANG, "/check")
    assert shown(overview.text).splitlines()[1:] == [
        "刘洋：1 份，未检查 1 份（⚠️ 1 份与其他记录高度相似）",
        "周静：1 份，未检查 1 份（⚠️ 1 份与其他记录高度相似）"]
    page = last_edit(await tg.press(WANG, overview, overview.labels[0]))
    assert page.labels[0].startswith("⚠️ 未检查 · 教学反思 · 秋天的雨")
    record = last_edit(await tg.press(WANG, page, page.labels[0]))
    assert "⚠️ 与下面的记录高度相似" in shown(record.text)
    assert "对照：周静「秋天的雨」" in record.labels
    side = last_edit(await tg.press(WANG, record, "对照：周静「秋天的雨」"))
    text = shown(side.text)
    assert text.index("【待检查】刘洋") < text.index("【相似记录】周静")
    assert side.labels == ["返回这份记录"]
    back = last_edit(await tg.press(WANG, side, "返回这份记录"))
    assert back.labels[:3] == ["合格", "优秀", "退回修改"]

    [sample] = await tg.say(CHEN, "/check 抽查 1")
    assert shown(sample.text) == "11月随机抽查：从全校本月 2 份记录中抽出 1 份，点一份查看并检查："
    assert len(sample.labels) == 1
    assert " · ⚠️ 未检查 · 教学反思 · 秋天的雨" in sample.labels[0]
