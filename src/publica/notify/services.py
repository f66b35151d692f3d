"""Writes to the outbox and the delivery of what it holds.

`messages_for_event` runs inside the transaction of the case event that causes the messages,
so an event and its messages commit together. The worker then claims due messages in batches
(`dispatch_due`), and a background task delivers each batch (`deliver`), recording every
attempt. Delivery is at least once: a worker killed mid-batch leaves its claim to expire, and
the batch is sent again with the same message ids.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from publica.cases.models import Case, CaseEvent
from publica.core import clock, recent
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput
from publica.insights.services.ratings import rating_url
from publica.notify import backoff
from publica.notify.addresses import private_target
from publica.notify.channels import email as email_channel
from publica.notify.channels import webhook as webhook_channel
from publica.notify.channels.base import Outcome
from publica.notify.models import (
    OPEN,
    Channel,
    DeliveryAttempt,
    Message,
    OptOut,
    Status,
    WebhookSubscription,
)

__all__ = [
    "EVENT_TYPES",
    "deliver",
    "dispatch_due",
    "messages_for_event",
    "messages_forget_case",
    "messages_queue",
    "notify_delivery_status",
    "notify_opt_out",
    "webhook_replay",
    "webhook_subscribe",
]

logger = logging.getLogger(__name__)
SUBSCRIPTIONS = "webhook-subscriptions"
DELIVERER = SystemActor("notify-worker")
NOTIFY_CALLBACK = SystemActor("gov-uk-notify")
#: GOV.UK Notify's final states, as the outbox records them.
NOTIFY_STATUSES = {
    "delivered": Status.DELIVERED,
    "permanent-failure": Status.PERMANENT_FAILURE,
    "temporary-failure": Status.TEMPORARY_FAILURE,  # the phone was off for 72 hours
    "technical-failure": Status.TEMPORARY_FAILURE,
}

#: Webhook event types, from the timeline's event kinds.
EVENT_TYPES = {
    CaseEvent.Kind.SUBMITTED: "case.submitted",
    CaseEvent.Kind.TRANSITIONED: "case.transitioned",
    CaseEvent.Kind.NOTE_ADDED: "case.note_added",
    CaseEvent.Kind.ASSIGNED: "case.assigned",
    CaseEvent.Kind.PRIORITY_CHANGED: "case.priority_changed",
    CaseEvent.Kind.FLAGGED: "case.flagged",
    CaseEvent.Kind.INFO_REQUESTED: "case.info_requested",
    CaseEvent.Kind.INFO_PROVIDED: "case.info_provided",
    CaseEvent.Kind.ESCALATED: "case.escalated",
    CaseEvent.Kind.ATTACHED: "case.attached",
}
ALL_EVENT_TYPES = sorted({*EVENT_TYPES.values(), "case.decided"})
#: What the applicant is emailed about; the rest of the timeline is for staff.
RESIDENT_KINDS = {CaseEvent.Kind.SUBMITTED, CaseEvent.Kind.TRANSITIONED,
                  CaseEvent.Kind.INFO_REQUESTED}  # fmt: skip


def event_type(event: CaseEvent) -> str:
    if event.kind == CaseEvent.Kind.TRANSITIONED and event.data.get("outcome"):
        return "case.decided"
    return EVENT_TYPES.get(event.kind, "")  # type: ignore[call-overload]


# Writing messages, in the event's transaction


def messages_for_event(case: Case, event: CaseEvent) -> list[Message]:
    """The applicant's email or text and the webhook calls an event causes, queued."""
    now = event.created_at
    messages = _resident_messages(case, event, now) + _follower_messages(case, event, now)
    kind = event_type(event)
    if kind:
        for subscription in _subscribers(case, kind):
            messages.append(_webhook_message(subscription, case, event, kind, now))
    return Message.objects.bulk_create(messages) if messages else []


