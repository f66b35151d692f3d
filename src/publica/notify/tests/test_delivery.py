"""The outbox: messages are written with their event and delivered to real peers on loopback,
with every attempt recorded and failures retried or given up as they deserve."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from publica.cases.services import case_add_note, case_transition
from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput
from publica.notify.models import Channel, Message, OptOut, Status, WebhookSubscription
from publica.notify.services import (
    deliver,
    dispatch_due,
    notify_opt_out,
    webhook_replay,
    webhook_subscribe,
)

ADMIN = SystemActor("test")


def _deliver_all() -> None:
    deliver([str(pk) for pk in Message.objects.values_list("id", flat=True)])


def test_a_submission_queues_the_applicants_email_in_its_own_transaction(pothole):
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    message = Message.objects.get()
    assert message.channel == Channel.EMAIL and message.case == case
    assert message.recipient == "someone@example.org" and message.status == Status.QUEUED
    assert case.reference in message.subject and case.reference in message.text
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_pothole(pothole, contact={"email": "other@example.org"})
        raise RuntimeError("the request failed after the submission")
    assert Message.objects.count() == 1


def test_email_goes_over_smtp_with_both_parts_and_its_own_message_id(pothole, smtp):
    submit_pothole(pothole, contact={"email": "someone@example.org"})
    message = Message.objects.get()
    assert deliver([str(message.id)]) == {str(message.id): Status.DELIVERED}
    [received] = smtp.received
    assert received["To"] == "someone@example.org"
    assert received["Message-ID"].startswith(f"<{message.id}@")
    assert received.get_body(("plain",)).get_content().strip()
    assert "<a href=" in received.get_body(("html",)).get_content()
    message.refresh_from_db()
    assert message.attempts == 1 and message.delivered_at is not None
    assert [a.outcome for a in message.attempt_log.all()] == [Status.DELIVERED]


def test_the_link_in_the_email_opens_the_case_without_typing_anything(client, pothole, smtp):
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    _deliver_all()
    text = smtp.received[0].get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/link/" in word)
    response = client.get(link.split("8000", 1)[1], follow=True)
    assert response.status_code == 200 and case.reference in response.content.decode()
    tampered = link.split("8000", 1)[1].replace("/link/", "/link/x")
    assert client.get(tampered).status_code == 404


def test_a_mail_server_that_is_down_means_a_retry_later(pothole, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    submit_pothole(pothole, contact={"email": "someone@example.org"})
    _deliver_all()
    message = Message.objects.get()
    assert message.status == Status.TEMPORARY_FAILURE and message.attempts == 1
    assert message.next_attempt_at > clock.now() and "unreachable" in message.last_error


def test_a_refused_message_is_a_permanent_failure(pothole, smtp):
    smtp.refuse = True
    submit_pothole(pothole, contact={"email": "someone@example.org"})
    _deliver_all()
    assert Message.objects.get().status == Status.PERMANENT_FAILURE


def test_retries_stop_once_a_message_is_too_old(pothole, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.PUBLICA_DELIVERY_MAX_AGE = 0
    submit_pothole(pothole, contact={"email": "someone@example.org"})
    _deliver_all()
    assert Message.objects.get().status == Status.PERMANENT_FAILURE


def test_webhooks_are_cloudevents_signed_as_standard_webhooks(pothole, caseworker, receiver):
    subscription = webhook_subscribe(name="Roads system", url=receiver.url, actor=ADMIN)
    case = submit_pothole(pothole, contact={})
    case_transition(case=case, to="inspecting", actor=caseworker)
    _deliver_all()
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        payload = Webhook(subscription.secret).verify(request.body, request.headers)
        assert payload["specversion"] == "1.0" and payload["subject"] == case.reference
        assert Message.objects.filter(id=request.headers["webhook-id"]).exists()
    kinds = [json.loads(r.body)["type"] for r in receiver.requests]
    assert sorted(kinds) == ["case.submitted", "case.transitioned"]
    assert "Kiln Lane" not in b"".join(r.body for r in receiver.requests).decode()


def test_subscriptions_get_only_the_events_services_and_department_they_asked_for(
    pothole, caseworker, receiver, parking_permit
):
    webhook_subscribe(name="Decisions", url=receiver.url, event_types=["case.decided"],
                      actor=ADMIN)  # fmt: skip
    webhook_subscribe(name="Permits", url=receiver.url, services=["parking-permit"], actor=ADMIN)
    case = submit_pothole(pothole, contact={})
    case_transition(case=case, to="inspecting", actor=caseworker)
    case_transition(case=case, to="no_action", actor=caseworker, reason="Fine")
    assert list(Message.objects.values_list("kind", flat=True)) == ["case.decided"]


def test_a_gone_endpoint_fails_for_good_and_a_failing_one_is_retried(pothole, receiver):
    webhook_subscribe(name="Roads", url=receiver.url, actor=ADMIN)
    receiver.status = 410
    submit_pothole(pothole, contact={})
    _deliver_all()
    assert Message.objects.get().status == Status.PERMANENT_FAILURE
    receiver.status = 503
    submit_pothole(pothole, contact={})
    deliver([str(Message.objects.latest("created_at").id)])
    assert Message.objects.latest("created_at").status == Status.TEMPORARY_FAILURE


def test_an_endpoint_failing_for_days_is_disabled_and_its_owner_told(pothole, receiver, settings):
    settings.PUBLICA_WEBHOOK_DISABLE_AFTER = 0
    subscription = webhook_subscribe(name="Roads", url=receiver.url, owner_email="ops@example.org",
                                     actor=ADMIN)  # fmt: skip
    receiver.status = 500
    for _ in range(2):
        submit_pothole(pothole, contact={})
        deliver([str(Message.objects.latest("created_at").id)])
    subscription.refresh_from_db()
    assert not subscription.active and "failed" in subscription.disabled_reason
    told = Message.objects.get(kind="webhook.disabled")
    assert told.recipient == "ops@example.org" and subscription.url in told.text


def test_events_can_be_replayed_from_a_date(pothole, caseworker, receiver):
    case = submit_pothole(pothole, contact={})
    case_transition(case=case, to="inspecting", actor=caseworker)
    subscription = webhook_subscribe(name="Late joiner", url=receiver.url, actor=ADMIN)
    replayed = webhook_replay(subscription=subscription, since=clock.now() - dt.timedelta(hours=1),
                              actor=ADMIN)  # fmt: skip
    assert [m.kind for m in replayed] == ["case.submitted", "case.transitioned"]
    _deliver_all()
    assert len(receiver.requests) == 2


def test_an_opted_out_resident_still_gets_decisions_but_not_progress(pothole, caseworker):
    notify_opt_out(address="Someone@Example.org", opted_out=True, actor=ADMIN)
    assert OptOut.objects.filter(address="someone@example.org").exists()
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    case_transition(case=case, to="inspecting", actor=caseworker)
    case_transition(case=case, to="no_action", actor=caseworker, reason="Fine")
    kinds = list(Message.objects.values_list("kind", flat=True))
    assert kinds == ["case.submitted", "case.decided"]


def test_internal_notes_reach_neither_the_applicant_nor_webhooks_unless_subscribed(
    pothole, caseworker, receiver
):
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    Message.objects.all().delete()
    case_add_note(case=case, text="Kiln Lane again", actor=caseworker)
    assert not Message.objects.exists()


def test_the_worker_claims_due_messages_once_until_the_claim_expires(pothole, settings):
    for _ in range(3):
        submit_pothole(pothole, contact={"email": "someone@example.org"})
    assert [len(batch) for batch in dispatch_due()] == [3]
    assert dispatch_due() == []  # claimed: another worker leaves them alone
    Message.objects.update(leased_until=clock.now() - dt.timedelta(seconds=1))
    assert [len(batch) for batch in dispatch_due()] == [3]


def test_residents_choose_fewer_emails_with_the_link_in_each_one(client, pothole, caseworker):
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    case_transition(case=case, to="inspecting", actor=caseworker)
    email = Message.objects.get(kind="case.transitioned")
    link = next(w for w in email.text.split() if "/notifications/" in w).split("8000", 1)[1]
    assert client.get(link).status_code == 200
    client.post(link, {"choice": "essential"})
    assert OptOut.objects.filter(address="someone@example.org").exists()
    client.post(link, {"choice": "all"})
    assert not OptOut.objects.exists()
    assert client.get(link.replace("/notifications/", "/notifications/x")).status_code == 404
    assert WebhookSubscription.objects.count() == 0


def test_staff_see_each_message_and_how_its_delivery_went_on_the_case_page(
    pothole, caseworker, staff_client, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # the mail server is down
    case = submit_pothole(pothole, contact={"email": "someone@example.org"})
    _deliver_all()
    page = staff_client(caseworker).get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Messages sent" in page and "case.submitted" in page
    assert "Temporary failure (will retry)" in page and "mail server unreachable" in page


def test_webhooks_may_not_reach_into_the_councils_own_network(pothole, settings):
    settings.PUBLICA_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8080/", "http://10.1.2.3/hook", "http://[::1]/x",
                "http://169.254.169.254/latest/meta-data"):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            webhook_subscribe(name="Inside", url=url, actor=ADMIN)
        assert refused.value.errors[0].field == "url"


def test_a_subscription_whose_name_now_leads_inside_is_refused_at_delivery(
    pothole, receiver, settings
):
    webhook_subscribe(name="Roads", url=receiver.url, actor=ADMIN)  # allowed while testing
    settings.PUBLICA_WEBHOOK_ALLOW_PRIVATE = False
    submit_pothole(pothole, contact={})
    _deliver_all()
    message = Message.objects.get()
    assert (
        message.status == Status.PERMANENT_FAILURE and "not a public address" in message.last_error
    )
    assert not receiver.requests


def test_other_processes_hear_of_a_new_subscription_within_the_local_cache_time(pothole, settings):
    from publica.notify.services import active_subscriptions

    assert active_subscriptions() == []  # this process has looked, and keeps the answer
    WebhookSubscription.objects.create(  # as another web worker would
        name="Roads", url="https://roads.example/in", created_at=clock.now()
    )
    submit_pothole(pothole, contact={})
    assert not Message.objects.exists()
    settings.PUBLICA_LOCAL_CACHE_SECONDS = 0
    submit_pothole(pothole, contact={})
    assert Message.objects.filter(kind="case.submitted").count() == 1
