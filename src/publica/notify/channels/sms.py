"""Text messages through a provider: GOV.UK Notify in production (its own Python client, so
its API is used as Notify documents it), or the log for development."""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from publica.notify.channels.base import Outcome

if TYPE_CHECKING:
    from publica.notify.models import Message

logger = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, to: str, text: str, reference: str) -> Outcome: ...


class LogProvider:
    """Development: writes that a text would have been sent (never the number or text)."""

    def send(self, to: str, text: str, reference: str) -> Outcome:
        logger.info(
            "SMS %s: %d characters (not sent: PUBLICA_SMS_PROVIDER=log)", reference, len(text)
        )
        return Outcome.ok("logged, not sent", reference=f"log-{reference}")


class NotifyProvider:
    """GOV.UK Notify: one template whose body is `((message))` carries every text."""

    def __init__(self, api_key: str, base_url: str, template_id: str) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        if not api_key or not template_id:
            raise ImproperlyConfigured(
                "PUBLICA_SMS_PROVIDER=notify needs PUBLICA_NOTIFY_API_KEY and "
                "PUBLICA_NOTIFY_SMS_TEMPLATE_ID"
            )
        self.client = NotificationsAPIClient(api_key, base_url=base_url)
        self.template_id = template_id

    def send(self, to: str, text: str, reference: str) -> Outcome:
        from notifications_python_client.errors import HTTPError as NotifyHTTPError

        try:
            reply = self.client.send_sms_notification(
                phone_number=to,
                template_id=self.template_id,
                personalisation={"message": text},
                reference=reference,
            )
        except NotifyHTTPError as exc:
            status = exc.status_code
            if status in (400, 403):  # a bad number, a bad key: trying again will not help
                return Outcome.give_up(f"Notify refused it ({status})")
            return Outcome.retry(f"Notify unavailable ({status})")
        except OSError as exc:
            return Outcome.retry(f"Notify unreachable: {type(exc).__name__}")
        return Outcome.ok("accepted by Notify", reference=str(reply.get("id", "")))


@cache
def provider() -> SmsProvider:
    if settings.PUBLICA_SMS_PROVIDER == "notify":
        return NotifyProvider(
            settings.PUBLICA_NOTIFY_API_KEY,
            settings.PUBLICA_NOTIFY_BASE_URL,
            settings.PUBLICA_NOTIFY_SMS_TEMPLATE_ID,
        )
    if settings.PUBLICA_SMS_PROVIDER == "log":
        return LogProvider()
    raise ImproperlyConfigured(f"unknown PUBLICA_SMS_PROVIDER {settings.PUBLICA_SMS_PROVIDER!r}")


def send(message: Message) -> Outcome:
    return provider().send(message.recipient, message.text, str(message.id))
