"""SLA clocks: when a case is due, in calendar or working days. Pure: no Django.

Working days skip weekends and public holidays (from the `holidays` package, for the country
and subdivision the deployment sets). A case started on a non-working day starts counting on
the next working day; the due time keeps the time of day it was submitted.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Container

import holidays

__all__ = ["due_at", "public_holidays", "working_days_between"]


@functools.lru_cache(maxsize=8)
def public_holidays(country: str, subdivision: str | None) -> Container[dt.date]:
    """The public holidays of one place; an empty country means weekends only."""
    if not country:
        return frozenset()
    return holidays.country_holidays(country, subdiv=subdivision or None)


def due_at(
    start: dt.datetime, days: int, calendar: str, closed_days: Container[dt.date] = frozenset()
) -> dt.datetime:
    """When a case started at `start` with an SLA of `days` is due."""
    if calendar == "calendar":
        return start + dt.timedelta(days=days)
    if calendar != "working":
        raise ValueError(f"unknown SLA calendar {calendar!r}")
    day = start.date()
    while not _is_working(day, closed_days):
        day += dt.timedelta(days=1)
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if _is_working(day, closed_days):
            remaining -= 1
    return start + dt.timedelta(days=(day - start.date()).days)


def working_days_between(
    start: dt.date, end: dt.date, closed_days: Container[dt.date] = frozenset()
) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start, closed_days)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if _is_working(day, closed_days):
            count += 1
    return count


def _is_working(day: dt.date, closed_days: Container[dt.date]) -> bool:
    return day.weekday() < 5 and day not in closed_days
