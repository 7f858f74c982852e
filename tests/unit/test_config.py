"""The config file: the example loads, every bad file is a Chinese error naming the key."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path

import pytest

from bot.config import CONFIG_ENV, DATABASE_ENV, TOKEN_ENV, ConfigError, load
from handlers.settings import Period, Unit
from tests.conftest import EXAMPLE_CONFIG

EXAMPLE = EXAMPLE_CONFIG.read_text(encoding="utf-8")
HAN = re.compile(r"[\u4e00-\u9fff]")

ENGLISH_SLOT = (
    'slot = { weekday = 4, start = 15:40:00, end = 16:20:00, periods = "第四节", '
    'place = "英语教研室" }'
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here sees the developer's own token, config or database."""
    for name in (TOKEN_ENV, CONFIG_ENV, DATABASE_ENV):
        monkeypatch.delenv(name, raising=False)


def edited(old: str, new: str, *, count: int = 1) -> str:
    """The example config with ``old`` replaced by ``new`` (which must be there)."""
    assert EXAMPLE.count(old) >= count, f"{old!r} is not in config.example.toml"
    return EXAMPLE.replace(old, new, count)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the example ------------------------------------------------------------------------


def test_example_config_loads() -> None:
    loaded = load(str(EXAMPLE_CONFIG))
    config = loaded.config
    assert loaded.path == EXAMPLE_CONFIG
    assert loaded.token is None
    assert loaded.database_url == "sqlite:///data/yanxiu.db"
    assert config.school.name == "花城小学"
    assert config.school.timezone == "Asia/Shanghai"
    assert [group.name for group in config.groups] == ["语文组", "数学组", "英语组", "综合组"]
    chinese = config.group("语文组")
    assert chinese is not None
    assert (chinese.slot.weekday, chinese.slot.start, chinese.slot.end) == (
        3, time(14, 50), time(16, 20))
    assert chinese.slot.place == "三楼会议室"
    mixed = config.group("综合组")
    assert mixed is not None
    assert mixed.slot.every_weeks == 2
    assert mixed.slot.first_date == date(2026, 9, 4)
    assert mixed.slot.holiday_policy == "next_slot"
    (semester,) = config.semesters
    assert (semester.start, semester.end) == (date(2026, 9, 1), date(2027, 1, 22))
    assert config.reminders.day_before_at == time(17, 0)
    assert config.reminders.quiet_hours.start == time(21, 30)
    assert config.binding.wrong_codes_per_hour == 5
    assert config.drafts.expire_after_days == 7
    assert config.sandbox.start_at == "2026-11-30 08:00"
    assert [day.name for day in config.calendar.days_off] == ["秋季运动会", "期末考试", "寒假"]


@pytest.mark.parametrize(
    ("label", "kind", "target", "unit", "period", "min_chars", "roles"),
    [
        ("听课", "observation", 30, Unit.COUNT, Period.SEMESTER, None, ("teacher", "leader")),
        ("听课（管理员）", "observation", 12, Unit.COUNT, Period.SEMESTER, None, ("admin",)),
        ("教学反思", "reflection", 20, Unit.COUNT, Period.SEMESTER, None, ()),
        ("读书笔记", "reading_note", 7000, Unit.CHARS, Period.SEMESTER, None, ()),
        ("教育故事", "story", 2, Unit.COUNT, Period.MONTH, None, ()),
        ("读书心得", "book_review", 1, Unit.COUNT, Period.MONTH, None, ()),
        ("心得体会", "insight", 1, Unit.COUNT, Period.SEMESTER, 1500, ()),
        ("教育教学论文", "paper", 1, Unit.COUNT, Period.SEMESTER, 1500, ()),
        ("课标摘抄", "standard_excerpt", 5000, Unit.CHARS, Period.SEMESTER, None, ()),
        ("专题演讲", "speech", 1, Unit.COUNT, Period.SEMESTER, None, ()),
        ("组内研讨课", "open_lesson", 1, Unit.COUNT, Period.SEMESTER, None, ()),
        ("教研活动出勤", "attendance", 100, Unit.COUNT, Period.SEMESTER, None, ()),
    ],
)
def test_example_quotas(label: str, kind: str, target: int, unit: Unit, period: Period,
                        min_chars: int | None, roles: tuple[str, ...]) -> None:
    quotas = {quota.label: quota for quota in load(str(EXAMPLE_CONFIG)).config.quotas}
    assert len(quotas) == 12
    quota = quotas[label]
    assert (quota.kind, quota.target, quota.unit, quota.period, quota.min_chars, quota.roles) == (
        kind, target, unit, period, min_chars, roles)


