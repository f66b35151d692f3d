"""The dashboards' figures on the hand-made town of `town.py` (six cases in March 2026, their
right answers worked out by hand in its docstring), and the time buckets medians come from."""

from __future__ import annotations

import datetime as dt

import pytest

from publica.accounts.models import User
from publica.cases.models import Case, Channel
from publica.cases.services import case_transition
from publica.core import clock
from publica.insights import buckets
from publica.insights.filters import Filters
from publica.insights.models import (
    ClosedByAssignee,
    DailyFigures,
    ResolutionBucket,
    WeeklyResolution,
)
from publica.insights.selectors import figures
from publica.insights.services.summaries import summaries_rebuild, summaries_refresh
from publica.insights.tests.town import MARCH, NOW, at, submit


def test_the_hand_made_town_is_what_the_docstring_says(town: dict) -> None:
    cases = {name: Case.objects.get(pk=town[name].pk) for name in "abcdef"}
    assert cases["a"].due_at == at(20, 10)
    assert cases["b"].due_at == at(26, 9)  # 23 Mar, moved on by the three paused days
    assert cases["c"].due_at == at(23, 12)
    assert cases["d"].outcome == "approved" and cases["d"].closed_at is not None
    assert cases["e"].due_at == at(25, 10)
    assert cases["f"].due_at == at(30, 13)


def test_sla_counts_working_days_and_paused_clocks(town: dict) -> None:
    total = figures.flow_by(None, MARCH)[None]
    assert (total.opened, total.closed, total.in_time) == (6, 4, 3)
    assert total.in_time_share == 0.75
    potholes = figures.flow_by("service", MARCH)[town["pothole"].pk]
    assert (potholes.closed, potholes.in_time) == (3, 2)


def test_automation_rate_is_the_share_of_closed_cases_decided_by_rules(town: dict) -> None:
    total = figures.flow_by(None, MARCH)[None]
    assert total.by_rules == 1
    assert total.by_rules_share == 0.25


def test_median_days_to_close(town: dict) -> None:
    # 0, 13, 16 and 16 days: the middle two are 13 and 16.
    assert figures.median_by(None, MARCH)[None] == pytest.approx(14.5)
    assert figures.median_by("service", MARCH)[town["pothole"].pk] == pytest.approx(16.0)


def test_weekly_medians_count_the_cases_closed_each_week(town: dict) -> None:
    weeks = {week.isoformat(): days for week, days in figures.median_by_week(MARCH)}
    # D (0 days) in the week of 9 March, A (13) in the week of 16 March, B and C (16 each)
    # in the week of 23 March.
    assert weeks == {
        "2026-02-23": None,
        "2026-03-02": None,
        "2026-03-09": 0.0,
        "2026-03-16": pytest.approx(13.0),
        "2026-03-23": pytest.approx(16.0),
    }


def test_weekly_flow_lists_every_whole_week_by_its_monday(town: dict) -> None:
    # March 2026 starts on a Sunday and ends on a Tuesday: the weeks run from 23 February
    # to the one starting on 23 March, the last that ends within March.
    weeks = {week.isoformat(): (f.opened, f.closed) for week, f in figures.flow_by_week(MARCH)}
    assert weeks == {
        "2026-02-23": (0, 0),
        "2026-03-02": (1, 0),
        "2026-03-09": (4, 1),
        "2026-03-16": (1, 1),
        "2026-03-23": (0, 2),
    }


def test_backlog_overdue_and_at_risk_count_open_cases_now(town: dict) -> None:
    groups = figures.open_groups(MARCH, now=NOW)
    assert figures.backlog_by("state", groups) == [("Received", 2)]
    assert figures.backlog_by("service", groups) == [("Report a pothole", 2)]
    counts = figures.open_by_service(groups)[town["pothole"].pk]
    assert (counts.open, counts.overdue, counts.at_risk) == (2, 1, 1)


def test_workload_counts_what_each_caseworker_holds(town: dict, caseworker: User) -> None:
    (held,) = figures.workloads(MARCH, figures.open_groups(MARCH, now=NOW))
    assert held.person == str(caseworker)
    assert (held.open, held.overdue, held.closed) == (1, 1, 1)


