"""SLA calendars, without a database."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from publica.cases import sla

LONDON = dt.timezone(dt.timedelta(0))
FRIDAY = dt.datetime(2026, 12, 18, 15, 30, tzinfo=LONDON)
ENGLAND = sla.public_holidays("GB", "ENG")


def test_working_days_skip_weekends_and_keep_the_time_of_day():
    assert sla.due_at(FRIDAY, 1, "working") == dt.datetime(2026, 12, 21, 15, 30, tzinfo=LONDON)


def test_working_days_skip_public_holidays():
    # Christmas Day and Boxing Day (observed Monday 28th) are not working days in England.
    due = sla.due_at(FRIDAY, 5, "working", ENGLAND)
    assert due.date() == dt.date(2026, 12, 29)  # 21-24, then 29: 25th and 28th are closed


def test_a_weekend_submission_starts_counting_on_monday():
    saturday = dt.datetime(2026, 3, 7, 9, 0, tzinfo=LONDON)
    assert sla.due_at(saturday, 1, "working").date() == dt.date(2026, 3, 10)


def test_calendar_days_count_every_day():
    assert sla.due_at(FRIDAY, 3, "calendar") == FRIDAY + dt.timedelta(days=3)


def test_working_days_between_counts_in_either_direction():
    monday = dt.date(2026, 3, 2)
    assert sla.working_days_between(monday, dt.date(2026, 3, 9)) == 5
    assert sla.working_days_between(dt.date(2026, 3, 9), monday) == -5


@given(
    start=st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    days=st.integers(min_value=1, max_value=60),
)
def test_due_date_is_a_working_day_exactly_the_sla_away(start, days):
    start = start.replace(tzinfo=LONDON)
    due = sla.due_at(start, days, "working", ENGLAND)
    assert due.weekday() < 5 and due.date() not in ENGLAND
    assert due.time() == start.time()
    assert due - start >= dt.timedelta(days=days)
    first = start.date()
    while first.weekday() >= 5 or first in ENGLAND:
        first += dt.timedelta(days=1)
    assert sla.working_days_between(first, due.date(), ENGLAND) == days