def _resident_messages(case: Case, event: CaseEvent, now: dt.datetime) -> list[Message]:
    """An email to the applicant's address; a text message when they gave only a phone."""
    address = case.contact_email or (case.applicant.email if case.applicant else "")
    phone = "" if address else case.contact_phone
    if not (address or phone) or not event.public or event.kind not in RESIDENT_KINDS:
        return []
    definition = case.service_version.definition
    text = event.data.get("message", "")
    if event.kind == CaseEvent.Kind.SUBMITTED:
        text = text or _submitted_text(definition, case)
    elif event.kind == CaseEvent.Kind.INFO_REQUESTED:
        text = event.data.get("question", "")
    if not text:
        return []  # the service says nothing to the applicant at this step
    # Decisions and questions must reach the applicant; an intermediate step may not.
    essential = event.kind != CaseEvent.Kind.TRANSITIONED or bool(event.data.get("outcome"))
    if not essential and OptOut.objects.filter(address=(address or phone).lower()).exists():
        return []
    state = case.service_version.workflow.labels.get(case.state, case.state)
    context = {
        "case": case,
        "service_title": definition.get("title", case.service.slug),
        "state": state,
        "text": text,
        "question": event.kind == CaseEvent.Kind.INFO_REQUESTED,
        "case_url": signed_case_url(case.reference, address) if address else "",
        "preferences_url": preferences_url(address or phone),
        "essential": essential,
        "site": settings.PUBLICA_SITE_URL.rstrip("/"),
        # the case closed: ask the one satisfaction question (`insights`), by email only
        "rating_url": rating_url(case) if address and event.data.get("outcome") else "",
    }
    common = {"case": case, "event": event, "kind": event_type(event) or event.kind,
              "essential": essential, "next_attempt_at": now, "created_at": now}  # fmt: skip
    if phone:
        sms = render_to_string("notify/case_sms.txt", context).strip()
        return [Message(channel=Channel.SMS, recipient=phone, text=sms, **common)]
    return [Message(
        channel=Channel.EMAIL,
        recipient=address,
        subject=f"{context['service_title']}: {state} ({case.reference})",
        text=render_to_string("notify/case_email.txt", context),
        html=render_to_string("notify/case_email.html", context),
        **common,
    )]  # fmt: skip


def _follower_messages(case: Case, event: CaseEvent, now: dt.datetime) -> list[Message]:
    """The same public step, by email, to those who follow the report (`cases.Follower`).
    Not essential: they did not send it, so an opt-out stops these, and each has the link."""
    text = event.data.get("message", "")
    if event.kind != CaseEvent.Kind.TRANSITIONED or not event.public or not text:
        return []
    applicant = (case.contact_email or (case.applicant.email if case.applicant else "")).lower()
    addresses = {
        (f.user.email if f.user else f.email).lower() for f in case.followers.select_related("user")
    } - {"", applicant}
    if not addresses:
        return []
    addresses -= set(OptOut.objects.filter(address__in=addresses).values_list("address", flat=True))
    definition = case.service_version.definition
    state = case.service_version.workflow.labels.get(case.state, case.state)
    title = definition.get("title", case.service.slug)
    site = settings.PUBLICA_SITE_URL.rstrip("/")
    messages = []
    for address in sorted(addresses):
        context = {"case": case, "service_title": title, "state": state, "text": text,
                   "report_url": site + reverse("portal:report", args=[case.reference]),
                   "preferences_url": preferences_url(address)}  # fmt: skip
        messages.append(Message(
            channel=Channel.EMAIL, recipient=address, case=case, event=event,
            kind="case.followed_update", essential=False, next_attempt_at=now, created_at=now,
            subject=f"{title}: {state} ({case.reference})",
            text=render_to_string("notify/follower_email.txt", context),
            html=render_to_string("notify/follower_email.html", context),
        ))  # fmt: skip
    return messages


def _submitted_text(definition: dict[str, Any], case: Case) -> str:
    from publica.cases import notifications

    return notifications.render(definition, "submitted", {"reference": case.reference})


def _subscribers(case: Case, kind: str) -> Iterable[WebhookSubscription]:
    return (s for s in active_subscriptions() if _wants(s, case, kind))


def active_subscriptions() -> list[WebhookSubscription]:
    """Every active subscription. Each event checks them, so each process keeps the list for
    PUBLICA_LOCAL_CACHE_SECONDS; a change made here is seen at once (`subscriptions_changed`)."""
    found = recent.remembered(
        SUBSCRIPTIONS, lambda: list(WebhookSubscription.objects.filter(active=True))
    )
    return found or []


def subscriptions_changed() -> None:
    recent.forget(SUBSCRIPTIONS)


