"""集体备课 and attachments, acted out by the 语文组 of 花城小学 through the Core.

王芳 (教研组长) announces Wednesday's session as 集体备课 with 刘洋 as 主备人; 刘洋 hands in
the 教案 as a Word file and some text; 孙丽 reads it and writes 修改意见; after the session
刘洋 hands in the 二次备课 with a photo; 教导处's /export has all of it, the files byte for
byte.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.app import build_runner
from bot.config import Config
from handlers.dispatch import Core
from handlers.types import IncomingFile, Reply
from scheduler.clock import ManualClock
from scheduler.runner import Runner
from storage.files import FileStore
from storage.repos.outbox import OutboxItem
from tests.conftest import make_core
from tests.drivers import Driver, button_data, labels, plain, shown
from tests.samples import docx_bytes, exe_bytes, png_bytes

ZONE = ZoneInfo("Asia/Shanghai")
PLAN_TEXT = "教学目标：会认“冻、溪”等生字。重难点：体会春天的美。教学过程：一、导入；二、初读。"
COMMENT = "导入部分可以先放一段春天的视频，再让学生说说自己找到的春天。"


class Sink:
    """What the scheduler sent, per chat."""

    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def send(self, reply: Reply, item: OutboxItem) -> bool:
        self.sent.append(reply if reply.chat else Reply(reply.text, buttons=reply.buttons))
        return True

    def to(self, driver: Driver, name: str) -> list[Reply]:
        return [r for r in self.sent if r.chat and r.chat.address == driver.account(name)]


Week = tuple[Core, Driver, Runner, Sink, ManualClock]


def _week(config: Config, url: str) -> Week:
    clock = ManualClock(datetime(2026, 11, 30, 8, 0, tzinfo=ZONE))
    core = make_core(config, url, clock)
    driver = Driver(core)
    driver.bind("王芳", "刘洋", "孙丽", "陈主任")
    driver.link("语文组")
    sink = Sink()
    return core, driver, build_runner(core, sink.send), sink, clock


@pytest.fixture
def week(config: Config, sqlite_url: str) -> Week:
    """Monday 2026-11-30 08:00; 语文组 meets on Wednesday 12-02 at 14:50."""
    return _week(config, sqlite_url)


async def run_until(runner: Runner, clock: ManualClock, end: datetime) -> None:
    while clock.now() < end:
        clock.advance(timedelta(minutes=10))
        await runner.tick()


def file(content: bytes, name: str = "", *, photo: bool = False) -> IncomingFile:
    return IncomingFile(name=name, size=len(content), content=content, is_photo=photo)


async def submit(driver: Driver, name: str) -> list[Reply]:
    last = driver.seen[driver.account(name)]
    return await driver.send(name, button=button_data(last, "提交"))


async def announce_prep(driver: Driver) -> list[Reply]:
    """王芳 announces Wednesday's session as 集体备课, 刘洋 主备人 of 第二单元《找春天》."""
    await driver.send("王芳", "/announce")
    for answer in ("《找春天》集体备课", "王芳", "集体备课"):
        await driver.send("王芳", answer)
    await driver.send("王芳", "/skip")  # 内容
    await driver.send("王芳", "/skip")  # 需准备
    replies = await submit(driver, "王芳")
    assert "集体备课" in shown(replies)
    assert "主备人" in shown(replies)
    await driver.send("王芳", "刘洋")
    await driver.send("王芳", "第二单元")
    await driver.send("王芳", "找春天")
    return await submit(driver, "王芳")


async def hand_in_plan(driver: Driver, plan: bytes) -> list[Reply]:
    told = [r for r in driver.seen[driver.account("刘洋")] if "主备人" in plain(r)]
    replies = await driver.send("刘洋", button=button_data(told, "交教案"))
    assert "教案文件" in shown(replies)
    replies = await driver.send("刘洋", file=file(plan, "找春天教案.docx"))
    assert "已收到" in shown(replies)
    assert "找春天教案.docx" in shown(replies)
    await driver.send("刘洋", button=button_data(replies, "完成"))
    await driver.send("刘洋", PLAN_TEXT)
    await driver.send("刘洋", "/done")
    return await submit(driver, "刘洋")


