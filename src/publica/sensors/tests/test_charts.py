"""The SVG sparklines and map, without Django."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from publica.sensors import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_sparkline_is_an_image_with_its_title_and_one_line() -> None:
    svg = parse(charts.sparkline([(0, 1.0), (60, 3.0), (120, 2.0)], title="Fill <level>"))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Fill <level>"
    lines = svg.findall(f"{SVG}polyline")
    assert len(lines) == 1
    assert len(lines[0].get("points").split()) == 3


def test_the_highest_reading_is_drawn_at_the_top_and_the_lowest_at_the_bottom() -> None:
    svg = parse(charts.sparkline([(0, 10.0), (1, 50.0), (2, 30.0)], title="t", height=40))
    ys = [float(p.split(",")[1]) for p in svg.find(f"{SVG}polyline").get("points").split()]
    assert ys[1] < ys[2] < ys[0]
    assert min(ys) >= 0 and max(ys) <= 40


def test_a_gap_longer_than_max_gap_breaks_the_line() -> None:
    points = [(0, 1.0), (60, 2.0), (7200, 3.0), (7260, 4.0)]
    svg = parse(charts.sparkline(points, title="t", max_gap=600))
    assert len(svg.findall(f"{SVG}polyline")) == 2


def test_a_constant_series_is_a_flat_line_in_the_middle() -> None:
    svg = parse(charts.sparkline([(0, 5.0), (60, 5.0)], title="t", height=40))
    ys = {p.split(",")[1] for p in svg.find(f"{SVG}polyline").get("points").split()}
    assert ys == {"20.0"}


def test_no_points_gives_an_empty_chart_that_still_has_a_title() -> None:
    svg = parse(charts.sparkline([], title="Nothing yet"))
    assert svg.find(f"{SVG}title").text == "Nothing yet"
    assert svg.find(f"{SVG}polyline") is None


def test_a_fixed_time_axis_places_points_by_time() -> None:
    svg = parse(charts.sparkline([(50, 1.0), (100, 2.0)], title="t", width=106, start=0, end=100))
    xs = [float(p.split(",")[0]) for p in svg.find(f"{SVG}polyline").get("points").split()]
    assert xs == [53.0, 103.0]


def test_summary_gives_lowest_highest_and_latest() -> None:
    assert charts.summarise([(0, 4.0), (1, 9.0), (2, 6.0)]) == charts.Summary(3, 4.0, 9.0, 6.0)
    assert charts.summarise([]) == charts.Summary(0, None, None, None)


def test_the_map_puts_north_up_and_east_right_and_escapes_names() -> None:
    points = [
        charts.MapPoint("South west & co", 52.00, -1.00, "bin"),
        charts.MapPoint("North east", 52.05, -0.95, "river"),
    ]
    svg = parse(charts.point_map(points, title="Map"))
    groups = svg.findall(f"{SVG}g")
    assert [g.find(f"{SVG}title").text for g in groups] == ["South west & co", "North east"]
    square = groups[0].find(f"{SVG}rect")
    diamond = groups[1].find(f"{SVG}polygon").get("points").split()
    north_east_x, north_east_y = map(float, diamond[0].split(","))
    assert north_east_x > float(square.get("x"))
    assert north_east_y < float(square.get("y"))
