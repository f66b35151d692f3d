"""The dashboards' charts: line charts with more than one series, and bars. Pure: labels and
numbers in, SVG out. Line series differ by colour and by dash, so they read without colour
too, and a legend names them. A missing value (None) breaks the line rather than drawing
zero."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from publica.opendata import charts as opendata_charts

__all__ = ["bars", "lines"]

INK = "#0b0c0c"
GRID = "#b1b4b6"
#: (colour, dash pattern) per series: GOV.UK blue, orange and green.
STYLES = (("#1d70b8", ""), ("#d4351c", "6 4"), ("#00703c", "2 3"))


def bars(points: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> str:
    """The open-data pages' bar chart, wide enough for the dashboards' long service names."""
    return opendata_charts.bars(points, title=title, unit=unit, width=800)


def _number(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}"


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str = "",
    ceiling: float | None = None,
    width: int = 720,
    height: int = 260,
) -> str:
    """One line per (name, values) over the shared `labels` (x axis, in order). The axis
    starts at zero and ends at `ceiling` when given (100 for shares), else at the highest
    value; the first, middle and last labels are written under it."""
    left, right, top, bottom = 56, 16, 30, 30
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )
    values = [v for _, vs in series for v in vs if v is not None]
    if not labels or not values:
        return head + "</svg>"
    high = ceiling if ceiling is not None else max(max(values), 1.0)
    plot_width, plot_height = width - left - right, height - top - bottom
    step = plot_width / max(len(labels) - 1, 1)

    def x(index: int) -> float:
        return left + index * step

    def y(value: float) -> float:
        return top + (1 - min(value, high) / high) * plot_height

    shapes = []
    for fraction in (0.0, 0.5, 1.0):
        level = top + (1 - fraction) * plot_height
        shapes.append(
            f'<line x1="{left}" y1="{level:.1f}" x2="{width - right}" y2="{level:.1f}" '
            f'stroke="{GRID}" stroke-width="{1 if fraction == 0 else 0.5}"/>'
            f'<text x="{left - 6}" y="{level + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{_number(high * fraction, unit)}</text>'
        )
    for index in sorted({0, (len(labels) - 1) // 2, len(labels) - 1}):
        anchor = "start" if index == 0 else "end" if index == len(labels) - 1 else "middle"
        shapes.append(
            f'<text x="{x(index):.1f}" y="{height - 10}" text-anchor="{anchor}" font-size="12" '
            f'fill="{INK}">{escape(labels[index])}</text>'
        )
    legend_x = left
    for (name, points), (colour, dash) in zip(series, STYLES, strict=False):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(points):
            if len(run) == 1:
                index, value = run[0]
                shapes.append(
                    f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}"/>'
                )
            else:
                coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
                shapes.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5" stroke-linejoin="round"{dashed}/>'
                )
        shapes.append(
            f'<line x1="{legend_x}" y1="12" x2="{legend_x + 24}" y2="12" stroke="{colour}" '
            f'stroke-width="2.5"{dashed}/>'
            f'<text x="{legend_x + 30}" y="16" font-size="13" fill="{INK}">{escape(name)}</text>'
        )
        legend_x += 48 + 8 * len(name)
    return head + "".join(shapes) + "</svg>"


def _runs(points: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The unbroken stretches of a series, as (index, value) lists."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(points):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]
