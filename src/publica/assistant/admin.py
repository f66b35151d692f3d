"""The assistant's records in the admin: help questions here; triage models and suggestions,
and review flags, in their own modules, registered by importing them."""

from __future__ import annotations

from django.contrib import admin

from publica.assistant import admin_flags, admin_triage  # noqa: F401  (they register)
from publica.assistant.models import Question


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """Help questions, already scrubbed of personal details; read-only but for `reviewed`."""

    list_display = ["asked_at", "text", "channel", "best_service_slug", "confidence", "answered",
                    "reviewed"]  # fmt: skip
    list_filter = ["answered", "reviewed", "channel"]
    search_fields = ["text", "best_service_slug"]
    readonly_fields = ["asked_at", "text", "language", "channel", "best_service_slug",
                       "confidence", "answered"]  # fmt: skip
    date_hierarchy = "asked_at"
