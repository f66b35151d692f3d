"""The outbox in the admin: every message with its attempts, webhook subscriptions (with a
replay action), and opt-outs."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages

from publica.core import clock
from publica.notify.models import DeliveryAttempt, Message, OptOut, WebhookSubscription
from publica.notify.services import subscriptions_changed, webhook_replay


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = readonly_fields = ("number", "at", "outcome", "detail", "duration_ms")
    extra = 0
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "status", "attempts", "created_at", "delivered_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["id", "case__reference", "provider_reference"]
    readonly_fields = [f.name for f in Message._meta.fields]
    exclude = ["body"]
    inlines = [AttemptInline]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "failing_since", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "failing_since", "disabled_reason", "created_at"]
    actions = ["replay_last_day"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_at = clock.now()
        if obj.active:
            obj.failing_since, obj.disabled_reason = None, ""
        super().save_model(request, obj, form, change)
        subscriptions_changed()

    @admin.action(description="Replay the last 24 hours of events")
    def replay_last_day(self, request, queryset):  # type: ignore[no-untyped-def]
        since = clock.now() - dt.timedelta(days=1)
        for subscription in queryset:
            sent = webhook_replay(subscription=subscription, since=since, actor=request.user)
            messages.info(request, f"{subscription.name}: {len(sent)} events queued again")


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["address", "created_at"]
    search_fields = ["address"]
