"""Read-mostly admin for cases: the timeline is append-only, so events are never editable."""

from django.contrib import admin

from publica.cases.models import Case, CaseEvent, InformationRequest


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = readonly_fields = (
        "created_at", "kind", "actor", "actor_role", "actor_label", "data", "public",
    )  # fmt: skip
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "service", "state", "priority", "department", "due_at", "flagged"]
    list_filter = ["department", "service", "state", "priority", "flagged", "channel"]
    search_fields = ["reference"]
    date_hierarchy = "submitted_at"
    inlines = [CaseEventInline]
    readonly_fields = [field.name for field in Case._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # cases enter through case_submit, never straight into the table

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # a case and its timeline are a record; retention anonymises, never deletes


@admin.register(InformationRequest)
class InformationRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "requested_at", "answered_at"]
    readonly_fields = ["case", "question", "requested_by", "requested_at", "answer", "answered_at"]
