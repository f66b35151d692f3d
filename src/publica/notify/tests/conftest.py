from __future__ import annotations

from collections.abc import Iterator

import pytest

from publica.notify.tests.peers import SmtpSink, WebhookReceiver, start_smtp


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:  # type: ignore[no-untyped-def]
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    sink = SmtpSink()
    controller = start_smtp(sink)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield sink
    controller.stop()


@pytest.fixture
def receiver(settings) -> Iterator[WebhookReceiver]:  # type: ignore[no-untyped-def]
    """A webhook receiver on loopback, which production would refuse to call."""
    settings.PUBLICA_WEBHOOK_ALLOW_PRIVATE = True
    server = WebhookReceiver()
    yield server
    server.stop()
