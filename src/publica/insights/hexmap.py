"""The hotspot map: H3 hexagons drawn as server-side SVG, shaded by their count. Pure: cells
and numbers in, markup out; no map tiles, so nothing is fetched when a page is drawn.

Hexagons are projected equirectangularly, longitudes scaled by the cosine of the map's middle
latitude, which keeps them hexagon-shaped at a town's scale. Counts fall into up to five
classes at their quantiles, shaded on a sequential scale that stays readable with any common
colour-vision deficiency (ColorBrewer YlGnBu, without its near-white first step).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape

import h3

__all__ = ["CLASS_COLOURS", "cell_area_km2", "centre", "classes", "hexmap"]

#: Light to dark, one colour per class.
CLASS_COLOURS = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
INK = "#0b0c0c"
EDGE = "#505a5f"

_PAD = 12
_LEGEND_HEIGHT = 52


def centre(cell: str) -> tuple[float, float]:
    """The (latitude, longitude) of a cell's centre, rounded to 4 decimals (about 10 m)."""
    latitude, longitude = h3.cell_to_latlng(cell)
    return round(latitude, 4), round(longitude, 4)


def cell_area_km2(resolution: int) -> float:
    """The average area of a cell at an H3 resolution, in square kilometres."""
    return float(h3.average_hexagon_area(resolution, unit="km^2"))


def classes(values: Sequence[int], count: int = len(CLASS_COLOURS)) -> list[tuple[int, int]]:
    """Up to `count` (lowest, highest) ranges covering `values`, split at their quantiles;
    fewer when there are fewer distinct values. Counts are whole numbers, so each range
    starts one above the previous one's end."""
    ordered = sorted(values)
    if not ordered:
        return []
    uppers: list[int] = []
    for k in range(1, count + 1):
        upper = ordered[math.ceil(k * len(ordered) / count) - 1]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    ranges, lowest = [], ordered[0]
    for upper in uppers:
        ranges.append((lowest, upper))
        lowest = upper + 1
    return ranges


def hexmap(
    cells: Sequence[tuple[str, int]],
    *,
    title: str,
    legend_title: str = "Reports per cell",
    labels: Mapping[str, str] | None = None,
    width: int = 640,
    max_height: int = 480,
) -> str:
    """One hexagon per (H3 cell, count), shaded by class, with a legend of the class ranges
    below. Each hexagon's tooltip is its entry in `labels`, or its count."""
    if not cells:
        return _svg(width, 2 * _PAD, title, "")
    outlines = {cell: _unwrapped(h3.cell_to_boundary(cell)) for cell, _ in cells}
    middle = _middle_latitude(outlines.values())
    squeeze = math.cos(math.radians(middle))
    xs = [lon * squeeze for outline in outlines.values() for _, lon in outline]
    ys = [-lat for outline in outlines.values() for lat, _ in outline]
    left, top = min(xs), min(ys)
    span_x, span_y = (max(xs) - left) or 1e-9, (max(ys) - top) or 1e-9
    room = width - 2 * _PAD
    scale = min(room / span_x, (max_height - 2 * _PAD) / span_y)
    offset_x = _PAD + (room - span_x * scale) / 2
    map_height = span_y * scale + 2 * _PAD
    ranges = classes([count for _, count in cells])
    shapes = []
    for cell, count in cells:
        points = " ".join(
            f"{offset_x + (lon * squeeze - left) * scale:.1f},{_PAD + (-lat - top) * scale:.1f}"
            for lat, lon in outlines[cell]
        )
        label = (labels or {}).get(cell, f"{count:,}")
        shapes.append(
            f'<polygon points="{points}" fill="{_colour(count, ranges)}" stroke="{EDGE}" '
            f'stroke-width="0.5"><title>{escape(label)}</title></polygon>'
        )
    legend = _legend(ranges, legend_title, top=map_height)
    return _svg(width, math.ceil(map_height + _LEGEND_HEIGHT), title, "".join(shapes) + legend)


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="publica-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _unwrapped(boundary: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The outline with longitudes kept on one side of the antimeridian, so a hexagon that
    straddles it is drawn whole rather than across the map."""
    first = boundary[0][1]
    return [
        (lat, lon + 360 if lon - first < -180 else lon - 360 if lon - first > 180 else lon)
        for lat, lon in boundary
    ]


def _middle_latitude(outlines: Iterable[Sequence[tuple[float, float]]]) -> float:
    latitudes = [lat for outline in outlines for lat, _ in outline]
    return (min(latitudes) + max(latitudes)) / 2


def _colour(count: int, ranges: Sequence[tuple[int, int]]) -> str:
    for index, (_, highest) in enumerate(ranges):
        if count <= highest:
            return CLASS_COLOURS[index]
    return CLASS_COLOURS[len(ranges) - 1]


def _legend(ranges: Sequence[tuple[int, int]], legend_title: str, *, top: float) -> str:
    parts = [
        f'<g class="publica-legend"><text x="{_PAD}" y="{top + 14:.1f}" font-size="13" '
        f'fill="{INK}">{escape(legend_title)}</text>'
    ]
    for index, (lowest, highest) in enumerate(ranges):
        x = _PAD + index * 112
        shown = f"{lowest:,}" if lowest == highest else f"{lowest:,}\N{EN DASH}{highest:,}"
        parts.append(
            f'<rect x="{x}" y="{top + 24:.1f}" width="18" height="18" '
            f'fill="{CLASS_COLOURS[index]}" stroke="{EDGE}" stroke-width="0.5"/>'
            f'<text x="{x + 24}" y="{top + 38:.1f}" font-size="13" fill="{INK}">{shown}</text>'
        )
    return "".join(parts) + "</g>"