def _wants(subscription: WebhookSubscription, case: Case, kind: str) -> bool:
    """Whether the subscription asked for this kind of event on this case."""
    return (
        (not subscription.event_types or kind in subscription.event_types)
        and (not subscription.services or case.service.slug in subscription.services)
        and subscription.department_id in (None, case.department_id)
    )


def _webhook_message(
    subscription: WebhookSubscription, case: Case, event: CaseEvent, kind: str, now: dt.datetime
) -> Message:
    """A CloudEvent about the case, with nothing personal in it: other systems learn what
    happened and fetch more through the API if their key allows."""
    data = {
        "reference": case.reference,
        "service": case.service.slug,
        "service_version": case.service_version.number,
        "department": case.department.slug,
        "state": case.state,
        "outcome": case.outcome or None,
        "event": event.kind,
        "from": event.data.get("from"),
        "to": event.data.get("to"),
        "actor_role": event.actor_role,
        "case_version": case.version,
    }
    cloud_event = CloudEvent(
        attributes={
            "id": f"case-event-{event.pk}",  # the same event keeps its id on every replay
            "source": f"{settings.PUBLICA_SITE_URL.rstrip('/')}/api/v1/cases",
            "type": kind,
            "subject": case.reference,
            "time": event.created_at,
            "datacontenttype": "application/json",
        },
        data=data,
    )
    return Message(
        channel=Channel.WEBHOOK,
        case=case,
        event=event,
        subscription=subscription,
        kind=kind,
        recipient=subscription.url,
        body=to_structured_event(cloud_event).body,
        next_attempt_at=now,
        created_at=now,
    )


def messages_queue(messages: Sequence[Message]) -> list[Message]:
    """Put messages built elsewhere (area alerts, say) in the outbox, in the caller's
    transaction; the worker delivers them like any other."""
    return Message.objects.bulk_create(messages, batch_size=1000)


def signed_case_url(reference: str, email: str) -> str:
    """A link that opens the case as if its reference and email had been typed in."""
    token = signing.dumps({"r": reference, "e": email.lower()}, salt="publica.case-link")
    path = reverse("portal:case-link", kwargs={"token": token})
    return settings.PUBLICA_SITE_URL.rstrip("/") + path


def preferences_url(address: str) -> str:
    token = signing.dumps(address.lower(), salt="publica.preferences")
    path = reverse("portal:notification-preferences", kwargs={"token": token})
    return settings.PUBLICA_SITE_URL.rstrip("/") + path


def notify_opt_out(*, address: str, opted_out: bool, actor: Actor) -> None:
    """Stop (or resume) non-essential messages to `address`; decisions are always sent."""
    key = address.strip().lower()
    if opted_out:
        OptOut.objects.get_or_create(address=key, defaults={"created_at": clock.now()})
    else:
        OptOut.objects.filter(address=key).delete()


def messages_forget_case(*, case: Case, actor: Actor) -> int:
    """Blank who every message about `case` went to and what it said, once the case's
    personal data is removed (retention or erasure); a message not yet sent is not sent.
    The outbox keeps that a message existed, when, and how delivery went. Returns how many."""
    now = clock.now()
    Message.objects.filter(case=case, status__in=OPEN).update(
        status=Status.PERMANENT_FAILURE, last_error="not sent: the case's personal data was removed"
    )
    DeliveryAttempt.objects.filter(message__case=case).update(detail="")
    return Message.objects.filter(case=case).update(
        recipient="", subject="", text="", html="", body=b"", next_attempt_at=now
    )


# Webhook subscriptions


def webhook_subscribe(
    *,
    name: str,
    url: str,
    event_types: Sequence[str] = (),
    services: Sequence[str] = (),
    department: Any = None,
    owner_email: str = "",
    actor: Actor,
) -> WebhookSubscription:
    errors = []
    if not url.lower().startswith(("https://", "http://")):
        errors.append(FieldError("url", "must be an http or https URL"))
    elif not settings.PUBLICA_WEBHOOK_ALLOW_PRIVATE and (inside := private_target(url)):
        errors.append(FieldError("url", f"leads to {inside}, which is not a public address"))
    unknown = sorted(set(event_types) - set(ALL_EVENT_TYPES))
    if unknown:
        errors.append(FieldError("event_types", f"unknown: {', '.join(unknown)}"))
    if not name.strip():
        errors.append(FieldError("name", "give the subscription a name"))
    if errors:
        raise InvalidInput(errors)
    subscription = WebhookSubscription.objects.create(
        name=name.strip(), url=url, event_types=list(event_types), services=list(services),
        department=department, owner_email=owner_email, created_at=clock.now(),
    )  # fmt: skip
    subscriptions_changed()
    return subscription


