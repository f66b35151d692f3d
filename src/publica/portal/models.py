"""Half-finished applications, and files uploaded to a form that has not been sent yet."""

from __future__ import annotations

import uuid

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


class PendingUpload(models.Model):
    """A file uploaded to a form question before the form is sent; it becomes the case's
    attachment on submission, and is deleted after a day if the form is never sent."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_key = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to="pending/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
