"""Reading and validating the TOML config; the bot token only ever comes from the environment."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from handlers.district.settings import (
    SchoolEntry,
    central_index,
    check_schools,
    merge,
    raw_central,
)
from handlers.settings import GroupSpec, QuotaSpec, SemesterSpec, Settings

_QUOTAS = TypeAdapter(tuple[QuotaSpec, ...])
DEFAULT_CONFIG = "config.toml"
FALLBACK_CONFIG = "config.example.toml"
TOKEN_ENV = "YANXIU_BOT_TOKEN"
DINGTALK_SECRET_ENV = "YANXIU_DINGTALK_CLIENT_SECRET"
CONFIG_ENV = "YANXIU_CONFIG"
DATABASE_ENV = "YANXIU_DATABASE_URL"
START_AT_FORMAT = "%Y-%m-%d %H:%M"
_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")


def check_database_url(value: str) -> str:
    """Return ``value`` if it is a SQLite or PostgreSQL URL SQLAlchemy can parse."""
    if not value.startswith(_DATABASE_SCHEMES):
        raise ValueError("只支持 sqlite:/// 或 postgresql:// 开头的数据库地址")
    try:
        make_url(value)
    except ArgumentError as exc:
        raise ValueError("数据库地址格式不对，例如 sqlite:///data/yanxiu.db") from exc
    return value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSpec(_Spec):
    """Where the records live: a SQLite file by default, PostgreSQL by URL."""

    url: str = "sqlite:///data/yanxiu.db"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        return check_database_url(value)


class TelegramSpec(_Spec):
    """How to reach the Bot API (a self-hosted Bot API server works too)."""

    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Processes sharing this bot (webhook mode behind nginx): each keeps 1/N of Telegram's
    # overall and per-group message limits, so that together they stay within them.
    processes: int = Field(default=1, ge=1, le=16)


class DingTalkSpec(_Spec):
    """An 企业内部应用 robot in Stream mode; the AppSecret only comes from the environment.

    ``client_id`` empty means 钉钉 is not configured. ``corp_id``, when set, is the only
    organisation whose messages are answered. ``card_template_id`` is the imported template
    (bot/dingtalk/cards/) that carries buttons. ``monthly_budget`` is the metered OpenAPI
    calls a month; admins are told at ``budget_warn_percent`` of it.
    """

    client_id: str = ""
    robot_code: str = ""
    corp_id: str = ""
    card_template_id: str = ""
    openapi_endpoint: str = "https://api.dingtalk.com"
    oapi_endpoint: str = "https://oapi.dingtalk.com"
    monthly_budget: int = Field(default=10_000, ge=1)
    budget_warn_percent: int = Field(default=80, ge=1, le=100)
    # Processes connected for this app (钉钉 hands each event to one of them): each keeps
    # 1/N of the OpenAPI's rate.
    processes: int = Field(default=1, ge=1, le=16)

    @field_validator("openapi_endpoint", "oapi_endpoint")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("应为 https:// 开头的地址")
        return value.rstrip("/")


class SandboxSpec(_Spec):
    """The console sandbox: the demo roster and where its clock starts."""

    roster: str = "examples/roster.csv"
    database_url: str = "sqlite:///data/sandbox.db"
    start_at: str = ""

    @field_validator("database_url")
    @classmethod
    def _supported(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("start_at")
    @classmethod
    def _moment(cls, value: str) -> str:
        if value:
            try:
                datetime.strptime(value, START_AT_FORMAT)  # noqa: DTZ007 (school time)
            except ValueError as exc:
                raise ValueError(
                    f"时间格式不对，应为 \"2026-11-30 08:00\"（留空表示现在），而不是 {value!r}"
                ) from exc
        return value


class Config(Settings):
    """The whole config file: the school's settings plus how this deployment runs."""

    database: DatabaseSpec = DatabaseSpec()
    telegram: TelegramSpec = TelegramSpec()
    dingtalk: DingTalkSpec = DingTalkSpec()
    sandbox: SandboxSpec = SandboxSpec()

    # The same rule as Settings' own check, but as field validators, so that the message
    # names the key (groups / semesters) instead of the whole file.
    @field_validator("groups")
    @classmethod
    def _unique_groups(cls, value: tuple[GroupSpec, ...]) -> tuple[GroupSpec, ...]:
        _unique("教研组", [group.name for group in value])
        return value

    @field_validator("semesters")
    @classmethod
    def _unique_semesters(cls, value: tuple[SemesterSpec, ...]) -> tuple[SemesterSpec, ...]:
        _unique("学期", [semester.name for semester in value])
        return value

    # --- issue 17: one deployment for several schools ([[schools]]) ---
    schools: tuple[SchoolEntry, ...] = ()
    _school_settings: tuple[Settings, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _district(cls, data: Any, handler: ModelWrapValidatorHandler[Config]) -> Config:
        """With [[schools]], the top level is the deployment's defaults, and the 中心校 is
        the school this model itself describes (``raw_central``); each school's own
        settings are merged from the defaults and its entry."""
        if not (isinstance(data, dict) and data.get("schools")):
            return handler(data)
        for key in ("school", "groups"):
            if key in data:
                raise ValueError(f"{key}：有 [[schools]] 时，每所学校的名称和教研组写在"
                                 f"各自的 [[schools]] 里，不再写 [{key}]")
        config = handler(raw_central(data))
        check_schools(config.schools)
        defaults = _QUOTAS.validate_python(data.get("quotas", ()))
        known = {group.name for entry in config.schools for group in entry.groups}
        for index, quota in enumerate(defaults):
            for name in quota.groups:
                if name not in known:
                    raise ValueError(f"quotas[{index}].groups：没有一所学校有「{name}」这个教研组")
        first = central_index(config.schools)
        merged = []
        for index in [first, *(i for i in range(len(config.schools)) if i != first)]:
            try:
                merged.append(merge(config, config.schools[index], quotas=defaults))
            except ValidationError as exc:
                lines = [line.removeprefix("配置项 ").removeprefix("配置：")
                         for line in describe(exc).splitlines()]
                raise ValueError("\n配置项 ".join(f"schools[{index}].{line}"
                                                   for line in lines)) from None
        config._school_settings = tuple(merged)
        return config

    @property
    def school_settings(self) -> tuple[Settings, ...]:
        """Each school's own settings, the 中心校 first; empty for a single [school]."""
        return self._school_settings


def _unique(what: str, names: list[str]) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{what}名称重复：{'、'.join(duplicates)}")


class ConfigError(Exception):
    """The config file is missing or invalid; ``str(exc)`` says which key and why."""


@dataclass(frozen=True)
class Loaded:
    """A validated config and where it came from."""

    config: Config
    path: Path
    token: str | None
    database_url: str
    dingtalk_secret: str | None = None

    @property
    def dingtalk_ready(self) -> bool:
        """Whether [dingtalk] names an app and its secret is in the environment."""
        return bool(self.config.dingtalk.client_id and self.dingtalk_secret)


_MESSAGES = {
    "extra_forbidden": "不认识的配置项（拼写错误？）",
    "missing": "缺少必填项",
    "time_parsing": "时间格式不对，应为 \"HH:MM\"，例如 \"14:50\"",
    "time_type": "时间格式不对，应为 \"HH:MM\"，例如 \"14:50\"",
    "date_parsing": "日期格式不对，应为 2026-09-01",
    "date_from_datetime_parsing": "日期格式不对，应为 2026-09-01",
    "date_type": "日期格式不对，应为 2026-09-01",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "string_type": "应为文字（用英文双引号括起来）",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "model_type": "应为一个表，例如 {{ start = 14:50:00, end = 16:20:00 }}",
    "dict_type": "应为一个表",
    "tuple_type": "应为列表，例如 [\"teacher\", \"leader\"]",
    "list_type": "应为列表，例如 [\"teacher\", \"leader\"]",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "string_too_short": "不能为空",
}


_NAMES_KEY = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*：")


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith(("function-", "function_")):
            text += f".{part}" if text else part
    return text


def _follows_item_error(item: dict[str, Any], items: list[dict[str, Any]]) -> bool:
    """Whether ``item`` is a list's "too short" that only repeats its items' own errors."""
    loc = tuple(item["loc"])
    return item["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc
        for other in items
    )


def describe(error: ValidationError) -> str:
    """One Chinese line per problem, each naming the config key."""
    lines = []
    items = [dict(item) for item in error.errors()]
    for item in items:
        if _follows_item_error(item, items):
            continue
        template = _MESSAGES.get(item["type"])
        context = item.get("ctx") or {}
        if item["type"] == "enum":
            allowed = "、".join(re.findall(r"'([^']*)'", str(context.get("expected", ""))))
            message = f"{item['input']!r} 不在可选范围内（可选：{allowed}）"
        elif template is not None:
            message = template.format(**context) if context else template
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        where = _location(item["loc"])
        if where:
            lines.append(f"配置项 {where}：{message}")
        elif _NAMES_KEY.match(message):
            lines.append(f"配置项 {message}")  # a check of the whole file that names its key
        else:
            lines.append(f"配置：{message}")
    return "\n".join(lines)


def _path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    default = Path(DEFAULT_CONFIG)
    return default if default.exists() else Path(FALLBACK_CONFIG)


def load(explicit: str | None = None) -> Loaded:
    """Read the config file (``--config``, ``YANXIU_CONFIG``, config.toml, the example)."""
    path = _path(explicit)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"找不到配置文件 {path}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码，请另存为 UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是合法的 TOML{_toml_position(exc)}：{exc}") from exc
    telegram = raw.get("telegram")
    if isinstance(telegram, dict) and "token" in telegram:
        raise ConfigError(
            f"配置项 telegram.token：令牌不能写在配置文件里，请用环境变量 {TOKEN_ENV}"
        )
    dingtalk = raw.get("dingtalk")
    if isinstance(dingtalk, dict) and "client_secret" in dingtalk:
        raise ConfigError(f"配置项 dingtalk.client_secret：密钥不能写在配置文件里，"
                          f"请用环境变量 {DINGTALK_SECRET_ENV}")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"配置文件 {path} 有误：\n{describe(exc)}") from None
    token = os.environ.get(TOKEN_ENV, "").strip() or None
    database_url = os.environ.get(DATABASE_ENV, "").strip() or config.database.url
    try:
        check_database_url(database_url)
    except ValueError as exc:
        raise ConfigError(f"环境变量 {DATABASE_ENV}：{exc}") from None
    secret = os.environ.get(DINGTALK_SECRET_ENV, "").strip() or None
    return Loaded(config=config, path=path, token=token, database_url=database_url,
                  dingtalk_secret=secret)


def _toml_position(error: tomllib.TOMLDecodeError) -> str:
    found = re.search(r"at line (\d+), column (\d+)", str(error))
    return f"（第 {found[1]} 行第 {found[2]} 列）" if found else ""