@transaction.atomic
def webhook_replay(
    *, subscription: WebhookSubscription, since: dt.datetime, actor: Actor
) -> list[Message]:
    """Send the subscription every matching event since `since` again (new deliveries of the
    same CloudEvents, so receivers can tell them apart by the CloudEvent id)."""
    now = clock.now()
    messages = []
    events = CaseEvent.objects.filter(created_at__gte=since).select_related(
        "case__service", "case__service_version", "case__department"
    )
    for event in events.order_by("created_at", "pk").iterator(chunk_size=500):
        kind = event_type(event)
        case = event.case
        if not kind or not _wants(subscription, case, kind):
            continue
        messages.append(_webhook_message(subscription, case, event, kind, now))
    return Message.objects.bulk_create(messages, batch_size=1000)


# Delivery, by the worker


def dispatch_due(*, limit: int | None = None) -> list[list[str]]:
    """Claim due messages for a while (`PUBLICA_DELIVERY_LEASE`) and queue a delivery task
    for each batch. Returns the batches queued."""
    from publica.notify.tasks import deliver_task

    now = clock.now()
    size = settings.PUBLICA_DELIVERY_BATCH
    with transaction.atomic():
        due = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN, next_attempt_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[: limit or size * 20]
        )
        ids = [str(pk) for pk in due]
        if not ids:
            return []
        lease = now + dt.timedelta(seconds=settings.PUBLICA_DELIVERY_LEASE)
        Message.objects.filter(id__in=ids).update(leased_until=lease)
        batches = [ids[i : i + size] for i in range(0, len(ids), size)]
        for batch in batches:
            deliver_task.enqueue(batch)
    return batches


def deliver(ids: Sequence[str], *, actor: SystemActor = DELIVERER) -> dict[str, str]:
    """Send each still-open message once and record how it went; the status of each."""
    messages = list(
        Message.objects.filter(id__in=ids, status__in=OPEN).select_related("subscription")
    )
    now = clock.now()
    outcomes: dict[str, Outcome] = {}
    emails = [m for m in messages if m.channel == Channel.EMAIL]
    if emails:
        outcomes.update(email_channel.send(emails))
    hooks = [m for m in messages if m.channel == Channel.WEBHOOK]
    if hooks:
        with ThreadPoolExecutor(max_workers=settings.PUBLICA_WEBHOOK_CONCURRENCY) as pool:
            sent = pool.map(lambda m: _call(m, now), hooks)
            outcomes.update({str(m.id): outcome for m, outcome in zip(hooks, sent, strict=True)})
    for message in messages:
        if message.channel == Channel.SMS:
            from publica.notify.channels import sms

            outcomes[str(message.id)] = sms.send(message)
    _record(messages, outcomes, now)
    return {str(m.id): m.status for m in messages}


def _call(message: Message, now: dt.datetime) -> Outcome:
    subscription = message.subscription
    if subscription is None or not subscription.active:
        return Outcome.give_up("the subscription is disabled")
    if not settings.PUBLICA_WEBHOOK_ALLOW_PRIVATE and (inside := private_target(message.recipient)):
        return Outcome.give_up(f"refused: the URL now leads to {inside}, not a public address")
    return webhook_channel.send(message, subscription.secret, now)


