"""Responses remembered for `Idempotency-Key`, so a retried POST never acts twice."""

from __future__ import annotations

from django.db import models


class IdempotentRequest(models.Model):
    """The first response to a POST with a given key from a given API key."""

    api_key = models.ForeignKey("accounts.ApiKey", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="one_response_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key}"
