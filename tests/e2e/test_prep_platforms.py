"""集体备课 with a Word 教案 on Telegram and on 钉钉, through each real adapter.

The scenario of tests/e2e/test_prep.py, as people do it on their phones: 王芳 announces the
session as 集体备课 with 刘洋 as 主备人, 刘洋 sends the 教案 as a file (downloaded by the
adapter: getFile on Telegram, messageFiles/download on 钉钉), 孙丽 opens it (the very same
bytes come back) and writes 修改意见, which reach 刘洋.
"""

from __future__ import annotations

from tests.e2e.test_platforms import (
    FILE,
    DingTalkPlatform,
    Platform,
    TelegramPlatform,
    platform,  # noqa: F401 (the fixture: both platforms)
)
from tests.fakes import document_message
from tests.samples import docx_bytes

PLAN = docx_bytes("找春天 教案：教学目标、重难点、教学过程。")
COMMENT = "导入部分可以先放一段春天的视频，再让学生说说自己找到的春天。"


async def send_file(where: Platform, person: str, content: bytes, name: str) -> str:
    """``person`` sends a file in their private chat; what they saw."""
    if isinstance(where, TelegramPlatform):
        before = len(where.tg.api.calls)
        await where.tg.feed(document_message(where.tg.api, where.users[person], content, name))
        return where._shown(where.tg.api.calls[before:])
    assert isinstance(where, DingTalkPlatform)
    fake = where.dt.fake
    before = len(fake.sent)
    ack = await fake.push(fake.sends_file(where.staff[person], content, name))
    assert ack["code"] == 200, ack
    return where._new(before)


def files_sent_to(where: Platform, person: str) -> list[bytes]:
    """The bytes of every file the bot sent ``person``."""
    if isinstance(where, TelegramPlatform):
        user = where.users[person].id
        return [c.uploads[0] for c in where.tg.api.calls
                if c.method == "sendDocument" and c.ok and c.chat_id == user]
    assert isinstance(where, DingTalkPlatform)
    fake = where.dt.fake
    user = where.staff[person].user_id
    return [fake.media[s.media][1] for s in fake.sent if s.to == user and s.kind == "file"]


async def test_prep_with_a_word_plan(platform: Platform) -> None:  # noqa: F811
    await platform.link("陈主任")
    for person in ("王芳", "刘洋", "孙丽"):
        await platform.bind(person)
    await platform.runner().tick()  # Monday 08:00: the week's sessions are planned
    await platform.say("王芳", "/announce")
    for answer in ("《找春天》集体备课", "王芳", "集体备课", "/skip"):
        await platform.say("王芳", answer)
    await platform.say("王芳", "/skip")
    asked = await platform.press("王芳", "提交")
    assert "教研活动通知" in asked
    assert "主备人" in asked
    for answer in ("刘洋", "第二单元"):
        await platform.say("王芳", answer)
    await platform.say("王芳", "找春天")
    set_up = await platform.press("王芳", "提交")
    assert "主备人：刘洋" in set_up  # in the group
    assert "您是语文组" in set_up  # to 刘洋

    opened = await platform.press("刘洋", "交教案")
    assert "教案文件" in opened
    got = await send_file(platform, "刘洋", PLAN, "找春天教案.docx")
    assert "已收到「教案文件」：1 个文件：找春天教案.docx" in got
    await platform.press("刘洋", "完成")
    await platform.say("刘洋", "/skip")
    handed = await platform.press("刘洋", "提交")
    assert "教案已发给组内" in handed
    assert "刘洋交了语文组" in handed  # what the members were sent

    seen = await platform.press("孙丽", "看教案")
    assert FILE.format(name="找春天教案.docx") in seen
    assert files_sent_to(platform, "孙丽") == [PLAN]
    await platform.press("孙丽", "写修改意见")
    await platform.say("孙丽", COMMENT)
    told = await platform.press("孙丽", "提交")
    assert "已提交修改意见" in told
    assert f"孙丽对教案第二单元《找春天》的修改意见：\n{COMMENT}" in told  # to 刘洋
