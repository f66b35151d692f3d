"""Query parameters of the Open311 list endpoints: dates, windows, lists and pages. Pure.

Errors are InvalidInput naming the parameter, which the views answer with a 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from publica.core.errors import FieldError, InvalidInput

__all__ = [
    "MAX_IDS",
    "MAX_RESULTS",
    "MAX_WINDOW",
    "Page",
    "Window",
    "moment",
    "names",
    "page",
    "reject_nul",
    "statuses",
    "window",
]

#: GeoReport v2: a search may not span more than 90 days, and answers at most 1,000 requests.
MAX_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 1000
MAX_PAGE = 100_000
_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Page:
    offset: int
    size: int


def reject_nul(fields: Iterable[tuple[str, list[str]]]) -> None:
    """Refuse NUL characters, which no database column can hold."""
    bad = [
        FieldError(name, "must not contain NUL characters")
        for name, values in fields
        if "\x00" in name or any("\x00" in value for value in values)
    ]
    if bad:
        raise InvalidInput(bad)


def moment(value: str | None, field: str) -> dt.datetime | None:
    """A W3C/ISO 8601 date and time with its offset (`2026-01-31T09:00:00Z`), or None."""
    text = (value or "").strip()
    if not text:
        return None
    example = "like 2026-01-31T09:00:00Z or 2026-01-31T09:00:00+01:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput([FieldError(field, f"must be a date and time, {example}")]) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidInput([FieldError(field, f"must include a time zone offset, {example}")])
    try:
        in_range = _EARLIEST <= parsed <= _LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise InvalidInput([FieldError(field, "must be between the years 1900 and 9000")])
    return parsed


def window(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> Window:
    """The span to search: the last 90 days unless told, never more than 90 days long."""
    if start is None and end is None:
        return Window(now - MAX_WINDOW, now)
    if start is None:
        assert end is not None
        return Window(end - MAX_WINDOW, end)
    if end is None:
        return Window(start, start + MAX_WINDOW)
    if end < start:
        raise InvalidInput([FieldError("end_date", "must not be before start_date")])
    if end - start > MAX_WINDOW:
        raise InvalidInput(
            [FieldError("end_date", "the search may not span more than 90 days after start_date")]
        )
    return Window(start, end)


def names(value: str | None, field: str, *, limit: int = MAX_IDS) -> list[str]:
    """A comma-separated list (`PTH-2026-000001,PTH-2026-000002`), without blanks or repeats."""
    found = [part.strip() for part in (value or "").split(",") if part.strip()]
    if len(found) > limit:
        raise InvalidInput([FieldError(field, f"give at most {limit} values")])
    return list(dict.fromkeys(found))


def statuses(value: str | None) -> set[str]:
    """The `status` filter: `open`, `closed` or both; empty means both."""
    wanted = {name.lower() for name in names(value, "status")}
    unknown = wanted - {"open", "closed"}
    if unknown:
        shown = ", ".join(sorted(unknown))
        raise InvalidInput([FieldError("status", f"use open, closed or both; not {shown}")])
    return wanted


def page(query: Mapping[str, str]) -> Page:
    """The widely used `page` (from 1) and `page_size` (up to 1,000) extension."""
    number = _whole(query.get("page"), "page", 1, MAX_PAGE, default=1)
    size = _whole(query.get("page_size"), "page_size", 1, MAX_RESULTS, default=MAX_RESULTS)
    return Page(offset=(number - 1) * size, size=size)


def _whole(value: str | None, field: str, low: int, high: int, *, default: int) -> int:
    text = (value or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise InvalidInput([FieldError(field, f"must be a whole number from {low} to {high}")])
    return int(text)
