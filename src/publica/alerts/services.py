"""Writes for area alerts: wards, subscribing, confirming, stopping, and publishing an alert.

Publishing writes one outbox message per subscriber in the alert's own transaction, so an
alert and its messages commit together; the worker then delivers them like any other
message. Each channel's messages are spaced `60 / PUBLICA_ALERT_RATE_PER_MINUTE` seconds
apart in `next_attempt_at`, so however many workers run, no channel is sent faster than the
provider allows (GOV.UK Notify allows 3,000 a minute).

Who may publish: supervisors and admins. An alert reaches many residents at once and cannot
be recalled, so it takes the role that already answers for a department's work; caseworkers
ask their supervisor.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.alerts import geo, outbox, rules
from publica.alerts import selectors as alert_selectors
from publica.alerts.models import Alert, AlertChannel, AlertSubscription, Topic, Ward
from publica.core import clock
from publica.core.actors import Actor, ContactActor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.notify.services import messages_queue

__all__ = [
    "PUBLISHER_ROLES",
    "AlertDraft",
    "alert_confirm",
    "alert_draft",
    "alert_publish",
    "alert_subscribe",
    "alert_unsubscribe",
    "ward_upsert",
]

#: Roles that may publish an alert (see the module docstring for why).
PUBLISHER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


# Wards


@transaction.atomic
def ward_upsert(*, slug: str, name: str, boundary: object, actor: Actor) -> Ward:
    """Create or change a ward; its boundary is at least three [latitude, longitude] corners."""
    if isinstance(actor, User) and actor.role != Role.ADMIN:
        raise PermissionDenied("Only an admin may change wards.")
    errors = []
    if not slug.strip():
        errors.append(FieldError("slug", "Enter a short name for the ward's address"))
    if not name.strip():
        errors.append(FieldError("name", "Enter the ward's name"))
    corners: list[list[float]] = []
    try:
        corners = rules.boundary(boundary)
    except rules.FieldProblem as exc:
        errors.append(FieldError("boundary", str(exc)))
    if errors:
        raise InvalidInput(errors)
    ward, _created = Ward.objects.update_or_create(
        slug=slug.strip(), defaults={"name": name.strip(), "boundary": corners}
    )
    return ward


# Subscriptions


@transaction.atomic
def alert_subscribe(
    *,
    channel: str,
    address: str,
    topics: Sequence[str],
    ward: str | None = None,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    radius_m: int | str | None = None,
    actor: Actor,
) -> AlertSubscription:
    """Ask for alerts; the subscription starts inactive and a link to confirm it is sent to
    the address. Every field is checked and every problem reported, each naming its field.

    The area is a ward, by its slug (an empty one asks for a ward to be chosen), or with
    `ward` None, the point and radius."""
    errors: list[FieldError] = []
    if channel not in AlertChannel.values:
        errors.append(FieldError("channel", "Choose how to get alerts: email or text message"))
    normalised = _address(channel, address, errors)
    chosen = sorted(set(topics))
    if not chosen:
        errors.append(FieldError("topics", "Choose at least one topic"))
    elif set(chosen) - set(Topic.values):
        errors.append(FieldError("topics", "Choose topics from the list"))
    place = _place(ward, latitude, longitude, radius_m, errors)
    if normalised and not errors:
        held = AlertSubscription.objects.filter(address=normalised, ended_at__isnull=True)
        if held.count() >= rules.MAX_SUBSCRIPTIONS_PER_ADDRESS:
            errors.append(FieldError("address", _too_many()))
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    subscription = AlertSubscription.objects.create(
        user=actor if isinstance(actor, User) else None,
        channel=channel,
        address=normalised,
        topics=chosen,
        active=False,
        created_at=now,
        **place,
    )
    messages_queue([outbox.confirmation(subscription, now)])
    return subscription


@transaction.atomic
def alert_confirm(*, subscription: AlertSubscription, actor: Actor) -> AlertSubscription:
    """Start the alerts, once the address's owner followed the link sent to it. Confirming
    twice changes nothing; a stopped subscription stays stopped."""
    _require_holder(actor, subscription)
    subscription = AlertSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.confirmed_at is not None or subscription.ended_at is not None:
        return subscription
    subscription.active, subscription.confirmed_at = True, clock.now()
    subscription.save(update_fields=["active", "confirmed_at"])
    return subscription


@transaction.atomic
def alert_unsubscribe(
    *, subscription: AlertSubscription, every_alert: bool = False, actor: Actor
) -> int:
    """Stop this subscription, or with `every_alert` every one sent to its address and
    channel; how many were stopped."""
    _require_holder(actor, subscription)
    if every_alert:
        stopping = AlertSubscription.objects.filter(
            address=subscription.address, channel=subscription.channel
        )
    else:
        stopping = AlertSubscription.objects.filter(pk=subscription.pk)
    return stopping.filter(ended_at__isnull=True).update(active=False, ended_at=clock.now())


def alert_subscriptions_forget(*, user: User, actor: Actor) -> int:
    """Delete every subscription a signed-in resident made, with its address (their account is
    being erased); how many."""
    if getattr(actor, "pk", None) != user.pk and not isinstance(actor, SystemActor):
        raise PermissionDenied("only the resident forgets their own subscriptions")
    return AlertSubscription.objects.filter(user=user).delete()[0]


# Publishing


@dataclass(frozen=True)
class AlertDraft:
    """An alert whose every field has been checked, not yet published."""

    title: str
    body: str
    topic: str
    place: dict[str, Any]
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None

    @property
    def area(self) -> geo.Area:
        ward: Ward | None = self.place.get("ward")
        if ward is not None:
            return ward.polygon
        return geo.Circle(self.place["latitude"], self.place["longitude"], self.place["radius_m"])


def alert_draft(
    *,
    title: str,
    body: str,
    topic: str,
    ward: str | None = None,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    radius_m: int | str | None = None,
    starts_at: dt.datetime | str | None = None,
    ends_at: dt.datetime | str | None = None,
    actor: Actor,
) -> AlertDraft:
    """Check an alert before publishing it (the preview); raises InvalidInput naming every
    field at fault, PermissionDenied for someone who may not publish."""
    _require_publisher(actor)
    errors: list[FieldError] = []
    title, body = title.strip(), body.strip().replace("\r\n", "\n")
    if not title:
        errors.append(FieldError("title", "Enter a title"))
    elif len(title) > rules.TITLE_MAX:
        errors.append(
            FieldError("title", f"The title must be {rules.TITLE_MAX} characters or fewer")
        )
    if not body:
        errors.append(FieldError("body", "Enter the message"))
    elif len(body) > rules.BODY_MAX:
        errors.append(
            FieldError("body", f"The message must be {rules.BODY_MAX:,} characters or fewer")
        )
    if topic not in Topic.values:
        errors.append(FieldError("topic", "Choose a topic"))
    place = _place(ward, latitude, longitude, radius_m, errors)
    start = _moment(starts_at, "starts_at", "start", errors)
    end = _moment(ends_at, "ends_at", "end", errors)
    if end is not None and end <= clock.now():
        errors.append(FieldError("ends_at", "The end must be in the future"))
    elif start is not None and end is not None and end <= start:
        errors.append(FieldError("ends_at", "The end must be after the start"))
    if errors:
        raise InvalidInput(errors)
    return AlertDraft(title, body, topic, place, start, end)


@transaction.atomic
def alert_publish(*, draft: AlertDraft, key: str = "", actor: Actor) -> Alert:
    """Publish a checked alert to everyone subscribed to its topic in its area: one queued
    message each, spaced to keep each channel within PUBLICA_ALERT_RATE_PER_MINUTE.

    `key` (a UUID from the form) makes a repeated click return the alert already published
    instead of sending it twice."""
    publisher = _require_publisher(actor)
    now = clock.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                title=draft.title, body=draft.body, topic=draft.topic,
                starts_at=draft.starts_at, ends_at=draft.ends_at, published_by=publisher,
                published_at=now, **_key(key), **draft.place,
            )  # fmt: skip
    except IntegrityError:  # this key was published already (a second click)
        return Alert.objects.get(key=key)
    recipients = alert_selectors.alert_audience(
        topic=draft.topic, area=draft.area, ward=draft.place.get("ward")
    )
    messages_queue(outbox.alert_messages(alert, recipients, now))
    alert.recipient_count = len(recipients)
    alert.save(update_fields=["recipient_count"])
    return alert


# Checks and helpers


def _address(channel: str, address: str, errors: list[FieldError]) -> str:
    address = address.strip()
    if channel == AlertChannel.EMAIL:
        if not address:
            errors.append(FieldError("address", "Enter your email address"))
            return ""
        try:
            validate_email(address)
        except ValidationError:
            errors.append(
                FieldError(
                    "address", "Enter an email address in the right form, like name@example.com"
                )
            )
            return ""
        return address.lower()
    if channel == AlertChannel.SMS:
        if not address:
            errors.append(FieldError("address", "Enter your mobile number"))
            return ""
        try:
            return rules.phone_number(address)
        except rules.FieldProblem as exc:
            errors.append(FieldError("address", str(exc)))
    return ""


def _place(
    ward: str | None,
    latitude: float | str | None,
    longitude: float | str | None,
    radius_m: int | str | None,
    errors: list[FieldError],
) -> dict[str, Any]:
    """The model fields for a ward or a point and radius, checked."""
    point_given = any(_given(value) for value in (latitude, longitude, radius_m))
    if ward is not None and point_given:
        errors.append(FieldError("area", "Choose a ward or give a point, not both"))
        return {}
    if ward is not None:
        found = Ward.objects.filter(slug=ward).first() if ward else None
        if found is None:
            errors.append(FieldError("ward", "Choose a ward from the list"))
        return {"ward": found}
    if not point_given:
        errors.append(FieldError("area", "Choose a ward, or give a point and a distance"))
        return {}
    place: dict[str, Any] = {}
    checks: list[tuple[str, Callable[[Any], float | int], object]] = [
        ("latitude", rules.latitude, latitude),
        ("longitude", rules.longitude, longitude),
        ("radius_m", rules.radius, radius_m),
    ]
    for field, check, value in checks:
        try:
            place[field] = check(value)
        except rules.FieldProblem as exc:
            errors.append(FieldError(field, str(exc)))
    return place


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _moment(
    value: dt.datetime | str | None, field: str, name: str, errors: list[FieldError]
) -> dt.datetime | None:
    """A date and time typed as 2026-03-14 09:00 (local time), or None when left empty."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    text = (value or "").strip()
    if not text:
        return None
    for layout in _DATETIME_FORMATS:
        try:
            return timezone.make_aware(dt.datetime.strptime(text, layout))
        except ValueError:
            continue
    errors.append(FieldError(field, f"Enter the {name} as a date and time, like 2026-03-14 09:00"))
    return None


def _key(key: str) -> dict[str, Any]:
    try:
        return {"key": uuid.UUID(key)}
    except ValueError:
        return {}  # no key: the model makes one


def _require_publisher(actor: Actor) -> User:
    if not isinstance(actor, User) or actor.role not in PUBLISHER_ROLES:
        raise PermissionDenied("Only a supervisor or an admin may publish alerts.")
    return actor


def _require_holder(actor: Actor, subscription: AlertSubscription) -> None:
    """The address's owner (who holds a link sent to it), the person who subscribed, an
    admin or Publica itself."""
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, ContactActor) and actor.email.lower() == subscription.address:
        return
    if isinstance(actor, User) and (actor.pk == subscription.user_id or actor.role == Role.ADMIN):
        return
    raise PermissionDenied("Only the person these alerts go to may change them.")


def _too_many() -> str:
    return (
        f"This address already has {rules.MAX_SUBSCRIPTIONS_PER_ADDRESS} alert subscriptions; "
        "stop one before adding another"
    )
