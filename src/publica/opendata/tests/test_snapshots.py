"""The snapshots behind the service-request datasets: what they publish and what they hold back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from publica.accounts.models import Organisation
from publica.cases.models import Case
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.opendata.models import DailyVolumeRow, ServiceRequestRow, SlaPerformanceRow
from publica.opendata.services import datasets_publish

pytestmark = pytest.mark.django_db


def _reports(pothole: Service, count: int, *, latitude: float, longitude: float) -> list[Case]:
    place = {"latitude": latitude, "longitude": longitude, "address": "Somewhere"}
    return [submit_pothole(pothole, location=place) for _ in range(count)]


def test_service_request_rows_publish_service_status_and_hour_but_no_text_or_point(
    pothole: Service, council: Organisation
) -> None:
    _reports(pothole, 5, latitude=52.0312, longitude=-0.9871)
    datasets_publish()
    rows = list(ServiceRequestRow.objects.values())
    assert len(rows) == 5
    row = rows[0]
    assert row["service_code"] == "pothole"
    assert row["status"] == "open"
    assert row["opened_at"].minute == 0 and row["opened_at"].second == 0
    assert row["area"] == "5203:-99"
    assert row["area_latitude"] == pytest.approx(52.035)
    assert row["area_longitude"] == pytest.approx(-0.985)
    assert "Somewhere" not in str(rows)


def test_a_cell_with_fewer_reports_than_the_threshold_is_withheld(
    pothole: Service, council: Organisation
) -> None:
    _reports(pothole, 5, latitude=52.0312, longitude=-0.9871)
    _reports(pothole, 4, latitude=52.1512, longitude=-0.8871)
    datasets_publish()
    areas = sorted(ServiceRequestRow.objects.values_list("area", flat=True))
    assert areas == [""] * 4 + ["5203:-99"] * 5
    assert ServiceRequestRow.objects.filter(area="", area_latitude__isnull=False).count() == 0


def test_daily_volumes_suppress_counts_from_one_to_four(
    pothole: Service, council: Organisation
) -> None:
    _reports(pothole, 3, latitude=52.0312, longitude=-0.9871)
    datasets_publish()
    row = DailyVolumeRow.objects.get()
    assert row.opened is None and row.closed == 0
    _reports(pothole, 2, latitude=52.0312, longitude=-0.9871)
    datasets_publish()
    assert DailyVolumeRow.objects.get().opened == 5


@override_settings(PUBLICA_OPENDATA_MIN_COUNT=2)
def test_sla_performance_counts_cases_closed_by_their_due_time(
    pothole: Service, council: Organisation
) -> None:
    cases = _reports(pothole, 3, latitude=52.0312, longitude=-0.9871)
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    for days, case in zip((1, 2, 30), cases, strict=True):
        Case.objects.filter(pk=case.pk).update(
            submitted_at=start,
            due_at=start + dt.timedelta(days=5),
            closed_at=start + dt.timedelta(days=days),
            state="fixed",
        )
    datasets_publish()
    march = SlaPerformanceRow.objects.get(month=dt.date(2026, 3, 1))
    assert (march.closed, march.within_sla) == (2, 2)
    assert march.median_days == 1.5
    april = SlaPerformanceRow.objects.get(month=dt.date(2026, 4, 1))
    assert april.closed is None and april.within_sla is None
    requests = ServiceRequestRow.objects.order_by("days_to_close")
    assert [row.days_to_close for row in requests] == [1.0, 2.0, 30.0]
