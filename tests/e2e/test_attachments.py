"""Files in forms on every platform: Telegram (getFile and the download through the real
Application), the console sandbox (``/file``) and 钉钉 (messageFiles/download on the fake).

The school adds its own 课件 form with a file field ([[forms]] in its config); a teacher
hands in a 课件, reads it back from /mine, and 教导处's export has it byte for byte.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, TelegramSpec, load
from bot.console.sandbox import Sandbox
from bot.tg.adapter import build_application
from handlers.dispatch import Core
from handlers.types import IncomingFile
from scheduler.clock import ManualClock
from storage.files import FileStore
from tests.conftest import EXAMPLE_CONFIG, make_core
from tests.dingtalk_harness import LIU as DT_LIU
from tests.dingtalk_harness import DingTalk, running
from tests.dingtalk_harness import shown as dt_shown
from tests.drivers import Driver, button_data
from tests.drivers import shown as shown_replies
from tests.fake_dingtalk import FakeDingTalk
from tests.fakes import (
    TOKEN,
    Call,
    RecordingRequest,
    Telegram,
    TgUser,
    document_message,
    shown,
    unpaced,
)
from tests.samples import docx_bytes, exe_bytes, png_bytes

COURSEWARE = {
    "kind": "courseware", "label": "课件", "command": "courseware", "title_field": "title",
    "fields": [
        {"key": "title", "label": "课题", "prompt": "哪一课的课件？"},
        {"key": "files", "label": "课件文件", "kind": "file", "max_files": 3,
         "prompt": "请发送课件（PPT、PDF、Word 或照片）"},
    ]}
LIU = TgUser(2002, "刘洋", "liuyang")
CHEN = TgUser(1002, "陈主任")


def with_courseware(config: Config) -> Config:
    """The demo school with its own 课件 form."""
    return Config.model_validate({**config.model_dump(), "forms": [COURSEWARE]})


@pytest.fixture
def school_core(config: Config, sqlite_url: str, clock: ManualClock) -> Iterator[Core]:
    built = make_core(with_courseware(config), sqlite_url, clock)
    yield built
    built.db.close()


@pytest.fixture
async def tg(school_core: Core) -> AsyncIterator[Telegram]:
    api = RecordingRequest()
    app = build_application(school_core, token=TOKEN, spec=TelegramSpec(), request=api,
                            limiter=unpaced())
    async with app:
        yield Telegram(app, api, school_core)
    assert api.malformed == []


def sent(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method in ("sendMessage", "sendDocument", "sendPhoto",
                                             "editMessageText") and c.ok]


def last_with(calls: list[Call], label: str) -> Call:
    return next(c for c in reversed(sent(calls)) if label in c.labels)


async def test_telegram_courseware_downloaded_kept_shown_and_exported(tg: Telegram) -> None:
    await tg.bind(LIU, "刘洋")
    await tg.bind(CHEN, "陈主任")
    await tg.say(LIU, "/courseware")
    asked = await tg.say(LIU, "找春天")
    assert "课件文件" in shown(asked[-1].text)
    deck = docx_bytes("找春天 课件：春天在哪里？")

    # A file Telegram says is larger than the school's limit is not even downloaded.
    calls = await tg.feed(document_message(tg.api, LIU, b"x", "录像.mp4",
                                           size=50 * 1024 * 1024))
    assert [c.method for c in calls if c.method in ("getFile", "downloadFile")] == []
    assert "文件太大（50.0 MB），最大 20.0 MB" in shown(sent(calls)[-1].text)
    # A program called 课件.docx is downloaded, read and refused.
    calls = await tg.feed(document_message(tg.api, LIU, exe_bytes(), "课件.docx"))
    assert "这种文件收不了" in shown(sent(calls)[-1].text)

    calls = await tg.feed(document_message(tg.api, LIU, deck, "找春天课件.docx"))
    assert [c.method for c in calls if c.method in ("getFile", "downloadFile")] == [
        "getFile", "downloadFile"]
    assert "已收到「课件文件」：1 个文件：找春天课件.docx" in shown(sent(calls)[-1].text)
    calls = await tg.feed(document_message(tg.api, LIU, png_bytes(), "", photo=True))
    # The largest size of the photo is the one downloaded (the small one's id ends in s).
    [asked_for] = [c.params["file_id"] for c in calls if c.method == "getFile"]
    assert not asked_for.endswith("s")
    assert "2 个文件：找春天课件.docx、照片_" in shown(sent(calls)[-1].text)
    calls = await tg.press(LIU, last_with(calls, "完成"), "完成")
    confirm = last_with(calls, "提交")
    assert "课件文件：2 个文件" in shown(confirm.text)
    calls = await tg.press(LIU, confirm, "提交")
    assert "已提交课件「找春天」" in shown(sent(calls)[-1].text)
    assert len(FileStore(tg.core.settings.attachments.dir).digests()) == 2

    # /mine → the record → its files, sent back as they came.
    listing = await tg.say(LIU, "/mine")
    calls = await tg.press(LIU, listing[-1], listing[-1].labels[0])
    view = last_with(calls, "附件（2 个）")
    assert "课件文件：2 个文件：找春天课件.docx" in shown(view.text)
    calls = await tg.press(LIU, view, "附件（2 个）")
    documents = [c for c in calls if c.method == "sendDocument" and c.ok]
    photos = [c for c in calls if c.method == "sendPhoto" and c.ok]
    assert [c.uploads[0] for c in documents] == [deck]
    assert [c.uploads[0] for c in photos] == [png_bytes()]

    # 教导处's archive: 附件/刘洋/… byte for byte.
    assert await tg.say(CHEN, "/export") == []  # built in a task of its own
    deadline = asyncio.get_running_loop().time() + 60
    while not [c for c in tg.api.sent(CHEN.id) if c.method == "sendDocument"]:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)  # waiting for the document to be sent, not assuming it is
    exported = [c for c in tg.api.sent(CHEN.id) if c.method == "sendDocument"]
    with zipfile.ZipFile(io.BytesIO(exported[-1].uploads[0])) as bundle:
        kept = {name: bundle.read(name) for name in bundle.namelist()
                if name.startswith("附件/刘洋/")}
    assert sorted(kept.values(), key=len) == sorted([deck, png_bytes()], key=len)
    assert any(name.endswith("_课件_找春天课件.docx") for name in kept)


# -- the console sandbox -------------------------------------------------------------------


async def test_sandbox_sends_a_file_with_file(school_core: Core, clock: ManualClock,
                                              tmp_path: Path) -> None:
    box = Sandbox(school_core, clock, out=io.StringIO())
    deck = tmp_path / "找春天课件.docx"
    deck.write_bytes(docx_bytes("春天"))
    for line in ("/as 刘洋", "/courseware", "找春天", f"/file {tmp_path / 'nothing.pdf'}",
                 f"/file {deck}", "/done", "/tap 1"):
        await box.feed(line)
    out = box.out.getvalue()  # type: ignore[attr-defined]
    assert "（沙盒）读不到这个文件" in out
    assert "（沙盒）发送文件：找春天课件.docx" in out
    assert "已收到「课件文件」：1 个文件：找春天课件.docx" in out
    assert "已提交课件「找春天」" in out
    assert FileStore(school_core.settings.attachments.dir).digests() != []


# -- 钉钉 -------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    server = FakeDingTalk().start()
    yield server
    server.stop()


@pytest.fixture
async def dt(school_core: Core, fake: FakeDingTalk) -> AsyncIterator[DingTalk]:
    async with running(school_core, fake) as harness:
        yield harness
    assert [r for r in fake.refused if r[1] not in ("token", "429", "90020", "flow")] == []


async def test_dingtalk_file_downloaded_only_when_a_form_asks(dt: DingTalk) -> None:
    fake = dt.fake
    await dt.bind(DT_LIU)
    deck = docx_bytes("找春天 课件")
    # No form waits for a file: nothing is downloaded (each download is a metered call).
    await fake.push(fake.sends_file(DT_LIU, png_bytes(), picture=True))
    assert fake.calls["/v1.0/robot/messageFiles/download"] == 0
    assert "我只能读文字消息" in dt_shown(fake.texts(DT_LIU.user_id)[-1])
    await dt.say(DT_LIU, "/courseware")
    await dt.say(DT_LIU, "找春天")
    # Now the form's file field waits: the file is fetched (one metered call) and kept.
    await fake.push(fake.sends_file(DT_LIU, deck, "找春天课件.docx"))
    assert fake.calls["/v1.0/robot/messageFiles/download"] == 1
    assert fake.calls["fileDownload"] == 1
    assert "已收到「课件文件」：1 个文件：找春天课件.docx" in dt_shown(
        fake.texts(DT_LIU.user_id)[-1])
    await fake.push(fake.sends_file(DT_LIU, png_bytes(), picture=True))
    assert "2 个文件：找春天课件.docx、照片_" in dt_shown(fake.texts(DT_LIU.user_id)[-1])
    store = FileStore(dt.core.settings.attachments.dir)
    assert sorted(store.read(d) for d in store.digests()) == sorted([deck, png_bytes()])


# -- backup and restore ----------------------------------------------------------------------

COURSEWARE_TOML = """
[[forms]]
kind = "courseware"
label = "课件"
command = "courseware"
title_field = "title"
fields = [
  { key = "title", label = "课题", prompt = "哪一课的课件？" },
  { key = "files", label = "课件文件", kind = "file", prompt = "请发送课件" },
]
"""


def _config_file(tmp_path: Path, name: str, database: Path, files: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///data/yanxiu.db"', f'url = "sqlite:///{database}"')
    text = text.replace('dir = "data/files"', f'dir = "{files}"')
    path = tmp_path / name
    path.write_text(text + COURSEWARE_TOML, encoding="utf-8")
    return path


async def test_backup_and_restore_carry_the_files(tmp_path: Path, clock: ManualClock,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("YANXIU_DATABASE_URL", raising=False)
    database, files = tmp_path / "school" / "yanxiu.db", tmp_path / "school" / "files"
    database.parent.mkdir()
    config_path = _config_file(tmp_path, "config.toml", database, files)
    core = make_core(load(str(config_path)).config, f"sqlite:///{database}", clock)
    driver = Driver(core)
    driver.bind("刘洋")
    deck = docx_bytes("找春天 课件")
    for step in ("/courseware", "找春天"):
        await driver.send("刘洋", step)
    await driver.send("刘洋", file=IncomingFile("找春天课件.docx", len(deck), deck))
    await driver.send("刘洋", "/done")
    last = driver.seen[driver.account("刘洋")]
    submitted = await driver.send("刘洋", button=button_data(last, "提交"))
    assert "已提交课件" in shown_replies(submitted)
    core.db.close()

    out = tmp_path / "备份" / "yanxiu.db"
    assert main(["--config", str(config_path), "backup", "--out", str(out)]) == 0
    assert f"附件 1 个已备份到 {out}.files" in capsys.readouterr().out
    [digest] = FileStore(f"{out}.files").digests()
    assert FileStore(f"{out}.files").read(digest) == deck

    fresh_db, fresh_files = tmp_path / "new" / "yanxiu.db", tmp_path / "new" / "files"
    fresh_db.parent.mkdir()
    fresh_config = _config_file(tmp_path, "new.toml", fresh_db, fresh_files)
    assert main(["--config", str(fresh_config), "restore", str(out)]) == 0
    assert f"附件 1 个已恢复到 {fresh_files}" in capsys.readouterr().out
    assert FileStore(fresh_files).read(digest) == deck
