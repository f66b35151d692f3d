"""The forecast page: each service's expected new cases for the next weeks, with the range
they should fall in, the staff hours they imply, and how far off the same method was on the
weeks before; and the form that sets a service's minutes per case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from publica.accounts.models import User
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.insights import forecasting
from publica.insights.figures import Figure
from publica.insights.forecast_chart import chart
from publica.insights.selectors.forecasts import ServiceForecast, service_forecasts
from publica.insights.services.forecasts import handling_time_set, may_set_handling_time
from publica.insights.views.common import dashboard, department_scope
from publica.opendata.charts import bars
from publica.portal.staff import staff_required

__all__ = ["handling_time", "page"]


@require_GET
@staff_required
def page(request: HttpRequest) -> HttpResponse:
    """Every service the person may see (or the one `?service=` names), with its forecast."""
    actor: User = request.user  # type: ignore[assignment]
    return _page(request, actor)


@require_http_methods(["GET", "POST"])
@staff_required
def handling_time(request: HttpRequest) -> HttpResponseBase:
    """Set a service's minutes per case, then back to the forecast. A GET changes nothing: it
    goes on to the forecast page with the same query, so that the links of a page shown here
    with an error (such as a figure's CSV) still work."""
    if request.method != "POST":
        query = request.GET.urlencode()
        return redirect(reverse("insights_staff:forecast") + (f"?{query}" if query else ""))
    actor: User = request.user  # type: ignore[assignment]
    service = get_object_or_404(Service, pk=_id(request.POST.get("service")) or 0)
    text = (request.POST.get("minutes") or "").strip()
    try:
        if not may_set_handling_time(actor, service):  # before reading the minutes
            raise PermissionDenied
        handling_time_set(service=service, minutes=_minutes(text), actor=actor)
    except PermissionDenied:
        return render(
            request,
            "portal/message.html",
            {
                "heading": _("You cannot do this"),
                "text": _(
                    "Only an admin, or a supervisor of the service's department, sets the "
                    "time a case takes."
                ),
            },
            status=403,
        )
    except InvalidInput as exc:
        return _page(request, actor, failed=service, entered=text, errors=exc.errors)
    messages.success(
        request,
        _("%(service)s: a case now takes %(minutes)s minutes of staff time.")
        % {"service": service.title, "minutes": int(text)},
    )
    shown = _id(request.POST.get("shown"))
    return redirect(reverse("insights_staff:forecast") + (f"?service={shown}" if shown else ""))


def _page(
    request: HttpRequest,
    actor: User,
    *,
    failed: Service | None = None,
    entered: str = "",
    errors: Sequence[FieldError] = (),
) -> HttpResponse:
    services = _visible_services(actor)
    chosen, filter_errors = _chosen_service(request, services)
    shown = [s for s in services if chosen is None or s.pk == chosen]
    forecasts = service_forecasts(services=shown, today=clock.now().date())
    with_run = [f for f in forecasts if f.run is not None]
    figures = [_summary_figure(with_run)] if with_run else []
    figures += [_service_figure(f) for f in with_run]
    error_list = [{"href": f"#filter-{e.field}", "message": e.message} for e in filter_errors] + [
        {"href": f"#minutes-{failed.pk}", "message": e.message} for e in errors if failed
    ]
    context: dict[str, Any] = {
        "heading": _("Forecast"),
        "current": "forecast",
        "services": services,
        "chosen": chosen,
        "service_error": filter_errors[0].message if filter_errors else "",
        "without_forecast": [_why_none(f) for f in forecasts if f.run is None],
        "handling": [
            {
                "service": f.service,
                "minutes": entered if failed == f.service else f.minutes,
                "minutes_set": f.minutes_set,
                "may_set": may_set_handling_time(actor, f.service),
                "error": errors[0].message if errors and failed == f.service else "",
            }
            for f in forecasts
        ],
        "default_minutes": settings.PUBLICA_INSIGHTS_MINUTES_PER_CASE,
        "error_list": error_list,
        "form_has_errors": bool(error_list),
        "horizon": forecasting.HORIZON,
        "level": round(forecasting.LEVEL * 100),
    }
    return dashboard(request, "insights/forecast.html", context, figures)


def _visible_services(actor: User) -> list[Service]:
    services: QuerySet[Service] = Service.objects.filter(is_active=True).order_by("title")
    scope = department_scope(actor)
    if scope is not None:
        services = services.filter(department_id=scope)
    return list(services)


def _chosen_service(
    request: HttpRequest, services: Sequence[Service]
) -> tuple[int | None, list[FieldError]]:
    text = (request.GET.get("service") or "").strip()
    if not text:
        return None, []
    chosen = _id(text)
    if chosen is None or chosen not in {s.pk for s in services}:
        return None, [FieldError("service", _("Choose a service from the list"))]
    return chosen, []


def _minutes(text: str) -> int:
    if not text.isdecimal() or len(text) > 6:
        raise InvalidInput([FieldError("minutes", _("Enter the minutes as a whole number"))])
    return int(text)


def _id(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdecimal() and len(text) <= 9 else None


def _service_figure(shown: ServiceForecast) -> Figure:
    """The weeks so far and the weeks ahead, as one chart and one table."""
    so_far: list[tuple[Any, ...]] = [
        (week.isoformat(), count, None, None, None, None, None, None)
        for week, count in shown.history
    ]
    ahead: list[tuple[Any, ...]] = [
        (
            w.week.isoformat(),
            None,
            _one(w.expected),
            _one(w.low),
            _one(w.high),
            _one(w.hours),
            _one(w.hours_low),
            _one(w.hours_high),
        )
        for w in shown.weeks
    ]
    title = _("%(service)s: new cases a week") % {"service": shown.service.title}
    level = round(forecasting.LEVEL * 100)
    return Figure(
        slug=f"forecast-{shown.service.slug}",
        title=title,
        columns=(
            _("Week starting"),
            _("New cases"),
            _("Expected cases"),
            _("Low (%(level)s%% range)") % {"level": level},
            _("High (%(level)s%% range)") % {"level": level},
            _("Staff hours"),
            _("Staff hours, low"),
            _("Staff hours, high"),
        ),
        rows=so_far + ahead,
        chart=chart(
            [(week, float(count)) for week, count in shown.history],
            [(w.week, w.expected, w.low, w.high) for w in shown.weeks],
            title=title,
            legend=(_("Weeks so far"), _("Forecast"), _("%(level)s%% range") % {"level": level}),
        ),
        note=_note(shown),
    )


def _summary_figure(forecasts: Sequence[ServiceForecast]) -> Figure:
    """The weeks ahead, added up over the services shown. The ranges are not added: the sum
    of each service's range is not the range of the sum."""
    cases: dict[Any, float] = defaultdict(float)
    hours: dict[Any, float] = defaultdict(float)
    for shown in forecasts:
        for week in shown.weeks:
            cases[week.week] += week.expected
            hours[week.week] += week.hours
    rows = [(week.isoformat(), _one(cases[week]), _one(hours[week])) for week in sorted(cases)]
    title = _("Expected new cases and staff hours, all services shown")
    return Figure(
        slug="forecast-summary",
        title=title,
        columns=(_("Week starting"), _("Expected cases"), _("Staff hours")),
        rows=rows,
        chart=bars([(week, float(hours)) for week, _cases, hours in rows], title=title),
        note=ngettext(
            "The staff hours of each week for %(count)s service; its range is shown below.",
            "The staff hours of each week, added up over %(count)s services. Each service's "
            "range is shown with it below.",
            len(forecasts),
        )
        % {"count": len(forecasts)},
    )


def _note(shown: ServiceForecast) -> str:
    run = shown.run
    assert run is not None
    made = _("Made on %(when)s from %(weeks)s weeks of cases. Method: %(method)s.") % {
        "when": formats.date_format(timezone.localtime(run.made_at), "j F Y, H:i"),
        "weeks": run.history_weeks,
        "method": run.method,
    }
    if not run.backtest_weeks or run.backtest_mae is None or run.coverage is None:
        tested = _("There were too few weeks to test it on the weeks before.")
    else:
        values = {
            "weeks": run.backtest_weeks,
            "mae": _one(run.backtest_mae),
            "mape": round(run.backtest_mape * 100) if run.backtest_mape is not None else None,
            "inside": round(run.coverage * run.backtest_weeks),
        }
        if values["mape"] is None:
            off = _("it was off by %(mae)s cases a week on average") % values
        else:
            off = _("it was off by %(mae)s cases a week on average (%(mape)s %%)") % values
        tested = (
            _("In a test on the %(weeks)s weeks before the forecast was made, ") % values
            + off
            + _("; %(inside)s of %(weeks)s weeks fell inside the range.") % values
        )
    hours = _("Staff hours use %(minutes)s minutes a case%(default)s.") % {
        "minutes": shown.minutes,
        "default": "" if shown.minutes_set else _(" (the default)"),
    }
    return f"{made} {tested} {hours}"


def _why_none(shown: ServiceForecast) -> dict[str, Any]:
    weeks = len(shown.history)
    if weeks < forecasting.MIN_HISTORY:
        reason = _(
            "Not enough history to forecast: %(weeks)s complete weeks of cases, and a "
            "forecast needs %(needed)s."
        ) % {"weeks": weeks, "needed": forecasting.MIN_HISTORY}
    else:
        reason = _("No forecast has been made yet; forecasts are made once a day.")
    return {"service": shown.service, "reason": reason}


def _one(value: float) -> float:
    return round(value, 1)
