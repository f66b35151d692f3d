"""The outbox: every email, SMS and webhook call, written in the transaction of the event that
caused it, and every attempt to deliver it."""

from __future__ import annotations

import secrets
import uuid

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class Status(models.TextChoices):
    QUEUED = "queued"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure", "Temporary failure (will retry)"
    PERMANENT_FAILURE = "permanent-failure"


#: Statuses the worker still has to act on.
OPEN = (Status.QUEUED, Status.TEMPORARY_FAILURE)


class Message(models.Model):
    """One message to one recipient. Its id is stable across retries (the email's
    Message-ID, the webhook's `webhook-id`), so a receiver can drop a second copy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    event = models.ForeignKey(
        "cases.CaseEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subscription = models.ForeignKey(
        "WebhookSubscription",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    kind = models.CharField(max_length=40, help_text="What it is about, e.g. case.transitioned.")
    recipient = models.CharField(max_length=500, help_text="Email address, phone or URL.")
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    body = models.BinaryField(blank=True, default=b"", help_text="A webhook's exact payload.")
    essential = models.BooleanField(default=True, help_text="Sent even to those who opted out.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["queued", "temporary-failure"]),
                name="messages_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} ({self.status})"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Status.choices)
    detail = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["message", "at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.outcome}"


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 24 random bytes."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookSubscription(models.Model):
    """Another system's URL and the case events it wants, signed with its own secret."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list, help_text="Empty means every event type.")
    services = models.JSONField(default=list, help_text="Service slugs; empty means all.")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    owner_email = models.EmailField(blank=True, help_text="Told when the URL is disabled.")
    api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class OptOut(models.Model):
    """Someone who asked for no non-essential messages at this address."""

    address = models.CharField(max_length=320, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return "opted out"
