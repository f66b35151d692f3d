"""Email through Django's configured backend (SMTP in production), plain text and HTML, with
the message's own id as Message-ID so a re-sent copy is recognisably the same message."""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from publica.notify.channels.base import Outcome

if TYPE_CHECKING:
    from publica.notify.models import Message


def send(messages: Sequence[Message]) -> dict[str, Outcome]:
    """Send a batch over one connection; an outcome for each message id."""
    outcomes: dict[str, Outcome] = {}
    try:
        connection = get_connection(fail_silently=False, timeout=settings.PUBLICA_DELIVERY_TIMEOUT)
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        return {str(m.id): Outcome.retry(f"mail server unreachable: {exc}") for m in messages}
    try:
        for message in messages:
            outcomes[str(message.id)] = _send_one(connection, message)
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
    return outcomes


def _send_one(connection: object, message: Message) -> Outcome:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "publica"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[message.recipient],
        connection=connection,  # type: ignore[arg-type]
        headers={"Message-ID": f"<{message.id}@{domain}>", "X-Publica-Message": str(message.id)},
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            return Outcome.give_up(f"address refused ({codes[0]})")
        return Outcome.retry(f"address refused for now ({codes[0] if codes else ''})")
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            return Outcome.give_up(f"mail server refused it ({exc.smtp_code})")
        return Outcome.retry(f"mail server busy ({exc.smtp_code})")
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        return Outcome.retry(f"sending failed: {type(exc).__name__}")
    return Outcome.ok("accepted by the mail server")
