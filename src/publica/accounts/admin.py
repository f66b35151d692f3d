from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from publica.accounts.models import Department, Organisation, User


@admin.register(User)
class PublicaUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "department", "is_active"]
    list_filter = ["role", "department", "is_active"]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Publica", {"fields": ["role", "department"]}))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation", "supervisor"]
