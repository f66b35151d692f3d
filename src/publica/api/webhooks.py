"""Webhook subscriptions in the REST API: another system subscribes its URL to case events,
gets CloudEvents signed as Standard Webhooks, and can replay what it missed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from publica.accounts.models import ApiKey, Department
from publica.api.auth import require_scope
from publica.api.schemas import Problem
from publica.core.actors import ApiClient
from publica.core.errors import FieldError, InvalidInput, NotFound
from publica.notify.models import WebhookSubscription
from publica.notify.services import (
    ALL_EVENT_TYPES,
    subscriptions_changed,
    webhook_replay,
    webhook_subscribe,
)

__all__ = ["router"]

router = Router(tags=["webhooks"])
SCOPE = "webhooks:manage"
#: A subscription id as the path gives it: checked here, so a bad one is a 422, not a 500.
ID = Annotated[int, Path(ge=1, le=2**63 - 1)]
ERRORS: dict[int, type] = {code: Problem for code in (401, 403, 404, 422, 429)}


class SubscriptionIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=8, max_length=500, description="Where to POST the events.")
    event_types: list[str] = Field(
        default_factory=list, description=f"Any of {', '.join(ALL_EVENT_TYPES)}; empty: all."
    )
    services: list[str] = Field(default_factory=list, description="Service slugs; empty: all.")


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    services: list[str]
    department: str | None
    active: bool
    disabled_reason: str


class NewSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="Verify each call's `webhook-signature` with it; shown once.")


class ReplayIn(Schema):
    since: dt.datetime = Field(description="Send again every matching event since then.")


class ReplayOut(Schema):
    queued: int


def _out(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "name": subscription.name,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "services": subscription.services,
        "department": subscription.department.slug if subscription.department else None,
        "active": subscription.active,
        "disabled_reason": subscription.disabled_reason,
    }


def _own(client: ApiClient, pk: int) -> WebhookSubscription:
    found = WebhookSubscription.objects.select_related("department").filter(
        pk=pk, api_key_id=client.key_id
    )
    subscription = found.first()
    if subscription is None:
        raise NotFound(f"this key has no webhook subscription {pk}")
    return subscription


@router.post("", response={201: NewSubscriptionOut, **ERRORS})
def subscribe(request: HttpRequest, body: SubscriptionIn) -> Status[dict[str, Any]]:
    """Subscribe a URL to case events (of the key's department only, when it has one)."""
    client = require_scope(request, SCOPE)
    department = Department.objects.get(pk=client.department_id) if client.department_id else None
    subscription = webhook_subscribe(
        name=body.name, url=body.url, event_types=body.event_types, services=body.services,
        department=department, actor=client,
    )  # fmt: skip
    subscription.api_key = ApiKey.objects.get(pk=client.key_id)
    subscription.save(update_fields=["api_key"])
    subscriptions_changed()
    return Status(201, {**_out(subscription), "secret": subscription.secret})


@router.get("", response={200: list[SubscriptionOut], **ERRORS})
def subscriptions(request: HttpRequest) -> list[dict[str, Any]]:
    """This key's subscriptions."""
    client = require_scope(request, SCOPE)
    found = WebhookSubscription.objects.filter(api_key_id=client.key_id).select_related(
        "department"
    )
    return [_out(s) for s in found.order_by("pk")]


@router.get("/{pk}", response={200: SubscriptionOut, **ERRORS})
def subscription(request: HttpRequest, pk: ID) -> dict[str, Any]:
    return _out(_own(require_scope(request, SCOPE), pk))


@router.delete("/{pk}", response={204: None, **ERRORS})
def unsubscribe(request: HttpRequest, pk: ID) -> Status[None]:
    """Stop sending to this URL (its history stays in the outbox)."""
    subscription = _own(require_scope(request, SCOPE), pk)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_reason="unsubscribed by its owner"
    )
    subscriptions_changed()
    return Status(204, None)


@router.post("/{pk}/enable", response={200: SubscriptionOut, **ERRORS})
def enable(request: HttpRequest, pk: ID) -> dict[str, Any]:
    """Turn a disabled subscription back on (after fixing the receiving end)."""
    subscription = _own(require_scope(request, SCOPE), pk)
    WebhookSubscription.objects.filter(pk=pk).update(
        active=True, failing_since=None, disabled_reason=""
    )
    subscriptions_changed()
    subscription.refresh_from_db()
    return _out(subscription)


@router.post("/{pk}/replay", response={202: ReplayOut, **ERRORS})
def replay(request: HttpRequest, pk: ID, body: ReplayIn) -> Status[dict[str, int]]:
    """Send again every matching event since a moment (at most 90 days back)."""
    client = require_scope(request, SCOPE)
    subscription = _own(client, pk)
    since = body.since if body.since.tzinfo else body.since.replace(tzinfo=dt.UTC)
    if since < dt.datetime.now(dt.UTC) - dt.timedelta(days=90):
        raise InvalidInput([FieldError("since", "replay at most 90 days back")])
    if not subscription.active:
        raise InvalidInput([FieldError("since", "enable the subscription before replaying")])
    queued = webhook_replay(subscription=subscription, since=since, actor=client)
    return Status(202, {"queued": len(queued)})
