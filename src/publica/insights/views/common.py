"""What every dashboard page shares: who may see which department, the filter form, and the
CSV download of any figure on the page (`?csv=<slug>`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from publica.accounts.models import Department, User
from publica.accounts.roles import DEPARTMENT_BOUND
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.errors import FieldError
from publica.insights import filters as filtering
from publica.insights.figures import Figure, as_csv
from publica.portal.staff_session import recent_second_factor

__all__ = ["PAGES", "dashboard", "department_scope", "filters_for", "public_filters"]

#: The dashboards, in the order of their navigation: (URL name, label).
PAGES = (
    ("overview", _("Backlog and flow")),
    ("performance", _("Performance")),
    ("workload", _("Workload and channels")),
    ("hotspots", _("Hotspots")),
    ("forecast", _("Forecast")),
)


def department_scope(actor: User) -> int | None:
    """The one department a person may see figures for, or None for all of them:
    caseworkers and supervisors see their own department, other staff roles every one."""
    return actor.department_id if actor.role in DEPARTMENT_BOUND else None


def filters_for(request: HttpRequest, actor: User) -> tuple[filtering.Filters, dict[str, Any]]:
    """The filters the query string asks for, held to what the person may see, and the
    context the filter form needs (choices, and errors naming their fields)."""
    chosen, errors = filtering.parse(request.GET, clock.now().date())
    scope = department_scope(actor)
    return _with_form(chosen.within(scope), errors, scope)


def public_filters(request: HttpRequest) -> tuple[filtering.Filters, dict[str, Any]]:
    """The filters of the public performance page: the last year unless chosen."""
    chosen, errors = filtering.parse(request.GET, clock.now().date(), default_days=365)
    return _with_form(chosen, errors, None)


def _with_form(
    chosen: filtering.Filters, errors: list[FieldError], scope: int | None
) -> tuple[filtering.Filters, dict[str, Any]]:
    departments = Department.objects.order_by("name")
    services = Service.objects.order_by("title")
    if scope is not None:
        departments = departments.filter(pk=scope)
        services = services.filter(department_id=scope)
    context = {
        "filters": chosen,
        "filter_errors": [{"href": f"#filter-{e.field}", "message": e.message} for e in errors],
        "filter_error_by_field": {e.field: e.message for e in errors},
        "departments": departments,
        "services": services,
        "department_fixed": scope is not None,
    }
    return chosen, context


def dashboard(
    request: HttpRequest, template: str, context: dict[str, Any], figures: Sequence[Figure]
) -> HttpResponse:
    """The page, or, when `?csv=` names one of its figures, that figure's table as CSV."""
    wanted = request.GET.get("csv")
    if wanted is not None:
        for figure in figures:
            if figure.slug == wanted:
                asked = _second_factor_for_staff_export(request)
                if asked is not None:
                    return asked
                response = HttpResponse(as_csv(figure), content_type="text/csv; charset=utf-8")
                chosen = context.get("filters")
                period = f"-{chosen.start}-to-{chosen.end}" if chosen else ""
                name = slugify(figure.slug + period)
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                return response
        raise Http404("no such figure on this page")
    query = request.GET.copy()
    query.pop("csv", None)
    return render(
        request,
        template,
        {**context, "figures": figures, "query": query.urlencode(), "insights_pages": PAGES},
    )


def _second_factor_for_staff_export(request: HttpRequest) -> HttpResponse | None:
    """A staff dashboard's CSV is an export of council data: it needs a recent second factor
    (docs/staff-security.md). The public performance page's figures are open to anyone."""
    match = request.resolver_match
    if match is None or match.namespace != "insights_staff":
        return None
    return recent_second_factor(request)
