"""Weekly volume forecasts: the model on series whose right answer is known, the backtest's
arithmetic, the chart, and the services that make forecasts and set handling times."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import SCHEDULER
from publica.core.errors import InvalidInput, PermissionDenied
from publica.insights import forecast_chart, forecasting
from publica.insights.forecast_chart import chart
from publica.insights.forecasting import (
    Forecast,
    NotEnoughHistory,
    WeekForecast,
    backtest_score,
    forecast,
    method_for,
)
from publica.insights.models import DailyFigures, ForecastRun, HandlingTime
from publica.insights.selectors.forecasts import service_forecasts, weekly_cases
from publica.insights.services.forecasts import (
    forecasts_make,
    forecasts_make_due,
    handling_time_set,
)

START = dt.date(2023, 1, 2)  # a Monday


def weeks(counts: Sequence[float], start: dt.date = START) -> list[tuple[dt.date, float]]:
    return [(start + dt.timedelta(weeks=n), count) for n, count in enumerate(counts)]


def made(history: list[tuple[dt.date, float]]) -> Forecast:
    result = forecast(history)
    assert isinstance(result, Forecast)
    return result


# The model, on series with a known answer


def test_a_constant_series_forecasts_that_constant_with_a_narrow_interval() -> None:
    result = made(weeks([40] * 30))
    assert len(result.weeks) == 8
    for week in result.weeks:
        assert week.expected == pytest.approx(40, abs=0.01)
        assert week.high - week.low < 0.5
        assert week.low <= week.expected <= week.high


def test_the_forecast_weeks_follow_the_last_week_of_history() -> None:
    result = made(weeks([40] * 30))
    last = START + dt.timedelta(weeks=29)
    assert [w.week for w in result.weeks] == [last + dt.timedelta(weeks=n) for n in range(1, 9)]


def test_a_linear_trend_continues() -> None:
    line = [10 + 3 * n for n in range(40)]
    result = made(weeks(line))
    assert result.method.trend
    expected = [w.expected for w in result.weeks]
    assert all(later > earlier for earlier, later in itertools.pairwise(expected))
    for ahead, week in enumerate(result.weeks, start=1):
        # The trend is damped (as is usual for weekly demand), so it bends a little.
        assert week.expected == pytest.approx(10 + 3 * (39 + ahead), rel=0.03)


def seasonal_weeks(years: float, seed: int = 7) -> list[float]:
    noise = random.Random(seed)
    return [
        200 + 80 * math.sin(2 * math.pi * n / 52) + noise.gauss(0, 6)
        for n in range(int(years * 52))
    ]


def test_with_two_years_and_more_a_seasonal_series_follows_its_season() -> None:
    series = seasonal_weeks(2.5)
    n = len(series)
    result = made(weeks(series))
    assert result.method.seasonal
    truth = [200 + 80 * math.sin(2 * math.pi * (n + k) / 52) for k in range(8)]
    seasonal_error = sum(abs(w.expected - t) for w, t in zip(result.weeks, truth, strict=True))
    flat = sum(series[-8:]) / 8
    flat_error = sum(abs(flat - t) for t in truth)
    assert seasonal_error < flat_error / 3
    assert seasonal_error / 8 < 15


def test_the_season_is_used_only_with_two_years_before_the_held_out_weeks() -> None:
    assert not method_for(111).seasonal
    assert method_for(112).seasonal
    assert not method_for(25).trend and method_for(26).trend
    assert "52-week season" in method_for(112).words
    assert (
        "no season" in method_for(60).words and "80% prediction intervals" in method_for(60).words
    )
    assert len(method_for(112).words) <= 120


def test_too_short_a_history_is_not_forecast() -> None:
    assert forecast(weeks([5] * 11)) == NotEnoughHistory(history_weeks=11, needed=12)
    assert forecast([]) == NotEnoughHistory(history_weeks=0)
    assert isinstance(forecast(weeks([5] * 12)), Forecast)


def test_a_falling_series_never_forecasts_below_zero() -> None:
    result = made(weeks([max(60 - 4 * n, 0) + (n % 3) for n in range(30)]))
    for week in result.weeks:
        assert week.expected >= 0 and week.low >= 0 and week.high >= 0


def test_the_same_history_gives_the_same_forecast() -> None:
    series = weeks(seasonal_weeks(1))
    assert forecast(series) == forecast(series)


def test_weeks_must_be_consecutive_mondays() -> None:
    with pytest.raises(ValueError, match="follow one another"):
        forecast([(START, 1), (START + dt.timedelta(weeks=2), 1)])
    with pytest.raises(ValueError, match="Monday"):
        forecast([(START + dt.timedelta(days=1), 1)])
    with pytest.raises(ValueError, match="number of cases"):
        forecast([(START, -1)])


def test_twenty_services_are_forecast_in_seconds() -> None:
    histories = [weeks(seasonal_weeks(3, seed=n)) for n in range(10)]
    histories += [weeks([20 + n + (k % 7) for k in range(80)]) for n in range(10)]
    forecast(histories[0])  # the first call imports statsmodels
    began = time.perf_counter()
    for history in histories:
        forecast(history)
    assert time.perf_counter() - began < 10  # about 1 s on two cores


# The backtest


def test_the_backtest_scores_are_the_mean_errors_and_the_share_inside_the_interval() -> None:
    predicted = [
        WeekForecast(week=START, expected=10, low=8, high=12),
        WeekForecast(week=START, expected=10, low=8, high=12),
        WeekForecast(week=START, expected=4, low=0, high=6),
        WeekForecast(week=START, expected=5, low=3, high=7),
    ]
    score = backtest_score([12, 6, 0, 5], predicted)
    # errors 2, 4, 4, 0; percentage errors only where something happened: 2/12, 4/6, 0/5;
    # inside: 12 (on the bound counts), 0 and 5, not 6
    assert (score.weeks, score.mae, score.coverage) == (4, 2.5, 0.75)
    assert score.mape == pytest.approx((2 / 12 + 4 / 6 + 0) / 3)


def test_the_backtest_has_no_percentage_error_when_every_held_out_week_was_zero() -> None:
    predicted = [WeekForecast(week=START, expected=1, low=0, high=2)] * 2
    assert backtest_score([0, 0], predicted).mape is None


def test_the_backtest_scores_a_forecast_from_the_weeks_before_the_last_eight() -> None:
    noise = random.Random(3)
    history = weeks([30 + noise.randint(-8, 8) + n // 4 for n in range(40)])
    result = made(history)
    before = made(history[:-8])
    assert before.method == result.method  # the same method on fewer weeks
    actual = [count for _, count in history[-8:]]
    errors = [abs(a - p.expected) for a, p in zip(actual, before.weeks, strict=True)]
    inside = [p.low <= a <= p.high for a, p in zip(actual, before.weeks, strict=True)]
    assert result.backtest is not None
    assert result.backtest.weeks == 8
    assert result.backtest.mae == pytest.approx(sum(errors) / 8)
    assert result.backtest.mape == pytest.approx(
        sum(e / a for e, a in zip(errors, actual, strict=True)) / 8
    )
    assert result.backtest.coverage == sum(inside) / 8


def test_without_twelve_weeks_before_the_held_out_ones_there_is_no_backtest() -> None:
    assert made(weeks([5, 6] * 9 + [5])).backtest is None
    assert made(weeks([5, 6] * 10)).backtest is not None


# The chart


def test_the_chart_draws_history_forecast_interval_and_legend() -> None:
    result = made(weeks([40 + n % 5 for n in range(30)]))
    svg = chart(
        weeks([40 + n % 5 for n in range(30)]),
        [(w.week, w.expected, w.low, w.high) for w in result.weeks],
        title="Pothole <reports>",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>Pothole &lt;reports&gt;</title>" in svg
    assert 'class="history"' in svg and 'class="forecast"' in svg and 'class="interval"' in svg
    assert "Weeks so far" in svg and "80% range" in svg
    assert "2 Jan 2023" in svg  # the first week, under the axis


def test_the_chart_of_nothing_is_an_empty_image() -> None:
    assert chart([], [], title="t").endswith("<title>t</title></svg>")


# Reading the weeks and making the forecasts


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(admin=True)  # type: ignore[return-value]


def opened(service: Service, day: dt.date, count: int, channel: str = "portal") -> None:
    DailyFigures.objects.create(
        day=day, service=service, department=service.department, channel=channel, opened=count
    )


TODAY = dt.date(2026, 3, 18)  # a Wednesday
THIS_MONDAY = dt.date(2026, 3, 16)


def test_weekly_cases_sum_days_departments_and_channels_and_fill_gaps_with_zero(
    pothole: Service,
) -> None:
    first = THIS_MONDAY - dt.timedelta(weeks=4)
    opened(pothole, first + dt.timedelta(days=1), 3)
    opened(pothole, first + dt.timedelta(days=6), 2, channel="api")
    other: Department = DepartmentFactory(slug="parks")  # type: ignore[assignment]
    DailyFigures.objects.create(
        day=first + dt.timedelta(days=2), service=pothole, department=other, channel="staff",
        opened=4,
    )  # fmt: skip
    opened(pothole, first + dt.timedelta(weeks=2), 7)  # the week between stays empty
    opened(pothole, THIS_MONDAY + dt.timedelta(days=1), 50)  # this week is not over
    series = weekly_cases(service_ids=[pothole.pk], before=TODAY)
    assert series[pothole.pk] == [
        (first, 9),
        (first + dt.timedelta(weeks=1), 0),
        (first + dt.timedelta(weeks=2), 7),
        (first + dt.timedelta(weeks=3), 0),
    ]


def test_weekly_cases_start_at_the_first_week_with_a_case(pothole: Service) -> None:
    DailyFigures.objects.create(
        day=THIS_MONDAY - dt.timedelta(weeks=9), service=pothole,
        department=pothole.department, channel="portal", closed=2,
    )  # fmt: skip
    opened(pothole, THIS_MONDAY - dt.timedelta(weeks=2), 1)
    assert len(weekly_cases(service_ids=[pothole.pk], before=TODAY)[pothole.pk]) == 2


def fill(service: Service, weeks_back: int, per_week: int = 10) -> None:
    """Cases on the Tuesday of each of the `weeks_back` weeks before this one."""
    for n in range(1, weeks_back + 1):
        opened(service, THIS_MONDAY - dt.timedelta(weeks=n) + dt.timedelta(days=1), per_week)


def test_forecasts_are_made_from_the_complete_weeks_in_daily_figures(pothole: Service) -> None:
    fill(pothole, 30)
    opened(pothole, TODAY, 500)  # the current week would pull the forecast up
    with clock.at(dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)):
        [run] = forecasts_make(actor=SCHEDULER)
    assert run.service == pothole and run.history_weeks == 30
    assert run.made_at == dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)
    assert run.method.startswith("Exponential smoothing (ETS)")
    assert run.backtest_weeks == 8 and run.backtest_mae == pytest.approx(0, abs=0.01)
    assert run.coverage == 1.0
    weeks_ahead = list(run.weeks.all())
    assert [w.week for w in weeks_ahead] == [THIS_MONDAY + dt.timedelta(weeks=n) for n in range(8)]
    assert all(w.expected == pytest.approx(10, abs=0.01) for w in weeks_ahead)


def test_a_service_with_too_little_history_gets_no_forecast(pothole: Service) -> None:
    fill(pothole, 11)
    assert forecasts_make(actor=SCHEDULER, today=TODAY) == []
    assert not ForecastRun.objects.exists()


def test_an_inactive_service_gets_no_forecast(pothole: Service) -> None:
    fill(pothole, 20)
    Service.objects.filter(pk=pothole.pk).update(is_active=False)
    assert forecasts_make(actor=SCHEDULER, today=TODAY) == []


def test_only_admins_and_the_scheduler_make_forecasts(
    pothole: Service, supervisor: User, admin: User
) -> None:
    fill(pothole, 12)
    with pytest.raises(PermissionDenied):
        forecasts_make(actor=supervisor, today=TODAY)
    assert len(forecasts_make(actor=admin, today=TODAY)) == 1


def test_the_worker_makes_forecasts_when_the_newest_is_a_day_old(pothole: Service) -> None:
    fill(pothole, 12)
    with clock.at(dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)):
        assert forecasts_make_due(actor=SCHEDULER) == 1
    with clock.at(dt.datetime(2026, 3, 19, 8, tzinfo=dt.UTC)):
        assert forecasts_make_due(actor=SCHEDULER) == 0
    with clock.at(dt.datetime(2026, 3, 19, 9, 1, tzinfo=dt.UTC)):
        assert forecasts_make_due(actor=SCHEDULER) == 1
    assert ForecastRun.objects.count() == 2


# Staff hours and handling time


def test_staff_hours_are_cases_times_minutes_per_case(
    pothole: Service, supervisor: User, settings: object
) -> None:
    settings.PUBLICA_INSIGHTS_MINUTES_PER_CASE = 30  # type: ignore[attr-defined]
    fill(pothole, 20, per_week=12)
    forecasts_make(actor=SCHEDULER, today=TODAY)
    [shown] = service_forecasts(services=[pothole], today=TODAY)
    assert shown.minutes == 30 and not shown.minutes_set
    assert shown.weeks[0].hours == pytest.approx(shown.weeks[0].expected / 2)
    assert len(shown.history) == 20
    handling_time_set(service=pothole, minutes=90, actor=supervisor)
    [shown] = service_forecasts(services=[pothole], today=TODAY)
    assert shown.minutes == 90 and shown.minutes_set
    week = shown.weeks[3]
    assert (week.hours, week.hours_low, week.hours_high) == pytest.approx(
        (week.expected * 1.5, week.low * 1.5, week.high * 1.5)
    )


def test_an_admin_or_the_departments_supervisor_sets_the_handling_time(
    pothole: Service, supervisor: User, admin: User
) -> None:
    with clock.at(dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)):
        handling_time_set(service=pothole, minutes=45, actor=supervisor)
    assert HandlingTime.objects.get(service=pothole).minutes == 45
    handling_time_set(service=pothole, minutes=20, actor=admin)
    assert HandlingTime.objects.get(service=pothole).minutes == 20


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AUDITOR, Role.SERVICE_DESIGNER])
def test_other_roles_may_not_set_the_handling_time(
    pothole: Service, highways: Department, role: Role
) -> None:
    person: User = UserFactory(role=role, department=highways)  # type: ignore[assignment]
    with pytest.raises(PermissionDenied):
        handling_time_set(service=pothole, minutes=45, actor=person)
    assert not HandlingTime.objects.exists()


def test_a_supervisor_of_another_department_may_not_set_the_handling_time(
    pothole: Service,
) -> None:
    parks = DepartmentFactory(slug="parks")
    elsewhere: User = UserFactory(role=Role.SUPERVISOR, department=parks)  # type: ignore[assignment]
    with pytest.raises(PermissionDenied):
        handling_time_set(service=pothole, minutes=45, actor=elsewhere)


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_the_handling_time_is_one_minute_to_a_day(
    pothole: Service, supervisor: User, minutes: int
) -> None:
    with pytest.raises(InvalidInput) as raised:
        handling_time_set(service=pothole, minutes=minutes, actor=supervisor)
    assert [error.field for error in raised.value.errors] == ["minutes"]
    handling_time_set(service=pothole, minutes=1440, actor=supervisor)
    handling_time_set(service=pothole, minutes=1, actor=supervisor)


@pytest.mark.parametrize("module", [forecasting, forecast_chart])
def test_the_model_and_the_chart_do_not_import_django(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    imported = [
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [alias.name for alias in node.names])
    ]  # fmt: skip
    assert imported and not [name for name in imported if name.startswith("django")]
