"""Residents' alert pages: ask for alerts, confirm them, and change or stop them by the signed
link in every message. Each page parses the form, calls one service and renders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from publica.accounts.models import User
from publica.alerts import links, selectors, services
from publica.alerts.forms import area_arguments, area_values, field_errors, form_context
from publica.alerts.models import AlertChannel, AlertSubscription, Topic
from publica.core.actors import Actor, ContactActor
from publica.core.errors import InvalidInput, NotFound

#: The form's fields in page order, for the error summary.
SUBSCRIBE_FIELDS = ("area", "ward", "latitude", "longitude", "radius_m", "topics", "channel",
                    "email", "phone")  # fmt: skip


@ratelimit(key="ip", rate="20/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Get alerts for your area: a ward or a point and distance, topics, email or text."""
    user = _resident(request)
    values = _subscribe_values(request.POST) if request.method == "POST" else _blank(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        address = values["phone"] if values["channel"] == "sms" else values["email"]
        actor: Actor = user or ContactActor(address)
        try:
            services.alert_subscribe(
                channel=values["channel"],
                address=address,
                topics=values["topics"],
                actor=actor,
                **area_arguments(values),
            )
        except InvalidInput as exc:
            address_field = "phone" if values["channel"] == "sms" else "email"
            errors = field_errors(exc.errors, {"address": address_field})
        else:
            return redirect(f"{reverse('alerts:sent')}?by={values['channel']}")
    return render(
        request,
        "alerts/start.html",
        {
            **form_context(values, errors, SUBSCRIBE_FIELDS),
            "topics": Topic.choices,
            "channels": AlertChannel.choices,
            "subscriptions": _with_links(selectors.subscription_list_for(user)) if user else [],
        },
    )


def sent(request: HttpRequest) -> HttpResponse:
    by_text = request.GET.get("by") == "sms"
    return render(request, "alerts/sent.html", {"by_text": by_text, "days": links.CONFIRM_DAYS})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Start the alerts. The link opens a page with a button, so a mail scanner that follows
    links cannot start alerts nobody asked for."""
    try:
        subscription = selectors.subscription_by_confirm_link(token)
    except NotFound:
        return _bad_link(request)
    if request.method == "POST":
        subscription = services.alert_confirm(
            subscription=subscription, actor=ContactActor(subscription.address)
        )
    return render(
        request,
        "alerts/confirm.html",
        {"subscription": subscription, "manage_url": links.manage_path(subscription.pk)},
    )


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """What a subscription is for, and a button to stop it (or every alert to the address)."""
    try:
        subscription = selectors.subscription_by_manage_link(token)
    except NotFound:
        return _bad_link(request)
    stopped = None
    if request.method == "POST":
        stopped = services.alert_unsubscribe(
            subscription=subscription,
            every_alert=request.POST.get("which") == "all",
            actor=ContactActor(subscription.address),
        )
        subscription.refresh_from_db()
    return render(
        request,
        "alerts/manage.html",
        {"subscription": subscription, "stopped": stopped},
    )


# Helpers


def _subscribe_values(post: QueryDict) -> dict[str, Any]:
    return {
        **area_values(post),
        "topics": [topic[:40] for topic in post.getlist("topics")[:20]],
        "channel": post.get("channel", "")[:10],
        "email": post.get("email", "").strip()[:320],
        "phone": post.get("phone", "").strip()[:40],
    }


def _blank(user: User | None) -> dict[str, Any]:
    email = user.email if user else ""
    return {"area": "", "ward": "", "latitude": "", "longitude": "", "radius_m": "500",
            "topics": [], "channel": "", "email": email, "phone": ""}  # fmt: skip


def _resident(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and getattr(user, "is_resident", False):
        return user  # type: ignore[return-value]
    return None


def _with_links(subscriptions: Iterable[AlertSubscription]) -> list[dict[str, Any]]:
    return [{"subscription": s, "manage_url": links.manage_path(s.pk)} for s in subscriptions]


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "heading": _("This link does not work"),
            "text": _(
                "It has expired or is not complete. Copy the whole link from the message, or "
                "ask for alerts again."
            ),
        },
        status=404,
    )
