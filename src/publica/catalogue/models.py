"""Services and their immutable, numbered versions."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db import models

from publica.cases.workflow import Workflow


class Service(models.Model):
    """What a resident can do: report a problem or apply. Its rules live in its versions."""

    class Kind(models.TextChoices):
        REPORT = "report"
        APPLICATION = "application"

    slug = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    group = models.CharField(max_length=100, blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="services"
    )
    current_version = models.ForeignKey(
        "catalogue.ServiceVersion",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text="The version new cases are submitted under.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "title"]

    def __str__(self) -> str:
        return self.title


class ServiceVersion(models.Model):
    """One loaded service file, never changed after it is written; cases pin the version."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(help_text="The checked service file as data.")
    checksum = models.CharField(max_length=64)
    source = models.CharField(max_length=500, blank=True, help_text="Where it was loaded from.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["service", "number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.service.slug} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a ServiceVersion is immutable; load a new version instead")
        super().save(*args, **kwargs)

    @cached_property
    def workflow(self) -> Workflow:
        key = (self.pk, self.checksum)
        if key not in _WORKFLOWS:  # read the definition only on a miss: lists defer it
            _WORKFLOWS[key] = Workflow.from_definition(self.definition["workflow"])
        return _WORKFLOWS[key]

    @property
    def form_schema(self) -> dict[str, Any]:
        return dict(self.definition["form"]["schema"])


#: Versions never change, so each workflow is parsed once per process, not once per case row.
_WORKFLOWS: dict[tuple[int, str], Workflow] = {}
