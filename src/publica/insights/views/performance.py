"""The public performance page: per service, how many cases came, how many were closed in
time, how long they took, how many came online and how satisfied residents were. The same
figures as the staff dashboards, with small numbers suppressed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from publica.insights.charts import bars
from publica.insights.figures import Figure
from publica.insights.filters import Filters
from publica.insights.selectors import figures as read
from publica.insights.views.common import dashboard, public_filters
from publica.insights.views.dashboards import days, percent

__all__ = ["public"]


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    chosen, context = public_filters(request)
    context.update(
        heading=_("How our services are doing"),
        as_of=read.as_of(),
        threshold=settings.PUBLICA_OPENDATA_MIN_COUNT,
    )
    return dashboard(request, "insights/performance.html", context, public_figures(chosen))


def public_figures(chosen: Filters) -> list[Figure]:
    rows = read.published_performance(chosen)
    table = [
        (
            row.title,
            row.department,
            row.received,
            percent(row.in_time_share),
            days(row.median_days),
            percent(row.digital_share),
            percent(row.satisfied_share),
        )
        for row in rows
    ]

    def chart(slug: str, title: str, column: str, index: int, unit: str = "%") -> Figure:
        shown = [(str(row[0]), float(v)) for row in table if (v := row[index]) is not None]
        return Figure(
            slug=slug,
            title=title,
            columns=[_("Service"), column],
            rows=shown,
            chart=bars(shown, title=title, unit=unit),
        )

    return [
        chart("in-time", _("Closed within our published time (%)"), _("% in time"), 3),
        chart("median-days", _("Median days to complete"), _("Median days"), 4, unit=""),
        chart("digital", _("Made online (%)"), _("% online"), 5),
        chart("satisfaction", _("Residents satisfied (%)"), _("% satisfied"), 6),
        Figure(
            slug="services",
            title=_("Every service"),
            columns=[
                _("Service"),
                _("Department"),
                _("Cases received"),
                _("% in time"),
                _("Median days"),
                _("% online"),
                _("% satisfied"),
            ],
            rows=table,
        ),
    ]