def test_channel_mix_and_digital_take_up(town: dict) -> None:
    mix = dict(figures.channel_mix(MARCH))
    assert mix["Portal"] == 3 and mix["Open311"] == 1 and mix["API"] == 1
    assert mix["Staff (phone or counter)"] == 1 and mix["Sensor"] == 0
    pothole = next(
        row for row in figures.service_performance(MARCH) if row.service_id == town["pothole"].pk
    )
    assert (pothole.online, pothole.by_residents) == (4, 5)
    assert pothole.digital_share == 0.8


def test_filters_narrow_to_a_department_service_and_period(town: dict) -> None:
    permits = Filters(start=MARCH.start, end=MARCH.end, service=town["d"].service_id)
    assert figures.flow_by(None, permits)[None].opened == 1
    highways = Filters(start=MARCH.start, end=MARCH.end, department=town["a"].department_id)
    assert figures.flow_by(None, highways)[None].closed == 3
    second_half = Filters(start=dt.date(2026, 3, 16), end=dt.date(2026, 3, 31))
    assert (
        figures.flow_by(None, second_half)[None].opened,
        figures.flow_by(None, second_half)[None].closed,
    ) == (1, 3)


def _rows() -> tuple[list[tuple], ...]:
    daily = DailyFigures.objects.order_by("day", "service", "department", "channel")
    resolution = ResolutionBucket.objects.order_by("day", "service", "department", "bucket")
    weekly = WeeklyResolution.objects.order_by("week", "service", "department", "bucket")
    held = ClosedByAssignee.objects.order_by("day", "assignee", "service", "department")
    return (
        list(weekly.values_list("week", "service", "department", "bucket", "cases")),
        list(held.values_list("day", "assignee", "service", "department", "closed")),
        list(
            daily.values_list(
                "day",
                "service",
                "department",
                "channel",
                "opened",
                "closed",
                "closed_in_time",
                "decided_by_rules",
            )
        ),
        list(resolution.values_list("day", "service", "department", "bucket", "cases")),
    )


def test_an_incremental_refresh_gives_what_a_full_rebuild_gives(
    town: dict, caseworker: User
) -> None:
    with clock.at(at(30, 10)):
        case_transition(case=Case.objects.get(pk=town["e"].pk), to="no_action",
                        actor=caseworker, reason="Made safe by the utility company")  # fmt: skip
        submit(town["pothole"], at(30, 11), Channel.PORTAL)
    with clock.at(at(30, 12)):
        assert summaries_refresh() == 2  # 11 March, when E was opened, and 30 March
    refreshed = _rows()
    summaries_rebuild()
    assert _rows() == refreshed
    assert figures.flow_by(None, MARCH)[None].closed == 5


def test_a_refresh_with_nothing_changed_recounts_nothing(town: dict) -> None:
    assert summaries_refresh() == 0


def test_the_first_refresh_of_a_day_rebuilds_everything(town: dict) -> None:
    DailyFigures.objects.filter(day=dt.date(2026, 3, 6)).delete()  # as if a change were missed
    with clock.at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=23)):
        assert summaries_refresh() == 0
    with clock.at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)):
        assert summaries_refresh() > 0
    assert figures.flow_by(None, MARCH)[None].opened == 6


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0.0, 0), (0.99 / 24, 0), (1.5, 36), (2.0, 48), (13.0, 59), (59.99, 105), (60.0, 106),
     (67.0, 107), (5000.0, 205)],
)  # fmt: skip
def test_buckets_in_the_database_match_the_pure_ones(days: float, bucket: int) -> None:
    assert buckets.bucket_of(days) == bucket


def test_a_median_from_buckets_is_the_mean_of_the_middle_bucket() -> None:
    assert buckets.median([]) is None
    assert buckets.median([(59, 1, 13.0), (62, 2, 32.0), (0, 1, 0.0)]) == 14.5
    assert buckets.median([(62, 3, 48.0)]) == 16.0
