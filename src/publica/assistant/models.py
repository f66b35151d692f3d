"""What the assistant keeps: questions residents asked (scrubbed), triage models and their
suggestions, and review flags on applications."""

from __future__ import annotations

from django.db import models


class Question(models.Model):
    """A help question, kept to improve the catalogue: emails, phone numbers and names are
    removed before it is stored, and it is never linked to who asked."""

    class Channel(models.TextChoices):
        PORTAL = "portal"
        API = "api"

    asked_at = models.DateTimeField(db_index=True)
    text = models.TextField(help_text="The question with personal details removed.")
    language = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    best_service_slug = models.SlugField(max_length=80, blank=True)
    confidence = models.FloatField(default=0.0)
    answered = models.BooleanField(help_text="Confident enough to answer with a service.")
    reviewed = models.BooleanField(default=False, help_text="Staff have dealt with it.")

    class Meta:
        ordering = ["-asked_at"]
        indexes = [models.Index(fields=["answered", "reviewed", "asked_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class TriageModel(models.Model):
    """A report classifier trained from past cases, with its scores on held-back cases; the
    newest active one suggests services."""

    trained_at = models.DateTimeField()
    samples = models.PositiveIntegerField(help_text="Cases it learnt from.")
    held_out = models.PositiveIntegerField(help_text="Cases held back to score it.")
    services = models.JSONField(help_text="The service slugs it can suggest.")
    accuracy = models.FloatField()
    macro_f1 = models.FloatField()
    report = models.JSONField(default=dict, help_text="Precision, recall and F1 per service.")
    pipeline = models.BinaryField(help_text="The fitted scikit-learn pipeline (joblib).")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"triage model of {self.trained_at:%Y-%m-%d %H:%M} (accuracy {self.accuracy:.2f})"


class Triage(models.Model):
    """The classifier's suggestion for one case, and what became of it: routed by itself
    (confident, and the service's automation allows it), or waiting in the triage queue."""

    class State(models.TextChoices):
        ROUTED = "routed", "Routed automatically"
        PENDING = "pending", "Waiting for a person"
        CONFIRMED = "confirmed", "Confirmed by staff"
        CHANGED = "changed", "Moved by staff"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="triage")
    model = models.ForeignKey(TriageModel, on_delete=models.SET_NULL, null=True, blank=True)
    suggested_service_slug = models.SlugField(max_length=80)
    confidence = models.FloatField()
    alternatives = models.JSONField(default=list, help_text="[[slug, confidence], …], best first.")
    state = models.CharField(max_length=10, choices=State.choices)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.suggested_service_slug} ({self.confidence:.2f})"


class ReviewFlag(models.Model):
    """An application that needs a person to look at it before it is decided, with the
    reasons in plain words. A flag never rejects anything by itself."""

    class State(models.TextChoices):
        OPEN = "open"
        CLEARED = "cleared", "Cleared: nothing wrong"
        CONFIRMED = "confirmed", "Confirmed: acted on"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="review_flag")
    reasons = models.JSONField(help_text="Human-readable reasons, one string each.")
    checks = models.JSONField(default=list, help_text="The explicit checks that matched.")
    anomaly_score = models.FloatField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"review flag on case {self.case_id}"
