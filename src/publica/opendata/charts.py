"""Server-drawn SVG charts for the dataset pages: horizontal bars for categories, a line for
a series over time. Pure: labels and numbers in, markup out. Each chart is an image with a
title; the page puts the same figures in a table beside it for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bars", "line"]

BAR = "#1d70b8"
INK = "#0b0c0c"
GRID = "#b1b4b6"


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bars(
    points: Sequence[tuple[str, float]], *, title: str, width: int = 640, unit: str = ""
) -> str:
    """One labelled horizontal bar per (label, value), the value and `unit` written after it;
    values below zero are drawn as zero."""
    row, label_width, pad = 24, min(300, width // 3), 6
    height = max(row * len(points), row) + 2 * pad
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )
    if not points:
        return head + "</svg>"
    high = max(max(value for _, value in points), 0) or 1.0
    room = width - label_width - 80
    shapes = []
    for index, (label, value) in enumerate(points):
        top = pad + index * row
        length = max(value, 0) / high * room
        room_for = label_width // 7  # characters of 13 px text that fit beside the bars
        shown = label if len(label) <= room_for else label[: room_for - 1] + "…"
        shapes.append(
            f'<text x="{label_width - 6}" y="{top + 16}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(shown)}</text>'
            f'<rect x="{label_width}" y="{top + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{BAR}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{top + 16}" font-size="13" '
            f'fill="{INK}">{_number(value)}{unit}</text>'
        )
    return head + "".join(shapes) + "</svg>"


def line(
    points: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 220
) -> str:
    """A line through (label, value) points in order, with the first and last labels under
    the axis and the lowest and highest values beside it."""
    left, right, top, bottom = 56, 12, 10, 28
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )
    if not points:
        return head + "</svg>"
    low = min(0.0, min(value for _, value in points))
    high = max(value for _, value in points)
    span = (high - low) or 1.0
    step = (width - left - right) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return top + (high - value) / span * (height - top - bottom)

    coords = " ".join(f"{left + i * step:.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    axis = height - bottom
    shapes = [
        f'<line x1="{left}" y1="{axis}" x2="{width - right}" y2="{axis}" stroke="{GRID}"/>',
        f'<text x="{left - 6}" y="{y(high) + 4:.1f}" text-anchor="end" font-size="12" '
        f'fill="{INK}">{_number(high)}</text>',
        f'<text x="{left - 6}" y="{axis + 4}" text-anchor="end" font-size="12" '
        f'fill="{INK}">{_number(low)}</text>',
        f'<text x="{left}" y="{height - 8}" font-size="12" fill="{INK}">'
        f"{escape(points[0][0])}</text>",
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end" font-size="12" '
        f'fill="{INK}">{escape(points[-1][0])}</text>',
    ]
    if len(points) == 1:
        shapes.append(f'<circle cx="{left}" cy="{y(points[0][1]):.1f}" r="3" fill="{BAR}"/>')
    else:
        shapes.append(
            f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2" '
            f'stroke-linejoin="round"/>'
        )
    return head + "".join(shapes) + "</svg>"