async def test_prep_from_announcement_to_archive(week: Week) -> None:
    _core, driver, runner, sink, clock = week
    await runner.tick()
    replies = await announce_prep(driver)
    group = driver.group("语文组").address
    to_group = [plain(r) for r in replies if r.chat and r.chat.address == group]
    assert any("主备人：刘洋" in text and "第二单元《找春天》" in text for text in to_group)
    to_liu = [r for r in replies if r.chat and r.chat.address == driver.account("刘洋")]
    assert "您是语文组" in plain(to_liu[0])
    assert labels(to_liu) == ["交教案"]

    # Only the 主备人 hands in the 教案.
    refused = await driver.send("孙丽", button=button_data(to_liu, "交教案"))
    assert "只有主备人" in shown(refused)

    plan = docx_bytes(PLAN_TEXT)
    replies = await hand_in_plan(driver, plan)
    assert "已提交集体备课教案「找春天」" in shown(replies)
    assert "教案已发给组内 3 位老师" in shown(replies)  # 王芳, 孙丽 and 陈主任 (周静 not bound)
    to_sun = [r for r in replies if r.chat and r.chat.address == driver.account("孙丽")]
    assert len(to_sun) == 1
    assert "刘洋交了语文组" in plain(to_sun[0])
    assert "找春天教案.docx" in plain(to_sun[0])
    assert labels(to_sun) == ["看教案", "写修改意见"]

    # 孙丽 reads it: the text, and the very file 刘洋 sent.
    seen = await driver.send("孙丽", button=button_data(to_sun, "看教案"))
    assert "教学目标" in shown(seen)
    files = [r.attachment for r in seen if r.attachment is not None]
    assert [f.filename for f in files] == ["找春天教案.docx"]
    assert files[0].content == plan

    # … and writes 修改意见, which reach 刘洋.
    replies = await driver.send("孙丽", button=button_data(to_sun, "写修改意见"))
    assert "修改意见" in shown(replies)
    await driver.send("孙丽", COMMENT)
    replies = await submit(driver, "孙丽")
    to_liu = [r for r in replies if r.chat and r.chat.address == driver.account("刘洋")]
    assert len(to_liu) == 1
    assert COMMENT in plain(to_liu[0])
    assert "孙丽" in plain(to_liu[0])

    # The 教案 was in: no reminder; after the session 刘洋 is asked for the 二次备课.
    await run_until(runner, clock, datetime(2026, 12, 2, 16, 30, tzinfo=ZONE))
    asked = sink.to(driver, "刘洋")
    assert [plain(r) for r in asked if "教案还没交" in plain(r)] == []
    revise = [r for r in asked if "二次备课" in plain(r)]
    assert len(revise) == 1
    assert labels(revise) == ["交二次备课"]
    replies = await driver.send("刘洋", button=button_data(revise, "交二次备课"))
    photo = png_bytes()
    replies = await driver.send("刘洋", file=file(photo, photo=True))
    await driver.send("刘洋", button=button_data(replies, "完成"))
    await driver.send("刘洋", "/skip")
    await driver.send("刘洋", "采纳孙丽老师的意见，导入改为看春天的视频。")
    replies = await submit(driver, "刘洋")
    to_wang = [r for r in replies if r.chat and r.chat.address == driver.account("王芳")]
    assert len(to_wang) == 1
    assert "二次备课" in plain(to_wang[0])
    assert "照片_" in plain(to_wang[0])

    # /prep shows the whole story.
    listed = await driver.say("王芳", "/prep")
    assert "主备人 刘洋" in listed
    assert "教案：已交 · 修改意见 1 份 · 二次备课：已交" in listed

    # The archive: the files as sent, the 集体备课 page in the session's record, the ledger.
    exported = await driver.send("陈主任", "/export")
    archive = next(r.attachment for r in exported if r.attachment is not None)
    with zipfile.ZipFile(io.BytesIO(archive.content)) as bundle:
        names = bundle.namelist()
        docx_name = next(n for n in names if n.startswith("附件/刘洋/") and n.endswith(".docx"))
        assert bundle.read(docx_name) == plan
        assert "集体备课教案" in docx_name
        png_name = next(n for n in names if n.startswith("附件/刘洋/") and n.endswith(".png"))
        assert bundle.read(png_name) == photo
        session_doc = next(n for n in names if n.startswith("教研活动记录/语文组/")
                           and "2026-12-02" in n)
        document = Document(io.BytesIO(bundle.read(session_doc)))
        cells = [cell.text for table in document.tables for row in table.rows
                 for cell in row.cells]
        assert "刘洋" in cells
        assert "第二单元《找春天》" in cells
        assert any(COMMENT in cell and "孙丽" in cell for cell in cells)
        assert any("找春天教案.docx" in cell for cell in cells)
        assert any("采纳孙丽老师的意见" in cell for cell in cells)
        book = load_workbook(io.BytesIO(bundle.read("台账.xlsx")))
        sheet = book["集体备课台账"]
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
        assert "刘洋" in values
        assert "1 份：孙丽" in values


async def test_the_lead_is_reminded_of_a_missing_plan(week: Week) -> None:
    _core, driver, runner, sink, clock = week
    await runner.tick()
    await announce_prep(driver)
    # Due 48 hours before the start (Monday 14:50), reminded once before that.
    await run_until(runner, clock, datetime(2026, 11, 30, 14, 50, tzinfo=ZONE))
    reminded = [r for r in sink.to(driver, "刘洋") if "教案还没交" in plain(r)]
    assert len(reminded) == 1
    assert labels(reminded) == ["交教案"]
    assert sink.to(driver, "孙丽") == []