def _record(messages: list[Message], outcomes: dict[str, Outcome], began: dt.datetime) -> None:
    finished = clock.now()
    took = int((finished - began).total_seconds() * 1000)
    attempts = []
    with transaction.atomic():
        for message in messages:
            outcome = outcomes[str(message.id)]
            message.attempts += 1
            message.leased_until = None
            if outcome.delivered:
                message.status, message.delivered_at = Status.DELIVERED, finished
                message.provider_reference = outcome.reference or message.provider_reference
            else:
                retry_at = None if outcome.permanent else backoff.next_attempt(
                    attempts=message.attempts, now=finished, created_at=message.created_at,
                    base=settings.PUBLICA_DELIVERY_BASE_DELAY,
                    cap=settings.PUBLICA_DELIVERY_MAX_DELAY,
                    max_age=settings.PUBLICA_DELIVERY_MAX_AGE,
                )  # fmt: skip
                if retry_at is None:
                    message.status = Status.PERMANENT_FAILURE
                else:
                    message.status, message.next_attempt_at = Status.TEMPORARY_FAILURE, retry_at
            message.last_error = "" if outcome.delivered else outcome.detail
            attempts.append(DeliveryAttempt(
                message=message, number=message.attempts, at=finished,
                outcome=message.status, detail=outcome.detail, duration_ms=took,
            ))  # fmt: skip
        Message.objects.bulk_update(
            messages,
            ["attempts", "leased_until", "status", "delivered_at", "next_attempt_at",
             "last_error", "provider_reference"],
        )  # fmt: skip
        DeliveryAttempt.objects.bulk_create(attempts)
        _track_failing_endpoints(messages, finished)


def _track_failing_endpoints(messages: list[Message], now: dt.datetime) -> None:
    """A subscription that has failed for PUBLICA_WEBHOOK_DISABLE_AFTER is disabled, and its
    owner told; one delivery getting through clears the record."""
    by_subscription: dict[int, list[Message]] = {}
    for message in messages:
        if message.subscription_id is not None:
            by_subscription.setdefault(message.subscription_id, []).append(message)
    for subscription_id, sent in by_subscription.items():
        subscription = sent[0].subscription
        assert subscription is not None
        if any(m.status == Status.DELIVERED for m in sent):
            if subscription.failing_since is not None:
                WebhookSubscription.objects.filter(pk=subscription_id).update(failing_since=None)
            continue
        since = subscription.failing_since or now
        if subscription.failing_since is None:
            WebhookSubscription.objects.filter(pk=subscription_id).update(failing_since=now)
        elif (now - since).total_seconds() > settings.PUBLICA_WEBHOOK_DISABLE_AFTER:
            _disable(subscription, now)


def _disable(subscription: WebhookSubscription, now: dt.datetime) -> None:
    reason = f"every delivery failed since {since_text(subscription.failing_since)}"
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_reason=reason
    )
    subscriptions_changed()
    logger.warning("webhook subscription %s disabled: %s", subscription.pk, reason)
    if subscription.owner_email:
        text = render_to_string(
            "notify/webhook_disabled.txt", {"subscription": subscription, "reason": reason}
        )
        Message.objects.create(
            channel=Channel.EMAIL, kind="webhook.disabled", recipient=subscription.owner_email,
            subject=f"Webhook disabled: {subscription.name}", text=text, next_attempt_at=now,
            created_at=now,
        )  # fmt: skip


def notify_delivery_status(
    *, provider_reference: str, reference: str, status: str, actor: SystemActor
) -> bool:
    """Record what GOV.UK Notify says became of a text message; False when unknown."""
    outcome = NOTIFY_STATUSES.get(status)
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel=Channel.SMS)
            .filter(Q(provider_reference=provider_reference) | Q(id=_uuid_or_none(reference)))
            .first()
        )
        if message is None:
            return False
        if outcome is None:  # "sending", "created": nothing final yet
            return True
        now = clock.now()
        message.status = outcome
        message.delivered_at = now if outcome == Status.DELIVERED else message.delivered_at
        if outcome == Status.TEMPORARY_FAILURE:
            retry_at = backoff.next_attempt(
                attempts=message.attempts, now=now, created_at=message.created_at,
                base=settings.PUBLICA_DELIVERY_BASE_DELAY, cap=settings.PUBLICA_DELIVERY_MAX_DELAY,
                max_age=settings.PUBLICA_DELIVERY_MAX_AGE,
            )  # fmt: skip
            if retry_at is None:
                message.status = Status.PERMANENT_FAILURE
            else:
                message.next_attempt_at = retry_at
        message.last_error = "" if outcome == Status.DELIVERED else f"Notify: {status}"
        message.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_error"])
        DeliveryAttempt.objects.create(
            message=message, number=message.attempts, at=now, outcome=message.status,
            detail=f"{actor.name} reported {status}",
        )  # fmt: skip
    return True


def _uuid_or_none(text: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def since_text(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else "now"
