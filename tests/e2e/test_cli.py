"""The real ``yanxiu`` command line, run as a subprocess in a temporary copy of the project."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO_ROSTER, EXAMPLE_CONFIG, ROOT

FAKE_TOKEN = "987654321:AAFakeTokenFakeTokenFakeTokenFake12"
ROSTER_HEADER = "姓名,教研组,角色,学科,工号\n"
ROSTER = ROSTER_HEADER + (
    "陈主任,语文组,管理员,语文,1002\n"
    "王芳,语文组,教研组长,语文,2001\n"
    "刘洋,语文组,教师,语文,2002\n"
    "张伟,数学组,教研组长,数学,2101\n"
)


@dataclass
class Result:
    """What one CLI run did."""

    code: int
    out: str
    err: str


@dataclass
class Project:
    """A temporary copy of what the CLI reads: config.toml and the demo roster."""

    root: Path

    def cli(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        """Run ``python -m bot ARGS`` here, without any YANXIU_* variable of the caller."""
        clean = {key: value for key, value in os.environ.items()
                 if not key.startswith("YANXIU_")}
        clean["PYTHONPATH"] = str(ROOT)
        clean["PYTHONIOENCODING"] = "utf-8"
        clean.update(env or {})
        done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=self.root, env=clean,
                              input=stdin, capture_output=True, text=True, encoding="utf-8",
                              timeout=120, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    @property
    def database(self) -> Path:
        return self.root / "data" / "yanxiu.db"

    @property
    def sandbox_database(self) -> Path:
        return self.root / "data" / "sandbox.db"

    def databases(self) -> list[Path]:
        """Every SQLite file under the copy (none before anything was migrated)."""
        return sorted(self.root.rglob("*.db*"))

    def teachers(self) -> list[tuple[str, str | None, int]]:
        """(name, 工号, active) of every roster entry, straight from the SQLite file."""
        with sqlite3.connect(self.database) as connection:
            rows = connection.execute(
                "SELECT name, staff_no, active FROM teacher ORDER BY id").fetchall()
        return [(name, staff_no, int(active)) for name, staff_no, active in rows]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """config.toml (the example, databases relative to the copy) and examples/roster.csv."""
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "config.toml")
    (tmp_path / "examples").mkdir()
    shutil.copy(DEMO_ROSTER, tmp_path / "examples" / "roster.csv")
    return Project(tmp_path)


# -- check-config -----------------------------------------------------------------------


def test_check_config_prints_a_chinese_summary(project: Project) -> None:
    result = project.cli("check-config")
    assert result.code == 0, result.err
    assert result.out == "配置文件 config.toml 没有问题：花城小学，4 个教研组，12 项研修指标。\n"
    assert result.err == ""
    assert project.databases() == []


def test_check_config_of_another_file(project: Project) -> None:
    text = (project.root / "config.toml").read_text(encoding="utf-8")
    project.write("other.toml", text.replace('name = "花城小学"', 'name = "柳湖小学"'))
    result = project.cli("--config", "other.toml", "check-config")
    assert result.code == 0, result.err
    assert "配置文件 other.toml 没有问题：柳湖小学" in result.out
    result = project.cli("check-config", env={"YANXIU_CONFIG": "other.toml"})
    assert "柳湖小学" in result.out


@pytest.mark.parametrize(
    ("command", "old", "new", "expected"),
    [
        (["check-config"], "[drafts]\n", "[drafts]\nkeep_days = 3\n",
         "配置项 drafts.keep_days：不认识的配置项"),
        (["migrate"], 'unit = "chars"', 'unit = "pages"',
         "配置项 quotas[3].unit：'pages' 不在可选范围内（可选：count、chars）"),
        (["sandbox"], "[telegram]\n", f'[telegram]\ntoken = "{FAKE_TOKEN}"\n',
         "配置项 telegram.token：令牌不能写在配置文件里，请用环境变量 YANXIU_BOT_TOKEN"),
        (["roster", "codes"], "start = 2026-09-01", 'start = "2026-13-01"',
         "配置项 semesters[0].start：日期格式不对，应为 2026-09-01"),
    ],
    ids=["unknown-key", "unknown-unit", "token-in-file", "bad-date"],
)
def test_bad_config_exits_2_and_writes_nothing(project: Project, command: list[str], old: str,
                                               new: str, expected: str) -> None:
    config = project.root / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = project.cli(*command, stdin="/as 王芳\n")
    assert result.code == 2
    assert expected in result.err
    assert result.out == ""
    assert FAKE_TOKEN not in result.out + result.err
    assert project.databases() == []


def test_missing_config_file(project: Project) -> None:
    result = project.cli("--config", "nowhere.toml", "migrate")
    assert result.code == 2
    assert result.err.strip() == "找不到配置文件 nowhere.toml"
    assert project.databases() == []


def test_bad_argument_exits_2(project: Project) -> None:
    result = project.cli("roster")
    assert result.code == 2
    assert "roster" in result.err
    assert project.databases() == []


def test_help_is_chinese(project: Project) -> None:
    result = project.cli("--help")
    assert result.code == 0
    assert "研修助手：学校校本研修的聊天机器人" in result.out
    assert "检查配置文件" in result.out


# -- migrate ----------------------------------------------------------------------------


def test_migrate_creates_the_database(project: Project) -> None:
    result = project.cli("migrate")
    assert result.code == 0, result.err
    assert result.out == "数据库已升级到最新结构：sqlite:///data/yanxiu.db\n"
    assert project.database.is_file()
    with sqlite3.connect(project.database) as connection:
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        schools = connection.execute("SELECT name FROM school").fetchall()
        groups = connection.execute("SELECT count(*) FROM study_group").fetchone()
    assert {"alembic_version", "teacher", "school"} <= tables
    assert schools == [("花城小学",)]
    assert groups == (4,)
    again = project.cli("migrate")
    assert again.code == 0, again.err


def test_database_url_from_environment(project: Project) -> None:
    other = project.root / "elsewhere" / "other.db"
    result = project.cli("migrate", env={"YANXIU_DATABASE_URL": f"sqlite:///{other}"})
    assert result.code == 0, result.err
    assert other.is_file()
    assert not project.database.exists()


def test_unreachable_database_hides_its_password(project: Project) -> None:
    url = "postgresql://yanxiu:s3cret-pw@127.0.0.1:1/yanxiu"
    result = project.cli("migrate", env={"YANXIU_DATABASE_URL": url})
    assert result.code == 1
    assert result.err.startswith("无法打开数据库 postgresql://yanxiu:***@127.0.0.1:1/yanxiu：")
    assert "s3cret-pw" not in result.out + result.err
    assert "Traceback" not in result.err


# -- roster -----------------------------------------------------------------------------


def test_roster_import_and_reimport(project: Project) -> None:
    roster = project.write("花名册.csv", ROSTER)
    first = project.cli("roster", "import", str(roster))
    assert first.code == 0, first.err
    assert first.out == "花名册已导入：新增 4 人，更新 0 人，停用 0 人，未变 0 人。\n"

    same = project.cli("roster", "import", str(roster))
    assert same.out == "花名册已导入：新增 0 人，更新 0 人，停用 0 人，未变 4 人。\n"

    # 刘洋 moves to 数学组, 张伟 leaves, 孙丽 joins, 陈主任 and 王芳 stay as they were.
    changed = project.write("花名册2.csv", ROSTER_HEADER + (
        "陈主任,语文组,管理员,语文,1002\n"
        "王芳,语文组,教研组长,语文,2001\n"
        "刘洋,数学组,教师,数学,2002\n"
        "孙丽,语文组,教师,语文,2003\n"
    ))
    second = project.cli("roster", "import", str(changed))
    assert second.code == 0, second.err
    assert second.out == "花名册已导入：新增 1 人，更新 1 人，停用 1 人，未变 2 人。\n"
    assert project.teachers() == [("陈主任", "1002", 1), ("王芳", "2001", 1),
                                  ("刘洋", "2002", 1), ("张伟", "2101", 0),
                                  ("孙丽", "2003", 1)]

    # 张伟 comes back: re-activated, the others unchanged.
    back = project.cli("roster", "import", str(roster))
    assert back.out == "花名册已导入：新增 0 人，更新 2 人，停用 1 人，未变 2 人。\n"


def test_roster_import_xlsx_of_the_codes_round_trip(project: Project) -> None:
    # An XLSX roster (first sheet, header row) imports like the CSV.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in ROSTER.splitlines():
        sheet.append(line.split(","))
    book.save(project.root / "花名册.xlsx")
    result = project.cli("roster", "import", "花名册.xlsx")
    assert result.code == 0, result.err
    assert "新增 4 人" in result.out


def test_bad_roster_lists_rows_and_imports_nothing(project: Project) -> None:
    bad = project.write("bad.csv", ROSTER_HEADER + (
        "陈主任,语文组,管理员,语文,1002\n"
        "王芳,物理组,教研组长,物理,2001\n"
        "刘洋,语文组,教师,语文,2002\n"
        "孙丽,语文组,教师,语文,2002\n"
    ))
    result = project.cli("roster", "import", str(bad))
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0] == "花名册有 2 处问题，没有导入任何内容："
    assert lines[1] == "  第 3 行：教研组「物理组」不存在（可选：语文组、数学组、英语组、综合组）"
    assert lines[2] == "  第 5 行：工号「2002」与第 4 行重复"
    # Nothing written: not even the database.
    assert project.databases() == []

    # With a roster in place, a bad re-import changes nothing either.
    good = project.write("good.csv", ROSTER)
    assert project.cli("roster", "import", str(good)).code == 0
    before = project.teachers()
    assert project.cli("roster", "import", str(bad)).code == 2
    assert project.teachers() == before
    assert [name for name, _no, active in before if active] == ["陈主任", "王芳", "刘洋", "张伟"]


def test_missing_roster_file(project: Project) -> None:
    result = project.cli("roster", "import", "nowhere.csv")
    assert result.code == 2
    assert "花名册有 1 处问题，没有导入任何内容：" in result.err
    assert "无法读取花名册 nowhere.csv" in result.err
    assert "Traceback" not in result.err
    assert project.databases() == []


def test_roster_codes_to_xlsx(project: Project) -> None:
    assert project.cli("roster", "import", str(project.write("r.csv", ROSTER))).code == 0
    result = project.cli("roster", "codes", "--out", "out/绑定码.xlsx")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "姓名\t教研组\t工号\t绑定码"
    assert lines[-1] == "绑定码已写入 out/绑定码.xlsx"
    printed = {line.split("\t")[0]: line.split("\t") for line in lines[1:-1]}
    assert set(printed) == {"陈主任", "王芳", "刘洋", "张伟"}
    assert printed["王芳"][1:3] == ["语文组", "2001"]
    code = printed["王芳"][3]
    assert len(code) == 8
    assert code.isalnum()
    assert code.isupper() or code.isdigit()

    book = load_workbook(project.root / "out" / "绑定码.xlsx", read_only=True)
    try:
        sheet = book.worksheets[0]
        assert sheet.title == "绑定码"
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[0][0] == "花城小学教师绑定码"
    assert rows[2] == ("姓名", "教研组", "工号", "绑定码", "状态")
    by_name = {row[0]: row for row in rows[3:]}
    assert by_name["王芳"] == ("王芳", "语文组", "2001", code, None)
    assert len(rows) == 7

    # Codes are kept: a second listing prints the same ones.
    again = project.cli("roster", "codes")
    assert f"王芳\t语文组\t2001\t{code}" in again.out


def test_roster_codes_xlsx_keeps_formula_like_names_as_text(project: Project) -> None:
    roster = project.write("r.csv", ROSTER + "=1+2,语文组,教师,语文,2009\n"
                           "@SUM(A1),语文组,教师,语文,2010\n")
    assert project.cli("roster", "import", str(roster)).code == 0
    assert project.cli("roster", "codes", "--out", "codes.xlsx").code == 0
    sheet = load_workbook(project.root / "codes.xlsx").worksheets[0]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=4) for cell in row[:1]}
    for name in ("=1+2", "@SUM(A1)"):
        assert cells[name].data_type == "s", name  # a string, not a formula
        assert cells[name].quotePrefix, name
    # Printable like the archive's ledgers.
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.freeze_panes == "A4"


# -- the sandbox through the pipe -------------------------------------------------------


def test_readme_pipe_runs_the_sandbox(project: Project) -> None:
    result = project.cli(stdin="/as 王芳\n/help\n")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("研修助手 · 控制台沙盒（没有设置 YANXIU_BOT_TOKEN，所以在终端里运行）\n"
                          "沙盒时间：2026-11-30 08:00（周一）\n")
    assert "（沙盒）你现在是 王芳，在与王芳的私聊。" in out
    assert "（沙盒）王芳 还没有绑定，替你发送绑定码：" in out
    assert "  绑定成功！王芳老师您好，欢迎使用研修助手。发送 /help 看看我能做什么。" in out
    assert "  研修助手 · 我能做的事（教研组长）：" in out
    assert "  /me — 我的信息和研修进度" in out
    assert "  /help — 我能做什么" in out
    assert "/bind" not in out.split("我能做的事")[1]
    assert project.sandbox_database.is_file()
    assert not project.database.exists()

    # A second session on the same file: 王芳 is bound already, nobody is imported twice.
    # Asked for by name, the sandbox runs even with a token, and says why it is here.
    again = project.cli("sandbox", stdin="/as 王芳\n/me\n/quit\n/help\n",
                        env={"YANXIU_BOT_TOKEN": FAKE_TOKEN})
    assert again.code == 0, again.err
    assert again.out.startswith(
        "研修助手 · 控制台沙盒（yanxiu sandbox：在终端里运行，不连接 Telegram）\n")
    assert "还没有绑定" not in again.out
    assert "王芳（教研组长）" in again.out
    assert "我能做的事" not in again.out  # /quit ended the session
    with sqlite3.connect(project.sandbox_database) as connection:
        (people,) = connection.execute("SELECT count(*) FROM teacher").fetchone()
    assert people == 15


def test_sandbox_with_a_missing_roster_exits_2(project: Project) -> None:
    (project.root / "examples" / "roster.csv").unlink()
    result = project.cli("sandbox", stdin="/help\n")
    assert result.code == 2
    assert "无法读取花名册" in result.err
    assert "Traceback" not in result.err
    assert project.databases() == []


# -- the token --------------------------------------------------------------------------


def test_token_never_printed_by_check_config(project: Project) -> None:
    token = FAKE_TOKEN
    result = project.cli("check-config", env={"YANXIU_BOT_TOKEN": token})
    assert result.code == 0, result.err
    assert "没有问题" in result.out
    assert token not in result.out + result.err


class _Unauthorized(http.server.BaseHTTPRequestHandler):
    """A Bot API that rejects every token."""

    def do_POST(self) -> None:
        body = json.dumps({"ok": False, "error_code": 401,
                           "description": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def rejecting_api() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("token", [FAKE_TOKEN, "42:short-secret"])
def test_rejected_token_is_never_printed(project: Project, rejecting_api: str,
                                         token: str) -> None:
    config = project.root / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'base_url = "https://api.telegram.org/bot"', f'base_url = "{rejecting_api}"'),
        encoding="utf-8")
    result = project.cli("run", env={"YANXIU_BOT_TOKEN": token})
    assert result.code == 2
    assert ("Telegram 拒绝了环境变量 YANXIU_BOT_TOKEN 中的令牌，请向 @BotFather 核对后重新设置。"
            in result.err)
    assert token not in result.out + result.err
    assert token.split(":")[1] not in result.out + result.err


def test_webhook_without_its_settings_exits_2_before_the_database(project: Project) -> None:
    result = project.cli("run", "--webhook", env={"YANXIU_BOT_TOKEN": FAKE_TOKEN})
    assert result.code == 2
    assert "webhook 模式需要配置 telegram.webhook_url，并设置环境变量 YANXIU_WEBHOOK_SECRET" in (
        result.err)
    assert project.databases() == []
