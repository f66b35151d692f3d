"""Writes through Open311 that take more than one case service: an update from FixMyStreet."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction

from publica.api.models import IdempotentRequest
from publica.assistant.services.triage import GENERAL, TRIAGE, triage_case
from publica.assistant.tasks import duplicates_note_task
from publica.cases.models import CaseEvent, Channel
from publica.cases.services import case_add_note, case_submit, case_transition
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import ApiClient
from publica.core.errors import FieldError, InvalidInput
from publica.open311 import serializers, statuses
from publica.open311.selectors import request_get

__all__ = ["request_update"]


def request_update(
    *, service_request_id: str, status: str, description: str, actor: ApiClient
) -> CaseEvent:
    """Add the update as a public note and, when `status` names a state the key may move the
    case to, take that step; both or neither. Returns the event whose id is the update id:
    the note, or the step when there is no text.
    """
    description = description.strip()
    with transaction.atomic():
        case = request_get(reference=service_request_id, actor=actor)
        workflow = case.service_version.workflow
        target = None
        if case.closed_at is None:
            target = statuses.target(workflow, case.state, status, actor.role)
        if not description and target is None:
            message = "give the update's text, or a status this request can move to"
            raise InvalidInput([FieldError("description", message)])
        note = None
        if description:
            note = case_add_note(case=case, text=description, actor=actor, public=True)
        if target is None:
            assert note is not None
            return note
        before = case.events.order_by("-pk").values_list("pk", flat=True).first() or 0
        step = workflow.step(case.state, target)
        reason = description if step.require_reason else ""
        case_transition(case=case, to=target, actor=actor, reason=reason)
        if note is not None:
            return note
        return case.events.filter(kind=CaseEvent.Kind.TRANSITIONED, pk__gt=before).earliest("pk")


#: How long the same report from the same key counts as a retry of the first.
RETRY_WINDOW = dt.timedelta(hours=24)


def request_submit(
    *,
    service: Service,
    data: dict[str, Any],
    contact: dict[str, str],
    body: bytes,
    actor: ApiClient,
) -> dict[str, Any]:
    """Submit a report once. Open311 clients (FixMyStreet among them) resend a report when
    they lost the answer, without an idempotency key: the same fields (`body`, in a canonical
    encoding) from the same key within a day get the first report's answer, never a second
    case."""
    key = "open311:" + hashlib.sha256(body).hexdigest()
    earlier = _earlier_answer(actor, key)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            # An answer older than the window is forgotten: the report is new again.
            IdempotentRequest.objects.filter(api_key_id=actor.key_id, key=key).delete()
            case = case_submit(
                service=service, data=data, actor=actor, channel=Channel.OPEN311, contact=contact
            )
            if service.slug == GENERAL:  # the generic code: the classifier finds the service
                triage_case(case=case, actor=TRIAGE)
                case.refresh_from_db()
            # GeoReport cannot ask the client about duplicates: staff are told, in the
            # background, in the same transaction as the report.
            duplicates_note_task.enqueue(case.pk)
            answer = serializers.submitted_item(case)
            IdempotentRequest.objects.create(
                api_key_id=actor.key_id, key=key, request_hash=key[8:], status=201,
                body=answer, created_at=clock.now(),
            )  # fmt: skip
    except IntegrityError:  # a copy sent at the same moment stored its answer first
        earlier = _earlier_answer(actor, key)
        if earlier is None:
            raise
        return earlier
    return answer


def _earlier_answer(actor: ApiClient, key: str) -> dict[str, Any] | None:
    found = IdempotentRequest.objects.filter(
        api_key_id=actor.key_id, key=key, created_at__gte=clock.now() - RETRY_WINDOW
    ).first()
    return found.body if found is not None else None
