"""The hotspot map: counting reports per H3 cell, reading them back, drawing them, the page."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET

import pytest

from publica.accounts.models import Department
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.cases.models import Case
from publica.catalogue.models import Service
from publica.insights import hexmap
from publica.insights.filters import Filters
from publica.insights.models import HotspotCount
from publica.insights.selectors.hotspots import hotspot_cells
from publica.insights.services.hotspots import hotspots_rebuild
from publica.testing import load_demo_service

SVG = "{http://www.w3.org/2000/svg}"

# Three resolution-8 cells in Millbrook, and a point at the centre of each (to 1 m; the cells'
# edges are about 500 m long, so each point is well inside its cell).
MARKET = "88195dc4c5fffff"
STATION = "88195dc413fffff"
PARK = "88195dc6ebfffff"
AT = {MARKET: (52.02834, -0.98082), STATION: (52.03607, -0.98527), PARK: (52.06253, -0.93294)}

MONDAY = dt.date(2026, 3, 9)
TUESDAY = dt.date(2026, 3, 10)
_references = itertools.count(1)


def utc(day: dt.date, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC)


def report(
    service: Service,
    at: dt.datetime,
    cell: str | None,
    *,
    duplicate_of: Case | None = None,
) -> Case:
    """A case of `service` submitted at `at`, at the centre of `cell` (None: no point)."""
    latitude, longitude = AT[cell] if cell else (None, None)
    return Case.objects.create(
        reference=f"HOT-{next(_references):05d}",
        service=service,
        service_version=service.current_version,
        department=service.department,
        state="submitted",
        latitude=latitude,
        longitude=longitude,
        submitted_at=at,
        due_at=at + dt.timedelta(days=10),
        updated_at=at,
        duplicate_of=duplicate_of,
    )


def counts() -> set[tuple[dt.date, str, str, int]]:
    return {
        (row.day, row.service.slug, row.cell, row.reports)
        for row in HotspotCount.objects.select_related("service")
    }


@pytest.fixture(autouse=True)
def _resolution_8(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLICA_INSIGHTS_H3_RESOLUTION = 8


@pytest.fixture
def waste(db: None) -> Department:
    return DepartmentFactory(slug="waste", name="Waste and Recycling")


@pytest.fixture
def fly_tipping(waste: Department) -> Service:
    return load_demo_service("fly-tipping")


@pytest.fixture
def town(pothole: Service, fly_tipping: Service) -> dict[str, Case]:
    """Potholes (Highways) and fly-tipping (Waste) over two days, with the cases that must
    not count: a merged duplicate and a report without a point."""
    made = {
        "pothole-market-1": report(pothole, utc(MONDAY, 9), MARKET),
        "pothole-market-2": report(pothole, utc(MONDAY, 23, 59, 59), MARKET),
        "pothole-market-3": report(pothole, utc(TUESDAY, 0), MARKET),
        "pothole-station": report(pothole, utc(TUESDAY, 8), STATION),
        "tipping-market": report(fly_tipping, utc(MONDAY, 10), MARKET),
        "tipping-park-1": report(fly_tipping, utc(TUESDAY, 11), PARK),
        "tipping-park-2": report(fly_tipping, utc(TUESDAY, 15), PARK),
        "no-point": report(pothole, utc(MONDAY, 12), None),
    }
    made["duplicate"] = report(
        pothole, utc(MONDAY, 13), MARKET, duplicate_of=made["pothole-market-1"]
    )
    return made


# The service ---------------------------------------------------------------------------


def test_reports_are_counted_per_utc_day_service_and_cell(town: dict[str, Case]) -> None:
    written = hotspots_rebuild(days=None)

    assert counts() == {
        (MONDAY, "pothole", MARKET, 2),
        (MONDAY, "fly-tipping", MARKET, 1),
        (TUESDAY, "pothole", MARKET, 1),
        (TUESDAY, "pothole", STATION, 1),
        (TUESDAY, "fly-tipping", PARK, 2),
    }
    assert written == 5


def test_each_count_carries_its_services_department(
    town: dict[str, Case], highways: Department, waste: Department
) -> None:
    hotspots_rebuild(days=None)

    departments = set(HotspotCount.objects.values_list("service__slug", "department__slug"))
    assert departments == {("pothole", "highways"), ("fly-tipping", "waste")}


def test_a_merged_duplicate_and_a_report_without_a_point_are_not_counted(
    town: dict[str, Case],
) -> None:
    hotspots_rebuild(days=None)

    monday_potholes = HotspotCount.objects.get(day=MONDAY, service__slug="pothole")
    assert monday_potholes.reports == 2  # of four: one merged, one without a point


def test_a_report_counts_on_its_utc_day_whatever_the_local_time(pothole: Service) -> None:
    london_summer = dt.timezone(dt.timedelta(hours=1))
    # 00:30 in London on 10 June is 23:30 UTC on 9 June.
    report(pothole, dt.datetime(2026, 6, 10, 0, 30, tzinfo=london_summer), MARKET)

    hotspots_rebuild(days=None)

    assert counts() == {(dt.date(2026, 6, 9), "pothole", MARKET, 1)}


def test_a_point_off_the_globe_is_skipped(pothole: Service) -> None:
    wrong = report(pothole, utc(MONDAY), MARKET)
    Case.objects.filter(pk=wrong.pk).update(latitude=152.03)
    report(pothole, utc(MONDAY), MARKET)

    hotspots_rebuild(days=None)

    assert counts() == {(MONDAY, "pothole", MARKET, 1)}


def test_an_application_with_a_point_is_not_counted(parking_permit: Service) -> None:
    report(parking_permit, utc(MONDAY), MARKET)

    assert hotspots_rebuild(days=None) == 0
    assert not HotspotCount.objects.exists()


def test_rebuilding_one_day_leaves_the_other_days_alone(
    town: dict[str, Case], pothole: Service
) -> None:
    hotspots_rebuild(days=None)
    report(pothole, utc(MONDAY, 14), STATION)
    report(pothole, utc(TUESDAY, 14), STATION)  # not recounted yet

    written = hotspots_rebuild(days=[MONDAY])

    assert written == 3
    assert counts() == {
        (MONDAY, "pothole", MARKET, 2),
        (MONDAY, "pothole", STATION, 1),
        (MONDAY, "fly-tipping", MARKET, 1),
        (TUESDAY, "pothole", MARKET, 1),
        (TUESDAY, "pothole", STATION, 1),
        (TUESDAY, "fly-tipping", PARK, 2),
    }


def test_rebuilding_a_day_drops_a_report_merged_since(town: dict[str, Case]) -> None:
    hotspots_rebuild(days=None)
    Case.objects.filter(pk=town["tipping-park-2"].pk).update(duplicate_of=town["tipping-park-1"])

    hotspots_rebuild(days=[TUESDAY])

    assert HotspotCount.objects.get(day=TUESDAY, cell=PARK).reports == 1


def test_rebuilding_days_apart_reads_only_those_days(
    town: dict[str, Case], pothole: Service
) -> None:
    wednesday = TUESDAY + dt.timedelta(days=1)
    report(pothole, utc(wednesday), PARK)

    hotspots_rebuild(days={MONDAY, wednesday})

    assert {day for day, *_ in counts()} == {MONDAY, wednesday}


def test_a_full_rebuild_replaces_every_row(town: dict[str, Case], pothole: Service) -> None:
    HotspotCount.objects.create(
        day=dt.date(2020, 1, 1), service=pothole, department=pothole.department, cell=PARK,
        reports=99,
    )  # fmt: skip

    hotspots_rebuild(days=None)

    assert not HotspotCount.objects.filter(day=dt.date(2020, 1, 1)).exists()
    assert HotspotCount.objects.count() == 5


def test_rebuilding_no_days_writes_nothing(town: dict[str, Case]) -> None:
    assert hotspots_rebuild(days=[]) == 0
    assert not HotspotCount.objects.exists()


def test_cells_follow_the_configured_resolution(town: dict[str, Case], settings) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLICA_INSIGHTS_H3_RESOLUTION = 5

    hotspots_rebuild(days=None)

    cells = set(HotspotCount.objects.values_list("cell", flat=True))
    assert cells == {"85195dc7fffffff"}  # the whole town in one resolution-5 cell


# The selector --------------------------------------------------------------------------


def both_days(**chosen: int) -> Filters:
    return Filters(start=MONDAY, end=TUESDAY, **chosen)


def test_cells_sum_over_the_period_largest_first(town: dict[str, Case]) -> None:
    hotspots_rebuild(days=None)

    found = hotspot_cells(filters=both_days())

    assert [(cell.cell, cell.reports) for cell in found.cells] == [
        (MARKET, 4),
        (PARK, 2),
        (STATION, 1),
    ]
    assert found.reports == 7


def test_each_cell_names_the_service_most_of_its_reports_were_for(
    town: dict[str, Case],
) -> None:
    hotspots_rebuild(days=None)

    found = {cell.cell: cell for cell in hotspot_cells(filters=both_days()).cells}

    assert (found[MARKET].top_service, found[MARKET].top_service_reports) == (
        "Report a pothole",
        3,
    )
    assert found[PARK].top_service == Service.objects.get(slug="fly-tipping").title


def test_cells_filtered_by_service(town: dict[str, Case], fly_tipping: Service) -> None:
    hotspots_rebuild(days=None)

    found = hotspot_cells(filters=both_days(service=fly_tipping.pk))

    assert [(cell.cell, cell.reports) for cell in found.cells] == [(PARK, 2), (MARKET, 1)]


def test_cells_filtered_by_department(town: dict[str, Case], highways: Department) -> None:
    hotspots_rebuild(days=None)

    found = hotspot_cells(filters=both_days(department=highways.pk))

    assert [(cell.cell, cell.reports) for cell in found.cells] == [(MARKET, 3), (STATION, 1)]


def test_cells_filtered_by_period(town: dict[str, Case]) -> None:
    hotspots_rebuild(days=None)

    monday = hotspot_cells(filters=Filters(start=MONDAY, end=MONDAY))
    later = hotspot_cells(filters=Filters(start=TUESDAY + dt.timedelta(days=1), end=TUESDAY))

    assert [(cell.cell, cell.reports) for cell in monday.cells] == [(MARKET, 3)]
    assert later.cells == [] and later.reports == 0


# The map -------------------------------------------------------------------------------


def test_the_map_has_one_hexagon_per_cell_each_titled_with_its_count() -> None:
    drawn = ET.fromstring(hexmap.hexmap([(MARKET, 4), (PARK, 2), (STATION, 1)], title="Map"))

    polygons = drawn.findall(f"{SVG}polygon")
    assert len(polygons) == 3
    assert [polygon.find(f"{SVG}title").text for polygon in polygons] == ["4", "2", "1"]  # type: ignore[union-attr]
    assert all(len(polygon.get("points", "").split()) == 6 for polygon in polygons)
    assert drawn.get("role") == "img" and drawn.find(f"{SVG}title").text == "Map"  # type: ignore[union-attr]


def test_the_map_stays_inside_its_view_box() -> None:
    drawn = ET.fromstring(hexmap.hexmap([(MARKET, 4), (PARK, 2)], title="Map", width=400))

    _, _, width, height = (float(n) for n in drawn.get("viewBox", "").split())
    points = [
        tuple(float(n) for n in pair.split(","))
        for polygon in drawn.findall(f"{SVG}polygon")
        for pair in polygon.get("points", "").split()
    ]
    assert width == 400
    assert all(0 <= x <= width and 0 <= y <= height for x, y in points)


def test_the_legend_gives_each_class_its_range_and_colour() -> None:
    cells = [(MARKET, 1), (PARK, 2), (STATION, 10)]

    drawn = ET.fromstring(hexmap.hexmap(cells, title="Map", legend_title="Reports"))

    legend = drawn.find(f"{SVG}g")
    assert legend is not None
    shown = [text.text for text in legend.findall(f"{SVG}text")]
    assert shown == ["Reports", "1", "2", "3\N{EN DASH}10"]
    fills = [polygon.get("fill") for polygon in drawn.findall(f"{SVG}polygon")]
    assert fills == [rect.get("fill") for rect in legend.findall(f"{SVG}rect")]
    assert len(set(fills)) == 3


def test_labels_replace_the_count_in_a_hexagons_title() -> None:
    drawn = hexmap.hexmap([(MARKET, 4)], title="Map", labels={MARKET: "4 reports <here>"})

    assert "<title>4 reports &lt;here&gt;</title>" in drawn


def test_an_empty_map_is_a_valid_svg_image_with_its_title() -> None:
    drawn = ET.fromstring(hexmap.hexmap([], title="No reports"))

    assert drawn.get("role") == "img"
    assert drawn.find(f"{SVG}title").text == "No reports"  # type: ignore[union-attr]
    assert drawn.findall(f"{SVG}polygon") == []


def test_classes_split_counts_at_their_quantiles() -> None:
    assert hexmap.classes(list(range(1, 11))) == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert hexmap.classes([1, 1, 1, 1, 50]) == [(1, 1), (2, 50)]
    assert hexmap.classes([3]) == [(3, 3)]
    assert hexmap.classes([]) == []


def test_a_cells_centre_is_rounded_to_four_decimals() -> None:
    assert hexmap.centre(MARKET) == (52.0283, -0.9808)


# The page ------------------------------------------------------------------------------

PAGE = "/staff/insights/hotspots/"
BOTH_DAYS = {"from": MONDAY.isoformat(), "to": TUESDAY.isoformat()}


def test_the_page_draws_the_map_with_its_table(
    town: dict[str, Case],
    staff_client,
    db: None,  # type: ignore[no-untyped-def]
) -> None:
    hotspots_rebuild(days=None)
    client = staff_client(UserFactory(admin=True))

    response = client.get(PAGE, BOTH_DAYS)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<polygon") == 3
    assert f'<th scope="row" class="govuk-table__header">{MARKET}</th>' in html
    assert "Download these figures (CSV)" in html


def test_the_csv_has_each_cell_with_its_centre_and_reports(
    town: dict[str, Case],
    staff_client,
    db: None,  # type: ignore[no-untyped-def]
) -> None:
    hotspots_rebuild(days=None)
    client = staff_client(UserFactory(admin=True))

    response = client.get(PAGE, {**BOTH_DAYS, "csv": "hotspots"})

    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == [
        "Cell,Centre latitude,Centre longitude,Reports",
        f"{MARKET},52.0283,-0.9808,4",
        f"{PARK},52.0625,-0.9329,2",
        f"{STATION},52.0361,-0.9853,1",
    ]


def test_the_busiest_areas_csv_names_each_cells_top_service(
    town: dict[str, Case],
    staff_client,
    db: None,  # type: ignore[no-untyped-def]
) -> None:
    hotspots_rebuild(days=None)
    client = staff_client(UserFactory(admin=True))

    response = client.get(PAGE, {**BOTH_DAYS, "csv": "busiest-areas"})

    lines = response.content.decode().splitlines()
    assert lines[1] == f"{MARKET},52.0283,-0.9808,4,Report a pothole,3"


def test_a_caseworker_sees_only_their_departments_reports(
    town: dict[str, Case],
    caseworker,
    staff_client,
    waste: Department,  # type: ignore[no-untyped-def]
) -> None:
    hotspots_rebuild(days=None)
    client = staff_client(caseworker)

    asked_for_waste = client.get(PAGE, {**BOTH_DAYS, "department": waste.pk, "csv": "hotspots"})

    assert asked_for_waste.content.decode().splitlines()[1:] == [
        f"{MARKET},52.0283,-0.9808,3",
        f"{STATION},52.0361,-0.9853,1",
    ]


def test_with_no_reports_the_page_says_so(staff_client, db: None) -> None:  # type: ignore[no-untyped-def]
    client = staff_client(UserFactory(admin=True))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "No cases match these filters." in response.content.decode()


def test_a_resident_may_not_see_the_map(client, db: None) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(role=Role.RESIDENT))

    assert client.get(PAGE).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, db: None) -> None:  # type: ignore[no-untyped-def]
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in/")
