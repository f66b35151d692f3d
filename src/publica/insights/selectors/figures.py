"""The dashboards' figures. Flows (opened, closed, in time, by rules, time to close, closed per
assignee) are sums over the summary tables; the backlog, overdue and at-risk cases and the
workloads count open cases live, in one query answered from a partial index on open cases.
The public performance page calls `service_performance` too, so the public and staff see the
same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from django.conf import settings
from django.db.models import Count, F, Model, Q, QuerySet, Sum

from publica.accounts.models import Department, User
from publica.accounts.roles import CASE_ROLES
from publica.cases.models import Case, Channel
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.sqlfunctions import Scanned
from publica.insights import buckets
from publica.insights.filters import Filters
from publica.insights.models import (
    ClosedByAssignee,
    DailyFigures,
    RefreshMark,
    ResolutionBucket,
    WeeklyResolution,
)
from publica.insights.selectors.ratings import satisfaction_by_service
from publica.opendata.privacy import suppress

__all__ = [
    "ONLINE",
    "Flow",
    "Medians",
    "OpenCounts",
    "OpenGroup",
    "ServicePerformance",
    "Workload",
    "as_of",
    "backlog_by",
    "channel_mix",
    "flow_by",
    "flow_by_week",
    "median_by",
    "median_by_week",
    "medians",
    "monday",
    "open_by_service",
    "open_groups",
    "published_performance",
    "service_performance",
    "workloads",
]

M = TypeVar("M", bound=Model)

#: The channels a resident uses by themselves: digital take-up is their share of the cases
#: residents brought (sensor cases are not counted either way).
ONLINE = (Channel.PORTAL, Channel.API, Channel.OPEN311)
RESIDENT_CHANNELS = (*ONLINE, Channel.STAFF)


@dataclass(frozen=True)
class Flow:
    """Cases opened and closed in a period, how many of those closed were in time and how
    many were decided by rules."""

    opened: int = 0
    closed: int = 0
    in_time: int = 0
    by_rules: int = 0

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.closed if self.closed else None

    @property
    def by_rules_share(self) -> float | None:
        return self.by_rules / self.closed if self.closed else None


@dataclass(frozen=True)
class OpenCounts:
    open: int
    overdue: int
    at_risk: int


@dataclass(frozen=True)
class Workload:
    person: str
    open: int
    overdue: int
    closed: int


@dataclass(frozen=True)
class ServicePerformance:
    """One service's figures for the period (the public page suppresses small ones)."""

    service_id: int
    title: str
    department: str
    flow: Flow
    median_days: float | None
    online: int
    by_residents: int

    @property
    def digital_share(self) -> float | None:
        return self.online / self.by_residents if self.by_residents else None


def as_of() -> dt.datetime | None:
    """When the summaries were last brought up to date."""
    mark = RefreshMark.objects.filter(name="summaries").first()
    return mark.refreshed_at if mark else None


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _summary(
    model: type[M], filters: Filters, field: str = "day", *, covered: bool = False
) -> QuerySet[M]:
    """A summary table's rows for the period (by day or week), department and service. A
    table whose rows a covering index holds is read through it; any other is scanned
    (`Scanned`), which beats looking each row up through the key on SQLite."""
    period = F(field) if covered else Scanned(F(field))
    rows = model._default_manager.alias(period=period).filter(
        period__gte=filters.start, period__lte=filters.end
    )
    if filters.department is not None:
        rows = rows.filter(department_id=filters.department)
    if filters.service is not None:
        rows = rows.filter(service_id=filters.service)
    return rows.order_by()


def _daily(filters: Filters) -> QuerySet[DailyFigures]:
    return _summary(DailyFigures, filters)


def _resolution(filters: Filters) -> QuerySet[ResolutionBucket]:
    return _summary(ResolutionBucket, filters, covered=True)


def _open(filters: Filters) -> QuerySet[Case]:
    """Open cases now (the period does not narrow the backlog)."""
    cases = Case.objects.filter(closed_at__isnull=True)
    if filters.department is not None:
        cases = cases.filter(department_id=filters.department)
    if filters.service is not None:
        cases = cases.filter(service_id=filters.service)
    return cases.order_by()


_FLOW_SUMS = {
    "opened": Sum("opened"),
    "closed": Sum("closed"),
    "in_time": Sum("closed_in_time"),
    "by_rules": Sum("decided_by_rules"),
}


def _flow(found: dict[str, int | None]) -> Flow:
    return Flow(**{name: found.get(name) or 0 for name in _FLOW_SUMS})


def flow_by(dimension: str | None, filters: Filters) -> dict[object, Flow]:
    """The flow per service, department or channel (by id or code), or in total (key None)."""
    rows = _daily(filters)
    if dimension is None:
        return {None: _flow(rows.aggregate(**_FLOW_SUMS))}
    field = {"service": "service_id", "department": "department_id", "channel": "channel"}[
        dimension
    ]
    return {found[field]: _flow(found) for found in rows.values(field).annotate(**_FLOW_SUMS)}


