"""The back office's alert pages: published alerts with how many each reached, and publishing
one (write it, see how many subscribers it would reach, then publish)."""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from publica.accounts.models import User
from publica.alerts import selectors, services
from publica.alerts.forms import area_arguments, area_values, field_errors, form_context
from publica.alerts.models import Alert, Topic
from publica.core.errors import InvalidInput, PermissionDenied
from publica.portal.staff import staff_required

PUBLISH_FIELDS = ("title", "body", "topic", "area", "ward", "latitude", "longitude", "radius_m",
                  "starts_at", "ends_at")  # fmt: skip


@staff_required
def alert_list(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    page = Paginator(selectors.alert_list(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/staff/list.html",
        {"page": page, "may_publish": actor.role in services.PUBLISHER_ROLES},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def publish(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST `preview`: check it and show who it would reach. POST `publish`:
    send it. POST `change`: back to the form with what was written."""
    actor: User = request.user  # type: ignore[assignment]
    if actor.role not in services.PUBLISHER_ROLES:
        return _not_allowed(request)
    action = request.POST.get("action", "")
    values = _publish_values(request.POST) if request.method == "POST" else _blank()
    errors: dict[str, str] = {}
    if action in ("preview", "publish"):
        try:
            draft = services.alert_draft(
                title=values["title"], body=values["body"], topic=values["topic"],
                starts_at=values["starts_at"], ends_at=values["ends_at"], actor=actor,
                **area_arguments(values),
            )  # fmt: skip
            if action == "publish":
                alert = services.alert_publish(draft=draft, key=values["key"], actor=actor)
                messages.success(request, _sent_text(alert.recipient_count))
                return redirect("staff_alerts:list")
            return _preview(request, values, draft)
        except InvalidInput as exc:
            errors = field_errors(exc.errors, {})
        except PermissionDenied:
            return _not_allowed(request)
    return render(
        request,
        "alerts/staff/publish.html",
        {**form_context(values, errors, PUBLISH_FIELDS), "topics": Topic.choices},
    )


def _preview(
    request: HttpRequest, values: dict[str, Any], draft: services.AlertDraft
) -> HttpResponse:
    recipients = selectors.alert_audience(
        topic=draft.topic, area=draft.area, ward=draft.place.get("ward")
    )
    counts = selectors.audience_counts(recipients)
    busiest = max(counts.values(), default=0)
    return render(
        request,
        "alerts/staff/preview.html",
        {
            "values": {**values, "key": str(uuid.uuid4())},  # one alert per preview
            "draft": draft,
            "topic": Topic(draft.topic).label,
            "area": Alert(**draft.place).area_text,
            "total": len(recipients),
            "emails": counts.get("email", 0),
            "texts": counts.get("sms", 0),
            "minutes": math.ceil(busiest / settings.PUBLICA_ALERT_RATE_PER_MINUTE),
        },
    )


def _publish_values(post: QueryDict) -> dict[str, Any]:
    return {
        "title": post.get("title", "").strip()[:500],
        "body": post.get("body", "")[:5000],
        "topic": post.get("topic", "")[:40],
        **area_values(post),
        "starts_at": post.get("starts_at", "").strip()[:40],
        "ends_at": post.get("ends_at", "").strip()[:40],
        "key": post.get("key", "")[:40],
    }


def _blank() -> dict[str, Any]:
    return {"title": "", "body": "", "topic": "", "area": "", "ward": "", "latitude": "",
            "longitude": "", "radius_m": "", "starts_at": "", "ends_at": "", "key": ""}  # fmt: skip


def _sent_text(count: int) -> str:
    return ngettext(
        "Alert published. It is on its way to %(count)d subscriber.",
        "Alert published. It is on its way to %(count)d subscribers.",
        count,
    ) % {"count": count}


def _not_allowed(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "heading": _("You cannot publish alerts"),
            "text": _("Only supervisors and admins publish alerts. Ask your supervisor."),
        },
        status=403,
    )
