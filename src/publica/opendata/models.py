"""Published datasets and the snapshot tables that hold live data made safe to publish."""

from __future__ import annotations

import uuid

from django.db import models


class Dataset(models.Model):
    """A dataset's published record: its identity, stable across rebuilds (CKAN's `id` and
    `name`, DCAT's identifier), and what changes when it is rebuilt. What the dataset is
    (title, description, columns) comes from its registry definition, in code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(max_length=100, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    licence = models.CharField(max_length=50, help_text="An SPDX licence id, e.g. CC-BY-4.0.")
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField(help_text="When its data or description last changed.")
    built_at = models.DateTimeField(null=True, blank=True, help_text="Last rebuilt or read.")
    row_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceRequestRow(models.Model):
    """One report or application, as the service-requests dataset publishes it: no names,
    no free text, times to the hour, and the place only as a grid cell that holds enough
    reports of that service not to single anyone out."""

    service_code = models.CharField(max_length=50)
    service_name = models.CharField(max_length=200)
    department = models.CharField(max_length=200)
    status = models.CharField(max_length=10, help_text="open or closed")
    outcome = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=10)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    days_to_close = models.FloatField(null=True, blank=True)
    area = models.CharField(max_length=30, blank=True)
    area_latitude = models.FloatField(null=True, blank=True)
    area_longitude = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["service_code", "opened_at"]),
            models.Index(fields=["opened_at"]),
            models.Index(fields=["status", "opened_at"]),
            models.Index(fields=["area"]),
        ]

    def __str__(self) -> str:
        return f"{self.service_code} opened {self.opened_at:%Y-%m-%d %H}h"


class DailyVolumeRow(models.Model):
    """Reports opened and closed per service per day; a count below the threshold is null."""

    day = models.DateField()
    service_code = models.CharField(max_length=50)
    service_name = models.CharField(max_length=200)
    opened = models.PositiveIntegerField(null=True, blank=True)
    closed = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["service_code", "day"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.service_code} on {self.day}"


class SlaPerformanceRow(models.Model):
    """Cases closed per service per month and the share closed within their service level;
    a month with fewer closed cases than the threshold publishes no figures."""

    month = models.DateField(help_text="The first day of the month.")
    service_code = models.CharField(max_length=50)
    service_name = models.CharField(max_length=200)
    department = models.CharField(max_length=200)
    closed = models.PositiveIntegerField(null=True, blank=True)
    within_sla = models.PositiveIntegerField(null=True, blank=True)
    within_sla_share = models.FloatField(null=True, blank=True)
    median_days = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["service_code", "month"])]

    def __str__(self) -> str:
        return f"{self.service_code} in {self.month:%Y-%m}"