def flow_by_week(filters: Filters) -> list[tuple[dt.date, Flow]]:
    """The flow per whole week (Monday to Sunday), from the week the period starts in to the
    last week that ends within it, every week listed, with nothing as zeros."""
    weeks = _weeks(filters)
    sums: dict[dt.date, dict[str, int]] = {week: defaultdict(int) for week in weeks}
    span = replace(filters, start=weeks[0], end=weeks[-1] + dt.timedelta(days=6))
    for found in _daily(span).values("day").annotate(**_FLOW_SUMS):
        week = sums[monday(found["day"])]
        for name in _FLOW_SUMS:
            week[name] += found[name] or 0
    return [(week, Flow(**totals)) for week, totals in sums.items()]


@dataclass(frozen=True)
class Medians:
    """Median days to close over a period: in total, per service and per department."""

    total: float | None
    by_service: dict[int, float | None]
    by_department: dict[int, float | None]


def medians(filters: Filters) -> Medians:
    """One read of the resolution buckets of the period, grouped by service and department;
    the medians per service, per department and in total are worked out from it."""
    by_service: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    by_department: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    everything: list[tuple[int, int, float]] = []
    rows = (
        _resolution(filters)
        .values_list("service_id", "department_id", "bucket")
        .annotate(n=Sum("cases"), days=Sum("days_sum"))
    )
    for service, department, bucket, n, days in rows:
        counted = (bucket, n, days)
        by_service[service].append(counted)
        by_department[department].append(counted)
        everything.append(counted)
    return Medians(
        total=buckets.median(everything),
        by_service={key: buckets.median(found) for key, found in by_service.items()},
        by_department={key: buckets.median(found) for key, found in by_department.items()},
    )


def median_by(dimension: str | None, filters: Filters) -> dict[object, float | None]:
    """The median days from submission to closing per service or department (by id), or
    for all cases closed in the period (key None)."""
    found = medians(filters)
    if dimension is None:
        return {None: found.total}
    by_key = found.by_service if dimension == "service" else found.by_department
    return {key: median for key, median in by_key.items()}


def median_by_week(filters: Filters) -> list[tuple[dt.date, float | None]]:
    """The median days to close per whole week, as `flow_by_week` counts weeks."""
    weeks = _weeks(filters)
    whole = replace(filters, start=weeks[0], end=weeks[-1])
    rows = _summary(WeeklyResolution, whole, "week", covered=True)
    grouped: dict[dt.date, list[tuple[int, int, float]]] = defaultdict(list)
    for week, bucket, n, days in (
        rows.order_by().values_list("week", "bucket").annotate(n=Sum("cases"), d=Sum("days_sum"))
    ):
        grouped[week].append((bucket, n, days))
    return [(week, buckets.median(grouped.get(week, ()))) for week in weeks]


