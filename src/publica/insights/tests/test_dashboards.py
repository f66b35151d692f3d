"""The staff dashboards and the public performance page, over the hand-made town of
`town.py`: every figure drawn, its table and CSV, the filters, who sees what, and small
numbers kept from the public."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case
from publica.core import clock
from publica.insights.models import Rating
from publica.insights.tests.town import NOW

MARCH = "from=2026-03-01&to=2026-03-31"
PAGES = ("/staff/insights/", "/staff/insights/performance/", "/staff/insights/workload/")


@pytest.fixture
def admin_client(staff_client, highways) -> Client:  # type: ignore[no-untyped-def]
    return staff_client(UserFactory(role=Role.ADMIN))


def rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("page", PAGES)
def test_each_dashboard_draws_its_figures_with_tables_and_csv_links(
    page: str, town: dict, admin_client: Client
) -> None:
    with clock.at(NOW):
        response = admin_client.get(f"{page}?{MARCH}")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="publica-insight"') >= 4
    assert html.count("<svg") >= 4
    assert "The figures in this chart" in html
    assert "csv=" in html


def test_the_flow_csv_has_the_weekly_numbers(town: dict, admin_client: Client) -> None:
    response = admin_client.get(f"/staff/insights/?{MARCH}&csv=flow-by-week")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert rows(response) == [
        ["Week starting", "Opened", "Closed"],
        ["2026-02-23", "0", "0"],
        ["2026-03-02", "1", "0"],
        ["2026-03-09", "4", "1"],
        ["2026-03-16", "1", "1"],
        ["2026-03-23", "0", "2"],
    ]


def test_the_service_level_csv_has_shares_and_medians(town: dict, admin_client: Client) -> None:
    response = admin_client.get(f"/staff/insights/performance/?{MARCH}&csv=sla-by-service")
    assert rows(response)[1:] == [
        ["Apply for a resident parking permit", "1", "1", "100.0", "0.0"],
        ["Report a pothole", "3", "2", "66.7", "16.0"],
    ]


def test_overdue_and_at_risk_link_into_the_queue(town: dict, admin_client: Client) -> None:
    with clock.at(NOW):
        page = admin_client.get(f"/staff/insights/?{MARCH}").content.decode()
        csv_rows = rows(admin_client.get(f"/staff/insights/?{MARCH}&csv=late-by-service"))
        queue = admin_client.get("/staff/?view=at-risk").content.decode()
    assert csv_rows[1] == ["Report a pothole", "2", "1", "1"]
    assert "/staff/?view=overdue" in page and "/staff/?view=at-risk" in page
    assert Case.objects.get(pk=town["f"].pk).reference in queue
    assert Case.objects.get(pk=town["e"].pk).reference not in queue  # overdue, not at risk


def test_an_unknown_figure_is_not_found(town: dict, admin_client: Client) -> None:
    assert admin_client.get("/staff/insights/?csv=nothing").status_code == 404


def test_bad_filters_are_named_and_the_page_still_shows_figures(admin_client: Client) -> None:
    response = admin_client.get("/staff/insights/?from=2026-04-01&to=2026-03-01&service=x")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The start date must be on or before the end date" in html
    assert 'href="#filter-from"' in html and 'href="#filter-service"' in html


def test_a_caseworker_sees_only_their_department(
    town: dict, staff_client, parking, caseworker: User
) -> None:  # type: ignore[no-untyped-def]
    client = staff_client(caseworker)
    other = parking.pk
    response = client.get(
        f"/staff/insights/performance/?{MARCH}&department={other}&csv=sla-by-service"
    )
    assert [row[0] for row in rows(response)[1:]] == ["Report a pothole"]


def test_residents_and_strangers_are_kept_out(town: dict, client: Client, resident: User) -> None:
    assert client.get("/staff/insights/").status_code == 302
    client.force_login(resident)
    assert client.get("/staff/insights/").status_code == 403


def test_the_public_page_shows_the_staff_figures_with_small_numbers_suppressed(
    town: dict, client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLICA_OPENDATA_MIN_COUNT = 3
    pothole = town["pothole"]
    Rating.objects.bulk_create(
        Rating(service=pothole, department=pothole.department, day=dt.date(2026, 3, 20), score=s)
        for s in (5, 4, 2)
    )
    response = client.get(f"/performance/?{MARCH}&csv=services")
    assert rows(response)[1:] == [
        ["Report a pothole", "Highways", "5", "66.7", "16.0", "80.0", "66.7"],
        # One permit: too few to show anything but that there were fewer than three.
        ["Apply for a resident parking permit", "Parking Services", "", "", "", "", ""],
    ]
    page = client.get(f"/performance/?{MARCH}")
    assert page.status_code == 200
    assert "How our services are doing" in page.content.decode()
