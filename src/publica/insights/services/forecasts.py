"""Making the weekly volume forecasts, and setting the handling time that turns them into
staff hours."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.insights import forecasting
from publica.insights.models import ForecastRun, ForecastWeek, HandlingTime
from publica.insights.selectors.forecasts import weekly_cases

__all__ = [
    "MAX_MINUTES",
    "forecasts_make",
    "forecasts_make_due",
    "handling_time_set",
    "may_set_handling_time",
]

logger = logging.getLogger(__name__)

#: The longest handling time a case may be given: a day.
MAX_MINUTES = 24 * 60
#: How old the newest forecast may be before the worker makes new ones.
DUE_AFTER = dt.timedelta(days=1)


def forecasts_make(*, actor: Actor, today: dt.date | None = None) -> list[ForecastRun]:
    """Forecast the next weeks of new cases of every active service from its complete weeks
    before the week of `today` (default: today, UTC). A service with too little history
    gets no forecast. Each service's forecast is written in its own transaction, so a
    model that fails for one service leaves the others' forecasts made."""
    _require_scheduler_or_admin(actor)
    made_at = clock.now()
    today = today or made_at.date()
    services = list(Service.objects.filter(is_active=True).order_by("pk"))
    history = weekly_cases(service_ids=[s.pk for s in services], before=today)
    runs = []
    for service in services:
        try:
            result = forecasting.forecast(history.get(service.pk, []))
        except forecasting.ForecastFailed:
            logger.warning("no forecast for service %s", service.slug, exc_info=True)
            continue
        if isinstance(result, forecasting.Forecast):
            runs.append(_record(service, result, made_at))
    logger.info("%s made %d forecasts", actor, len(runs))
    return runs


def forecasts_make_due(*, actor: Actor) -> int:
    """Make the forecasts when the newest is more than a day old, or there is none; returns
    how many were made."""
    newest = ForecastRun.objects.order_by("-made_at").values_list("made_at", flat=True).first()
    if newest is not None and clock.now() - newest < DUE_AFTER:
        return 0
    return len(forecasts_make(actor=actor))


@transaction.atomic
def handling_time_set(*, service: Service, minutes: int, actor: Actor) -> HandlingTime:
    """Set the staff minutes one case of `service` takes on average (1 to 1440). Admins may,
    and supervisors of the service's department."""
    if not may_set_handling_time(actor, service):
        raise PermissionDenied(
            "Only an admin, or a supervisor of the service's department, may set its handling time."
        )
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(
            [FieldError("minutes", f"Enter a number of minutes from 1 to {MAX_MINUTES}")]
        )
    current = HandlingTime.objects.select_for_update().filter(service=service).first()
    if current is not None and current.minutes == minutes:
        return current
    handling, _ = HandlingTime.objects.update_or_create(
        service=service, defaults={"minutes": minutes, "updated_at": clock.now()}
    )
    logger.info(
        "%s set the handling time of %s from %s to %d minutes",
        actor,
        service.slug,
        current.minutes if current is not None else "the default",
        minutes,
    )
    return handling


def may_set_handling_time(actor: Actor, service: Service) -> bool:
    """Whether `actor` may set the handling time of `service` (for pages to offer the form)."""
    if not isinstance(actor, User):
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.SUPERVISOR and actor.department_id == service.department_id


def _require_scheduler_or_admin(actor: Actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, User) and actor.role == Role.ADMIN:
        return
    raise PermissionDenied("Only an admin, or Publica's scheduler, makes forecasts.")


@transaction.atomic
def _record(service: Service, result: forecasting.Forecast, made_at: dt.datetime) -> ForecastRun:
    backtest = result.backtest
    run = ForecastRun.objects.create(
        service=service,
        made_at=made_at,
        method=result.method.words,
        history_weeks=result.history_weeks,
        backtest_weeks=backtest.weeks if backtest is not None else 0,
        backtest_mae=backtest.mae if backtest is not None else None,
        backtest_mape=backtest.mape if backtest is not None else None,
        coverage=backtest.coverage if backtest is not None else None,
    )
    ForecastWeek.objects.bulk_create(
        ForecastWeek(run=run, week=week.week, expected=week.expected, low=week.low, high=week.high)
        for week in result.weeks
    )
    return run
