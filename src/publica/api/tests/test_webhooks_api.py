"""Other systems subscribe to case events through the API, and replay what they missed."""

from __future__ import annotations

import datetime as dt

from publica.accounts.apikeys import apikey_create
from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.core.actors import SystemActor
from publica.notify.models import Message, WebhookSubscription

SETUP = SystemActor("test")


def _key(highways, department=None):  # type: ignore[no-untyped-def]
    _, raw = apikey_create(name="Roads system", scopes=["webhooks:manage"],
                           department=department, actor=SETUP)  # fmt: skip
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_system_subscribes_gets_its_secret_once_and_then_the_events(
    client, highways, pothole, caseworker
):
    auth = _key(highways)
    response = client.post("/api/v1/webhooks", {"name": "Roads", "url": "https://roads.example/in",
                           "event_types": ["case.decided"]}, content_type="application/json",
                           **auth)  # fmt: skip
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["event_types"] == ["case.decided"]
    listed = client.get("/api/v1/webhooks", **auth).json()
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]
    case = submit_pothole(pothole, contact={})
    case_transition(case=case, to="no_action", actor=caseworker, reason="Fine")
    assert list(Message.objects.values_list("kind", "recipient")) == [
        ("case.decided", "https://roads.example/in")
    ]


def test_bad_subscriptions_are_422_naming_the_field(client, highways):
    auth = _key(highways)
    for body, field in (
        ({"name": "x", "url": "ftp://nowhere.example"}, "url"),
        (
            {"name": "x", "url": "https://a.example", "event_types": ["case.exploded"]},
            "event_types",
        ),
    ):
        response = client.post("/api/v1/webhooks", body, content_type="application/json", **auth)
        assert response.status_code == 422 and field in response.content.decode()


def test_a_department_key_only_hears_about_its_department(client, highways):
    client.post("/api/v1/webhooks", {"name": "x", "url": "https://a.example/in"},
                content_type="application/json", **_key(highways, highways))  # fmt: skip
    assert WebhookSubscription.objects.get().department == highways


def test_a_key_sees_and_changes_only_its_own_subscriptions(client, highways):
    mine, theirs = _key(highways), _key(highways)
    created = client.post("/api/v1/webhooks", {"name": "x", "url": "https://a.example/in"},
                          content_type="application/json", **mine).json()  # fmt: skip
    assert client.get(f"/api/v1/webhooks/{created['id']}", **theirs).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{created['id']}", **theirs).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{created['id']}", **mine).status_code == 204
    assert not WebhookSubscription.objects.get().active
    enabled = client.post(f"/api/v1/webhooks/{created['id']}/enable", **mine).json()
    assert enabled["active"] is True


def test_missed_events_are_replayed_from_a_date(client, highways, pothole, caseworker):
    case = submit_pothole(pothole, contact={})
    case_transition(case=case, to="inspecting", actor=caseworker)
    auth = _key(highways)
    created = client.post("/api/v1/webhooks", {"name": "x", "url": "https://a.example/in"},
                          content_type="application/json", **auth).json()  # fmt: skip
    since = (clock.now() - dt.timedelta(hours=1)).isoformat()
    response = client.post(f"/api/v1/webhooks/{created['id']}/replay", {"since": since},
                           content_type="application/json", **auth)  # fmt: skip
    assert response.status_code == 202 and response.json() == {"queued": 2}
    too_old = (clock.now() - dt.timedelta(days=400)).isoformat()
    response = client.post(f"/api/v1/webhooks/{created['id']}/replay", {"since": too_old},
                           content_type="application/json", **auth)  # fmt: skip
    assert response.status_code == 422 and "since" in response.content.decode()


def test_a_key_without_the_scope_gets_403(client, highways):
    _, raw = apikey_create(name="Reader", scopes=["cases:read"], actor=SETUP)
    response = client.get("/api/v1/webhooks", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403


def test_a_subscription_id_that_is_not_a_number_is_a_422_problem(client, highways):
    for path in ("/api/v1/webhooks/null,null", "/api/v1/webhooks/0", "/api/v1/webhooks/999"):
        response = client.get(path, **_key(highways))
        assert response.status_code in (404, 422), path
        assert response["Content-Type"] == "application/problem+json"
