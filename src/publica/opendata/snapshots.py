"""Rebuild the snapshot tables the service-request datasets are read from, from live cases,
with the generalisation and suppression that make them safe to publish.

Each build runs inside the caller's transaction: the old rows go and the new ones come in one
commit. The row-level table is written with one INSERT … SELECT compiled from the ORM, so a
million cases never pass through Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import median
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, Concat, Floor, Round, RowNumber

from publica.cases.models import Case
from publica.catalogue.models import Service
from publica.core.sqlfunctions import DaysBetween, UtcDay, UtcHour, UtcMonth
from publica.opendata import privacy
from publica.opendata.models import DailyVolumeRow, ServiceRequestRow, SlaPerformanceRow

__all__ = ["build_daily_volumes", "build_service_requests", "build_sla_performance"]


def _reports() -> QuerySet[Case]:
    """Cases of report services: the problems residents report in public places. Applications
    (a permit, a benefit) are about a person, so they appear only in the aggregates."""
    return Case.objects.filter(service__kind=Service.Kind.REPORT)


def _cell(field: str, size: float) -> Any:
    return Cast(Floor(F(field) / Value(size)), IntegerField())


def build_service_requests() -> int:
    """One row per report: service, status, times to the hour, and the grid cell, withheld
    where fewer than the threshold of that service's reports share it."""
    size = settings.PUBLICA_OPENDATA_GRID_DEGREES
    located = Q(latitude__isnull=False, longitude__isnull=False)
    selected = _reports().annotate(
        o_service_code=F("service__slug"),
        o_service_name=F("service__title"),
        o_department=F("department__name"),
        o_status=privacy.status_expression(),
        o_outcome=F("outcome"),
        o_channel=F("channel"),
        o_opened_at=UtcHour("submitted_at"),
        o_closed_at=UtcHour("closed_at"),
        o_days_to_close=Round(DaysBetween(F("closed_at"), F("submitted_at")), 2),
        o_area=privacy.when(
            located,
            Concat(
                Cast(_cell("latitude", size), CharField()),
                Value(":"),
                Cast(_cell("longitude", size), CharField()),
                output_field=CharField(),
            ),
            Value(""),
        ),
        o_area_latitude=Round((_cell("latitude", size) + Value(0.5)) * Value(size), 5),
        o_area_longitude=Round((_cell("longitude", size) + Value(0.5)) * Value(size), 5),
    )
    columns = [
        "service_code", "service_name", "department", "status", "outcome", "channel",
        "opened_at", "closed_at", "days_to_close", "area", "area_latitude", "area_longitude",
    ]  # fmt: skip
    ServiceRequestRow.objects.all().delete()
    # In the order reports came in, so `_id` follows time.
    in_order = selected.order_by("submitted_at", "pk")
    _insert_select(ServiceRequestRow, columns, in_order.values_list(*(f"o_{c}" for c in columns)))
    _withhold_rare_areas(settings.PUBLICA_OPENDATA_MIN_COUNT)
    return ServiceRequestRow.objects.count()


def _insert_select(model: Any, columns: list[str], select: QuerySet[Any]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    sql, params = select.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)


def _withhold_rare_areas(threshold: int) -> None:
    """Blank the area of every report whose service has fewer than `threshold` reports in
    its cell: a lone report in a quiet street would point at the house it came from."""
    table = connection.ops.quote_name(ServiceRequestRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET area = '', area_latitude = NULL, area_longitude = NULL "
            f"WHERE area <> '' AND (service_code, area) IN ("
            f"SELECT service_code, area FROM {table} WHERE area <> '' "
            f"GROUP BY service_code, area HAVING COUNT(*) < %s)",
            [threshold],
        )


def build_daily_volumes() -> int:
    """Cases opened and closed per service per local day (every service, reports and
    applications); counts below the threshold are published as null."""
    threshold = settings.PUBLICA_OPENDATA_MIN_COUNT
    names = dict(Service.objects.values_list("slug", "title"))
    counts: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(dict)
    for field, label in (("submitted_at", "opened"), ("closed_at", "closed")):
        grouped = (
            Case.objects.filter(**{f"{field}__isnull": False})
            .annotate(day=UtcDay(field), code=F("service__slug"))
            .values("day", "code")
            .annotate(n=Count("pk"))
            .values_list("day", "code", "n")
        )
        for day, code, n in grouped:
            counts[(day, code)][label] = n
    DailyVolumeRow.objects.all().delete()
    DailyVolumeRow.objects.bulk_create(
        (
            DailyVolumeRow(
                day=day,
                service_code=code,
                service_name=names.get(code, code),
                opened=privacy.suppress(found.get("opened", 0), threshold),
                closed=privacy.suppress(found.get("closed", 0), threshold),
            )
            for (day, code), found in sorted(counts.items())
        ),
        batch_size=2000,
    )
    return DailyVolumeRow.objects.count()


def build_sla_performance() -> int:
    """Per service per month of closing: cases closed, how many within their service level
    (the due time already moves on while a case waits for the resident), and the median days
    taken. A month with fewer closed cases than the threshold publishes no figures."""
    threshold = settings.PUBLICA_OPENDATA_MIN_COUNT
    services = {
        slug: (title, department)
        for slug, title, department in Service.objects.values_list(
            "slug", "title", "department__name"
        )
    }
    closed = Case.objects.filter(closed_at__isnull=False).annotate(
        month=UtcMonth("closed_at"), code=F("service__slug")
    )
    totals = closed.values("month", "code").annotate(
        n=Count("pk"), met=Count("pk", filter=Q(closed_at__lte=F("due_at")))
    )
    medians = _median_days(closed)
    SlaPerformanceRow.objects.all().delete()
    rows = []
    for group in totals.order_by("month", "code"):
        title, department = services.get(group["code"], (group["code"], ""))
        shown = group["n"] >= threshold
        rows.append(
            SlaPerformanceRow(
                month=_first_day(group["month"]),
                service_code=group["code"],
                service_name=title,
                department=department,
                closed=group["n"] if shown else None,
                within_sla=group["met"] if shown else None,
                within_sla_share=round(group["met"] / group["n"], 4) if shown else None,
                median_days=medians.get((group["month"], group["code"])) if shown else None,
            )
        )
    SlaPerformanceRow.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _first_day(month: dt.date | dt.datetime) -> dt.date:
    return month.date() if isinstance(month, dt.datetime) else month


def _median_days(closed: QuerySet[Case]) -> dict[tuple[Any, str], float]:
    """The median days to close per (month, service), worked out by the database: each
    case ranked within its group, and only the middle one or two read back."""
    group = [F("month"), F("service_id")]
    ranked = closed.annotate(
        days=DaysBetween(F("closed_at"), F("submitted_at")),
        rank=Window(RowNumber(), partition_by=group, order_by=F("days").asc()),
        size=Window(Count("pk"), partition_by=group),
    )
    middle = ranked.filter(Q(rank=(F("size") + 1) / 2) | Q(rank=(F("size") + 2) / 2)).values_list(
        "month", "code", "days"
    )
    found: dict[tuple[Any, str], list[float]] = defaultdict(list)
    for month, code, days in middle:
        found[(month, code)].append(days)
    return {key: round(median(values), 2) for key, values in found.items()}
