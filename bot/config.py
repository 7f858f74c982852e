"""Reading and validating the TOML config; the bot token only ever comes from the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from handlers.settings import Settings

DEFAULT_CONFIG = "config.toml"
FALLBACK_CONFIG = "config.example.toml"
TOKEN_ENV = "YANXIU_BOT_TOKEN"
CONFIG_ENV = "YANXIU_CONFIG"
DATABASE_ENV = "YANXIU_DATABASE_URL"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSpec(_Spec):
    """Where the records live: a SQLite file by default, PostgreSQL by URL."""

    url: str = "sqlite:///data/yanxiu.db"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("只支持 sqlite:/// 或 postgresql:// 开头的数据库地址")
        return value


class TelegramSpec(_Spec):
    """How to reach the Bot API (a self-hosted Bot API server works too)."""

    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)


class SandboxSpec(_Spec):
    """The console sandbox: the demo roster and where its clock starts."""

    roster: str = "examples/roster.csv"
    database_url: str = "sqlite:///data/sandbox.db"
    start_at: str = ""


class Config(Settings):
    """The whole config file: the school's settings plus how this deployment runs."""

    database: DatabaseSpec = DatabaseSpec()
    telegram: TelegramSpec = TelegramSpec()
    sandbox: SandboxSpec = SandboxSpec()


class ConfigError(Exception):
    """The config file is missing or invalid; ``str(exc)`` says which key and why."""


@dataclass(frozen=True)
class Loaded:
    """A validated config and where it came from."""

    config: Config
    path: Path
    token: str | None
    database_url: str


_MESSAGES = {
    "extra_forbidden": "不认识的配置项（拼写错误？）",
    "missing": "缺少必填项",
    "time_parsing": "时间格式不对，应为 \"HH:MM\"，例如 \"14:50\"",
    "time_type": "时间格式不对，应为 \"HH:MM\"，例如 \"14:50\"",
    "date_parsing": "日期格式不对，应为 2026-09-01",
    "date_from_datetime_parsing": "日期格式不对，应为 2026-09-01",
    "date_type": "日期格式不对，应为 2026-09-01",
    "enum": "取值不在可选范围内",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "string_too_short": "不能为空",
}


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith(("function-", "function_")):
            text += f".{part}" if text else part
    return text or "(根)"


def describe(error: ValidationError) -> str:
    """One Chinese line per problem, each naming the config key."""
    lines = []
    for item in error.errors():
        template = _MESSAGES.get(item["type"])
        context = item.get("ctx") or {}
        if template is not None:
            message = template.format(**context) if context else template
            if item["type"] == "enum" and "expected" in context:
                message += f"：{context['expected']}"
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"配置项 {_location(item['loc'])}：{message}")
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
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是合法的 TOML：{exc}") from exc
    if "token" in raw.get("telegram", {}):
        raise ConfigError(
            f"配置项 telegram.token：令牌不能写在配置文件里，请用环境变量 {TOKEN_ENV}"
        )
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"配置文件 {path} 有误：\n{describe(exc)}") from None
    token = os.environ.get(TOKEN_ENV) or None
    database_url = os.environ.get(DATABASE_ENV) or config.database.url
    return Loaded(config=config, path=path, token=token, database_url=database_url)
