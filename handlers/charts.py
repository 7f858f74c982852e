"""Bar charts with Chinese labels (PNG bytes), or None when no CJK font is available.

A chart drawn without a CJK font shows boxes instead of characters; rather than send that,
the bot sends text only and logs one warning.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# matplotlib is imported when the first chart is drawn: it costs about a second at start-up,
# which every command-line call and test would otherwise pay.

logger = logging.getLogger(__name__)

# Where Debian's fonts-wqy-microhei and fonts-noto-cjk put their files.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC")


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
    """A horizontal bar chart of done / target per bar, with the pace as a tick; PNG bytes."""
    family = find_font(font_path)
    if family is None or not bars:
        return None
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 0.45 * len(bars) + 1.4), dpi=110)
    axes = figure.subplots()
    labels = [bar.label for bar in bars]
    shares = [min(bar.done / bar.target, 1.0) * 100 if bar.target else 0 for bar in bars]
    paces = [min(bar.expected / bar.target, 1.0) * 100 if bar.target else 0 for bar in bars]
    colors = ["#2e7d32" if share >= pace else "#ef6c00" for share, pace in zip(
        shares, paces, strict=True)]
    positions = list(range(len(bars)))
    axes.barh(positions, shares, color=colors)
    axes.scatter(paces, positions, marker="|", s=400, color="#37474f", zorder=3)
    for position, share in zip(positions, shares, strict=True):
        axes.text(101, position, f"{share:.0f}%", va="center", fontfamily=family, fontsize=9)
    axes.set_yticks(positions, labels, fontfamily=family)
    axes.invert_yaxis()
    axes.set_xlim(0, 118)
    axes.set_xlabel(xlabel, fontfamily=family)
    axes.set_title(title, fontfamily=family)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
