"""A resident's request to erase what is held about them, and how each case was handled."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ErasureRequest(models.Model):
    """Asked for by a resident; decided at once, case by case, as each service's retention
    rules allow. `outcome` lists every case with what was done and why, in plain words."""

    class Status(models.TextChoices):
        DONE = "done", "Erased"
        PARTLY = "partly", "Partly erased"
        REFUSED = "refused", "Kept for now"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    outcome = models.JSONField(
        default=list, help_text="[{case, action: erased|kept, reason, until}] for each case."
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"erasure request {self.pk}"
