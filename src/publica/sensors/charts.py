"""Server-rendered SVG for the back office: sparklines of readings and a plain map of things.

Pure: no Django. Every chart is an `<svg role="img">` with a title, so a screen reader hears
what it shows; pages put the numbers beside it as text too (`Summary`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["MapPoint", "Summary", "point_map", "sparkline", "summarise"]

LINE = "#1d70b8"
MARK = "#0b0c0c"


@dataclass(frozen=True)
class Summary:
    """The text alternative of a chart: the lowest, highest and latest value."""

    count: int
    minimum: float | None
    maximum: float | None
    latest: float | None


def summarise(points: Sequence[tuple[float, float]]) -> Summary:
    """`points` are (time in seconds, value) in time order."""
    if not points:
        return Summary(0, None, None, None)
    values = [value for _, value in points]
    return Summary(len(values), min(values), max(values), values[-1])


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def sparkline(
    points: Sequence[tuple[float, float]],
    *,
    title: str,
    width: int = 160,
    height: int = 40,
    start: float | None = None,
    end: float | None = None,
    max_gap: float | None = None,
) -> str:
    """A line of (time, value) points scaled to the box; the line breaks where two readings
    are more than `max_gap` seconds apart, so a sensor that went quiet shows as a gap.
    `start`/`end` fix the time axis (say, the last 24 hours); otherwise the points set it."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-sparkline" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )
    usable = [(t, v) for t, v in points if math.isfinite(t) and math.isfinite(v)]
    if not usable:
        return head + "</svg>"
    pad = 3
    t0 = usable[0][0] if start is None else start
    t1 = usable[-1][0] if end is None else end
    low = min(v for _, v in usable)
    high = max(v for _, v in usable)
    span_t = (t1 - t0) or 1.0
    span_v = (high - low) or 1.0

    def x(t: float) -> float:
        return pad + (t - t0) / span_t * (width - 2 * pad)

    def y(v: float) -> float:
        if high == low:  # a flat line sits in the middle rather than on the floor
            return height / 2
        return height - pad - (v - low) / span_v * (height - 2 * pad)

    runs: list[list[tuple[float, float]]] = [[usable[0]]]
    for previous, point in itertools.pairwise(usable):
        if max_gap is not None and point[0] - previous[0] > max_gap:
            runs.append([])
        runs[-1].append(point)
    shapes = []
    for run in runs:
        coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
        if len(run) == 1:
            shapes.append(
                f'<circle cx="{coords.split(",")[0]}" cy="{coords.split(",")[1]}" '
                f'r="1.5" fill="{LINE}"/>'
            )
        else:
            shapes.append(
                f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="1.5" '
                f'stroke-linejoin="round"/>'
            )
    last_t, last_v = usable[-1]
    shapes.append(f'<circle cx="{x(last_t):.1f}" cy="{y(last_v):.1f}" r="2.5" fill="{MARK}"/>')
    return head + "".join(shapes) + "</svg>"


@dataclass(frozen=True)
class MapPoint:
    label: str
    latitude: float
    longitude: float
    kind: str = ""


# A shape per kind, so the map does not rely on colour alone.
SHAPES = {"bin": "square", "streetlight": "triangle", "river": "diamond"}


def _shape(kind: str, cx: float, cy: float) -> str:
    shape = SHAPES.get(kind, "circle")
    r = 6
    if shape == "square":
        return (
            f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r}" height="{2 * r}" '
            f'fill="#0b5c55" stroke="#fff"/>'
        )
    if shape == "triangle":
        return (
            f'<polygon points="{cx:.1f},{cy - r - 1:.1f} {cx + r:.1f},{cy + r:.1f} '
            f'{cx - r:.1f},{cy + r:.1f}" fill="#f47738" stroke="#0b0c0c"/>'
        )
    if shape == "diamond":
        return (
            f'<polygon points="{cx:.1f},{cy - r - 2:.1f} {cx + r + 2:.1f},{cy:.1f} '
            f'{cx:.1f},{cy + r + 2:.1f} {cx - r - 2:.1f},{cy:.1f}" fill="#1d70b8" '
            f'stroke="#fff"/>'
        )
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="#912b88" stroke="#fff"/>'


def point_map(
    points: Sequence[MapPoint], *, title: str, width: int = 640, height: int = 360
) -> str:
    """The things as marks on a plain background, north up, east and north distances to the
    same scale (longitude shrunk by cos(latitude)); each mark has its name as a tooltip."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-point-map" role="img" '
        f'width="100%" viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#f3f2f1" stroke="#b1b4b6"/>'
    )
    if not points:
        return head + "</svg>"
    mid_lat = sum(p.latitude for p in points) / len(points)
    shrink = math.cos(math.radians(mid_lat))
    xs = [p.longitude * shrink for p in points]
    ys = [p.latitude for p in points]
    pad = 24
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
    scale = min((width - 2 * pad), (height - 2 * pad)) / span
    off_x = (width - (max(xs) - min(xs)) * scale) / 2
    off_y = (height - (max(ys) - min(ys)) * scale) / 2
    marks = []
    for point, px, py in zip(points, xs, ys, strict=True):
        cx = off_x + (px - min(xs)) * scale
        cy = height - (off_y + (py - min(ys)) * scale)
        marks.append(f"<g><title>{escape(point.label)}</title>{_shape(point.kind, cx, cy)}</g>")
    return head + "".join(marks) + "</svg>"
