"""Text messages through GOV.UK Notify's own client, against a stand-in for Notify's API on
loopback (the real one is out of reach), and Notify's delivery-status callbacks."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest

from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_pothole
from publica.notify.channels import sms
from publica.notify.models import Channel, Message, Status
from publica.notify.services import deliver

SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
API_KEY = f"publica_test-{SERVICE_ID}-{SECRET}"
TEMPLATE = str(uuid.uuid4())


class FakeNotify:
    """Notify's POST /v2/notifications/sms as documented: a JWT signed with the key's secret,
    201 with the notification's id; or a status it is told to answer."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.status = 201
        notify = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
                assert claims["iss"] == SERVICE_ID and self.path == "/v2/notifications/sms"
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if notify.status != 201:
                    body = {"status_code": notify.status, "errors": [{"error": "BadRequestError",
                            "message": "phone_number Not a UK mobile number"}]}  # fmt: skip
                else:
                    notify.sent.append(payload)
                    body = {"id": str(uuid.uuid4()), "reference": payload.get("reference"),
                            "content": {"body": payload["personalisation"]["message"]}}  # fmt: skip
                data = json.dumps(body).encode()
                self.send_response(notify.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def notify(settings) -> Iterator[FakeNotify]:  # type: ignore[no-untyped-def]
    fake = FakeNotify()
    settings.PUBLICA_SMS_PROVIDER = "notify"
    settings.PUBLICA_NOTIFY_API_KEY = API_KEY
    settings.PUBLICA_NOTIFY_BASE_URL = fake.url
    settings.PUBLICA_NOTIFY_SMS_TEMPLATE_ID = TEMPLATE
    settings.PUBLICA_NOTIFY_CALLBACK_TOKEN = "callback-secret-token"
    sms.provider.cache_clear()
    yield fake
    sms.provider.cache_clear()
    fake.server.shutdown()


def test_an_applicant_who_gave_only_a_phone_gets_a_text_through_notify(pothole, notify):
    case = submit_pothole(pothole, contact={"phone": "07700 900123"})
    message = Message.objects.get()
    assert message.channel == Channel.SMS and case.reference in message.text
    deliver([str(message.id)])
    [sent] = notify.sent
    assert sent["template_id"] == TEMPLATE and sent["reference"] == str(message.id)
    assert case.reference in sent["personalisation"]["message"]
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.provider_reference


def test_a_number_notify_refuses_is_a_permanent_failure(pothole, notify):
    notify.status = 400
    submit_pothole(pothole, contact={"phone": "07700 900123"})
    deliver([str(Message.objects.get().id)])
    assert Message.objects.get().status == Status.PERMANENT_FAILURE


def test_notify_unavailable_means_a_retry(pothole, notify):
    notify.status = 503
    submit_pothole(pothole, contact={"phone": "07700 900123"})
    deliver([str(Message.objects.get().id)])
    assert Message.objects.get().status == Status.TEMPORARY_FAILURE


def _callback(client, message: Message, status: str, token: str = "callback-secret-token"):  # type: ignore[no-untyped-def]
    return client.post(
        "/notify/callbacks/gov-uk-notify",
        {"id": message.provider_reference, "reference": str(message.id), "status": status,
         "notification_type": "sms"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip


def test_delivery_status_callbacks_update_the_message(client, pothole, caseworker, notify):
    case = submit_pothole(pothole, contact={"phone": "07700 900123"})
    case_transition(case=case, to="no_action", actor=caseworker, reason="Fine")
    for message in Message.objects.all():
        deliver([str(message.id)])
    first, second = Message.objects.order_by("created_at")
    first.refresh_from_db()
    second.refresh_from_db()
    assert _callback(client, first, "delivered").status_code == 200
    assert _callback(client, second, "permanent-failure").status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.DELIVERED and second.status == Status.PERMANENT_FAILURE
    assert "gov-uk-notify reported permanent-failure" in second.attempt_log.last().detail


def test_callbacks_without_the_token_or_for_unknown_messages_are_refused(client, pothole, notify):
    submit_pothole(pothole, contact={"phone": "07700 900123"})
    message = Message.objects.get()
    assert _callback(client, message, "delivered", token="guess").status_code == 401
    message.provider_reference = str(uuid.uuid4())
    message.id = uuid.uuid4()
    assert _callback(client, message, "delivered").status_code == 404
    bad = client.post(
        "/notify/callbacks/gov-uk-notify",
        "nonsense",
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer callback-secret-token",
    )
    assert bad.status_code == 400
