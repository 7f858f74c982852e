"""A ``Reply`` (Telegram-style HTML, user text escaped) as 钉钉 markdown, split by bytes.

The core writes ``<b>``, ``<i>`` and ``<code>`` and escapes everything a person typed as HTML
entities. Here the tags become markdown and the text between them is unescaped and then
escaped again for markdown, so that a teacher who types ``**`` or ``# 标题`` sees exactly that.
钉钉 keeps a single line break only when the line ends in two spaces.
"""

from __future__ import annotations

import html
import re

from bot import texts as bot_texts

# One robot message may hold 15 000 bytes of UTF-8 (not characters); a margin for the
# line-break spaces added here and the JSON around it.
MESSAGE_LIMIT = 15_000
_PART_BYTES = 14_500
_TAGS = {"b": "**", "i": "*", "code": "`"}
_TOKEN = re.compile(r"</?(b|i|code)>|[^<]+|<")
_SPECIAL = re.compile(r"([\\`*_\[\]~<|])")
# Markdown that only counts at the start of a line: headings, quotes, lists.
_LINE_START = re.compile(r"^(\s*)(?:([#>+-])|(\d+)\.)", re.MULTILINE)
TITLE_CHARS = 20


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _escape_line_starts(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        lead, mark, number = match.groups()
        return f"{lead}\\{mark}" if mark else f"{lead}{number}\\."

    return _LINE_START.sub(one, text)


def to_markdown(text: str) -> str:
    """Telegram HTML as 钉钉 markdown."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        tag = match.group(1)
        if tag is not None:
            out.append(_TAGS[tag])
        else:
            out.append(_escape(html.unescape(token)))
    return "  \n".join(_escape_line_starts("".join(out)).split("\n"))


def title(text: str) -> str:
    """A message's title (钉钉 shows it in the chat list): its first line, plain."""
    first = html.unescape(re.sub(r"<[^>]+>", "", text)).strip().split("\n", 1)[0]
    return first[:TITLE_CHARS] or bot_texts.DINGTALK_CARD_TITLE


def split_bytes(markdown: str, limit: int = _PART_BYTES) -> list[str]:
    """``markdown`` in parts of at most ``limit`` UTF-8 bytes, cut at line breaks if possible.

    The core never opens a tag on one line and closes it on the next, so a cut at a line
    break keeps every ``**`` pair whole; a longer line is cut where no escape is split.
    """
    parts: list[str] = []
    while len(markdown.encode()) > limit:
        cut = len(markdown.encode()[:limit].decode(errors="ignore"))
        line = markdown.rfind("  \n", 0, cut)
        if line > 0:
            parts.append(markdown[:line])
            markdown = markdown[line + 3:]
            continue
        while cut > 1 and markdown[cut - 1] == "\\":
            cut -= 1
        parts.append(markdown[:cut])
        markdown = markdown[cut:]
    if markdown or not parts:
        parts.append(markdown)
    return parts
