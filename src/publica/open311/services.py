"""Writes through Open311 that take more than one case service: an update from FixMyStreet."""

from __future__ import annotations

from django.db import transaction

from publica.cases.models import CaseEvent
from publica.cases.services import case_add_note, case_transition
from publica.core.actors import ApiClient
from publica.core.errors import FieldError, InvalidInput
from publica.open311 import statuses
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
