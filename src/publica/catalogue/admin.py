"""Services and their versions in the admin: read-only, since versions change only by loading."""

from __future__ import annotations

import io

from django.contrib import admin
from django.utils.html import format_html
from ruamel.yaml import YAML

from publica.catalogue.models import Service, ServiceVersion
from publica.core import recent


class ServiceVersionInline(admin.TabularInline):
    model = ServiceVersion
    fields = readonly_fields = ("number", "checksum", "source", "created_at")
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "department", "current_version", "is_active"]
    list_filter = ["kind", "department", "is_active"]
    search_fields = ["slug", "title"]
    readonly_fields = ["slug", "title", "summary", "kind", "group", "department", "current_version"]
    inlines = [ServiceVersionInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        recent.forget(f"service:{obj.slug}")  # taken offline or back at once here


@admin.register(ServiceVersion)
class ServiceVersionAdmin(admin.ModelAdmin):
    list_display = ["service", "number", "created_at", "source"]
    list_filter = ["service"]
    fields = readonly_fields = ("service", "number", "checksum", "source", "created_at", "as_yaml")

    @admin.display(description="Service file (YAML)")
    def as_yaml(self, version: ServiceVersion) -> str:
        buffer = io.StringIO()
        YAML().dump(version.definition, buffer)
        return format_html("<pre>{}</pre>", buffer.getvalue())

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
