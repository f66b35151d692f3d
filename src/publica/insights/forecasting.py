"""Forecasts of a service's weekly volume: exponential smoothing (ETS) with prediction
intervals, and how the same method did on the weeks held back from it. Pure: counts in,
numbers out; no Django.

The model is statsmodels' ETSModel with additive errors. It gets a damped additive trend once
there is half a year of history, and a 52-week season only with two full years before the
weeks the backtest holds out, so the backtest always tests the method the forecast uses.
Intervals come from the model's closed-form forecast variance (exact for additive errors), so
the same history always gives the same forecast.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

__all__ = [
    "HORIZON",
    "LEVEL",
    "MIN_HISTORY",
    "Backtest",
    "Forecast",
    "ForecastFailed",
    "Method",
    "NotEnoughHistory",
    "WeekForecast",
    "backtest_score",
    "forecast",
    "method_for",
]

#: Weeks forecast ahead, and weeks the backtest holds out.
HORIZON = 8
#: The share of future weeks the prediction interval is meant to hold.
LEVEL = 0.8
#: The fewest complete weeks a forecast is made from.
MIN_HISTORY = 12
#: Weeks of history from which the model gets a (damped) trend.
TREND_HISTORY = 26
#: Weeks in a yearly season.
SEASON = 52
#: Weeks of history from which the model gets a yearly season: two full years before the
#: held-out weeks (statsmodels' heuristic start needs two full cycles to fit on).
SEASONAL_HISTORY = 2 * SEASON + HORIZON

WEEK = dt.timedelta(days=7)


class ForecastFailed(ArithmeticError):
    """The model gave numbers that are not numbers (NaN or infinite)."""


@dataclass(frozen=True)
class Method:
    """Which ETS model a history gets."""

    trend: bool
    seasonal: bool
    level: float = LEVEL

    @property
    def words(self) -> str:
        """The method as a manager might read it (at most 120 characters)."""
        parts = ["additive errors", "damped trend" if self.trend else "no trend"]
        parts.append(f"{SEASON}-week season" if self.seasonal else "no season")
        return (
            f"Exponential smoothing (ETS): {', '.join(parts)}; "
            f"{self.level:.0%} prediction intervals"
        )


@dataclass(frozen=True)
class WeekForecast:
    """One week ahead: the expected count and the prediction interval, none below zero."""

    week: dt.date
    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class Backtest:
    """How far off the method was on the held-out weeks: mean absolute error (cases a week),
    mean absolute percentage error as a share (None when every held-out week was zero), and
    the share of weeks inside the interval."""

    weeks: int
    mae: float
    mape: float | None
    coverage: float


@dataclass(frozen=True)
class Forecast:
    method: Method
    history_weeks: int
    weeks: tuple[WeekForecast, ...]
    backtest: Backtest | None


@dataclass(frozen=True)
class NotEnoughHistory:
    """Too few complete weeks to forecast from."""

    history_weeks: int
    needed: int = MIN_HISTORY


def method_for(history_weeks: int, level: float = LEVEL) -> Method:
    return Method(
        trend=history_weeks >= TREND_HISTORY,
        seasonal=history_weeks >= SEASONAL_HISTORY,
        level=level,
    )


def forecast(
    history: Sequence[tuple[dt.date, float]], *, horizon: int = HORIZON, level: float = LEVEL
) -> Forecast | NotEnoughHistory:
    """Forecast the `horizon` weeks after `history`, a run of consecutive weeks given as
    (Monday, count). With enough history, the same method is also fitted on all but the last
    `horizon` weeks and scored on them (the backtest)."""
    _check(history)
    if len(history) < MIN_HISTORY:
        return NotEnoughHistory(history_weeks=len(history))
    method = method_for(len(history), level)
    counts = [float(count) for _, count in history]
    last = history[-1][0]
    # The matrices are tiny: BLAS threads only contend with each other (a tenth of the speed
    # on two cores when left to OpenBLAS).
    with threadpool_limits(limits=1, user_api="blas"):
        ahead = [last + WEEK * (n + 1) for n in range(horizon)]
        weeks = _fit_and_forecast(counts, method, ahead)
        backtest = None
        if len(history) - horizon >= MIN_HISTORY:
            held_out = history[-horizon:]
            predicted = _fit_and_forecast(counts[:-horizon], method, [week for week, _ in held_out])
            backtest = backtest_score([count for _, count in held_out], predicted)
    return Forecast(method=method, history_weeks=len(history), weeks=weeks, backtest=backtest)


def backtest_score(actual: Sequence[float], predicted: Sequence[WeekForecast]) -> Backtest:
    """Score forecasts against what happened, week by week."""
    if len(actual) != len(predicted) or not actual:
        raise ValueError("need one forecast for each actual week")
    errors = [abs(a - p.expected) for a, p in zip(actual, predicted, strict=True)]
    shares = [e / a for e, a in zip(errors, actual, strict=True) if a > 0]
    inside = sum(1 for a, p in zip(actual, predicted, strict=True) if p.low <= a <= p.high)
    return Backtest(
        weeks=len(actual),
        mae=sum(errors) / len(errors),
        mape=sum(shares) / len(shares) if shares else None,
        coverage=inside / len(actual),
    )


def _check(history: Sequence[tuple[dt.date, float]]) -> None:
    for (week, _), (following, _) in itertools.pairwise(history):
        if following - week != WEEK:
            raise ValueError(f"weeks must follow one another: {week} then {following}")
    for week, count in history:
        if week.weekday() != 0:
            raise ValueError(f"a week starts on a Monday, not {week}")
        if count < 0 or not math.isfinite(count):
            raise ValueError(f"a count is a number of cases, not {count!r} ({week})")


def _fit_and_forecast(
    counts: list[float], method: Method, weeks: list[dt.date]
) -> tuple[WeekForecast, ...]:
    # Imported here: statsmodels takes a second to import, and only the forecasting job
    # needs it, not every process that renders a page.
    import numpy as np
    import pandas as pd
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(
        pd.Series(counts),  # a pandas series: 0.15's prediction results need an index
        error="add",
        trend="add" if method.trend else None,
        damped_trend=method.trend,
        seasonal="add" if method.seasonal else None,
        seasonal_periods=SEASON if method.seasonal else None,
        # Estimating 52 starting seasonal states is slow and ill-posed on two years of
        # weeks; the classical decomposition of the first two years is the usual start.
        initialization_method="heuristic" if method.seasonal else "estimated",
    )
    with warnings.catch_warnings():
        # A flat or nearly flat series leaves the likelihood with no clear optimum, and the
        # optimiser says so; its parameters are still the best it found, and the backtest
        # reports how well they do. Any other warning still shows.
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = model.fit(disp=False)
    prediction = fitted.get_prediction(start=len(counts), end=len(counts) + len(weeks) - 1)
    expected = np.asarray(prediction.predicted_mean, dtype=float)
    bounds = np.asarray(prediction.pred_int(alpha=1 - method.level), dtype=float)
    if not (np.isfinite(expected).all() and np.isfinite(bounds).all()):
        raise ForecastFailed(f"the {method.words} model gave no numbers for this history")
    # Counts cannot be negative: the interval and the forecast stop at zero.
    return tuple(
        WeekForecast(
            week=week,
            expected=max(float(mean), 0.0),
            low=max(float(low), 0.0),
            high=max(float(high), 0.0),
        )
        for week, mean, (low, high) in zip(weeks, expected, bounds, strict=True)
    )
