"""Bar charts with Chinese labels (PNG bytes), or None when no CJK font is available.

A chart drawn without a CJK font shows boxes instead of characters; rather than send that,
the bot sends text only and logs one warning.

matplotlib and the font are loaded once, in the background at start-up (``warm_up``), so
the first chart costs what the later ones do; the same figures give the same PNG from a
cache, without drawing again. Margins are set from the labels instead of by
``tight_layout``, which laid every text out a second time (half the drawing time), and
each bar's share is part of its label rather than a text of its own.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# matplotlib is imported by ``warm_up`` (a background thread of the running bot) or by the
# first chart: it costs about a second, which every command-line call and test would
# otherwise pay at start-up.

logger = logging.getLogger(__name__)

# Where Debian's fonts-wqy-microhei and fonts-noto-cjk put their files.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC")
WIDTH, DPI = 7.0, 110
# Charts kept by their figures (about 30 kB each).
CACHED_CHARTS = 256


@dataclass(frozen=True)
class Bar:
    """One bar: a label, what is done, the target and the expected pace."""

    label: str
    done: float
    target: float
    expected: float


@cache
def find_font(configured: str = "") -> str | None:
    """The family name of a usable CJK font (registering its file), or None."""
    from matplotlib import font_manager

    candidates = [configured] if configured else []
    candidates += [path for path in KNOWN_FONTS if Path(path).exists()]
    for path in candidates:
        if not Path(path).exists():
            logger.warning("configured chart font %s does not exist", path)
            continue
        font_manager.fontManager.addfont(path)
        names = {entry.name for entry in font_manager.fontManager.ttflist if entry.fname == path}
        family = next((name for name in CJK_FAMILIES if name in names), None)
        if family is None and names:
            family = sorted(names)[0]
        if family is not None:
            return family
    logger.warning("no CJK font found: charts are replaced by text "
                   "(install Debian's fonts-wqy-microhei or set [charts] font_path)")
    return None


def bar_chart(title: str, bars: Sequence[Bar], *, xlabel: str,
              font_path: str = "") -> bytes | None:
    """A horizontal bar chart of done / target per bar, with the pace as a tick; PNG bytes.

    The same title, bars and labels give the same PNG, drawn once (``CACHED_CHARTS`` kept).
    """
    family = find_font(font_path)
    if family is None or not bars:
        return None
    return _draw(title, tuple(bars), xlabel, family)


@lru_cache(maxsize=CACHED_CHARTS)
def _draw(title: str, bars: tuple[Bar, ...], xlabel: str, family: str) -> bytes:
    from matplotlib.figure import Figure

    height = 0.45 * len(bars) + 1.4
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    axes = figure.subplots()
    shares = [min(bar.done / bar.target, 1.0) * 100 if bar.target else 0 for bar in bars]
    # The share goes with its label: one text per bar (each text costs its own layout).
    labels = [f"{bar.label} {share:.0f}%" for bar, share in zip(bars, shares, strict=True)]
    paces = [min(bar.expected / bar.target, 1.0) * 100 if bar.target else 0 for bar in bars]
    colors = ["#2e7d32" if share >= pace else "#ef6c00" for share, pace in zip(
        shares, paces, strict=True)]
    positions = list(range(len(bars)))
    axes.barh(positions, shares, color=colors)
    axes.scatter(paces, positions, marker="|", s=400, color="#37474f", zorder=3)
    axes.set_yticks(positions, labels, fontfamily=family)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.invert_yaxis()
    axes.set_xlim(0, 102)
    axes.set_xlabel(xlabel, fontfamily=family)
    axes.set_title(title, fontfamily=family)
    # Margins in inches from the text they hold (a Han character at 10 pt is ~0.15 in).
    widest = max(_text_width(label) for label in labels)
    figure.subplots_adjust(left=min(0.5, (widest + 0.25) / WIDTH), right=0.97,
                           top=1 - 0.45 / height, bottom=0.6 / height)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _text_width(text: str) -> float:
    """Inches a tick label takes at 10 pt: wide (Han, full-width) and narrow characters."""
    return sum(0.15 if ord(char) > 0x2E80 else 0.08 for char in text)


def warm_up(font_path: str = "") -> None:
    """Load matplotlib and the font, and draw once, so the first real chart is not slower."""
    family = find_font(font_path)
    if family is None:
        return
    bars = tuple(Bar(label, 1, 2, 1) for label in
                 ("教学反思", "听课记录", "读书笔记", "研修活动", "公开课"))
    _draw("研修进度 语文组 数学组 英语组 综合组", bars, "完成 %", family)
    _draw.cache_clear()  # keep nothing of the warm-up


def start_warm_up(font_path: str = "") -> threading.Thread:
    """``warm_up`` in a background thread (start-up goes on meanwhile)."""
    thread = threading.Thread(target=warm_up, args=(font_path,), name="charts-warm-up",
                              daemon=True)
    thread.start()
    return thread
