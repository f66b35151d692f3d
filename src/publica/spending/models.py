"""Budget lines, spend transactions, the imports they came from, and public projects with
their milestones and status updates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from publica.spending import years

#: Money: up to 999,999,999,999.99 pounds.
MAX_DIGITS, DECIMAL_PLACES = 14, 2


class ImportKind(models.TextChoices):
    BUDGET = "budget", _("Budget")
    SPEND = "spend", _("Spending")


class ImportRecord(models.Model):
    """One CSV file imported whole: what it was, its fingerprint, and who imported it."""

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, help_text="Of the file's bytes, in hex.")
    row_count = models.PositiveIntegerField()
    financial_years = models.JSONField(
        default=list, help_text="For a budget: the years it replaced, as starting years."
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_by_label = models.CharField(
        max_length=100, help_text="Who imported it in words (a person, or the command line)."
    )
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.file_name}"


class BudgetLine(models.Model):
    """What a department plans to spend on a programme in a financial year."""

    financial_year = models.PositiveSmallIntegerField(
        help_text="The calendar year the financial year starts in (2025 for 2025-26)."
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="budget_lines"
    )
    programme = models.CharField(max_length=120)
    cost_centre = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    imported_in = models.ForeignKey(
        ImportRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["financial_year", "department__name", "programme", "cost_centre"]
        indexes = [
            models.Index(fields=["financial_year", "department", "programme"],
                         name="budget_line_year_programme"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.financial_year_label} {self.programme}: £{self.amount:,}"

    @property
    def financial_year_label(self) -> str:
        return years.label(self.financial_year)


class SpendTransaction(models.Model):
    """One payment. The supplier of a payment to a private individual is never stored or
    published: pages and downloads show it as `REDACTED_SUPPLIER`."""

    date = models.DateField()
    financial_year = models.PositiveSmallIntegerField(help_text="Derived from the date.")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="spend_transactions"
    )
    programme = models.CharField(max_length=120)
    supplier = models.CharField(max_length=200, blank=True)
    payee_is_individual = models.BooleanField()
    description = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        help_text="Negative for a refund or credit note.",
    )
    reference = models.CharField(
        max_length=64, unique=True, help_text="The council's own transaction reference."
    )
    project = models.ForeignKey(
        "spending.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="spend_transactions",
    )
    imported_in = models.ForeignKey(
        ImportRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "reference"]
        indexes = [
            models.Index(fields=["financial_year", "department", "programme"],
                         name="spend_year_programme"),
            models.Index(fields=["-date", "reference"], name="spend_latest"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.reference} {self.date} £{self.amount:,}"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in-progress", _("In progress")
    PAUSED = "paused", _("Paused")
    COMPLETE = "complete", _("Complete")
    CANCELLED = "cancelled", _("Cancelled")


class Project(models.Model):
    """A piece of public work residents can follow, like resurfacing a road."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    summary = models.TextField(max_length=2000)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="projects"
    )
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    budget = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    place_name = models.CharField(max_length=120, help_text="Where it is, in words.")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    expected_end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                name="project_point_whole_or_none",
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("spending:project", kwargs={"slug": self.slug})


class Milestone(models.Model):
    """A step of a project; its weight is its share of the work in the percentage complete."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=120)
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_complete(self) -> bool:
        return self.completed_on is not None


class StatusUpdate(models.Model):
    """What staff told the public about a project on a day, and its status then."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    posted_on = models.DateField()
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["-posted_on", "-posted_at"]

    def __str__(self) -> str:
        return f"{self.project} on {self.posted_on}"
