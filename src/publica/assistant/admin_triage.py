"""Triage models and suggestions in the admin: read-only, since the scores and suggestions
are records of what the classifier did. Imported by `publica.assistant.admin`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from publica.assistant.models import Triage, TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ["trained_at", "samples", "held_out", "accuracy", "macro_f1", "active"]
    list_filter = ["active"]
    exclude = ["pipeline"]  # joblib bytes: nothing a person can read
    readonly_fields = ["trained_at", "samples", "held_out", "services", "accuracy", "macro_f1",
                       "report", "active"]  # fmt: skip
    date_hierarchy = "trained_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `publica assistant train` makes models

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Triage)
class TriageAdmin(admin.ModelAdmin):
    list_display = ["case", "suggested_service_slug", "confidence", "state", "created_at",
                    "decided_at"]  # fmt: skip
    list_filter = ["state", "suggested_service_slug"]
    search_fields = ["case__reference", "suggested_service_slug"]
    raw_id_fields = ["case", "model", "decided_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # triage_case records suggestions

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions go through the triage queue, which moves the case too
