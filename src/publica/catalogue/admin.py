from django.contrib import admin

from publica.catalogue.models import Service, ServiceVersion


class ServiceVersionInline(admin.TabularInline):
    model = ServiceVersion
    fields = readonly_fields = ("number", "checksum", "source", "created_at")
    extra = 0
    can_delete = False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "department", "current_version", "is_active"]
    list_filter = ["kind", "department", "is_active"]
    search_fields = ["slug", "title"]
    readonly_fields = ["slug", "title", "summary", "kind", "group", "department", "current_version"]
    inlines = [ServiceVersionInline]
