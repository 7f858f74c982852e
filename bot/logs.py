"""Logging set-up: one format, chatty libraries quieted, secrets never printed."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
MASK = "<token>"
# Exact secrets of this process (the bot token from the environment), masked wherever they
# appear, even when they do not look like a bot token.
_secrets: set[str] = set()


def add_secret(value: str | None) -> None:
    """Mask ``value`` in every log line from now on."""
    if value and value.strip():
        _secrets.add(value.strip())


def redact(text: str) -> str:
    """``text`` with the known secrets and anything that looks like a bot token masked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _TOKEN.sub(MASK, text)


class RedactTokens(logging.Filter):
    """Replace anything that looks like a bot token (``123456:ABC…``) in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with tokens masked; always keep the record."""
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class RedactingFormatter(logging.Formatter):
    """Masks tokens in the whole formatted line, tracebacks included.

    python-telegram-bot puts the token into exception messages (``InvalidToken: The token
    `…` was rejected``), which a filter on the message alone never sees.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with every secret masked."""
        return redact(super().format(record))


def setup(level: int = logging.INFO) -> None:
    """Configure the root logger once for the process."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactTokens())
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "telegram.ext.Application"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
