"""Logs: one JSON object a line with the request id, an access line per request, and no
e-mail address, phone number or token in any line, whoever logged it."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings
from django.test import Client

from publica.core import logs

PERSONAL = ("jane.doe", "example.org", "07700", "900123", "hunter2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.doe@example.org now", "mail [email] now"),
        ("GET /x?email=jane.doe%40example.org&page=2", "GET /x?email=[email]&page=2"),
        ("call +44 7700 900123 or (01632) 960 001", "call [phone] or [phone]"),
        ("password=hunter2&next=/", "password=[redacted]&next=/"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        ("key pub_ab12cd_XYZsecret-123 used", "key [api key] used"),
        ("/reset/MQ/c5x9yz-0123456789abcdef0123456789abcdef/", "/reset/MQ/[token]/"),
    ],
)
def test_personal_data_and_secrets_are_redacted(text, expected):
    assert logs.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "due 2026-11-21 22:20:21, 3 cases",
        "message 123e4567-e89b-12d3-a456-426614174000 failed",
        "assistant: index of 42 services built (BM25 alone)",
        "Not Found: /favicon.ico",
        "stored 12000 readings in 1.25 s",
    ],
)
def test_ordinary_log_text_is_left_alone(text):
    assert logs.redact(text) == text


def test_auto_is_plain_on_a_terminal_and_json_elsewhere():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert logs.chosen_format("auto", Terminal()) == "plain"
    assert logs.chosen_format("auto", io.StringIO()) == "json"
    assert logs.chosen_format("plain", io.StringIO()) == "plain"
    with pytest.raises(ValueError, match="PUBLICA_LOG_FORMAT"):
        logs.chosen_format("xml")


@pytest.fixture
def log_output():  # type: ignore[no-untyped-def]
    """What Publica's console handler writes, in JSON, at every level."""
    logging.config.dictConfig(logs.logging_config(format="json", level="DEBUG"))
    buffer = io.StringIO()
    (handler,) = logging.getLogger().handlers[:1]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    logging.config.dictConfig(django_settings.LOGGING)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.mark.django_db
def test_a_request_with_an_email_in_its_query_and_form_leaves_no_trace(log_output):
    client = Client(enforce_csrf_checks=True)
    query = "email=jane.doe%40example.org&phone=07700900123"
    missing = client.get(f"/no/such/page/jane.doe@example.org/?{query}")
    refused = client.post(f"/?{query}", {"email": "jane.doe@example.org", "password": "hunter2"})
    assert missing.status_code == 404 and refused.status_code == 403
    written = log_output.getvalue()
    assert written, "nothing was logged"
    for fragment in PERSONAL:
        assert fragment not in written, written
    records = lines(log_output)  # every line is one JSON object
    access = [r for r in records if r["logger"] == "publica.access"]
    assert [(r["method"], r["route"], r["status"]) for r in access] == [
        ("GET", "unmatched", 404),
        ("POST", "portal:home", 403),
    ]
    assert access[0]["request_id"] == missing["X-Request-ID"]
    assert access[1]["request_id"] == refused["X-Request-ID"]
    assert isinstance(access[0]["duration_ms"], float)
    assert "client_ip" not in access[0]
    # Django's own warning about the refused form carries the same request id.
    django_lines = [r for r in records if str(r["logger"]).startswith("django")]
    assert django_lines and all("request_id" in r for r in django_lines), django_lines


@pytest.mark.django_db
def test_the_client_address_is_logged_only_when_configured(log_output, settings, client):
    settings.PUBLICA_LOG_CLIENT_IP = True
    client.get("/healthz", REMOTE_ADDR="192.0.2.10")
    (access,) = [r for r in lines(log_output) if r["logger"] == "publica.access"]
    assert access["client_ip"] == "192.0.2.10" and access["level"] == "DEBUG"


def test_a_traceback_is_redacted_too(log_output):
    try:
        raise ValueError("no account for jane.doe@example.org")
    except ValueError:
        logging.getLogger("publica.test").exception("could not send to +44 7700 900123")
    (record,) = lines(log_output)
    assert record["message"] == "could not send to [phone]"
    assert "ValueError: no account for [email]" in str(record["exc_info"])
    assert "jane" not in log_output.getvalue()


def test_plain_lines_are_redacted_as_well():
    logging.config.dictConfig(logs.logging_config(format="plain", level="INFO"))
    buffer = io.StringIO()
    try:
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(buffer)
        logging.getLogger("publica.test").info("reply to %s", "jane.doe@example.org")
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
    assert buffer.getvalue().endswith(" INFO publica.test reply to [email]\n")
