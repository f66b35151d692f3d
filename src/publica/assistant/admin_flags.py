"""Read-only admin for review flags: staff settle flags in the back office (/staff/review-flags/),
where clearing or confirming also writes to the case's timeline, so the admin never edits one."""

from django.contrib import admin

from publica.assistant.models import ReviewFlag


@admin.register(ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    list_display = ["case", "state", "anomaly_score", "created_at", "reviewed_at", "reviewed_by"]
    list_filter = ["state"]
    search_fields = ["case__reference"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ReviewFlag._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # raised by the checks when an application is submitted

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
