"""Reads about wards, subscriptions and alerts, including who an alert would reach."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from publica.accounts.models import User
from publica.alerts import geo, links, rules
from publica.alerts.models import Alert, AlertSubscription, Ward
from publica.core.errors import NotFound
from publica.notify.models import Message, Status

__all__ = [
    "ALERT_KIND",
    "Recipient",
    "alert_audience",
    "alert_list",
    "audience_counts",
    "last_alert_slot",
    "subscription_by_confirm_link",
    "subscription_by_manage_link",
    "subscription_list_for",
    "ward_list",
]

#: The outbox's `kind` for an alert message.
ALERT_KIND = "alert.published"


@dataclass(frozen=True)
class Recipient:
    subscription_id: int
    channel: str
    address: str


def ward_list() -> QuerySet[Ward]:
    return Ward.objects.all()


def alert_list() -> QuerySet[Alert]:
    return Alert.objects.select_related("ward", "published_by")


def subscription_list_for(user: User) -> QuerySet[AlertSubscription]:
    """A signed-in person's subscriptions that have not been stopped."""
    return AlertSubscription.objects.filter(user=user, ended_at__isnull=True).select_related("ward")


def subscription_by_confirm_link(token: str) -> AlertSubscription:
    return _subscription(links.read_confirm(token))


def subscription_by_manage_link(token: str) -> AlertSubscription:
    return _subscription(links.read_manage(token))


def _subscription(pk: int | None) -> AlertSubscription:
    found = (
        AlertSubscription.objects.select_related("ward").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound("This link has expired or is not valid.")
    return found


def alert_audience(*, topic: str, area: geo.Area, ward: Ward | None = None) -> list[Recipient]:
    """Everyone an alert on `topic` in `area` reaches: each active subscription to the topic
    whose area meets the alert's, one per address and channel, oldest subscription first.

    A ward subscription matches an alert for that ward, or a point alert whose circle meets
    the ward; a point subscription matches when its circle meets the alert's area."""
    wards = (
        {ward.pk}
        if ward is not None
        else {w.pk for w in Ward.objects.all() if geo.circle_meets(_circle(area), w.polygon)}
    )
    # Only subscriptions whose centre is within the largest radius of the area can meet it.
    box = geo.bounding_box(area).grown(rules.RADIUS_MAX_M)
    near = Q(
        ward__isnull=True,
        latitude__range=(box.south, box.north),
        longitude__range=(box.west, box.east),
    )
    rows = (
        AlertSubscription.objects.filter(active=True)
        .filter(Q(ward_id__in=wards) | near)
        .order_by("pk")
        .values_list(
            "pk", "channel", "address", "topics", "ward_id", "latitude", "longitude", "radius_m"
        )
    )
    seen: set[tuple[str, str]] = set()
    recipients = []
    for pk, channel, address, topics, ward_id, lat, lon, radius in rows.iterator(chunk_size=2000):
        if topic not in topics or (channel, address) in seen:
            continue
        if ward_id is None and not geo.circle_meets(geo.Circle(lat, lon, radius), area):
            continue
        seen.add((channel, address))
        recipients.append(Recipient(pk, channel, address))
    return recipients


def audience_counts(recipients: list[Recipient]) -> dict[str, int]:
    """How many recipients each channel has."""
    return dict(Counter(recipient.channel for recipient in recipients))


def last_alert_slot(*, channel: str, after: dt.datetime) -> dt.datetime | None:
    """The latest time an alert message of `channel` waits for its first attempt, if after
    `after`: a new alert's messages queue behind it, so alerts published close together
    still keep to the channel's rate. Retries are left out (their backoff is not a slot)."""
    found = Message.objects.filter(
        kind=ALERT_KIND,
        channel=channel,
        status=Status.QUEUED,
        attempts=0,
        next_attempt_at__gt=after,
    ).aggregate(latest=Max("next_attempt_at"))
    latest: dt.datetime | None = found["latest"]
    return latest


def _circle(area: geo.Area) -> geo.Circle:
    assert isinstance(area, geo.Circle), "an area that is not a ward is a circle"
    return area
