"""The forecast chart, drawn on the server as SVG: the weeks so far as a line, the forecast as
a dashed line, and its prediction interval as a band, with a legend. Pure: dates and numbers
in, markup out; the page puts the same figures in a table for screen readers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape

__all__ = ["chart"]

HISTORY = "#1d70b8"
FORECAST = "#0b0c0c"
BAND = "#c8dcf0"
INK = "#0b0c0c"
GRID = "#b1b4b6"

WEEK_DAYS = 7


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def _label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def chart(
    history: Sequence[tuple[dt.date, float]],
    forecast: Sequence[tuple[dt.date, float, float, float]],
    *,
    title: str,
    legend: tuple[str, str, str] = ("Weeks so far", "Forecast", "80% range"),
    width: int = 640,
    height: int = 240,
) -> str:
    """`history` is (week, count), `forecast` is (week, expected, low, high), each by the
    week's Monday; weeks sit on the x axis by date, so a forecast made a while ago still lines
    up with the weeks that have since happened. `legend` names the line so far, the forecast
    and the band."""
    left, right, top, bottom = 56, 12, 28, 28
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )
    weeks = [week for week, _ in history] + [row[0] for row in forecast]
    if not weeks:
        return head + "</svg>"
    first, last = min(weeks), max(weeks)
    span_weeks = max((last - first).days // WEEK_DAYS, 1)
    high = max([value for _, value in history] + [row[3] for row in forecast] + [1.0])
    plot_width, plot_height = width - left - right, height - top - bottom

    def x(week: dt.date) -> float:
        return left + (week - first).days / WEEK_DAYS / span_weeks * plot_width

    def y(value: float) -> float:
        return top + (high - max(value, 0.0)) / high * plot_height

    axis = top + plot_height
    shapes = [
        f'<line x1="{left}" y1="{y(high):.1f}" x2="{width - right}" y2="{y(high):.1f}" '
        f'stroke="{GRID}" stroke-dasharray="2 3"/>',
        f'<line x1="{left}" y1="{axis}" x2="{width - right}" y2="{axis}" stroke="{GRID}"/>',
        f'<text x="{left - 6}" y="{y(high) + 4:.1f}" text-anchor="end" font-size="12" '
        f'fill="{INK}">{_number(high)}</text>',
        f'<text x="{left - 6}" y="{axis + 4}" text-anchor="end" font-size="12" '
        f'fill="{INK}">0</text>',
        f'<text x="{left}" y="{height - 8}" font-size="12" fill="{INK}">'
        f"{escape(_label(first))}</text>",
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end" font-size="12" '
        f'fill="{INK}">{escape(_label(last))}</text>',
    ]
    if forecast:
        band = [f"{x(w):.1f},{y(high_):.1f}" for w, _, _, high_ in forecast]
        band += [f"{x(w):.1f},{y(low):.1f}" for w, _, low, _ in reversed(forecast)]
        shapes.append(f'<polygon class="interval" points="{" ".join(band)}" fill="{BAND}"/>')
    shapes.append(_line([(w, v) for w, v in history], x, y, HISTORY, "history", dashed=False))
    if forecast:
        # The dashed line starts at the last week so far, so the two lines join up.
        joined = [history[-1]] if history and history[-1][0] < forecast[0][0] else []
        points = joined + [(w, expected) for w, expected, _, _ in forecast]
        shapes.append(_line(points, x, y, FORECAST, "forecast", dashed=True))
    shapes.append(_legend(left, legend))
    return head + "".join(shapes) + "</svg>"


def _line(
    points: Sequence[tuple[dt.date, float]],
    x: Callable[[dt.date], float],
    y: Callable[[float], float],
    colour: str,
    name: str,
    *,
    dashed: bool,
) -> str:
    if not points:
        return ""
    if len(points) == 1:
        week, value = points[0]
        return (
            f'<circle class="{name}" cx="{x(week):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}"/>'
        )
    coords = " ".join(f"{x(week):.1f},{y(value):.1f}" for week, value in points)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return (
        f'<polyline class="{name}" points="{coords}" fill="none" stroke="{colour}" '
        f'stroke-width="2" stroke-linejoin="round"{dash}/>'
    )


def _legend(left: int, names: tuple[str, str, str]) -> str:
    so_far, forecast, interval = (escape(name) for name in names)
    items = [
        f'<line x1="0" y1="0" x2="20" y2="0" stroke="{HISTORY}" stroke-width="2"/>'
        f'<text x="26" y="4" font-size="12" fill="{INK}">{so_far}</text>',
        f'<line x1="0" y1="0" x2="20" y2="0" stroke="{FORECAST}" stroke-width="2" '
        f'stroke-dasharray="6 4"/><text x="26" y="4" font-size="12" fill="{INK}">{forecast}</text>',
        f'<rect x="0" y="-6" width="20" height="12" fill="{BAND}"/>'
        f'<text x="26" y="4" font-size="12" fill="{INK}">{interval}</text>',
    ]
    placed = "".join(
        f'<g transform="translate({left + n * 140},12)">{item}</g>' for n, item in enumerate(items)
    )
    return f'<g class="legend">{placed}</g>'
