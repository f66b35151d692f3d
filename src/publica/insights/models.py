"""Summary tables the dashboards read, resident ratings, and stored forecasts.

The dashboards never count cases row by row: `services.summaries` keeps per-day summary rows
up to date (days in UTC, as in the open datasets), and every figure is a sum over them. Open
cases (backlog, overdue, workload) are few enough to count live.
"""

from __future__ import annotations

import uuid

from django.db import models


class DailyFigures(models.Model):
    """Cases opened and closed on one UTC day, per service, department and channel.

    Opened cases count on the day they were submitted, closed cases on the day they closed.
    `days_to_close` is the sum over the cases closed that day, for means.
    """

    day = models.DateField()
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10)
    opened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_in_time = models.PositiveIntegerField(
        default=0, help_text="Closed no later than due (the due time moves on while paused)."
    )
    decided_by_rules = models.PositiveIntegerField(
        default=0, help_text="Closed by an automation rule's transition, not by a person."
    )
    days_to_close = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "department", "channel"], name="daily_figures_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service_id}/{self.department_id}/{self.channel}"


class ResolutionBucket(models.Model):
    """How many cases closed on one UTC day took a time in one bucket (`buckets.py`), per
    service and department, with the sum of their days: medians without reading cases."""

    day = models.DateField()
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    bucket = models.PositiveSmallIntegerField()
    cases = models.PositiveIntegerField()
    days_sum = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "department", "bucket"], name="resolution_bucket_key"
            )
        ]
        # Medians read a period from this index alone, never the table (a year at a million
        # cases is some 200,000 rows).
        indexes = [
            models.Index(
                fields=["day", "service", "department", "bucket", "cases", "days_sum"],
                name="resolution_bucket_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service_id}/{self.department_id} #{self.bucket}"


class WeeklyResolution(models.Model):
    """`ResolutionBucket` added up per week (starting Monday), for the weekly median trend."""

    week = models.DateField()
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    bucket = models.PositiveSmallIntegerField()
    cases = models.PositiveIntegerField()
    days_sum = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "service", "department", "bucket"], name="weekly_resolution_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["week", "service", "department", "bucket", "cases", "days_sum"],
                name="weekly_resolution_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.service_id}/{self.department_id} #{self.bucket}"


class ClosedByAssignee(models.Model):
    """Cases closed on one UTC day while assigned to a person, per service and department."""

    day = models.DateField()
    assignee = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    closed = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "assignee", "service", "department"], name="closed_by_assignee_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.assignee_id}: {self.closed}"


class HotspotCount(models.Model):
    """Reports with a place submitted on one UTC day, per service and H3 cell."""

    day = models.DateField()
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    cell = models.CharField(max_length=16, help_text="The H3 cell, as its hexadecimal index.")
    reports = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "department", "cell"], name="hotspot_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service_id} {self.cell}"


class RefreshMark(models.Model):
    """How far the summaries have read: cases updated after `through` are not in them yet."""

    name = models.CharField(max_length=40, unique=True)
    through = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(
        null=True, blank=True, help_text="The last full rebuild; a refresh rebuilds daily."
    )

    def __str__(self) -> str:
        return f"{self.name} through {self.through}"


class Rating(models.Model):
    """A resident's answer to "how satisfied are you?" once their case closed.

    Stored without identity: no case, no person and no time of day, and a random key so the
    order of rows tells nothing. `RatingReceipt` records only that a case's rating was given.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    score = models.PositiveSmallIntegerField(
        help_text="1 (very dissatisfied) to 5 (very satisfied)."
    )

    class Meta:
        # Satisfaction per service reads a period from this index alone.
        indexes = [
            models.Index(fields=["day", "service", "department", "score"], name="ratings_cover")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service_id}: {self.score}"


class RatingReceipt(models.Model):
    """That a case's rating was given (so it is asked once); not which rating."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"rated: {self.case_id}"


class HandlingTime(models.Model):
    """The staff time one case of a service takes on average, set by a manager: turns a
    forecast of cases into staff hours."""

    service = models.OneToOneField(
        "catalogue.Service", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    minutes = models.PositiveIntegerField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.service_id}: {self.minutes} min"


class ForecastRun(models.Model):
    """One forecast of a service's weekly volume, with how well the same method did on the
    weeks it was last held back from (the backtest)."""

    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    made_at = models.DateTimeField()
    method = models.CharField(max_length=120, help_text="The model, in words.")
    history_weeks = models.PositiveIntegerField()
    backtest_weeks = models.PositiveIntegerField(default=0)
    backtest_mae = models.FloatField(null=True, blank=True, help_text="Mean absolute error.")
    backtest_mape = models.FloatField(
        null=True, blank=True, help_text="Mean absolute percentage error, as a share."
    )
    coverage = models.FloatField(
        null=True, blank=True, help_text="Share of backtest weeks inside the interval."
    )

    class Meta:
        indexes = [models.Index(fields=["service", "-made_at"])]

    def __str__(self) -> str:
        return f"{self.service_id} forecast {self.made_at:%Y-%m-%d}"


class ForecastWeek(models.Model):
    """One forecast week: the expected number of new cases and its prediction interval."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="weeks")
    week = models.DateField(help_text="The Monday the week starts on.")
    expected = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()

    class Meta:
        ordering = ["week"]
        constraints = [models.UniqueConstraint(fields=["run", "week"], name="forecast_week_key")]

    def __str__(self) -> str:
        return f"{self.week}: {self.expected:.1f}"
