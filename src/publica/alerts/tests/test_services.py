"""Subscribing, confirming, stopping, and publishing an alert to exactly the right people at a
pace the provider allows."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.alerts import links, selectors, services
from publica.alerts.models import Alert, AlertSubscription, Topic
from publica.alerts.tests.factories import CENTRE, SubscriptionFactory, north_of
from publica.core import clock
from publica.core.actors import ContactActor, SystemActor
from publica.core.errors import InvalidInput, NotFound, PermissionDenied
from publica.notify.models import Message

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)
# A point in Abbey ward (the north-east quarter of Millbrook), away from its edges.
IN_ABBEY = (52.0372, -0.9776)


def subscribe(**given):  # type: ignore[no-untyped-def]
    fields = {"channel": "email", "address": "Someone@Example.org", "topics": ["flooding"],
              "latitude": CENTRE[0], "longitude": CENTRE[1], "radius_m": 500,
              "actor": ContactActor("someone@example.org")}  # fmt: skip
    return services.alert_subscribe(**{**fields, **given})


def publish(actor, topic="road-closure", **area):  # type: ignore[no-untyped-def]
    area = area or {"latitude": CENTRE[0], "longitude": CENTRE[1], "radius_m": 200}
    draft = services.alert_draft(
        title="Mill Road closed", body="Resurfacing all week.", topic=topic, actor=actor, **area
    )
    return services.alert_publish(draft=draft, actor=actor)


def alert_messages():  # type: ignore[no-untyped-def]
    return Message.objects.filter(kind=selectors.ALERT_KIND).order_by("next_attempt_at", "pk")


# Subscribing


def test_subscribing_queues_a_confirmation_and_waits_for_it():
    subscription = subscribe()
    assert not subscription.active and subscription.confirmed_at is None
    assert subscription.address == "someone@example.org"
    message = Message.objects.get()
    assert message.kind == "alert.confirm" and message.recipient == "someone@example.org"
    assert message.essential and "/alerts/confirm/" in message.text and message.html


def test_a_text_message_subscription_gets_its_confirmation_by_text_to_a_normalised_number():
    subscription = subscribe(channel="sms", address="07700 900123")
    assert subscription.address == "+447700900123"
    message = Message.objects.get()
    assert message.channel == "sms" and message.recipient == "+447700900123"
    assert "/alerts/confirm/" in message.text and not message.html


def test_every_problem_with_a_subscription_is_reported_naming_its_field():
    with pytest.raises(InvalidInput) as caught:
        subscribe(channel="email", address="not-an-address", topics=["parking", "flooding"],
                  latitude="91", longitude="east", radius_m=10)  # fmt: skip
    fields = {error.field: error.message for error in caught.value.errors}
    assert fields == {
        "address": "Enter an email address in the right form, like name@example.com",
        "topics": "Choose topics from the list",
        "latitude": "Latitude must be between -90 and 90",
        "longitude": "Enter the longitude as a number, like -0.98",
        "radius_m": "The distance must be between 50 and 20,000 metres",
    }
    assert not AlertSubscription.objects.exists() and not Message.objects.exists()


def test_a_subscription_needs_a_channel_topics_and_an_area():
    with pytest.raises(InvalidInput) as caught:
        subscribe(channel="pigeon", topics=[], latitude=None, longitude=None, radius_m=None)
    assert {error.field for error in caught.value.errors} == {"channel", "topics", "area"}


def test_a_ward_that_does_not_exist_is_an_error_on_the_ward(wards):
    with pytest.raises(InvalidInput) as caught:
        subscribe(ward="atlantis", latitude=None, longitude=None, radius_m=None)
    assert [error.field for error in caught.value.errors] == ["ward"]


def test_a_ward_and_a_point_together_are_refused(wards):
    with pytest.raises(InvalidInput) as caught:
        subscribe(ward="abbey")
    assert [error.field for error in caught.value.errors] == ["area"]


def test_one_address_cannot_be_given_endless_subscriptions(settings):
    for _ in range(20):
        subscribe()
    with pytest.raises(InvalidInput, match="already has 20"):
        subscribe()


def test_a_signed_in_resident_is_recorded_as_the_subscriber(resident):
    subscription = subscribe(actor=resident, address=resident.email)
    assert subscription.user == resident
    assert list(selectors.subscription_list_for(resident)) == [subscription]


# Confirming and stopping


def test_the_link_in_the_confirmation_starts_the_alerts():
    subscription = subscribe()
    found = selectors.subscription_by_confirm_link(_token(Message.objects.get().text, "confirm"))
    assert found == subscription
    confirmed = services.alert_confirm(subscription=found, actor=ContactActor(found.address))
    assert confirmed.active and confirmed.confirmed_at is not None


def test_a_confirmation_link_expires_after_a_week(monkeypatch):
    subscribe()
    token = _token(Message.objects.get().text, "confirm")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + links.CONFIRM_DAYS * 86_400 + 60)
    with pytest.raises(NotFound):
        selectors.subscription_by_confirm_link(token)


def test_a_forged_or_changed_link_finds_nothing():
    subscription = subscribe()
    token = _token(Message.objects.get().text, "confirm")
    other = str(subscription.pk + 1) + token[len(str(subscription.pk)) :]
    for bad in (other, token + "x", "1:abc", ""):
        with pytest.raises(NotFound):
            selectors.subscription_by_confirm_link(bad)
    with pytest.raises(NotFound):
        selectors.subscription_by_manage_link(token)  # a confirm link is not a manage link


def test_only_the_address_owner_may_confirm_or_stop_alerts():
    subscription = subscribe()
    with pytest.raises(PermissionDenied):
        services.alert_confirm(subscription=subscription, actor=ContactActor("else@example.org"))
    with pytest.raises(PermissionDenied):
        services.alert_unsubscribe(subscription=subscription, actor=UserFactory())


def test_a_stopped_subscription_cannot_be_started_again_by_its_old_link():
    subscription = SubscriptionFactory(pending=True)
    owner = ContactActor(subscription.address)
    assert services.alert_unsubscribe(subscription=subscription, actor=owner) == 1
    again = services.alert_confirm(subscription=subscription, actor=owner)
    assert not again.active and again.ended_at is not None


def test_stopping_every_alert_stops_each_subscription_of_the_address_and_channel():
    first = SubscriptionFactory(address="both@example.org")
    SubscriptionFactory(address="both@example.org", topics=["flooding"])
    SubscriptionFactory(address="other@example.org")
    stopped = services.alert_unsubscribe(
        subscription=first, every_alert=True, actor=ContactActor("both@example.org")
    )
    assert stopped == 2
    assert list(
        AlertSubscription.objects.filter(active=True).values_list("address", flat=True)
    ) == ["other@example.org"]


# Publishing: who it reaches


def test_an_alert_reaches_exactly_the_active_subscribers_to_its_topic_in_its_area(
    supervisor, wards
):
    reached = [
        SubscriptionFactory(address="centre@example.org"),
        SubscriptionFactory(address="near@example.org", latitude=north_of(CENTRE, 600)[0]),
        SubscriptionFactory(
            address="ward@example.org",
            ward=wards["abbey"],
            latitude=None,
            longitude=None,
            radius_m=None,
        ),
        SubscriptionFactory(address="several@example.org", topics=["flooding", "road-closure"]),
    ]
    SubscriptionFactory(address="far@example.org", latitude=north_of(CENTRE, 2000)[0])
    SubscriptionFactory(address="flooding@example.org", topics=["flooding"])
    SubscriptionFactory(address="pending@example.org", pending=True)
    SubscriptionFactory(address="stopped@example.org", stopped=True)
    alert = publish(supervisor, latitude=CENTRE[0], longitude=CENTRE[1], radius_m=200)
    assert sorted(m.recipient for m in alert_messages()) == sorted(s.address for s in reached)
    assert alert.recipient_count == 4


def test_a_ward_alert_reaches_that_wards_subscribers_and_points_inside_it(supervisor, wards):
    SubscriptionFactory(address="abbey@example.org", ward=wards["abbey"], latitude=None,
                        longitude=None, radius_m=None)  # fmt: skip
    SubscriptionFactory(address="castle@example.org", ward=wards["castle"], latitude=None,
                        longitude=None, radius_m=None)  # fmt: skip
    SubscriptionFactory(address="inside@example.org", latitude=IN_ABBEY[0],
                        longitude=IN_ABBEY[1], radius_m=100)  # fmt: skip
    SubscriptionFactory(address="outside@example.org", latitude=52.02, longitude=-1.0,
                        radius_m=100)  # fmt: skip
    alert = publish(supervisor, ward="abbey")
    assert sorted(m.recipient for m in alert_messages()) == ["abbey@example.org",
                                                             "inside@example.org"]  # fmt: skip
    assert alert.ward == wards["abbey"] and "Abbey" in alert.area_text


def test_a_point_alert_inside_one_ward_reaches_that_wards_subscribers_only(supervisor, wards):
    for slug in ("abbey", "castle", "northfield", "riverside"):
        SubscriptionFactory(address=f"{slug}@example.org", ward=wards[slug], latitude=None,
                            longitude=None, radius_m=None)  # fmt: skip
    publish(supervisor, latitude=IN_ABBEY[0], longitude=IN_ABBEY[1], radius_m=100)
    assert [m.recipient for m in alert_messages()] == ["abbey@example.org"]


def test_nobody_gets_the_same_alert_twice_on_one_channel(supervisor):
    SubscriptionFactory(address="twice@example.org")
    SubscriptionFactory(address="twice@example.org", radius_m=1000)
    SubscriptionFactory(address="+447700900123", channel="sms")
    SubscriptionFactory(address="+447700900123", channel="sms", radius_m=2000)
    publish(supervisor)
    assert sorted((m.channel, m.recipient) for m in alert_messages()) == [
        ("email", "twice@example.org"),
        ("sms", "+447700900123"),
    ]


def test_each_message_carries_the_alert_and_a_link_that_stops_its_subscription(supervisor):
    subscription = SubscriptionFactory(address="someone@example.org")
    texter = SubscriptionFactory(by_text=True)
    publish(supervisor)
    email = alert_messages().get(channel="email")
    assert email.subject == "Road closures: Mill Road closed" and not email.essential
    assert "Resurfacing all week." in email.text and "Resurfacing all week." in email.html
    token = _token(email.text, "manage")
    assert selectors.subscription_by_manage_link(token) == subscription
    assert f'href="http://127.0.0.1:8000/alerts/manage/{token}/"' in email.html
    sms = alert_messages().get(channel="sms")
    assert sms.recipient == texter.address and not sms.html and not sms.subject
    assert selectors.subscription_by_manage_link(_token(sms.text, "manage")) == texter


# Publishing: at the provider's pace


def test_each_channel_is_spaced_to_its_rate_independently(supervisor, settings):
    settings.PUBLICA_ALERT_RATE_PER_MINUTE = 60
    for _ in range(5):
        SubscriptionFactory()
    for _ in range(3):
        SubscriptionFactory(by_text=True)
    with clock.at(NOON):
        publish(supervisor)
    for channel, count in (("email", 5), ("sms", 3)):
        times = list(alert_messages().filter(channel=channel).values_list("next_attempt_at",
                                                                          flat=True))  # fmt: skip
        assert times == [NOON + dt.timedelta(seconds=k) for k in range(count)]


def test_the_default_rate_is_govuk_notifys_3000_a_minute(supervisor):
    for _ in range(3):
        SubscriptionFactory()
    with clock.at(NOON):
        publish(supervisor)
    times = list(alert_messages().values_list("next_attempt_at", flat=True))
    assert times == [NOON + dt.timedelta(milliseconds=20 * k) for k in range(3)]


def test_an_alert_queues_behind_the_one_before_it_on_the_same_channel(supervisor, settings):
    settings.PUBLICA_ALERT_RATE_PER_MINUTE = 60
    for _ in range(3):
        SubscriptionFactory()
    SubscriptionFactory(by_text=True, topics=["flooding"])
    with clock.at(NOON):
        publish(supervisor)
    with clock.at(NOON + dt.timedelta(seconds=1)):
        second = publish(supervisor, topic="road-closure")
        publish(supervisor, topic="flooding")
    emails = alert_messages().filter(channel="email", created_at=second.published_at)
    assert [m.next_attempt_at for m in emails] == [
        NOON + dt.timedelta(seconds=k) for k in (3, 4, 5)
    ]
    sms = alert_messages().get(channel="sms")  # the first text of its channel: not held back
    assert sms.next_attempt_at == NOON + dt.timedelta(seconds=1)


def test_an_alert_and_its_messages_commit_together(supervisor):
    SubscriptionFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(supervisor)
        raise RuntimeError("the request failed after publishing")
    assert not Alert.objects.exists() and not Message.objects.exists()


def test_a_second_click_on_publish_sends_nothing_more(supervisor):
    SubscriptionFactory()
    draft = services.alert_draft(title="Flood warning", body="River high.", topic="road-closure",
                                 latitude=CENTRE[0], longitude=CENTRE[1], radius_m=100,
                                 actor=supervisor)  # fmt: skip
    key = "0b5b1a4e-0000-4000-8000-000000000001"
    first = services.alert_publish(draft=draft, key=key, actor=supervisor)
    again = services.alert_publish(draft=draft, key=key, actor=supervisor)
    assert first == again and Alert.objects.count() == 1 and alert_messages().count() == 1


# Publishing: who may


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.AUDITOR])
def test_only_supervisors_and_admins_may_publish(role, admin, supervisor):
    with pytest.raises(PermissionDenied):
        publish(UserFactory(role=role))
    with pytest.raises(PermissionDenied):
        publish(SystemActor("script"))
    assert publish(admin).published_by == admin
    assert publish(supervisor).published_by == supervisor


def test_a_caseworker_may_not_publish(caseworker):
    with pytest.raises(PermissionDenied):
        publish(caseworker)


def test_every_problem_with_an_alert_is_reported_naming_its_field(supervisor):
    with pytest.raises(InvalidInput) as caught:
        services.alert_draft(title="", body="x" * 1001, topic="weather", ward="", actor=supervisor,
                             starts_at="tomorrow", ends_at="2020-01-01 10:00")  # fmt: skip
    fields = {error.field: error.message for error in caught.value.errors}
    assert fields == {
        "title": "Enter a title",
        "body": "The message must be 1,000 characters or fewer",
        "topic": "Choose a topic",
        "ward": "Choose a ward from the list",
        "starts_at": "Enter the start as a date and time, like 2026-03-14 09:00",
        "ends_at": "The end must be in the future",
    }


def test_an_alert_ending_before_it_starts_is_refused(supervisor):
    with pytest.raises(InvalidInput, match="after the start"):
        services.alert_draft(title="Fair", body="On the green.", topic=Topic.EVENTS,
                             latitude=CENTRE[0], longitude=CENTRE[1], radius_m=300,
                             starts_at="2099-06-01 10:00", ends_at="2099-06-01 09:00",
                             actor=supervisor)  # fmt: skip


def test_the_audience_preview_counts_each_channel(supervisor):
    SubscriptionFactory()
    SubscriptionFactory()
    SubscriptionFactory(by_text=True)
    draft = services.alert_draft(title="T", body="B", topic="road-closure", latitude=CENTRE[0],
                                 longitude=CENTRE[1], radius_m=100, actor=supervisor)  # fmt: skip
    recipients = selectors.alert_audience(topic=draft.topic, area=draft.area)
    assert selectors.audience_counts(recipients) == {"email": 2, "sms": 1}
    assert not Message.objects.exists()


def _token(text: str, kind: str) -> str:
    marker = f"/alerts/{kind}/"
    link = next(word for word in text.split() if marker in word)
    return link.split(marker, 1)[1].strip("/")