async def test_files_are_checked_and_refused_where_no_file_is_asked(week: Week) -> None:
    core, driver, runner, _sink, _clock = week
    await runner.tick()
    await announce_prep(driver)
    told = [r for r in driver.seen[driver.account("刘洋")] if "主备人" in plain(r)]
    await driver.send("刘洋", button=button_data(told, "交教案"))
    # A program renamed to .docx is refused by its content; the draft stays at the field.
    replies = await driver.send("刘洋", file=file(exe_bytes(), "教案.docx"))
    assert "这种文件收不了" in shown(replies)
    assert "教案文件" in shown(replies)
    # Too large for the school's limit: said with the sizes, nothing kept.
    big = IncomingFile(name="课件.pptx", size=30 * 1024 * 1024, content=None)
    replies = await driver.send("刘洋", file=big)
    assert "文件太大（30.0 MB），最大 20.0 MB" in shown(replies)
    # Text where a file is asked for.
    assert "请发送文件或照片" in await driver.say("刘洋", "我的教案是这样的")
    # Skipping both file and text is not a 教案.
    await driver.send("刘洋", "/skip")
    await driver.send("刘洋", "/skip")
    assert "至少要有一样" in shown(await submit(driver, "刘洋"))
    assert FileStore(core.settings.attachments.dir).digests() == []

    # A photo sent to a 教学反思 (no field takes files): refused politely, draft kept.
    await driver.send("孙丽", "/reflect")
    await driver.send("孙丽", "找春天")
    replies = await driver.send("孙丽", file=file(png_bytes(), photo=True))
    assert "我只能读文字消息" in shown(replies)
    assert "班级" in shown(replies)
    replies = await driver.send("孙丽", "二年级1班")
    assert "上课日期" in shown(replies)


async def test_switched_off(config: Config, sqlite_url: str) -> None:
    """A school without 集体备课 and attachments: the 形式 is only a word, files are refused."""
    off = config.model_copy(update={
        "attachments": config.attachments.model_copy(update={"enabled": False}),
        "prep": config.prep.model_copy(update={"enabled": False})})
    settings = Config.model_validate(off.model_dump())
    core, driver, runner, _sink, _clock = _week(settings, sqlite_url)
    await runner.tick()
    await driver.send("王芳", "/announce")
    for answer in ("《找春天》集体备课", "王芳", "集体备课"):
        await driver.send("王芳", answer)
    await driver.send("王芳", "/skip")
    await driver.send("王芳", "/skip")
    replies = await submit(driver, "王芳")
    assert "主备人" not in shown(replies)
    assert "没有开启集体备课" in await driver.say("王芳", "/prep")
    assert all(f.kind != "file" for form in core.settings.catalog for f in form.fields)


async def test_minutes_with_photos_in_the_archive(week: Week) -> None:
    """The leader's 活动记录 takes 活动照片; the archive has them as they were sent."""
    _core, driver, runner, sink, clock = week
    await run_until(runner, clock, datetime(2026, 12, 2, 16, 40, tzinfo=ZONE))
    asked = [r for r in sink.to(driver, "王芳") if "填写活动记录" in labels([r])]
    replies = await driver.send("王芳", button=button_data(asked, "填写活动记录"))
    answers = {"主题": "《找春天》集体备课", "主讲": "王芳",
               "内容与讨论要点": "大家围绕《找春天》的导入和朗读指导展开讨论，提出了三条改进"
                                 "建议，并决定下次由刘洋老师再上一次，全组老师都来听课。",
               "结论与改进措施": "导入改为看视频，朗读指导加入示范读，作业分层布置。"}
    for _step in range(len(answers) + 1):  # each field once, 参加人员 as a checklist
        if "活动照片" in shown(replies):
            break
        if "确认名单" in labels(replies):  # 参加人员: as pre-ticked from 签到
            replies = await driver.send("王芳", button=button_data(replies, "确认名单"))
            continue
        label = next(key for key in answers if f"项 · {key}" in shown(replies))
        replies = await driver.send("王芳", answers[label])
        if "完成" in labels(replies):
            replies = await driver.send("王芳", button=button_data(replies, "完成"))
    assert "活动照片" in shown(replies), shown(replies)
    photos = [png_bytes(40), png_bytes(120)]
    for photo in photos:
        replies = await driver.send("王芳", file=file(photo, photo=True))
    assert "2 个文件" in shown(replies)
    await driver.send("王芳", button=button_data(replies, "完成"))
    assert "已提交教研活动记录" in shown(await submit(driver, "王芳"))

    exported = await driver.send("陈主任", "/export")
    archive = next(r.attachment for r in exported if r.attachment is not None)
    with zipfile.ZipFile(io.BytesIO(archive.content)) as bundle:
        kept = sorted(bundle.read(n) for n in bundle.namelist()
                      if n.startswith("附件/王芳/") and "_教研活动记录_照片_" in n)
    assert kept == sorted(photos)
