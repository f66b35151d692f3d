"""How long a service keeps a closed case's personal data, and whether a resident may have it
erased sooner. Pure: no Django, no database.

A service file says it in its `retention` section::

    retention:
      anonymise_after: {years: 3}      # after the case closed; years, months and/or days
      reason: Decisions can be appealed for three years.
      erasure: on_request              # or after_retention (the default)

A service without the section keeps closed cases for the organisation's default period.
An open case is never erased: the council still needs it to finish the request.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

ON_REQUEST = "on_request"
AFTER_RETENTION = "after_retention"

Action = Literal["erase", "keep", "done"]


@dataclass(frozen=True)
class Policy:
    years: int = 0
    months: int = 0
    days: int = 0
    reason: str = ""
    erasure: str = AFTER_RETENTION

    @classmethod
    def from_definition(cls, definition: dict[str, Any], *, default: Policy) -> Policy:
        """The policy a service file states, or `default` when it states none."""
        section = definition.get("retention")
        if not section:
            return default
        after = section["anonymise_after"]
        return cls(
            years=after.get("years", 0),
            months=after.get("months", 0),
            days=after.get("days", 0),
            reason=section["reason"],
            erasure=section.get("erasure", AFTER_RETENTION),
        )

    def anonymise_at(self, closed_at: dt.datetime) -> dt.datetime:
        """When a case closed at `closed_at` loses its personal data."""
        return _shift(closed_at, self.years * 12 + self.months, self.days)

    def closed_before(self, now: dt.datetime) -> dt.datetime:
        """Cases closed at or before this moment are due for anonymising at `now`."""
        return _shift(now, -(self.years * 12 + self.months), -self.days)

    def describe(self) -> str:
        """'3 years after the case closed', in plain words."""
        parts = [
            f"{count} {unit if count == 1 else unit + 's'}"
            for count, unit in ((self.years, "year"), (self.months, "month"), (self.days, "day"))
            if count
        ]
        if not parts:
            return "as soon as the case closed"
        return f"{' and '.join(parts)} after the case closed"


@dataclass(frozen=True)
class Verdict:
    """What an erasure request does to one case, and why, in words a resident reads."""

    action: Action
    reason: str
    until: dt.date | None = None


def erasure_verdict(
    policy: Policy, *, closed_at: dt.datetime | None, anonymised: bool, now: dt.datetime
) -> Verdict:
    if anonymised:
        return Verdict("done", "Your personal details were already removed from this case.")
    if closed_at is None:
        return Verdict(
            "keep",
            "This request is still open: we need your details to finish it. Withdraw it, or "
            "ask again once it is closed.",
        )
    due = policy.anonymise_at(closed_at)
    if due <= now or policy.erasure == ON_REQUEST:
        return Verdict("erase", "This case is closed and this service lets us remove it now.")
    return Verdict(
        "keep",
        f"We must keep this case until {due.date():%d %B %Y} ({policy.describe()}). "
        f"{policy.reason}",
        until=due.date(),
    )


def _shift(at: dt.datetime, months: int, days: int) -> dt.datetime:
    """`at` moved by whole calendar months (the 31st becomes the month's last day), then days."""
    index = at.year * 12 + at.month - 1 + months
    year, month = divmod(index, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day) + dt.timedelta(days=days)
