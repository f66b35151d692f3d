"""Webhook calls: a CloudEvents 1.0 JSON body, signed as the Standard Webhooks specification
says (`webhook-id`, `webhook-timestamp`, `webhook-signature`), so receivers can check it with
the `standardwebhooks` library in their language."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings
from standardwebhooks import Webhook

from publica.notify.channels.base import Outcome

if TYPE_CHECKING:
    from publica.notify.models import Message

#: Client errors worth another try: a timeout, a conflict, too early, too many requests.
RETRYABLE = {408, 409, 425, 429}


def send(message: Message, secret: str, now: dt.datetime) -> Outcome:
    body = bytes(message.body)
    message_id = str(message.id)
    signature = Webhook(secret).sign(message_id, now, body.decode())
    request = urllib.request.Request(
        message.recipient,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "User-Agent": "Publica-Webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.PUBLICA_DELIVERY_TIMEOUT) as reply:
            reply.read(1024)
            return Outcome.ok(f"HTTP {reply.status}")
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in RETRYABLE:
            return Outcome.give_up(f"HTTP {exc.code}")
        return Outcome.retry(f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome.retry(f"unreachable: {type(reason).__name__}")
