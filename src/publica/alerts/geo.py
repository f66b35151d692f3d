"""Areas on the Earth's surface and whether two of them meet. No Django here.

An area is a circle (a centre and a radius in metres) or a polygon (a ward's boundary, its
corners as latitude and longitude in order). Distances use the haversine formula on a sphere
of the Earth's mean radius, good to about 0.5 %, which is plenty for "is this street in the
alert's area". Polygons are compared with circles on a local flat projection around the
circle's centre, accurate over the tens of kilometres a council covers. Areas crossing the
180° meridian are not supported (no council straddles it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "Area",
    "Box",
    "Circle",
    "Polygon",
    "bounding_box",
    "circle_meets",
    "circle_overlaps_polygon",
    "circles_overlap",
    "distance_m",
    "point_in_polygon",
]

#: The Earth's mean radius (IUGG), in metres.
EARTH_RADIUS_M = 6_371_008.8
#: Metres in one degree of latitude on that sphere.
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180

Point: TypeAlias = tuple[float, float]  # (latitude, longitude) in degrees


@dataclass(frozen=True)
class Circle:
    latitude: float
    longitude: float
    radius_m: float


@dataclass(frozen=True)
class Polygon:
    """A simple polygon; the last corner joins the first, so it need not be repeated."""

    corners: tuple[Point, ...]

    def __post_init__(self) -> None:
        if len(self.corners) < 3:
            raise ValueError("a polygon needs at least three corners")


Area: TypeAlias = "Circle | Polygon"


@dataclass(frozen=True)
class Box:
    """A latitude and longitude range, for a coarse filter before the exact test."""

    south: float
    west: float
    north: float
    east: float

    def grown(self, metres: float) -> Box:
        """The box with `metres` more on every side."""
        dlat = metres / METRES_PER_DEGREE
        widest = min(89.9, max(abs(self.south - dlat), abs(self.north + dlat)))
        dlon = min(180.0, metres / (METRES_PER_DEGREE * math.cos(math.radians(widest))))
        return Box(
            south=max(-90.0, self.south - dlat),
            west=max(-180.0, self.west - dlon),
            north=min(90.0, self.north + dlat),
            east=min(180.0, self.east + dlon),
        )


def distance_m(a: Point, b: Point) -> float:
    """The great-circle distance between two points, in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def circles_overlap(a: Circle, b: Circle) -> bool:
    """True when the circles share at least one point (touching counts)."""
    centres = distance_m((a.latitude, a.longitude), (b.latitude, b.longitude))
    return centres <= a.radius_m + b.radius_m


def point_in_polygon(point: Point, polygon: Polygon) -> bool:
    """True when the point is inside the polygon (ray casting; the even-odd rule)."""
    return _inside(point[1], point[0], [(lon, lat) for lat, lon in polygon.corners])


def circle_overlaps_polygon(circle: Circle, polygon: Polygon) -> bool:
    """True when the circle and the polygon share at least one point: the centre is inside
    the polygon, or some edge comes within the radius of the centre."""
    ring = [_project(corner, circle) for corner in polygon.corners]
    if _inside(0.0, 0.0, ring):
        return True
    edges = zip(ring, ring[1:] + ring[:1], strict=True)
    return any(_distance_to_segment(start, end) <= circle.radius_m for start, end in edges)


def circle_meets(circle: Circle, area: Area) -> bool:
    """True when the circle shares at least one point with the area (circle or polygon).
    Two polygons are never compared: a ward matches only itself."""
    if isinstance(area, Circle):
        return circles_overlap(circle, area)
    return circle_overlaps_polygon(circle, area)


def bounding_box(area: Area) -> Box:
    """The smallest latitude and longitude range holding the whole area."""
    if isinstance(area, Polygon):
        lats = [lat for lat, _ in area.corners]
        lons = [lon for _, lon in area.corners]
        return Box(south=min(lats), west=min(lons), north=max(lats), east=max(lons))
    point = Box(area.latitude, area.longitude, area.latitude, area.longitude)
    return point.grown(area.radius_m)


# Flat geometry on (x, y) pairs


def _project(point: Point, origin: Circle) -> tuple[float, float]:
    """Metres east and north of the origin (equirectangular, scaled at the origin)."""
    lat, lon = point
    x = (lon - origin.longitude) * METRES_PER_DEGREE * math.cos(math.radians(origin.latitude))
    y = (lat - origin.latitude) * METRES_PER_DEGREE
    return x, y


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


def _distance_to_segment(start: tuple[float, float], end: tuple[float, float]) -> float:
    """Distance from the origin (0, 0) to the segment from start to end."""
    (x1, y1), (x2, y2) = start, end
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(x1 * dx + y1 * dy) / length2))
    return math.hypot(x1 + t * dx, y1 + t * dy)
