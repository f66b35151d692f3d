"""Keeping HotspotCount up to date: reports with a point, counted per UTC day, service,
department and H3 cell.

The counting happens in Python because the cell of a point is h3's to compute (about half a
microsecond a point); the cases are streamed a chunk at a time and only the counts are kept,
so a full rebuild at a million cases holds a few hundred thousand small tuples, not cases.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import Counter
from collections.abc import Collection, Iterator
from typing import cast

import h3
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from publica.cases.models import Case
from publica.catalogue.models import Service
from publica.core.sqlfunctions import UtcDay
from publica.insights.models import HotspotCount

__all__ = ["hotspots_rebuild"]

#: Cases read from the database a chunk at a time (a server-side cursor on PostgreSQL).
READ_CHUNK = 5000
#: HotspotCount rows inserted per statement.
WRITE_BATCH = 2000

_Key = tuple[dt.date, int, int, str]


@transaction.atomic
def hotspots_rebuild(*, days: Collection[dt.date] | None) -> int:
    """Recount the HotspotCount rows of these UTC days (every day when None); returns the
    rows written.

    Counted: cases of report services with both latitude and longitude, not merged into
    another report, on the UTC day they were submitted. The old rows of those days go and
    the new ones come in the same transaction, so a dashboard never sees half a rebuild.
    """
    resolution = settings.PUBLICA_INSIGHTS_H3_RESOLUTION
    if days is None:
        HotspotCount.objects.all().delete()
        counts = _count(_located_reports(), resolution)
    else:
        wanted = sorted(set(days))
        if not wanted:
            return 0
        HotspotCount.objects.filter(day__in=wanted).delete()
        counts = _count(_located_reports().filter(_submitted_on(wanted)), resolution)
    rows = (
        HotspotCount(day=day, service_id=service, department_id=department, cell=cell, reports=n)
        for (day, service, department, cell), n in counts.items()
    )
    HotspotCount.objects.bulk_create(rows, batch_size=WRITE_BATCH)
    return len(counts)


def _located_reports() -> QuerySet[Case]:
    """Reports with a point that stand on their own. Applications (a permit, a benefit) are
    about a person and their home, so they are kept off the map, as in the open datasets."""
    report_services = list(
        Service.objects.filter(kind=Service.Kind.REPORT).values_list("pk", flat=True)
    )
    return Case.objects.filter(
        service_id__in=report_services,
        latitude__isnull=False,
        longitude__isnull=False,
        duplicate_of__isnull=True,
    )


def _submitted_on(days: list[dt.date]) -> Q:
    """Submitted on one of these UTC days, as ranges of `submitted_at` (one per run of
    consecutive days), so the index on `submitted_at` is used; `__date` would not be."""
    return functools.reduce(
        operator.or_,
        (
            Q(submitted_at__gte=_midnight(first), submitted_at__lt=_midnight(last, 1))
            for first, last in _runs(days)
        ),
    )


def _runs(days: list[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    first = last = days[0]
    for day in days[1:]:
        if day != last + dt.timedelta(days=1):
            yield first, last
            first = day
        last = day
    yield first, last


def _midnight(day: dt.date, after: int = 0) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=after), dt.time.min, tzinfo=dt.UTC)


def _count(cases: QuerySet[Case], resolution: int) -> Counter[_Key]:
    # Neither coordinate is null: `_located_reports` left those cases out.
    located = cast(
        Iterator[tuple[dt.date, int, int, float, float]],
        cases.annotate(utc_day=UtcDay("submitted_at"))
        .values_list("utc_day", "service_id", "department_id", "latitude", "longitude")
        .order_by()
        .iterator(chunk_size=READ_CHUNK),
    )
    cell = h3.latlng_to_cell
    # A point no map could hold (or NaN, which fails every comparison) is skipped here rather
    # than in SQL: a range condition on latitude makes SQLite read the place index instead of
    # the submission one, turning a one-day recount from 2 ms into 300 ms at 200,000 cases.
    return Counter(
        (day, service, department, cell(latitude, longitude, resolution))
        for day, service, department, latitude, longitude in located
        if -90 <= latitude <= 90 and -180 <= longitude <= 180
    )
