"""Residents' pages of budgets, spending and projects: open to everyone, no sign-in. Each
page reads its filters, calls the selectors and renders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from publica.core.errors import NotFound
from publica.sensors.charts import MapPoint, point_map
from publica.spending import charts, selectors, years
from publica.spending.models import ProjectStatus

SPEND_PAGE_SIZE = 50


def budget(request: HttpRequest) -> HttpResponse:
    """Budget against actual for a financial year: a chart and the same figures as a table,
    by department and programme, narrowed by department and programme."""
    year_list = selectors.financial_year_list()
    filters = _filters(request.GET, year_list)
    rows: list[selectors.Comparison] = []
    chart = ""
    if filters["year"] is not None:
        narrowed = {"year": filters["year"], "department": filters["department"],
                    "programme": filters["programme"]}  # fmt: skip
        rows = selectors.budget_vs_actual(**narrowed)
        # A chart of every programme of every department would be too long to read: without a
        # department chosen it shows departments, with one its programmes.
        by_programme = bool(filters["department"] or filters["programme"])
        grouped = (
            rows if by_programme else selectors.budget_vs_actual(**narrowed, by_programme=False)
        )
        chart = charts.budget_chart(
            [charts.Bar(r.programme if by_programme else r.department, r.planned, r.spent)
             for r in grouped],
            title=_("Budget against spending, %(year)s") % {"year": years.label(filters["year"])},
        )  # fmt: skip
    return render(
        request,
        "spending/budget.html",
        {
            "filters": filters,
            "years": year_list,
            "departments": selectors.department_list(),
            "programmes": selectors.programme_list(
                year=filters["year"], department=filters["department"]
            ),
            "rows": rows,
            "total": selectors.totals(rows),
            "chart": mark_safe(chart),  # built from escaped text by charts.budget_chart
        },
    )


def spending(request: HttpRequest) -> HttpResponse:
    """Every payment, the latest first, 50 a page; individuals' names are never shown."""
    year_list = selectors.financial_year_list()
    filters = _filters(request.GET, year_list, default_year=False)
    filters["supplier"] = request.GET.get("supplier", "").strip()[:100]
    filters["project"] = request.GET.get("project", "").strip()[:80]
    payments = selectors.spend_list(**filters)
    page = Paginator(payments, SPEND_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "spending/spending.html",
        {
            "filters": filters,
            "years": year_list,
            "departments": selectors.department_list(),
            "programmes": selectors.programme_list(
                year=filters["year"], department=filters["department"]
            ),
            "page": page,
            "total": payments.aggregate(total=Sum("amount"))["total"] or Decimal(0),
            "query": query.urlencode(),
            "redacted": selectors.REDACTED_SUPPLIER,
        },
    )


def project_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    summaries = selectors.project_summaries(status=status)
    placed = [s.project for s in summaries if s.project.latitude is not None]
    project_map = point_map(
        [MapPoint(p.title, p.latitude, p.longitude) for p in placed],  # type: ignore[arg-type]
        title=_("Map of the projects listed"),
    )
    return render(
        request,
        "spending/projects.html",
        {
            "summaries": summaries,
            "status": status,
            "statuses": ProjectStatus.choices,
            "map": mark_safe(project_map) if placed else "",  # point_map escapes its text
        },
    )


def project_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        summary = selectors.project_get(slug=slug)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "spending/project.html",
        {
            "summary": summary,
            "project": summary.project,
            "payments": selectors.spend_list(project=slug)[:10],
            "redacted": selectors.REDACTED_SUPPLIER,
        },
    )


def _filters(
    query: QueryDict, year_list: list[int], *, default_year: bool = True
) -> dict[str, Any]:
    """The year (the latest with data unless another is chosen), department and programme;
    values that are not offered are ignored."""
    chosen = years.parse(query.get("year", ""))
    year = chosen if chosen in year_list else None
    if year is None and default_year and year_list:
        year = year_list[0]
    return {
        "year": year,
        "department": query.get("department", "").strip()[:50],
        "programme": query.get("programme", "").strip()[:120],
    }
