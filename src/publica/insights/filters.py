"""What a dashboard is narrowed to: a period, a department and a service. Pure: no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from publica.core.errors import FieldError

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Filters", "parse"]

#: The period a dashboard shows when none is chosen: the last twelve weeks.
DEFAULT_DAYS = 84
#: The longest period one page may cover.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Filters:
    """The days `start` to `end` (both included, UTC), and optionally one department and one
    service (by id; None means all)."""

    start: dt.date
    end: dt.date
    department: int | None = None
    service: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def within(self, department: int | None) -> Filters:
        """These filters held to one department (a department-bound person's own)."""
        return replace(self, department=department) if department is not None else self

    def query(self) -> dict[str, str]:
        """The filters as the query string a link to the same view needs."""
        found = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.department is not None:
            found["department"] = str(self.department)
        if self.service is not None:
            found["service"] = str(self.service)
        return found


def parse(
    query: Mapping[str, str], today: dt.date, default_days: int = DEFAULT_DAYS
) -> tuple[Filters, list[FieldError]]:
    """Filters from a query string; a bad value is reported by its field name and replaced by
    the default, so the page still shows figures."""
    errors: list[FieldError] = []
    end = _date(query, "to", today, errors)
    start = _date(query, "from", end - dt.timedelta(days=default_days - 1), errors)
    if start > end:
        errors.append(FieldError("from", "The start date must be on or before the end date"))
        start = end - dt.timedelta(days=default_days - 1)
    elif (end - start).days + 1 > MAX_DAYS:
        errors.append(FieldError("from", f"Choose a period of at most {MAX_DAYS} days"))
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    return (
        Filters(
            start=start,
            end=end,
            department=_id(query, "department", errors),
            service=_id(query, "service", errors),
        ),
        errors,
    )


def _date(
    query: Mapping[str, str], field: str, default: dt.date, errors: list[FieldError]
) -> dt.date:
    text = (query.get(field) or "").strip()
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(field, "Enter a real date, like 2026-03-31"))
        return default


def _id(query: Mapping[str, str], field: str, errors: list[FieldError]) -> int | None:
    text = (query.get(field) or "").strip()
    if not text:
        return None
    if not text.isdecimal() or len(text) > 9:
        errors.append(FieldError(field, f"Choose a {field} from the list"))
        return None
    return int(text)
