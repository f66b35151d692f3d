"""From asking for alerts to stopping them, with real email over SMTP on loopback: the
confirmation and the alert are delivered by the outbox like any other message."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from publica.alerts.models import AlertSubscription
from publica.alerts.tests.factories import CENTRE
from publica.notify.models import Message, Status
from publica.notify.services import deliver

pytestmark = pytest.mark.django_db


def deliver_queued() -> None:
    queued = Message.objects.filter(status=Status.QUEUED).values_list("id", flat=True)
    outcome = deliver([str(pk) for pk in queued])
    assert set(outcome.values()) == {Status.DELIVERED}


def link_in(email, marker: str) -> str:  # type: ignore[no-untyped-def]
    text = email.get_body(("plain",)).get_content()
    return urlsplit(next(word for word in text.split() if marker in word)).path


def test_a_resident_confirms_gets_an_alert_by_email_and_stops_them_by_its_link(
    staff_client, supervisor, smtp, wards
):
    client = Client()  # the resident's browser; staff_client signs in on its own
    client.post("/alerts/", {"area": "ward", "ward": "abbey", "topics": ["flooding"],
                             "channel": "email", "email": "walker@example.org"})  # fmt: skip
    deliver_queued()
    [confirmation] = smtp.received
    assert confirmation["To"] == "walker@example.org"
    confirm = link_in(confirmation, "/alerts/confirm/")
    assert "Your alerts are on" in client.post(confirm).content.decode()

    staff = staff_client(supervisor)
    form = {"title": "Flood warning for Abbey", "body": "The brook is rising.\nMove cars.",
            "topic": "flooding", "area": "point", "latitude": str(CENTRE[0] + 0.006),
            "longitude": str(CENTRE[1] + 0.01), "radius_m": "250"}  # fmt: skip
    assert staff.post("/staff/alerts/new/", {**form, "action": "publish"}).status_code == 302
    deliver_queued()
    alert = smtp.received[1]
    assert alert["To"] == "walker@example.org"
    assert alert["Subject"] == "Flooding: Flood warning for Abbey"
    assert "The brook is rising." in alert.get_body(("plain",)).get_content()
    assert "The brook is rising.<br>Move cars." in alert.get_body(("html",)).get_content()

    manage = link_in(alert, "/alerts/manage/")
    assert "Stop these alerts" in client.get(manage).content.decode()
    assert "Alerts stopped" in client.post(manage, {"which": "this"}).content.decode()
    assert not AlertSubscription.objects.get().active

    staff.post("/staff/alerts/new/", {**form, "title": "Flood warning lifted",
                                      "action": "publish"})  # fmt: skip
    assert not Message.objects.filter(status=Status.QUEUED).exists()
    assert len(smtp.received) == 2