def test_example_is_valid_toml_with_the_documented_sections() -> None:
    raw = tomllib.loads(EXAMPLE)
    assert {"school", "database", "telegram", "sandbox", "semesters", "groups", "calendar",
            "reminders", "binding", "drafts", "quotas"} <= set(raw)
    assert "token" not in raw["telegram"]


# -- bad files --------------------------------------------------------------------------

BAD_CONFIGS = [
    pytest.param(EXAMPLE + "\n[extras]\nfoo = 1\n",
                 ["配置项 extras：不认识的配置项（拼写错误？）"], id="unknown-top-level-key"),
    pytest.param(edited("[school]\n", "[scool]\n"),
                 ["配置项 scool：不认识的配置项", "配置项 school：缺少必填项"],
                 id="misspelt-section"),
    pytest.param(edited("slot = { weekday = 3,", "slot = { wekday = 3,"),
                 ["配置项 groups[0].slot.wekday：不认识的配置项（拼写错误？）",
                  "配置项 groups[0].slot.weekday：缺少必填项"], id="unknown-slot-key"),
    pytest.param(edited("weekday = 3, start = 14:50:00", 'weekday = 3, start = "25:00"'),
                 ['配置项 groups[0].slot.start：时间格式不对，应为 "HH:MM"'], id="bad-slot-time"),
    pytest.param(edited("day_before_at = 17:00:00", 'day_before_at = "25:00"'),
                 ["配置项 reminders.day_before_at：时间格式不对"], id="bad-reminder-time"),
    pytest.param(edited("start = 2026-09-01", 'start = "2026-13-01"'),
                 ["配置项 semesters[0].start：日期格式不对，应为 2026-09-01"], id="bad-date"),
    pytest.param(edited('target = 7000\nunit = "chars"', 'target = 7000\nunit = "pages"'),
                 ["配置项 quotas[3].unit：'pages' 不在可选范围内（可选：count、chars）"],
                 id="unknown-unit"),
    pytest.param(edited('period = "month"', 'period = "week"'),
                 ["配置项 quotas[4].period：'week' 不在可选范围内（可选：semester、month）"],
                 id="unknown-period"),
    pytest.param(edited("place = \"多功能厅\", holiday_policy = \"next_slot\"",
                        "place = \"多功能厅\", holiday_policy = \"never\""),
                 ["配置项 groups[3].slot.holiday_policy：'never' 不在可选范围内"
                  "（可选：next_school_day、next_slot、skip）"], id="unknown-holiday-policy"),
    pytest.param(edited(ENGLISH_SLOT + "\n", ""),
                 ["配置项 groups[2].slot：缺少必填项"], id="group-without-slot"),
    pytest.param(edited("weekday = 4, start = 15:40:00, end = 16:20:00",
                        "weekday = 4, start = 16:20:00, end = 15:40:00"),
                 ["配置项 groups[2].slot：教研结束时间15:40应晚于开始时间16:20"],
                 id="slot-ends-before-start"),
    pytest.param(edited("weekday = 5, start = 14:50:00", "weekday = 4, start = 14:50:00"),
                 ["配置项 groups[3].slot：first_date 2026-09-04 是周五，与 weekday（周四）不符"],
                 id="first-date-not-on-weekday"),
    pytest.param(edited("weekday = 3,", "weekday = 8,"),
                 ["配置项 groups[0].slot.weekday：星期应为1（周一）到7（周日），而不是8"],
                 id="weekday-out-of-range"),
    pytest.param(edited("end = 2027-01-22", "end = 2026-08-01"),
                 ["配置项 semesters[0]：学期结束日期必须晚于开始日期"],
                 id="semester-ends-before-start"),
    pytest.param(edited('name = "数学组"', 'name = "语文组"'),
                 ["配置项 groups：教研组名称重复：语文组"], id="duplicate-group-names"),
    pytest.param(edited('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'),
                 ["配置项 school.timezone：未知的时区 'Mars/Olympus'"], id="invalid-timezone"),
    pytest.param(edited('url = "sqlite:///data/yanxiu.db"', 'url = "mysql://db/yanxiu"'),
                 ["配置项 database.url：只支持 sqlite:/// 或 postgresql:// 开头的数据库地址"],
                 id="unsupported-database"),
    pytest.param(edited('start_at = "2026-11-30 08:00"', 'start_at = "明天早上"'),
                 ['配置项 sandbox.start_at：时间格式不对，应为 "2026-11-30 08:00"'],
                 id="bad-sandbox-start"),
    pytest.param(edited("target = 30", "target = 0"),
                 ["配置项 quotas[0].target：必须大于 0"], id="quota-target-zero"),
    pytest.param(edited('roles = ["admin"]', 'roles = ["principal"]'),
                 ["配置项 quotas[1].roles：未知的角色 ['principal']"], id="unknown-role"),
    pytest.param(edited("wrong_codes_per_hour = 5", 'wrong_codes_per_hour = "五"'),
                 ["配置项 binding.wrong_codes_per_hour：应为整数"], id="not-a-number"),
    pytest.param(edited('name = "花城小学"', "name = 5"),
                 ["配置项 school.name：应为文字"], id="name-not-text"),
    pytest.param(edited('kind = "speech"', 'kind = "speach"'),
                 ["配置项 quotas[9].kind：没有 speach 这种记录"], id="unknown-quota-kind"),
    pytest.param(edited("make_up_days = []",
                        "make_up_days = [{ date = 2026-10-10, acts_as = 1 }, "
                        "{ date = 2026-10-10, acts_as = 2 }]"),
                 ["配置项 calendar.make_up_days：调休日 2026-10-10 重复配置"],
                 id="duplicate-make-up-day"),
    pytest.param(edited('roles = ["admin"]', 'roles = ["admin"]\ngroups = ["火星组"]'),
                 ["配置项 quotas[1].groups：没有「火星组」这个教研组"],
                 id="quota-for-unknown-group"),
    pytest.param(edited("[telegram]\n", "[telegram]\nwebhook_port = 0\n"),
                 ["配置项 telegram.webhook_port：不能小于 1"], id="bad-port"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_bad_config_names_the_key_in_chinese(tmp_path: Path, text: str,
                                             expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    message = str(caught.value)
    assert message.startswith(f"配置文件 {path} 有误：\n")
    for fragment in expected:
        assert fragment in message
    problems = message.splitlines()[1:]
    assert len(problems) == len(expected), message
    assert all(HAN.search(line) for line in problems)
    assert "Input should" not in message
    assert "Value error" not in message
    assert "(根)" not in message


def test_bad_date_reports_only_the_date(tmp_path: Path) -> None:
    # Not also "semesters：至少需要 1 项" when the one semester is there but invalid.
    path = write(tmp_path, edited("start = 2026-09-01", 'start = "2026-13-01"'))
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    assert "至少需要" not in str(caught.value)


def test_empty_groups_list_is_refused(tmp_path: Path) -> None:
    text = "groups = []\n" + re.sub(r"\[\[groups\]\].*?(?=\[calendar\])", "", EXAMPLE,
                                      flags=re.DOTALL)
    assert tomllib.loads(text)["groups"] == []
    with pytest.raises(ConfigError, match=r"配置项 groups：至少需要 1 项"):
        load(str(write(tmp_path, text)))


@pytest.mark.parametrize(
    "token_line",
    [
        'token = "123456789:AAHfakefakefakefakefakefakefakefake"',
        'token = ""',
    ],
)
def test_token_in_the_file_is_refused(tmp_path: Path, token_line: str) -> None:
    path = write(tmp_path, edited("[telegram]\n", f"[telegram]\n{token_line}\n"))
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    message = str(caught.value)
    assert message == ("配置项 telegram.token：令牌不能写在配置文件里，"
                       "请用环境变量 YANXIU_BOT_TOKEN")
    assert "AAHfake" not in message


def test_telegram_that_is_not_a_table_is_a_config_error(tmp_path: Path) -> None:
    # Before the [school] table, a bare key is a top-level key.
    path = write(tmp_path, 'telegram = "123456789:token"\n' + EXAMPLE.replace(
        "[telegram]\n", "[telegram_api]\n"))
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    assert "配置项 telegram：应为一个表" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match=r"^找不到配置文件 .*nowhere\.toml$"):
        load(str(path))


@pytest.mark.parametrize(
    ("text", "position"),
    [
        (EXAMPLE + "\n[[groups]\n", None),
        (edited("start = 2026-09-01", "start = 2026-13-01"),
         f"（第 {EXAMPLE.splitlines().index('start = 2026-09-01') + 1} 行第"),
        ('[school]\nname = "花城小学\n', "（第 2 行第"),
    ],
    ids=["unclosed-table", "impossible-date-literal", "unclosed-string"],
)
def test_invalid_toml(tmp_path: Path, text: str, position: str | None) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    message = str(caught.value)
    assert message.startswith(f"配置文件 {path} 不是合法的 TOML（第 ")
    if position is not None:
        assert position in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("directory", "无法读取配置文件"),
        ("gbk", "不是 UTF-8 编码，请另存为 UTF-8"),
    ],
)
def test_unreadable_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    if content == "directory":
        path.mkdir()
    else:
        path.write_bytes(EXAMPLE.encode("gbk", errors="replace"))
    with pytest.raises(ConfigError, match=expected):
        load(str(path))


