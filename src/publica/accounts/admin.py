from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from publica.accounts.apikeys import SCOPES, apikey_create, apikey_revoke
from publica.accounts.models import ApiKey, Department, Organisation, User
from publica.core import recent


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


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "department", "rate_per_minute"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here or with `publica apikeys create`; the secret is shown once."""

    form = ApiKeyForm
    list_display = ["name", "prefix", "department", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["department"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["prefix", "scopes", "department", "created_at", "revoked_at"] if obj else []

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            super().save_model(request, obj, form, change)
            recent.forget(f"apikey:{obj.prefix}")  # a new rate limit applies at once here
            return
        key, raw = apikey_create(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            department=form.cleaned_data["department"],
            rate_per_minute=form.cleaned_data["rate_per_minute"],
            actor=request.user,
        )
        obj.pk = key.pk
        messages.warning(request, f"Copy this key now; it is not shown again: {raw}")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        for key in queryset:
            apikey_revoke(key=key, actor=request.user)
