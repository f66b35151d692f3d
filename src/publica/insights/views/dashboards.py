"""The staff dashboards: backlog and flow, performance, and workload and channels. Each page
reads its filters, asks the selectors for figures and hands them to the shared template as
`Figure`s (a chart, the same numbers as a table, a CSV download)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from publica.accounts.models import User
from publica.catalogue.models import Service
from publica.insights.charts import bars, lines
from publica.insights.figures import Figure
from publica.insights.filters import Filters
from publica.insights.selectors import figures as read
from publica.insights.selectors.ratings import satisfaction_by_service
from publica.insights.views.common import dashboard, filters_for
from publica.portal.staff import staff_required

__all__ = ["overview", "performance", "workload"]


def percent(share: float | None) -> float | None:
    """A share as a percentage with one decimal, as the tables and CSV files show it."""
    return None if share is None else round(share * 100, 1)


def days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _page(
    request: HttpRequest, name: str, heading: str, build: Callable[[Filters], list[Figure]]
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    chosen, context = filters_for(request, actor)
    context.update(heading=heading, current=name, as_of=read.as_of())
    return dashboard(request, "insights/staff_page.html", context, build(chosen))


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    """What is open now and where, what is late or about to be, and the weekly flow."""
    return _page(request, "overview", _("Backlog and flow"), overview_figures)


@staff_required
def performance(request: HttpRequest) -> HttpResponse:
    """Service levels met, time to close and satisfaction, per service and department."""
    return _page(request, "performance", _("Performance"), performance_figures)


@staff_required
def workload(request: HttpRequest) -> HttpResponse:
    """Who holds what, how much the rules decide, and how cases arrive."""
    return _page(request, "workload", _("Workload and channels"), workload_figures)


def overview_figures(chosen: Filters) -> list[Figure]:
    groups = read.open_groups(chosen)
    by_state = read.backlog_by("state", groups)
    by_department = read.backlog_by("department", groups)
    titles = read.names("service")
    slugs = dict(Service.objects.values_list("pk", "slug"))
    late = sorted(
        (
            (titles.get(service, "?"), counts.open, counts.overdue, counts.at_risk)
            for service, counts in read.open_by_service(groups).items()
        ),
        key=lambda row: (-row[2], -row[3], row[0]),
    )
    weeks = read.flow_by_week(chosen)
    labels = [week.isoformat() for week, _flow in weeks]
    return [
        Figure(
            slug="open-by-state",
            title=_("Open cases by state"),
            columns=[_("State"), _("Open cases")],
            rows=by_state,
            chart=bars(by_state, title=_("Open cases by state")),
            note=_("Open now; the period does not narrow the backlog."),
        ),
        Figure(
            slug="late-by-service",
            title=_("Open, overdue and at-risk cases by service"),
            columns=[_("Service"), _("Open"), _("Overdue"), _due_soon()],
            rows=late,
            chart=bars(
                [(row[0], row[2]) for row in late if row[2]],
                title=_("Overdue cases by service"),
            ),
            note=_("The chart shows the overdue cases; the table also the open and at-risk ones."),
            links=_queue_links(slugs.get(chosen.service or 0, "")),
        ),
        Figure(
            slug="open-by-department",
            title=_("Open cases by department"),
            columns=[_("Department"), _("Open cases")],
            rows=by_department,
            chart=bars(by_department, title=_("Open cases by department")),
        ),
        Figure(
            slug="flow-by-week",
            title=_("Cases opened and closed each week"),
            columns=[_("Week starting"), _("Opened"), _("Closed")],
            rows=[(week.isoformat(), f.opened, f.closed) for week, f in weeks],
            chart=lines(
                labels,
                [
                    (_("Opened"), [f.opened for _week, f in weeks]),
                    (_("Closed"), [f.closed for _week, f in weeks]),
                ],
                title=_("Cases opened and closed each week"),
            ),
        ),
    ]


def _due_soon() -> str:
    return _("Due within %(days)s days") % {"days": settings.PUBLICA_INSIGHTS_AT_RISK_DAYS}


def _queue_links(service: str) -> list[str]:
    """Links into the queue: the overdue cases, and those due soon, of the chosen service
    (all services when none is chosen)."""
    queue = reverse("staff:queue")
    narrow = {"service": service} if service else {}
    return [
        format_html(
            '<a class="govuk-link" href="{}?{}">{}</a>',
            queue,
            urlencode({"view": view, **narrow}),
            label,
        )
        for view, label in (
            ("overdue", _("Overdue cases in the queue")),
            ("at-risk", _("Cases due soon in the queue")),
        )
    ]


def performance_figures(chosen: Filters) -> list[Figure]:
    figures = []
    found = read.medians(chosen)
    medians_by = {"service": found.by_service, "department": found.by_department}
    for dimension, heading in (("service", _("Service")), ("department", _("Department"))):
        names = read.names(dimension)
        flows = read.flow_by(dimension, chosen)
        rows = sorted(
            (
                names.get(key, "?"),  # type: ignore[call-overload]
                flow.closed,
                flow.in_time,
                percent(flow.in_time_share),
                days(medians_by[dimension].get(key)),  # type: ignore[call-overload]
            )
            for key, flow in flows.items()
            if flow.closed
        )
        title = _("Closed within the service level, by %(what)s") % {"what": heading.lower()}
        figures.append(
            Figure(
                slug=f"sla-by-{dimension}",
                title=title,
                columns=[heading, _("Closed"), _("In time"), _("% in time"), _("Median days")],
                rows=rows,
                chart=bars(
                    [(row[0], row[3] or 0.0) for row in rows], title=title + " (%)", unit="%"
                ),
            )
        )
    weeks = read.flow_by_week(chosen)
    medians = dict(read.median_by_week(chosen))
    labels = [week.isoformat() for week, _flow in weeks]
    figures += [
        Figure(
            slug="sla-by-week",
            title=_("Share closed within the service level, each week"),
            columns=[_("Week starting"), _("Closed"), _("In time"), _("% in time")],
            rows=[
                (week.isoformat(), f.closed, f.in_time, percent(f.in_time_share))
                for week, f in weeks
            ],
            chart=lines(
                labels,
                [(_("% in time"), [percent(f.in_time_share) for _week, f in weeks])],
                title=_("Share closed within the service level, each week"),
                unit="%",
                ceiling=100,
            ),
            note=_(
                "Due times count working or calendar days as each service sets, and move on "
                "while a case waits for the resident."
            ),
        ),
        Figure(
            slug="median-by-week",
            title=_("Median days from submission to closing, each week"),
            columns=[_("Week starting"), _("Median days")],
            rows=[(week.isoformat(), days(medians.get(week))) for week, _flow in weeks],
            chart=lines(
                labels,
                [(_("Median days"), [days(medians.get(week)) for week, _flow in weeks])],
                title=_("Median days from submission to closing, each week"),
            ),
        ),
        _satisfaction_figure(chosen),
    ]
    return figures


def _satisfaction_figure(chosen: Filters) -> Figure:
    titles = read.names("service")
    rows = sorted(
        (titles.get(service, "?"), found.ratings, percent(found.share), found.mean)
        for service, found in satisfaction_by_service(chosen).items()
    )
    title = _("Residents satisfied, by service")
    return Figure(
        slug="satisfaction-by-service",
        title=title,
        columns=[_("Service"), _("Ratings"), _("% satisfied"), _("Mean score (1 to 5)")],
        rows=[
            (name, n, share, None if mean is None else round(mean, 2))
            for name, n, share, mean in rows
        ],
        chart=bars([(row[0], row[2] or 0.0) for row in rows], title=title + " (%)", unit="%"),
        note=_(
            "Satisfied: 'satisfied' or 'very satisfied' when asked on closing. Ratings are kept "
            "without the case or the person."
        ),
    )


def workload_figures(chosen: Filters) -> list[Figure]:
    people = read.workloads(chosen, read.open_groups(chosen))
    titles = read.names("service")
    flows = read.flow_by("service", chosen)
    automation = sorted(
        (titles.get(key, "?"), f.closed, f.by_rules, percent(f.by_rules_share))  # type: ignore[call-overload]
        for key, f in flows.items()
        if f.closed
    )
    weeks = read.flow_by_week(chosen)
    mix = read.channel_mix(chosen)
    total = sum(n for _, n in mix)
    return [
        Figure(
            slug="workload",
            title=_("Workload per caseworker"),
            columns=[
                _("Caseworker"),
                _("Open cases held"),
                _("Of those overdue"),
                _("Closed in the period"),
            ],
            rows=[(w.person, w.open, w.overdue, w.closed) for w in people],
            chart=bars([(w.person, w.open) for w in people if w.open], title=_("Open cases held")),
            note=_("Open cases assigned to each person now, and the cases they held that closed."),
        ),
        Figure(
            slug="automation-by-service",
            title=_("Cases decided by rules, by service"),
            columns=[_("Service"), _("Closed"), _("Decided by rules"), _("% by rules")],
            rows=automation,
            chart=bars(
                [(row[0], row[3] or 0.0) for row in automation],
                title=_("Cases decided by rules (%)"),
                unit="%",
            ),
            note=_("A case counts when an automation rule made the decision that closed it."),
        ),
        Figure(
            slug="automation-by-week",
            title=_("Share of closed cases decided by rules, each week"),
            columns=[_("Week starting"), _("Closed"), _("Decided by rules"), _("% by rules")],
            rows=[
                (week.isoformat(), f.closed, f.by_rules, percent(f.by_rules_share))
                for week, f in weeks
            ],
            chart=lines(
                [week.isoformat() for week, _flow in weeks],
                [(_("% by rules"), [percent(f.by_rules_share) for _week, f in weeks])],
                title=_("Share of closed cases decided by rules, each week"),
                unit="%",
                ceiling=100,
            ),
        ),
        Figure(
            slug="channels",
            title=_("How cases arrived"),
            columns=[_("Channel"), _("Cases opened"), _("% of all")],
            rows=[(label, n, percent(n / total) if total else None) for label, n in mix],
            chart=bars(mix, title=_("Cases opened by channel")),
        ),
    ]
