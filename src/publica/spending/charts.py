"""Server-rendered SVG of budget against spend: a pair of bars for each department or
programme, planned above spent.

Pure: no Django. Planned is an outlined bar and spent a solid one, and each bar ends with
its amount in words, so the chart does not rely on colour; pages put the same figures in a
table beside it. The chart is an `<svg role="img">` with a title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

__all__ = ["Bar", "budget_chart", "short_pounds"]

INK = "#0b0c0c"
SPENT = "#1d70b8"
OVER = "#d4351c"
LABEL_WIDTH = 200
VALUE_WIDTH = 150
BAR = 14
GROUP = 2 * BAR + 18
TOP = 36
MAX_LABEL = 30


@dataclass(frozen=True)
class Bar:
    label: str
    planned: Decimal
    spent: Decimal


def short_pounds(amount: Decimal) -> str:
    """£1.3m, £250k, £900; a minus sign before the pound sign when negative."""
    sign = "\N{MINUS SIGN}" if amount < 0 else ""
    value = abs(amount)
    if value >= 1_000_000:
        text = f"{value / 1_000_000:.1f}".removesuffix(".0") + "m"
    elif value >= 10_000:
        text = f"{value / 1000:.0f}k"
    elif value >= 1000:
        text = f"{value / 1000:.1f}".removesuffix(".0") + "k"
    else:
        text = f"{value:.0f}"
    return f"{sign}£{text}"


def budget_chart(bars: Sequence[Bar], *, title: str, width: int = 720) -> str:
    """Planned and spent for each bar's label, to one scale from zero. A spent bar longer
    than its planned one is drawn in red as well as being longer, and says "over"."""
    height = TOP + GROUP * max(len(bars), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-budget-chart" role="img" '
        f'width="100%" viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="inherit" font-size="14">'
        f"<title>{escape(title)}</title>",
        _legend(),
    ]
    top = max([max(bar.planned, bar.spent, Decimal(0)) for bar in bars] or [Decimal(0)])
    room = width - LABEL_WIDTH - VALUE_WIDTH

    def length(amount: Decimal) -> float:
        return 0.0 if top <= 0 or amount <= 0 else float(amount / top) * room

    for index, bar in enumerate(bars):
        y = TOP + index * GROUP
        label = bar.label if len(bar.label) <= MAX_LABEL else bar.label[: MAX_LABEL - 1] + "…"
        over = bar.spent > bar.planned
        planned_w, spent_w = length(bar.planned), length(bar.spent)
        parts.append(
            f"<g><title>{escape(bar.label)}: planned {short_pounds(bar.planned)}, "
            f"spent {short_pounds(bar.spent)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR + 4}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{planned_w:.1f}" height="{BAR}" '
            f'fill="#ffffff" stroke="{INK}" stroke-width="1.5"/>'
            f'<text x="{LABEL_WIDTH + planned_w + 6:.1f}" y="{y + BAR - 2}" fill="{INK}">'
            f"planned {short_pounds(bar.planned)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + BAR + 2}" width="{spent_w:.1f}" height="{BAR}" '
            f'fill="{OVER if over else SPENT}"/>'
            f'<text x="{LABEL_WIDTH + spent_w + 6:.1f}" y="{y + 2 * BAR}" fill="{INK}">'
            f"spent {short_pounds(bar.spent)}{' (over)' if over else ''}</text></g>"
        )
    return "".join(parts) + "</svg>"


def _legend() -> str:
    return (
        f'<rect x="{LABEL_WIDTH}" y="6" width="18" height="{BAR}" fill="#ffffff" '
        f'stroke="{INK}" stroke-width="1.5"/>'
        f'<text x="{LABEL_WIDTH + 24}" y="18" fill="{INK}">Planned (outline)</text>'
        f'<rect x="{LABEL_WIDTH + 170}" y="6" width="18" height="{BAR}" fill="{SPENT}"/>'
        f'<text x="{LABEL_WIDTH + 194}" y="18" fill="{INK}">Spent (solid)</text>'
    )