# -- the environment --------------------------------------------------------------------


def test_database_url_from_environment_wins(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv(DATABASE_ENV, url)
    loaded = load(str(EXAMPLE_CONFIG))
    assert loaded.database_url == url
    assert loaded.config.database.url == "sqlite:///data/yanxiu.db"


def test_bad_database_url_in_environment_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_ENV, "mysql://db/yanxiu")
    with pytest.raises(ConfigError, match=r"^环境变量 YANXIU_DATABASE_URL：只支持 sqlite"):
        load(str(EXAMPLE_CONFIG))


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("123456789:AAHfakefakefakefakefakefakefakefake",
         "123456789:AAHfakefakefakefakefakefakefakefake"),
        ("  42:short\n", "42:short"),
        ("", None),
        ("   ", None),
    ],
)
def test_token_comes_from_environment(monkeypatch: pytest.MonkeyPatch, value: str,
                                      token: str | None) -> None:
    monkeypatch.setenv(TOKEN_ENV, value)
    assert load(str(EXAMPLE_CONFIG)).token == token


def test_config_env_chooses_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, edited('name = "花城小学"', 'name = "柳湖小学"'), "school.toml")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    loaded = load()
    assert loaded.path == path
    assert loaded.config.school.name == "柳湖小学"


def test_explicit_path_beats_config_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "missing.toml"))
    assert load(str(EXAMPLE_CONFIG)).config.school.name == "花城小学"


def test_default_is_config_toml_then_the_example(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"找不到配置文件 config\.example\.toml"):
        load()
    write(tmp_path, EXAMPLE, "config.example.toml")
    assert load().path == Path("config.example.toml")
    write(tmp_path, edited('name = "花城小学"', 'name = "柳湖小学"'))
    loaded = load()
    assert loaded.path == Path("config.toml")
    assert loaded.config.school.name == "柳湖小学"
