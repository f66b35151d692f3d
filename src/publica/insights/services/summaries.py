"""Keeping the dashboards' summary tables up to date, incrementally.

Every change to a case goes through the case services, which stamp `updated_at`. A refresh
finds the UTC days touched by cases changed since the last one (the day each was submitted and
the day it closed), and recounts exactly those days from the cases (and the weeks they fall
in, for the weekly medians): the same counts a full rebuild gives, at the cost of a few small
queries a day touched. The worker refreshes every cycle and rebuilds everything once a day;
`publica insights rebuild` starts over at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least

from publica.accounts.roles import AUTOMATION
from publica.cases.models import Case, CaseEvent
from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.sqlfunctions import DaysBetween, FloorInt, UtcDay
from publica.insights import buckets
from publica.insights.models import (
    ClosedByAssignee,
    DailyFigures,
    RefreshMark,
    ResolutionBucket,
    WeeklyResolution,
)
from publica.insights.services.hotspots import hotspots_rebuild

__all__ = ["SUMMARIES", "bucket_expression", "summaries_rebuild", "summaries_refresh"]

logger = logging.getLogger(__name__)

SUMMARIES = SystemActor("insights")
#: The refresh mark's name.
MARK = "summaries"
#: A refresh also reads again the cases changed this long before the last refresh ran, so a
#: transaction that committed after it, stamped earlier, is not missed (recounting a day twice
#: is harmless). A longer transaction is caught by the daily full rebuild.
SLACK = dt.timedelta(minutes=1)
#: A refresh rebuilds everything instead once the last full rebuild is this old.
REBUILD_EVERY = dt.timedelta(days=1)
#: Beyond this many touched days (a bulk import, say) a full rebuild is quicker.
MOST_DAYS = 200


def summaries_refresh(*, actor: SystemActor = SUMMARIES) -> int:
    """Recount the days touched by cases changed since the last refresh (everything, the
    first time and once a day). Returns the number of days recounted."""
    with transaction.atomic():
        mark, _ = RefreshMark.objects.select_for_update().get_or_create(name=MARK)
        if mark.through is None or mark.rebuilt_at is None:
            return _rebuild(mark, actor)
        if clock.now() - mark.rebuilt_at >= REBUILD_EVERY:
            return _rebuild(mark, actor)
        last_run = mark.refreshed_at or mark.through
        changed = Case.objects.filter(updated_at__gt=min(mark.through, last_run - SLACK))
        latest = changed.order_by("-updated_at").values_list("updated_at", flat=True).first()
        if latest is None:
            return 0
        days = _touched_days(changed)
        if len(days) > MOST_DAYS:
            return _rebuild(mark, actor)
        _recount(days)
        hotspots_rebuild(days=days)
        mark.through = max(latest, mark.through)
        mark.refreshed_at = clock.now()
        mark.save(update_fields=["through", "refreshed_at"])
    logger.info("insights: %d days recounted by %s", len(days), actor)
    return len(days)


def summaries_rebuild(*, actor: SystemActor = SUMMARIES) -> int:
    """Recount every day from the cases. Returns the number of days with figures."""
    with transaction.atomic():
        mark, _ = RefreshMark.objects.select_for_update().get_or_create(name=MARK)
        return _rebuild(mark, actor)


def _rebuild(mark: RefreshMark, actor: SystemActor) -> int:
    latest = Case.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    for model in (DailyFigures, ResolutionBucket, ClosedByAssignee, WeeklyResolution):
        model.objects.all().delete()
    _insert(Case.objects.all(), Case.objects.filter(closed_at__isnull=False))
    first = ResolutionBucket.objects.order_by("day").values_list("day", flat=True).first()
    last = ResolutionBucket.objects.order_by("-day").values_list("day", flat=True).first()
    if first and last:
        _roll_up_weeks(_mondays(first, last))
    hotspots_rebuild(days=None)
    mark.through = latest
    mark.refreshed_at = mark.rebuilt_at = clock.now()
    mark.save(update_fields=["through", "refreshed_at", "rebuilt_at"])
    days = DailyFigures.objects.values("day").distinct().count()
    logger.info("insights: summaries rebuilt by %s, %d days", actor, days)
    return days


def _touched_days(changed: QuerySet[Case]) -> set[dt.date]:
    pairs = (
        changed.annotate(opened_on=UtcDay("submitted_at"), closed_on=UtcDay("closed_at"))
        .values_list("opened_on", "closed_on")
        .distinct()
    )
    return {day for pair in pairs for day in pair if day is not None}


def _recount(days: Collection[dt.date]) -> None:
    """Replace the summary rows of these days with fresh counts, a day at a time (each a
    range over the submission and closing indexes)."""
    for day in sorted(days):
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        end = start + dt.timedelta(days=1)
        for model in (DailyFigures, ResolutionBucket, ClosedByAssignee):
            model.objects.filter(day=day).delete()
        _insert(
            Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end),
            Case.objects.filter(closed_at__gte=start, closed_at__lt=end),
        )
    _roll_up_weeks({_monday(day) for day in days})


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    start = _monday(first)
    return [start + dt.timedelta(weeks=n) for n in range((last - start).days // 7 + 1)]


def _roll_up_weeks(weeks: Iterable[dt.date]) -> None:
    """Add up the resolution buckets of each of these weeks into `WeeklyResolution`."""
    for week in sorted(weeks):
        WeeklyResolution.objects.filter(week=week).delete()
        grouped = (
            ResolutionBucket.objects.filter(day__gte=week, day__lt=week + dt.timedelta(days=7))
            .values("service_id", "department_id", "bucket")
            .annotate(n=Sum("cases"), days_sum=Sum("days_sum"))
            .order_by()
        )
        WeeklyResolution.objects.bulk_create(
            (WeeklyResolution(week=week, cases=found.pop("n"), **found) for found in grouped),
            batch_size=2000,
        )


def bucket_expression() -> Any:
    """`buckets.bucket_of` of the `days` annotation, in SQL."""
    days = F("days")
    weekly_from = buckets.HOURLY_UNTIL * 24 + buckets.DAILY_UNTIL - buckets.HOURLY_UNTIL
    return SqlCase(
        When(days__lt=buckets.HOURLY_UNTIL, then=Greatest(FloorInt(days * 24), Value(0))),
        When(
            days__lt=buckets.DAILY_UNTIL,
            then=FloorInt(days) + Value(buckets.HOURLY_UNTIL * 24 - buckets.HOURLY_UNTIL),
        ),
        default=Least(
            FloorInt((days - Value(float(buckets.DAILY_UNTIL))) / Value(7.0)),
            Value(buckets.LAST - weekly_from),
        )
        + Value(weekly_from),
    )


def _insert(opened: QuerySet[Case], closed: QuerySet[Case]) -> None:
    keys = ("day", "service_id", "department_id", "channel")
    figures: dict[tuple[Any, ...], DailyFigures] = {}

    def row(found: dict[str, Any]) -> DailyFigures:
        key = tuple(found[name] for name in keys)
        if key not in figures:
            figures[key] = DailyFigures(**{name: found[name] for name in keys})
        return figures[key]

    for found in (
        opened.annotate(day=UtcDay("submitted_at")).values(*keys).annotate(n=Count("pk")).order_by()
    ):
        row(found).opened = found["n"]

    decided_by_rules = CaseEvent.objects.filter(
        case=OuterRef("pk"),
        kind=CaseEvent.Kind.TRANSITIONED,
        actor_role=AUTOMATION,
        created_at__gte=OuterRef("closed_at"),
    )
    closing = closed.annotate(
        day=UtcDay("closed_at"), days=DaysBetween(F("closed_at"), F("submitted_at"))
    )
    for found in (
        closing.annotate(by_rules=Exists(decided_by_rules))
        .values(*keys)
        .annotate(
            n=Count("pk"),
            in_time=Count("pk", filter=Q(closed_at__lte=F("due_at"))),
            rules=Count("pk", filter=Q(by_rules=True)),
            days_sum=Sum("days"),
        )
        .order_by()
    ):
        figure = row(found)
        figure.closed, figure.closed_in_time = found["n"], found["in_time"]
        figure.decided_by_rules, figure.days_to_close = found["rules"], found["days_sum"] or 0.0

    DailyFigures.objects.bulk_create(figures.values(), batch_size=2000)
    ResolutionBucket.objects.bulk_create(_buckets(closing), batch_size=2000)
    held = (
        closing.filter(assignee__isnull=False)
        .values("day", "assignee_id", "service_id", "department_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ClosedByAssignee.objects.bulk_create(
        (ClosedByAssignee(closed=found.pop("n"), **found) for found in held), batch_size=2000
    )


def _buckets(closing: QuerySet[Case]) -> Iterable[ResolutionBucket]:
    grouped = (
        closing.annotate(bucket=bucket_expression())
        .values("day", "service_id", "department_id", "bucket")
        .annotate(n=Count("pk"), days_sum=Sum("days"))
        .order_by()
    )
    for found in grouped.iterator(chunk_size=5000):
        yield ResolutionBucket(
            day=found["day"],
            service_id=found["service_id"],
            department_id=found["department_id"],
            bucket=found["bucket"],
            cases=found["n"],
            days_sum=found["days_sum"] or 0.0,
        )
