"""The dashboards' figures. Flows (opened, closed, in time, by rules, time to close) are sums
over the summary tables; the backlog, overdue and at-risk cases and workloads count open cases
live (few, and read through the open-case indexes). The public performance page calls
`service_performance` too, so the public and staff see the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from publica.accounts.models import Department, User
from publica.accounts.roles import CASE_ROLES
from publica.cases.models import Case, Channel
from publica.catalogue.models import Service
from publica.core import clock
from publica.insights import buckets
from publica.insights.filters import Filters
from publica.insights.models import DailyFigures, RefreshMark, ResolutionBucket
from publica.insights.selectors.ratings import satisfaction_by_service
from publica.opendata.privacy import suppress

__all__ = [
    "ONLINE",
    "Flow",
    "OpenCounts",
    "ServicePerformance",
    "Workload",
    "as_of",
    "backlog_by",
    "channel_mix",
    "flow_by",
    "flow_by_week",
    "median_by",
    "median_by_week",
    "monday",
    "open_by_service",
    "published_performance",
    "service_performance",
    "workloads",
]

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


def _daily(filters: Filters) -> QuerySet[DailyFigures]:
    rows = DailyFigures.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.department is not None:
        rows = rows.filter(department_id=filters.department)
    if filters.service is not None:
        rows = rows.filter(service_id=filters.service)
    return rows.order_by()


def _resolution(filters: Filters) -> QuerySet[ResolutionBucket]:
    rows = ResolutionBucket.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.department is not None:
        rows = rows.filter(department_id=filters.department)
    if filters.service is not None:
        rows = rows.filter(service_id=filters.service)
    return rows.order_by()


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
    """The flow per week (weeks start on Monday; the first and last may be partial), every
    week of the period listed, with nothing as zeros."""
    weeks: dict[dt.date, dict[str, int]] = {week: defaultdict(int) for week in _weeks(filters)}
    for found in _daily(filters).values("day").annotate(**_FLOW_SUMS):
        week = weeks[monday(found["day"])]
        for name in _FLOW_SUMS:
            week[name] += found[name] or 0
    return [(week, Flow(**sums)) for week, sums in weeks.items()]


def median_by(dimension: str | None, filters: Filters) -> dict[object, float | None]:
    """The median days from submission to closing per service or department (by id), or
    for all cases closed in the period (key None)."""
    field = {None: None, "service": "service_id", "department": "department_id"}[dimension]
    grouped: dict[object, list[tuple[int, int, float]]] = defaultdict(list)
    names = [name for name in (field, "bucket") if name]
    rows = _resolution(filters).values(*names).annotate(n=Sum("cases"), days=Sum("days_sum"))
    for found in rows:
        grouped[found[field] if field else None].append(
            (found["bucket"], found["n"], found["days"])
        )
    return {key: buckets.median(values) for key, values in grouped.items()}


def median_by_week(filters: Filters) -> list[tuple[dt.date, float | None]]:
    grouped: dict[dt.date, list[tuple[int, int, float]]] = defaultdict(list)
    rows = (
        _resolution(filters).values("day", "bucket").annotate(n=Sum("cases"), days=Sum("days_sum"))
    )
    for found in rows:
        grouped[monday(found["day"])].append((found["bucket"], found["n"], found["days"]))
    return [(week, buckets.median(grouped.get(week, ()))) for week in _weeks(filters)]


def _weeks(filters: Filters) -> list[dt.date]:
    """The Mondays of the weeks the period touches."""
    first = monday(filters.start)
    return [
        first + dt.timedelta(weeks=n) for n in range((monday(filters.end) - first).days // 7 + 1)
    ]


def backlog_by(dimension: str, filters: Filters) -> list[tuple[str, int]]:
    """Open cases per state, department or service, most first."""
    if dimension == "state":
        labels = _state_labels()
        counts: dict[str, int] = defaultdict(int)
        for state, n in _open(filters).values_list("state").annotate(n=Count("pk")):
            counts[labels.get(state, state.replace("_", " ").capitalize())] += n
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    field, names = {
        "department": ("department_id", _department_names()),
        "service": ("service_id", _service_titles()),
    }[dimension]
    rows = _open(filters).values_list(field).annotate(n=Count("pk"))
    return sorted(((names.get(key, "?"), n) for key, n in rows), key=lambda x: (-x[1], x[0]))


def open_by_service(filters: Filters, now: dt.datetime | None = None) -> dict[int, OpenCounts]:
    """Per service: open cases, how many are overdue and how many are due within
    PUBLICA_INSIGHTS_AT_RISK_DAYS."""
    now = now or clock.now()
    soon = now + dt.timedelta(days=settings.PUBLICA_INSIGHTS_AT_RISK_DAYS)
    rows = (
        _open(filters)
        .values_list("service_id")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            at_risk=Count("pk", filter=Q(due_at__gte=now, due_at__lt=soon)),
        )
    )
    return {service: OpenCounts(n, overdue, at_risk) for service, n, overdue, at_risk in rows}


def workloads(filters: Filters, now: dt.datetime | None = None) -> list[Workload]:
    """Per person who works cases: open cases assigned to them, how many of those are
    overdue, and the cases they held that closed in the period. Everyone in the department
    when one is chosen; across departments, those with any of these. Most open first."""
    now = now or clock.now()
    people = User.objects.filter(role__in=[str(role) for role in CASE_ROLES], is_active=True)
    if filters.department is not None:
        people = people.filter(department_id=filters.department)
    open_rows = (
        _open(filters)
        .filter(assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    held = {person: (n, overdue) for person, n, overdue in open_rows}
    start = dt.datetime.combine(filters.start, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    closed_cases = Case.objects.filter(
        assignee__isnull=False, closed_at__gte=start, closed_at__lt=end
    )
    if filters.service is not None:
        closed_cases = closed_cases.filter(service_id=filters.service)
    if filters.department is not None:
        closed_cases = closed_cases.filter(department_id=filters.department)
    closed = dict(closed_cases.order_by().values_list("assignee_id").annotate(n=Count("pk")))
    found = [
        Workload(
            person=str(person),
            open=held.get(person.pk, (0, 0))[0],
            overdue=held.get(person.pk, (0, 0))[1],
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
    medians = median_by("service", filters)
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
            median_days=medians.get(service.pk),
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
