"""Delivery-status callbacks from GOV.UK Notify: it calls back with the final state of each
text message, and the outbox records it."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from publica.notify.services import NOTIFY_CALLBACK, notify_delivery_status


@csrf_exempt
@require_POST
def notify_callback(request: HttpRequest) -> JsonResponse:
    token = settings.PUBLICA_NOTIFY_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return JsonResponse({"error": "send the callback token as a bearer token"}, status=401)
    try:
        report = json.loads(request.body)
        notify_id, status = str(report["id"]), str(report["status"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "expected JSON with id and status"}, status=400)
    found = notify_delivery_status(
        provider_reference=notify_id,
        reference=str(report.get("reference") or ""),
        status=status,
        actor=NOTIFY_CALLBACK,
    )
    if not found:
        return JsonResponse({"error": f"no message with Notify id {notify_id}"}, status=404)
    return JsonResponse({"status": "recorded"})
