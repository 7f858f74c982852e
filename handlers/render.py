"""Escaping and small formatting helpers: everything a person typed is shown, not parsed."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers import texts

TELEGRAM_LIMIT = 4096
WEEKDAYS = "一二三四五六日"


def esc(text: object) -> str:
    """HTML-escape user-supplied text for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c"
                                    "\u202a\u202b\u202c\u202d\u202e"
                                    "\u2066\u2067\u2068\u2069"))


def clean_text(text: str) -> str:
    """``text`` without bidi controls and zero-width characters: they reorder or hide
    what people read (a name that shows as another name, a title spelled backwards)."""
    return text.translate(_INVISIBLE)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for showing (storage keeps all)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def fmt_date(day: date) -> str:
    """A date as people at the school write it: 12月3日（周四）."""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def polite(name: str) -> str:
    """How to address someone: 刘洋 → 刘洋老师, but 陈主任 stays 陈主任 (never 陈主任老师)."""
    return name if name.endswith(texts.TITLES) else name + texts.TEACHER_SUFFIX


def materials(text: str) -> str:
    """What to prepare, without a 请/请提前 the leader typed (the notice says 请准备：)."""
    bare = text.strip()
    for lead in ("请大家提前", "请提前", "请大家", "请"):
        if bare.startswith(lead) and len(bare) > len(lead):
            return bare[len(lead):]
    return bare


def book_title(title: str) -> str:
    """A title in exactly one pair of 《》: 富饶的西沙群岛 → 《富饶的西沙群岛》, and one typed
    with its own 《》 (《富饶的西沙群岛》（第二次试教）) stays as typed, never 《《…》》."""
    bare = title.strip()
    while bare.startswith("《《") and bare.endswith("》》"):
        bare = bare[1:-1]
    return bare if bare.startswith("《") and "》" in bare else f"《{bare}》"


def fmt_datetime(moment: datetime, zone: ZoneInfo) -> str:
    """An instant in the school's zone: 12月3日（周四）15:30."""
    local = moment.astimezone(zone)
    return f"{fmt_date(local.date())}{local:%H:%M}"


def _safe_cut(text: str, limit: int) -> int:
    """A cut at or before ``limit`` that falls outside any HTML tag or entity."""
    cut = limit
    entity = text.rfind("&", max(0, cut - 10), cut)
    if entity != -1 and ";" not in text[entity:cut]:
        cut = entity
    tag = text.rfind("<", max(0, cut - 200), cut)
    if tag != -1 and ">" not in text[tag:cut]:
        cut = tag
    return cut if cut > 0 else limit


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split ``text`` into parts under ``limit`` at line breaks where possible.

    A line longer than the limit is cut where no HTML tag or entity is broken (the lines
    the bot writes never open a tag on one line and close it on another).
    """
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = _safe_cut(text, limit)
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not parts:
        parts.append(text)
    return parts