def _weeks(filters: Filters) -> list[dt.date]:
    """The Mondays of the whole weeks from the one the period starts in to the last one that
    ends within it (just the first, when none does)."""
    first = monday(filters.start)
    last = monday(filters.end + dt.timedelta(days=1)) - dt.timedelta(weeks=1)
    count = max((last - first).days // 7 + 1, 1)
    return [first + dt.timedelta(weeks=n) for n in range(count)]


@dataclass(frozen=True)
class OpenGroup:
    """Open cases of one department, service, state and assignee: how many, how many are
    overdue and how many are due soon."""

    department: int
    service: int
    state: str
    assignee: int | None
    open: int
    overdue: int
    at_risk: int


def open_groups(filters: Filters, now: dt.datetime | None = None) -> list[OpenGroup]:
    """Every open case counted once, in one query read from the `open_cases_summary` index
    alone; the backlog, overdue, at-risk and workload figures are sums of these groups.
    Overdue: past due now; at risk: due within PUBLICA_INSIGHTS_AT_RISK_DAYS."""
    now = now or clock.now()
    soon = now + dt.timedelta(days=settings.PUBLICA_INSIGHTS_AT_RISK_DAYS)
    rows = (
        _open(filters)
        .values_list("department_id", "service_id", "state", "assignee_id")
        .annotate(
            n=Count("*"),
            overdue=Count("due_at", filter=Q(due_at__lt=now)),
            at_risk=Count("due_at", filter=Q(due_at__gte=now, due_at__lt=soon)),
        )
    )
    return [OpenGroup(*row) for row in rows]


def backlog_by(dimension: str, groups: Iterable[OpenGroup]) -> list[tuple[str, int]]:
    """Open cases per state, department or service, most first."""
    counts: dict[str, int] = defaultdict(int)
    if dimension == "state":
        labels = _state_labels()
        for group in groups:
            state = group.state
            counts[labels.get(state, state.replace("_", " ").capitalize())] += group.open
    else:
        names = _department_names() if dimension == "department" else _service_titles()
        for group in groups:
            key = group.department if dimension == "department" else group.service
            counts[names.get(key, "?")] += group.open
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def open_by_service(groups: Iterable[OpenGroup]) -> dict[int, OpenCounts]:
    """Per service: open cases, how many are overdue and how many are due soon."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for group in groups:
        found = sums[group.service]
        found[0] += group.open
        found[1] += group.overdue
        found[2] += group.at_risk
    return {service: OpenCounts(*found) for service, found in sums.items()}


def workloads(filters: Filters, groups: Iterable[OpenGroup]) -> list[Workload]:
    """Per person who works cases: open cases assigned to them, how many of those are
    overdue, and the cases they held that closed in the period. Everyone in the department
    when one is chosen; across departments, those with any of these. Most open first."""
    people = User.objects.filter(role__in=[str(role) for role in CASE_ROLES], is_active=True)
    if filters.department is not None:
        people = people.filter(department_id=filters.department)
    held: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for group in groups:
        if group.assignee is not None:
            held[group.assignee][0] += group.open
            held[group.assignee][1] += group.overdue
    held_rows = _summary(ClosedByAssignee, filters)
    closed = dict(held_rows.values_list("assignee_id").annotate(n=Sum("closed")))
    found = [
        Workload(
            person=str(person),
            open=held[person.pk][0] if person.pk in held else 0,
            overdue=held[person.pk][1] if person.pk in held else 0,
            closed=closed.get(person.pk, 0),
        )
        for person in people.order_by("first_name", "last_name", "username")
    ]
    if filters.department is None:  # across departments, only the people with a load
        found = [w for w in found if w.open or w.closed]
    return sorted(found, key=lambda w: (-w.open, -w.closed, w.person))


def channel_mix(filters: Filters) -> list[tuple[str, int]]:
    """Cases opened per channel in the period, in the channels' own order."""
    flows = flow_by("channel", filters)
    return [
        (str(label), flows[code].opened if code in flows else 0) for code, label in Channel.choices
    ]


def service_performance(filters: Filters) -> list[ServicePerformance]:
    """Per service with cases in the period: its flow, median days to close, and how many
    of the cases residents brought came online. By department, then title."""
    flows = flow_by("service", filters)
    by_service = medians(filters).by_service
    online: dict[int, int] = defaultdict(int)
    by_residents: dict[int, int] = defaultdict(int)
    rows = (
        _daily(filters)
        .filter(channel__in=[str(c) for c in RESIDENT_CHANNELS])
        .values_list("service_id", "channel")
        .annotate(n=Sum("opened"))
    )
    for service, channel, n in rows:
        by_residents[service] += n or 0
        if channel in ONLINE:
            online[service] += n or 0
    services = Service.objects.filter(pk__in=list(flows)).select_related("department")
    found = [
        ServicePerformance(
            service_id=service.pk,
            title=service.title,
            department=service.department.name,
            flow=flows[service.pk],
            median_days=by_service.get(service.pk),
            online=online[service.pk],
            by_residents=by_residents[service.pk],
        )
        for service in services
    ]
    return sorted(found, key=lambda row: (row.department, row.title))


@dataclass(frozen=True)
class PublishedPerformance:
    """A service's figures as the public sees them: None where too few cases or ratings lie
    behind a figure (fewer than PUBLICA_OPENDATA_MIN_COUNT) to show it without singling
    anyone out."""

    title: str
    department: str
    received: int | None
    in_time_share: float | None
    median_days: float | None
    digital_share: float | None
    satisfied_share: float | None
    ratings: int | None


def published_performance(filters: Filters) -> list[PublishedPerformance]:
    """`service_performance` and satisfaction, the staff dashboards' own figures, with small
    numbers suppressed."""
    threshold = settings.PUBLICA_OPENDATA_MIN_COUNT
    satisfaction = satisfaction_by_service(filters)
    found = []
    for row in service_performance(filters):
        enough_closed = row.flow.closed >= threshold
        rated = satisfaction.get(row.service_id)
        enough_ratings = rated is not None and rated.ratings >= threshold
        found.append(
            PublishedPerformance(
                title=row.title,
                department=row.department,
                received=suppress(row.flow.opened, threshold),
                in_time_share=row.flow.in_time_share if enough_closed else None,
                median_days=row.median_days if enough_closed else None,
                digital_share=row.digital_share if row.by_residents >= threshold else None,
                satisfied_share=rated.share if rated is not None and enough_ratings else None,
                ratings=suppress(rated.ratings, threshold) if rated is not None else 0,
            )
        )
    return found


def _service_titles() -> dict[int, str]:
    return dict(Service.objects.values_list("pk", "title"))


def _department_names() -> dict[int, str]:
    return dict(Department.objects.values_list("pk", "name"))


def names(dimension: str) -> dict[int, str]:
    """Titles of services or names of departments by id."""
    return _service_titles() if dimension == "service" else _department_names()


def _state_labels() -> dict[str, str]:
    """Each state's label in the current version of the services that have it."""
    labels: dict[str, str] = {}
    for service in Service.objects.select_related("current_version"):
        if service.current_version is not None:
            for state, label in service.current_version.workflow.labels.items():
                labels.setdefault(state, str(label))
    return labels
