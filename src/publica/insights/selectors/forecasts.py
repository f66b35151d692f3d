"""Reads for the forecasts: each service's weekly new cases, its latest forecast, and the
staff hours that forecast implies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Subquery, Sum

from publica.catalogue.models import Service
from publica.insights.models import DailyFigures, ForecastRun, HandlingTime

__all__ = [
    "CHART_WEEKS",
    "PlannedWeek",
    "ServiceForecast",
    "forecast_latest",
    "minutes_per_case",
    "service_forecasts",
    "week_start",
    "weekly_cases",
]

#: Weeks of history drawn before a forecast.
CHART_WEEKS = 52

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class PlannedWeek:
    """A forecast week with the staff hours it implies (hours = cases * minutes / 60)."""

    week: dt.date
    expected: float
    low: float
    high: float
    hours: float
    hours_low: float
    hours_high: float


@dataclass(frozen=True)
class ServiceForecast:
    """What the forecast page shows for one service. `run` is None when the service has no
    forecast (too little history); `history` is its last complete weeks, oldest first."""

    service: Service
    run: ForecastRun | None
    weeks: list[PlannedWeek]
    history: list[tuple[dt.date, int]]
    minutes: int
    minutes_set: bool


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week `day` is in."""
    return day - dt.timedelta(days=day.weekday())


def weekly_cases(
    *, service_ids: Collection[int], before: dt.date
) -> dict[int, list[tuple[dt.date, int]]]:
    """Per service, new cases per week (Monday, count) over every department and channel, from
    the first week with a case to the week before the week of `before`, weeks without cases
    as zeros. Services with no case before then are left out."""
    end = week_start(before)
    rows = (
        DailyFigures.objects.filter(service_id__in=service_ids, day__lt=end, opened__gt=0)
        .values("service_id", "day")
        .annotate(opened=Sum("opened"))
        .order_by()
    )
    counts: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[row["service_id"]][week_start(row["day"])] += row["opened"]
    series = {}
    for service_id, weeks in counts.items():
        week, found = min(weeks), []
        while week < end:
            found.append((week, weeks.get(week, 0)))
            week += WEEK
        series[service_id] = found
    return series


def forecast_latest(*, service_ids: Collection[int]) -> dict[int, ForecastRun]:
    """Each service's newest forecast, with its weeks."""
    newest = (
        ForecastRun.objects.filter(service_id=OuterRef("service_id"))
        .order_by("-made_at", "-pk")
        .values("pk")[:1]
    )
    runs = (
        ForecastRun.objects.filter(service_id__in=service_ids, pk=Subquery(newest))
        .prefetch_related("weeks")
        .order_by()
    )
    return {run.service_id: run for run in runs}


def minutes_per_case(*, service_ids: Collection[int]) -> dict[int, int]:
    """The handling time set for each service; services without one are left out (they
    use `settings.PUBLICA_INSIGHTS_MINUTES_PER_CASE`)."""
    return dict(
        HandlingTime.objects.filter(service_id__in=service_ids).values_list("service_id", "minutes")
    )


def service_forecasts(*, services: Sequence[Service], today: dt.date) -> list[ServiceForecast]:
    """The forecast page's figures for these services, in their order: the latest forecast
    with staff hours, and the last `CHART_WEEKS` complete weeks before `today`."""
    ids = [service.pk for service in services]
    runs = forecast_latest(service_ids=ids)
    history = weekly_cases(service_ids=ids, before=today)
    minutes_set = minutes_per_case(service_ids=ids)
    default = settings.PUBLICA_INSIGHTS_MINUTES_PER_CASE
    found = []
    for service in services:
        minutes = minutes_set.get(service.pk, default)
        run = runs.get(service.pk)
        found.append(
            ServiceForecast(
                service=service,
                run=run,
                weeks=_planned(run, minutes) if run is not None else [],
                history=history.get(service.pk, [])[-CHART_WEEKS:],
                minutes=minutes,
                minutes_set=service.pk in minutes_set,
            )
        )
    return found


def _planned(run: ForecastRun, minutes: int) -> list[PlannedWeek]:
    per_case = minutes / 60
    return [
        PlannedWeek(
            week=week.week,
            expected=week.expected,
            low=week.low,
            high=week.high,
            hours=week.expected * per_case,
            hours_low=week.low * per_case,
            hours_high=week.high * per_case,
        )
        for week in run.weeks.all()
    ]
