"""Admin for sensors: the SensorThings entities to look at, alarm rules to edit, alarms to watch.

SensorThings data is written through the API (`/sta/v1.1/`), so its entities are read-only
here. Rules are checked as the rules file checks them, and a saved rule takes effect at once
in this process (other processes within PUBLICA_LOCAL_CACHE_SECONDS).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from publica.cases import rules as cel_rules
from publica.catalogue.selectors import service_get
from publica.core.errors import PublicaError
from publica.sensors import models, rules
from publica.sensors.alarms import rules_changed


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(models.Thing, models.Location, models.Sensor, models.ObservedProperty)
class NamedEntityAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "description"]
    search_fields = ["name"]


@admin.register(models.Datastream)
class DatastreamAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "thing", "observed_property"]
    list_filter = ["observed_property"]
    search_fields = ["name", "thing__name"]


@admin.register(models.FeatureOfInterest)
class FeatureOfInterestAdmin(ReadOnlyAdmin):
    list_display = ["id", "name"]


@admin.register(models.Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ["id", "datastream", "phenomenon_time", "value"]
    list_select_related = ["datastream"]
    raw_id_fields = ["datastream", "feature_of_interest"]
    show_full_result_count = False  # counting millions of readings on each page is slow


class SensorRuleForm(forms.ModelForm):
    class Meta:
        model = models.SensorRule
        fields = [
            "name", "description", "kind", "parameters", "when", "datastream",
            "observed_property", "service_slug", "auto_resolve", "active",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in rules.parameter_problems(
            str(data.get("kind")), data.get("parameters")
        ):
            self.add_error(field.split(".")[0], f"{field}: {message}")
        if data.get("when"):
            problem = cel_rules.compile_problem(data["when"], allowed=rules.VARIABLES)
            if problem:
                self.add_error("when", problem)
        if bool(data.get("datastream")) == bool(data.get("observed_property")):
            self.add_error("datastream", "Choose a datastream or an observed property, not both.")
        if data.get("service_slug"):
            try:
                service_get(slug=data["service_slug"])
            except PublicaError:
                self.add_error("service_slug", "No active service with this slug.")
        return data


@admin.register(models.SensorRule)
class SensorRuleAdmin(admin.ModelAdmin):
    form = SensorRuleForm
    list_display = ["name", "kind", "datastream", "observed_property", "service_slug", "active"]
    list_filter = ["kind", "active", "auto_resolve"]
    search_fields = ["name"]
    raw_id_fields = ["datastream"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        rules_changed()

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        rules_changed()

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        super().delete_queryset(request, queryset)
        rules_changed()


@admin.register(models.Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ["rule", "datastream", "state", "case", "last_fired_at", "firings", "problem"]
    list_filter = ["state", "rule"]
    list_select_related = ["rule", "datastream", "case"]
