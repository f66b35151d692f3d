"""Half-finished applications that a signed-in resident can come back to."""

from __future__ import annotations

from django.db import models


class Draft(models.Model):
    """A resident's answers so far to one service; removed once the case is submitted."""

    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="drafts")
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "service"], name="one_draft_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.owner} / {self.service}"
