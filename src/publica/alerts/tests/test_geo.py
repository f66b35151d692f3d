"""Areas and whether they meet: pure geometry, no database."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publica.alerts import geo

CENTRE = (52.0312, -0.9876)
# A square ward about 1.1 km a side with the centre at its south-west corner.
SQUARE = geo.Polygon(((52.0312, -0.9876), (52.0312, -0.9716), (52.0412, -0.9716),
                      (52.0412, -0.9876)))  # fmt: skip
# An L-shaped ward: the square with its north-east quarter cut away.
L_SHAPE = geo.Polygon(((0.0, 0.0), (0.0, 2.0), (1.0, 2.0), (1.0, 1.0), (2.0, 1.0), (2.0, 0.0)))

latitudes = st.floats(min_value=-80, max_value=80)
longitudes = st.floats(min_value=-170, max_value=170)
radii = st.floats(min_value=1, max_value=50_000)


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / geo.METRES_PER_DEGREE, point[1]


def test_one_degree_of_latitude_is_about_111_km():
    assert geo.distance_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195, abs=1)


def test_london_to_paris_is_about_344_km():
    london, paris = (51.5074, -0.1278), (48.8566, 2.3522)
    assert geo.distance_m(london, paris) == pytest.approx(343_500, rel=0.005)


def test_a_degree_of_longitude_shrinks_with_the_cosine_of_latitude():
    at_60 = geo.distance_m((60.0, 0.0), (60.0, 1.0))
    assert at_60 == pytest.approx(111_195 * math.cos(math.radians(60)), rel=0.001)


def test_circles_overlap_when_centres_are_closer_than_the_radii_together():
    a = geo.Circle(*CENTRE, 300)
    assert geo.circles_overlap(a, geo.Circle(*north(CENTRE, 500), 250))
    assert geo.circles_overlap(a, geo.Circle(*north(CENTRE, 500), 201))  # just touching
    assert not geo.circles_overlap(a, geo.Circle(*north(CENTRE, 500), 150))


def test_a_circle_inside_another_overlaps_it():
    assert geo.circles_overlap(geo.Circle(*CENTRE, 5000), geo.Circle(*north(CENTRE, 10), 50))


def test_point_in_polygon_follows_the_boundary_of_a_concave_ward():
    assert geo.point_in_polygon((0.5, 0.5), L_SHAPE)
    assert geo.point_in_polygon((0.5, 1.5), L_SHAPE)
    assert geo.point_in_polygon((1.5, 0.5), L_SHAPE)
    assert not geo.point_in_polygon((1.5, 1.5), L_SHAPE)  # the cut-away corner
    assert not geo.point_in_polygon((-0.1, 0.5), L_SHAPE)


def test_a_circle_meets_a_polygon_when_its_centre_is_inside():
    inside = (52.036, -0.98)
    assert geo.circle_overlaps_polygon(geo.Circle(*inside, 50), SQUARE)


def test_a_circle_meets_a_polygon_when_an_edge_is_within_its_radius():
    # 200 m south of the square's southern edge, halfway along it.
    south = (52.0312 - 200 / geo.METRES_PER_DEGREE, -0.98)
    assert geo.circle_overlaps_polygon(geo.Circle(*south, 250), SQUARE)
    assert not geo.circle_overlaps_polygon(geo.Circle(*south, 150), SQUARE)


def test_a_circle_near_a_corner_meets_it_only_within_reach():
    beyond = (52.0312 - 300 / geo.METRES_PER_DEGREE, -0.9876)  # 300 m south of a corner
    assert geo.circle_overlaps_polygon(geo.Circle(*beyond, 310), SQUARE)
    assert not geo.circle_overlaps_polygon(geo.Circle(*beyond, 290), SQUARE)


def test_a_circle_around_the_whole_polygon_meets_it():
    assert geo.circle_overlaps_polygon(geo.Circle(52.036, -0.98, 20_000), SQUARE)


def test_circle_meets_takes_either_kind_of_area():
    circle = geo.Circle(52.036, -0.98, 50)
    assert geo.circle_meets(circle, SQUARE)
    assert geo.circle_meets(circle, geo.Circle(52.036, -0.98, 10))
    assert not geo.circle_meets(circle, geo.Circle(53.0, -0.98, 10))


def test_a_polygon_needs_three_corners():
    with pytest.raises(ValueError, match="three corners"):
        geo.Polygon(((0.0, 0.0), (1.0, 1.0)))


def test_the_bounding_box_of_a_polygon_is_its_extremes():
    assert geo.bounding_box(L_SHAPE) == geo.Box(south=0.0, west=0.0, north=2.0, east=2.0)


@given(latitudes, longitudes, radii, latitudes, longitudes, radii)
def test_overlap_does_not_depend_on_the_order(lat1, lon1, r1, lat2, lon2, r2):
    a, b = geo.Circle(lat1, lon1, r1), geo.Circle(lat2, lon2, r2)
    assert geo.circles_overlap(a, b) == geo.circles_overlap(b, a)


@given(latitudes, longitudes, radii, st.floats(min_value=0, max_value=2 * math.pi))
def test_every_point_of_a_circle_is_in_its_bounding_box(lat, lon, radius, bearing):
    box = geo.bounding_box(geo.Circle(lat, lon, radius))
    # A point `radius` metres away on `bearing`, by the flat approximation the box uses.
    dlat = radius * math.cos(bearing) / geo.METRES_PER_DEGREE
    dlon = radius * math.sin(bearing) / (geo.METRES_PER_DEGREE * math.cos(math.radians(lat)))
    assert box.south - 1e-9 <= lat + dlat * 0.999 <= box.north + 1e-9
    assert box.west - 1e-9 <= lon + dlon * 0.999 <= box.east + 1e-9


@given(latitudes, longitudes, st.floats(min_value=1, max_value=20_000))
def test_a_grown_box_holds_every_point_within_that_distance(lat, lon, metres):
    box = geo.Box(lat, lon, lat, lon).grown(metres)
    for target in (north((lat, lon), metres * 0.999), north((lat, lon), -metres * 0.999)):
        assert box.south <= target[0] <= box.north
    assert geo.distance_m((lat, lon), (lat, box.east)) >= metres * 0.999
